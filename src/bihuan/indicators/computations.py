"""Benchmarking computations (对标), exactly as DESIGN.md §3 "indicators" defines them: pure functions on
plain data, shared by pages, API, CLI and exports once the indicators app stores observations.

Values are floats; growth rates are in percent (7.6 means 7.6%). `higher_is_better` is the indicator's
polarity. An area whose value is None is listed but not ranked.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Mapping
from dataclasses import dataclass

ON_TRACK, ACCELERATE, LIMITED, MOVING_AWAY = "on_track", "acceleration_needed", "limited_progress", "moving_away"


def rank(values: Mapping[str, float | None], higher_is_better: bool = True) -> dict[str, int | None]:
    """Competition ranking: ties share the better rank (1, 2, 2, 4); areas without a value get None."""
    known = {area: v for area, v in values.items() if v is not None}
    ordered = sorted(known.values(), reverse=higher_is_better)
    first_place: dict[float, int] = {}
    for place, value in enumerate(ordered, start=1):
        first_place.setdefault(value, place)
    return {area: (first_place[v] if v is not None else None) for area, v in values.items()}


def rank_change(previous: Mapping[str, int | None], current: Mapping[str, int | None]) -> dict[str, int | None]:
    """Previous rank − this rank in the same group: positive means the area moved up."""
    return {
        area: (previous[area] - r) if r is not None and previous.get(area) is not None else None  # type: ignore[operator]
        for area, r in current.items()
    }


def first_tier(ranks: Mapping[str, int | None], k: int = 3) -> set[str]:
    """Areas ranked k or better (k per peer group, 3 by default)."""
    return {area for area, r in ranks.items() if r is not None and r <= k}


@dataclass(frozen=True)
class Gaps:
    """How far an area is behind, in the indicator's unit; 0 for the leader, positive when behind (for a
    lower-is-better indicator too). `to_next` is the gap to the nearest better value."""

    to_leader: float
    to_next: float | None
    to_mean: float
    to_median: float


def gaps(values: Mapping[str, float | None], higher_is_better: bool = True) -> dict[str, Gaps | None]:
    known = [v for v in values.values() if v is not None]
    if not known:
        return {area: None for area in values}
    sign = 1 if higher_is_better else -1
    best = max(known) if higher_is_better else min(known)
    mean, median = statistics.fmean(known), statistics.median(known)
    ascending = sorted(set(known))  # the nearest better value by bisection: a 3,000-area group stays fast
    result: dict[str, Gaps | None] = {}
    for area, v in values.items():
        if v is None:
            result[area] = None
            continue
        if higher_is_better:
            index = bisect.bisect_right(ascending, v)
            nearest = ascending[index] if index < len(ascending) else None
        else:
            index = bisect.bisect_left(ascending, v)
            nearest = ascending[index - 1] if index > 0 else None
        result[area] = Gaps(
            to_leader=sign * (best - v),
            to_next=sign * (nearest - v) if nearest is not None else None,
            to_mean=sign * (mean - v),
            to_median=sign * (median - v),
        )
    return result


def catch_up_growth(own_value: float, above_value: float, above_growth: float) -> float:
    """Growth (%) this year that would reach the next rank's level if that area keeps its current growth:
    (V_above × (1 + g_above)) / V_own − 1."""
    if own_value <= 0:
        raise ValueError("catch-up growth needs a positive own value")
    return (above_value * (1 + above_growth / 100) / own_value - 1) * 100


def single_periods(ytd: Mapping[str, float | None]) -> dict[str, float | None]:
    """Single-period values from a year-to-date series keyed by period (2025-03, 2025-Q2): the first period
    of a year is its year-to-date value; a later one is ytd(p) − ytd(p − 1) within the year, None when
    either is missing. January and February are often published together as February's figure (1-2月):
    when a year's series has no January at all, February counts as the first period."""
    result: dict[str, float | None] = {}
    for period, value in ytd.items():
        previous = _previous_in_year(period)
        if previous is not None and previous.endswith("-01") and previous not in ytd:
            previous = None
        if value is None:
            result[period] = None
        elif previous is None:
            result[period] = value
        else:
            before = ytd.get(previous)
            result[period] = value - before if before is not None else None
    return result


def _previous_in_year(period: str) -> str | None:
    year, _dash, part = period.partition("-")
    if part.startswith("Q"):
        quarter = int(part[1:])
        return f"{year}-Q{quarter - 1}" if quarter > 1 else None
    month = int(part)
    return f"{year}-{month - 1:02d}" if month > 1 else None


def growth(level: float | None, level_a_year_ago: float | None, published: float | None = None) -> float | None:
    """Year-on-year growth (%): the published (comparable-price) figure when there is one, else nominal
    growth from the two levels."""
    if published is not None:
        return published
    if level is None or not level_a_year_ago:
        return None
    return (level / level_a_year_ago - 1) * 100


def target_status(
    baseline: float, baseline_year: int, current: float, current_year: int, target: float, target_year: int
) -> tuple[str, float | None]:
    """Statistics Canada's method as Open SDG uses it: the ratio of the observed to the required compound
    annual growth since the baseline: ≥ 0.95 on track, 0.6–0.95 acceleration needed, 0–0.6 limited
    progress, < 0 moving away. Returns (status, ratio)."""
    if baseline <= 0 or current <= 0 or target <= 0 or target_year <= baseline_year or current_year <= baseline_year:
        raise ValueError("target status needs positive values and years after the baseline")
    required = (target / baseline) ** (1 / (target_year - baseline_year)) - 1
    observed = (current / baseline) ** (1 / (current_year - baseline_year)) - 1
    if required == 0:
        return (ON_TRACK if observed >= 0 else MOVING_AWAY), None
    ratio = observed / required
    if ratio >= 0.95:
        return ON_TRACK, ratio
    if ratio >= 0.6:
        return ACCELERATE, ratio
    if ratio >= 0:
        return LIMITED, ratio
    return MOVING_AWAY, ratio


def rate_target_gap(observed: float, target: float, higher_is_better: bool = True) -> float:
    """For a rate target (e.g. GDP growth ≥ 6.5%): percentage points above (+) or short of (−) the target."""
    return (observed - target) if higher_is_better else (target - observed)
