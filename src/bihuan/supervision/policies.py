"""Who sees and moves key tasks.

Visibility is DESIGN.md §3's rule: the lead or a partner unit, the responsible leader, or the
supervision office and administrators (see `core.policy.unit_visibility`). The supervision office runs
the workflow; the lead unit acknowledges and starts the task, and its head asks for completion.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from bihuan.core.policy import VIEW, Rules, filter_by_unit_visibility, policy
from bihuan.core.roles import Role, unit_id_of
from bihuan.supervision.models import KeyTask, ProgressReport
from bihuan.supervision.transitions import TRANSITIONS

OFFICE = frozenset({Role.ADMIN, Role.SUPERVISOR})
LEAD_UNIT_ACTIONS = {
    "acknowledge": frozenset({Role.UNIT_HEAD, Role.UNIT_CLERK}),
    "start": frozenset({Role.UNIT_HEAD, Role.UNIT_CLERK}),
    "request_completion": frozenset({Role.UNIT_HEAD}),
    "report": frozenset({Role.UNIT_HEAD, Role.UNIT_CLERK}),  # draft a progress report
    "complete_milestone": frozenset({Role.UNIT_HEAD, Role.UNIT_CLERK}),
    "request_extension": frozenset({Role.UNIT_HEAD}),
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
        *TRANSITIONS,
    )

    def can(self, user: Any, role: str, action: str, obj: Any) -> bool:
        if action in (VIEW, "export", "comment"):
            return True
        if action == "instruct":
            return role == Role.LEADER
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
        visible_tasks = filter_by_unit_visibility(user, KeyTask.objects.all()).values("pk")
        return queryset.filter(task__in=visible_tasks)


policy.register(ProgressReportRules())
