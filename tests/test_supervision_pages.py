"""The task list page: visible tasks only, lights in words and colour, counts, filters, export."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from bihuan.core.roles import SYSTEM, Role
from bihuan.supervision.services import save_task, transition


@pytest.fixture
def tasks(people, own_unit, other_unit):
    today = timezone.localdate()

    def make(title, unit, due_in, start_ago=30):
        task = save_task(
            SYSTEM,
            {
                "year": today.year,
                "title": title,
                "lead_unit": unit,
                "cadence": "quarterly",
                "start": today - timedelta(days=start_ago),
                "due": today + timedelta(days=due_in),
            },
        )
        return transition(SYSTEM, task, "assign")

    return {
        "late": make("逾期任务", own_unit, -3),
        "soon": make("即将到期", own_unit, 5),
        "fine": make("正常推进", own_unit, 300, start_ago=1),
        "elsewhere": make("其他单位的任务", other_unit, 300, start_ago=1),
    }


def test_list_shows_visible_tasks_with_lights_and_counts(tasks, people, login):
    page = login(people["unit_clerk"]).get("/tasks/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "逾期任务" in text and "其他单位的任务" not in text
    assert page.context["counts"] == {"red": 1, "yellow": 1, "green": 1}
    assert "bh-light-red" in text and "逾期 3 天" in text
    office = login(people["supervisor"]).get("/tasks/")
    assert office.context["total"] == 4


def test_filter_by_warning_status_unit_and_text(tasks, people, login):
    client = login(people["supervisor"])
    red = client.get("/tasks/?warning=red").context["page"].object_list
    assert [t.title for t in red] == ["逾期任务"]
    by_unit = client.get("/tasks/?lead_unit=尧都").context["page"].object_list
    assert [t.title for t in by_unit] == ["其他单位的任务"]
    assert client.get("/tasks/?q=即将").context["page"].paginator.count == 1
    assert client.get("/tasks/?status=closed").context["page"].paginator.count == 0


def test_export_is_what_is_filtered_with_the_light_in_words(tasks, people, login):
    response = login(people["supervisor"]).get("/tasks/?warning=yellow&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == ["即将到期"]
    assert rows[0][-1].startswith("黄灯")


def test_task_list_query_count_is_bounded(tasks, people, login, own_unit, django_assert_max_num_queries):
    client = login(people["supervisor"])
    client.get("/tasks/")
    for n in range(20):
        save_task(
            SYSTEM,
            {"year": 2030, "title": f"批量{n}", "lead_unit": own_unit, "due": timezone.localdate() + timedelta(days=n)},
        )
    with django_assert_max_num_queries(16):
        assert client.get("/tasks/").status_code == 200


@pytest.mark.parametrize("role", list(Role.values))
def test_every_role_can_open_the_list(role, tasks, people, login):
    assert login(people[role]).get("/tasks/").status_code == 200


def test_many_overdue_reports_read_as_one_reason():
    from datetime import date

    from bihuan.supervision.presentation import light_text
    from bihuan.supervision.warnings import ReportFact, TaskFacts, warning_light

    reports = [ReportFact(f"2025-0{m}", date(2025, m + 1, 5), None) for m in range(1, 5)]
    light = warning_light(
        TaskFacts("in_progress", date(2025, 1, 1), date(2025, 12, 31), 40, reports), date(2025, 6, 20)
    )
    from django.utils import translation

    with translation.override("zh-hans"):
        assert light_text(light) == "红灯: 4 期进展逾期未报，最早一期（2025-01）逾期 135 天"
    with translation.override("en"):
        assert light_text(light) == "Red: 4 reports overdue, the oldest (2025-01) by 135 days"


def test_filter_by_leader_and_sort(tasks, people, login):
    from bihuan.supervision.models import KeyTask

    KeyTask.objects.filter(title="即将到期").update(leader=people["leader"])
    client = login(people["supervisor"])
    assert [t.title for t in client.get("/tasks/?leader=leader").context["page"].object_list] == ["即将到期"]
    by_due = [t.title for t in client.get("/tasks/?order=due").context["page"].object_list]
    assert by_due[0] == "逾期任务" and by_due[-1] in ("正常推进", "其他单位的任务")
    newest_first = [t.title for t in client.get("/tasks/?order=-due").context["page"].object_list]
    assert newest_first[-1] == "逾期任务"


def test_partner_units_show_in_the_list_and_its_export(tasks, people, login, city):
    from bihuan.org.services import save_unit

    statistics_bureau = save_unit(SYSTEM, {"code": "TJJ", "name": "市统计局", "parent": city})
    finance = save_unit(SYSTEM, {"code": "CZJ", "name": "市财政局", "parent": city})
    save_task(SYSTEM, {}, partner_units=[statistics_bureau, finance], task=tasks["soon"])
    client = login(people["supervisor"])
    rows = {row[1][0]: row[3][0] for row in client.get("/tasks/").context["rows"]}
    assert rows["即将到期"] == "市统计局、市财政局" and rows["逾期任务"] == ""
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/tasks/?format=xlsx").content)).active
    exported = {r[1]: r[3] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert exported["即将到期"] == "市统计局、市财政局"
