"""The task page and every action on it, through the pages: the whole loop, notices, instructions,
comments, attachments, milestones, extensions, reminders (催办), bulk actions and "my work"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bihuan.core.models import AuditEvent, Notification
from bihuan.core.roles import SYSTEM
from bihuan.supervision.models import (
    Attachment,
    KeyTask,
    ProgressReport,
    ReportStatus,
    SupervisionNotice,
    TaskComment,
    TaskStatus,
)
from bihuan.supervision.services import save_task, transition


@pytest.fixture
def task(people, own_unit):
    today = timezone.localdate()
    created = save_task(
        SYSTEM,
        {
            "year": today.year,
            "title": "推进低空经济产业园建设",
            "lead_unit": own_unit,
            "leader": people["leader"],
            "cadence": "monthly",
            "start": today - timedelta(days=70),
            "due": today + timedelta(days=200),
        },
    )
    assigned = transition(SYSTEM, created, "assign")
    # as if it had been assigned when it started, so its past months' reports are owed
    KeyTask.objects.filter(pk=assigned.pk).update(assigned_on=assigned.start)
    assigned.refresh_from_db()
    return assigned


def missing_period(client, task) -> str:
    ledger = client.get(f"/tasks/{task.pk}/").context["ledger"]
    return next(row.key for row in ledger if row.state == "missing")


def test_whole_loop_through_the_pages(task, people, login):
    clerk, head, office = people["unit_clerk"], people["unit_head"], people["supervisor"]
    client = login(clerk)
    page = client.get(f"/tasks/{task.pk}/")
    assert page.status_code == 200
    assert [s["action"] for s in page.context["steps"]] == ["acknowledge"]
    assert client.post(f"/tasks/{task.pk}/act/", {"action": "acknowledge", "version": task.version}).status_code == 302
    client.post(f"/tasks/{task.pk}/act/", {"action": "start"})
    period = missing_period(client, task)
    report_url = f"/tasks/{task.pk}/reports/{period}/"
    form = client.get(report_url)
    assert form.status_code == 200 and not form.context["can_submit"]  # a clerk drafts; the head submits
    client.post(
        report_url, {"progress": 30, "done": "完成园区规划", "next_steps": "", "problems": "", "support_needed": ""}
    )
    report = ProgressReport.objects.get(task=task, period=period)
    assert report.status == ReportStatus.DRAFT and report.drafted_by == clerk

    login(head).post(f"/reports/{report.pk}/submit/")
    office_client = login(office)
    assert office_client.post(f"/reports/{report.pk}/return/", {"reason": ""}).status_code == 302
    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED  # a return needs a reason
    office_client.post(f"/reports/{report.pk}/return/", {"reason": "请补充投资完成额"})
    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.RETURNED

    client = login(clerk)
    client.post(report_url, {"progress": 35, "done": "完成园区规划，投资完成1.2亿元"})
    login(head).post(f"/reports/{report.pk}/submit/")
    login(office).post(f"/reports/{report.pk}/accept/")
    assert KeyTask.objects.get(pk=task.pk).progress == 35

    evidence = SimpleUploadedFile("验收报告.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    login(head).post(f"/tasks/{task.pk}/act/", {"action": "request_completion", "reason": "已建成", "files": evidence})
    assert KeyTask.objects.get(pk=task.pk).status == TaskStatus.COMPLETION_REQUESTED
    assert Attachment.objects.get(task=task).filename == "验收报告.pdf"
    page = login(office).get(f"/tasks/{task.pk}/")
    assert {s["action"] for s in page.context["steps"]} >= {"close", "return"}
    office_client = login(office)
    office_client.post(f"/tasks/{task.pk}/act/", {"action": "close", "reason": "验收合格", "rating": "5"})
    closed = KeyTask.objects.get(pk=task.pk)
    assert closed.status == TaskStatus.CLOSED and closed.quality_rating == 5
    page = office_client.get(f"/tasks/{task.pk}/")
    assert page.context["light"].level == "none"
    actions = [e.action for e in page.context["timeline"]]
    for expected in ("keytask.close", "keytask.request_completion", "progressreport.accept", "progressreport.return"):
        assert expected in actions
    assert actions.index("keytask.close") < actions.index("progressreport.drafted")  # newest first


def test_a_stale_page_gets_a_clear_conflict(task, people, login):
    client = login(people["supervisor"])
    transition(SYSTEM, task, "suspend", reason="暂停")
    response = client.post(
        f"/tasks/{task.pk}/act/", {"action": "cancel", "reason": "x", "version": task.version}, follow=True
    )
    assert KeyTask.objects.get(pk=task.pk).status == TaskStatus.SUSPENDED
    assert any("changed" in str(m) or "修改" in str(m) or "更改" in str(m) for m in response.context["messages"])


@pytest.mark.parametrize(
    "who, action, allowed",
    [
        ("unit_clerk", "acknowledge", True),
        ("other_unit_clerk", "acknowledge", False),
        ("leader", "acknowledge", False),
        ("viewer", "assign", False),
        ("unit_head", "cancel", False),
        ("supervisor", "cancel", True),
    ],
)
def test_actions_through_the_page_follow_the_policy(task, people, login, who, action, allowed):
    client = login(people[who])
    response = client.post(f"/tasks/{task.pk}/act/", {"action": action, "reason": "理由"})
    status = KeyTask.objects.get(pk=task.pk).status
    if allowed:
        assert response.status_code == 302 and status != TaskStatus.ASSIGNED
    else:
        assert response.status_code in (403, 404) and status == TaskStatus.ASSIGNED


def test_other_units_neither_see_the_page_nor_its_files(task, people, login):
    transition(SYSTEM, task, "acknowledge")
    client = login(people["unit_clerk"])
    client.post(f"/tasks/{task.pk}/attachments/", {"file": SimpleUploadedFile("a.png", b"\x89PNG data")})
    attachment = Attachment.objects.get(task=task)
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 200
    other = login(people["other_unit_head"])
    assert other.get(f"/tasks/{task.pk}/").status_code == 404
    assert other.get(f"/attachments/{attachment.pk}/").status_code == 404
    assert other.post(f"/tasks/{task.pk}/comments/", {"text": "看看"}).status_code == 404
    assert not TaskComment.objects.exists()


def test_attachment_limits(task, people, login, settings):
    settings.BIHUAN = {**settings.BIHUAN, "ATTACHMENT_MAX_BYTES": 100}
    client = login(people["unit_clerk"])
    client.post(f"/tasks/{task.pk}/attachments/", {"file": SimpleUploadedFile("big.pdf", b"x" * 101)})
    client.post(f"/tasks/{task.pk}/attachments/", {"file": SimpleUploadedFile("run.exe", b"MZ")})
    client.post(f"/tasks/{task.pk}/attachments/", {"file": SimpleUploadedFile("empty.pdf", b"")})
    assert not Attachment.objects.exists()
    response = client.post(
        f"/tasks/{task.pk}/attachments/", {"file": SimpleUploadedFile("../../etc/passwd.txt", b"ok")}, follow=True
    )
    saved = Attachment.objects.get()
    assert saved.filename == "passwd.txt"
    assert response.status_code == 200


def test_notice_instruction_comment_and_remind(task, people, login):
    today = timezone.localdate()
    office = login(people["supervisor"])
    office.post(
        f"/tasks/{task.pk}/notices/",
        {
            "unit": task.lead_unit_id,
            "text": "请说明进度滞后原因",
            "respond_by": (today + timedelta(days=3)).isoformat(),
        },
    )
    notice = SupervisionNotice.objects.get(task=task)
    head = people["unit_head"]
    assert Notification.objects.filter(recipient=head, kind="notice").exists()
    assert login(people["unit_viewer"] if "unit_viewer" in people else people["viewer"]).post(
        f"/notices/{notice.pk}/answer/", {"response": "x"}
    ).status_code in (403, 404)
    login(head).post(f"/notices/{notice.pk}/answer/", {"response": "已加快进度"})
    notice.refresh_from_db()
    assert notice.response == "已加快进度" and notice.responded_by == head

    leader = login(people["leader"])
    leader.post(f"/tasks/{task.pk}/comments/", {"text": "要加快推进", "kind": "instruction"})
    assert TaskComment.objects.get(kind="instruction").author == people["leader"]
    assert Notification.objects.filter(recipient=head, kind="instruction").exists()
    clerk = login(people["unit_clerk"])
    assert clerk.post(f"/tasks/{task.pk}/comments/", {"text": "冒充批示", "kind": "instruction"}).status_code == 403
    clerk.post(f"/tasks/{task.pk}/comments/", {"text": "收到", "kind": "comment"})
    assert TaskComment.objects.filter(kind="comment").count() == 1

    before = Notification.objects.filter(kind="remind").count()
    assert clerk.post(f"/tasks/{task.pk}/remind/").status_code == 403
    login(people["supervisor"]).post(f"/tasks/{task.pk}/remind/", {"message": "请本周内报送"})
    assert Notification.objects.filter(kind="remind").count() > before
    assert AuditEvent.objects.filter(action="keytask.reminded").count() == 1


def test_milestones_and_extensions_on_the_page(task, people, login):
    today = timezone.localdate()
    transition(SYSTEM, task, "acknowledge")
    office = login(people["supervisor"])
    office.post(f"/tasks/{task.pk}/milestones/", {"title": "完成招商", "due": (today + timedelta(days=30)).isoformat()})
    milestone = task.milestones.get()
    login(people["unit_clerk"]).post(f"/milestones/{milestone.pk}/complete/")
    milestone.refresh_from_db()
    assert milestone.done_on == today
    new_due = task.due + timedelta(days=60)
    login(people["unit_head"]).post(
        f"/tasks/{task.pk}/extensions/", {"new_due": new_due.isoformat(), "reason": "审批延迟"}
    )
    extension = task.extensions.get()
    login(people["supervisor"]).post(f"/extensions/{extension.pk}/decide/", {"approve": "1", "comment": ""})
    assert KeyTask.objects.get(pk=task.pk).due == new_due


def test_create_and_edit_through_the_form(people, own_unit, login):
    client = login(people["supervisor"])
    year = timezone.localdate().year
    data = {
        "year": year,
        "number": "",
        "title": "打造临汾技工品牌",
        "source": "work_report",
        "lead_unit": own_unit.pk,
        "start": f"{year}-01-01",
        "due": f"{year}-12-31",
        "cadence": "monthly",
        "report_day": 5,
        "priority": 2,
    }
    response = client.post("/tasks/new/", data)
    task = KeyTask.objects.get(title="打造临汾技工品牌")
    assert response.status_code == 302 and task.number == f"{year}-001" and task.status == TaskStatus.DRAFT
    bad = client.post(f"/tasks/{task.pk}/edit/", {**data, "due": f"{year - 1}-01-01"})
    assert bad.status_code == 400 and KeyTask.objects.get(pk=task.pk).due.year == year
    assert login(people["unit_head"]).get("/tasks/new/").status_code == 403


def test_bulk_assign_and_remind(people, own_unit, other_unit, login):
    today = timezone.localdate()
    made = [
        save_task(
            SYSTEM,
            {"year": today.year, "title": f"任务{i}", "lead_unit": own_unit if i < 2 else other_unit, "due": today},
        )
        for i in range(3)
    ]
    client = login(people["supervisor"])
    client.post("/tasks/bulk/", {"action": "assign", "ids": [t.pk for t in made]})
    assert set(KeyTask.objects.values_list("status", flat=True)) == {TaskStatus.ASSIGNED}
    client.post("/tasks/bulk/", {"action": "remind", "ids": [made[0].pk, made[2].pk]})
    assert AuditEvent.objects.filter(action="keytask.reminded").count() == 2
    clerk = login(people["unit_clerk"])
    assert clerk.post("/tasks/bulk/", {"action": "remind", "ids": [made[0].pk]}).status_code == 403


def test_my_work_by_role(task, people, login):
    transition(SYSTEM, task, "acknowledge")
    clerk_page = login(people["unit_clerk"]).get("/my-work/")
    sections = {s.key: s for s in clerk_page.context["sections"]}
    assert sections["reports_due"].items  # the past months' reports are missing
    assert sections["lights"].items[0].level == "red"
    assert "drafts" not in sections  # the head approves drafts
    head_sections = {s.key for s in login(people["unit_head"]).get("/my-work/").context["sections"]}
    assert "drafts" in head_sections
    leader_sections = login(people["leader"]).get("/my-work/").context["sections"]
    assert [i.task for i in leader_sections[0].items] == [task]
    office = {s.key: s for s in login(people["supervisor"]).get("/my-work/").context["sections"]}
    assert [i.task for i in office["red"].items] == [task]
    other = {s.key: s for s in login(people["other_unit_clerk"]).get("/my-work/").context["sections"]}
    assert not any(s.items for s in other.values())


def make_red_tasks(count, unit, leader):
    today = timezone.localdate()
    made = []
    for i in range(count):
        task = save_task(
            SYSTEM,
            {"year": today.year, "title": f"逾期{i}", "lead_unit": unit, "leader": leader, "due": today - timedelta(1)},
        )
        made.append(transition(SYSTEM, task, "assign"))
    return made


def test_my_work_sections_show_fifty_and_count_all(people, own_unit, login):
    make_red_tasks(55, own_unit, people["leader"])
    section = login(people["leader"]).get("/my-work/").context["sections"][0]
    assert section.total == 55 and len(section.items) == 50 and section.more == 5
    office = {s.key: s for s in login(people["supervisor"]).get("/my-work/").context["sections"]}
    assert office["red"].total == 55 and office["red"].more_url.endswith("?warning=red")


@pytest.mark.parametrize("url", ["/tasks/", "/tasks/?warning=red", "/my-work/", "/tasks/statistics/", "/api/v1/tasks/"])
def test_pages_cost_the_same_queries_for_ten_or_forty_tasks(people, own_unit, login, url):
    """Warning lights are kept on the tasks, so a list neither loads every task nor queries per task."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(people["supervisor"])

    def queries() -> int:
        client.get(url)  # the first view of the day keeps today's lights
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    make_red_tasks(10, own_unit, people["leader"])
    few = queries()
    make_red_tasks(30, own_unit, people["leader"])
    assert queries() == few <= 20


def test_a_closed_task_owes_no_report_after_its_close_out(task, people, login):
    from bihuan.supervision.models import KeyTask

    for action in ("acknowledge", "request_completion"):
        transition(SYSTEM, task, action, reason="完成")
    transition(SYSTEM, task, "close", rating=4)
    KeyTask.objects.filter(pk=task.pk).update(closed_on=task.start + timedelta(days=35))
    ledger = login(people["supervisor"]).get(f"/tasks/{task.pk}/").context["ledger"]
    assert ledger and all(row.due <= task.start + timedelta(days=35) for row in ledger)
    assert all(row.state == "missing" for row in ledger)  # the one before close-out stays missing
