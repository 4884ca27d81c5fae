"""The ledger (台账): the .xlsx of key tasks that offices print and hand around. One row per task with
its latest report and its warning light as a coloured cell; printed landscape on A4, one page wide,
the header repeated on every page. Its task columns carry the import's headers, so it imports back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

import xlsxwriter
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from bihuan.core.policy import policy
from bihuan.org.models import Unit
from bihuan.supervision import selectors
from bihuan.supervision.importers import COLUMN
from bihuan.supervision.models import KeyTask, ProgressReport, TaskStatus
from bihuan.supervision.presentation import light_text
from bihuan.supervision.warnings import GREEN, RED, YELLOW, Light

#: The warning cell's fill, light enough to read the text on when printed.
FILLS = {RED: "#FF8A80", YELLOW: "#FFE082", GREEN: "#A5D6A7"}
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BATCH = 2000  # tasks fetched (with their partner units) per query while writing

User = get_user_model()


def _columns() -> list[tuple[str, int]]:
    """(header, width) of each column; the task columns use the import's headers in the current language."""
    return [
        (pgettext("row number", "No."), 5),
        (COLUMN["year"].header(), 6),
        (COLUMN["number"].header(), 10),
        (COLUMN["title"].header(), 30),
        (COLUMN["lead_unit"].header(), 12),
        (COLUMN["partner_units"].header(), 16),
        (COLUMN["leader"].header(), 8),
        (COLUMN["start"].header(), 11),
        (COLUMN["due"].header(), 11),
        (capfirst(_("progress %")), 7),  # of the latest report, like the next column
        (_("Latest report: what was done"), 40),
        (capfirst(_("status")), 9),
        (capfirst(_("warning")), 24),
    ]


@dataclass(frozen=True)
class TaskRow:
    """What one line of the ledger shows of a task."""

    pk: int
    year: int
    number: str
    title: str
    lead_unit: str
    partner_units: str
    leader: str
    start: date | None
    due: date
    progress: int  # of the latest report sent to the office, else the task's
    latest: str  # “2025-09: what was done”
    status: str
    light: Light  # as kept on the task (see KeyTask.light)


def ledger_rows(queryset: QuerySet[KeyTask]) -> Iterator[TaskRow]:
    """The rows of `queryset` (already limited by the policy), streamed: per 2,000 tasks one query for
    the tasks (with the id of each one's latest report), and one each for those reports, their partner
    units and their leaders."""
    units = {u.pk: u.label for u in Unit.objects.only("id", "name", "short_name")}  # in the units' own order
    order = {pk: index for index, pk in enumerate(units)}
    fields = (
        "pk",
        "year",
        "number",
        "title",
        "lead_unit_id",
        "leader_id",
        "start",
        "due",
        "progress",
        "status",
        "light",
        "light_reasons",
    )
    values = selectors.with_latest_report(queryset.select_related(None).prefetch_related(None)).values_list(
        *fields, "latest_report_id"
    )
    statuses = {value: str(label) for value, label in TaskStatus.choices}
    batch: list[tuple] = []
    for row in values.iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) == BATCH:
            yield from _rows(batch, units, order, statuses)
            batch = []
    yield from _rows(batch, units, order, statuses)


def _rows(
    batch: list[tuple], units: dict[int, str], order: dict[int, int], statuses: dict[str, str]
) -> Iterator[TaskRow]:
    if not batch:
        return
    partners: dict[int, list[int]] = defaultdict(list)
    through = KeyTask.partner_units.through.objects.filter(keytask_id__in=[row[0] for row in batch])
    for task_id, unit_id in through.values_list("keytask_id", "unit_id"):
        partners[task_id].append(unit_id)
    report_ids = [row[-1] for row in batch if row[-1]]
    reports = {
        pk: (period, progress, done)
        for pk, period, progress, done in ProgressReport.objects.filter(pk__in=report_ids).values_list(
            "pk", "period", "progress", "done"
        )
    }
    people = User.objects.filter(pk__in={row[5] for row in batch if row[5]})
    leaders = {
        p.pk: p.get_full_name() or p.get_username() for p in people.only("id", "username", "first_name", "last_name")
    }
    for pk, year, number, title, lead, leader, start, due, progress, status, light, reasons, report_id in batch:
        period, latest, done = reports.get(report_id, (None, None, ""))
        yield TaskRow(
            pk=pk,
            year=year,
            number=number,
            title=title,
            lead_unit=units.get(lead, ""),
            partner_units="、".join(units[u] for u in sorted(partners[pk], key=lambda u: order.get(u, 0))),
            leader=leaders.get(leader, ""),
            start=start,
            due=due,
            progress=latest if latest is not None else progress,
            latest=f"{period}: {done}" if period else "",
            status=statuses.get(status, status),
            light=selectors.light_from(light, reasons),
        )


def write_ledger(tasks: QuerySet[KeyTask] | Iterable[TaskRow], target: str | IO[bytes], title: str) -> int:
    """Write the ledger of `tasks` (a queryset, read in batches by `ledger_rows`, or rows made by it) to a
    path or a binary file; returns the number of tasks written."""
    rows = ledger_rows(tasks) if isinstance(tasks, QuerySet) else tasks
    # constant_memory: each row goes to disk as it is written, so 20,000 rows take little memory
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "remove_timezone": True})
    sheet = book.add_worksheet(_("Ledger")[:31])
    base = {"text_wrap": True, "valign": "top", "border": 1, "font_size": 10}
    heading = book.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    header = book.add_format({**base, "bold": True, "bg_color": "#DDE6F3", "align": "center", "valign": "vcenter"})
    text = book.add_format(base)
    centred = book.add_format({**base, "align": "center"})
    day = book.add_format({**base, "num_format": "yyyy-mm-dd", "align": "center"})
    fills = {level: book.add_format({**base, "bg_color": colour}) for level, colour in FILLS.items()}
    columns = _columns()
    last = len(columns) - 1
    for index, (_header, width) in enumerate(columns):
        sheet.set_column(index, index, width)
    sheet.set_row(0, 30)
    sheet.merge_range(0, 0, 0, last, title, heading)
    sheet.set_row(1, 30)
    for index, (name, _width) in enumerate(columns):
        sheet.write_string(1, index, name, header)
    line = 1
    for line, task in enumerate(rows, start=2):
        # strings are written as strings: a title beginning with "=" must never become a formula
        sheet.write_number(line, 0, line - 1, centred)
        sheet.write_number(line, 1, task.year, centred)
        sheet.write_string(line, 2, task.number, centred)
        sheet.write_string(line, 3, task.title, text)
        sheet.write_string(line, 4, task.lead_unit, text)
        sheet.write_string(line, 5, task.partner_units, text)
        sheet.write_string(line, 6, task.leader, text)
        _write_day(sheet, line, 7, task.start, day)
        _write_day(sheet, line, 8, task.due, day)
        sheet.write_number(line, 9, task.progress, centred)
        sheet.write_string(line, 10, task.latest, text)
        sheet.write_string(line, 11, task.status, centred)
        light = task.light
        if light.level in fills:
            sheet.write_string(line, 12, light_text(light), fills[light.level])
        else:
            sheet.write_string(line, 12, "—", centred)
    sheet.freeze_panes(2, 0)
    sheet.autofilter(1, 0, max(line, 2), last)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # one page wide, as many long as it takes
    sheet.repeat_rows(1)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.7)
    sheet.center_horizontally()
    sheet.set_footer("&C" + _("Page &P of &N"))  # &P and &N are Excel's page number and count
    book.close()
    return line - 1


EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's date numbers (right for every date after February 1900)


def _write_day(sheet: Any, row: int, column: int, value: date | None, style: Any) -> None:
    """A real date cell; written as its day number, which costs xlsxwriter far less than a datetime."""
    if value is None:
        sheet.write_blank(row, column, None, style)
    else:
        sheet.write_number(row, column, (value - EXCEL_EPOCH).days, style)


def ledger_title(today: date, year: int | None = None, unit: Unit | None = None) -> str:
    """“2025 年重点任务台账 · 市发改委（截至 2025-11-30）”."""
    name = _("Key task ledger %(year)s") % {"year": year} if year else _("Key task ledger")
    if unit is not None:
        name = f"{name} · {unit.label}"
    return _("%(title)s (as of %(date)s)") % {"title": name, "date": today.isoformat()}


def export_tasks(
    actor: Any, target: str | IO[bytes], *, year: int | None = None, unit: Unit | None = None, today: date | None = None
) -> int:
    """The ledger of the tasks `actor` may see, of one year and of one unit (lead or partner) if given."""
    policy.require(actor, "export", KeyTask)
    today = today or timezone.localdate()
    tasks = selectors.tasks(actor)
    if year:
        tasks = tasks.filter(year=year)
    if unit is not None:
        tasks = tasks.filter(Q(lead_unit=unit) | Q(partner_units=unit)).distinct()
    selectors.refresh_stale(tasks, today)
    return write_ledger(tasks, target, ledger_title(today, year, unit))
