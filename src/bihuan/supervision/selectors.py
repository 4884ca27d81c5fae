"""Reads of key tasks that pages, API and exports share, and the warning lights computed in bulk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from bihuan.core.policy import policy
from bihuan.supervision.models import KeyTask, Milestone, ProgressReport, ReportStatus
from bihuan.supervision.schedule import report_periods
from bihuan.supervision.warnings import Light, MilestoneFact, ReportFact, TaskFacts, Thresholds, warning_light

SUBMITTED = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)


def tasks(user: Any) -> QuerySet[KeyTask]:
    return policy.visible(
        user,
        KeyTask.objects.select_related("lead_unit", "leader", "category").prefetch_related("partner_units"),
    )


def thresholds() -> Thresholds:
    """The deployment's warning thresholds (BIHUAN_WARNING_DAYS and friends)."""
    return Thresholds(**settings.BIHUAN["WARNING_THRESHOLDS"])


def lights(task_list: Iterable[KeyTask], today: date, limits: Thresholds | None = None) -> dict[int, Light]:
    """The warning light of each task, from its schedule, reports and milestones: two queries in all."""
    limits = limits or thresholds()
    task_list = list(task_list)
    ids = [t.pk for t in task_list]
    submitted: dict[int, dict[str, date]] = defaultdict(dict)
    for task_id, period, on in ProgressReport.objects.filter(task_id__in=ids, status__in=SUBMITTED).values_list(
        "task_id", "period", "submitted_on"
    ):
        submitted[task_id][period] = on
    milestones: dict[int, list[MilestoneFact]] = defaultdict(list)
    for milestone in Milestone.objects.filter(task_id__in=ids):
        milestones[milestone.task_id].append(MilestoneFact(milestone.title, milestone.due, milestone.done_on))
    horizon = today + timedelta(days=limits.report_soon_days)
    result = {}
    for task in task_list:
        start = task.start or task.created_at.date()
        periods = [p for p in report_periods(task.cadence, task.report_day, start, task.due) if p.due <= horizon]
        reports = [ReportFact(p.key, p.due, submitted[task.pk].get(p.key)) for p in periods]
        facts = TaskFacts(task.status, task.start, task.due, task.progress, reports, milestones[task.pk])
        result[task.pk] = warning_light(facts, today, limits)
    return result


def with_light(queryset: QuerySet[KeyTask], task_lights: dict[int, Light], level: str) -> QuerySet[KeyTask]:
    """The tasks of `queryset` whose light is `level` (lights depend on today, so they are not in the database)."""
    return queryset.filter(pk__in=[pk for pk, light in task_lights.items() if light.level == level])
