"""A scheme's results: the facts gathered from key tasks, indicators, manual scores and adjustments, scored by
the pure rules of `scoring`, with the trail behind every point.

The results are plain JSON-ready dicts, because the same structure is what a published scheme freezes in its
snapshot: pages, exports and the API read `results_of(scheme)` and never care whether it was computed now
(preview) or frozen at publication. Texts in the trail are data (codes, numbers, titles), never sentences,
so a snapshot reads in either language.

    {"scheme": {...}, "computed_at": iso, "as_of": "2025-12-31",
     "items": [{"id", "name", "method", "weight"}], "bands": [{"name", "minimum", "quota"}],
     "units": [{"unit": {"id", "code", "name"}, "items": {item_id: {"points", "weighted", "trail": [...]}},
                "adjustments": [...], "bonus", "malus", "total", "rank", "grade", "note", "vetoed"}]}

A unit without a figure for an indicator item scores 0 on it, and the trail says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.utils import timezone

from bihuan.assessment import scoring
from bihuan.assessment.models import (
    Adjustment,
    AdjustmentKind,
    ExemptionStatus,
    Item,
    ManualScore,
    Method,
    NoBasis,
    Scheme,
    SchemeState,
)
from bihuan.core.calendar import WorkCalendar, deadline_calendar
from bihuan.core.models import AuditEvent
from bihuan.indicators import selectors as indicator_selectors
from bihuan.indicators.models import Observation, Target
from bihuan.indicators.periods import frequency_of, period_end
from bihuan.org.models import Unit
from bihuan.supervision.models import KeyTask, ProgressReport, ReportStatus
from bihuan.supervision.schedule import reporting_start
from bihuan.supervision.statistics import CLOSED, TaskRecord, report_outcomes
from bihuan.supervision.warnings import OPEN_STATES

SUBMITTED = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)
TRAIL_LIMIT = 200  # entries kept per item and unit; the counts stay exact


def as_of_day(scheme: Scheme, today: date) -> date:
    """The day facts are counted up to: the scheme's own date, else today, and never after the year's end."""
    if scheme.as_of is not None:
        return scheme.as_of
    return min(today, date(scheme.year, 12, 31))


def results_of(scheme: Scheme, today: date | None = None) -> dict[str, Any]:
    """The frozen results of a published scheme, else the results computed now (the preview)."""
    if scheme.state == SchemeState.PUBLISHED and scheme.snapshot:
        return scheme.snapshot
    return compute(scheme, today or timezone.localdate())


def f2(value: float | Decimal) -> float:
    return round(float(value), 2)


# ---- task delivery ---------------------------------------------------------------------------------


@dataclass
class DeliveryTrail:
    facts: scoring.DeliveryFacts = field(default_factory=scoring.DeliveryFacts)
    entries: list[dict[str, Any]] = field(default_factory=list)
    tasks: int = 0
    rates: dict[str, Any] = field(default_factory=dict)  # shown beside the points, not scored


def delivery_rates(counts: Mapping[str, int]) -> dict[str, Any]:
    """The unit's delivery in rates, as the office reads them beside the points: closure rate (办结率: tasks
    closed of those due by the day or closed already), on-time report rate (按时报送率), days the overdue tasks
    were late in all, and the mean quality rating (1–5) given at close-out."""

    def percent(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    return {
        "closure_rate": percent(counts["closed"], counts["should_be_closed"]),
        "on_time_report_rate": percent(counts["reports_on_time"], counts["reports_due"]),
        "reports_due": counts["reports_due"],
        "days_overdue": counts["days_overdue"],
        "quality": round(counts["rating_sum"] / counts["rated"], 2) if counts["rated"] else None,
        "rated": counts["rated"],
    }


def delivery_facts(scheme: Scheme, unit_ids: list[int], day: date) -> dict[int, DeliveryTrail]:
    """For each unit, what its led key tasks of the scheme's year owe: overdue tasks (open past their due day,
    or closed after it), report periods due by `day` that came late or never, and reports returned by the
    office (counted from the audit log, so a report returned and then accepted still counts once per return).
    Four queries however many units and tasks."""
    tasks = list(
        KeyTask.objects.filter(year=scheme.year, lead_unit_id__in=unit_ids)
        .exclude(status__in=("draft", "cancelled"))
        .order_by("number")
        .only(
            "id",
            "number",
            "title",
            "status",
            "lead_unit_id",
            "start",
            "assigned_on",
            "created_at",
            "due",
            "cadence",
            "report_day",
            "closed_on",
            "quality_rating",
        )
    )
    task_ids = [t.pk for t in tasks]
    submitted: dict[int, dict[str, date]] = defaultdict(dict)
    report_task: dict[int, tuple[int, str]] = {}
    rows = ProgressReport.objects.filter(task_id__in=task_ids).order_by()
    for report_id, task_id, period, status, on in rows.values_list("id", "task_id", "period", "status", "submitted_on"):
        report_task[report_id] = (task_id, period)
        if status in SUBMITTED and on is not None and on <= day:
            submitted[task_id][period] = on
    returns: dict[int, list[tuple[str, str]]] = defaultdict(list)
    until = timezone.make_aware(datetime.combine(day, time.max))
    for object_id, at in (
        AuditEvent.objects.filter(
            action="progressreport.returned", object_type="supervision.progressreport", created_at__lte=until
        )
        .order_by("seq")
        .values_list("object_id", "created_at")
    ):
        found = report_task.get(int(object_id)) if object_id.isdigit() else None
        if found is not None:
            returns[found[0]].append((found[1], timezone.localdate(at).isoformat()))
    result = {unit_id: DeliveryTrail() for unit_id in unit_ids}
    counts: dict[int, dict[str, int]] = {u: defaultdict(int) for u in unit_ids}
    deadlines = deadline_calendar()
    for task in tasks:
        trail = result[task.lead_unit_id]
        trail.tasks += 1
        _task_delivery(
            task,
            day,
            submitted.get(task.pk, {}),
            returns.get(task.pk, []),
            trail,
            counts[task.lead_unit_id],
            deadlines,
        )
    for unit_id, trail in result.items():
        c = counts[unit_id]
        trail.facts = scoring.DeliveryFacts(c["overdue_task"], c["late_report"], c["missing_report"], c["return"])
        trail.rates = delivery_rates(c)
    return result


def _task_delivery(
    task: KeyTask,
    day: date,
    submitted: dict[str, date],
    returned: list[tuple[str, str]],
    trail: DeliveryTrail,
    counts: dict[str, int],
    deadlines: WorkCalendar | None,
) -> None:
    ref = {"task": task.pk, "number": task.number, "title": task.title}
    closed_by_day = task.status == CLOSED and task.closed_on is not None and task.closed_on <= day
    if closed_by_day or task.due <= day:
        counts["should_be_closed"] += 1
    if closed_by_day:
        counts["closed"] += 1
        if task.quality_rating:
            counts["rating_sum"] += task.quality_rating
            counts["rated"] += 1
    closed_late = task.status == CLOSED and task.closed_on is not None and task.closed_on > task.due
    open_late = task.status in OPEN_STATES and task.due < day
    if closed_late or open_late:
        late_by = ((task.closed_on if closed_late else day) - task.due).days  # type: ignore[operator]
        counts["overdue_task"] += 1
        counts["days_overdue"] += late_by
        _add(trail, {"what": "overdue_task", **ref, "due": task.due.isoformat(), "days": late_by})
    record = TaskRecord(
        id=task.pk,
        group="",
        status=task.status,
        light="none",
        start=reporting_start(task.start, task.assigned_on, task.created_at.date()),
        due=task.due,
        cadence=task.cadence,
        report_day=task.report_day,
        closed_on=task.closed_on,
        submitted=submitted,
    )
    for outcome in report_outcomes(record, day, deadlines):  # periods due before `day`, as the statistics count
        counts["reports_due"] += 1
        if outcome.on_time:
            counts["reports_on_time"] += 1
            continue
        what = "late_report" if outcome.period in submitted else "missing_report"
        counts[what] += 1
        _add(
            trail,
            {"what": what, **ref, "period": outcome.period, "due": outcome.due.isoformat(), "days": outcome.days_late},
        )
    for period, on in returned:
        counts["return"] += 1
        _add(trail, {"what": "return", **ref, "period": period, "on": on})


def _add(trail: DeliveryTrail, entry: dict[str, Any]) -> None:
    if len(trail.entries) < TRAIL_LIMIT:
        trail.entries.append(entry)


# ---- indicators ------------------------------------------------------------------------------------


def rank_table(item: Item) -> list[float] | None:
    """The item's points for 1st, 2nd, … (commas, full-width commas or 、 between them); None: a straight line."""
    if not item.rank_points:
        return None
    return [float(p) for p in item.rank_points.replace("，", ",").replace("、", ",").split(",") if p.strip()]


def indicator_rank_points(item: Item, units: list[Unit], day: date) -> dict[int, dict[str, Any]]:
    """Points by each unit's rank among the item's peer group (the unit's area has the unit's code), from the
    figures as published by the end of `day`."""
    indicator, group = item.indicator, item.peer_group
    period = item.period or indicator_selectors.latest_period(indicator, group)  # type: ignore[arg-type]
    if period is None:
        return {
            u.pk: {"points": 0.0, "basis": False, "trail": [{"what": "no_figures", "indicator": indicator.name}]}  # type: ignore[union-attr]
            for u in units
        }
    as_of = timezone.make_aware(datetime.combine(day, time.max))
    rows = {
        r.area_code: r
        for r in indicator_selectors.league_table(indicator, group, period, item.rank_basis or "value", as_of)
    }  # type: ignore[arg-type]
    size = sum(1 for r in rows.values() if r.rank is not None)
    table = rank_table(item)
    out = {}
    for unit in units:
        row = rows.get(unit.code)
        rank = row.rank if row is not None else None
        if table is not None:
            points = scoring.rank_points_table(rank, table)
        else:
            points = scoring.rank_points_linear(rank, size, float(item.best_points), float(item.worst_points))
        figure = None if row is None else (row.value if (item.rank_basis or "value") == "value" else row.growth)
        entry = {
            "what": "rank" if rank is not None else "unranked",
            "indicator": indicator.name,  # type: ignore[union-attr]
            "indicator_id": indicator.pk,  # type: ignore[union-attr]
            "group": group.name,  # type: ignore[union-attr]
            "group_id": group.pk,  # type: ignore[union-attr]
            "period": period,
            "by": item.rank_basis or "value",
            "figure": figure,
            "rank": rank,
            "of": size,
            "in_group": row is not None,
        }
        out[unit.pk] = {"points": points, "basis": rank is not None, "trail": [entry]}
    return out


def indicator_target_points(item: Item, units: list[Unit], year: int, day: date) -> dict[int, dict[str, Any]]:
    """Points for completing each unit's yearly target of the indicator: the latest current figure of the year
    (or of the item's period) published by the end of `day`."""
    indicator = item.indicator
    assert indicator is not None
    codes = [u.code for u in units]
    targets = {
        code: value
        for code, value in Target.objects.filter(indicator=indicator, year=year, area__code__in=codes).values_list(
            "area__code", "value"
        )
    }
    as_of = timezone.make_aware(datetime.combine(day, time.max))
    rows = Observation.objects.filter(indicator=indicator, area__code__in=codes, recorded_at__lte=as_of)
    rows = rows.filter(period=item.period) if item.period else rows.filter(period__startswith=str(year))
    latest: dict[str, tuple[Any, str, float | None]] = {}
    for code, period, value, recorded in rows.order_by().values_list("area__code", "period", "value", "recorded_at"):
        if frequency_of(period) != indicator.frequency:
            continue
        key = (period_end(period), recorded)
        if code not in latest or key > latest[code][0]:
            latest[code] = (key, period, value)
    out = {}
    for unit in units:
        target = targets.get(unit.code)
        found = latest.get(unit.code)
        actual = found[2] if found else None
        entry = {
            "what": "target",
            "indicator": indicator.name,
            "indicator_id": indicator.pk,
            "year": year,
            "target": target,
            "actual": actual,
            "period": found[1] if found else None,
        }
        if target is None or target <= 0 or actual is None:
            entry["what"] = "no_target" if target is None or target <= 0 else "no_figures"
            out[unit.pk] = {"points": 0.0, "basis": False, "trail": [entry]}
            continue
        points = scoring.target_points(actual, target, 100.0, float(item.target_cap), indicator.higher_is_better)
        entry["completion"] = actual / target if indicator.higher_is_better else (target / actual if actual else None)
        out[unit.pk] = {"points": points, "basis": True, "trail": [entry]}
    return out


# ---- the whole scheme ------------------------------------------------------------------------------


def compute(scheme: Scheme, today: date) -> dict[str, Any]:
    """Everything the score sheets and the league show, computed now."""
    day = as_of_day(scheme, today)
    units = list(scheme.units.order_by("sort_order", "code"))
    unit_ids = [u.pk for u in units]
    items = list(scheme.items.select_related("indicator", "peer_group").order_by("sort_order", "id"))
    bands = list(scheme.bands.order_by("sort_order", "id"))
    item_scores: dict[int, dict[int, dict[str, Any]]] = {}
    delivery: dict[int, DeliveryTrail] | None = None
    for item in items:
        if item.method == Method.DELIVERY:
            delivery = delivery if delivery is not None else delivery_facts(scheme, unit_ids, day)
            item_scores[item.pk] = _delivery_scores(item, delivery)
        elif item.method == Method.INDICATOR_RANK and item.indicator and item.peer_group:
            item_scores[item.pk] = indicator_rank_points(item, units, day)
        elif item.method == Method.INDICATOR_TARGET and item.indicator:
            item_scores[item.pk] = indicator_target_points(item, units, scheme.year, day)
        else:
            item_scores[item.pk] = _manual_scores(item, unit_ids)
        _score_without_basis(item, item_scores[item.pk])
    adjustments = _adjustments(scheme)
    rows = []
    totals: dict[str, float] = {}
    vetoed = []
    for unit in units:
        own = adjustments.get(unit.pk, [])
        scored = [
            scoring.Adjustment(a["kind"], a["points"], a["exempted"], a["automatic"]) for a in own if not a["withdrawn"]
        ]
        scores = {str(i.pk): item_scores[i.pk][unit.pk] for i in items}
        spread = {key for key, score in scores.items() if score["points"] is None}
        weights = scoring.spread_weights({str(i.pk): float(i.weight) for i in items}, spread)
        points = {key: scores[key]["points"] for key in weights}
        cap = float(scheme.incentive_cap) if scheme.incentive_cap is not None else None
        demerit_cap = float(scheme.demerit_cap) if scheme.demerit_cap is not None else None
        total = f2(scoring.adjusted_total(points, weights, scored, cap, demerit_cap))
        bonus = sum(a.points for a in scored if a.kind == scoring.INCENTIVE)
        totals[str(unit.pk)] = total
        if any(a.kind == scoring.VETO for a in scored):
            vetoed.append(str(unit.pk))
        rows.append(
            {
                "unit": {"id": unit.pk, "code": unit.code, "name": unit.label},
                "items": {key: _scored_item(score, weights.get(key, 0.0)) for key, score in scores.items()},
                "adjustments": own,
                "bonus": f2(min(bonus, cap) if cap is not None else bonus),
                "malus": f2(scoring.demerit_points(scored, demerit_cap)),
                "total": total,
            }
        )
    places = scoring.ranks(totals)
    graded = scoring.grade(
        totals,
        [scoring.Band(b.name, float(b.minimum), float(b.quota) / 100 if b.quota is not None else None) for b in bands]
        or [scoring.Band("—")],
        vetoed,
    )
    for row in rows:
        key = str(row["unit"]["id"])
        row["rank"] = places[key]
        row["grade"] = graded.grades[key]
        row["note"] = graded.notes.get(key, "")
        row["vetoed"] = key in vetoed
    rows.sort(key=lambda r: (r["rank"], r["unit"]["code"]))
    return {
        "scheme": {"id": scheme.pk, "year": scheme.year, "name": scheme.name, "state": scheme.state},
        "computed_at": timezone.now().isoformat(timespec="seconds"),
        "as_of": day.isoformat(),
        "items": [{"id": str(i.pk), "name": i.name, "method": i.method, "weight": f2(i.weight)} for i in items],
        "bands": [
            {"name": b.name, "minimum": f2(b.minimum), "quota": f2(b.quota) if b.quota is not None else None}
            for b in bands
        ],
        "units": rows,
    }


def _scored_item(score: dict[str, Any], weight: float) -> dict[str, Any]:
    """An item on a unit's sheet: its points (None when its weight went to the other items), the weight it
    counts with for this unit, the weighted points and the records behind them."""
    points = score["points"]
    return {
        "points": None if points is None else f2(points),
        "weight": f2(weight),
        "weighted": f2((points or 0.0) * weight / 100),
        "trail": score["trail"],
        **({"facts": score["facts"]} if "facts" in score else {}),
    }


def full_points(item: Item) -> float:
    """What an item gives at best without going beyond it: a delivery item's base points, a ranking's points
    for first, 100 for a target met or a manual score."""
    if item.method == Method.DELIVERY:
        return float(item.base_points)
    if item.method == Method.INDICATOR_RANK:
        table = rank_table(item)
        return table[0] if table else float(item.best_points)
    return 100.0


def _score_without_basis(item: Item, scores: dict[int, dict[str, Any]]) -> None:
    """Give the units with nothing to be scored on for the item what the scheme's rule says, and say so."""
    if all(score["basis"] for score in scores.values()):
        return
    rule = item.no_basis or NoBasis.ZERO
    filled = scoring.fill_without_basis(
        {unit: score["points"] if score["basis"] else None for unit, score in scores.items()},
        rule,
        full_points(item),
    )
    scored = sum(1 for score in scores.values() if score["basis"])
    for unit, score in scores.items():
        if not score["basis"]:
            score["points"] = filled[unit]
            score["trail"] = [*score["trail"], {"what": "no_basis", "rule": rule, "points": filled[unit], "of": scored}]


def _delivery_scores(item: Item, delivery: dict[int, DeliveryTrail]) -> dict[int, dict[str, Any]]:
    rule = scoring.DeliveryRule(
        base=float(item.base_points),
        per_overdue_task=float(item.per_overdue_task),
        per_late_report=float(item.per_late_report),
        per_missing_report=float(item.per_missing_report),
        per_return=float(item.per_return),
        max_off=float(item.max_off) if item.max_off is not None else None,
    )
    off = {
        "overdue_task": rule.per_overdue_task,
        "late_report": rule.per_late_report,
        "missing_report": rule.per_missing_report,
        "return": rule.per_return,
    }
    out = {}
    for unit_id, trail in delivery.items():
        entries = [{**e, "off": off[e["what"]]} for e in trail.entries if off[e["what"]]]
        facts = trail.facts
        out[unit_id] = {
            "points": scoring.delivery_points(rule, facts),
            "basis": trail.tasks > 0,
            "trail": entries,
            "facts": {
                "tasks": trail.tasks,
                "overdue_tasks": facts.overdue_tasks,
                "late_reports": facts.late_reports,
                "missing_reports": facts.missing_reports,
                "returns": facts.returns,
                **trail.rates,
            },
        }
    return out


def _manual_scores(item: Item, unit_ids: list[int]) -> dict[int, dict[str, Any]]:
    scores = {s.unit_id: s for s in ManualScore.objects.filter(item=item).select_related("entered_by")}
    out = {}
    for unit_id in unit_ids:
        score = scores.get(unit_id)
        if score is None:
            out[unit_id] = {"points": 0.0, "basis": False, "trail": [{"what": "not_scored"}]}
        else:
            entry = {
                "what": "manual",
                "points": f2(score.points),
                "comment": score.comment,
                "by": score.entered_by.get_full_name() or score.entered_by.get_username() if score.entered_by else "",
                "on": timezone.localdate(score.updated_at).isoformat(),
            }
            out[unit_id] = {"points": float(score.points), "basis": True, "trail": [entry]}
    return out


def _adjustments(scheme: Scheme) -> dict[int, list[dict[str, Any]]]:
    """Each unit's adjustments with their exemption requests, as data: two queries of plain rows (a scheme of
    200 units may carry ten thousand automatic demerits; model instances would cost seconds)."""
    from bihuan.assessment.models import Exemption

    requests: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in (
        Exemption.objects.filter(adjustment__scheme=scheme)
        .order_by("created_at", "id")
        .values("id", "adjustment_id", "grounds", "status", "explanation", "decision_reason")
    ):
        requests[row.pop("adjustment_id")].append(row)
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = (
        Adjustment.objects.filter(scheme=scheme)
        .order_by("unit_id", "kind", "created_at", "id")
        .values(
            "id", "unit_id", "kind", "points", "reason", "evidence", "rule", "task_id", "task__number", "withdrawn",
            "withdrawn_reason",
        )
    )  # fmt: skip
    for row in rows:
        exemptions = requests.get(row["id"], [])
        approved = any(e["status"] == ExemptionStatus.APPROVED for e in exemptions)
        out[row["unit_id"]].append(
            {
                "id": row["id"],
                "kind": row["kind"],
                "points": f2(row["points"]) if row["kind"] != AdjustmentKind.VETO else 0.0,
                "reason": row["reason"],
                "evidence": row["evidence"],
                "rule": row["rule"],
                "automatic": bool(row["rule"]),
                "task": row["task_id"],
                "task_number": row["task__number"] or "",
                "withdrawn": row["withdrawn"],
                "withdrawn_reason": row["withdrawn_reason"],
                "exempted": approved and row["kind"] == AdjustmentKind.DEMERIT,
                "exemptions": exemptions,
            }
        )
    return out


def unit_row(results: dict[str, Any], unit_id: int) -> dict[str, Any] | None:
    return next((row for row in results["units"] if row["unit"]["id"] == unit_id), None)
