"""The compiled content of a bulletin: every figure computed from the database as of the day it is compiled,
as plain JSON, so it can be kept on the bulletin and never change once published.

The content is an ordered list of sections, each produced by one section type of `sections.SECTION_TYPES`
(the overview, the red and yellow lists, the units ranked by delivery, the indicator league tables, …).
The facts several sections share (the tasks, their lights, the statistics by unit) are fetched once, by
`Facts`, in a fixed number of queries whatever the number of tasks and units.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bihuan.core.roles import SYSTEM
from bihuan.org.models import Unit
from bihuan.supervision import selectors as task_selectors
from bihuan.supervision import statistics as stats
from bihuan.supervision.models import KeyTask
from bihuan.supervision.warnings import Light

CONTENT_VERSION = 1
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


class PeriodError(ValueError):
    """A period that is neither a month (2025-10) nor a quarter (2025-Q3), or of the other kind than asked."""


@dataclass(frozen=True)
class BulletinPeriod:
    key: str  # 2025-10 or 2025-Q3
    kind: str  # month or quarter
    year: int
    start: date
    end: date

    def contains(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end


def parse_period(text: str, kind: str | None = None) -> BulletinPeriod:
    """The month or quarter `text` names; with `kind`, it must be of that kind. PeriodError says what is wrong."""
    text = (text or "").strip()
    if match := MONTH.match(text):
        year, month = int(match.group(1)), int(match.group(2))
        found = BulletinPeriod(text, "month", year, date(year, month, 1), _month_end(year, month))
    elif match := QUARTER.match(text):
        year, quarter = int(match.group(1)), int(match.group(2))
        first = 3 * quarter - 2
        found = BulletinPeriod(text, "quarter", year, date(year, first, 1), _month_end(year, first + 2))
    else:
        raise PeriodError(
            _("Expected a month such as 2025-10 or a quarter such as 2025-Q3, got “%(text)s”.") % {"text": text}
        )
    if kind is not None and kind != found.kind:
        expected = _("a month such as 2025-10") if kind == "month" else _("a quarter such as 2025-Q3")
        raise PeriodError(
            _("A %(kind)s bulletin needs %(expected)s, got “%(text)s”.")
            % {"kind": _kind_word(kind), "expected": expected, "text": text}
        )
    return found


def _kind_word(kind: str) -> str:
    return _("monthly") if kind == "month" else _("quarterly")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def period_label(period: BulletinPeriod) -> str:
    """2025年10月 / October 2025; 2025年第三季度 / Q3 2025 — in the active language."""
    from django.utils.formats import date_format

    if period.kind == "month":
        return date_format(period.start, "YEAR_MONTH_FORMAT")
    quarter = (period.start.month + 2) // 3
    return _("Q%(quarter)s %(year)s") % {"quarter": quarter, "year": period.year}


# ---- the facts sections share --------------------------------------------------------------------

#: What the sections read of a task (the warning light's fields and a few more), no description or notes.
TASK_FIELDS = (*task_selectors.LIGHT_FIELDS, "year", "closed_on", "quality_rating", "lead_unit__code")


@dataclass
class Facts:
    """The bulletin's period and view and what its sections share, each fetched on first use."""

    period: BulletinPeriod
    unit: Unit | None
    today: date

    def scope(self) -> QuerySet[KeyTask]:
        """The key tasks the bulletin covers: the year's, of the whole city or led by the unit."""
        tasks = KeyTask.objects.filter(year=self.period.year)
        return tasks.filter(lead_unit=self.unit) if self.unit is not None else tasks

    @cached_property
    def tasks(self) -> list[KeyTask]:
        chosen = self.scope().select_related("lead_unit", "leader").order_by("due", "number")
        return list(
            chosen.only(
                *TASK_FIELDS,
                "lead_unit__name",
                "lead_unit__short_name",
                "lead_unit__sort_order",
                "leader__first_name",
                "leader__last_name",
                "leader__username",
            )
        )

    @cached_property
    def lights(self) -> dict[int, Light]:
        """Today's light of each task (kept ones reused; see supervision.selectors.lights)."""
        return task_selectors.lights(self.tasks, self.today)

    @cached_property
    def statistics(self) -> stats.Statistics:
        """The statistics page's table by lead unit for the year, over every unit: the same definitions."""
        return task_selectors.statistics(SYSTEM, self.today, "unit", self.period.year)

    @cached_property
    def unit_row(self) -> stats.Row:
        """The figures of the bulletin's view: the unit's row, or the totals row for the city."""
        table = self.statistics.table
        if self.unit is None:
            return table.total
        return next(
            (row for row in table.rows if row.key == self.unit.code), stats.Row(self.unit.code, self.unit.label)
        )


def compile_content(period: BulletinPeriod, unit: Unit | None, today: date | None = None) -> dict[str, Any]:
    """The bulletin's content: its period and view, when it was compiled, and its sections in order."""
    from bihuan.reports.sections import SECTION_TYPES

    facts = Facts(period, unit, today or timezone.localdate())
    sections = []
    for section_type in SECTION_TYPES:
        data = section_type.compile(facts)
        if data is not None:
            sections.append({"type": section_type.key, **data})
    return {
        "version": CONTENT_VERSION,
        "period": period.key,
        "kind": period.kind,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "as_of": facts.today.isoformat(),
        "unit": {"code": unit.code, "name": unit.name, "label": unit.label} if unit is not None else None,
        "sections": sections,
    }
