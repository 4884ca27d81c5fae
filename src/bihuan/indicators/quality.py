"""Data quality of indicators: checks that point at figures a statistician should look at again before they are
ranked, and the one read that loads current observations for them.

The checks are pure functions on plain data: a `Spec` of the indicator and its `Series` (area code → period →
`Point`), testable without a database. Each returns `Finding`s with a message in the user's language that says
what is wrong with the numbers. `check_data` loads only current observations (one query for all indicators,
streamed and checked one indicator at a time) within a window: by default the last 24 months, 8 quarters or 5
years up to the latest period that has data, plus the history the checks compare with.

Which check applies to which indicator is decided from `Indicator.kind` and its unit: a *rate* is a rate kind or a
percentage unit (an indicator of kind ytd in % is a year-to-date growth rate, which may fall within a year); the
others are *levels* (a level or a year-to-date total in 亿元, 元, 万人 ...), judged by their year-on-year growth.
"""

from __future__ import annotations

import operator
import statistics
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import reduce
from itertools import groupby, pairwise
from typing import Any, NamedTuple

from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from bihuan.indicators import computations
from bihuan.indicators.models import Area, Indicator, Observation, PeerGroup
from bihuan.indicators.periods import (
    PARTS,
    frequency_of,
    parse_period,
    period_index,
    period_range,
    shift,
    year_ago,
)

ERROR, WARNING = "error", "warning"

#: Every kind of finding, in the order pages list them, with its severity. An error is a figure that cannot be
#: right as it stands (a year-to-date total that falls, a copied row); a warning is one to look at again.
KINDS: dict[str, tuple[Any, str]] = {
    "ytd_fall": (gettext_lazy("Year-to-date value falls"), ERROR),
    "copied": (gettext_lazy("Identical series"), ERROR),
    "missing": (gettext_lazy("Missing in peer group"), WARNING),
    "gap": (gettext_lazy("Gap in series"), WARNING),
    "repeated": (gettext_lazy("Same value as the period before"), WARNING),
    "peer_outlier": (gettext_lazy("Outlier among peers"), WARNING),
    "history_outlier": (gettext_lazy("Outlier against own history"), WARNING),
    "growth_mismatch": (gettext_lazy("Published growth far from levels"), WARNING),
}

#: Periods checked by default, ending at the indicator's latest period: two years of months, as the issue asks.
WINDOW = {"month": 24, "quarter": 8, "year": 5}
#: An area's own history: the periods before that its figure is compared with (a year of months, two years of
#: quarters, eight years), and how many of them must have a figure for the comparison to mean anything.
HISTORY = {"month": 12, "quarter": 8, "year": 8}
MIN_HISTORY = 5
#: Iglewicz and Hoaglin's cut-off for the modified z-score 0.6745·(x − median)/MAD: beyond 3.5 a value is a
#: likely outlier, and median and MAD are not dragged along by the outlier itself as mean and SD would be.
ROBUST_Z = 3.5
#: A floor under the MAD, in the measure's unit (percentage points for growth): when peers or past years grow
#: almost alike (MAD 0.1), a one-point difference is not an outlier; with the floor a value must be more than
#: 3.5 / 0.6745 ≈ 5.2 points from the median to count.
MIN_SPREAD = 1.0
#: Fewer known values than this in a group for a period: no median worth comparing with.
MIN_PEERS = 5
#: A period counts as published for a group once at least half its areas have a value; before that (an import
#: still arriving city by city) the areas without one are not reported missing.
MISSING_QUORUM = 0.5
#: Published growth is usually at comparable prices and the growth implied by the levels is nominal; the price
#: change between them is shared by neighbouring areas (in Shanxi in 2021 nominal GDP grew about 19 points faster
#: than real), so it is taken out as the median difference of all areas checked (when at least MIN_PEERS have
#: both). What remains beyond 5 points is more than rounding or local prices explain (on the real Shanxi figures
#: 2015–2023 coal and non-coal cities' prices differ by up to 4 points): a wrong level, a wrong year-ago level, a
#: level of another vintage, or a growth typed in the wrong row.
GROWTH_GAP = 5.0
#: A row is taken as copied when two areas have the same values in at least this many periods (and the values
#: are not all equal, which `repeated` reports).
MIN_COPIED = 4
#: A level repeated in the next period is implausible only with enough significant digits: 1234.5 or 2311 twice
#: is a copied column; 12, 300 or a population of 318 (万人) twice may well be true.
MIN_SIGNIFICANT = 4
#: Units of rates: their values are compared as they are, not by growth, and they may repeat or fall.
RATE_UNITS = frozenset({"%", "％", "‰", "百分点", "pp", "percent"})


# ---- periods -------------------------------------------------------------------------------------------


def bound(text: str, frequency: str, end: bool = False) -> str:
    """A period given in any frequency as a bound for an indicator of `frequency`: from 2024 means from
    2024-01 (or 2024-Q1), to 2024 means to 2024-12; from 2025-Q2 means from 2025-04. ValueError for text that
    is no period."""
    given = frequency_of(text)
    if given is None:
        raise ValueError(_("%(text)s is not a period: write 2023, 2025-Q3 or 2025-10.") % {"text": text})
    year, part = parse_period(text, given)
    months = {"year": (1, 12), "quarter": (3 * part - 2, 3 * part), "month": (part, part)}[given]
    month = months[1] if end else months[0]
    if frequency == "year":
        return str(year)
    if frequency == "quarter":
        return f"{year}-Q{(month + 2) // 3}"
    return f"{year}-{month:02d}"


# ---- plain data ----------------------------------------------------------------------------------------


class Point(NamedTuple):
    """One current observation: its id, period, value and published growth (%)."""

    pk: int
    period: str
    value: float | None
    growth: float | None = None


#: area code → period → point
Series = Mapping[str, Mapping[str, Point]]


@dataclass(frozen=True)
class Spec:
    """What the checks need to know about an indicator."""

    code: str
    frequency: str
    kind: str = "level"
    unit: str = ""

    @property
    def is_rate(self) -> bool:
        return self.kind == "rate" or self.unit.strip() in RATE_UNITS


@dataclass(frozen=True)
class Finding:
    kind: str
    severity: str
    indicator: str  # code
    area: str  # code
    period: str
    observations: tuple[int, ...]  # the observations it is about; the first is the one to open
    message: str

    @property
    def label(self) -> str:
        return str(KINDS[self.kind][0])

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "indicator": self.indicator,
            "area": self.area,
            "period": self.period,
            "observations": list(self.observations),
            "message": self.message,
        }


def number(value: float | None) -> str:
    """A figure as stored, without float noise or trailing zeros: 274.2403, 130.2, 1234567."""
    if value is None:
        return "—"
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _one(value: float) -> str:
    return f"{value:.1f}"


def _finding(kind: str, spec: Spec, area: str, period: str, ids: Iterable[int | None], message: str) -> Finding:
    return Finding(kind, KINDS[kind][1], spec.code, area, period, tuple(i for i in ids if i is not None), message)


def _in(period: str, first: str, last: str) -> bool:
    return first <= period <= last  # periods of one frequency sort as text


def _known(points: Mapping[str, Point]) -> list[Point]:
    return sorted((p for p in points.values() if p.value is not None), key=lambda p: p.period)


def _nearest(points: Mapping[str, Point] | None, period: str) -> int | None:
    """The observation to open for a period without a value: its own (a blank one), else the nearest before,
    else the nearest after."""
    if not points:
        return None
    if period in points:
        return points[period].pk
    before = [p for p in points if p < period]
    after = [p for p in points if p > period]
    if before:
        return points[max(before)].pk
    return points[min(after)].pk if after else None


# ---- the checks ----------------------------------------------------------------------------------------


def ytd_falls(spec: Spec, series: Series, first: str, last: str) -> list[Finding]:
    """A year-to-date total below the one before it in the same year (the month's own value would be
    negative). Not for year-to-date rates: cumulative growth may well fall."""
    if spec.kind != "ytd" or spec.is_rate:
        return []
    found = []
    for area, points in series.items():
        known = _known(points)
        for before, point in pairwise(known):
            if before.period[:4] != point.period[:4] or not _in(point.period, first, last):
                continue
            if point.value is not None and before.value is not None and point.value < before.value:
                message = _(
                    "Year-to-date value %(value)s for %(period)s is below %(previous)s's %(before)s: a year-to-date "
                    "total cannot fall within a year."
                ) % {
                    "value": number(point.value),
                    "period": point.period,
                    "previous": before.period,
                    "before": number(before.value),
                }
                found.append(_finding("ytd_fall", spec, area, point.period, (point.pk, before.pk), message))
    return found


def missing_values(
    spec: Spec, series: Series, groups: Mapping[str, Collection[str]], first: str, last: str
) -> list[Finding]:
    """An area of a peer group without a value for a period that most of the group has (see MISSING_QUORUM)."""
    found, seen = [], set()
    for period in period_range(first, last, spec.frequency):
        for group, members in groups.items():
            have = [a for a in members if (p := series.get(a, {}).get(period)) is not None and p.value is not None]
            if not have or len(have) == len(members) or len(have) < MISSING_QUORUM * len(members):
                continue
            for area in sorted(set(members) - set(have)):
                if (area, period) in seen:
                    continue
                seen.add((area, period))
                text = _("No value for %(period)s, while %(count)s of the %(total)s areas of %(group)s have one.")
                message = text % {
                    "period": period,
                    "count": len(have),
                    "total": len(members),
                    "group": group,
                }
                found.append(_finding("missing", spec, area, period, (_nearest(series.get(area), period),), message))
    return found


def series_gaps(
    spec: Spec, series: Series, first: str, last: str, skip: Collection[tuple[str, str]] = ()
) -> list[Finding]:
    """Periods without a value inside an area's own series, between its first and last value; `skip` holds
    (area, period) pairs already reported missing against the peer group."""
    found = []
    for area, points in series.items():
        known = [p.period for p in _known(points)]
        if len(known) < 2:
            continue
        # January and February are often published together as 1-2月 (period YYYY-02): a series without any
        # January has no January to miss
        no_january = spec.frequency == "month" and not any(p.endswith("-01") for p in points)
        before = None
        for period in period_range(known[0], known[-1], spec.frequency):
            point = points.get(period)
            if point is not None and point.value is not None:
                before = period
                continue
            if not _in(period, first, last) or (area, period) in skip or (no_january and period.endswith("-01")):
                continue
            after = next(p for p in known if p > period)
            message = _("No value for %(period)s, though this area has one for %(before)s and for %(after)s.") % {
                "period": period,
                "before": before,
                "after": after,
            }
            found.append(_finding("gap", spec, area, period, (_nearest(points, period),), message))
    return found


def significant_digits(value: float) -> int:
    """1234.5 → 5, 2311 → 4, 300 → 1, 0.05 → 1."""
    return len(f"{abs(value):.6f}".replace(".", "").strip("0"))


def repeated_values(spec: Spec, series: Series, first: str, last: str) -> list[Finding]:
    """A level or year-to-date total exactly equal to the period before's, with enough significant digits to
    make a coincidence unlikely: last period's column copied. Not for rates, which may stay put."""
    if spec.is_rate:
        return []
    found = []
    for area, points in series.items():
        for point in _known(points):
            if point.value is None or not _in(point.period, first, last):
                continue
            if significant_digits(point.value) < MIN_SIGNIFICANT:
                continue
            before = points.get(shift(point.period, -1, spec.frequency))
            if before is not None and before.value == point.value:
                message = _(
                    "Value %(value)s for %(period)s is exactly the value for %(previous)s: copied from the period "
                    "before?"
                ) % {"value": number(point.value), "period": point.period, "previous": before.period}
                found.append(_finding("repeated", spec, area, point.period, (point.pk, before.pk), message))
    return found


def copied_series(
    spec: Spec, series: Series, first: str, last: str, names: Mapping[str, str] | None = None
) -> list[Finding]:
    """Two or more areas with the very same values in the same periods (at least MIN_COPIED, not all equal): a
    copied row. Each of them gets a finding naming the others, since either may be the wrong one."""
    if spec.is_rate:
        return []
    names = names or {}
    rows: dict[tuple[tuple[str, float | None], ...], list[str]] = defaultdict(list)
    for area, points in series.items():
        row = tuple((p.period, p.value) for p in _known(points) if _in(p.period, first, last))
        if len(row) >= MIN_COPIED and len({v for _p, v in row}) > 1:
            rows[row].append(area)
    found = []
    for row, areas in rows.items():
        if len(areas) < 2:
            continue
        start, end = row[0][0], row[-1][0]
        for area in sorted(areas):
            others = [a for a in sorted(areas) if a != area]
            message = _(
                "The %(count)s values from %(first)s to %(last)s are identical to those of %(others)s: a copied row?"
            ) % {
                "count": len(row),
                "first": start,
                "last": end,
                "others": pgettext("list separator", ", ").join(names.get(a, a) for a in others),
            }
            ids = [series[area][end].pk, *(series[a][end].pk for a in others)]
            found.append(_finding("copied", spec, area, end, ids, message))
    return found


def measure(spec: Spec, points: Mapping[str, Point], period: str) -> float | None:
    """What outliers are judged on: a rate's value; a level's year-on-year growth (the published growth, else
    the growth the levels imply), since areas of different size differ in level by nature."""
    point = points.get(period)
    if point is None:
        return None
    if spec.is_rate:
        return point.value
    before = points.get(year_ago(period, spec.frequency))
    return computations.growth(point.value, before.value if before else None, point.growth)


def spread(values: Collection[float]) -> tuple[float, float]:
    """(median, MAD floored at MIN_SPREAD) of the values."""
    middle = statistics.median(values)
    return middle, deviation(values, middle)


def deviation(values: Collection[float], middle: float) -> float:
    """The median absolute deviation from `middle`, floored at MIN_SPREAD."""
    return max(statistics.median(abs(v - middle) for v in values), MIN_SPREAD)


def robust_z(value: float, middle: float, mad: float) -> float:
    """Iglewicz and Hoaglin's modified z-score."""
    return 0.6745 * (value - middle) / mad


def _measured(spec: Spec, value: float) -> str:
    return f"{_one(value)}%" if not spec.is_rate else number(round(value, 4))


def peer_outliers(
    spec: Spec, series: Series, groups: Mapping[str, Collection[str]], first: str, last: str
) -> list[Finding]:
    """A rate, or a level's growth, far from the peer group's median for the period (|robust z| > ROBUST_Z)."""
    found, seen = [], set()
    for period in period_range(first, last, spec.frequency):
        for group, members in groups.items():
            known = {a: m for a in members if (m := measure(spec, series.get(a, {}), period)) is not None}
            if len(known) < MIN_PEERS:
                continue
            middle, mad = spread(list(known.values()))
            for area, value in sorted(known.items()):
                z = robust_z(value, middle, mad)
                if abs(z) <= ROBUST_Z or (area, period) in seen:
                    continue
                seen.add((area, period))
                what = pgettext("measure", "Growth") if not spec.is_rate else pgettext("measure", "Value")
                message = _(
                    "%(what)s %(value)s for %(period)s is far from the median %(median)s of %(group)s (robust z "
                    "%(z)s; beyond %(limit)s is an outlier)."
                ) % {
                    "what": what,
                    "value": _measured(spec, value),
                    "period": period,
                    "median": _measured(spec, middle),
                    "group": group,
                    "z": _one(z),
                    "limit": ROBUST_Z,
                }
                point = series[area][period]
                found.append(_finding("peer_outlier", spec, area, period, (point.pk,), message))
    return found


def history_outliers(spec: Spec, series: Series, first: str, last: str) -> list[Finding]:
    """A rate, or a level's growth, far from the area's own previous periods (|robust z| > ROBUST_Z against
    the last HISTORY periods, at least MIN_HISTORY of them known)."""
    found = []
    back, frequency = HISTORY[spec.frequency], spec.frequency
    for area, points in series.items():
        values = {period_index(p, frequency): (p, v) for p in points if (v := measure(spec, points, p)) is not None}
        for index, (period, value) in sorted(values.items()):
            if not _in(period, first, last):
                continue
            history = [known[1] for k in range(1, back + 1) if (known := values.get(index - k)) is not None]
            if len(history) < MIN_HISTORY:
                continue
            middle = statistics.median(history)
            if robust_z(abs(value - middle), 0, MIN_SPREAD) <= ROBUST_Z:
                continue  # not an outlier even with the smallest MAD allowed: spare computing it
            z = robust_z(value, middle, deviation(history, middle))
            if abs(z) <= ROBUST_Z:
                continue
            what = pgettext("measure", "Growth") if not spec.is_rate else pgettext("measure", "Value")
            message = _(
                "%(what)s %(value)s for %(period)s is far from this area's usual %(median)s (the median of its "
                "%(count)s previous periods; robust z %(z)s, beyond %(limit)s is an outlier)."
            ) % {
                "what": what,
                "value": _measured(spec, value),
                "period": period,
                "median": _measured(spec, middle),
                "count": len(history),
                "z": _one(z),
                "limit": ROBUST_Z,
            }
            found.append(_finding("history_outlier", spec, area, period, (points[period].pk,), message))
    return found


def growth_mismatches(spec: Spec, series: Series, first: str, last: str) -> list[Finding]:
    """Published growth more than GROWTH_GAP points from the growth the levels imply, after taking out the
    price change all areas share (the median difference, when MIN_PEERS areas have both)."""
    if spec.is_rate:
        return []
    by_period: dict[str, list[tuple[str, Point, Point, float, float]]] = defaultdict(list)
    for area, points in series.items():
        for period, point in points.items():
            if point.growth is None or point.value is None or not _in(period, first, last):
                continue
            before = points.get(year_ago(period, spec.frequency))
            implied = computations.growth(point.value, before.value) if before is not None else None
            if before is not None and implied is not None:
                by_period[period].append((area, point, before, point.growth, implied))
    found = []
    for period, rows in sorted(by_period.items()):
        shared = statistics.median(g - i for _a, _p, _b, g, i in rows) if len(rows) >= MIN_PEERS else 0.0
        for area, point, before, published, implied in sorted(rows, key=lambda r: r[0]):
            gap = published - implied - shared
            if abs(gap) <= GROWTH_GAP:
                continue
            values = {
                "published": f"{_one(published)}%",
                "period": period,
                "implied": f"{_one(implied)}%",
                "value": number(point.value),
                "before": number(before.value),
                "previous": before.period,
                "gap": _one(abs(gap)),
                "shared": _one(shared),
                "limit": GROWTH_GAP,
            }
            if shared:
                text = _(
                    "Published growth %(published)s for %(period)s is far from the %(implied)s the levels imply "
                    "(%(value)s against %(before)s for %(previous)s): the difference is %(gap)s points away from "
                    "the median area's %(shared)s points (the price change), more than %(limit)s."
                )
            else:
                text = _(
                    "Published growth %(published)s for %(period)s is far from the %(implied)s the levels imply "
                    "(%(value)s against %(before)s for %(previous)s): %(gap)s points apart, more than %(limit)s."
                )
            found.append(_finding("growth_mismatch", spec, area, period, (point.pk, before.pk), text % values))
    return found


def run_checks(
    spec: Spec,
    series: Series,
    groups: Mapping[str, Collection[str]],
    first: str,
    last: str,
    kinds: Collection[str] | None = None,
    names: Mapping[str, str] | None = None,
    only: str | None = None,
) -> list[Finding]:
    """Every check (or those of `kinds`) on one indicator, errors first, then by kind, area and period. With
    `only` (an area code) just the findings about that area; the checks that judge an area on its own series
    then look at that series alone, those that compare it with others still see them all."""

    def wanted(kind: str) -> bool:
        return kinds is None or kind in kinds

    own = series if only is None else ({only: series[only]} if only in series else {})
    found: list[Finding] = []
    if wanted("ytd_fall"):
        found += ytd_falls(spec, own, first, last)
    if wanted("copied"):
        found += copied_series(spec, series, first, last, names)
    missing = missing_values(spec, series, groups, first, last) if wanted("missing") or wanted("gap") else []
    if wanted("missing"):
        found += missing
    if wanted("gap"):
        found += series_gaps(spec, own, first, last, skip={(f.area, f.period) for f in missing})
    if wanted("repeated"):
        found += repeated_values(spec, own, first, last)
    if wanted("peer_outlier"):
        found += runs_collapsed(peer_outliers(spec, series, groups, first, last), spec.frequency)
    if wanted("history_outlier"):
        found += runs_collapsed(history_outliers(spec, own, first, last), spec.frequency)
    if wanted("growth_mismatch"):
        found += growth_mismatches(spec, series, first, last)
    order = list(KINDS)
    found = [f for f in found if only is None or f.area == only]
    return sorted(found, key=lambda f: (f.severity != ERROR, order.index(f.kind), f.area, f.period))


def runs_collapsed(findings: Sequence[Finding], frequency: str) -> list[Finding]:
    """One finding for a run of consecutive periods in which an area stays an outlier: a persistent level is a
    fact to confirm once, not a new error every month. The first period's finding stands, saying how long the
    run lasts."""
    result: list[Finding] = []
    runs: dict[tuple[str, str], tuple[int, str]] = {}  # (kind, area) → (index in result, last period of the run)
    for finding in sorted(findings, key=lambda f: (f.kind, f.area, f.period)):
        key = (finding.kind, finding.area)
        if key in runs and shift(runs[key][1], 1, frequency) == finding.period:
            runs[key] = (runs[key][0], finding.period)
            continue
        if key in runs:
            _close_run(result, runs[key])
        runs[key] = (len(result), finding.period)
        result.append(finding)
    for run in runs.values():
        _close_run(result, run)
    return result


def _close_run(result: list[Finding], run: tuple[int, str]) -> None:
    index, last = run
    finding = result[index]
    if last != finding.period:
        more = _(" The same holds through %(last)s.") % {"last": last}
        result[index] = replace(finding, message=finding.message + more)


# ---- the read ------------------------------------------------------------------------------------------


@dataclass
class Checked:
    """What `check_data` looked at (loaded at once) and its findings (an iterator, checked one indicator at a
    time as the observations stream in)."""

    indicators: dict[str, Indicator]  # by code, those with data
    areas: dict[str, str]  # code → name as tables print it
    windows: dict[str, tuple[str, str]]  # indicator code → (first, last) period checked
    findings: Iterator[Finding] = field(default_factory=lambda: iter(()))


def check_data(
    *,
    indicator: Indicator | None = None,
    area: Area | None = None,
    group: PeerGroup | None = None,
    first: str | None = None,
    last: str | None = None,
    kinds: Collection[str] | None = None,
) -> Checked:
    """Run the checks on current observations: of one indicator or all, about one area or all, against one
    peer group or every group (with an area: the groups it belongs to). `first`/`last` are periods of any
    frequency (2024, 2025-Q2, 2025-06), each indicator's default window otherwise. Queries: indicators, areas,
    group memberships, then one streamed query for the observations, however many indicators."""
    for text in (first, last):
        if text and frequency_of(text) is None:
            raise ValueError(_("%(text)s is not a period: write 2023, 2025-Q3 or 2025-10.") % {"text": text})
    unknown = set(kinds or ()) - set(KINDS)
    if unknown:
        raise ValueError(
            _("Unknown check: %(kind)s; the checks are %(known)s.")
            % {"kind": ", ".join(sorted(unknown)), "known": ", ".join(KINDS)}
        )
    groups, area_ids = _groups(area, group)
    areas = Area.objects.order_by()
    if area_ids is not None:
        areas = areas.filter(pk__in=area_ids)
    area_rows = areas.values_list("pk", "code", "short_name", "name")
    names = {pk: (code, short or name) for pk, code, short, name in area_rows}
    latest = Observation.objects.filter(indicator=OuterRef("pk"), current=True).order_by("-period").values("period")
    chosen = Indicator.objects.annotate(latest=Subquery(latest[:1])).filter(latest__isnull=False)
    if indicator is not None:
        chosen = chosen.filter(pk=indicator.pk)
    indicators: dict[str, Indicator] = {}
    windows: dict[str, tuple[str, str]] = {}
    ranges: list[Q] = []
    for item in chosen:
        end = bound(last, item.frequency, end=True) if last else item.latest
        start = bound(first, item.frequency) if first else shift(end, 1 - WINDOW[item.frequency], item.frequency)
        if start > end:
            continue
        indicators[item.code], windows[item.code] = item, (start, end)
        load_from = shift(start, -(HISTORY[item.frequency] + PARTS[item.frequency]), item.frequency)
        ranges.append(Q(indicator_id=item.pk, period__gte=load_from, period__lte=end))
    area_groups = {name: {names[pk][0] for pk in members if pk in names} for name, members in groups.items()}
    checked = Checked(indicators, {code: label for code, label in names.values()}, windows)
    if indicators:
        rows = Observation.objects.filter(reduce(operator.or_, ranges), current=True).order_by("indicator_id", "period")
        if area_ids is not None:
            rows = rows.filter(area_id__in=area_ids)
        stream = rows.values_list("indicator_id", "pk", "area_id", "period", "value", "growth")
        checked.findings = _stream(
            stream.iterator(chunk_size=20000), indicators, windows, names, area_groups, area, kinds
        )
    return checked


def _groups(area: Area | None, group: PeerGroup | None) -> tuple[dict[str, set[int]], set[int] | None]:
    """The peer groups to check against (name → area ids) and the areas to load (None: all)."""
    through = PeerGroup.areas.through.objects.order_by()
    if group is not None:
        through = through.filter(peergroup=group)
    elif area is not None:
        through = through.filter(peergroup__areas=area)
    groups: dict[str, set[int]] = defaultdict(set)
    for name, area_id in through.values_list("peergroup__name", "area_id"):
        groups[name].add(area_id)
    if group is None and area is None:
        return dict(groups), None
    wanted = set().union(*groups.values()) | ({area.pk} if area is not None else set())
    return dict(groups), wanted


def _stream(
    rows: Iterator[tuple[int, int, int, str, float | None, float | None]],
    indicators: dict[str, Indicator],
    windows: dict[str, tuple[str, str]],
    names: dict[int, tuple[str, str]],
    groups: dict[str, set[str]],
    area: Area | None,
    kinds: Collection[str] | None,
) -> Iterator[Finding]:
    by_pk = {item.pk: item for item in indicators.values()}
    labels = {code: label for code, label in names.values()}
    for indicator_id, chunk in groupby(rows, key=lambda r: r[0]):
        item = by_pk[indicator_id]
        series: dict[str, dict[str, Point]] = defaultdict(dict)
        for _i, pk, area_id, period, value, growth in chunk:
            if area_id in names:
                series[names[area_id][0]][period] = Point(pk, period, value, growth)
        spec = Spec(item.code, item.frequency, item.kind, item.unit)
        first, last = windows[item.code]
        yield from run_checks(spec, series, groups, first, last, kinds, labels, area.code if area else None)


# ---- the observation page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: Any  # a lazy translated label
    before: str
    after: str


@dataclass(frozen=True)
class VintageRow:
    observation: Observation
    changes: list[Change]


def vintages(observation: Observation) -> list[VintageRow]:
    """Every recorded vintage of the observation's (indicator, area, period), oldest first, each with what
    changed against the one before it."""
    rows = (
        Observation.objects.filter(
            indicator_id=observation.indicator_id, area_id=observation.area_id, period=observation.period
        )
        .select_related("recorded_by")
        .order_by("recorded_at", "pk")
    )
    result, before = [], None
    for row in rows:
        changes = []
        if before is not None:
            compared = (
                (gettext_lazy("value"), number(before.value), number(row.value)),
                (gettext_lazy("published growth %"), number(before.growth), number(row.growth)),
                (gettext_lazy("vintage"), before.get_vintage_display(), row.get_vintage_display()),
                (gettext_lazy("data source"), before.source, row.source),
            )
            changes = [Change(label, old, new) for label, old, new in compared if old != new]
        result.append(VintageRow(row, changes))
        before = row
    return result


@dataclass(frozen=True)
class Neighbour:
    period: str
    observation: Observation | None
    implied_growth: float | None  # from the levels, for levels
    single: float | None  # a year-to-date total's own period value
    this: bool


NEIGHBOURS = {"month": 6, "quarter": 4, "year": 3}  # periods shown each side of the observation's


def neighbours(observation: Observation) -> list[Neighbour]:
    """The same area's current figures for the periods around the observation's, with the growth the levels
    imply and, for a year-to-date total, each period's own value: the context for judging it."""
    indicator = observation.indicator
    frequency, around = indicator.frequency, NEIGHBOURS[indicator.frequency]
    first = shift(observation.period, -around, frequency)
    last = shift(observation.period, around, frequency)
    rows = Observation.objects.filter(
        indicator_id=indicator.pk,
        area_id=observation.area_id,
        current=True,
        period__gte=year_ago(first, frequency),
        period__lte=last,
    )
    by_period = {row.period: row for row in rows}
    spec = Spec(indicator.code, frequency, indicator.kind, indicator.unit)
    ytd = {p: o.value for p, o in by_period.items()} if spec.kind == "ytd" and not spec.is_rate else {}
    single = computations.single_periods(ytd) if frequency != "year" else {}
    shown = [p for p in period_range(first, last, frequency) if p in by_period]
    result = []
    for period in period_range(min(shown, default=first), max(shown, default=last), frequency):  # no empty edges
        row, before = by_period.get(period), by_period.get(year_ago(period, frequency))
        implied = None
        if row is not None and before is not None and not spec.is_rate:
            implied = computations.growth(row.value, before.value)
        result.append(Neighbour(period, row, implied, single.get(period), period == observation.period))
    return result
