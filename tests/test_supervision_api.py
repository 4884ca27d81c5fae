"""The key-task API: the same policy and services as everywhere, the loop end to end, 409 on conflicts."""

from __future__ import annotations

import pytest

from bihuan.core.roles import SYSTEM
from bihuan.org.services import save_unit


@pytest.fixture
def partner(city):
    return save_unit(SYSTEM, {"code": "TJJ", "name": "市统计局", "parent": city})


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_the_loop_through_the_api(people, login, own_unit, partner):
    office = login(people["supervisor"])
    created = post(
        office,
        "/api/v1/tasks/",
        {
            "year": 2025,
            "title": "推动低空经济发展",
            "lead_unit": "FGW",
            "partner_units": ["TJJ"],
            "leader": "leader",
            "start": "2025-01-01",
            "due": "2025-12-31",
            "cadence": "monthly",
            "report_day": 5,
        },
    )
    assert created.status_code == 201, created.json()
    task = created.json()
    assert task["number"] == "2025-001" and task["status"] == "draft" and task["partner_units"] == ["TJJ"]
    url = f"/api/v1/tasks/{task['id']}/"
    assert post(office, url + "transition/", {"action": "assign"}).json()["status"] == "assigned"

    clerk = login(people["unit_clerk"])
    assert post(clerk, url + "transition/", {"action": "acknowledge"}).json()["status"] == "acknowledged"
    report = post(clerk, url + "report/", {"period": "2025-01", "progress": 10, "done": "完成规划编制"})
    assert report.status_code == 200 and report.json()["due"] == "2025-02-05"
    assert post(clerk, f"/api/v1/reports/{report.json()['id']}/submit/").status_code == 403

    head = login(people["unit_head"])
    assert post(head, f"/api/v1/reports/{report.json()['id']}/submit/").json()["status"] == "submitted"
    office = login(people["supervisor"])
    returned = post(office, f"/api/v1/reports/{report.json()['id']}/return/", {"reason": "请补充数据"})
    assert returned.json()["status"] == "returned" and returned.json()["return_reason"] == "请补充数据"

    detail = office.get(url).json()
    assert detail["light"]["level"] in ("green", "yellow", "red")
    listing = office.get("/api/v1/tasks/?status=acknowledged").json()
    assert listing["count"] == 1 and listing["results"][0]["light"] is not None

    stale = post(office, url + "transition/", {"action": "suspend", "reason": "暂停", "version": 1})
    assert stale.status_code == 409 and "detail" in stale.json()
    wrong = post(office, url + "transition/", {"action": "close", "rating": 4})
    assert wrong.status_code == 409
    missing_reason = post(office, url + "transition/", {"action": "suspend"})
    assert missing_reason.status_code == 400


def test_tasks_are_invisible_outside_lead_partner_and_office(people, login, own_unit, partner, make_user):
    office = login(people["supervisor"])
    task = post(
        office,
        "/api/v1/tasks/",
        {"year": 2025, "title": "任务", "lead_unit": "FGW", "partner_units": ["TJJ"], "due": "2025-12-31"},
    ).json()
    partner_clerk = make_user("tjj_clerk", "unit_clerk", partner)
    assert login(partner_clerk).get(f"/api/v1/tasks/{task['id']}/").status_code == 200
    outsider = login(people["other_unit_head"])
    assert outsider.get(f"/api/v1/tasks/{task['id']}/").status_code == 404
    assert outsider.get("/api/v1/tasks/").json()["count"] == 0
    assert post(outsider, f"/api/v1/tasks/{task['id']}/transition/", {"action": "assign"}).status_code == 404
    clerk = login(people["unit_clerk"])
    assert (
        post(clerk, "/api/v1/tasks/", {"year": 2025, "title": "x", "lead_unit": "FGW", "due": "2025-12-31"}).status_code
        == 403
    )
    assert post(clerk, f"/api/v1/tasks/{task['id']}/transition/", {"action": "assign"}).status_code == 403


def test_the_schema_lists_the_task_endpoints(people, login):
    schema = login(people["viewer"]).get("/api/v1/schema/?format=json").json()
    for path in (
        "/api/v1/tasks/",
        "/api/v1/tasks/{id}/transition/",
        "/api/v1/tasks/{id}/report/",
        "/api/v1/reports/{id}/submit/",
        "/api/v1/reports/{id}/return/",
    ):
        assert path in schema["paths"], path


def test_what_hangs_off_a_task_through_the_api(people, login, own_unit, partner):
    from datetime import date, timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from bihuan.core.models import AuditEvent
    from bihuan.supervision.services import save_task, transition

    today = timezone.localdate()
    task = save_task(
        SYSTEM,
        {"year": 2025, "title": "空气质量改善", "lead_unit": own_unit, "start": date(2025, 1, 1), "due": today},
        partner_units=[partner],
    )
    for step in ("assign", "acknowledge"):
        task = transition(SYSTEM, task, step)
    url = f"/api/v1/tasks/{task.pk}/"
    office = login(people["supervisor"])
    milestone = post(office, url + "milestones/", {"title": "完成监测站建设", "due": str(today)})
    assert milestone.status_code == 201
    notice = post(office, url + "notices/", {"unit": "TJJ", "text": "请说明", "respond_by": str(today + timedelta(3))})
    assert notice.status_code == 201 and notice.json()["unit"] == "TJJ"
    assert post(office, url + "notices/", {"unit": "141002", "text": "x", "respond_by": str(today)}).status_code == 400
    assert post(office, url + "remind/", {"message": "请加快"}).json() == {"count": 1}

    head = login(people["unit_head"])
    assert post(head, f"/api/v1/milestones/{milestone.json()['id']}/complete/").json()["done_on"] == str(today)
    extension = post(head, url + "extension/", {"new_due": str(today + timedelta(30)), "reason": "资金未到位"})
    assert extension.status_code == 201
    assert post(head, f"/api/v1/notices/{notice.json()['id']}/answer/", {"response": "x"}).status_code == 403
    upload = head.post(url + "attachments/", {"file": SimpleUploadedFile("监测报告.pdf", b"%PDF data")})
    assert upload.status_code == 201, upload.content
    attachment_id = upload.json()["id"]
    assert head.get(f"/api/v1/attachments/{attachment_id}/download/").status_code == 200
    assert head.post(url + "attachments/", {"file": SimpleUploadedFile("x.exe", b"MZ")}).status_code == 400
    assert post(head, url + "comments/", {"text": "冒充", "kind": "instruction"}).status_code == 403

    decided = post(
        login(people["supervisor"]), f"/api/v1/extensions/{extension.json()['id']}/decide/", {"approve": True}
    )
    assert decided.json()["status"] == "approved"
    assert post(login(people["leader"]), url + "comments/", {"text": "抓紧", "kind": "instruction"}).status_code == 201

    other = login(people["other_unit_head"])
    for listing in ("milestones", "extensions", "notices", "comments", "attachments"):
        assert other.get(f"/api/v1/{listing}/").json()["count"] == 0, listing
    assert other.get(f"/api/v1/attachments/{attachment_id}/download/").status_code == 404
    events = before = AuditEvent.objects.count()
    assert post(other, url + "remind/").status_code == 404
    assert AuditEvent.objects.count() == events == before
