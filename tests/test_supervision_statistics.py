"""Key-task statistics: the pure figures (by hand), the page, its export, who sees what, and the query count."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import openpyxl
import pytest
from django.utils import timezone

from bihuan.blueprint.services import save_category
from bihuan.core.roles import SYSTEM
from bihuan.supervision.services import report_step, save_report, save_task, transition
from bihuan.supervision.statistics import (
    Group,
    Row,
    TaskRecord,
    days_text,
    percent_text,
    report_outcomes,
    table,
    trend,
    trend_months,
)

# ---- pure functions ------------------------------------------------------------------------------

TODAY = date(2025, 6, 20)


def record(status="in_progress", light="green", group="A", closed_on=None, submitted=None, **kw) -> TaskRecord:
    """A monthly task reporting from January, due at the end of 2025, reports due on the 5th of the next month."""
    return TaskRecord(
        id=kw.pop("id", 1),
        group=group,
        status=status,
        light=light,
        start=kw.pop("start", date(2025, 1, 1)),
        due=kw.pop("due", date(2025, 12, 31)),
        cadence=kw.pop("cadence", "monthly"),
        report_day=kw.pop("report_day", 5),
        closed_on=closed_on,
        submitted=submitted or {},
    )


# January's report falls due on 5 Feb, … May's on 5 June; June's (5 July) is not due yet on 20 June.
MIXED = {
    "2025-01": date(2025, 2, 3),  # early: on time
    "2025-02": date(2025, 3, 5),  # on the day: on time
    "2025-03": date(2025, 4, 10),  # 5 days late
    # 2025-04 missing: late by 20 June − 5 May = 46 days
    "2025-05": date(2025, 6, 6),  # 1 day late
}


@pytest.mark.parametrize(
    ("task", "today", "expected"),
    [
        pytest.param(
            record(submitted=MIXED),
            TODAY,
            [
                ("2025-01", True, 0),
                ("2025-02", True, 0),
                ("2025-03", False, 5),
                ("2025-04", False, 46),
                ("2025-05", False, 1),
            ],
            id="open task, early, on the day, late and missing",
        ),
        pytest.param(
            record(submitted=MIXED),
            date(2025, 6, 5),
            [("2025-01", True, 0), ("2025-02", True, 0), ("2025-03", False, 5), ("2025-04", False, 31)],
            id="a period due today is not counted yet",
        ),
        pytest.param(
            record(status="closed", closed_on=date(2025, 4, 20), submitted={"2025-01": date(2025, 2, 1)}),
            TODAY,
            [("2025-01", True, 0), ("2025-02", False, 46), ("2025-03", False, 15)],
            id="closed task: periods up to the close-out day, lateness stops there",
        ),
        pytest.param(
            record(status="closed", closed_on=date(2025, 4, 20), submitted={"2025-03": date(2025, 5, 1)}),
            TODAY,
            [("2025-01", False, 74), ("2025-02", False, 46), ("2025-03", False, 26)],
            id="closed task: a report submitted after the close-out counts its real day",
        ),
        pytest.param(record(status="draft"), TODAY, [], id="draft owes nothing"),
        pytest.param(record(status="suspended", submitted=MIXED), TODAY, [], id="suspended owes nothing"),
        pytest.param(record(status="cancelled"), TODAY, [], id="cancelled owes nothing"),
        pytest.param(record(start=date(2025, 7, 1)), TODAY, [], id="nothing due before reporting starts"),
        pytest.param(
            record(cadence="quarterly", submitted={"2025-Q1": date(2025, 4, 5)}),
            TODAY,
            [("2025-Q1", True, 0)],
            id="quarterly",
        ),
    ],
)
def test_report_outcomes(task, today, expected):
    assert [(o.period, o.on_time, o.days_late) for o in report_outcomes(task, today)] == expected


def test_table_by_group_with_rates_averages_totals_and_an_empty_group():
    tasks = [
        record(id=1, group="A", light="red", submitted=MIXED),  # 5 due, 2 on time, 3 late: 5 + 46 + 1 = 52 days
        record(id=2, group="A", light="yellow", start=date(2025, 6, 1)),  # nothing due yet
        record(id=3, group="A", status="closed", light="none", closed_on=date(2025, 3, 1)),  # 2025-01 late 24 days
        record(id=4, group="A", status="draft", light="none"),
        record(id=5, group="B", status="cancelled", light="none"),
        record(id=6, group="B", status="suspended", light="none"),
        record(id=7, group="B", light="green", start=date(2025, 6, 1)),
        record(id=8, group="Z", status="cancelled", light="none"),  # a group not in the list comes last
    ]
    groups = [Group("B", "乙"), Group("A", "甲"), Group("E", "空")]
    result = table(tasks, TODAY, groups)
    b, a, empty, z = result.rows
    assert [r.label for r in result.rows] == ["乙", "甲", "空", "Z"]

    assert (a.total, a.green, a.yellow, a.red, a.closed, a.draft, a.cancelled, a.suspended) == (4, 0, 1, 1, 1, 1, 0, 0)
    assert a.closable == 3 and a.closure_rate == pytest.approx(1 / 3)
    assert (a.reports_due, a.reports_on_time, a.reports_late, a.days_late) == (6, 2, 4, 76)
    assert a.on_time_rate == pytest.approx(2 / 6) and a.average_days_late == pytest.approx(19.0)

    assert (b.total, b.green, b.cancelled, b.suspended, b.closed) == (3, 1, 1, 1, 0)
    assert b.closable == 2 and b.closure_rate == 0.0  # zero closed is 0 %, not "—"
    assert b.reports_due == 0 and b.on_time_rate is None and b.average_days_late is None

    assert empty == Row("E", "空")
    assert empty.closure_rate is None and empty.on_time_rate is None and empty.average_days_late is None

    assert z.total == 1 and z.closable == 0 and z.closure_rate is None  # only a cancelled task: nothing to divide by

    total = result.total
    assert (total.total, total.red, total.yellow, total.green, total.closed, total.cancelled, total.draft) == (
        8,
        1,
        1,
        1,
        1,
        2,
        1,
    )
    assert total.closure_rate == pytest.approx(1 / 5)
    assert (total.reports_due, total.reports_on_time, total.days_late) == (6, 2, 76)


def test_no_tasks_at_all():
    result = table([], TODAY)
    assert result.rows == [] and result.total.total == 0 and result.total.closure_rate is None


@pytest.mark.parametrize(
    ("value", "percent", "days"),
    [
        (None, "—", "—"),
        (0.0, "0.0%", "0.0"),
        (1 / 3, "33.3%", "0.3"),
        (1.0, "100.0%", "1.0"),
        (19.0, "1900.0%", "19.0"),
    ],
)
def test_figures_in_words(value, percent, days):
    assert percent_text(value) == percent and days_text(value) == days


@pytest.mark.parametrize(
    ("today", "year", "first", "last"),
    [
        (date(2025, 3, 10), None, "2024-04", "2025-03"),
        (date(2025, 12, 31), None, "2025-01", "2025-12"),
        (date(2025, 3, 10), 2024, "2024-01", "2024-12"),
        (date(2025, 3, 10), 2025, "2024-04", "2025-03"),  # this year: the last 12 months
        (date(2025, 3, 10), 2026, "2024-04", "2025-03"),
    ],
)
def test_trend_months(today, year, first, last):
    months = trend_months(today, year)
    assert len(months) == 12 and months[0] == first and months[-1] == last and months == sorted(months)


def test_trend_counts_closures_and_reports_by_month():
    tasks = [
        record(id=1, submitted=MIXED),
        record(id=2, status="closed", closed_on=date(2025, 3, 1), submitted={"2025-01": date(2025, 2, 5)}),
        record(id=3, status="closed", closed_on=date(2024, 5, 1), start=date(2024, 1, 1), due=date(2024, 4, 30)),
        record(id=4, status="in_progress", closed_on=None),  # nothing closed: reopened tasks have no close-out day
    ]
    months = trend(tasks, TODAY, trend_months(TODAY))
    by_month = {m.month: (m.closed, m.reports_due, m.reports_on_time) for m in months}
    assert next(iter(by_month)) == "2024-07" and "2024-05" not in by_month  # closed before the window: not shown
    # Task 4 has the same schedule as task 1 with nothing submitted: one more late report each month.
    assert by_month["2025-02"] == (0, 3, 2)  # tasks 1 and 2 on time for January, task 4 missing
    assert by_month["2025-03"] == (1, 2, 1)  # task 2 closed on 1 March, before February's report fell due
    assert by_month["2025-04"] == (0, 2, 0)
    assert by_month["2025-06"] == (0, 2, 0)  # 5 June's reports; July's not due yet
    assert by_month["2024-12"] == (0, 0, 0)
    assert months[-5].on_time_rate == pytest.approx(2 / 3) and months[0].on_time_rate is None


# ---- the page ------------------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """Pins "today" (`timezone.localdate()`, which services and pages call) to a day a test can move."""
    real = timezone.localdate

    class Clock:
        day = date(2025, 1, 1)

        def __call__(self, value=None, tz=None):
            return self.day if value is None else real(value, tz)

    pinned = Clock()
    monkeypatch.setattr(timezone, "localdate", pinned)
    return pinned


@pytest.fixture
def categories(db):
    return {
        "C1": save_category(SYSTEM, {"code": "C1", "name": "主体性", "sort_order": 1}),
        "C2": save_category(SYSTEM, {"code": "C2", "name": "惠民性", "sort_order": 2}),
    }


def make_task(
    clock, unit, title, start, due, *, cadence="monthly", category=None, actions=("assign", "acknowledge", "start")
):
    clock.day = start
    task = save_task(
        SYSTEM,
        {
            "year": 2025,
            "title": title,
            "lead_unit": unit,
            "start": start,
            "due": due,
            "cadence": cadence,
            "category": category,
        },
    )
    for action in actions:
        task = transition(SYSTEM, task, action, reason="测试" if action == "cancel" else "")
    return task


def submit(clock, people, task, period, on):
    clock.day = on
    report = save_report(people["unit_clerk"], task, period, {"progress": 10, "done": "推进中"})
    return report_step(people["unit_head"], report, "submit")


@pytest.fixture
def setup(clock, people, own_unit, other_unit, categories):
    """On 20 June 2025:
    A (市发改委, monthly, 主体性): January's report on time, February's 5 days late, March–May missing → red.
    B (市发改委, quarterly, 主体性): Q1 on time, closed on 15 May.
    C (市发改委): a draft.
    D (尧都区, monthly from May): May's report missing → red.
    E (尧都区): cancelled.
    """
    a = make_task(clock, own_unit, "A", date(2025, 1, 1), date(2025, 12, 31), category=categories["C1"])
    submit(clock, people, a, "2025-01", date(2025, 2, 3))
    submit(clock, people, a, "2025-02", date(2025, 3, 10))
    b = make_task(
        clock, own_unit, "B", date(2025, 1, 1), date(2025, 6, 30), cadence="quarterly", category=categories["C1"]
    )
    submit(clock, people, b, "2025-Q1", date(2025, 4, 1))
    clock.day = date(2025, 5, 10)
    b = transition(SYSTEM, b, "request_completion", reason="已完成")
    clock.day = date(2025, 5, 15)
    transition(SYSTEM, b, "close", rating=5)
    make_task(clock, own_unit, "C", date(2025, 1, 1), date(2025, 12, 31), actions=())
    make_task(clock, other_unit, "D", date(2025, 5, 1), date(2025, 12, 31))
    make_task(clock, other_unit, "E", date(2025, 1, 1), date(2025, 12, 31), actions=("cancel",))
    clock.day = date(2025, 6, 20)


def figures(row):
    return {
        "total": row.total,
        "colours": (row.red, row.yellow, row.green),
        "closed": row.closed,
        "draft": row.draft,
        "cancelled": row.cancelled,
        "closure": percent_text(row.closure_rate),
        "reports": (row.reports_due, row.reports_on_time, row.reports_late, row.days_late),
        "on_time": percent_text(row.on_time_rate),
        "late": days_text(row.average_days_late),
    }


# A: 5 due (Jan–May), 1 on time, 4 late by 5 + 76 + 46 + 15 = 142 days. B: Q1 on time. D: May's late by 15.
OWN = {
    "total": 3,
    "colours": (1, 0, 0),
    "closed": 1,
    "draft": 1,
    "cancelled": 0,
    "closure": "50.0%",
    "reports": (6, 2, 4, 142),
    "on_time": "33.3%",
    "late": "35.5",
}
OTHER = {
    "total": 2,
    "colours": (1, 0, 0),
    "closed": 0,
    "draft": 0,
    "cancelled": 1,
    "closure": "0.0%",
    "reports": (1, 0, 1, 15),
    "on_time": "0.0%",
    "late": "15.0",
}


def test_page_by_unit(setup, people, login):
    response = login(people["supervisor"]).get("/tasks/statistics/")
    assert response.status_code == 200
    stats = response.context["stats"]
    assert [r.key for r in stats.table.rows] == ["141002", "FGW"]  # in the units' order (sort order, code)
    assert [figures(r) for r in stats.table.rows] == [OTHER, OWN]
    assert figures(stats.table.total) == {
        "total": 5,
        "colours": (2, 0, 0),
        "closed": 1,
        "draft": 1,
        "cancelled": 1,
        "closure": "33.3%",
        "reports": (7, 2, 5, 157),
        "on_time": "28.6%",
        "late": "31.4",
    }
    html = response.content.decode()
    assert 'href="/tasks/?lead_unit=FGW"' in html and "35.5" in html and "33.3%" in html
    assert stats.years == [2025]
    trend = {m.month: (m.closed, m.reports_due, m.reports_on_time) for m in stats.trend}
    assert list(trend)[-1] == "2025-06" and len(trend) == 12
    assert trend["2025-02"] == (0, 1, 1)
    assert trend["2025-03"] == (0, 1, 0)
    assert trend["2025-04"] == (0, 2, 1)
    assert trend["2025-05"] == (1, 1, 0)
    assert trend["2025-06"] == (0, 2, 0)
    options = re.search(r'<script id="by_group" type="application/json">(.*?)</script>', html).group(1)
    assert json.loads(options)["series"][3]["data"] == [0, 1]  # closed per unit  # red per unit, as the chart gets it
    trend_options = json.loads(re.search(r'<script id="trend" type="application/json">(.*?)</script>', html).group(1))
    assert trend_options["series"][2]["data"][-3:] == [50.0, 0.0, 0.0] and trend_options["series"][2]["data"][0] is None
    assert "echarts.min.js" in html


def test_page_by_category_lists_empty_categories_and_the_uncategorised(setup, people, login):
    response = login(people["supervisor"]).get("/tasks/statistics/?by=category&year=2025")
    rows = response.context["stats"].table.rows
    assert [(r.key, r.total) for r in rows] == [(rows[0].key, 2), (rows[1].key, 0), ("", 3)]
    assert [r.label for r in rows[:2]] == ["主体性", "惠民性"]
    first, empty, _none = rows
    assert (first.closed, first.closure_rate, first.reports_due, first.reports_on_time) == (1, 0.5, 6, 2)
    assert empty.on_time_rate is None
    html = response.content.decode()
    category_id = rows[0].key
    assert f'href="/tasks/?category={category_id}&amp;year=2025"' in html
    cells = response.context["rows"][1]["cells"]  # the empty category: rates are "—", counts 0
    assert cells[0] == "0" and cells.count("—") == 3
    assert response.context["rows"][2]["link"] == ""  # no filter for "no category"


def test_year_filter_and_bad_parameters(setup, people, login):
    client = login(people["supervisor"])
    assert client.get("/tasks/statistics/?year=2024").context["stats"].table.total.total == 0
    odd = client.get("/tasks/statistics/?year=abc&by=nonsense")
    assert odd.status_code == 200 and odd.context["stats"].by == "unit" and odd.context["stats"].table.total.total == 5


def test_export_has_the_same_figures(setup, people, login):
    response = login(people["supervisor"]).get("/tasks/statistics/?format=xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].startswith('attachment; filename="task-')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    table_sheet, trend_sheet = book.worksheets
    rows = list(table_sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3  # two units and the totals
    own = rows[1]
    # group, tasks, green, yellow, red, closed, suspended, cancelled, draft, closure, due, on time, rate, late, avg
    assert own[:9] == ("市发改委", 3, 0, 0, 1, 1, 0, 0, 1)
    assert own[9] == pytest.approx(0.5) and own[10:12] == (6, 2)
    assert own[12] == pytest.approx(1 / 3) and own[13] == 4 and own[14] == pytest.approx(35.5)
    assert rows[2][1] == 5 and rows[2][10] == 7 and rows[2][14] == pytest.approx(31.4)
    trend = {r[0]: r[1:] for r in trend_sheet.iter_rows(min_row=2, values_only=True)}
    assert len(trend) == 12 and trend["2025-04"][:3] == (0, 2, 1) and trend["2025-04"][3] == pytest.approx(0.5)
    assert trend["2025-01"] == (0, 0, 0, "—")


@pytest.mark.parametrize(
    ("user", "expected_units", "expected"),
    [("unit_clerk", ["FGW"], OWN), ("other_unit_clerk", ["141002"], OTHER), ("other_unit_head", ["141002"], OTHER)],
)
def test_a_unit_sees_statistics_of_only_its_tasks(setup, people, login, user, expected_units, expected):
    response = login(people[user]).get("/tasks/statistics/")
    stats = response.context["stats"]
    assert [r.key for r in stats.table.rows] == expected_units
    assert figures(stats.table.total) == expected
    book = openpyxl.load_workbook(io.BytesIO(login(people[user]).get("/tasks/statistics/?format=xlsx").content))
    totals = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))[-1]
    assert totals[1] == expected["total"]


def test_partner_unit_sees_the_task_under_its_lead_unit(setup, people, login, own_unit):
    from bihuan.supervision.models import KeyTask

    d = KeyTask.objects.get(title="D")
    save_task(SYSTEM, {}, partner_units=[own_unit], task=d)
    stats = login(people["unit_clerk"]).get("/tasks/statistics/").context["stats"]
    assert [r.key for r in stats.table.rows] == ["141002", "FGW"] and stats.table.total.total == 4


def test_nav_marks_statistics_not_key_tasks(setup, people, login):
    nav = login(people["viewer"]).get("/tasks/statistics/").context["nav"]
    active = [item["url"] for item in nav if item["active"]]
    assert active == ["/tasks/statistics/"]
    assert 'id="statistics-link"' in login(people["viewer"]).get("/tasks/").content.decode()


@pytest.mark.parametrize("count", [5, 30])
def test_query_count_does_not_grow_with_tasks(
    clock, people, login, own_unit, other_unit, count, django_assert_max_num_queries
):
    clock.day = date(2025, 1, 1)
    for n in range(count):
        task = save_task(
            SYSTEM,
            {
                "year": 2025,
                "title": f"任务{n}",
                "lead_unit": own_unit if n % 2 else other_unit,
                "start": date(2025, 1, 1),
                "due": date(2025, 12, 31),
            },
        )
        transition(SYSTEM, task, "assign")
    clock.day = date(2025, 6, 20)
    client = login(people["supervisor"])
    for by in ("unit", "category"):
        with django_assert_max_num_queries(QUERY_BOUND):
            response = client.get(f"/tasks/statistics/?by={by}")
        assert response.context["stats"].table.total.total == count
    with django_assert_max_num_queries(QUERY_BOUND):
        assert client.get("/tasks/statistics/?format=xlsx").status_code == 200


# session, user, profile, unread count; years, tasks, reports, 2 for lights, 1 for their history; categories
QUERY_BOUND = 12
