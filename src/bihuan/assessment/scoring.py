"""Scoring of an assessment scheme (考核), as pure functions on plain data: item points by the scheme's rules,
the weighted total with adjustments (incentives, demerits, exemptions of demerits after fault tolerance),
ranks, and grades under bands, quotas and vetoes. `assessment.results` gathers the facts from the database
and feeds these; nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from math import floor


def capped(points: float, low: float, high: float) -> float:
    return max(low, min(high, points))


@dataclass(frozen=True)
class DeliveryRule:
    """Task delivery: start from `base` points and take points off, within [0, base]."""

    base: float = 100.0
    per_overdue_task: float = 2.0
    per_late_report: float = 0.5
    per_missing_report: float = 1.0
    per_return: float = 0.5
    max_off: float | None = None  # at most this much off in all (None: down to 0)


@dataclass(frozen=True)
class DeliveryFacts:
    overdue_tasks: int = 0
    late_reports: int = 0
    missing_reports: int = 0
    returns: int = 0


def delivery_points(rule: DeliveryRule, facts: DeliveryFacts) -> float:
    off = (
        facts.overdue_tasks * rule.per_overdue_task
        + facts.late_reports * rule.per_late_report
        + facts.missing_reports * rule.per_missing_report
        + facts.returns * rule.per_return
    )
    if rule.max_off is not None:
        off = min(off, rule.max_off)
    return capped(rule.base - off, 0.0, rule.base)


def rank_points_table(rank: int | None, table: Sequence[float]) -> float:
    """Points for a rank from a table (first place gets table[0]); beyond the table or unranked: 0."""
    if rank is None or rank < 1 or rank > len(table):
        return 0.0
    return float(table[rank - 1])


def rank_points_linear(rank: int | None, size: int, best: float, worst: float) -> float:
    """Points on a straight line from `best` for first to `worst` for last of `size`; unranked: 0."""
    if rank is None or size < 1 or not 1 <= rank <= size:
        return 0.0
    if size == 1:
        return best
    return best - (best - worst) * (rank - 1) / (size - 1)


def target_points(actual: float, target: float, full: float, cap: float = 1.2, higher_is_better: bool = True) -> float:
    """Points for completing a yearly target: `full` at 100%, in proportion, at most `cap` × full. For an
    indicator where lower is better (an unemployment rate), completion is target / actual."""
    if target <= 0:
        raise ValueError("a target must be positive")
    completion = actual / target if higher_is_better else target / actual if actual > 0 else cap
    return capped(full * completion, 0.0, full * cap)


ZERO, FULL, AVERAGE, SPREAD = "zero", "full", "average", "spread"  # what a unit with no basis gets


def fill_without_basis(points: Mapping[str, float | None], rule: str, full: float) -> dict[str, float | None]:
    """An item's points for every unit, where None marks a unit with nothing to be scored on: by the scheme's
    rule it gets 0, `full`, the average of the units that were scored (0 if none was), or stays None so that
    `spread_weights` gives the item's weight to the unit's other items."""
    scored = [p for p in points.values() if p is not None]
    stand_in = {
        ZERO: 0.0,
        FULL: full,
        AVERAGE: sum(scored) / len(scored) if scored else 0.0,
        SPREAD: None,
    }[rule]
    return {unit: stand_in if p is None else p for unit, p in points.items()}


def spread_weights(weights: Mapping[str, float], without: Collection[str]) -> dict[str, float]:
    """The weights of the items a unit is scored on, when the weight of the items in `without` goes to the
    others in proportion to theirs: the total stays the same. With nothing left to take it, the weight is lost."""
    kept = {item: w for item, w in weights.items() if item not in without}
    kept_total = sum(kept.values())
    if not without or kept_total <= 0:
        return kept
    scale = sum(weights.values()) / kept_total
    return {item: w * scale for item, w in kept.items()}


@dataclass(frozen=True)
class Adjustment:
    kind: str  # incentive, demerit, veto
    points: float = 0.0  # positive for an incentive, positive points off for a demerit
    exempted: bool = False  # a demerit excused after an approved fault-tolerance request (容错)
    automatic: bool = False  # a demerit the scheme's rules drew from supervision events


INCENTIVE, DEMERIT, VETO = "incentive", "demerit", "veto"


def adjusted_total(
    item_points: Mapping[str, float],
    weights: Mapping[str, float],
    adjustments: Sequence[Adjustment] = (),
    incentive_cap: float | None = None,
    automatic_demerit_cap: float | None = None,
) -> float:
    """Σ points × weight (weights in percent of the total) + incentives (at most `incentive_cap`) − demerits that
    were not exempted (the automatic ones at most `automatic_demerit_cap` together). An exempted demerit counts
    nothing; the record of it stays with the scheme."""
    if set(item_points) != set(weights):
        raise ValueError("every item needs points and a weight")
    total = sum(item_points[item] * weights[item] / 100 for item in weights)
    bonus = sum(a.points for a in adjustments if a.kind == INCENTIVE)
    if incentive_cap is not None:
        bonus = min(bonus, incentive_cap)
    return total + bonus - demerit_points(adjustments, automatic_demerit_cap)


def demerit_points(adjustments: Sequence[Adjustment], automatic_cap: float | None = None) -> float:
    """Points off: every demerit not exempted, the automatic ones at most `automatic_cap` together."""
    counted = [a for a in adjustments if a.kind == DEMERIT and not a.exempted]
    automatic = sum(a.points for a in counted if a.automatic)
    if automatic_cap is not None:
        automatic = min(automatic, automatic_cap)
    return automatic + sum(a.points for a in counted if not a.automatic)


def ranks(scores: Mapping[str, float]) -> dict[str, int]:
    """Competition ranks, highest score first; ties share the better rank (1, 2, 2, 4)."""
    ordered = sorted(scores.values(), reverse=True)
    first = {}
    for place, score in enumerate(ordered, start=1):
        first.setdefault(score, place)
    return {unit: first[score] for unit, score in scores.items()}


@dataclass(frozen=True)
class Band:
    """A grade: at least `minimum` points, and at most `quota` (a share of the units, e.g. 0.3) when given."""

    name: str
    minimum: float = 0.0
    quota: float | None = None


@dataclass
class Graded:
    grades: dict[str, str]
    notes: dict[str, str] = field(default_factory=dict)  # why a unit did not get the grade its points reach


def grade(scores: Mapping[str, float], bands: Sequence[Band], vetoed: Sequence[str] = ()) -> Graded:
    """Grades from the best band down. A unit gets the first band whose minimum it reaches and whose quota has
    room; units tied on points are graded together, so a tie that would overflow a quota goes down a band as a
    whole (nobody is picked among equals). A vetoed unit (一票否决) gets the last band whatever its points.
    The last band takes everyone left."""
    if not bands:
        raise ValueError("a scheme needs at least one grade")
    count = len(scores)
    result = Graded({})
    lowest = bands[-1].name
    for unit in vetoed:
        if unit in scores:
            result.grades[unit] = lowest
            result.notes[unit] = "veto"
    remaining = sorted((u for u in scores if u not in result.grades), key=lambda u: -scores[u])
    ties: dict[float, list[str]] = {}
    for unit in remaining:
        ties.setdefault(scores[unit], []).append(unit)
    band_index = 0
    given = 0
    for score in sorted(ties, reverse=True):
        group = ties[score]
        while band_index < len(bands) - 1:
            band = bands[band_index]
            room = floor(band.quota * count + 1e-9) if band.quota is not None else count
            if score >= band.minimum and given + len(group) <= room:
                break
            if score >= band.minimum and given + len(group) > room:
                for unit in group:
                    result.notes.setdefault(unit, f"quota of {band.name}")
            band_index += 1
            given = 0
        for unit in group:
            result.grades[unit] = bands[band_index].name
        given += len(group)
    return result
