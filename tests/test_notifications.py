"""Inbox, e-mail and signed webhooks, delivered by background jobs, with retries visible to admins."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from bihuan.core.models import Delivery, Notification, WebhookEndpoint
from bihuan.core.notifications import attempt_delivery, notify, retry_due_deliveries, sign
from bihuan.core.ticks import run_tick


class Receiver:
    """A webhook receiver on 127.0.0.1 that answers with the given statuses in turn."""

    def __init__(self, statuses: list[int]):
        self.statuses = list(statuses)
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver():
    created: list[Receiver] = []

    def make(statuses: list[int]) -> Receiver:
        created.append(Receiver(statuses))
        return created[-1]

    yield make
    for r in created:
        r.close()


def test_notify_fills_inbox_and_sends_email(make_user, own_unit, django_capture_on_commit_callbacks):
    alice = make_user("alice", unit=own_unit, email="alice@example.gov.cn")
    quiet = make_user("quiet", unit=own_unit, email="quiet@example.gov.cn", email_notifications=False)
    with django_capture_on_commit_callbacks(execute=True):
        notify([alice, quiet], "任务即将到期", "请在3日内报送进展。", url="/inbox/")
    assert Notification.objects.filter(recipient=alice, title="任务即将到期").exists()
    assert Notification.objects.filter(recipient=quiet).exists()
    assert [m.to for m in mail.outbox] == [["alice@example.gov.cn"]]
    assert "http://testserver/inbox/" in mail.outbox[0].body
    assert Delivery.objects.get(target="alice@example.gov.cn").status == Delivery.Status.SENT


def test_webhook_is_signed_and_verifiable(make_user, own_unit, receiver, django_capture_on_commit_callbacks):
    hook = receiver([200])
    WebhookEndpoint.objects.create(name="政务微信", url=hook.url, secret="s3cret")
    alice = make_user("alice", unit=own_unit)
    with django_capture_on_commit_callbacks(execute=True):
        notify([alice], "红灯预警", "任务已逾期", kind="warning")
    ((headers, body),) = hook.requests
    expected = sign("s3cret", headers["X-Bihuan-Timestamp"], body)
    assert hmac.compare_digest(headers["X-Bihuan-Signature"], expected)
    manual = (
        "sha256="
        + hmac.new(b"s3cret", headers["X-Bihuan-Timestamp"].encode() + b"." + body, hashlib.sha256).hexdigest()
    )
    assert expected == manual
    payload = json.loads(body)
    assert payload["event"] == "warning" and payload["title"] == "红灯预警" and payload["recipients"] == ["alice"]


def test_failed_webhook_retries_with_backoff_then_fails_visibly(
    make_user, own_unit, receiver, settings, django_capture_on_commit_callbacks, people, login
):
    settings.BIHUAN = {**settings.BIHUAN, "DELIVERY_MAX_ATTEMPTS": 3, "DELIVERY_RETRY_BASE_SECONDS": 60}
    hook = receiver([500, 503, 500])
    WebhookEndpoint.objects.create(name="down", url=hook.url, secret="x")
    with django_capture_on_commit_callbacks(execute=True):
        notify([people["viewer"]], "测试")
    delivery = Delivery.objects.get(channel=Delivery.Channel.WEBHOOK)
    assert delivery.status == Delivery.Status.RETRYING and delivery.attempts == 1
    assert "HTTP 500" in delivery.last_error
    first_wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=50) < first_wait <= timedelta(seconds=60)

    assert retry_due_deliveries() == 0  # not due yet
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())  # time passes
    assert retry_due_deliveries() == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.RETRYING and delivery.attempts == 2
    assert delivery.next_attempt_at - timezone.now() > timedelta(seconds=100)  # doubled

    assert attempt_delivery(delivery.pk) == "not due"  # a second caller before the due time sends nothing
    assert len(hook.requests) == 2
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 3
    assert len(hook.requests) == 3

    page = login(people["admin"]).get("/deliveries/")
    assert b"HTTP 500" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = login(people["admin"]).post(f"/deliveries/{delivery.pk}/retry/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT  # the receiver answers 200 again
    assert login(people["supervisor"]).post(f"/deliveries/{delivery.pk}/retry/").status_code == 404


def test_unreachable_webhook_records_the_error(make_user, people, django_capture_on_commit_callbacks):
    WebhookEndpoint.objects.create(name="nowhere", url="http://127.0.0.1:9/hook", secret="x")
    with django_capture_on_commit_callbacks(execute=True):
        notify([people["viewer"]], "测试")
    delivery = Delivery.objects.get(channel=Delivery.Channel.WEBHOOK)
    assert delivery.status == Delivery.Status.RETRYING and delivery.last_error


def test_tick_is_idempotent_per_day(db):
    first = run_tick(timezone.localdate())
    second = run_tick(timezone.localdate())
    assert first["jobs.prune_results"] != "already done today"
    assert second["jobs.prune_results"] == "already done today"
    tomorrow = run_tick(timezone.localdate() + timedelta(days=1))
    assert tomorrow["jobs.prune_results"] != "already done today"


def test_tick_prunes_stale_uploads(people):
    from bihuan.core.models import Upload

    old = Upload.objects.create(token="a" * 32, filename="old.csv", content=b"x", created_by=people["admin"])
    fresh = Upload.objects.create(token="b" * 32, filename="new.csv", content=b"x", created_by=people["admin"])
    Upload.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    outcome = run_tick(timezone.localdate())
    assert outcome["uploads.prune"] == "1 stale uploads removed"
    assert list(Upload.objects.all()) == [fresh]


def test_inbox_page_read_and_unread_count(people, login, django_capture_on_commit_callbacks):
    viewer = people["viewer"]
    with django_capture_on_commit_callbacks(execute=True):
        notes = notify([viewer, people["admin"]], "请签收任务")
    mine = next(n for n in notes if n.recipient_id == viewer.pk)
    theirs = next(n for n in notes if n.recipient_id != viewer.pk)
    client = login(viewer)
    page = client.get("/inbox/")
    assert "请签收任务".encode() in page.content and b'data-testid="unread-count">1<' in page.content
    assert client.post(f"/inbox/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    response = client.post(f"/inbox/{mine.pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert b"unread-count" not in client.get("/inbox/count/").content
    api = client.get("/api/v1/notifications/")
    assert [n["id"] for n in api.json()["results"]] == [mine.pk]


def test_a_delivery_being_sent_is_not_sent_again(people, monkeypatch, django_capture_on_commit_callbacks):
    """While one worker sends, a second caller (a duplicate job, or tick) finds the delivery leased."""
    from bihuan.core import notifications

    WebhookEndpoint.objects.create(name="hook", url="http://127.0.0.1:9/hook", secret="x")
    with django_capture_on_commit_callbacks(execute=False):
        notify([people["viewer"]], "测试")
    delivery = Delivery.objects.get(channel=Delivery.Channel.WEBHOOK)
    inner: list[str] = []
    monkeypatch.setattr(notifications, "_send_webhook", lambda d: inner.append(attempt_delivery(d.pk)))
    assert attempt_delivery(delivery.pk) == Delivery.Status.SENT
    assert inner == ["not due"]
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.next_attempt_at is None


def test_tick_resumes_an_attempt_whose_worker_died(people, django_capture_on_commit_callbacks):
    """A worker that died mid-send left a lease and no outcome; once the lease runs out, tick sends it."""
    WebhookEndpoint.objects.create(name="hook", url="http://127.0.0.1:9/hook", secret="x")
    with django_capture_on_commit_callbacks(execute=False):  # queued; the worker "dies" before finishing
        notify([people["viewer"]], "测试")  # the viewer has no e-mail address: one webhook delivery
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(attempts=1, next_attempt_at=timezone.now() + timedelta(seconds=90))
    assert retry_due_deliveries() == 0  # the lease still runs
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert retry_due_deliveries() == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.status == Delivery.Status.RETRYING  # tried again (port 9 refuses)
