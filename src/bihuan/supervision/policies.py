"""Who sees and moves key tasks.

Visibility is DESIGN.md §3's rule: the lead or a partner unit, the responsible leader, or the
supervision office and administrators (see `core.policy.unit_visibility`). The supervision office runs
the workflow; the lead unit acknowledges and starts the task, and its head asks for completion.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from bihuan.core.policy import VIEW, Rules, filter_by_unit_visibility, policy, unit_visibility
from bihuan.core.roles import Role, unit_id_of
from bihuan.supervision.models import (
    Attachment,
    ExtensionRequest,
    KeyTask,
    Milestone,
    ProgressReport,
    SupervisionNotice,
    TaskComment,
)
from bihuan.supervision.transitions import TRANSITIONS

OFFICE = frozenset({Role.ADMIN, Role.SUPERVISOR})
LEAD_UNIT_ACTIONS = {
    "acknowledge": frozenset({Role.UNIT_HEAD, Role.UNIT_CLERK}),
    "start": frozenset({Role.UNIT_HEAD, Role.UNIT_CLERK}),
    "request_completion": frozenset({Role.UNIT_HEAD}),
    "report": frozenset({Role.UNIT_HEAD, Role.UNIT_CLERK}),  # draft a progress report
    "complete_milestone": frozenset({Role.UNIT_HEAD, Role.UNIT_CLERK}),
    "request_extension": frozenset({Role.UNIT_HEAD}),
    "attach": frozenset({Role.UNIT_HEAD, Role.UNIT_CLERK}),  # evidence files; the office may attach too
}


class KeyTaskRules(Rules):
    model = KeyTask
    actions = (
        VIEW,
        "create",
        "change",
        "export",
        "import",
        "remind",
        "comment",
        "instruct",
        "report",
        "complete_milestone",
        "request_extension",
        "decide_extension",
        "issue_notice",
        "attach",
        *TRANSITIONS,
    )

    def can(self, user: Any, role: str, action: str, obj: Any) -> bool:
        if action in (VIEW, "export", "comment"):
            return True
        if action == "instruct":
            return role == Role.LEADER
        if action == "attach" and role in OFFICE:
            return True
        if action in LEAD_UNIT_ACTIONS:
            return obj is not None and role in LEAD_UNIT_ACTIONS[action] and obj.lead_unit_id == unit_id_of(user)
        return role in OFFICE

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        return filter_by_unit_visibility(user, queryset)


policy.register(KeyTaskRules())


class ProgressReportRules(Rules):
    """A report is seen by whoever sees its task. The lead unit's clerk or head drafts it (the task's
    "report" action), the head submits it or sends a draft back to the clerk, and the supervision
    office accepts or returns it."""

    model = ProgressReport
    actions = (VIEW, "submit", "send_back", "accept", "return")

    def can(self, user: Any, role: str, action: str, obj: Any) -> bool:
        if action == VIEW:
            return True
        if action in ("accept", "return"):
            return role in OFFICE
        in_lead_unit = obj is not None and obj.task.lead_unit_id == unit_id_of(user)
        return in_lead_unit and role == Role.UNIT_HEAD  # submit, send_back

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        return _of_visible_tasks(user, role, queryset)


policy.register(ProgressReportRules())


def _of_visible_tasks(user: Any, role: str, queryset: QuerySet) -> QuerySet:
    """The part of `queryset` (of things with a `task`) whose task the user sees; no filter at all for the
    roles that see every task, so the office's queues do not carry a subquery over every task."""
    if unit_visibility(user, role) is None:
        return queryset
    return queryset.filter(task__in=filter_by_unit_visibility(user, KeyTask.objects.all()).values("pk"))


class SupervisionNoticeRules(Rules):
    """A notice (督办单) is seen by whoever sees its task; the head or clerk of the unit it is addressed to
    answers it. Issuing one is the task's "issue_notice" action (the supervision office)."""

    model = SupervisionNotice
    actions = (VIEW, "answer")

    def can(self, user: Any, role: str, action: str, obj: Any) -> bool:
        if action == VIEW:
            return True
        addressed = obj is not None and obj.unit_id == unit_id_of(user)
        return addressed and role in (Role.UNIT_HEAD, Role.UNIT_CLERK)

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        return _of_visible_tasks(user, role, queryset)


policy.register(SupervisionNoticeRules())


class TaskPartRules(Rules):
    """Milestones, extension requests, comments and evidence files are seen by whoever sees their task;
    what may be done with them is the task's own actions (see KeyTaskRules)."""

    actions = (VIEW,)

    def __init__(self, model: type) -> None:
        self.model = model

    def can(self, user: Any, role: str, action: str, obj: Any) -> bool:
        return action == VIEW

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        return _of_visible_tasks(user, role, queryset)


for part in (Attachment, Milestone, ExtensionRequest, TaskComment):
    policy.register(TaskPartRules(part))
