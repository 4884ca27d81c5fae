"""Every write to key tasks: permission, validation, the write and its audit event in one transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from bihuan.core import audit, files
from bihuan.core.calendar import deadline_calendar
from bihuan.core.policy import policy
from bihuan.core.services import Conflict, save_model
from bihuan.org.models import Unit
from bihuan.supervision.models import (
    Attachment,
    ExtensionRequest,
    KeyTask,
    Milestone,
    ProgressReport,
    ReportStatus,
    RequestStatus,
    SupervisionNotice,
    TaskComment,
    TaskStatus,
)
from bihuan.supervision.schedule import Period, periods_of, report_periods
from bihuan.supervision.transitions import OPEN as OPEN_STATES
from bihuan.supervision.transitions import next_status

TASK_FIELDS = (
    "year",
    "number",
    "title",
    "description",
    "source",
    "source_reference",
    "category",
    "lead_unit",
    "leader",
    "owner",
    "parent",
    "start",
    "due",
    "cadence",
    "report_day",
    "priority",
    "tags",
)


def next_number(year: int) -> str:
    """The next free task number of a year: 2025-001, 2025-002, …"""
    numbers = KeyTask.objects.filter(year=year, number__startswith=f"{year}-").values_list("number", flat=True)
    used = [int(n.rsplit("-", 1)[1]) for n in numbers if n.rsplit("-", 1)[1].isdigit()]
    return f"{year}-{max(used, default=0) + 1:03d}"


def save_task(
    actor: Any,
    data: Mapping[str, Any],
    partner_units: Sequence[Unit] = (),
    task: KeyTask | None = None,
    goals: Sequence[Any] | None = None,
) -> KeyTask:
    """Create (as a draft) or change a key task. A number is given when none is. `goals` (the blueprint's
    goals the task serves) are left as they are when None."""
    data = dict(data)
    if task is None and not data.get("number"):
        data["number"] = next_number(data["year"])
    if data.get("start") and data.get("due") and data["start"] > data["due"]:
        raise ValidationError({"due": _("The due date cannot be before the start.")})
    if task is not None and data.get("parent") is not None and data["parent"].pk == task.pk:
        raise ValidationError({"parent": _("A task cannot be its own parent.")})
    with transaction.atomic():
        m2m: dict[str, Sequence[Any]] = {"partner_units": partner_units}
        if goals is not None:
            m2m["goals"] = goals
        saved = save_model(actor, task or KeyTask(), data, fields=TASK_FIELDS, m2m=m2m)
        _relight(saved)
    return saved


def transition(
    actor: Any,
    task: KeyTask,
    action: str,
    *,
    expected_version: int | None = None,
    reason: str = "",
    rating: int | None = None,
) -> KeyTask:
    """Move a task along the workflow. Raises PermissionDenied, ValidationError or Conflict."""
    policy.require(actor, action, task)
    if action == "return" and not reason.strip():
        raise ValidationError({"reason": _("Say why the task is returned.")})
    if action == "close" and rating not in (1, 2, 3, 4, 5):
        raise ValidationError({"rating": _("Rate the quality of the work from 1 to 5.")})
    if action in ("suspend", "cancel", "reopen", "request_completion") and not reason.strip():
        raise ValidationError({"reason": _("Give the reason (for a completion request: what was achieved).")})
    with transaction.atomic():
        # Lock the row: of two people acting at once, the second sees the first one's result.
        current = KeyTask.objects.select_for_update().get(pk=task.pk)
        if expected_version is not None and current.version != expected_version:
            raise Conflict(_("Someone else changed this task meanwhile; reload it and try again."))
        target = next_status(current.status, action)
        if target is None:
            raise Conflict(
                _("The task is %(status)s now; “%(action)s” does not apply.")
                % {"status": current.get_status_display(), "action": action}
            )
        changes: dict[str, Any] = {"status": [current.status, target]}
        updates: dict[str, Any] = {"status": target, "version": F("version") + 1}
        if action == "close":
            updates.update(closed_on=timezone.localdate(), quality_rating=rating, closing_comment=reason.strip())
            changes.update(quality_rating=[current.quality_rating, rating])
        if action == "reopen":
            updates.update(closed_on=None)
        if action == "assign":
            updates.update(assigned_on=timezone.localdate())
        if reason.strip():
            changes["reason"] = reason.strip()
        KeyTask.objects.filter(pk=current.pk).update(**updates)
        current.refresh_from_db()
        audit.record(actor, f"keytask.{action}", current, changes)
        _relight(current)
    return current


# ---- progress reports ----------------------------------------------------------------------------

REPORT_FIELDS = ("progress", "done", "next_steps", "problems", "support_needed")
REPORTING_STATES = frozenset({TaskStatus.ACKNOWLEDGED, TaskStatus.IN_PROGRESS, TaskStatus.COMPLETION_REQUESTED})


def task_periods(task: KeyTask) -> list[Period]:
    """The periods a report may be written for: those owed (from `schedule.periods_of`) and those from the
    task's start, even before it was assigned (not owed, but they may be reported). Fortnights are paired
    from their first week, so the two can differ for a fortnightly task; both are accepted."""
    begin = task.start or task.created_at.date()
    from_start = report_periods(task.cadence, task.report_day, begin, task.due, deadline_calendar())
    owed = periods_of(task)
    keys = {p.key for p in owed}
    return sorted([*owed, *(p for p in from_start if p.key not in keys)])


def save_report(actor: Any, task: KeyTask, period: str, data: Mapping[str, Any]) -> ProgressReport:
    """The lead unit drafts (or edits its draft of) the report for one of the task's periods."""
    report = ProgressReport.objects.filter(task=task, period=period).first()
    if report is None:
        schedule = {p.key: p for p in task_periods(task)}
        if period not in schedule:
            raise ValidationError(
                {"period": _("%(period)s is not one of this task's report periods.") % {"period": period}}
            )
        report = ProgressReport(task=task, period=period, due=schedule[period].due, drafted_by=_person(actor))
    policy.require(actor, "report", task)
    if task.status not in REPORTING_STATES:
        raise ValidationError(_("Reports are written while the task is acknowledged or in progress."))
    if report.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
        raise ValidationError(_("This report was submitted already; it can change only if it is returned."))
    fields = {k: v for k, v in data.items() if k in REPORT_FIELDS}
    before = {} if report.pk is None else audit.snapshot(report, REPORT_FIELDS)
    for name, value in fields.items():
        setattr(report, name, value)
    report.status = ReportStatus.DRAFT
    report.full_clean(exclude=["drafted_by", "submitted_by", "reviewed_by"])
    with transaction.atomic(savepoint=False):
        creating = report.pk is None
        report.save()
        changes = audit.diff(before, audit.snapshot(report, REPORT_FIELDS))
        if creating or changes:
            audit.record(actor, "progressreport.drafted", report, changes)
    return report


def _relight(task: KeyTask) -> None:
    """Keep the task's warning light in step with what was just written (see KeyTask.light)."""
    from bihuan.supervision.selectors import refresh_task_light

    refresh_task_light(task.pk, timezone.localdate())


def _person(actor: Any) -> Any:
    """The actor if it is a person (for "drafted by" and the like); None for the system."""
    return actor if getattr(actor, "pk", None) else None


def report_step(actor: Any, report: ProgressReport, action: str, reason: str = "") -> ProgressReport:
    """submit (head) · send_back (head, a draft to the clerk) · accept / return (supervision office)."""
    sources = {
        "submit": (ReportStatus.DRAFT, ReportStatus.RETURNED),
        "send_back": (ReportStatus.DRAFT,),
        "accept": (ReportStatus.SUBMITTED,),
        "return": (ReportStatus.SUBMITTED,),
    }[action]
    policy.require(actor, action, report)
    if action in ("send_back", "return") and not reason.strip():
        raise ValidationError({"reason": _("Say why the report goes back.")})
    with transaction.atomic():
        current = ProgressReport.objects.select_for_update().select_related("task").get(pk=report.pk)
        if current.status not in sources:
            raise Conflict(_("The report is %(status)s now.") % {"status": current.get_status_display()})
        before = current.status
        if action == "submit":
            current.status, current.submitted_on, current.submitted_by = (
                ReportStatus.SUBMITTED,
                timezone.localdate(),
                _person(actor),
            )
            current.return_reason = ""
        elif action == "accept":
            current.status, current.reviewed_by = ReportStatus.ACCEPTED, _person(actor)
            KeyTask.objects.filter(pk=current.task_id).update(progress=current.progress)
        else:  # send_back or return
            current.status, current.return_reason = ReportStatus.RETURNED, reason.strip()
            if action == "return":
                current.reviewed_by = _person(actor)
        current.save()
        changes: dict[str, Any] = {"status": [before, current.status]}
        if reason.strip():
            changes["reason"] = reason.strip()
        audit.record(actor, f"progressreport.{action}", current, changes)
        if action != "send_back":  # a draft going back to the clerk changes nothing the office sees
            _relight(current.task)
    return current


# ---- milestones and extensions -------------------------------------------------------------------

MILESTONE_FIELDS = ("title", "due", "done_on")


def save_milestone(actor: Any, task: KeyTask, data: Mapping[str, Any], milestone: Milestone | None = None) -> Milestone:
    """The supervision office sets a task's milestones (节点)."""
    policy.require(actor, "change", task)
    milestone = milestone or Milestone(task=task)
    before = {} if milestone.pk is None else audit.snapshot(milestone, MILESTONE_FIELDS)
    for name in MILESTONE_FIELDS:
        if name in data:
            setattr(milestone, name, data[name])
    milestone.full_clean(exclude=["task"])
    with transaction.atomic(savepoint=False):
        creating = milestone.pk is None
        milestone.save()
        changes = audit.diff(before, audit.snapshot(milestone, MILESTONE_FIELDS))
        if creating or changes:
            audit.record(actor, "milestone.created" if creating else "milestone.changed", milestone, changes)
        _relight(task)
    return milestone


def complete_milestone(actor: Any, milestone: Milestone, done_on: date) -> Milestone:
    """The lead unit reports a milestone reached."""
    policy.require(actor, "complete_milestone", milestone.task)
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("A milestone cannot be reached in the future.")})
    with transaction.atomic(savepoint=False):
        before = milestone.done_on
        milestone.done_on = done_on
        milestone.save(update_fields=["done_on", "updated_at"])
        audit.record(actor, "milestone.completed", milestone, {"done_on": [before, done_on]})
        _relight(milestone.task)
    return milestone


def request_extension(actor: Any, task: KeyTask, new_due: date, reason: str) -> ExtensionRequest:
    """The lead unit's head asks to move the due date (延期申请)."""
    policy.require(actor, "request_extension", task)
    if task.status not in OPEN_STATES:
        raise ValidationError(_("Only an open task can be extended."))
    if new_due <= task.due:
        raise ValidationError({"new_due": _("The new due date must be later than the current one.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why more time is needed.")})
    if task.extensions.filter(status=RequestStatus.PENDING).exists():
        raise Conflict(_("An extension request for this task is already waiting for a decision."))
    with transaction.atomic(savepoint=False):
        request = ExtensionRequest.objects.create(
            task=task, old_due=task.due, new_due=new_due, reason=reason.strip(), requested_by=_person(actor)
        )
        audit.record(actor, "extensionrequest.created", request, {"new_due": [str(task.due), str(new_due)]})
    return request


def decide_extension(actor: Any, request: ExtensionRequest, approve: bool, comment: str = "") -> ExtensionRequest:
    """The supervision office approves (the due date moves; the old one stays on record) or rejects."""
    policy.require(actor, "decide_extension", request.task)
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("Say why the request is rejected.")})
    with transaction.atomic():
        current = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
        if current.status != RequestStatus.PENDING:
            raise Conflict(_("This request was decided already."))
        current.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
        current.decided_by, current.decision_comment = _person(actor), comment.strip()
        current.save(update_fields=["status", "decided_by", "decision_comment", "updated_at"])
        audit.record(actor, f"extensionrequest.{current.status}", current, {"status": ["pending", current.status]})
        if approve:
            task = KeyTask.objects.select_for_update().get(pk=current.task_id)
            KeyTask.objects.filter(pk=task.pk).update(due=current.new_due, version=F("version") + 1)
            task.refresh_from_db()
            audit.record(actor, "keytask.extended", task, {"due": [str(current.old_due), str(current.new_due)]})
            _relight(task)
    return current


# ---- notices, instructions, comments, reminders ---------------------------------------------------


def issue_notice(actor: Any, task: KeyTask, unit: Unit, text: str, respond_by: date) -> SupervisionNotice:
    """The supervision office sends a notice (督办单) about a lagging task to its lead or a partner unit."""
    policy.require(actor, "issue_notice", task)
    if unit.pk != task.lead_unit_id and not task.partner_units.filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("A notice goes to the task's lead unit or one of its partner units.")})
    if not text.strip():
        raise ValidationError({"text": _("Write what the unit must explain or do.")})
    if respond_by < timezone.localdate():
        raise ValidationError({"respond_by": _("The response deadline cannot be in the past.")})
    with transaction.atomic(savepoint=False):
        notice = SupervisionNotice.objects.create(
            task=task, unit=unit, text=text.strip(), respond_by=respond_by, issued_by=_person(actor)
        )
        audit.record(actor, "supervisionnotice.issued", notice, {"unit": unit.code, "respond_by": str(respond_by)})
        _tell_unit(
            unit,
            _("Supervision notice on %(task)s: answer by %(date)s") % {"task": task, "date": respond_by},
            text.strip(),
            task,
            kind="notice",
        )
    return notice


def answer_notice(actor: Any, notice: SupervisionNotice, response: str) -> SupervisionNotice:
    """The addressed unit answers a notice, once."""
    policy.require(actor, "answer", notice)
    if not response.strip():
        raise ValidationError({"response": _("Write the answer.")})
    with transaction.atomic():
        current = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
        if current.responded_on is not None:
            raise Conflict(_("This notice was answered already."))
        current.response, current.responded_by, current.responded_on = (
            response.strip(),
            _person(actor),
            timezone.localdate(),
        )
        current.save(update_fields=["response", "responded_by", "responded_on", "updated_at"])
        audit.record(actor, "supervisionnotice.answered", current, {"response": response.strip()})
    return current


def add_comment(actor: Any, task: KeyTask, text: str, kind: str = TaskComment.Kind.COMMENT) -> TaskComment:
    """A comment by anyone who sees the task, or a leader's instruction (领导批示), which the lead unit is told of."""
    policy.require(actor, "instruct" if kind == TaskComment.Kind.INSTRUCTION else "comment", task)
    if not text.strip():
        raise ValidationError({"text": _("Write something first.")})
    with transaction.atomic(savepoint=False):
        comment = TaskComment.objects.create(task=task, kind=kind, text=text.strip(), author=_person(actor))
        audit.record(actor, f"taskcomment.{kind}", comment, {"text": text.strip()})
        if kind == TaskComment.Kind.INSTRUCTION:
            name = actor.get_full_name() or actor.get_username() if _person(actor) else str(actor)
            _tell_unit(
                task.lead_unit,
                _("Instruction from %(name)s on %(task)s") % {"name": name, "task": task},
                text.strip(),
                task,
                kind="instruction",
            )
    return comment


def remind(actor: Any, tasks: Sequence[KeyTask], message: str = "") -> int:
    """催办: the supervision office presses the lead units of one or many tasks. Returns how many were reminded."""
    for task in tasks:
        policy.require(actor, "remind", task)
    reminded = 0
    with transaction.atomic(savepoint=False):
        for task in tasks:
            if task.status not in OPEN_STATES:
                continue
            body = message.strip() or _("Please report progress on this task and speed it up.")
            _tell_unit(task.lead_unit, _("Reminder (催办): %(task)s") % {"task": task}, body, task, kind="remind")
            audit.record(actor, "keytask.reminded", task, {"message": body})
            reminded += 1
    return reminded


def assign_many(actor: Any, tasks: Sequence[KeyTask]) -> int:
    """Assign every draft among `tasks` to its lead unit, all or none."""
    assigned = 0
    with transaction.atomic():
        for task in tasks:
            if task.status == TaskStatus.DRAFT:
                transition(actor, task, "assign")
                assigned += 1
    return assigned


def _tell_unit(unit: Unit, title: str, body: str, task: KeyTask, kind: str) -> None:
    """Notify the unit's heads and clerks (inbox, and e-mail/webhook per the foundation)."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from bihuan.core.notifications import notify
    from bihuan.core.roles import Role

    people = get_user_model().objects.filter(
        is_active=True, profile__unit=unit, profile__role__in=(Role.UNIT_HEAD, Role.UNIT_CLERK)
    )
    notify(people, title, body, url=reverse("task-detail", args=[task.pk]), kind=kind)


# ---- attachments ---------------------------------------------------------------------------------


def attach(
    actor: Any, task: KeyTask, filename: str, content: bytes, report: ProgressReport | None = None
) -> Attachment:
    """Keep an evidence file for a task (or one of its reports), within the deployment's size and type limits."""
    policy.require(actor, "attach", task)
    if report is not None and report.task_id != task.pk:
        raise ValidationError({"report": _("The report belongs to another task.")})
    try:
        kept = files.keep_evidence(filename, content)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    with transaction.atomic(savepoint=False):
        attachment = Attachment.objects.create(
            task=task,
            report=report,
            filename=kept.filename,
            size=kept.size,
            sha256=kept.sha256,
            content_type=kept.content_type,
            uploaded_by=_person(actor),
        )
        audit.record(
            actor, "attachment.added", attachment, {"file": kept.filename, "size": kept.size, "sha256": kept.sha256}
        )
    return attachment


def attach_upload(actor: Any, task: KeyTask, upload: Any, report: ProgressReport | None = None) -> Attachment:
    """`attach` for an uploaded file, whose size is checked before it is read."""
    policy.require(actor, "attach", task)
    try:
        name, content = files.read_upload(upload)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    return attach(actor, task, name, content, report=report)
