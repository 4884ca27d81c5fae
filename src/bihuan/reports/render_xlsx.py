"""A bulletin as an .xlsx workbook (XlsxWriter): a first sheet with the text in order, then one sheet per
table — its caption, a frozen header, the figures as numbers — with a native Excel chart where the table
has one (the status and colour overview, the units ranking, the league tables)."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from bihuan.reports.blocks import (
    CHANGE,
    DATE,
    DAYS,
    INT,
    NUMBER,
    PERCENT,
    Chart,
    Document,
    Heading,
    Paragraph,
    Table,
    numbered,
    section_label,
)

MARKED_FILL = "#FBEAEA"
RED = "#C00000"


class Sheets:
    """Sheet names as Excel allows them: no []:*?/\\, at most 31 characters, each once."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def name(self, wanted: str) -> str:
        base = re.sub(r"[\[\]:*?/\\']", " ", wanted).strip()[:31] or "Sheet"
        name, count = base, 1
        while name.lower() in self.used:
            count += 1
            suffix = f" ({count})"
            name = base[: 31 - len(suffix)] + suffix
        self.used.add(name.lower())
        return name


def render_xlsx(document: Document) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    styles = _styles(book)
    sheets = Sheets()
    cover = book.add_worksheet(sheets.name(_("Bulletin")))
    placed = [(table, sheets.name(table.sheet)) for table in document.tables()]
    _write_cover(cover, document, styles, dict((id(t), name) for t, name in placed))
    for table, name in placed:
        _write_table(book, book.add_worksheet(name), name, table, styles)
    book.close()
    return buffer.getvalue()


def _styles(book: Any) -> dict[str, Any]:
    header = {
        "bold": True,
        "bg_color": "#DDE6F3",
        "border": 1,
        "text_wrap": True,
        "valign": "vcenter",
        "align": "center",
    }
    marked = {"bold": True, "bg_color": MARKED_FILL}
    formats: dict[str, Any] = {
        "issuer": book.add_format({"bold": True, "font_size": 18, "font_color": RED, "align": "center"}),
        "title": book.add_format({"bold": True, "font_size": 14, "align": "center", "text_wrap": True}),
        "meta": book.add_format({"font_color": "#555555", "align": "center"}),
        "section": book.add_format({"bold": True, "font_size": 12}),
        "heading": book.add_format({"bold": True, "italic": True}),
        "text": book.add_format({"text_wrap": True, "valign": "top"}),
        "link": book.add_format({"font_color": "#0563C1", "underline": 1}),
        "caption": book.add_format({"bold": True, "font_size": 12}),
        "header": book.add_format(header),
        "note": book.add_format({"italic": True, "font_color": "#555555"}),
        "draft": book.add_format({"bold": True, "font_color": RED}),
    }
    kinds = {INT: "0", PERCENT: "0.0%", DAYS: "0.0", CHANGE: '"▲"0;"▼"0;"–"', DATE: "yyyy-mm-dd"}
    for kind, pattern in kinds.items():
        formats[kind] = book.add_format({"num_format": pattern})
        formats[f"{kind}:marked"] = book.add_format({"num_format": pattern, **marked})
    formats["text:marked"] = book.add_format(marked)
    formats["_book"], formats["_numbers"] = book, {}
    return formats


def _number_format(styles: dict[str, Any], decimals: int, marked: bool) -> Any:
    key = (decimals, marked)
    if key not in styles["_numbers"]:
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        styles["_numbers"][key] = styles["_book"].add_format(
            {"num_format": pattern, **({"bold": True, "bg_color": MARKED_FILL} if marked else {})}
        )
    return styles["_numbers"][key]


def _write_cover(sheet: Any, document: Document, styles: dict[str, Any], sheet_of: dict[int, str]) -> None:
    sheet.set_column(0, 0, 110)
    row = 0
    if document.draft:
        sheet.write_string(row, 0, _("Draft — not published"), styles["draft"])
        row += 1
    for text, style in ((document.issuer, "issuer"), (document.number, "meta"), (document.title, "title")):
        if text:
            sheet.write_string(row, 0, text, styles[style])
            row += 1
    meta = _("%(scope)s · %(period)s · figures as of %(as_of)s") % {
        "scope": document.scope,
        "period": document.period,
        "as_of": document.as_of,
    }
    sheet.write_string(row, 0, meta, styles["meta"])
    row += 2
    for number, section in enumerate(document.sections, start=1):
        sheet.write_string(row, 0, f"{section_label(number)}{section.title}", styles["section"])
        row += 1
        for item in numbered(section.blocks):
            block = item.block
            if isinstance(block, Paragraph):
                sheet.write_string(row, 0, block.text, styles["text"])
            elif isinstance(block, Heading):
                sheet.write_string(row, 0, f"{item.label}{block.text}", styles["heading"])
            elif isinstance(block, Table):
                name = sheet_of[id(block)]
                label = f"{item.label}{block.caption}" if block.caption else name
                text = _("%(table)s: see the sheet “%(sheet)s”") % {"table": label, "sheet": name}
                sheet.write_url(row, 0, f"internal:'{name}'!A1", styles["link"], text)
            row += 1
        row += 1
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)


def _write_table(book: Any, sheet: Any, name: str, table: Table, styles: dict[str, Any]) -> None:
    width = len(table.columns)
    sheet.write_string(0, 0, table.caption or name, styles["caption"])
    for col, column in enumerate(table.columns):
        sheet.write_string(1, col, column.label, styles["header"])
        sheet.set_column(col, col, column.width)
    for number, values in enumerate(table.rows):
        marked = number in table.marked
        for col, (value, column) in enumerate(zip(values, table.columns, strict=True)):
            _write_cell(sheet, 2 + number, col, value, column, styles, marked)
    below = 2 + len(table.rows)
    if not table.rows and table.empty:
        sheet.write_string(below, 0, table.empty, styles["note"])
        below += 1
    if table.note:
        sheet.write_string(below + 1, 0, table.note, styles["note"])
    sheet.freeze_panes(2, 0)
    sheet.repeat_rows(1)
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    if width > 6:
        sheet.set_landscape()
    if table.chart is not None and table.rows:
        _insert_chart(book, sheet, name, table, table.chart)


def _write_cell(sheet: Any, row: int, col: int, value: Any, column: Any, styles: dict[str, Any], marked: bool) -> None:
    suffix = ":marked" if marked else ""
    if value is None:
        sheet.write_blank(row, col, None, styles["text:marked"] if marked else None)
    elif column.kind == NUMBER:
        sheet.write_number(row, col, value, _number_format(styles, column.decimals, marked))
    elif column.kind in (INT, PERCENT, DAYS, CHANGE):
        sheet.write_number(row, col, value, styles[f"{column.kind}{suffix}"])
    elif column.kind == DATE:
        sheet.write_datetime(row, col, date.fromisoformat(value), styles[f"{DATE}{suffix}"])
    else:
        sheet.write_string(row, col, str(value), styles["text:marked"] if marked else None)


def _insert_chart(book: Any, sheet: Any, name: str, table: Table, chart: Chart) -> None:
    rows = len(table.rows[: chart.limit] if chart.limit else table.rows)
    first, last = 2, 1 + rows
    excel = book.add_chart({"type": chart.kind})
    for index, column in enumerate(chart.values):
        series: dict[str, Any] = {
            "name": [name, 1, column],
            "categories": [name, first, chart.category, last, chart.category],
            "values": [name, first, column, last, column],
        }
        if chart.kind == "pie":
            series["points"] = [{"fill": {"color": colour}} for colour in chart.colours[:rows]]
            series["data_labels"] = {"value": True, "category": True, "separator": "\n"}
        else:
            colour = chart.colours[index] if index < len(chart.colours) else None
            if colour:
                series["fill"] = {"color": colour}
            if len(chart.values) == 1 and table.marked:
                series["points"] = [{"fill": {"color": "#B7322C"}} if n in table.marked else None for n in range(rows)]
            if rows <= 20:
                series["data_labels"] = {"value": True, **({"num_format": "0.0%"} if chart.percent else {})}
        excel.add_series(series)
    excel.set_title({"name": chart.title, "name_font": {"size": 12}})
    if chart.kind == "bar":
        excel.set_y_axis({"reverse": True})  # first row at the top, as in the table
        if chart.percent:
            excel.set_x_axis({"num_format": "0%", "max": 1, "min": 0})
    if len(chart.values) == 1 and chart.kind != "pie":
        excel.set_legend({"none": True})
    else:
        excel.set_legend({"position": "bottom"})
    height = (
        max(288, 60 + rows * 18 * (len(chart.values) if chart.kind == "bar" else 0)) if chart.kind == "bar" else 288
    )
    excel.set_size({"width": 640, "height": height})
    sheet.insert_chart(1, len(table.columns) + 1, excel)
