"""Column definitions shared by a list page and its .xlsx export, so both show the same thing."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import xlsxwriter
from django.http import HttpResponse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.text import capfirst
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Col:
    header: Any  # a lazy translated string
    value: Callable[[Any], Any]
    link: Callable[[Any], str] | None = None
    width: int = 16
    css: Callable[[Any], str] | None = None  # a CSS class for the page's cell, e.g. the warning colour


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return force_str(value)


def rows_for_page(columns: Sequence[Col], objects: Iterable[Any]) -> list[list[tuple[str, str, str]]]:
    """(text, link, css class) of every cell."""
    return [
        [(cell_text(c.value(o)), c.link(o) if c.link else "", c.css(o) if c.css else "") for c in columns]
        for o in objects
    ]


def xlsx_response(filename: str, title: str, columns: Sequence[Col], objects: Iterable[Any]) -> HttpResponse:
    """A workbook with one sheet: bold frozen header, filters on, sensible widths, print setup."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True})
    sheet = book.add_worksheet(force_str(title)[:31])
    header = book.add_format({"bold": True, "bg_color": "#DDE6F3", "border": 1, "text_wrap": True, "valign": "vcenter"})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for index, column in enumerate(columns):
        sheet.write(0, index, capfirst(force_str(column.header)), header)
        sheet.set_column(index, index, column.width)
    count = 0
    for row, obj in enumerate(objects, start=1):
        count = row
        for index, column in enumerate(columns):
            value = column.value(obj)
            if isinstance(value, datetime):
                sheet.write_datetime(row, index, timezone.localtime(value).replace(tzinfo=None), when)
            elif isinstance(value, date):
                sheet.write_datetime(row, index, datetime(value.year, value.month, value.day), day)
            elif isinstance(value, bool):
                sheet.write_string(row, index, force_str(_("yes") if value else _("no")))
            elif isinstance(value, (int, float)):
                sheet.write_number(row, index, value)
            else:
                sheet.write_string(row, index, cell_text(value))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(count, 1), max(len(columns) - 1, 0))
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    book.close()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.xlsx"'
    return response
