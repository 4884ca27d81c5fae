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
