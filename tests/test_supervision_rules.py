"""Pure rules of key tasks, tested without a database: report periods and the warning light."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bihuan.supervision.schedule import report_periods
from bihuan.supervision.warnings import (
    GREEN,
    NONE,
    RED,
    YELLOW,
    MilestoneFact,
    ReportFact,
    TaskFacts,
    Thresholds,
    elapsed_percent,
    warning_light,
)

D = date.fromisoformat


# ---- report periods ------------------------------------------------------------------------------


def test_monthly_reports_fall_due_in_the_following_month():
    periods = report_periods("monthly", 5, D("2025-01-15"), D("2025-04-10"))
    assert [(p.key, p.due) for p in periods] == [
        ("2025-01", D("2025-02-05")),
        ("2025-02", D("2025-03-05")),
        ("2025-03", D("2025-04-05")),
        ("2025-04", D("2025-05-05")),
    ]


def test_month_end_days_are_clamped():
    periods = report_periods("monthly", 31, D("2025-01-01"), D("2025-03-01"))
    assert [p.due for p in periods] == [D("2025-02-28"), D("2025-03-31"), D("2025-04-30")]


def test_quarterly_periods_and_year_change():
    periods = report_periods("quarterly", 10, D("2025-08-01"), D("2026-02-01"))
    assert [(p.key, p.due) for p in periods] == [
        ("2025-Q3", D("2025-10-10")),
        ("2025-Q4", D("2026-01-10")),
        ("2026-Q1", D("2026-04-10")),
    ]


def test_weekly_and_fortnightly_periods():
    weekly = report_periods("weekly", 5, D("2025-12-24"), D("2026-01-08"))  # Wednesday to Thursday
    assert [(p.key, p.due) for p in weekly] == [
        ("2025-W52", D("2025-12-26")),
        ("2026-W01", D("2026-01-02")),
        ("2026-W02", D("2026-01-09")),
    ]
    fortnightly = report_periods("fortnightly", 5, D("2025-12-24"), D("2026-01-08"))
    assert [(p.key, p.start, p.due) for p in fortnightly] == [
        ("2026-W01", D("2025-12-22"), D("2026-01-02")),  # the fortnight of the start, named by its second week
        ("2026-W03", D("2026-01-05"), D("2026-01-16")),  # 8 January falls in the second fortnight
    ]


def test_unknown_cadence_and_empty_ranges():
    with pytest.raises(ValueError, match="cadence"):
        report_periods("daily", 1, D("2025-01-01"), D("2025-02-01"))
    assert report_periods("monthly", 5, D("2025-03-01"), D("2025-02-01")) == []


@given(
    cadence=st.sampled_from(["weekly", "fortnightly", "monthly", "quarterly"]),
    day=st.integers(min_value=1, max_value=31),
    start=st.dates(min_value=D("2020-01-01"), max_value=D("2030-12-31")),
    length=st.integers(min_value=0, max_value=800),
)
def test_periods_tile_the_task_without_gaps(cadence, day, start, length):
    end = start + timedelta(days=length)
    periods = report_periods(cadence, day, start, end)
    assert periods and periods[0].start <= start and periods[-1].end >= end
    for before, after in itertools.pairwise(periods):
        assert after.start == before.end + timedelta(days=1)
        assert after.due > before.due
    assert all(p.due >= p.start for p in periods)
    assert len({p.key for p in periods}) == len(periods)


# ---- warning light -------------------------------------------------------------------------------

TODAY = D("2025-10-20")


def facts(**kwargs) -> TaskFacts:
    base = {"status": "in_progress", "start": D("2025-01-01"), "due": D("2025-12-31"), "progress": 80}
    return TaskFacts(**{**base, **kwargs})


@pytest.mark.parametrize(
    ("task", "level", "codes"),
    [
        (facts(), GREEN, []),
        (facts(due=D("2025-10-19")), RED, ["overdue"]),
        (facts(due=D("2025-10-27")), YELLOW, ["due_soon"]),
        (facts(due=D("2025-10-28")), GREEN, []),
        (facts(status="completion_requested", due=D("2025-10-01")), RED, ["overdue"]),
        (facts(status="closed", due=D("2025-10-01")), NONE, []),
        (facts(status="suspended", due=D("2025-10-01")), NONE, []),
        (facts(status="draft"), NONE, []),
        (facts(reports=[ReportFact("2025-09", D("2025-10-16"), None)]), RED, ["report_overdue"]),
        (facts(reports=[ReportFact("2025-09", D("2025-10-17"), None)]), YELLOW, ["report_late"]),
        (facts(reports=[ReportFact("2025-09", D("2025-10-17"), D("2025-10-18"))]), GREEN, []),
        (facts(reports=[ReportFact("2025-10", D("2025-10-23"), None)]), YELLOW, ["report_due_soon"]),
        (facts(reports=[ReportFact("2025-10", D("2025-10-24"), None)]), GREEN, []),
        (facts(milestones=[MilestoneFact("开工", D("2025-10-19"), None)]), YELLOW, ["milestone_late"]),
        (facts(milestones=[MilestoneFact("开工", D("2025-10-19"), D("2025-10-19"))]), GREEN, []),
        (facts(progress=59), YELLOW, ["behind"]),  # 80% of the time gone, progress 59
        (facts(progress=60), GREEN, []),
        (facts(start=None, progress=0), GREEN, []),
        (
            facts(due=D("2025-10-10"), progress=10, reports=[ReportFact("2025-08", D("2025-09-05"), None)]),
            RED,
            ["overdue", "report_overdue", "behind"],
        ),
    ],
)
def test_warning_light_table(task, level, codes):
    light = warning_light(task, TODAY)
    assert light.level == level
    assert [r.code for r in light.reasons] == codes


def test_thresholds_are_settings():
    task = facts(due=D("2025-11-05"))
    assert warning_light(task, TODAY).level == GREEN
    assert warning_light(task, TODAY, Thresholds(warning_days=20)).level == YELLOW


def test_elapsed_percent():
    assert elapsed_percent(D("2025-01-01"), D("2025-01-11"), D("2025-01-06")) == 50
    assert elapsed_percent(D("2025-01-01"), D("2025-01-11"), D("2024-12-01")) == 0
    assert elapsed_percent(D("2025-01-01"), D("2025-01-11"), D("2026-01-01")) == 100
    assert elapsed_percent(D("2025-01-11"), D("2025-01-11"), D("2025-01-11")) is None


open_states = st.sampled_from(["assigned", "acknowledged", "in_progress", "completion_requested"])
days = st.integers(min_value=-400, max_value=400)


@given(status=open_states, due_in=days, progress=st.integers(0, 100), report_due_in=days, submitted=st.booleans())
def test_light_properties(status, due_in, progress, report_due_in, submitted):
    report_due = TODAY + timedelta(days=report_due_in)
    task = facts(
        status=status,
        due=TODAY + timedelta(days=due_in),
        progress=progress,
        reports=[ReportFact("p", report_due, report_due if submitted else None)],
    )
    light = warning_light(task, TODAY)
    # red exactly when past due or a report is more than the grace days late
    assert (light.level == RED) == (due_in < 0 or (not submitted and -report_due_in > Thresholds().grace_days))
    # the level is the worst of the reasons, and green has none
    assert (light.level == GREEN) == (light.reasons == ())
    # a submitted report never raises the light
    submitted_task = facts(
        status=status, due=task.due, progress=progress, reports=[ReportFact("p", report_due, report_due)]
    )
    assert all(
        r.code not in ("report_overdue", "report_late", "report_due_soon")
        for r in warning_light(submitted_task, TODAY).reasons
    )


@given(progress=st.integers(0, 100), later=st.integers(0, 300))
def test_time_only_makes_a_late_task_worse(progress, later):
    """Moving today forward never turns a red open task back to yellow or green."""
    task = facts(due=TODAY - timedelta(days=1), progress=progress)
    assert warning_light(task, TODAY + timedelta(days=later)).level == RED
