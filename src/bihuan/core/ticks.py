"""Periodic jobs run by `bihuan tick`. Each app registers its jobs here; a daily job runs at most once
per day however often `tick` is called, so cron can call it every few minutes without harm."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from bihuan.core.models import TickRun


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[date], Any]
    daily: bool  # True: once per day; False: every tick (the job itself is idempotent)


JOBS: list[Job] = []


def register(name: str, daily: bool = True) -> Callable[[Callable[[date], Any]], Callable[[date], Any]]:
    def decorator(func: Callable[[date], Any]) -> Callable[[date], Any]:
        JOBS.append(Job(name, func, daily))
        return func

    return decorator


def run_tick(today: date | None = None) -> dict[str, str]:
    today = today or timezone.localdate()
    outcome: dict[str, str] = {}
    for job in JOBS:
        if job.daily and TickRun.objects.filter(job=job.name, day=today).exists():
            outcome[job.name] = "already done today"
            continue
        result = job.run(today)
        if job.daily:
            try:
                with transaction.atomic():
                    TickRun.objects.create(job=job.name, day=today, summary={"result": str(result)})
            except IntegrityError:  # another tick finished the same job meanwhile
                pass
        outcome[job.name] = str(result)
    return outcome


@register("deliveries.retry_due", daily=False)
def _retry_due(today: date) -> str:
    from bihuan.core.notifications import retry_due_deliveries

    return f"{retry_due_deliveries()} retries queued"


@register("jobs.prune_results")
def _prune_task_results(today: date) -> str:
    """Finished background job records older than 30 days are removed; deliveries keep their own state."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(days=30)
    deleted, _ = DBTaskResult.objects.filter(finished_at__lt=cutoff).delete()
    return f"{deleted} old job records removed"


@register("uploads.prune")
def _prune_uploads(today: date) -> str:
    """Files kept between an import's preview and its apply are removed after a day."""
    from bihuan.core.models import Upload

    deleted, _ = Upload.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).delete()
    return f"{deleted} stale uploads removed"
