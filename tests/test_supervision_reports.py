"""Progress reports: the clerk drafts, the head submits or sends back, the office accepts or returns."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bihuan.core.models import AuditEvent
from bihuan.core.policy import policy
from bihuan.core.roles import SYSTEM, Role
from bihuan.supervision.models import KeyTask, ProgressReport, ReportStatus
from bihuan.supervision.services import Conflict, report_step, save_report, save_task, task_periods, transition


@pytest.fixture
def task(people, own_unit):
    task = save_task(
        SYSTEM,
        {
            "year": 2025,
            "title": "打造临汾技工品牌",
            "lead_unit": own_unit,
            "start": date(2025, 1, 1),
            "due": date(2025, 12, 31),
            "cadence": "monthly",
            "report_day": 5,
        },
    )
    for action in ("assign", "acknowledge"):
        task = transition(SYSTEM, task, action)
    KeyTask.objects.filter(pk=task.pk).update(assigned_on=date(2025, 1, 2))  # handed out when it started
    task.refresh_from_db()
    return task


def test_the_report_loop(people, task):
    clerk, head, office = people["unit_clerk"], people["unit_head"], people["supervisor"]
    report = save_report(clerk, task, "2025-09", {"progress": 60, "done": "培训 1200 人次", "next_steps": "扩大规模"})
    assert report.due == date(2025, 10, 5) and report.status == ReportStatus.DRAFT and report.drafted_by == clerk
    report = report_step(head, report, "send_back", reason="请补充就业率数据")
    assert report.status == ReportStatus.RETURNED
    report = save_report(clerk, task, "2025-09", {"progress": 62, "done": "培训 1200 人次，就业率 91%"})
    report = report_step(head, report, "submit")
    assert report.status == ReportStatus.SUBMITTED and report.submitted_by == head and report.submitted_on
    with pytest.raises(ValidationError):  # a submitted report is not edited
        save_report(clerk, task, "2025-09", {"progress": 99})
    report = report_step(office, report, "return", reason="数据口径不一致")
    report = save_report(clerk, task, "2025-09", {"progress": 61})
    report = report_step(head, report, "submit")
    report = report_step(office, report, "accept")
    task.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and task.progress == 61
    actions = list(
        AuditEvent.objects.filter(object_type="supervision.progressreport")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "progressreport.drafted",
        "progressreport.send_back",
        "progressreport.drafted",
        "progressreport.submit",
        "progressreport.return",
        "progressreport.drafted",
        "progressreport.submit",
        "progressreport.accept",
    ]


def test_periods_must_belong_to_the_task(people, task):
    assert [p.key for p in task_periods(task)][:2] == ["2025-01", "2025-02"]
    with pytest.raises(ValidationError):
        save_report(people["unit_clerk"], task, "2030-01", {"progress": 1})
    with pytest.raises(ValidationError):
        save_report(people["unit_clerk"], task, "2025-W10", {"progress": 1})


@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("where", ["lead", "other"])
def test_who_may_write_and_move_reports(role, where, people, task):
    user = people[role] if where == "lead" else people[f"other_{role}"]
    may_draft = where == "lead" and role in (Role.UNIT_HEAD, Role.UNIT_CLERK)
    if may_draft:
        assert save_report(user, task, "2025-03", {"progress": 10}).pk
    else:
        with pytest.raises(PermissionDenied):
            save_report(user, task, "2025-03", {"progress": 10})
        assert not ProgressReport.objects.exists()
    draft = save_report(SYSTEM, task, "2025-04", {"progress": 20})
    may_submit = where == "lead" and role == Role.UNIT_HEAD
    if may_submit:
        assert report_step(user, draft, "submit").status == ReportStatus.SUBMITTED
    else:
        with pytest.raises(PermissionDenied):
            report_step(user, draft, "submit")
        draft.refresh_from_db()
        assert draft.status == ReportStatus.DRAFT
        report_step(SYSTEM, draft, "submit")
    may_review = role in (Role.ADMIN, Role.SUPERVISOR)
    if may_review:
        assert report_step(user, draft, "accept").status == ReportStatus.ACCEPTED
    else:
        with pytest.raises(PermissionDenied):
            report_step(user, draft, "accept")


def test_reports_are_visible_with_their_task(people, task):
    save_report(SYSTEM, task, "2025-05", {"progress": 30})
    assert policy.visible(people["viewer"], ProgressReport.objects.all()).count() == 1  # lead unit
    assert policy.visible(people["other_viewer"], ProgressReport.objects.all()).count() == 0
    assert policy.visible(people["other_supervisor"], ProgressReport.objects.all()).count() == 1


def test_steps_that_no_longer_apply_are_conflicts(people, task):
    report = report_step(SYSTEM, save_report(SYSTEM, task, "2025-06", {"progress": 40}), "submit")
    report_step(people["supervisor"], report, "accept")
    with pytest.raises(Conflict):
        report_step(people["admin"], report, "return", reason="晚了一步")
    with pytest.raises(ValidationError):
        report_step(people["admin"], report, "return", reason=" ")


def test_no_reports_on_a_draft_or_closed_task(people, own_unit):
    draft = save_task(SYSTEM, {"year": 2025, "title": "草稿任务", "lead_unit": own_unit, "due": date(2025, 12, 31)})
    with pytest.raises(ValidationError):
        save_report(SYSTEM, draft, KeyTask.objects.get(pk=draft.pk).created_at.strftime("%Y-%m"), {"progress": 1})


def test_lights_from_the_database(people, task, django_assert_max_num_queries):
    from bihuan.supervision.models import Milestone
    from bihuan.supervision.selectors import lights

    Milestone.objects.create(task=task, title="启动", due=date(2025, 3, 1))
    today = date(2025, 6, 10)  # reports for Jan–Apr were due on the 5th of Feb–May; May's is due today−5
    with django_assert_max_num_queries(2):
        light = lights([task], today)[task.pk]
    assert light.level == "red"
    codes = [r.code for r in light.reasons]
    assert codes.count("report_overdue") == 5 and "milestone_late" in codes and "behind" in codes
    for period in ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05"):
        report_step(SYSTEM, save_report(SYSTEM, task, period, {"progress": 40}), "submit")
    Milestone.objects.update(done_on=date(2025, 3, 1))
    KeyTask.objects.filter(pk=task.pk).update(progress=40)
    task.refresh_from_db()
    assert lights([task], today)[task.pk].level == "green"
    returned = ProgressReport.objects.get(period="2025-05")
    report_step(people["supervisor"], returned, "return", reason="补充")
    assert [r.code for r in lights([task], today)[task.pk].reasons] == ["report_overdue"]


def test_reports_are_owed_from_assignment_not_from_an_earlier_start(people, task):
    from bihuan.supervision.selectors import lights

    KeyTask.objects.filter(pk=task.pk).update(assigned_on=date(2025, 5, 20))
    task.refresh_from_db()
    light = lights([task], date(2025, 6, 10))[task.pk]
    overdue = [r.params["period"] for r in light.reasons if r.code == "report_overdue"]
    assert overdue == ["2025-05"]  # not January to April, which were before the task was handed out
    assert save_report(SYSTEM, task, "2025-02", {"progress": 5}).period == "2025-02"  # still may be reported
