"""Working days: Monday to Friday, except the public holidays a deployment lists, plus the weekend days it
lists as working days (调休). China's calendar is published each year by the State Council, so the dates are
the deployment's to set (BIHUAN_HOLIDAYS, BIHUAN_WORKDAYS), not bihuan's to guess."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from django.core.exceptions import ImproperlyConfigured

RANGE = ".."


def parse_dates(name: str, text: str) -> frozenset[date]:
    """Dates and ranges separated by commas, e.g. "2026-10-01..2026-10-07, 2026-01-01"; a bad entry stops
    the start with a message naming the setting, the entry and what was expected."""
    days: set[date] = set()
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        first, _, last = entry.partition(RANGE)
        try:
            start = date.fromisoformat(first.strip())
            end = date.fromisoformat(last.strip()) if last else start
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {entry!r} is not a date (YYYY-MM-DD) or a range (YYYY-MM-DD..YYYY-MM-DD)"
            ) from None
        if end < start:
            raise ImproperlyConfigured(f"{name}: the range {entry!r} ends before it starts")
        days.update(start + timedelta(days=n) for n in range((end - start).days + 1))
    return frozenset(days)


def is_working_day(day: date, holidays: Iterable[date] = (), workdays: Iterable[date] = ()) -> bool:
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def working_day(day: date) -> bool:
    """Whether `day` is a working day by the deployment's calendar."""
    from django.conf import settings

    return is_working_day(day, settings.BIHUAN["HOLIDAYS"], settings.BIHUAN["WORKDAYS"])


@dataclass(frozen=True)
class WorkCalendar:
    """A deployment's working days, hashable so that cached schedules can be keyed by it."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        return is_working_day(day, self.holidays, self.workdays)

    def on_or_after(self, day: date) -> date:
        """`day` if it is a working day, else the next one (遇节假日顺延)."""
        for shift in range(366):  # a year without a working day is a misconfiguration; keep the day then
            candidate = day + timedelta(days=shift)
            if self.is_working_day(candidate):
                return candidate
        return day


def deadline_calendar() -> WorkCalendar | None:
    """The calendar report deadlines follow: a deadline on a weekend or public holiday moves to the next
    working day, unless the deployment keeps deadlines on the calendar day (BIHUAN_DEADLINES_ON_WORKING_DAYS=0)."""
    from django.conf import settings

    if not settings.BIHUAN["DEADLINES_ON_WORKING_DAYS"]:
        return None
    return _calendar(frozenset(settings.BIHUAN["HOLIDAYS"]), frozenset(settings.BIHUAN["WORKDAYS"]))


@lru_cache(maxsize=8)
def _calendar(holidays: frozenset[date], workdays: frozenset[date]) -> WorkCalendar:
    """One calendar object per setting: schedules are cached by it, for every task on every page."""
    return WorkCalendar(holidays, workdays)
