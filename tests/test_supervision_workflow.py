"""The key-task workflow through its service: the whole loop, the permission matrix (role × action ×
lead / partner / other unit), validation, conflicts and concurrent decisions."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bihuan.core.audit import verify_chain
from bihuan.core.models import AuditEvent
from bihuan.core.policy import policy
from bihuan.core.roles import SYSTEM, Role
from bihuan.org.services import save_unit
from bihuan.supervision.models import KeyTask, TaskStatus
from bihuan.supervision.services import Conflict, next_number, save_task, transition
from bihuan.supervision.transitions import TRANSITIONS

ALL_ROLES = list(Role.values)
OFFICE = {Role.ADMIN, Role.SUPERVISOR}


@pytest.fixture
def partner_unit(city):
    return save_unit(SYSTEM, {"code": "TJJ", "name": "市统计局", "parent": city})


@pytest.fixture
def task(people, own_unit, partner_unit):
    """A task led by the own unit ("FGW"), supported by the partner unit, led by the own-unit leader."""
    return save_task(
        SYSTEM,
        {
            "year": 2025,
            "title": "推进焦化行业升级改造",
            "lead_unit": own_unit,
            "leader": people["leader"],
            "start": date(2025, 1, 1),
            "due": date(2025, 12, 31),
        },
        partner_units=[partner_unit],
    )


def actor_in(where, role, people, make_user, partner_unit):
    """A user of `role` in the task's lead unit, its partner unit, or an unrelated unit."""
    if where == "lead":
        return people[role]
    if where == "other":
        return people[f"other_{role}"]
    return make_user(f"partner_{role}", role, partner_unit)


def move(task, *actions, actor=SYSTEM):
    for action in actions:
        task = transition(actor, task, action, reason="理由" if action != "close" else "已完成", rating=4)
    return task


def test_the_whole_loop(people, task):
    office, clerk, head = people["supervisor"], people["unit_clerk"], people["unit_head"]
    assert task.status == TaskStatus.DRAFT and task.number == "2025-001"
    task = transition(office, task, "assign")
    task = transition(clerk, task, "acknowledge")
    task = transition(clerk, task, "start")
    task = transition(head, task, "request_completion", reason="已完成改造，附验收报告")
    task = transition(office, task, "return", reason="缺少验收报告原件")
    assert task.status == TaskStatus.IN_PROGRESS
    task = transition(head, task, "request_completion", reason="补充了验收报告原件")
    task = transition(office, task, "close", rating=5, reason="质量很好")
    assert task.status == TaskStatus.CLOSED and task.quality_rating == 5 and task.closed_on is not None
    task = transition(office, task, "reopen", reason="复查发现问题")
    assert task.status == TaskStatus.IN_PROGRESS and task.closed_on is None
    actions = list(
        AuditEvent.objects.filter(object_type="supervision.keytask", object_id=str(task.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "keytask.created",
        "keytask.assign",
        "keytask.acknowledge",
        "keytask.start",
        "keytask.request_completion",
        "keytask.return",
        "keytask.request_completion",
        "keytask.close",
        "keytask.reopen",
    ]
    assert verify_chain().ok


# ---- who sees a task -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("where", ["lead", "partner", "other"])
def test_visibility(role, where, people, task, make_user, partner_unit, other_unit):
    user = actor_in(where, role, people, make_user, partner_unit)
    sees = role in OFFICE or where in ("lead", "partner") or (role == Role.LEADER and user == task.leader)
    assert policy.visible(user, KeyTask.objects.all()).filter(pk=task.pk).exists() is sees


def test_the_responsible_leader_sees_the_task_from_any_unit(task, make_user, other_unit):
    leader = make_user("portfolio", Role.LEADER, other_unit)
    assert not policy.visible(leader, KeyTask.objects.all()).exists()
    KeyTask.objects.filter(pk=task.pk).update(leader=leader)
    assert policy.visible(leader, KeyTask.objects.all()).count() == 1


# ---- who moves a task ----------------------------------------------------------------------------

# the state each action applies from, reached from a draft by these steps
SETUP = {
    "assign": (),
    "acknowledge": ("assign",),
    "start": ("assign", "acknowledge"),
    "request_completion": ("assign", "acknowledge", "start"),
    "close": ("assign", "acknowledge", "start", "request_completion"),
    "return": ("assign", "acknowledge", "start", "request_completion"),
    "suspend": ("assign",),
    "resume": ("assign", "suspend"),
    "cancel": ("assign",),
    "reopen": ("assign", "acknowledge", "start", "request_completion", "close"),
}
LEAD_ROLES = {
    "acknowledge": {Role.UNIT_HEAD, Role.UNIT_CLERK},
    "start": {Role.UNIT_HEAD, Role.UNIT_CLERK},
    "request_completion": {Role.UNIT_HEAD},
}


@pytest.mark.parametrize("action", list(TRANSITIONS))
@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("where", ["lead", "partner", "other"])
def test_permission_matrix(action, role, where, people, task, make_user, partner_unit, other_unit):
    task = move(task, *SETUP[action])
    user = actor_in(where, role, people, make_user, partner_unit)
    allowed = role in OFFICE if action not in LEAD_ROLES else (where == "lead" and role in LEAD_ROLES[action])
    before_status, before_events = task.status, AuditEvent.objects.count()
    if allowed:
        moved = transition(user, task, action, reason="理由", rating=3)
        assert moved.status == TRANSITIONS[action][1]
        assert AuditEvent.objects.count() == before_events + 1
    else:
        with pytest.raises(PermissionDenied):
            transition(user, task, action, reason="理由", rating=3)
        task.refresh_from_db()
        assert task.status == before_status and AuditEvent.objects.count() == before_events


# ---- validation and conflicts --------------------------------------------------------------------


def test_reasons_and_ratings_are_required(people, task):
    task = move(task, "assign", "acknowledge", "start", "request_completion")
    with pytest.raises(ValidationError):
        transition(people["supervisor"], task, "return", reason="  ")
    with pytest.raises(ValidationError):
        transition(people["supervisor"], task, "close", rating=6)
    with pytest.raises(ValidationError):
        save_task(
            SYSTEM,
            {
                "year": 2025,
                "title": "x",
                "lead_unit": task.lead_unit,
                "start": date(2025, 5, 1),
                "due": date(2025, 4, 1),
            },
        )


def test_actions_that_do_not_apply_and_stale_versions_are_conflicts(people, task):
    office = people["supervisor"]
    with pytest.raises(Conflict, match=r"草稿|Draft"):
        transition(office, task, "close", rating=3)
    seen = task.version
    task = transition(office, task, "assign")
    with pytest.raises(Conflict):
        transition(office, task, "suspend", reason="暂停", expected_version=seen)
    assert transition(office, task, "suspend", reason="暂停", expected_version=task.version).status == "suspended"


def test_numbers_count_up_per_year(task, own_unit):
    assert next_number(2025) == "2025-002" and next_number(2026) == "2026-001"
    other = save_task(SYSTEM, {"year": 2025, "title": "第二项", "lead_unit": own_unit, "due": date(2025, 6, 30)})
    assert other.number == "2025-002"


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_decide_at_once_one_wins(people, task):
    """Close and return the same completion request at the same moment: exactly one succeeds."""
    from django.db import connection, connections

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("needs a database with separate connections (runs on PostgreSQL)")
    task = move(task, "assign", "acknowledge", "start", "request_completion")
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def decide(action: str) -> None:
        try:
            barrier.wait()
            transition(people["supervisor"], task, action, reason="决定", rating=4)
            outcomes.append(action)
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(a,)) for a in ("close", "return")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) in (["close", "conflict"], ["conflict", "return"])
    task.refresh_from_db()
    assert task.status == ("closed" if "close" in outcomes else "in_progress")
    assert AuditEvent.objects.filter(action__in=["keytask.close", "keytask.return"]).count() == 1
