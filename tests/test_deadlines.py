"""Report deadlines on a weekend or public holiday move to the next working day (遇节假日顺延): the calendar,
the schedule, and what follows from it — the period a report is written for, the warning light, the
statistics' on-time count — with the deployment's calendar on, and on the calendar day when it is off."""

from __future__ import annotations

from datetime import date

import pytest

from bihuan.core.calendar import WorkCalendar, deadline_calendar
from bihuan.core.roles import SYSTEM
from bihuan.supervision import statistics
from bihuan.supervision.schedule import report_periods
from bihuan.supervision.services import report_step, save_report, save_task, transition

# 2026's National Day holiday as the State Council might publish it: 1–8 October off, Saturday 10 October worked
GOLDEN_WEEK = WorkCalendar(
    frozenset(date(2026, 10, d) for d in range(1, 9)),
    frozenset({date(2026, 10, 10)}),
)


@pytest.mark.parametrize(
    ("stated", "working"),
    [
        (date(2026, 11, 5), date(2026, 11, 5)),  # a Thursday stays
        (date(2026, 12, 5), date(2026, 12, 7)),  # a Saturday: the Monday after
        (date(2026, 10, 5), date(2026, 10, 9)),  # a Monday in the holiday: the first day back
        (date(2026, 10, 10), date(2026, 10, 10)),  # a Saturday worked instead (调休) stays
        (date(2026, 10, 11), date(2026, 10, 12)),  # the Sunday after it does not
    ],
)
def test_a_deadline_moves_to_the_next_working_day(stated, working):
    assert GOLDEN_WEEK.on_or_after(stated) == working


def test_a_calendar_without_working_days_keeps_the_day():
    never = WorkCalendar(frozenset(date.fromordinal(date(2026, 1, 1).toordinal() + n) for n in range(800)))
    assert never.on_or_after(date(2026, 3, 3)) == date(2026, 3, 3)


def test_the_schedule_moves_due_dates_and_keeps_the_periods():
    stated = report_periods("monthly", 5, date(2026, 8, 1), date(2026, 11, 30))
    moved = report_periods("monthly", 5, date(2026, 8, 1), date(2026, 11, 30), GOLDEN_WEEK)
    assert [p.key for p in moved] == [p.key for p in stated] == ["2026-08", "2026-09", "2026-10", "2026-11"]
    assert [p.due for p in stated] == [date(2026, 9, 5), date(2026, 10, 5), date(2026, 11, 5), date(2026, 12, 5)]
    assert [p.due for p in moved] == [date(2026, 9, 7), date(2026, 10, 9), date(2026, 11, 5), date(2026, 12, 7)]
    weekly = report_periods("weekly", 7, date(2026, 11, 2), date(2026, 11, 15), GOLDEN_WEEK)  # due on Sundays
    assert [p.due for p in weekly] == [date(2026, 11, 9), date(2026, 11, 16)]


@pytest.fixture
def golden_week(settings):
    """The deployment moves deadlines to working days and lists the National Day holiday."""
    settings.BIHUAN = {
        **settings.BIHUAN,
        "DEADLINES_ON_WORKING_DAYS": True,
        "HOLIDAYS": GOLDEN_WEEK.holidays,
        "WORKDAYS": GOLDEN_WEEK.workdays,
    }


def test_the_deployment_decides(golden_week, settings):
    assert deadline_calendar() == GOLDEN_WEEK
    settings.BIHUAN = {**settings.BIHUAN, "DEADLINES_ON_WORKING_DAYS": False}
    assert deadline_calendar() is None


@pytest.fixture
def task(people, own_unit):
    """Monthly reports due on the 5th: September's falls in the National Day holiday."""
    from bihuan.supervision.models import KeyTask

    task = save_task(
        SYSTEM,
        {
            "year": 2026,
            "title": "推进数字政府建设",
            "lead_unit": own_unit,
            "start": date(2026, 8, 1),
            "due": date(2026, 12, 31),
            "cadence": "monthly",
            "report_day": 5,
            "progress": 50,
        },
    )
    for action in ("assign", "acknowledge", "start"):
        task = transition(SYSTEM, task, action)
    KeyTask.objects.filter(pk=task.pk).update(assigned_on=date(2026, 8, 1), progress=50)
    task.refresh_from_db()
    report_step(SYSTEM, save_report(SYSTEM, task, "2026-08", {"progress": 30}), "submit")
    return task


def test_a_report_due_in_the_holiday_is_not_late_before_the_first_day_back(golden_week, task):
    from bihuan.supervision.models import ProgressReport
    from bihuan.supervision.selectors import lights

    codes = {r.code: r.params for r in lights([task], date(2026, 10, 8))[task.pk].reasons}
    assert codes["report_due_soon"] == {"period": "2026-09", "days": 1}  # due on the 9th, the first day back
    assert "report_late" not in codes and "report_overdue" not in codes
    late = {r.code: r.params for r in lights([task], date(2026, 10, 12))[task.pk].reasons}
    assert late["report_late"] == {"period": "2026-09", "days": 3}
    report = save_report(SYSTEM, task, "2026-09", {"progress": 40})
    assert ProgressReport.objects.get(pk=report.pk).due == date(2026, 10, 9)


def test_without_the_working_calendar_the_holiday_counts(settings, task):
    from bihuan.supervision.selectors import lights

    settings.BIHUAN = {**settings.BIHUAN, "HOLIDAYS": GOLDEN_WEEK.holidays, "WORKDAYS": GOLDEN_WEEK.workdays}
    codes = {r.code: r.params for r in lights([task], date(2026, 10, 8))[task.pk].reasons}
    assert codes["report_late"] == {"period": "2026-09", "days": 3}


def test_statistics_count_a_report_on_the_first_day_back_as_on_time():
    record = statistics.TaskRecord(
        id=1,
        group="FGW",
        status="in_progress",
        light="green",
        start=date(2026, 9, 1),
        due=date(2026, 12, 31),
        cadence="monthly",
        report_day=5,
        closed_on=None,
        submitted={"2026-09": date(2026, 10, 9)},
    )
    today = date(2026, 10, 20)
    [calendar_day] = statistics.report_outcomes(record, today)
    assert (calendar_day.on_time, calendar_day.days_late) == (False, 4)
    [working_day] = statistics.report_outcomes(record, today, GOLDEN_WEEK)
    assert (working_day.due, working_day.on_time, working_day.days_late) == (date(2026, 10, 9), True, 0)
    table = statistics.table([record], today, deadlines=GOLDEN_WEEK)
    assert (table.total.reports_due, table.total.reports_on_time) == (1, 1)
