"""Key tasks (重点任务) and what hangs off them: milestones, progress reports, extension requests,
supervision notices and leaders' instructions. Data and constraints only; rules live in services."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bihuan.blueprint.models import Category, Goal
from bihuan.core.models import EvidenceFileFields, TimeStampedModel
from bihuan.org.models import Unit


class TaskStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ASSIGNED = "assigned", _("Assigned")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETION_REQUESTED = "completion_requested", _("Completion requested")
    CLOSED = "closed", _("Closed")
    SUSPENDED = "suspended", _("Suspended")
    CANCELLED = "cancelled", _("Cancelled")


class Source(models.TextChoices):
    WORK_REPORT = "work_report", _("Government work report")
    PARTY_MEETING = "party_meeting", _("Party committee meeting")
    LEADER_INSTRUCTION = "leader_instruction", _("Leader's instruction")
    DOCUMENT = "document", _("Document")
    OTHER = "other", _("Other")


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Fortnightly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class Priority(models.IntegerChoices):
    NORMAL = 2, _("Normal")
    HIGH = 1, _("High")
    LOW = 3, _("Low")


class KeyTask(TimeStampedModel):
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    number = models.CharField(_("number"), max_length=32, help_text=_("e.g. 2025-017; unique within the year"))
    title = models.CharField(pgettext_lazy("task", "title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=32, choices=Source.choices, default=Source.WORK_REPORT)
    source_reference = models.CharField(_("source reference"), max_length=255, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("work category"), null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    goals = models.ManyToManyField(Goal, verbose_name=_("goals"), blank=True, related_name="tasks")
    lead_unit = models.ForeignKey(Unit, verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="led_tasks")
    partner_units = models.ManyToManyField(
        Unit, verbose_name=_("partner units"), blank=True, related_name="partner_tasks"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_tasks",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_tasks",
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent task"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    start = models.DateField(_("start"), null=True, blank=True)
    due = models.DateField(_("due"))
    cadence = models.CharField(_("report cadence"), max_length=16, choices=Cadence.choices, default=Cadence.MONTHLY)
    report_day = models.PositiveSmallIntegerField(
        _("report day"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("Weekly: 1 = Monday … 7 = Sunday. Monthly and quarterly: the day of the following month."),
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    tags = models.CharField(_("tags"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=24, choices=TaskStatus.choices, default=TaskStatus.DRAFT)
    progress = models.PositiveSmallIntegerField(
        _("progress %"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("From the latest accepted progress report."),
    )
    assigned_on = models.DateField(
        _("assigned on"), null=True, blank=True, help_text=_("Reports are owed from this day or the start, if later.")
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    quality_rating = models.PositiveSmallIntegerField(
        _("quality rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    closing_comment = models.TextField(_("close-out comment"), blank=True)
    version = models.PositiveIntegerField(default=1, help_text="bumped by every transition, for conflict checks")
    # The warning light as computed for `light_on` (a cache: it depends on today, so it is recomputed by the
    # daily tick, after every write that changes it, and by any read that finds it stale).
    light = models.CharField(_("warning"), max_length=8, default="none", editable=False)
    light_reasons = models.JSONField(default=list, blank=True, editable=False)
    light_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-year", "number"]
        verbose_name = _("key task")
        verbose_name_plural = _("key tasks")
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="task_number_unique_per_year")]
        indexes = [
            models.Index(fields=["status", "due"]),
            models.Index(fields=["lead_unit", "status"]),
            models.Index(fields=["light_on", "light"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Milestone(TimeStampedModel):
    task = models.ForeignKey(KeyTask, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("key task"))
    title = models.CharField(pgettext_lazy("milestone", "title"), max_length=200)
    due = models.DateField(_("due"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", pgettext_lazy("report", "Returned")


class ProgressReport(TimeStampedModel):
    """One period's report (台账): the clerk drafts, the unit head submits, the supervisor accepts or returns."""

    task = models.ForeignKey(KeyTask, on_delete=models.CASCADE, related_name="reports", verbose_name=_("key task"))
    period = models.CharField(_("period"), max_length=10)
    due = models.DateField(_("due"))
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0, validators=[MaxValueValidator(100)])
    done = models.TextField(_("what was done"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    support_needed = models.TextField(_("support needed"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("drafted by")
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    return_reason = models.TextField(_("reason for return"), blank=True)

    class Meta:
        ordering = ["task_id", "due"]  # by the column: "task" would join and sort by the task's own ordering
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [models.UniqueConstraint(fields=["task", "period"], name="one_report_per_task_and_period")]
        indexes = [
            # a task's reports by due date: the ledger, the lights, what a unit owes this week
            models.Index(fields=["task", "due"], name="report_task_due"),
            # the office's queue of reports to review; partial, so no other query is drawn to it
            models.Index(fields=["submitted_on"], condition=models.Q(status="submitted"), name="report_review_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.task.number} {self.period}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("request awaiting a decision", "Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ExtensionRequest(TimeStampedModel):
    task = models.ForeignKey(KeyTask, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("key task"))
    old_due = models.DateField(_("old due date"))
    new_due = models.DateField(_("requested due date"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    requested_by = models.ForeignKey(  # None: the system (an import, the demo)
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_comment = models.TextField(_("decision"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")

    def __str__(self) -> str:
        return f"{self.task.number}: {self.old_due} → {self.new_due}"


class SupervisionNotice(TimeStampedModel):
    """督办单: the supervision office asks a unit about a lagging task; the unit answers by a deadline."""

    task = models.ForeignKey(KeyTask, on_delete=models.CASCADE, related_name="notices", verbose_name=_("key task"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="notices", verbose_name=_("unit"))
    text = models.TextField(_("notice"))
    respond_by = models.DateField(_("respond by"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    response = models.TextField(_("response"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_on = models.DateField(_("responded on"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")

    def __str__(self) -> str:
        return f"{self.task.number} → {self.unit}"


class TaskComment(TimeStampedModel):
    """A leader's instruction (领导批示) or a comment on a task."""

    class Kind(models.TextChoices):
        INSTRUCTION = "instruction", _("Leader's instruction")
        COMMENT = "comment", _("Comment")

    task = models.ForeignKey(KeyTask, on_delete=models.CASCADE, related_name="comments", verbose_name=_("key task"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.COMMENT)
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.text[:40]


class Attachment(EvidenceFileFields):
    """An evidence file (佐证材料) on a task or one of its reports."""

    task = models.ForeignKey(KeyTask, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("key task"))
    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("progress report"),
    )

    class Meta(EvidenceFileFields.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class ReminderSent(models.Model):
    """That a reminder went out: each (task, reason, period) once, however often `bihuan tick` runs."""

    task = models.ForeignKey(KeyTask, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=32)
    period = models.CharField(max_length=16)  # a report period, or "task" for the task's own due date
    day = models.DateField()
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "reason", "period"], name="one_reminder_per_task_reason_period")
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.reason} {self.period}"


class LightChange(models.Model):
    """A day a task's warning light changed, recorded when the kept light is brought up to date. The kept
    light (KeyTask.light) is today's only; this is its history, e.g. which tasks had a red warning during a
    year, for the assessment's demerits."""

    task = models.ForeignKey(KeyTask, on_delete=models.CASCADE, related_name="light_changes")
    day = models.DateField()
    previous = models.CharField(max_length=8)
    level = models.CharField(max_length=8)
    reasons = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["task_id", "day", "id"]
        indexes = [models.Index(fields=["level", "day"], name="light_change_level_day")]
        constraints = [
            models.UniqueConstraint(fields=["task", "day", "previous", "level"], name="one_light_change_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.day}: {self.previous} → {self.level}"
