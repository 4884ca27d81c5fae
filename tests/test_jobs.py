"""Jobs go through Django's tasks API; with the database backend a `bihuan worker --batch` runs them."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings

from bihuan.cli import main as cli_main
from bihuan.core.models import Delivery
from bihuan.core.notifications import notify

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db(transaction=True)
def test_database_queue_and_worker_deliver_email(make_user, own_unit):
    alice = make_user("alice", unit=own_unit, email="alice@example.gov.cn")
    with override_settings(TASKS=DB_QUEUE):
        notify([alice], "督办单", "请于本周五前反馈。")
        delivery = Delivery.objects.get()
        assert delivery.status == Delivery.Status.PENDING  # queued, not sent in the request
        assert mail.outbox == []
        with pytest.raises(SystemExit) as done:
            cli_main(["worker", "--batch", "--quiet"])
        assert done.value.code == 0
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert [m.subject for m in mail.outbox] == ["[bihuan] 督办单"]
