"""Who may issue and answer notices, comment, instruct, attach evidence and remind: every role in the
task's lead unit, a partner unit and an unrelated unit. A refusal changes nothing and tells nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from bihuan.core.models import AuditEvent, Notification
from bihuan.core.roles import SYSTEM, Role
from bihuan.org.services import save_unit
from bihuan.supervision.models import Attachment, SupervisionNotice, TaskComment
from bihuan.supervision.services import (
    add_comment,
    answer_notice,
    attach,
    issue_notice,
    remind,
    save_task,
    transition,
)

OFFICE = {Role.ADMIN, Role.SUPERVISOR}
UNIT_STAFF = {Role.UNIT_HEAD, Role.UNIT_CLERK}


@pytest.fixture
def partner_unit(city):
    return save_unit(SYSTEM, {"code": "TJJ", "name": "市统计局", "parent": city})


@pytest.fixture
def task(people, own_unit, partner_unit):
    created = save_task(
        SYSTEM,
        {
            "year": 2025,
            "title": "优化营商环境",
            "lead_unit": own_unit,
            "leader": people["leader"],
            "start": date(2025, 1, 1),
            "due": timezone.localdate() + timedelta(days=90),
        },
        partner_units=[partner_unit],
    )
    return transition(SYSTEM, transition(SYSTEM, created, "assign"), "acknowledge")


def actor(where, role, people, make_user, partner_unit):
    if where == "lead":
        return people[role]
    if where == "other":
        return people[f"other_{role}"]
    return make_user(f"partner_{role}", role, partner_unit)


def sees(where, role):
    return where in ("lead", "partner") or role in OFFICE


def expected(action, where, role):
    return {
        "issue_notice": role in OFFICE,
        "answer_notice": where == "lead" and role in UNIT_STAFF,  # the notice is addressed to the lead unit
        "comment": sees(where, role),
        "instruct": role == Role.LEADER and sees(where, role),
        "attach": role in OFFICE or (where == "lead" and role in UNIT_STAFF),
        "remind": role in OFFICE,
    }[action]


def perform(action, user, task):
    due = timezone.localdate() + timedelta(days=3)
    if action == "issue_notice":
        return issue_notice(user, task, task.lead_unit, "请说明滞后原因", due)
    if action == "answer_notice":
        notice = SupervisionNotice.objects.get(task=task)
        return answer_notice(user, notice, "已整改")
    if action == "comment":
        return add_comment(user, task, "收到")
    if action == "instruct":
        return add_comment(user, task, "抓紧推进", kind=TaskComment.Kind.INSTRUCTION)
    if action == "attach":
        return attach(user, task, "佐证.pdf", b"%PDF evidence")
    return remind(user, [task])


def state():
    return (
        AuditEvent.objects.count(),
        Notification.objects.count(),
        SupervisionNotice.objects.filter(responded_on__isnull=False).count(),
        TaskComment.objects.count(),
        Attachment.objects.count(),
    )


@pytest.mark.parametrize("action", ["issue_notice", "answer_notice", "comment", "instruct", "attach", "remind"])
@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("where", ["lead", "partner", "other"])
def test_matrix(action, role, where, people, task, make_user, partner_unit):
    if action == "answer_notice":
        issue_notice(SYSTEM, task, task.lead_unit, "请说明滞后原因", timezone.localdate() + timedelta(days=3))
    user = actor(where, role, people, make_user, partner_unit)
    before = state()
    if expected(action, where, role):
        perform(action, user, task)
        assert state() != before
    else:
        with pytest.raises(PermissionDenied):
            perform(action, user, task)
        assert state() == before
