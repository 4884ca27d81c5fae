"""The key-task statistics page (统计): a table by unit or category, two charts, and its .xlsx export."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import xlsxwriter
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from bihuan.core.policy import policy
from bihuan.supervision import selectors
from bihuan.supervision.models import KeyTask, TaskStatus
from bihuan.supervision.statistics import Month, Row, Statistics, days_text, percent_text

COLOURS = {"red": "#dc3545", "yellow": "#f0ad00", "green": "#198754", "closed": "#6c8ebf", "line": "#b7322c"}


@dataclass(frozen=True)
class Figure:
    """One column of the table or the trend, shared by the page and the export."""

    header: Any  # a lazy translated string
    value: Callable[[Any], Any]
    kind: str = "count"  # count, percent (a share 0–1) or days
    width: int = 10


FIGURES = (
    Figure(gettext_lazy("Tasks"), lambda r: r.total),
    Figure(pgettext_lazy("light", "Green"), lambda r: r.green),
    Figure(pgettext_lazy("light", "Yellow"), lambda r: r.yellow),
    Figure(pgettext_lazy("light", "Red"), lambda r: r.red),
    Figure(TaskStatus.CLOSED.label, lambda r: r.closed),
    Figure(TaskStatus.SUSPENDED.label, lambda r: r.suspended),
    Figure(TaskStatus.CANCELLED.label, lambda r: r.cancelled),
    Figure(TaskStatus.DRAFT.label, lambda r: r.draft),
    Figure(gettext_lazy("Closure rate"), lambda r: r.closure_rate, "percent"),
    Figure(gettext_lazy("Reports due"), lambda r: r.reports_due),
    Figure(gettext_lazy("On time"), lambda r: r.reports_on_time),
    Figure(gettext_lazy("On-time report rate"), lambda r: r.on_time_rate, "percent", 12),
    Figure(gettext_lazy("Late reports"), lambda r: r.reports_late),
    Figure(gettext_lazy("Average days late"), lambda r: r.average_days_late, "days", 12),
)
TREND = (
    Figure(gettext_lazy("Tasks closed"), lambda m: m.closed),
    Figure(gettext_lazy("Reports due"), lambda m: m.reports_due),
    Figure(gettext_lazy("On time"), lambda m: m.reports_on_time),
    Figure(gettext_lazy("On-time report rate"), lambda m: m.on_time_rate, "percent", 12),
)


def text(figure: Figure, obj: Any) -> str:
    value = figure.value(obj)
    if figure.kind == "percent":
        return percent_text(value)
    if figure.kind == "days":
        return days_text(value)
    return str(value)


@login_required
def task_statistics(request: HttpRequest) -> HttpResponse:
    by = "category" if request.GET.get("by") == "category" else "unit"
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() else None
    today = timezone.localdate()
    stats = selectors.statistics(request.user, today, by=by, year=year)
    group_header = _("Work category") if by == "category" else _("Lead unit")
    if request.GET.get("format") == "xlsx":
        policy.require(request.user, "export", KeyTask)
        return workbook(stats, group_header)
    query = {"year": year} if year is not None else {}
    return render(
        request,
        "supervision/statistics.html",
        {
            "title": _("Key task statistics"),
            "stats": stats,
            "today": today,
            "group_header": group_header,
            "headers": [f.header for f in FIGURES],
            "rows": [_table_row(stats.by, row, query) for row in stats.table.rows],
            "total": [text(f, stats.table.total) for f in FIGURES],
            "trend_headers": [f.header for f in TREND],
            "trend": [(m.month, [text(f, m) for f in TREND]) for m in stats.trend],
            "charts": charts(stats),
            "chart_height": max(240, 34 * len(stats.table.rows) + 80),
            "export_query": urlencode({"by": by, **query, "format": "xlsx"}),
            "export": policy.can(request.user, "export", KeyTask),
        },
    )


def _table_row(by: str, row: Row, query: dict[str, Any]) -> dict[str, Any]:
    """A row's label, its figures in words, and a link to the task list filtered to the group."""
    link = ""
    if row.key:
        wanted = {"category": row.key} if by == "category" else {"lead_unit": row.key}
        link = f"{reverse('task-list')}?{urlencode({**wanted, **query})}"
    return {"label": row.label, "link": link, "cells": [text(f, row) for f in FIGURES]}


def charts(stats: Statistics) -> dict[str, Any]:
    """ECharts options, passed to the page as JSON: light colours stacked per group, and the monthly trend."""
    labels = [row.label for row in stats.table.rows]
    stacked = [
        (pgettext_lazy("light", "Red"), "red", lambda r: r.red),
        (pgettext_lazy("light", "Yellow"), "yellow", lambda r: r.yellow),
        (pgettext_lazy("light", "Green"), "green", lambda r: r.green),
        (TaskStatus.CLOSED.label, "closed", lambda r: r.closed),
    ]
    by_group = {
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "legend": {"top": 0},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {
            "type": "category",
            "data": labels,
            "inverse": True,
            "axisLabel": {"width": 110, "overflow": "truncate"},
        },
        "series": [
            {
                "name": str(name),
                "type": "bar",
                "stack": "tasks",
                "data": [value(r) for r in stats.table.rows],
                "itemStyle": {"color": COLOURS[colour]},
            }
            for name, colour, value in stacked
        ],
        "animation": False,
    }
    months = [m.month for m in stats.trend]
    trend = {
        "grid": {"left": 8, "right": 8, "top": 60, "bottom": 8, "containLabel": True},  # room for a wrapped legend
        "legend": {"top": 0},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": months},
        "yAxis": [
            {"type": "value", "minInterval": 1},
            {
                "type": "value",
                "min": 0,
                "max": 100,
                "axisLabel": {"formatter": "{value}%"},
                "splitLine": {"show": False},
            },
        ],
        "series": [
            _line(_("Tasks closed"), [m.closed for m in stats.trend], COLOURS["closed"]),
            _line(_("Reports due"), [m.reports_due for m in stats.trend], COLOURS["yellow"]),
            {
                **_line(_("On-time report rate"), [_percent(m) for m in stats.trend], COLOURS["line"]),
                "yAxisIndex": 1,
                "connectNulls": False,
            },
        ],
        "animation": False,
    }
    return {"by_group": by_group, "trend": trend}


def _line(name: str, data: list[Any], colour: str) -> dict[str, Any]:
    return {"name": name, "type": "line", "data": data, "itemStyle": {"color": colour}, "symbolSize": 6}


def _percent(month: Month) -> float | None:
    """The month's on-time share in percent for the chart; None (a gap) when no report was due."""
    rate = month.on_time_rate
    return None if rate is None else round(rate * 100, 1)


def workbook(stats: Statistics, group_header: str) -> HttpResponse:
    """Two sheets: the table with its totals row, and the monthly trend."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    formats = {
        "header": book.add_format({"bold": True, "bg_color": "#DDE6F3", "border": 1, "text_wrap": True}),
        "percent": book.add_format({"num_format": "0.0%"}),
        "days": book.add_format({"num_format": "0.0"}),
        "count": None,
        "bold": book.add_format({"bold": True}),
    }
    rows = [(row.label, row) for row in stats.table.rows] + [(_("Total"), stats.table.total)]
    _sheet(book, formats, _("By unit") if stats.by == "unit" else _("By category"), group_header, FIGURES, rows)
    trend = [(month.month, month) for month in stats.trend]
    _sheet(book, formats, _("Trend by month"), _("Month"), TREND, trend, totals=False)
    book.close()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"task-statistics-{stats.by}" + (f"-{stats.year}" if stats.year else "")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.xlsx"'
    return response


def _sheet(
    book: Any,
    formats: dict[str, Any],
    title: str,
    first_header: str,
    figures: Sequence[Figure],
    rows: Sequence[tuple[str, Any]],
    totals: bool = True,
) -> None:
    sheet = book.add_worksheet(force_str(title)[:31])
    sheet.write_row(0, 0, [first_header, *(capfirst(force_str(f.header)) for f in figures)], formats["header"])
    sheet.set_column(0, 0, 24)
    for index, figure in enumerate(figures, start=1):
        sheet.set_column(index, index, figure.width)
    for number, (label, obj) in enumerate(rows, start=1):
        last = totals and number == len(rows)
        sheet.write_string(number, 0, label, formats["bold"] if last else None)
        for index, figure in enumerate(figures, start=1):
            value = figure.value(obj)
            if value is None:
                sheet.write_string(number, index, "—")
            else:
                sheet.write_number(number, index, value, formats[figure.kind])
    sheet.freeze_panes(1, 1)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
