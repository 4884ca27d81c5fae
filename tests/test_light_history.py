"""The history of warning lights: each change of a task's kept light is recorded once, the lights kept before
the history existed become its first entries, and the assessment's red-warning demerits count every task that
was red on some day of the year up to the as-of day — not only the tasks red today."""

from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings

from bihuan.assessment import services
from bihuan.assessment.models import Adjustment, AutoRule, Method, SchemeState
from bihuan.core.roles import Role
from bihuan.supervision.models import KeyTask, LightChange
from bihuan.supervision.selectors import first_red_days, refresh_lights
from tests.assessment_data import task as results_task


def task(unit, number, start, due):
    """A quarterly task on schedule (progress 100%), so its light turns red only when it is overdue."""
    return results_task(unit, number, start, due, cadence="quarterly", progress=100)


def history(t):
    return [(c.day, c.previous, c.level) for c in LightChange.objects.filter(task=t)]


def test_each_change_of_a_kept_light_is_recorded_once(db, own_unit):
    t = task(own_unit, "2025-001", date(2025, 1, 1), date(2025, 3, 31))
    refresh_lights([t], date(2025, 2, 1))  # on track
    refresh_lights([t], date(2025, 4, 10))  # past its due date
    refresh_lights([t], date(2025, 4, 11))  # still red: nothing new
    refresh_lights([t], date(2025, 4, 11))  # asked twice the same day: nothing new
    KeyTask.objects.filter(pk=t.pk).update(status="closed", closed_on=date(2025, 4, 15))
    refresh_lights([KeyTask.objects.get(pk=t.pk)], date(2025, 4, 20))  # closed: no light
    assert history(t) == [
        (date(2025, 2, 1), "none", "green"),
        (date(2025, 4, 10), "green", "red"),
        (date(2025, 4, 20), "red", "none"),
    ]
    assert LightChange.objects.get(task=t, level="red").reasons[0]["code"] == "overdue"


def test_the_lights_kept_before_the_history_become_its_first_entries(db, own_unit):
    lit = task(own_unit, "2025-001", date(2025, 1, 1), date(2025, 3, 31))
    KeyTask.objects.filter(pk=lit.pk).update(light="red", light_on=date(2025, 5, 2), light_reasons=[{"code": "x"}])
    task(own_unit, "2025-002", date(2025, 1, 1), date(2025, 12, 31))  # never computed: nothing to carry over
    migration = importlib.import_module("bihuan.supervision.migrations.0005_light_history")
    migration.seed_history(apps, None)
    assert history(lit) == [(date(2025, 5, 2), "none", "red")]
    assert LightChange.objects.count() == 1


def test_first_red_days_in_a_range(db, own_unit):
    before, inside, later, never = (
        task(own_unit, f"2025-00{n}", date(2024, 6, 1), date(2025, 12, 31)) for n in range(4)
    )
    for t, day, previous, level in [
        (before, date(2024, 11, 3), "green", "red"),  # red since last year, still red on 1 January
        (inside, date(2025, 3, 9), "green", "red"),
        (inside, date(2025, 4, 1), "red", "green"),
        (inside, date(2025, 5, 9), "green", "red"),
        (later, date(2025, 8, 1), "green", "red"),  # after the range
        (never, date(2025, 2, 1), "green", "yellow"),
    ]:
        LightChange.objects.create(task=t, day=day, previous=previous, level=level)
    found = first_red_days([before.pk, inside.pk, later.pk, never.pk], date(2025, 1, 1), date(2025, 6, 30))
    assert found == {before.pk: date(2025, 1, 1), inside.pk: date(2025, 3, 9)}


@pytest.fixture
def red_scheme(people, own_unit, other_unit):
    assessor = people[Role.ASSESSOR]
    scheme = services.save_scheme(
        assessor,
        {"year": 2025, "name": "红色预警扣分", "as_of": date(2025, 6, 30), "demerit_per_red_task": Decimal(1)},
        [own_unit, other_unit],
    )
    services.save_item(assessor, scheme, {"name": "测评", "method": Method.MANUAL, "weight": Decimal(100)})
    services.save_band(assessor, scheme, {"name": "合格", "minimum": Decimal(0)})
    return services.move(assessor, scheme, SchemeState.OPEN)


def red_demerits(scheme):
    return {
        (a.task.number, a.withdrawn)
        for a in Adjustment.objects.filter(scheme=scheme, rule=AutoRule.RED_TASK).select_related("task")
    }


def test_a_task_red_in_march_and_green_since_still_costs_its_unit(people, red_scheme, own_unit, other_unit):
    """Previewed in December: the March warning counts; a warning after the as-of day does not; nor does a
    light computed for today when today lies after the as-of day."""
    march = task(own_unit, "2025-001", date(2025, 1, 1), date(2025, 12, 31))
    LightChange.objects.create(task=march, day=date(2025, 3, 9), previous="green", level="red")
    LightChange.objects.create(task=march, day=date(2025, 4, 2), previous="red", level="green")
    august = task(other_unit, "2025-002", date(2025, 1, 1), date(2025, 12, 31))
    LightChange.objects.create(task=august, day=date(2025, 8, 1), previous="green", level="red")
    overdue_now = task(other_unit, "2025-003", date(2025, 1, 1), date(2025, 7, 31))  # red in December, not by June
    assessor = people[Role.ASSESSOR]
    december = date(2025, 12, 10)
    assert services.refresh_automatic_demerits(assessor, red_scheme, december) == (1, 0)
    assert red_demerits(red_scheme) == {("2025-001", False)}
    demerit = Adjustment.objects.get(scheme=red_scheme, rule=AutoRule.RED_TASK)
    assert demerit.unit == own_unit and demerit.points == 1 and "2025-03-09" in demerit.reason
    assert services.refresh_automatic_demerits(assessor, red_scheme, december) == (0, 0)  # idempotent
    assert overdue_now.pk not in {a.task_id for a in Adjustment.objects.filter(scheme=red_scheme)}


def test_a_task_red_on_the_day_of_a_preview_within_the_year_counts(people, red_scheme, own_unit):
    """No history yet (a light computed for a day other than the real today is not kept): today's light counts
    when today lies between the year's start and the as-of day."""
    task(own_unit, "2025-001", date(2025, 1, 1), date(2025, 5, 31))
    assert services.refresh_automatic_demerits(people[Role.ASSESSOR], red_scheme, date(2025, 6, 20)) == (1, 0)
    assert red_demerits(red_scheme) == {("2025-001", False)}


def test_the_task_page_shows_when_its_light_changed(client, people, own_unit):
    t = task(own_unit, "2025-001", date(2025, 1, 1), date(2025, 3, 31))
    refresh_lights([t], date(2025, 2, 1))
    refresh_lights([t], date(2025, 4, 10))
    client.force_login(people[Role.SUPERVISOR])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/tasks/{t.pk}/").content.decode()
    history = page[page.index('id="light-history"') : page.index('id="timeline"')]
    assert history.index("2025-04-10") < history.index("2025-02-01")  # newest first
    assert 'data-level="red"' in history and "Red: 10 days past due" in history


def test_the_api_gives_a_visible_tasks_light_history(people, own_unit, login):
    t = task(own_unit, "2025-001", date(2025, 1, 1), date(2025, 3, 31))
    refresh_lights([t], date(2025, 2, 1))
    refresh_lights([t], date(2025, 4, 10))
    url = f"/api/v1/tasks/{t.pk}/light-history/"
    body = login(people[Role.UNIT_CLERK]).get(url).json()
    assert [(c["day"], c["previous"], c["level"]) for c in body] == [
        ("2025-04-10", "green", "red"),
        ("2025-02-01", "none", "green"),
    ]
    assert body[0]["reasons"][0]["code"] == "overdue" and body[0]["text"]
    assert login(people["other_" + Role.UNIT_CLERK]).get(url).status_code == 404  # another unit's task
