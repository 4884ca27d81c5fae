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


def _redis_available(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.mark.skipif(not _redis_available(REDIS_URL), reason="no Redis on 127.0.0.1:6379")
def test_redis_queue_and_worker_deliver_email(tmp_path):
    """With BIHUAN_REDIS_URL the same code queues on RQ, and `bihuan worker --batch` delivers."""
    import redis

    from tests.test_cli import run

    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {"BIHUAN_HOME": str(tmp_path), "BIHUAN_REDIS_URL": REDIS_URL}
    assert run("manage", "migrate", "-v0", env=env).returncode == 0
    script = (
        "from bihuan.core.roles import SYSTEM; from bihuan.org.services import save_user;"
        "from bihuan.core.notifications import notify;"
        "u = save_user(SYSTEM, {'username': 'alice', 'first_name': 'A', 'email': 'alice@example.gov.cn',"
        " 'is_active': True}, {});"
        "notify([u], 'RQ 投递');"
        "from bihuan.core.models import Delivery; print(Delivery.objects.get().status)"
    )
    queued = run("manage", "shell", "-c", script, env=env)
    assert queued.stdout.strip().splitlines()[-1] == "pending", queued.stderr
    worked = run("worker", "--batch", env=env)
    assert worked.returncode == 0, worked.stderr
    assert "alice@example.gov.cn" in worked.stdout  # the console e-mail backend prints the message
    status = run(
        "manage",
        "shell",
        "-c",
        "from bihuan.core.models import Delivery; print(Delivery.objects.get().status)",
        env=env,
    )
    assert status.stdout.strip().splitlines()[-1] == "sent"
