"""Reads of indicators shared by pages, API, CLI and exports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bihuan.indicators import computations
from bihuan.indicators.models import Indicator, Observation, PeerGroup
from bihuan.indicators.periods import previous_period


@dataclass(frozen=True)
class LeagueRow:
    area_code: str
    area: str
    value: float | None
    growth: float | None
    rank: int | None
    rank_change: int | None
    gaps: computations.Gaps | None
    first_tier: bool


def values_as_of(
    indicator: Indicator, group: PeerGroup, period: str, as_of: datetime | None = None
) -> dict[str, Observation | None]:
    """Each area's observation for the period: the current one, or the one current on `as_of` (as
    published then), by area code; None for an area without one."""
    areas = list(group.areas.all())
    rows = Observation.objects.filter(indicator=indicator, period=period, area__in=areas)
    if as_of is None:
        rows = rows.filter(current=True)
    else:
        rows = rows.filter(recorded_at__lte=as_of).order_by("area_id", "recorded_at")
    latest: dict[int, Observation] = {}
    for observation in rows:
        latest[observation.area_id] = observation  # the last recorded by as_of wins
    return {a.code: latest.get(a.pk) for a in areas}


def league_table(
    indicator: Indicator, group: PeerGroup, period: str, by: str = "value", as_of: datetime | None = None
) -> list[LeagueRow]:
    """Rank, value, growth, rank change against the previous period, gaps and first tier, for every area of
    the group (those without data listed last, unranked), ordered by the indicator's polarity whether by
    value or by growth (for an unemployment rate, lower growth is better too)."""
    measure: Any = (lambda o: o.value) if by == "value" else (lambda o: o.growth)
    higher = indicator.higher_is_better
    now = values_as_of(indicator, group, period, as_of)
    before = values_as_of(indicator, group, previous_period(period, indicator.frequency), as_of)
    figures = {code: (measure(o) if o else None) for code, o in now.items()}
    ranks = computations.rank(figures, higher)
    previous = computations.rank({code: (measure(o) if o else None) for code, o in before.items()}, higher)
    changes = computations.rank_change(previous, ranks)
    gaps = computations.gaps(figures, higher)
    tier = computations.first_tier(ranks, group.first_tier)
    names = {a.code: a.short_name or a.name for a in group.areas.all()}
    rows = [
        LeagueRow(
            code,
            names[code],
            o.value if o else None,
            o.growth if o else None,
            ranks[code],
            changes[code],
            gaps[code],
            code in tier,
        )
        for code, o in now.items()
    ]
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.area_code))
