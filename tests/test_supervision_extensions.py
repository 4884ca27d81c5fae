"""Milestones and extension requests: who may, what is validated, what stays on record."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bihuan.core.models import AuditEvent
from bihuan.core.roles import SYSTEM
from bihuan.supervision.models import ExtensionRequest, KeyTask, RequestStatus
from bihuan.supervision.selectors import lights
from bihuan.supervision.services import (
    Conflict,
    complete_milestone,
    decide_extension,
    request_extension,
    save_milestone,
    save_task,
    transition,
)


@pytest.fixture
def task(own_unit):
    task = save_task(
        SYSTEM,
        {
            "year": 2025,
            "title": "开发区改革",
            "lead_unit": own_unit,
            "start": date(2025, 1, 1),
            "due": date(2025, 12, 31),
        },
    )
    return transition(SYSTEM, task, "assign")


def test_milestones_set_by_the_office_reached_by_the_unit(people, task):
    with pytest.raises(PermissionDenied):
        save_milestone(people["unit_head"], task, {"title": "完成规划", "due": date(2025, 3, 31)})
    milestone = save_milestone(people["supervisor"], task, {"title": "完成规划", "due": date(2025, 3, 31)})
    assert "milestone_late" in [r.code for r in lights([task], date(2025, 4, 10))[task.pk].reasons]
    with pytest.raises(PermissionDenied):
        complete_milestone(people["other_unit_clerk"], milestone, date(2025, 4, 1))
    with pytest.raises(ValidationError):
        complete_milestone(people["unit_clerk"], milestone, timezone.localdate() + timedelta(days=1))
    complete_milestone(people["unit_clerk"], milestone, date(2025, 4, 1))
    assert all(r.code != "milestone_late" for r in lights([task], date(2025, 4, 10))[task.pk].reasons)
    assert AuditEvent.objects.filter(action="milestone.completed").count() == 1


def test_extension_requested_by_the_head_decided_by_the_office(people, task):
    head, office = people["unit_head"], people["supervisor"]
    with pytest.raises(PermissionDenied):
        request_extension(people["unit_clerk"], task, date(2026, 3, 31), "资金未到位")
    with pytest.raises(ValidationError):
        request_extension(head, task, date(2025, 6, 30), "提前？")  # not later than the current due date
    request = request_extension(head, task, date(2026, 3, 31), "资金未到位")
    with pytest.raises(Conflict):
        request_extension(head, task, date(2026, 6, 30), "再次申请")
    with pytest.raises(PermissionDenied):
        decide_extension(head, request, approve=True)
    with pytest.raises(ValidationError):
        decide_extension(office, request, approve=False, comment=" ")
    decide_extension(office, request, approve=True, comment="同意")
    task.refresh_from_db()
    assert task.due == date(2026, 3, 31)
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED and request.old_due == date(2025, 12, 31)  # history kept
    with pytest.raises(Conflict):
        decide_extension(office, request, approve=False, comment="改主意")
    assert AuditEvent.objects.filter(action="keytask.extended", object_id=str(task.pk)).get().changes == {
        "due": ["2025-12-31", "2026-03-31"]
    }


def test_rejected_extension_leaves_the_due_date(people, task):
    request = request_extension(people["unit_head"], task, date(2026, 1, 31), "需要更多时间")
    decide_extension(people["admin"], request, approve=False, comment="理由不充分")
    assert KeyTask.objects.get(pk=task.pk).due == date(2025, 12, 31)
    assert ExtensionRequest.objects.get().status == RequestStatus.REJECTED


def test_only_open_tasks_are_extended(people, own_unit):
    draft = save_task(SYSTEM, {"year": 2025, "title": "草稿", "lead_unit": own_unit, "due": date(2025, 12, 31)})
    with pytest.raises(ValidationError):
        request_extension(people["unit_head"], draft, date(2026, 1, 31), "理由")
