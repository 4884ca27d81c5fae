"""Goals of the blueprint (一张蓝图): a tree kept by the supervision office and administrators, and the
key tasks that serve them."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bihuan.blueprint.models import Goal
from bihuan.blueprint.services import save_goal
from bihuan.core.models import AuditEvent
from bihuan.core.roles import SYSTEM, Role
from bihuan.supervision.models import KeyTask
from bihuan.supervision.services import save_task


@pytest.fixture
def tree(db):
    root = save_goal(SYSTEM, {"code": "G", "title": "建设区域中心城市", "start_year": 2025, "end_year": 2027})
    industry = save_goal(
        SYSTEM, {"code": "G1", "title": "产业转型升级", "parent": root, "start_year": 2025, "end_year": 2027}
    )
    return root, industry


def test_goals_validate_years_and_refuse_cycles(tree):
    root, industry = tree
    with pytest.raises(ValidationError):
        save_goal(SYSTEM, {"code": "G9", "title": "倒置", "start_year": 2027, "end_year": 2025})
    with pytest.raises(ValidationError):
        save_goal(SYSTEM, {"parent": industry}, root)  # the root under its own sub-goal
    with pytest.raises(ValidationError):
        save_goal(SYSTEM, {"parent": root}, root)
    assert Goal.objects.get(pk=root.pk).parent is None


@pytest.mark.parametrize("role", list(Role.values))
def test_who_keeps_the_goals(role, people, tree):
    may = role in (Role.ADMIN, Role.SUPERVISOR)
    before = AuditEvent.objects.count()
    data = {"code": f"N{role[:3]}", "title": "新目标", "start_year": 2025, "end_year": 2026}
    if may:
        save_goal(people[role], data)
        assert AuditEvent.objects.count() == before + 1
    else:
        with pytest.raises(PermissionDenied):
            save_goal(people[role], data)
        assert AuditEvent.objects.count() == before


def test_tasks_serve_goals_and_the_list_filters_by_a_goal_and_its_sub_goals(tree, people, own_unit, login):
    _root, industry = tree
    linked = save_task(
        SYSTEM,
        {"year": 2025, "title": "焦化升级", "lead_unit": own_unit, "due": date(2025, 12, 31)},
        goals=[industry],
    )
    save_task(SYSTEM, {"year": 2025, "title": "无目标任务", "lead_unit": own_unit, "due": date(2025, 12, 31)})
    client = login(people["supervisor"])
    for code in ("G1", "G"):  # the root finds the tasks of its sub-goals too
        assert [t.title for t in client.get(f"/tasks/?goal={code}").context["page"].object_list] == ["焦化升级"]
    page = client.get(f"/tasks/{linked.pk}/").content.decode()
    assert "产业转型升级" in page and "?goal=G1" in page
    save_task(SYSTEM, {"title": "焦化升级（改）"}, task=linked)  # goals=None leaves them as they are
    assert list(KeyTask.objects.get(pk=linked.pk).goals.all()) == [industry]
    assert client.get("/goals/").status_code == 200
    assert login(people["unit_clerk"]).get("/goals/new/").status_code == 403


def test_goals_through_the_api(tree, people, login, own_unit):
    office = login(people["supervisor"])
    created = office.post(
        "/api/v1/tasks/",
        {"year": 2025, "title": "数字经济", "lead_unit": "FGW", "due": "2025-12-31", "goals": ["G1"]},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["goals"] == ["G1"]
    goal = office.post(
        "/api/v1/goals/",
        {"code": "G2", "title": "生态优先", "parent": "G", "start_year": 2025, "end_year": 2027},
        content_type="application/json",
    )
    assert goal.status_code == 201 and goal.json()["parent"] == "G"
    clerk = login(people["unit_clerk"])
    assert clerk.get("/api/v1/goals/").json()["count"] == 3
    denied = clerk.post("/api/v1/goals/", {"code": "X", "title": "x", "start_year": 2025, "end_year": 2025})
    assert denied.status_code == 403
