"""Key-task statistics by unit or by category, and a monthly trend: pure functions on plain data.

Every figure, and what it is divided by (the user guide says the same in words):

- **total**: every task of the group, whatever its status.
- **green / yellow / red**: open tasks (assigned … completion requested) by today's warning light
  (`warnings.warning_light`); drafts, suspended, closed and cancelled tasks have no light.
- **closed, suspended, cancelled, draft**: tasks in that status now.
- **closure rate** = closed / (total − cancelled − draft): a cancelled task will never be closed and a
  draft was never handed out. None (shown "—") when that is 0.
- **reports due**: the report periods (`schedule.report_periods`, from `schedule.reporting_start` to the
  task's due date; a due date on a day off moved to the next working day by the deployment's calendar,
  ADR 8) whose due date is before today, of tasks that are open or closed; for a closed task only
  the periods due on or before the day it was closed. Drafts, suspended and cancelled tasks owe none (the
  day a task was suspended is kept only in the audit log, so its past periods cannot be told apart).
  A period due today is counted tomorrow: until the day is over the report can still come in on time.
- **on time**: the report of the period was submitted (it is submitted or accepted now) on or before the
  due date. A missing report, a draft or a returned one is not on time, as in the warning lights.
- **on-time report rate** = on time / reports due; None when no report was due.
- **late reports**: reports due that were not on time; each is late by (the day it was submitted, or else
  today — or the day the task was closed, if it is closed) − its due date.
- **average days late** = total days late / late reports; None when no report was late.

The trend gives, for each month, the tasks closed in it (those closed now whose close-out date falls in the
month: a task reopened since is not counted) and the reports due in it (by the rules above, so the current
month holds only the periods due before today) with the on-time share. It has no red count at month end:
the light of a past day would need the task's status, due date and progress as they were that day, which
are kept only in the audit log, so such a count would be a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from bihuan.core.calendar import WorkCalendar
from bihuan.supervision.schedule import report_periods
from bihuan.supervision.warnings import GREEN, OPEN_STATES, RED, YELLOW

CLOSED, SUSPENDED, CANCELLED, DRAFT = "closed", "suspended", "cancelled", "draft"
REPORTING = OPEN_STATES | {CLOSED}  # tasks whose report periods are counted


@dataclass(frozen=True)
class TaskRecord:
    """What the statistics need of one key task."""

    id: int
    group: str  # key of the group the task counts in (a unit code, a category id, "" for none)
    status: str
    light: str  # red, yellow, green, or none for tasks that are not open
    start: date  # first day reports are owed from (`schedule.reporting_start`)
    due: date
    cadence: str
    report_day: int
    closed_on: date | None = None
    submitted: Mapping[str, date] = field(default_factory=dict)  # period → day submitted (submitted or accepted)


@dataclass(frozen=True)
class Group:
    key: str
    label: str


@dataclass(frozen=True)
class ReportOutcome:
    period: str
    due: date
    on_time: bool
    days_late: int  # 0 when on time


@dataclass
class Row:
    """The figures of one group (or of all groups: the totals row)."""

    key: str
    label: str
    total: int = 0
    green: int = 0
    yellow: int = 0
    red: int = 0
    closed: int = 0
    suspended: int = 0
    cancelled: int = 0
    draft: int = 0
    reports_due: int = 0
    reports_on_time: int = 0
    reports_late: int = 0
    days_late: int = 0  # summed over the late reports

    @property
    def closable(self) -> int:
        """The closure rate's denominator: total − cancelled − draft."""
        return self.total - self.cancelled - self.draft

    @property
    def closure_rate(self) -> float | None:
        return ratio(self.closed, self.closable)

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.reports_on_time, self.reports_due)

    @property
    def average_days_late(self) -> float | None:
        return ratio(self.days_late, self.reports_late)

    def add(self, task: TaskRecord, outcomes: Sequence[ReportOutcome]) -> None:
        self.total += 1
        if task.light in (GREEN, YELLOW, RED):
            setattr(self, task.light, getattr(self, task.light) + 1)
        if task.status in (CLOSED, SUSPENDED, CANCELLED, DRAFT):
            setattr(self, task.status, getattr(self, task.status) + 1)
        self.reports_due += len(outcomes)
        self.reports_on_time += sum(1 for o in outcomes if o.on_time)
        self.reports_late += sum(1 for o in outcomes if not o.on_time)
        self.days_late += sum(o.days_late for o in outcomes)


@dataclass(frozen=True)
class Table:
    rows: list[Row]
    total: Row


@dataclass
class Month:
    month: str  # written as periods are: 2025-10
    closed: int = 0
    reports_due: int = 0
    reports_on_time: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.reports_on_time, self.reports_due)


@dataclass(frozen=True)
class Statistics:
    """What the statistics page shows: the table by unit or category, the trend, and the years to pick from."""

    by: str
    year: int | None
    table: Table
    trend: list[Month]
    years: list[int]


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def report_outcomes(task: TaskRecord, today: date, deadlines: WorkCalendar | None = None) -> list[ReportOutcome]:
    """The task's report periods due before today (see the module's definitions), each on time or late; with
    `deadlines`, a deadline on a day off is the next working day's."""
    if task.status not in REPORTING:
        return []
    closed = task.closed_on if task.status == CLOSED else None
    stop = today if closed is None else min(today, closed)  # the day a missing report stops getting later
    outcomes = []
    for period in report_periods(task.cadence, task.report_day, task.start, task.due, deadlines):
        if period.due >= today or (closed is not None and period.due > closed):
            break  # periods come in order of due date
        submitted = task.submitted.get(period.key)
        if submitted is not None and submitted <= period.due:
            outcomes.append(ReportOutcome(period.key, period.due, True, 0))
        else:
            outcomes.append(
                ReportOutcome(period.key, period.due, False, max(((submitted or stop) - period.due).days, 0))
            )
    return outcomes


def table(
    tasks: Iterable[TaskRecord], today: date, groups: Sequence[Group] = (), deadlines: WorkCalendar | None = None
) -> Table:
    """One row per group, in the order of `groups` (shown even when empty), then any other group a task
    names, by key; and the totals row over every task."""
    rows = {g.key: Row(g.key, g.label) for g in groups}
    total = Row("", "")
    for task in tasks:
        outcomes = report_outcomes(task, today, deadlines)
        rows.setdefault(task.group, Row(task.group, task.group)).add(task, outcomes)
        total.add(task, outcomes)
    known = [rows[g.key] for g in groups]
    others = sorted((r for key, r in rows.items() if key not in {g.key for g in groups}), key=lambda r: r.key)
    return Table(known + others, total)


def trend_months(today: date, year: int | None = None) -> list[str]:
    """The trend's months: January to December of a past `year`, otherwise the 12 months up to today's."""
    if year is not None and year < today.year:
        return [f"{year}-{m:02d}" for m in range(1, 13)]
    months = []
    y, m = today.year, today.month
    for _ in range(12):
        months.append(f"{y}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return months[::-1]


def trend(
    tasks: Iterable[TaskRecord], today: date, months: Sequence[str], deadlines: WorkCalendar | None = None
) -> list[Month]:
    """Tasks closed and reports due (and how many on time) in each of `months`."""
    result = {key: Month(key) for key in months}
    for task in tasks:
        if task.status == CLOSED and task.closed_on is not None:
            month = result.get(_month(task.closed_on))
            if month is not None:
                month.closed += 1
        for outcome in report_outcomes(task, today, deadlines):
            month = result.get(_month(outcome.due))
            if month is not None:
                month.reports_due += 1
                month.reports_on_time += outcome.on_time
    return list(result.values())


def percent_text(value: float | None) -> str:
    """0.8333 → "83.3%"; None (nothing to divide by) → "—"."""
    return "—" if value is None else f"{value * 100:.1f}%"


def days_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _month(day: date) -> str:
    return f"{day.year}-{day.month:02d}"
