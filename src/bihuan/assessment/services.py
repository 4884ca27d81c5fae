"""Writes of assessment: schemes and their items and grades, the state workflow, manual scores, adjustments
(including the automatic demerits drawn from supervision events), fault-tolerance requests and publication.
Each checks the policy, validates, and records its audit event in the same transaction."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from bihuan.assessment import results
from bihuan.assessment.models import (
    Adjustment,
    AdjustmentKind,
    AutoRule,
    EvidenceFile,
    Exemption,
    ExemptionStatus,
    GradeBand,
    Item,
    ManualScore,
    Method,
    NoBasis,
    Result,
    Scheme,
    SchemeState,
)
from bihuan.core import audit, files
from bihuan.core.models import AuditEvent
from bihuan.core.notifications import notify
from bihuan.core.policy import policy
from bihuan.core.roles import Role
from bihuan.core.services import Conflict, save_model
from bihuan.org.models import Unit
from bihuan.supervision.models import KeyTask, ProgressReport, SupervisionNotice
from bihuan.supervision.selectors import first_red_days, lights
from bihuan.supervision.warnings import OPEN_STATES, RED

SCHEME_FIELDS = (
    "year",
    "name",
    "description",
    "as_of",
    "incentive_cap",
    "demerit_per_red_task",
    "demerit_per_overdue_task",
    "demerit_per_returned_report",
    "demerit_per_notice",
    "demerit_cap",
)
ITEM_FIELDS = (
    "name",
    "method",
    "weight",
    "sort_order",
    "no_basis",
    "base_points",
    "per_overdue_task",
    "per_late_report",
    "per_missing_report",
    "per_return",
    "max_off",
    "indicator",
    "peer_group",
    "period",
    "rank_basis",
    "rank_points",
    "best_points",
    "worst_points",
    "target_cap",
)
BAND_FIELDS = ("name", "minimum", "quota", "sort_order")
TRANSITIONS = {
    ("draft", "open"): "open",
    ("open", "draft"): "open",
    ("open", "preview"): "preview",
    ("preview", "open"): "preview",
    ("preview", "published"): "publish",
}


def _fresh(scheme: Scheme) -> Scheme:
    """The scheme as stored now: a page or a caller may hold one read before its state changed."""
    return Scheme.objects.get(pk=scheme.pk)


def _person(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


# ---- schemes, items, grades ------------------------------------------------------------------------


def save_scheme(actor: Any, data: Mapping[str, Any], units: Sequence[Unit], scheme: Scheme | None = None) -> Scheme:
    """Create (as a draft) or change a scheme and the units it assesses."""
    if scheme is not None and scheme.locked:
        raise Conflict(_("A published scheme cannot change."))
    if not units:
        raise ValidationError({"units": _("Choose the units this scheme assesses.")})
    obj = scheme or Scheme(created_by=_person(actor))
    return save_model(actor, obj, data, fields=SCHEME_FIELDS, m2m={"units": list(units)})


def rank_points_list(text: str) -> list[float]:
    """Parse "100, 95, 90" (also with Chinese commas) into points; raise ValidationError naming what is wrong."""
    values = []
    for part in text.replace("，", ",").replace("、", ",").split(","):
        if not part.strip():
            continue
        try:
            values.append(float(part))
        except ValueError:
            raise ValidationError(
                {
                    "rank_points": _("“%(part)s” is not a number; write points for 1st, 2nd, … separated by commas.")
                    % {"part": part.strip()}
                }
            ) from None
    if any(v < 0 or v > 200 for v in values):
        raise ValidationError({"rank_points": _("Points by rank must be between 0 and 200.")})
    return values


def check_item(data: Mapping[str, Any]) -> None:
    """What each method needs, named by field."""
    method = data.get("method")
    if method in (Method.INDICATOR_RANK, Method.INDICATOR_TARGET) and data.get("indicator") is None:
        raise ValidationError({"indicator": _("Choose the indicator this item scores.")})
    if method == Method.INDICATOR_RANK and data.get("peer_group") is None:
        raise ValidationError({"peer_group": _("Choose the peer group the units are ranked in.")})
    if method == Method.INDICATOR_RANK and data.get("rank_points"):
        rank_points_list(data["rank_points"])
    straight_line = method == Method.INDICATOR_RANK and not data.get("rank_points")
    if straight_line and Decimal(str(data.get("worst_points", 60))) > Decimal(str(data.get("best_points", 100))):
        raise ValidationError({"worst_points": _("Points for last cannot exceed points for first.")})
    if data.get("period"):
        from bihuan.indicators.periods import EXAMPLES, frequency_of

        frequency = frequency_of(data["period"])
        if frequency is None:
            raise ValidationError({"period": _("Write a period as 2025, 2025-Q4 or 2025-12.")})
        indicator = data.get("indicator")
        if indicator is not None and frequency != indicator.frequency:
            raise ValidationError(
                {
                    "period": _("%(indicator)s is %(frequency)s: write a period such as %(example)s.")
                    % {
                        "indicator": indicator.label,
                        "frequency": indicator.get_frequency_display(),
                        "example": EXAMPLES[indicator.frequency],
                    }
                }
            )


def save_item(actor: Any, scheme: Scheme, data: Mapping[str, Any], item: Item | None = None) -> Item:
    scheme = _fresh(scheme)
    if scheme.state not in (SchemeState.DRAFT, SchemeState.OPEN):
        raise Conflict(_("Items can change only while the scheme is a draft or open."))
    if not data.get("no_basis") and (item is None or "no_basis" in data):
        data = {**data, "no_basis": NoBasis.usual(data.get("method") or (item.method if item else None))}
    # A change may name only some fields: check what the item will be, not just what changes.
    check_item(data if item is None else {**{f: getattr(item, f) for f in ITEM_FIELDS}, **data})
    return save_model(actor, item or Item(scheme=scheme), data, fields=ITEM_FIELDS)


def save_band(actor: Any, scheme: Scheme, data: Mapping[str, Any], band: GradeBand | None = None) -> GradeBand:
    scheme = _fresh(scheme)
    if scheme.state not in (SchemeState.DRAFT, SchemeState.OPEN):
        raise Conflict(_("Grades can change only while the scheme is a draft or open."))
    return save_model(actor, band or GradeBand(scheme=scheme), data, fields=BAND_FIELDS)


def delete_part(actor: Any, part: Item | GradeBand) -> None:
    policy.require(actor, "delete", part)
    with transaction.atomic():
        audit.record(actor, f"{part._meta.model_name}.deleted", part, {"name": part.name})
        part.delete()


def problems_before_opening(scheme: Scheme) -> list[str]:
    """What keeps a scheme from opening, in words."""
    problems = []
    items = list(scheme.items.all())
    if not items:
        problems.append(_("Add at least one item."))
    total = sum((i.weight for i in items), Decimal(0))
    if items and total != 100:
        problems.append(
            _("The items' weights add up to %(total)s%%, not 100%%.") % {"total": format(total.normalize(), "f")}
        )
    bands = list(scheme.bands.order_by("sort_order", "id"))
    if not bands:
        problems.append(_("Add the grades, best first (e.g. 优秀, 良好, 合格, 不合格)."))
    minimums = [b.minimum for b in bands]
    if any(a < b for a, b in itertools.pairwise(minimums)):
        problems.append(_("Each grade's minimum must not be higher than the grade above it."))
    if not scheme.units.exists():
        problems.append(_("Choose the units this scheme assesses."))
    for item in items:
        try:
            check_item({f: getattr(item, f) for f in ITEM_FIELDS})
        except ValidationError as error:
            problems.extend(f"{item.name}: {m}" for m in error.messages)
    return problems


def move(
    actor: Any, scheme: Scheme, to: str, *, expected_version: int | None = None, today: date | None = None
) -> Scheme:
    """Move a scheme along draft ⇄ open ⇄ preview → published. Opening checks the scheme is complete; preview
    refreshes the automatic demerits; publishing freezes the results."""
    action = TRANSITIONS.get((scheme.state, to))
    if action is None:
        if not policy.can(actor, "create", Scheme):  # who may not move schemes at all is refused, not told why
            raise PermissionDenied
        raise Conflict(
            _("The scheme is %(state)s; it cannot move to that state.") % {"state": scheme.get_state_display()}
        )
    policy.require(actor, action, scheme)
    if to == SchemeState.OPEN and scheme.state == SchemeState.DRAFT:
        problems = problems_before_opening(scheme)
        if problems:
            raise ValidationError(problems)
    if to == SchemeState.PUBLISHED:
        return publish(actor, scheme, expected_version=expected_version, today=today)
    with transaction.atomic():
        current = Scheme.objects.select_for_update().get(pk=scheme.pk)
        _check_version(current, expected_version)
        if to == SchemeState.PREVIEW:
            refresh_automatic_demerits(actor, current, today or timezone.localdate())
        Scheme.objects.filter(pk=current.pk).update(state=to, version=F("version") + 1)
        audit.record(actor, f"scheme.{to}", current, {"state": [current.state, to]})
        current.refresh_from_db()
    if to == SchemeState.OPEN and scheme.state == SchemeState.DRAFT:
        _tell_units(current, _("Assessment scheme open: %(scheme)s") % {"scheme": current}, current.description)
    return current


def _check_version(current: Scheme, expected_version: int | None) -> None:
    if expected_version is not None and current.version != expected_version:
        raise Conflict(_("Someone else changed this scheme meanwhile; reload it and try again."))


def snapshot_digest(snapshot: Mapping[str, Any]) -> str:
    body = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def publish(actor: Any, scheme: Scheme, *, expected_version: int | None = None, today: date | None = None) -> Scheme:
    """Freeze the results: the snapshot and its SHA-256 on the scheme and in the audit chain, a Result row per
    unit. Nothing about the scheme changes afterwards, whatever happens to the tasks behind it."""
    policy.require(actor, "publish", scheme)
    with transaction.atomic():
        current = Scheme.objects.select_for_update().get(pk=scheme.pk)
        _check_version(current, expected_version)
        if current.state != SchemeState.PREVIEW:
            raise Conflict(_("Preview the results before publishing them."))
        pending = Exemption.objects.filter(adjustment__scheme=current, status=ExemptionStatus.PENDING).count()
        if pending:
            raise Conflict(_("%(count)s fault-tolerance request(s) wait for a decision.") % {"count": pending})
        computed = results.compute(current, today or timezone.localdate())
        computed["scheme"]["state"] = SchemeState.PUBLISHED
        digest = snapshot_digest(computed)
        now = timezone.now()
        Scheme.objects.filter(pk=current.pk).update(
            state=SchemeState.PUBLISHED,
            snapshot=computed,
            snapshot_sha256=digest,
            published_at=now,
            published_by=_person(actor),
            version=F("version") + 1,
        )
        Result.objects.bulk_create(
            [
                Result(
                    scheme=current,
                    unit_id=row["unit"]["id"],
                    total=Decimal(str(row["total"])),
                    rank=row["rank"],
                    grade=row["grade"],
                    vetoed=row["vetoed"],
                    items={key: value["points"] for key, value in row["items"].items()},
                )
                for row in computed["units"]
            ]
        )
        audit.record(
            actor,
            "scheme.published",
            current,
            {
                "state": [current.state, SchemeState.PUBLISHED],
                "snapshot_sha256": digest,
                "units": len(computed["units"]),
            },
        )
        current.refresh_from_db()
    _tell_units(current, _("Assessment results published: %(scheme)s") % {"scheme": current}, "")
    return current


def _tell_units(scheme: Scheme, title: str, body: str) -> None:
    from django.contrib.auth import get_user_model

    people = get_user_model().objects.filter(
        is_active=True, profile__unit__in=scheme.units.all(), profile__role__in=(Role.UNIT_HEAD, Role.UNIT_CLERK)
    )
    transaction.on_commit(lambda: notify(list(people), title, body, url=f"/assessment/{scheme.pk}/", kind="assessment"))


# ---- manual scores and adjustments -----------------------------------------------------------------


def save_manual_score(actor: Any, item: Item, unit: Unit, points: Decimal, comment: str) -> ManualScore:
    item.scheme = _fresh(item.scheme)
    policy.require(actor, "score", item.scheme)
    if item.method != Method.MANUAL:
        raise ValidationError({"item": _("Points are entered by hand only on manual items.")})
    if not item.scheme.units.filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("This unit is not assessed by this scheme.")})
    if not comment.strip():
        raise ValidationError({"comment": _("Say what the points are for (a survey, an inspection…).")})
    if not Decimal(0) <= Decimal(points) <= Decimal(100):
        raise ValidationError({"points": _("Points must be between 0 and 100.")})
    with transaction.atomic():
        score, created = ManualScore.objects.select_for_update().get_or_create(
            item=item, unit=unit, defaults={"points": points, "comment": comment.strip(), "entered_by": _person(actor)}
        )
        before = None if created else [str(score.points), score.comment]
        if not created:
            score.points, score.comment, score.entered_by = points, comment.strip(), _person(actor)
            score.save()
        audit.record(
            actor, "manualscore.entered", score, {"points": [before and before[0], str(points)], "unit": unit.code}
        )
    return score


# ---- evidence files ----------------------------------------------------------------------------------
MAX_EVIDENCE_FILES = 10


def read_evidence(uploads: Sequence[Any]) -> list[tuple[str, bytes]]:
    """Every uploaded evidence file read and checked before anything is kept or written (all or nothing)."""
    if len(uploads) > MAX_EVIDENCE_FILES:
        raise ValidationError({"files": _("At most %(count)s files at a time.") % {"count": MAX_EVIDENCE_FILES}})
    checked = []
    for upload in uploads:
        try:
            name, content = files.read_upload(upload)
            checked.append((files.check_evidence(name, content), content))
        except ValidationError as error:
            raise ValidationError({"files": error.messages}) from None
    return checked


def _keep_evidence(actor: Any, evidence: Sequence[tuple[str, bytes]], **owner: Any) -> list[dict[str, str]]:
    """Keep the checked files for an adjustment or an exemption; what the audit event records of them."""
    recorded = []
    for name, content in evidence:
        kept = files.keep_evidence(name, content)
        EvidenceFile.objects.create(
            **owner,
            filename=kept.filename,
            size=kept.size,
            sha256=kept.sha256,
            content_type=kept.content_type,
            uploaded_by=_person(actor),
        )
        recorded.append({"file": kept.filename, "sha256": kept.sha256})
    return recorded


def add_evidence(actor: Any, record: Adjustment | Exemption, uploads: Sequence[Any]) -> list[str]:
    """More evidence files for an adjustment (whoever may enter it) or for a fault-tolerance request still
    waiting for its decision (the requesting unit, whose request the assessment office is told about).
    Returns the names of the files kept."""
    is_request = isinstance(record, Exemption)
    scheme_of = record.adjustment if is_request else record
    scheme_of.scheme = _fresh(scheme_of.scheme)
    policy.require(actor, "add_evidence", record)
    if not uploads:
        raise ValidationError({"files": _("Choose a file.")})
    checked = read_evidence(uploads)
    with transaction.atomic():
        current = type(record).objects.select_for_update().get(pk=record.pk)
        if is_request and current.status != ExemptionStatus.PENDING:
            raise Conflict(_("This request was decided meanwhile."))
        owner = {"exemption": current} if is_request else {"adjustment": current}
        recorded = _keep_evidence(actor, checked, **owner)
        action = "exemption.evidence_added" if is_request else "adjustment.evidence_added"
        audit.record(actor, action, current, {"files": recorded})
    names = [entry["file"] for entry in recorded]
    if is_request:
        _tell_assessors(
            _("More evidence for the fault-tolerance request from %(unit)s") % {"unit": record.adjustment.unit},
            "、".join(names),
            record,
        )
    return names


def add_adjustment(
    actor: Any,
    scheme: Scheme,
    unit: Unit,
    kind: str,
    points: Decimal | float,
    reason: str,
    evidence: str = "",
    uploads: Sequence[Any] = (),
) -> Adjustment:
    """An incentive, a demerit or a veto entered by hand, with its evidence described and/or uploaded."""
    scheme = _fresh(scheme)
    policy.require(actor, "adjust", scheme)
    if kind not in AdjustmentKind.values:
        raise ValidationError({"kind": _("Choose incentive, demerit or veto.")})
    if role_is_supervisor(actor) and kind != AdjustmentKind.DEMERIT:
        raise ValidationError(
            {"kind": _("The supervision office records demerits; incentives and vetoes are the assessment office's.")}
        )
    if not scheme.units.filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("This unit is not assessed by this scheme.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason (e.g. the award, the document that criticised the unit).")})
    points = Decimal(str(points or 0))
    if kind == AdjustmentKind.VETO:
        points = Decimal(0)
    elif not Decimal(0) < points <= Decimal(100):
        raise ValidationError({"points": _("Points must be more than 0 and at most 100.")})
    checked = read_evidence(uploads)
    with transaction.atomic():
        adjustment = Adjustment.objects.create(
            scheme=scheme,
            unit=unit,
            kind=kind,
            points=points,
            reason=reason.strip(),
            evidence=evidence.strip(),
            created_by=_person(actor),
        )
        changes: dict[str, Any] = {"unit": unit.code, "points": str(points), "reason": reason.strip()}
        if checked:
            changes["files"] = _keep_evidence(actor, checked, adjustment=adjustment)
        audit.record(actor, f"adjustment.{kind}", adjustment, changes)
    if kind in (AdjustmentKind.DEMERIT, AdjustmentKind.VETO):
        _tell_unit(
            unit,
            _("%(kind)s recorded in %(scheme)s") % {"kind": adjustment.get_kind_display(), "scheme": scheme},
            reason.strip(),
            scheme,
        )
    return adjustment


def role_is_supervisor(actor: Any) -> bool:
    from bihuan.core.roles import role_of

    return role_of(actor) == Role.SUPERVISOR


def withdraw_adjustment(actor: Any, adjustment: Adjustment, reason: str) -> Adjustment:
    """Take back an adjustment made in error. It stays on record, marked withdrawn, with the reason."""
    adjustment.scheme = _fresh(adjustment.scheme)
    policy.require(actor, "withdraw", adjustment)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the adjustment is withdrawn.")})
    with transaction.atomic():
        Adjustment.objects.filter(pk=adjustment.pk).update(withdrawn=True, withdrawn_reason=reason.strip())
        audit.record(actor, "adjustment.withdrawn", adjustment, {"withdrawn": [False, True], "reason": reason.strip()})
    adjustment.refresh_from_db()
    return adjustment


def _tell_unit(unit: Unit, title: str, body: str, scheme: Scheme) -> None:
    from django.contrib.auth import get_user_model

    people = get_user_model().objects.filter(
        is_active=True, profile__unit=unit, profile__role__in=(Role.UNIT_HEAD, Role.UNIT_CLERK)
    )
    transaction.on_commit(
        lambda: notify(list(people), title, body, url=f"/assessment/{scheme.pk}/units/{unit.pk}/", kind="assessment")
    )


# ---- automatic demerits ----------------------------------------------------------------------------


def automatic_demerits(scheme: Scheme, today: date) -> list[dict[str, Any]]:
    """The demerits the scheme's rules draw from supervision events, as (unit, rule, source, points, reason,
    task) dicts: each task with a red warning on some day of the year (from the lights' history), each overdue
    task, each returned report (every return counts, from the audit log) and each supervision notice issued to
    the unit in the year, all up to the as-of day."""
    day = results.as_of_day(scheme, today)
    unit_ids = set(scheme.units.values_list("pk", flat=True))
    found: list[dict[str, Any]] = []
    tasks = list(
        KeyTask.objects.filter(year=scheme.year, lead_unit_id__in=unit_ids).exclude(status__in=("draft", "cancelled"))
    )
    if scheme.demerit_per_red_task:
        for task, first_red in red_tasks(scheme, tasks, today, day):
            found.append(
                _demerit(
                    task.lead_unit_id,
                    AutoRule.RED_TASK,
                    f"task:{task.pk}",
                    scheme.demerit_per_red_task,
                    task,
                    _("Red warning on %(task)s (first on %(day)s)") % {"task": task, "day": first_red.isoformat()},
                )
            )
    if scheme.demerit_per_overdue_task:
        for task in tasks:
            closed_late = task.status == "closed" and task.closed_on is not None and task.closed_on > task.due
            if closed_late or (task.status in OPEN_STATES and task.due < day):
                found.append(
                    _demerit(
                        task.lead_unit_id,
                        AutoRule.OVERDUE_TASK,
                        f"task:{task.pk}",
                        scheme.demerit_per_overdue_task,
                        task,
                        _("Overdue: %(task)s, due %(due)s") % {"task": task, "due": task.due},
                    )
                )
    if scheme.demerit_per_returned_report:
        by_id = {t.pk: t for t in tasks}
        reports = dict(ProgressReport.objects.filter(task_id__in=by_id).order_by().values_list("pk", "task_id"))
        until = timezone.make_aware(datetime.combine(day, time.max))
        events = AuditEvent.objects.filter(
            action="progressreport.returned", object_type="supervision.progressreport", created_at__lte=until
        ).order_by("seq")
        for seq, object_id, repr_ in events.values_list("seq", "object_id", "object_repr"):
            task = by_id.get(reports.get(int(object_id))) if object_id.isdigit() else None
            if task is not None:
                found.append(
                    _demerit(
                        task.lead_unit_id,
                        AutoRule.RETURNED_REPORT,
                        f"event:{seq}",
                        scheme.demerit_per_returned_report,
                        task,
                        _("Report returned: %(report)s") % {"report": repr_},
                    )
                )
    if scheme.demerit_per_notice:
        notices = SupervisionNotice.objects.filter(
            unit_id__in=unit_ids, created_at__year=scheme.year, created_at__date__lte=day
        ).select_related("task")
        for notice in notices:
            found.append(
                _demerit(
                    notice.unit_id,
                    AutoRule.NOTICE,
                    f"notice:{notice.pk}",
                    scheme.demerit_per_notice,
                    notice.task,
                    _("Supervision notice on %(task)s") % {"task": notice.task},
                )
            )
    return found


def red_tasks(scheme: Scheme, tasks: list[KeyTask], today: date, day: date) -> list[tuple[KeyTask, date]]:
    """The tasks whose light was red on some day from the year's start to `day`, with the first such day.
    Today's lights are brought up to date first (and so into the history); a light computed for a day other
    than the real today is not kept, and counts when that day lies in the range."""
    start = date(scheme.year, 1, 1)
    todays = lights([t for t in tasks if t.status in OPEN_STATES], today)
    first = first_red_days([t.pk for t in tasks], start, day)
    if start <= today <= day:
        for task_id, light in todays.items():
            if light.level == RED:
                first.setdefault(task_id, today)
    return [(task, first[task.pk]) for task in tasks if task.pk in first]


def _demerit(unit_id: int, rule: str, key: str, points: Decimal, task: KeyTask | None, reason: str) -> dict[str, Any]:
    return {"unit_id": unit_id, "rule": rule, "source_key": key, "points": points, "task": task, "reason": reason}


def refresh_automatic_demerits(actor: Any, scheme: Scheme, today: date) -> tuple[int, int]:
    """Bring the automatic demerits in line with the records: add the new ones, withdraw those whose cause is
    gone (a red task that turned green) unless an exemption was asked for. Returns (added, withdrawn)."""
    policy.require(actor, "adjust", scheme)
    wanted = {(d["unit_id"], d["rule"], d["source_key"]): d for d in automatic_demerits(scheme, today)}
    with transaction.atomic():
        existing = {
            (a.unit_id, a.rule, a.source_key): a
            for a in Adjustment.objects.filter(scheme=scheme).exclude(rule="").prefetch_related("exemptions")
        }
        new = [
            Adjustment(
                scheme=scheme,
                unit_id=d["unit_id"],
                kind=AdjustmentKind.DEMERIT,
                points=d["points"],
                reason=d["reason"][:1000],
                rule=d["rule"],
                source_key=d["source_key"],
                task=d["task"],
            )
            for key, d in wanted.items()
            if key not in existing
        ]
        Adjustment.objects.bulk_create(new)
        gone = [a.pk for key, a in existing.items() if key not in wanted and not a.withdrawn and not a.exemptions.all()]
        back = [
            a.pk for key, a in existing.items() if key in wanted and a.withdrawn and a.withdrawn_reason == AUTO_GONE
        ]
        Adjustment.objects.filter(pk__in=gone).update(withdrawn=True, withdrawn_reason=AUTO_GONE)
        Adjustment.objects.filter(pk__in=back).update(withdrawn=False, withdrawn_reason="")
        if new or gone or back:
            audit.record(
                actor,
                "scheme.demerits_refreshed",
                scheme,
                {"added": len(new), "withdrawn": len(gone), "restored": len(back)},
            )
    return len(new), len(gone)


AUTO_GONE = "—"  # the mark of an automatic demerit whose cause went away (shown in words by the pages)


# ---- fault tolerance (容错纠错) ---------------------------------------------------------------------


def request_exemption(
    actor: Any,
    adjustment: Adjustment,
    grounds: str,
    explanation: str,
    evidence: str = "",
    uploads: Sequence[Any] = (),
) -> Exemption:
    """A unit asks to excuse its demerit, with its explanation and evidence (described and/or uploaded)."""
    policy.require(actor, "request_exemption", adjustment)
    from bihuan.assessment.models import Grounds

    if grounds not in Grounds.values:
        raise ValidationError({"grounds": _("Choose the grounds for the request.")})
    if len(explanation.strip()) < 10:
        raise ValidationError(
            {"explanation": _("Explain what happened and why it should be excused (at least 10 characters).")}
        )
    checked = read_evidence(uploads)
    with transaction.atomic():
        Adjustment.objects.select_for_update().filter(pk=adjustment.pk).first()
        if Exemption.objects.filter(adjustment=adjustment).exclude(status=ExemptionStatus.REJECTED).exists():
            raise Conflict(_("This demerit already has a request pending or approved."))
        exemption = Exemption.objects.create(
            adjustment=adjustment,
            grounds=grounds,
            explanation=explanation.strip(),
            evidence=evidence.strip(),
            requested_by=_person(actor),
        )
        changes: dict[str, Any] = {"grounds": grounds, "adjustment": adjustment.pk}
        if checked:
            changes["files"] = _keep_evidence(actor, checked, exemption=exemption)
        audit.record(actor, "exemption.requested", exemption, changes)
    _tell_assessors(
        _("Fault-tolerance request from %(unit)s") % {"unit": adjustment.unit}, explanation.strip()[:500], exemption
    )
    return exemption


def _tell_assessors(title: str, body: str, exemption: Exemption) -> None:
    from django.contrib.auth import get_user_model

    assessors = get_user_model().objects.filter(is_active=True, profile__role=Role.ASSESSOR)
    transaction.on_commit(
        lambda: notify(list(assessors), title, body, url=f"/assessment/exemptions/{exemption.pk}/", kind="assessment")
    )


def decide_exemption(actor: Any, exemption: Exemption, approve: bool, reason: str) -> Exemption:
    """The assessment office approves (the demerit's points no longer count) or rejects, with its reasons."""
    exemption.adjustment.scheme = _fresh(exemption.adjustment.scheme)
    policy.require(actor, "decide", exemption)
    if not reason.strip():
        raise ValidationError(
            {"decision_reason": _("Give the reasons for the decision; they are kept as a precedent.")}
        )
    status = ExemptionStatus.APPROVED if approve else ExemptionStatus.REJECTED
    with transaction.atomic():
        updated = Exemption.objects.filter(pk=exemption.pk, status=ExemptionStatus.PENDING).update(
            status=status, decided_by=_person(actor), decided_at=timezone.now(), decision_reason=reason.strip()
        )
        if not updated:
            raise Conflict(_("This request was decided meanwhile."))
        audit.record(actor, f"exemption.{status}", exemption, {"status": ["pending", status], "reason": reason.strip()})
    exemption.refresh_from_db()
    if exemption.requested_by is not None:
        transaction.on_commit(
            lambda: notify(
                [exemption.requested_by],
                _("Fault-tolerance request %(status)s") % {"status": exemption.get_status_display()},
                reason.strip()[:500],
                url=f"/assessment/exemptions/{exemption.pk}/",
                kind="assessment",
            )
        )
    return exemption
