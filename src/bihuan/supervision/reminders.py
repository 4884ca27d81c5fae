"""Reminders, late warnings and escalations sent by `bihuan tick`, and the daily digest.

`due_reminders` is a pure function of a task's facts and today; `send_reminders` asks it for every open
task and sends what was not sent before. Each (task, reason, period) goes once, however often tick runs:
the `ReminderSent` row is written in the same transaction as the notifications, under a unique constraint.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from bihuan.core.roles import Role
from bihuan.supervision.schedule import periods_of
from bihuan.supervision.transitions import OPEN as OPEN_STATES

REPORT_DUE_SOON, REPORT_LATE, REPORT_ESCALATED = "report_due_soon", "report_late", "report_escalated"
TASK_DUE_SOON, TASK_OVERDUE, TASK_ESCALATED = "task_due_soon", "task_overdue", "task_escalated"
ESCALATIONS = frozenset({REPORT_ESCALATED, TASK_ESCALATED})
#: Late reports older than this are not announced any more (a first tick after importing a year of history
#: must not flood everyone); they stay red on every page.
LOOKBACK_DAYS = 31


@dataclass(frozen=True)
class ReportDue:
    period: str
    due: date
    submitted: bool


@dataclass(frozen=True)
class Reminder:
    task_id: int
    reason: str
    period: str  # a report period, or "task"
    days: int  # days until due (reminders) or days late (warnings, escalations)


def due_reminders(
    task_id: int, task_due: date, reports: Iterable[ReportDue], today: date, before: int, escalate_after: int
) -> list[Reminder]:
    """Every reminder an open task calls for today, whether or not it was sent already."""
    found = []
    for report in reports:
        if report.submitted:
            continue
        late = (today - report.due).days
        if -before <= late <= 0:
            found.append(Reminder(task_id, REPORT_DUE_SOON, report.period, -late))
        elif 0 < late <= LOOKBACK_DAYS:
            found.append(Reminder(task_id, REPORT_LATE, report.period, late))
            if late >= escalate_after:
                found.append(Reminder(task_id, REPORT_ESCALATED, report.period, late))
    late = (today - task_due).days
    if -before <= late <= 0:
        found.append(Reminder(task_id, TASK_DUE_SOON, "task", -late))
    elif late > 0:
        found.append(Reminder(task_id, TASK_OVERDUE, "task", late))
        if late >= escalate_after:
            found.append(Reminder(task_id, TASK_ESCALATED, "task", late))
    return found


def reminder_text(reminder: Reminder, task: Any) -> str:
    params = {"task": f"{task.number} {task.title}", "period": reminder.period, "days": reminder.days}
    return {
        REPORT_DUE_SOON: _("%(task)s: the report for %(period)s is due in %(days)s days") % params,
        REPORT_LATE: _("%(task)s: the report for %(period)s is %(days)s days late") % params,
        REPORT_ESCALATED: _("%(task)s: the report for %(period)s is %(days)s days late") % params,
        TASK_DUE_SOON: _("%(task)s: the task is due in %(days)s days") % params,
        TASK_OVERDUE: _("%(task)s: the task is %(days)s days past due") % params,
        TASK_ESCALATED: _("%(task)s: the task is %(days)s days past due") % params,
    }[reminder.reason]


@dataclass
class Outbox:
    """Reminders gathered per recipient group, so a unit gets one message per tick, not one per task."""

    by_unit: dict[int, list[tuple[Reminder, Any]]] = field(default_factory=lambda: defaultdict(list))
    by_leader: dict[int, list[tuple[Reminder, Any]]] = field(default_factory=lambda: defaultdict(list))


def send_reminders(today: date) -> dict[str, int]:
    """Find what every open task calls for today, drop what was sent before, send the rest."""
    from bihuan.supervision.models import KeyTask, ProgressReport, ReminderSent, ReportStatus

    before = settings.BIHUAN["REMIND_DAYS_BEFORE"]
    escalate_after = settings.BIHUAN["ESCALATE_AFTER_DAYS"]
    tasks = list(
        KeyTask.objects.filter(status__in=OPEN_STATES).only(
            "id",
            "number",
            "title",
            "lead_unit_id",
            "leader_id",
            "start",
            "assigned_on",
            "created_at",
            "due",
            "cadence",
            "report_day",
        )
    )
    window = (today - timedelta(days=LOOKBACK_DAYS + 1), today + timedelta(days=before))
    submitted = set(
        ProgressReport.objects.filter(
            task__status__in=OPEN_STATES,
            due__range=window,
            status__in=(ReportStatus.SUBMITTED, ReportStatus.ACCEPTED),
        ).values_list("task_id", "period")
    )
    wanted: list[tuple[Reminder, Any]] = []
    for task in tasks:
        reports = [
            ReportDue(p.key, p.due, (task.pk, p.key) in submitted)
            for p in periods_of(task)
            if window[0] <= p.due <= window[1]
        ]
        for reminder in due_reminders(task.pk, task.due, reports, today, before, escalate_after):
            wanted.append((reminder, task))
    sent = set(
        ReminderSent.objects.filter(task_id__in={r.task_id for r, _t in wanted}).values_list(
            "task_id", "reason", "period"
        )
    )
    fresh = [(r, t) for r, t in wanted if (r.task_id, r.reason, r.period) not in sent]
    outbox = Outbox()
    for reminder, task in fresh:
        if reminder.reason in ESCALATIONS:
            if task.leader_id:
                outbox.by_leader[task.leader_id].append((reminder, task))
        else:
            outbox.by_unit[task.lead_unit_id].append((reminder, task))
    try:
        with transaction.atomic():
            ReminderSent.objects.bulk_create(
                ReminderSent(task_id=r.task_id, reason=r.reason, period=r.period, day=today) for r, _t in fresh
            )
            messages = _deliver(outbox)
    except IntegrityError:  # another tick sent the same reminders meanwhile
        return {"reminders": 0, "messages": 0}
    return {"reminders": len(fresh), "messages": messages}


def _deliver(outbox: Outbox) -> int:
    from bihuan.core.notifications import notify

    User = get_user_model()
    staff: dict[int, list[Any]] = defaultdict(list)
    for user in User.objects.filter(
        is_active=True,
        profile__unit_id__in=list(outbox.by_unit),
        profile__role__in=(Role.UNIT_HEAD, Role.UNIT_CLERK),
    ).select_related("profile"):
        staff[user.profile.unit_id].append(user)
    leaders = User.objects.in_bulk(list(outbox.by_leader))
    messages = 0
    with translation.override(settings.LANGUAGE_CODE):  # the deployment's language, as for every e-mail
        for unit_id, items in outbox.by_unit.items():
            if staff[unit_id]:
                _send(notify, staff[unit_id], _("Key tasks: %(count)s reminders") % {"count": len(items)}, items)
                messages += 1
        for leader_id, items in outbox.by_leader.items():
            leader = leaders.get(leader_id)
            if leader is not None:
                title = _("Escalation: %(count)s of your key tasks are late") % {"count": len(items)}
                _send(notify, [leader], title, items)
                messages += 1
    return messages


def _send(notify: Any, recipients: list[Any], title: str, items: list[tuple[Reminder, Any]]) -> None:
    items = sorted(items, key=lambda pair: (pair[1].number, pair[0].reason))
    body = "\n".join(f"· {reminder_text(r, t)}" for r, t in items)
    url = reverse("task-detail", args=[items[0][1].pk]) if len(items) == 1 else reverse("my-work")
    notify(recipients, title, body, url=url, kind="reminder")


def send_digests(today: date) -> int:
    """One message to each person who asked for a daily digest and has something waiting."""
    from bihuan.core.notifications import notify
    from bihuan.supervision.selectors import my_work

    sent = 0
    people = get_user_model().objects.filter(is_active=True, profile__daily_digest=True).select_related("profile")
    with translation.override(settings.LANGUAGE_CODE):
        for person in people:
            sections = [s for s in my_work(person, today) if s.total]
            if not sections:
                continue
            body = "\n".join(f"· {s.title}: {s.total}" for s in sections)
            title = _("Your key-task digest for %(day)s") % {"day": today.isoformat()}
            notify([person], title, body, url=reverse("my-work"), kind="digest")
            sent += 1
    return sent


def _register() -> None:
    from bihuan.core.ticks import register
    from bihuan.supervision.selectors import LIGHTS_JOB

    @register(LIGHTS_JOB)
    def _lights(today: date) -> str:
        """Before the reminders: every task's warning light for the new day."""
        from bihuan.supervision.models import KeyTask
        from bihuan.supervision.selectors import refresh_stale

        return f"{refresh_stale(KeyTask.objects.all(), today)} lights brought up to date"

    @register("supervision.reminders")
    def _reminders(today: date) -> str:
        result = send_reminders(today)
        return f"{result['reminders']} reminders in {result['messages']} messages"

    @register("supervision.digest")
    def _digest(today: date) -> str:
        return f"{send_digests(today)} digests sent"


_register()
