"""Report periods of a key task: pure functions on dates, no database.

A task reports on a cadence. Each period has a key written the way the whole product writes periods
(`2025-10` a month, `2025-Q3` a quarter, `2025-W43` an ISO week) and a due date:

- weekly: every ISO week; the report is due on weekday `report_day` (1 = Monday … 7 = Sunday) of
  that week;
- fortnightly: every second ISO week counted from the task's start week, due as weekly, on the
  second week of the pair;
- monthly: every calendar month; due on day `report_day` of the *following* month (“每月5日前报送上月
  进展”), or its last day when shorter;
- quarterly: every calendar quarter; due on day `report_day` of the month after the quarter.

Periods run from the one containing `start` to the one containing `end` (the task's due date).

With a working calendar (`core.calendar.deadline_calendar`, the deployment's), a due date on a weekend or
public holiday moves to the next working day (遇节假日顺延): “5 October” in a Golden Week becomes the 9th.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

from bihuan.core.calendar import WorkCalendar, deadline_calendar

CADENCES = ("weekly", "fortnightly", "monthly", "quarterly")


@dataclass(frozen=True, order=True)
class Period:
    due: date
    key: str
    start: date
    end: date


@lru_cache(maxsize=4096)
def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _weeks(start: date, end: date, step: int, report_day: int) -> list[Period]:
    monday = start - timedelta(days=start.weekday())
    periods = []
    while monday <= end:
        last_monday = monday + timedelta(weeks=step - 1)
        iso = last_monday.isocalendar()
        periods.append(
            Period(
                due=last_monday + timedelta(days=report_day - 1),
                key=f"{iso.year}-W{iso.week:02d}",
                start=monday,
                end=last_monday + timedelta(days=6),
            )
        )
        monday += timedelta(weeks=step)
    return periods


def _months(start: date, end: date, months: int, report_day: int) -> list[Period]:
    year, month = start.year, ((start.month - 1) // months) * months + 1
    periods = []
    while date(year, month, 1) <= end:
        last_year, last_month = year, month + months - 1
        period_end = _clamped(last_year, last_month, 31)
        due_year, due_month = _next_month(last_year, last_month)
        key = f"{year}-{month:02d}" if months == 1 else f"{year}-Q{(month - 1) // 3 + 1}"
        periods.append(Period(_clamped(due_year, due_month, report_day), key, date(year, month, 1), period_end))
        year, month = _next_month(last_year, last_month)
    return periods


def report_periods(
    cadence: str, report_day: int, start: date, end: date, deadlines: WorkCalendar | None = None
) -> list[Period]:
    """The periods a task with this cadence reports for between `start` and `end`, in order; with `deadlines`,
    each due on that calendar's working day on or after the stated one."""
    return list(_report_periods(cadence, report_day, start, end, deadlines))


@lru_cache(maxsize=65536)
def _report_periods(
    cadence: str, report_day: int, start: date, end: date, deadlines: WorkCalendar | None
) -> tuple[Period, ...]:
    """Cached: pages and statistics ask for the same task's periods again and again (a few MB at most)."""
    periods = _compute_periods(cadence, report_day, start, end)
    if deadlines is None:
        return tuple(periods)
    return tuple(replace(p, due=deadlines.on_or_after(p.due)) for p in periods)


def _compute_periods(cadence: str, report_day: int, start: date, end: date) -> list[Period]:
    if end < start:
        return []
    if cadence == "weekly":
        return _weeks(start, end, 1, min(max(report_day, 1), 7))
    if cadence == "fortnightly":
        return _weeks(start, end, 2, min(max(report_day, 1), 7))
    if cadence == "monthly":
        return _months(start, end, 1, max(report_day, 1))
    if cadence == "quarterly":
        return _months(start, end, 3, max(report_day, 1))
    raise ValueError(f"unknown cadence {cadence!r}; expected one of {', '.join(CADENCES)}")


def reporting_start(start: date | None, assigned_on: date | None, created_on: date) -> date:
    """Reports are owed from the later of the task's start and the day it was assigned: a task handed out
    in March does not owe January's report. Without either, from the day it was created."""
    known = [d for d in (start, assigned_on) if d is not None]
    return max(known) if known else created_on


def periods_of(task: object) -> list[Period]:
    """The report periods of a key task (anything with the KeyTask attributes), from `reporting_start`, due
    by the deployment's deadline calendar."""
    begin = reporting_start(task.start, task.assigned_on, task.created_at.date())  # type: ignore[attr-defined]
    return report_periods(task.cadence, task.report_day, begin, task.due, deadline_calendar())  # type: ignore[attr-defined]
