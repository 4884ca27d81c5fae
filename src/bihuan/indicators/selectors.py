"""Reads of indicators shared by pages, API, CLI and exports.

Queries filter by indicator and period (the (indicator, period, current) index) or by area, and are batched
so their number does not grow with the number of indicators or groups; ranks are computed in Python with
`computations`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q

from bihuan.indicators import computations
from bihuan.indicators.models import Area, Indicator, Kind, Observation, PeerGroup, Target
from bihuan.indicators.periods import (
    frequency_of,
    parse_period,
    period_end,
    previous_period,
    year_ago,
)

SAMPLE_MARK = "示例数据"  # the demo's synthetic figures carry this in their source
Membership = PeerGroup.areas.through


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
    source: str = ""
    growth_derived: bool = False  # nominal growth computed from the levels, none being published


# ---- periods -------------------------------------------------------------------------------------


def latest_not_after(periods: Iterable[str], cutoff: str) -> str | None:
    """The latest of `periods` (one frequency) that ends no later than `cutoff` (any frequency)."""
    limit = period_end(cutoff)
    eligible = [p for p in periods if period_end(p) <= limit]
    return max(eligible, key=period_end, default=None)


def period_bounds(indicator: Indicator) -> tuple[str | None, str | None]:
    """The earliest and latest period with a current value of the indicator (two index look-ups)."""
    rows = Observation.objects.filter(indicator=indicator, current=True).values_list("period", flat=True)
    return rows.order_by("period").first(), rows.order_by("-period").first()


def latest_period(indicator: Indicator, group: PeerGroup) -> str | None:
    """The latest period with a current value of the indicator for an area of the group."""
    in_group = Membership.objects.filter(peergroup=group).values("area_id")
    rows = Observation.objects.filter(indicator=indicator, current=True, area__in=in_group)
    return rows.order_by("-period").values_list("period", flat=True).first()


# ---- our city ------------------------------------------------------------------------------------


def home_area() -> Area | None:
    """Our city: settings.BIHUAN["HOME_AREA"] (a division code) when set, else the area whose code is the
    root unit's code (the city's own unit), else None."""
    from bihuan.org.models import Unit

    code = settings.BIHUAN.get("HOME_AREA", "")
    if code:
        return Area.objects.filter(code=code).first()
    roots = Unit.objects.filter(parent__isnull=True)
    city = Area.objects.filter(code__in=roots.filter(kind=Unit.Kind.CITY).values("code")).first()
    return city or Area.objects.filter(code__in=roots.values("code")).first()


def home_groups(area: Area | None) -> list[PeerGroup]:
    return list(area.peer_groups.order_by("name")) if area is not None else []


# ---- league table --------------------------------------------------------------------------------


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


def _figures(
    indicator: Indicator, group: PeerGroup, period: str, as_of: datetime | None
) -> dict[int, tuple[float | None, float | None, str]]:
    """(value, growth, source) by area id, as `values_as_of` picks them, without building model objects."""
    in_group = Membership.objects.filter(peergroup=group).values("area_id")
    rows = Observation.objects.filter(indicator=indicator, period=period, area__in=in_group)
    if as_of is None:
        rows = rows.filter(current=True).order_by()  # no ordering: the model's would join and sort
    else:
        rows = rows.filter(recorded_at__lte=as_of).order_by("area_id", "recorded_at")
    # in recorded order, so the last recorded by as_of wins
    return {
        area: (value, growth, source)
        for area, value, growth, source in rows.values_list("area_id", "value", "growth", "source")
    }


def league_table(
    indicator: Indicator, group: PeerGroup, period: str, by: str = "value", as_of: datetime | None = None
) -> list[LeagueRow]:
    """Rank, value, growth, rank change against the previous period, gaps and first tier, for every area of
    the group (those without data listed last, unranked), ordered by the indicator's polarity whether by
    value or by growth (for an unemployment rate, lower growth is better too)."""
    index = 0 if by == "value" else 1
    higher = indicator.higher_is_better
    areas = list(Area.objects.filter(peer_groups=group).order_by().values_list("pk", "code", "name", "short_name"))
    earlier = previous_period(period, indicator.frequency)
    now = _figures(indicator, group, period, as_of)
    before = _figures(indicator, group, earlier, as_of)
    derived: set[int] = set()
    if indicator.kind != "rate":  # growth not published: nominal growth from the levels a year apart
        derived = _derive_growth(indicator, group, period, now, as_of)
        _derive_growth(indicator, group, earlier, before, as_of)
    figures = {code: (now[pk][index] if pk in now else None) for pk, code, _n, _s in areas}
    ranks = computations.rank(figures, higher)
    previous = computations.rank(
        {code: (before[pk][index] if pk in before else None) for pk, code, _n, _s in areas}, higher
    )
    changes = computations.rank_change(previous, ranks)
    gaps = computations.gaps(figures, higher)
    tier = computations.first_tier(ranks, group.first_tier)
    rows = []
    for pk, code, name, short_name in areas:
        value, growth, source = now.get(pk, (None, None, ""))
        rows.append(
            LeagueRow(
                code,
                short_name or name,
                value,
                growth,
                ranks[code],
                changes[code],
                gaps[code],
                code in tier,
                source,
                pk in derived,
            )
        )
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.area_code))


def _derive_growth(
    indicator: Indicator,
    group: PeerGroup,
    period: str,
    figures: dict[int, tuple[float | None, float | None, str]],
    as_of: datetime | None,
) -> set[int]:
    """Fill in growth where only levels were published (DESIGN.md: nominal YoY from levels, the published growth
    preferred); one more query, only when some growth is missing. Returns the areas whose growth was derived."""
    missing = [pk for pk, (value, growth, _s) in figures.items() if growth is None and value is not None]
    if not missing:
        return set()
    earlier = _figures(indicator, group, year_ago(period, indicator.frequency), as_of)
    derived = set()
    for pk in missing:
        value, _growth, source = figures[pk]
        base = earlier.get(pk, (None, None, ""))[0]
        computed = computations.growth(value, base)
        if computed is not None:
            figures[pk] = (value, computed, source)
            derived.add(pk)
    return derived


def sources(rows: Iterable[Any]) -> list[str]:
    """The distinct sources of the figures shown, in order of first appearance."""
    return list(dict.fromkeys(r.source for r in rows if getattr(r, "source", "")))


def is_sample(texts: Iterable[str]) -> bool:
    return any(SAMPLE_MARK in text for text in texts)


# ---- an area's standing in its groups: the rank matrix and the dashboard -------------------------

MEASURES = ("value", "growth")
FINENESS = {"year": 0, "quarter": 1, "month": 2}


@dataclass(frozen=True)
class Standing:
    """An area's place in one peer group on one indicator and period."""

    group: PeerGroup
    period: str
    rank: int | None
    size: int  # the areas ranked (those with a figure)
    change: int | None
    first_tier: bool

    @property
    def leads(self) -> bool:
        return self.rank == 1

    @property
    def last(self) -> bool:
        return self.rank is not None and self.size > 1 and self.rank == self.size and not self.leads

    @property
    def tier(self) -> str:
        """lead, first (first tier), last, other, or none (not ranked)."""
        if self.rank is None:
            return "none"
        if self.leads:
            return "lead"
        if self.first_tier:
            return "first"
        return "last" if self.last else "other"


Figures = dict[str, tuple[float | None, float | None, str]]  # period → (value, growth, source)


def area_figures(area: Area, indicators: Sequence[Indicator]) -> dict[int, Figures]:
    """Every current (value, growth, source) of the area for the indicators, by indicator id and period:
    one query by area, however many indicators."""
    found: dict[int, Figures] = defaultdict(dict)
    rows = Observation.objects.filter(area=area, indicator__in=[i.pk for i in indicators], current=True).order_by()
    for indicator_id, period, value, growth, source in rows.values_list(
        "indicator_id", "period", "value", "growth", "source"
    ):
        found[indicator_id][period] = (value, growth, source)
    return found


def standings(
    area: Area, wanted: dict[Indicator, str], groups: Sequence[PeerGroup], measures: Sequence[str] = ("value",)
) -> dict[tuple[int, int, str], Standing]:
    """The area's standing in each group on each indicator at the period `wanted` gives it, by value and/or
    growth, with the rank change against the period before; keyed by (indicator id, group id, measure).
    Two queries whatever the number of indicators and groups: the groups' members, and the figures of all
    of them for every (indicator, period) pair and the period before."""
    if not wanted or not groups:
        return {}
    members: dict[int, list[int]] = defaultdict(list)
    for group_id, area_id in Membership.objects.filter(peergroup__in=groups).values_list("peergroup_id", "area_id"):
        members[group_id].append(area_id)
    derive = "growth" in measures  # growth not published: nominal growth from the levels a year apart
    pairs = Q()
    for indicator, period in wanted.items():
        needed = [period, previous_period(period, indicator.frequency)]
        if derive and indicator.kind != Kind.RATE:
            needed += [year_ago(p, indicator.frequency) for p in needed]
        pairs |= Q(indicator=indicator, period__in=needed)
    # The members as a list, not a subquery: PostgreSQL then probes the (indicator, area, period) index of
    # current values for just these areas instead of reading every area's figures and joining (10× at 3,000 areas).
    member_ids = sorted({a for ids in members.values() for a in ids})
    figures: dict[tuple[int, str], dict[int, tuple[float | None, float | None]]] = defaultdict(dict)
    rows = Observation.objects.filter(pairs, current=True, area_id__in=member_ids).order_by()
    for indicator_id, period, area_id, value, growth in rows.values_list(
        "indicator_id", "period", "area_id", "value", "growth"
    ):
        figures[indicator_id, period][area_id] = (value, growth)
    if derive:
        _derive_growths(wanted, figures)
    result = {}
    for indicator, period in wanted.items():
        now, before = figures[indicator.pk, period], figures[indicator.pk, previous_period(period, indicator.frequency)]
        for measure in measures:
            index = MEASURES.index(measure)
            for group in groups:
                result[indicator.pk, group.pk, measure] = _standing(
                    area.pk, group, period, indicator.higher_is_better, index, members[group.pk], now, before
                )
    return result


def _derive_growths(wanted: dict[Indicator, str], figures: dict[tuple[int, str], dict[int, tuple]]) -> None:
    """Fill in growth where only levels were published, as league_table does, so every page ranks alike."""
    for indicator, period in wanted.items():
        if indicator.kind == Kind.RATE:
            continue
        for p in (period, previous_period(period, indicator.frequency)):
            base = figures.get((indicator.pk, year_ago(p, indicator.frequency)), {})
            now = figures.get((indicator.pk, p), {})
            for area_id, (value, growth) in list(now.items()):
                if growth is None and value is not None:
                    now[area_id] = (value, computations.growth(value, base.get(area_id, (None, None))[0]))


def _standing(
    area_id: int, group: PeerGroup, period: str, higher: bool, index: int, ids: list[int], now: dict, before: dict
) -> Standing:
    ranks = computations.rank({a: (now[a][index] if a in now else None) for a in ids}, higher)
    previous = computations.rank({a: (before[a][index] if a in before else None) for a in ids}, higher)
    return Standing(
        group=group,
        period=period,
        rank=ranks.get(area_id),
        size=sum(1 for r in ranks.values() if r is not None),
        change=computations.rank_change(previous, {area_id: ranks.get(area_id)})[area_id],
        first_tier=area_id in computations.first_tier(ranks, group.first_tier),
    )


def _by_recency(periods: Iterable[str]) -> list[str]:
    """Latest first; of periods ending in the same month, the finest first (2024-12, 2024-Q4, 2024)."""
    return sorted(periods, key=lambda p: (period_end(p), FINENESS[frequency_of(p) or "year"]), reverse=True)


# ---- rank matrix ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixRow:
    indicator: Indicator
    period: str | None  # the indicator's own period used: the latest with our figure not after the chosen one
    cells: list[Standing | None]  # one per group


@dataclass(frozen=True)
class GroupSummary:
    group: PeerGroup
    ranked: int
    leads: int
    first_tier: int
    last: int


@dataclass(frozen=True)
class Matrix:
    area: Area | None
    period: str | None
    by: str
    periods: list[str]  # the periods with a figure of ours, latest first (choices)
    groups: list[PeerGroup]
    rows: list[MatrixRow]
    summaries: list[GroupSummary]
    sources: list[str] = field(default_factory=list)


def rank_matrix(area: Area | None, period: str | None = None, by: str = "value") -> Matrix:
    """Our rank on each headline indicator in each group that contains us. Frequencies differ: each indicator
    uses its latest period with a figure of ours that ends no later than the chosen period (chosen 2025-10:
    a quarterly indicator uses 2025-Q3, a yearly one 2024). The chosen period defaults to the latest."""
    headline = list(Indicator.objects.filter(headline=True))
    groups = home_groups(area)
    if area is None:
        return Matrix(None, None, by, [], groups, [MatrixRow(i, None, []) for i in headline], [])
    index = MEASURES.index(by)
    own = area_figures(area, headline)
    with_figure = {i.pk: [p for p, f in own.get(i.pk, {}).items() if f[index] is not None] for i in headline}
    choices = _by_recency({p for periods in with_figure.values() for p in periods})
    chosen = period or (choices[0] if choices else None)
    wanted = {}
    if chosen is not None:
        for indicator in headline:
            found = latest_not_after(with_figure[indicator.pk], chosen)
            if found is not None:
                wanted[indicator] = found
    places = standings(area, wanted, groups, (by,))
    rows = [
        MatrixRow(i, wanted.get(i), [places.get((i.pk, g.pk, by)) if i in wanted else None for g in groups])
        for i in headline
    ]
    summaries = []
    for column, group in enumerate(groups):
        cells = [row.cells[column] for row in rows if row.cells and row.cells[column] is not None]
        ranked = [c for c in cells if c.rank is not None]
        summaries.append(
            GroupSummary(
                group,
                ranked=len(ranked),
                leads=sum(c.leads for c in ranked),
                first_tier=sum(c.first_tier for c in ranked),
                last=sum(c.last for c in ranked),
            )
        )
    shown = [own[i.pk][p][2] for i, p in wanted.items()]
    return Matrix(area, chosen, by, choices, groups, rows, summaries, list(dict.fromkeys(s for s in shown if s)))


# ---- city dashboard ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetStatus:
    target: Target
    status: str | None  # computations.ON_TRACK …, None when it cannot be worked out (yet)
    ratio: float | None = None  # observed ÷ required growth (level targets)
    gap: float | None = None  # percentage points above (+) or short of (−) a rate target
    period: str | None = None  # the figure it was worked out from


@dataclass(frozen=True)
class Card:
    indicator: Indicator
    period: str | None
    value: float | None
    growth: float | None
    source: str
    places: list[Standing]  # by value, one per group
    growth_places: list[Standing]  # by growth (not for rates, whose value is a growth already)
    target: TargetStatus | None
    spark: list[tuple[str, float | None]]  # the last periods: the value, or for a year-to-date flow its growth


@dataclass(frozen=True)
class Dashboard:
    area: Area | None
    groups: list[PeerGroup]
    cards: list[Card]
    sources: list[str]


SPARK_PERIODS = 12


def dashboard(area: Area | None) -> Dashboard:
    """One card per headline indicator for our city at its latest period. A constant number of queries:
    headline indicators, our groups, our figures, the groups' members and figures, our targets."""
    headline = list(Indicator.objects.filter(headline=True))
    groups = home_groups(area)
    if area is None or not headline:
        return Dashboard(area, groups, [], [])
    own = area_figures(area, headline)
    latest = {i: _by_recency(own[i.pk])[0] for i in headline if own.get(i.pk)}
    measures = ("value", "growth")
    places = standings(area, latest, groups, measures)
    targets: dict[int, list[Target]] = defaultdict(list)
    for target in Target.objects.filter(area=area, indicator__in=headline).order_by("year"):
        targets[target.indicator_id].append(target)
    cards = []
    for indicator in headline:
        period = latest.get(indicator)
        figures = own.get(indicator.pk, {})
        value, growth, source = figures[period] if period else (None, None, "")
        if growth is None and value is not None and indicator.kind != Kind.RATE:
            base = figures.get(year_ago(period, indicator.frequency), (None,))[0]
            growth = computations.growth(value, base)  # none published: nominal, from the levels
        year = period_end(period)[0] if period else None
        target = next((t for t in targets[indicator.pk] if year is None or t.year >= year), None)
        cards.append(
            Card(
                indicator,
                period,
                value,
                growth,
                source,
                [places[indicator.pk, g.pk, "value"] for g in groups] if period else [],
                [places[indicator.pk, g.pk, "growth"] for g in groups]
                if period and indicator.kind != Kind.RATE
                else [],
                target_progress(indicator, target, figures) if target is not None else None,
                spark(indicator, figures),
            )
        )
    shown = [c.source for c in cards if c.source]
    return Dashboard(area, groups, cards, list(dict.fromkeys(shown)))


def spark(indicator: Indicator, figures: Figures, count: int = SPARK_PERIODS) -> list[tuple[str, float | None]]:
    """The last `count` periods: the value, or the growth of a year-to-date flow (whose value climbs
    through the year and restarts in January)."""
    index = 1 if indicator.kind == Kind.YTD else 0
    periods = sorted(figures, key=lambda p: parse_period(p, indicator.frequency))[-count:]
    return [(p, figures[p][index]) for p in periods]


def target_progress(indicator: Indicator, target: Target, figures: Figures) -> TargetStatus:
    """How our figures stand against a yearly target. A rate (GDP growth ≥ 6.5%): points above or short
    of the target, from the latest figure of the target's year. A level with a baseline: Statistics
    Canada's ratio of observed to required growth, from the latest full-year figure after the baseline
    (for a year-to-date flow only the year's last period is a full year). Otherwise no status."""
    frequency = indicator.frequency
    if indicator.kind == Kind.RATE:
        this_year = [p for p in figures if p.startswith(str(target.year)) and figures[p][0] is not None]
        if not this_year:
            return TargetStatus(target, None)
        period = max(this_year, key=lambda p: parse_period(p, frequency))
        gap = computations.rate_target_gap(figures[period][0], target.value, indicator.higher_is_better)  # type: ignore[arg-type]
        return TargetStatus(target, "above" if gap >= 0 else "below", gap=gap, period=period)
    if target.baseline is None or target.baseline_year is None:
        return TargetStatus(target, None)
    full_year = {"year": "", "quarter": "-Q4", "month": "-12"}[frequency]
    candidates = [
        p
        for p, (value, _g, _s) in figures.items()
        if value is not None
        and target.baseline_year < parse_period(p, frequency)[0] <= target.year
        and (indicator.kind == Kind.LEVEL or p.endswith(full_year) or frequency == "year")
    ]
    if not candidates:
        return TargetStatus(target, None)
    period = max(candidates, key=lambda p: parse_period(p, frequency))
    try:
        status, ratio = computations.target_status(
            target.baseline,
            target.baseline_year,
            figures[period][0],  # type: ignore[arg-type]
            parse_period(period, frequency)[0],
            target.value,
            target.year,
        )
    except ValueError:  # not positive, or no years to compare: the method does not apply
        return TargetStatus(target, None, period=period)
    return TargetStatus(target, status, ratio=ratio, period=period)


# ---- trends --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendSeries:
    area: Area
    values: list[float | None]
    growths: list[float | None]  # published growth, else nominal growth from the levels a year apart
    ranks: list[int | None]


@dataclass(frozen=True)
class Trends:
    indicator: Indicator
    periods: list[str]
    series: list[TrendSeries]
    sizes: list[int]  # areas ranked in each period
    sources: list[str]


def trends(
    indicator: Indicator,
    areas: Sequence[Area],
    periods: Sequence[str],
    group: PeerGroup | None = None,
    by: str = "value",
) -> Trends:
    """Value, growth and rank over the periods of each of `areas`; ranks within the group when one is given,
    else among the areas shown. One query for all figures (and those a year before, for nominal growth)."""
    frequency = indicator.frequency
    wanted = list(periods) + [year_ago(p, frequency) for p in periods]
    rows = Observation.objects.filter(indicator=indicator, current=True, period__in=set(wanted)).order_by()
    if group is not None:
        rows = rows.filter(area__in=Membership.objects.filter(peergroup=group).values("area_id"))
        ranked_ids = set(Membership.objects.filter(peergroup=group).values_list("area_id", flat=True))
    else:
        rows = rows.filter(area__in=[a.pk for a in areas])
        ranked_ids = {a.pk for a in areas}
    figures: dict[tuple[int, str], tuple[float | None, float | None, str]] = {}
    for area_id, period, value, growth, source in rows.values_list("area_id", "period", "value", "growth", "source"):
        figures[area_id, period] = (value, growth, source)

    def growth_of(area_id: int, period: str) -> float | None:
        value, published, _source = figures.get((area_id, period), (None, None, ""))
        if indicator.kind == Kind.RATE:  # a rate is a growth already: only a published figure means anything
            return published
        before = figures.get((area_id, year_ago(period, frequency)), (None, None, ""))[0]
        return computations.growth(value, before, published)

    def measure(area_id: int, period: str) -> float | None:
        return figures.get((area_id, period), (None,))[0] if by == "value" else growth_of(area_id, period)

    ranks = {p: computations.rank({a: measure(a, p) for a in ranked_ids}, indicator.higher_is_better) for p in periods}
    series = [
        TrendSeries(
            area,
            [figures.get((area.pk, p), (None,))[0] for p in periods],
            [growth_of(area.pk, p) for p in periods],
            [ranks[p].get(area.pk) for p in periods],
        )
        for area in areas
    ]
    sizes = [sum(1 for r in ranks[p].values() if r is not None) for p in periods]
    shown, asked = {a.pk for a in areas}, set(periods)
    found = {figures[a, p][2] for (a, p) in figures if a in shown and p in asked and figures[a, p][2]}
    return Trends(indicator, list(periods), series, sizes, sorted(found))
