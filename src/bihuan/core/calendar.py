"""Working days: Monday to Friday, except the public holidays a deployment lists, plus the weekend days it
lists as working days (调休). China's calendar is published each year by the State Council, so the dates are
the deployment's to set (BIHUAN_HOLIDAYS, BIHUAN_WORKDAYS), not bihuan's to guess."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

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
