"""The demo's key tasks (`bihuan.demo.tasks`): the promised mix, a real and ordered audit chain, something
for every role's "My work", a statistics trend, nothing in the future, and no duplicates on a second load.

The demo is loaded once for the module (it takes a few seconds) with today pinned, inside a transaction that
is rolled back at the end; each test runs in a savepoint inside it."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from bihuan.core.audit import verify_chain
from bihuan.core.models import AuditEvent
from bihuan.core.roles import Role
from bihuan.demo.loader import demo_loaded, load_demo
from bihuan.demo.tasks import DEMO_NOTE, DEMO_TAG, load_demo_tasks
from bihuan.supervision import selectors
from bihuan.supervision.models import (
    ExtensionRequest,
    KeyTask,
    Milestone,
    ProgressReport,
    ReportStatus,
    RequestStatus,
    SupervisionNotice,
    TaskComment,
    TaskStatus,
)

TODAY = date(2026, 6, 18)
User = get_user_model()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo(today=TODAY)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def office(demo, db):
    return User.objects.get(username="duchashi")


def user(username: str):
    return User.objects.select_related("profile").get(username=username)


def test_about_sixty_tasks_in_every_state_marked_as_demo(office):
    tasks = list(KeyTask.objects.all())
    assert len(tasks) >= 55
    assert all(DEMO_TAG in t.tags.split(",") and DEMO_NOTE in t.description for t in tasks)
    assert {t.year for t in tasks} == {TODAY.year}
    statuses = Counter(t.status for t in tasks)
    for status in TaskStatus.values:
        assert statuses[status] >= 1, status
    assert statuses[TaskStatus.CLOSED] >= 5 and statuses[TaskStatus.IN_PROGRESS] >= 30
    assert {t.quality_rating for t in tasks if t.status == TaskStatus.CLOSED} <= {3, 4, 5}
    assert len({t.lead_unit_id for t in tasks}) >= 15 and len({t.category_id for t in tasks}) == 5
    assert len({t.leader_id for t in tasks}) >= 4
    assert {t.cadence for t in tasks} == {"weekly", "fortnightly", "monthly", "quarterly"}
    assert Counter(t.cadence for t in tasks).most_common(1)[0][0] == "monthly"
    assert {t.source for t in tasks} >= {"work_report", "party_meeting", "leader_instruction", "document"}
    parents = [t for t in tasks if t.children.exists()]
    assert len(parents) >= 2
    for parent in parents:
        children = list(parent.children.select_related("lead_unit"))
        assert 2 <= len(children) <= 4 and all(c.lead_unit.kind == "county" for c in children)
    assert Milestone.objects.filter(done_on__isnull=False).exists()


def test_red_yellow_and_green_lights_and_the_whole_loop(office):
    lights = selectors.lights(list(selectors.tasks(office)), TODAY)
    levels = Counter(light.level for light in lights.values())
    assert levels["red"] >= 3 and levels["yellow"] >= 3 and levels["green"] >= 10
    reasons = {r.code for light in lights.values() for r in light.reasons}
    assert {"overdue", "report_overdue", "behind", "due_soon", "milestone_late"} <= reasons
    reports = Counter(ProgressReport.objects.values_list("status", flat=True))
    assert reports[ReportStatus.ACCEPTED] > 200 and reports[ReportStatus.RETURNED] >= 1
    assert reports[ReportStatus.SUBMITTED] >= 1 and reports[ReportStatus.DRAFT] >= 1
    extensions = Counter(ExtensionRequest.objects.values_list("status", flat=True))
    assert all(extensions[s] >= 1 for s in RequestStatus.values)
    approved = ExtensionRequest.objects.filter(status=RequestStatus.APPROVED).select_related("task").first()
    assert approved.task.due == approved.new_due > approved.old_due
    notices = SupervisionNotice.objects.all()
    assert notices.filter(responded_on__isnull=False).exists()
    assert notices.filter(responded_on__isnull=True, respond_by__gte=TODAY).exists()
    assert notices.filter(responded_on__isnull=True, respond_by__lt=TODAY).exists()  # overdue, unanswered
    assert TaskComment.objects.filter(kind=TaskComment.Kind.INSTRUCTION).exists()
    assert TaskComment.objects.filter(kind=TaskComment.Kind.COMMENT).exists()


def test_each_step_was_taken_by_the_right_person(office):
    reports = ProgressReport.objects.select_related("drafted_by__profile", "submitted_by__profile")
    assert {r.drafted_by.profile.role for r in reports} <= {Role.UNIT_CLERK, Role.UNIT_HEAD}
    assert {r.submitted_by.profile.role for r in reports if r.submitted_by} == {Role.UNIT_HEAD}
    reviewed = reports.filter(status__in=(ReportStatus.ACCEPTED, ReportStatus.RETURNED))
    assert set(reviewed.values_list("reviewed_by__username", flat=True)) == {"duchashi"}
    for report in reports:
        assert report.task.lead_unit_id == report.drafted_by.profile.unit_id
    closed = KeyTask.objects.filter(status=TaskStatus.CLOSED).first()
    actions = [e.action for e in reversed(selectors.timeline(closed))]
    expected = ["keytask.created", "keytask.assign", "keytask.acknowledge", "keytask.start", "progressreport.drafted"]
    expected += ["progressreport.submit", "progressreport.accept", "keytask.request_completion", "keytask.close"]
    assert [a for a in actions if a in expected][:5] == expected[:5]
    assert actions[-1] == "keytask.close" and "attachment.added" in actions


def test_the_audit_chain_is_intact_in_time_order_and_nothing_is_in_the_future(office):
    assert verify_chain().ok
    times = list(AuditEvent.objects.order_by("seq").values_list("created_at", flat=True))
    assert times == sorted(times)
    assert times[-1] < timezone.make_aware(datetime.combine(TODAY, time(0, 0)))
    for model, name in [
        (KeyTask, "assigned_on"),
        (KeyTask, "closed_on"),
        (ProgressReport, "submitted_on"),
        (SupervisionNotice, "responded_on"),
        (Milestone, "done_on"),
    ]:
        assert not model.objects.filter(**{f"{name}__gte": TODAY}).exists(), name
    assert KeyTask.objects.exclude(status=TaskStatus.DRAFT).filter(assigned_on__isnull=True).count() == 0


def test_everyone_has_something_in_my_work(office):
    work = {name: selectors.my_work(user(name), TODAY) for name in ("fgw_clerk", "fgw_head", "lingdao", "duchashi")}
    for name, sections in work.items():
        assert any(section.items for section in sections), name
    counts = {name: {s.key: len(s.items) for s in sections} for name, sections in work.items()}
    assert all(counts["duchashi"][key] for key in ("review", "completion", "extensions", "red", "notices"))
    assert all(counts["fgw_clerk"][key] for key in ("reports_due", "to_acknowledge", "returned", "notices", "lights"))
    assert counts["fgw_head"]["drafts"] >= 1
    assert any(item.level == "red" for item in work["lingdao"][0].items)


def test_the_statistics_have_a_trend(office):
    figures = selectors.statistics(office, TODAY, year=TODAY.year)
    months = [m for m in figures.trend if m.reports_due]
    assert len(months) >= 3 and any(m.closed for m in figures.trend)
    assert any(m.reports_on_time < m.reports_due for m in months)  # some reports came late
    assert figures.table.total.total >= 55 and len(figures.table.rows) >= 15


def test_loading_again_adds_nothing(office):
    before = (KeyTask.objects.count(), AuditEvent.objects.count(), User.objects.count())
    assert demo_loaded()  # so `bihuan demo` does not call load_demo again
    assert load_demo_tasks(TODAY) == 0
    assert (KeyTask.objects.count(), AuditEvent.objects.count(), User.objects.count()) == before


def test_the_pages_show_the_demo(office, client):
    red = next(pk for pk, light in selectors.lights(list(KeyTask.objects.all()), TODAY).items() if light.level == "red")
    for username in ("duchashi", "fgw_clerk"):
        client.force_login(user(username))
        for url in ("/tasks/", "/my-work/", "/tasks/statistics/"):
            assert client.get(url).status_code == 200, (username, url)
    client.force_login(user("duchashi"))
    assert client.get(f"/tasks/{red}/").status_code == 200


def test_tasks_serve_the_demo_blueprint(office):
    from bihuan.blueprint.models import Goal

    root = Goal.objects.get(code="LF")
    assert root.children.count() == 5
    assert KeyTask.objects.filter(goals__isnull=True).count() == 0  # every task serves a goal
    assert KeyTask.objects.filter(goals__code="LF-03").exists()  # 蓝天碧水净土
