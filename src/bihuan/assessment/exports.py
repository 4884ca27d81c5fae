"""The .xlsx workbooks of a scheme's results: the league (one row per unit, one column per item) and every
unit's score sheet (items, adjustments, and every trail entry in words). Both read the same results structure
the pages show, so a published scheme exports its frozen snapshot."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from bihuan.assessment import wording
from bihuan.assessment.models import Method, Scheme
from bihuan.indicators.models import Indicator

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Book:
    """A workbook with the house style: bold frozen header, filters, landscape A4 fitted to the width."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, {"in_memory": True})
        self.header = self.book.add_format(
            {"bold": True, "bg_color": "#DDE6F3", "border": 1, "text_wrap": True, "valign": "vcenter"}
        )
        self.number = self.book.add_format({"num_format": "0.00"})
        self.title = self.book.add_format({"bold": True, "font_size": 13})

    def sheet(self, name: str, title: str, headers: Sequence[tuple[str, int]], rows: Sequence[Sequence[Any]]) -> None:
        sheet = self.book.add_worksheet(name[:31])
        sheet.write(0, 0, title, self.title)
        for col, (text, width) in enumerate(headers):
            sheet.write(1, col, text, self.header)
            sheet.set_column(col, col, width)
        for r, row in enumerate(rows, start=2):
            for col, value in enumerate(row):
                if isinstance(value, bool):
                    sheet.write_string(r, col, _("yes") if value else "")
                elif isinstance(value, (int, float)):
                    sheet.write_number(r, col, value, self.number if isinstance(value, float) else None)
                elif value is None:
                    sheet.write_blank(r, col, None)
                else:
                    sheet.write_string(r, col, str(value))
        sheet.freeze_panes(2, 0)
        sheet.autofilter(1, 0, max(len(rows) + 1, 2), max(len(headers) - 1, 0))
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(1)

    def response(self, filename: str) -> HttpResponse:
        self.book.close()
        response = HttpResponse(self.buffer.getvalue(), content_type=XLSX)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.xlsx"'
        return response


def _caption(scheme: Scheme, data: dict[str, Any]) -> str:
    if data["scheme"].get("state") == "published" or scheme.state == "published":
        state = _("published results")
    else:
        state = _("preview, not published")
    return _("%(scheme)s — %(state)s; facts as of %(as_of)s") % {
        "scheme": scheme,
        "state": state,
        "as_of": data["as_of"],
    }


def delivery_headers() -> list[tuple[str, int]]:
    """The delivery sheet's headers, in the active language."""
    return [
        (_("key tasks led"), 9),
        (_("overdue tasks"), 9),
        (_("days overdue, in all"), 10),
        (_("closure rate %"), 9),
        (_("reports due"), 9),
        (_("late reports"), 9),
        (_("missing reports"), 9),
        (_("on-time report rate %"), 10),
        (_("returned reports"), 9),
        (_("mean quality rating at close-out"), 12),
        (_("tasks rated"), 8),
    ]


def delivery_cells(facts: dict[str, Any]) -> list[Any]:
    return [
        facts["tasks"],
        facts["overdue_tasks"],
        facts["days_overdue"],
        facts["closure_rate"],
        facts["reports_due"],
        facts["late_reports"],
        facts["missing_reports"],
        facts["on_time_report_rate"],
        facts["returns"],
        facts["quality"],
        facts["rated"],
    ]


def _number(value: Any) -> float | None:
    """A cell's number; None (an item whose weight went to the unit's other items) leaves the cell empty."""
    return None if value is None else float(value)


def league_workbook(scheme: Scheme, data: dict[str, Any]) -> HttpResponse:
    items = data["items"]
    headers = [
        (_("rank"), 6),
        (_("code"), 10),
        (_("unit"), 22),
        *((f"{i['name']} ({wording.points(i['weight'])}%)", 14) for i in items),
        (_("bonus"), 8),
        (_("points off"), 8),
        (_("total"), 9),
        (_("grade"), 9),
        (_("vetoed"), 8),
        (_("why not a higher grade"), 36),
    ]
    rows = [
        [
            row["rank"],
            row["unit"]["code"],
            row["unit"]["name"],
            *(_number(row["items"][i["id"]]["points"]) for i in items),
            float(row["bonus"]),
            float(row["malus"]),
            float(row["total"]),
            row["grade"],
            row["vetoed"],
            wording.grade_note(row["note"]),
        ]
        for row in data["units"]
    ]
    book = Book()
    book.sheet(_("League"), _caption(scheme, data), headers, rows)
    return book.response(f"assessment-{scheme.pk}-league")


def sheets_workbook(scheme: Scheme, data: dict[str, Any]) -> HttpResponse:
    """Every unit's sheet: its item points, its adjustments, and (a sheet of its own) every trail entry."""
    items = {i["id"]: i for i in data["items"]}
    methods = dict(Method.choices)
    ids = {
        e["indicator_id"]
        for row in data["units"]
        for scored in row["items"].values()
        for e in scored["trail"]
        if e.get("indicator_id")
    }
    codes = dict(Indicator.objects.filter(pk__in=ids).values_list("pk", "code")) if ids else {}
    item_rows, trail_rows, adjustment_rows, delivery_rows = [], [], [], []
    for row in data["units"]:
        unit = row["unit"]
        for key, scored in row["items"].items():
            item = items.get(key, {"name": key, "method": "", "weight": 0})
            if "reports_due" in scored.get("facts", {}):
                delivery_rows.append([unit["code"], unit["name"], *delivery_cells(scored["facts"])])
            item_rows.append(
                [
                    unit["code"],
                    unit["name"],
                    item["name"],
                    methods.get(item["method"], item["method"]),
                    float(scored.get("weight", item["weight"])),
                    _number(scored["points"]),
                    float(scored["weighted"]),
                ]
            )
            for entry in scored["trail"]:
                line = wording.trail_line(entry, codes)
                trail_rows.append(
                    [
                        unit["code"],
                        unit["name"],
                        item["name"],
                        line.text,
                        entry.get("number", ""),
                        entry.get("period") or "",
                        -float(line.off) if line.off else None,
                        (getattr(settings, "BIHUAN_BASE_URL", "") + line.link) if line.link else "",
                    ]
                )
        for a in row["adjustments"]:
            adjustment_rows.append(
                [
                    unit["code"],
                    unit["name"],
                    wording.kind_label(a["kind"]),
                    float(a["points"]),
                    a["reason"],
                    a.get("evidence", ""),
                    wording.rule_label(a.get("rule", "")),
                    a.get("task_number", ""),
                    wording.adjustment_state(a),
                    wording.withdrawn_reason(a.get("withdrawn_reason", "")),
                    "; ".join(e["decision_reason"] for e in a.get("exemptions", []) if e.get("decision_reason")),
                ]
            )
    book = Book()
    caption = _caption(scheme, data)
    book.sheet(
        _("Score sheets"),
        caption,
        [
            (_("code"), 10),
            (_("unit"), 22),
            (_("item"), 22),
            (_("method"), 12),
            (_("weight %"), 8),
            (_("points"), 8),
            (_("weighted points"), 10),
        ],
        item_rows,
    )
    book.sheet(
        _("Trail"),
        caption,
        [
            (_("code"), 10),
            (_("unit"), 22),
            (_("item"), 20),
            (_("what"), 60),
            (_("key task"), 10),
            (_("period"), 9),
            (_("points off"), 8),
            (_("link"), 30),
        ],
        trail_rows,
    )
    if delivery_rows:
        book.sheet(_("Delivery"), caption, [(_("code"), 10), (_("unit"), 22), *delivery_headers()], delivery_rows)
    book.sheet(
        _("Adjustments"),
        caption,
        [
            (_("code"), 10),
            (_("unit"), 22),
            (_("kind"), 10),
            (_("points"), 8),
            (_("reason"), 40),
            (_("evidence"), 20),
            (_("automatic rule"), 12),
            (_("key task"), 10),
            (_("state"), 12),
            (_("reason for withdrawal"), 24),
            (_("reasons for the decision"), 30),
        ],
        adjustment_rows,
    )
    return book.response(f"assessment-{scheme.pk}-sheets")
