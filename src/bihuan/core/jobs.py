"""Background jobs of the core app, run by `bihuan worker` through Django's tasks API."""

from __future__ import annotations

from django_tasks import task

from bihuan.core.notifications import attempt_delivery


@task()
def deliver(delivery_id: int) -> str:
    return attempt_delivery(delivery_id)
