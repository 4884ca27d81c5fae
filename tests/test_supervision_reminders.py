"""Reminders, late warnings, escalations and the daily digest sent by `bihuan tick`: each once per
(task, reason, period), however often tick runs, checked over a simulated month."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from bihuan.core.models import Notification
from bihuan.core.roles import SYSTEM
from bihuan.core.ticks import run_tick
from bihuan.org.models import Profile
from bihuan.supervision.models import KeyTask, ReminderSent
from bihuan.supervision.reminders import (
    REPORT_DUE_SOON,
    REPORT_ESCALATED,
    REPORT_LATE,
    TASK_DUE_SOON,
    TASK_ESCALATED,
    TASK_OVERDUE,
    ReportDue,
    due_reminders,
    send_reminders,
)
from bihuan.supervision.services import report_step, save_report, save_task, transition

D = date


@pytest.mark.parametrize(
    "today, submitted, expected",
    [
        (D(2025, 6, 1), False, []),  # 4 days before the report: nothing yet
        (D(2025, 6, 2), False, [(REPORT_DUE_SOON, 3)]),
        (D(2025, 6, 5), False, [(REPORT_DUE_SOON, 0)]),  # due today
        (D(2025, 6, 6), False, [(REPORT_LATE, 1)]),
        (D(2025, 6, 12), False, [(REPORT_LATE, 7), (REPORT_ESCALATED, 7)]),
        (D(2025, 6, 12), True, []),  # submitted: nothing to say
        (D(2025, 7, 20), False, []),  # 45 days late: past the look-back, it stays red on the pages
    ],
)
def test_report_reminders(today, submitted, expected):
    reports = [ReportDue("2025-05", D(2025, 6, 5), submitted)]
    found = due_reminders(1, D(2025, 12, 31), reports, today, before=3, escalate_after=7)
    assert [(r.reason, r.days) for r in found] == expected


@pytest.mark.parametrize(
    "today, expected",
    [
        (D(2025, 12, 27), []),
        (D(2025, 12, 28), [TASK_DUE_SOON]),
        (D(2026, 1, 1), [TASK_OVERDUE]),
        (D(2026, 1, 7), [TASK_OVERDUE, TASK_ESCALATED]),
        (D(2026, 6, 1), [TASK_OVERDUE, TASK_ESCALATED]),  # still late: the period key "task" keeps it to once
    ],
)
def test_task_reminders(today, expected):
    assert [r.reason for r in due_reminders(1, D(2025, 12, 31), [], today, 3, 7)] == expected


@pytest.fixture
def month_of_tasks(people, own_unit, other_unit):
    """Three open tasks and a closed one, as of 1 May 2025."""

    def make(title, unit, due, cadence="monthly", leader=people["leader"]):
        task = save_task(
            SYSTEM,
            {
                "year": 2025,
                "title": title,
                "lead_unit": unit,
                "leader": leader,
                "start": D(2025, 1, 1),
                "due": due,
                "cadence": cadence,
                "report_day": 5,
            },
        )
        for action in ("assign", "acknowledge"):
            task = transition(SYSTEM, task, action)
        KeyTask.objects.filter(pk=task.pk).update(assigned_on=D(2025, 1, 2))
        task.refresh_from_db()
        return task

    return {
        "monthly": make("月报任务", own_unit, D(2025, 12, 31)),
        "ending": make("五月底到期", own_unit, D(2025, 5, 20)),
        "weekly": make("周报任务", other_unit, D(2025, 12, 31), cadence="weekly", leader=None),
        "closed": transition(
            SYSTEM,
            transition(SYSTEM, make("已办结", own_unit, D(2025, 5, 10)), "request_completion", reason="完成"),
            "close",
            rating=5,
        ),
    }


def test_a_simulated_month_sends_each_reminder_once(month_of_tasks, people, settings):
    settings.BIHUAN = {**settings.BIHUAN, "REMIND_DAYS_BEFORE": 3, "ESCALATE_AFTER_DAYS": 7}
    tasks = month_of_tasks
    # The April report of the monthly task (due 5 May) arrives on 3 May; May's (due 5 June) never does.
    report_step(SYSTEM, save_report(SYSTEM, tasks["monthly"], "2025-04", {"progress": 30}), "submit")
    ReminderSent.objects.all().delete()
    day = D(2025, 5, 1)
    while day <= D(2025, 6, 14):
        run_tick(day)
        run_tick(day)  # cron may call tick often; daily jobs run once a day
        assert send_reminders(day) == {"reminders": 0, "messages": 0}  # and the job itself repeats nothing
        day += timedelta(days=1)

    sent = Counter((r.task_id, r.reason) for r in ReminderSent.objects.all())
    assert all(n == 1 for (task_id, reason), n in sent.items() if reason.startswith("task_"))
    monthly, ending, weekly = tasks["monthly"].pk, tasks["ending"].pk, tasks["weekly"].pk
    # monthly task: April's report was submitted in time, May's was announced, then late, then escalated
    periods = set(
        ReminderSent.objects.filter(task_id=monthly).values_list("reason", "period", "day"),
    )
    assert (REPORT_DUE_SOON, "2025-05", D(2025, 6, 2)) in periods
    assert (REPORT_LATE, "2025-05", D(2025, 6, 6)) in periods
    assert (REPORT_ESCALATED, "2025-05", D(2025, 6, 12)) in periods
    assert not any(period == "2025-04" for _r, period, _d in periods)
    # the ending task: due soon on 17 May, overdue on 21 May, escalated to the leader on 27 May
    ending_sent = dict(ReminderSent.objects.filter(task_id=ending, period="task").values_list("reason", "day"))
    assert ending_sent == {TASK_DUE_SOON: D(2025, 5, 17), TASK_OVERDUE: D(2025, 5, 21), TASK_ESCALATED: D(2025, 5, 27)}
    # the weekly task reports every week: one late warning per missed week, none twice
    weekly_late = ReminderSent.objects.filter(task_id=weekly, reason=REPORT_LATE)
    assert weekly_late.count() == len(set(weekly_late.values_list("period", flat=True))) >= 5
    assert not ReminderSent.objects.filter(task_id=tasks["closed"].pk).exists()
    # escalations reach the responsible leader; a task without one escalates to nobody
    leader_notes = Notification.objects.filter(recipient=people["leader"], kind="reminder")
    assert "五月底到期" in " ".join(leader_notes.values_list("body", flat=True))
    assert not Notification.objects.filter(recipient=people["other_leader"]).exists()
    # the other unit hears about its weekly task only; the own unit never hears about the other's
    other_bodies = " ".join(
        Notification.objects.filter(recipient=people["other_unit_clerk"]).values_list("body", flat=True)
    )
    own_bodies = " ".join(Notification.objects.filter(recipient=people["unit_clerk"]).values_list("body", flat=True))
    assert "周报任务" in other_bodies and "月报任务" not in other_bodies
    assert "周报任务" not in own_bodies and "月报任务" in own_bodies


def test_daily_digest_for_those_who_ask(month_of_tasks, people):
    Profile.objects.filter(user=people["unit_head"]).update(daily_digest=True)
    run_tick(D(2025, 6, 10))
    digests = Notification.objects.filter(kind="digest")
    assert [n.recipient for n in digests] == [people["unit_head"]]
    run_tick(D(2025, 6, 10))
    assert Notification.objects.filter(kind="digest").count() == 1  # once a day


def test_after_the_days_tick_lists_trust_the_kept_lights(people, own_unit, django_assert_max_num_queries):
    from django.utils import timezone

    from bihuan.supervision.selectors import listed_tasks

    today = timezone.localdate()
    task = save_task(SYSTEM, {"year": today.year, "title": "逾期", "lead_unit": own_unit, "due": today})
    transition(SYSTEM, task, "assign")
    # as if the light had been kept yesterday and the task had fallen due since
    KeyTask.objects.filter(pk=task.pk).update(due=today - timedelta(days=2), light_on=today - timedelta(days=1))
    run_tick(today)  # brings every light to the new day: the task turns red
    _queryset, counts = listed_tasks(people["supervisor"], {}, today)
    assert counts.get("red") == 1
    with django_assert_max_num_queries(1):  # one look at the tick's record, no scan for stale lights
        from bihuan.supervision.selectors import ensure_fresh

        ensure_fresh(KeyTask.objects.all(), today)
