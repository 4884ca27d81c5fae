"""Notifications: the in-app inbox, and e-mail and webhook deliveries sent by background jobs."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.utils import timezone

from bihuan.core import audit
from bihuan.core.files import stored_file_path
from bihuan.core.models import Delivery, Notification, WebhookEndpoint
from bihuan.core.policy import policy


def absolute_url(path: str) -> str:
    base = getattr(settings, "BIHUAN_BASE_URL", "") or ""
    return f"{base.rstrip('/')}{path}" if path.startswith("/") and base else path


def notify(
    recipients: Iterable[Any],
    title: str,
    body: str = "",
    url: str = "",
    kind: str = "message",
    *,
    attachments: Sequence[dict[str, str]] = (),
    email: bool = True,
) -> list[Notification]:
    """Put a notification in each recipient's inbox and queue its e-mails and webhook calls.

    `attachments` ({"filename", "content_type", "sha256"} of files kept under FILES_ROOT) go with the
    e-mails; `email=False` sends none (the inbox and webhooks only)."""
    recipients = [user for user in recipients if user.is_active]
    with transaction.atomic():
        notes = Notification.objects.bulk_create(
            [Notification(recipient=u, kind=kind, title=title[:255], body=body, url=url) for u in recipients]
        )
        deliveries = []
        for user, note in zip(recipients, notes, strict=True):
            profile = getattr(user, "profile", None)
            if email and user.email and (profile is None or profile.email_notifications):
                deliveries.append(
                    Delivery(
                        notification=note,
                        channel=Delivery.Channel.EMAIL,
                        target=user.email,
                        attachments=[dict(a) for a in attachments],
                    )
                )
        endpoints = list(WebhookEndpoint.objects.filter(active=True))
        for endpoint in endpoints:
            payload = {
                "event": kind,
                "title": title,
                "body": body,
                "url": absolute_url(url),
                "recipients": [u.get_username() for u in recipients],
                "sent_at": timezone.now().isoformat(),
            }
            deliveries.append(
                Delivery(channel=Delivery.Channel.WEBHOOK, target=endpoint.url, webhook=endpoint, payload=payload)
            )
        created = Delivery.objects.bulk_create(deliveries)
        ids = [d.pk for d in created]
        transaction.on_commit(lambda: _enqueue_all(ids))
    return notes


def _enqueue_all(ids: list[int]) -> None:
    from bihuan.core.jobs import deliver

    for delivery_id in ids:
        deliver.enqueue(delivery_id)


def mark_read(actor: Any, notification: Notification) -> None:
    policy.require(actor, "mark_read", notification)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def mark_all_read(actor: Any) -> int:
    return policy.visible(actor, Notification.objects.filter(read_at__isnull=True)).update(read_at=timezone.now())


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 of "timestamp.body" with the endpoint's shared secret, as the receiver checks it."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _send_webhook(delivery: Delivery) -> None:
    endpoint = delivery.webhook
    if endpoint is None:
        raise RuntimeError("the webhook endpoint was removed")
    body = json.dumps(delivery.payload, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "bihuan-webhook/1",
            "X-Bihuan-Delivery": str(delivery.pk),
            "X-Bihuan-Timestamp": timestamp,
            "X-Bihuan-Signature": sign(endpoint.secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.BIHUAN["WEBHOOK_TIMEOUT"]) as response:
            if not 200 <= response.status < 300:
                raise RuntimeError(f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise RuntimeError(str(getattr(exc, "reason", exc))) from exc


def _send_email(delivery: Delivery) -> None:
    note = delivery.notification
    if note is None:
        raise RuntimeError("the notification was removed")
    text = note.body
    if note.url:
        text = f"{text}\n\n{absolute_url(note.url)}".strip()
    if not delivery.attachments:
        send_mail(f"[bihuan] {note.title}", text, None, [delivery.target])
        return
    message = EmailMessage(f"[bihuan] {note.title}", text, None, [delivery.target])
    for item in delivery.attachments:
        path = stored_file_path(item["sha256"])
        if not path.is_file():  # retried later; an administrator sees why on the deliveries page
            raise RuntimeError(f"the attached file {item['filename']} is missing from {path.parent}")
        message.attach(item["filename"], path.read_bytes(), item.get("content_type") or None)
    message.send()


def attempt_delivery(delivery_id: int) -> str:
    """Try one delivery now; on failure schedule a retry with exponential back-off, then give up.

    The network call happens outside any transaction so a slow receiver never holds a database lock.
    """
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("notification", "webhook")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "missing"
        if delivery.status in (Delivery.Status.SENT, Delivery.Status.FAILED):
            return delivery.status
        now = timezone.now()
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            return "not due"  # not yet, or another worker holds the lease and is sending it right now
        # Take a lease: whoever asks while this attempt is under way finds it "not due".
        lease = settings.BIHUAN["WEBHOOK_TIMEOUT"] + settings.EMAIL_TIMEOUT + 60
        delivery.attempts += 1
        delivery.next_attempt_at = now + timedelta(seconds=lease)
        delivery.save(update_fields=["attempts", "next_attempt_at", "updated_at"])
    try:
        (_send_email if delivery.channel == Delivery.Channel.EMAIL else _send_webhook)(delivery)
    except Exception as exc:  # any failure of the channel is recorded, never lost
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts >= settings.BIHUAN["DELIVERY_MAX_ATTEMPTS"]:
            delivery.status, delivery.next_attempt_at = Delivery.Status.FAILED, None
        else:
            delay = settings.BIHUAN["DELIVERY_RETRY_BASE_SECONDS"] * 2 ** (delivery.attempts - 1)
            delivery.status = Delivery.Status.RETRYING
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    else:
        delivery.status, delivery.sent_at, delivery.next_attempt_at = Delivery.Status.SENT, timezone.now(), None
        delivery.last_error = ""
    delivery.save(update_fields=["status", "sent_at", "next_attempt_at", "last_error", "updated_at"])
    if delivery.status == Delivery.Status.RETRYING:
        _schedule_retry(delivery_id, delivery.next_attempt_at)
    return delivery.status


def _schedule_retry(delivery_id: int, when: Any) -> None:
    from bihuan.core.jobs import deliver

    if deliver.get_backend().supports_defer:
        deliver.using(run_after=when).enqueue(delivery_id)
    # Without deferral (the immediate backend) `bihuan tick` picks the retry up when it is due.


def retry_due_deliveries() -> int:
    """Queue every retry whose time has come, and every attempt whose lease ran out (its worker died
    while sending); run by `bihuan tick`, so nothing depends on a queued job surviving."""
    due = list(
        Delivery.objects.filter(
            status__in=(Delivery.Status.PENDING, Delivery.Status.RETRYING), next_attempt_at__lte=timezone.now()
        ).values_list("pk", flat=True)
    )
    _enqueue_all(due)
    return len(due)


def retry_delivery(actor: Any, delivery: Delivery) -> None:
    """An administrator sends a failed delivery again, with a fresh set of attempts."""
    policy.require(actor, "retry", delivery)
    with transaction.atomic():
        before = audit.snapshot(delivery, ["status", "attempts"])
        delivery.status, delivery.attempts, delivery.next_attempt_at = Delivery.Status.PENDING, 0, None
        delivery.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
        audit.record(
            actor, "delivery.retry", delivery, audit.diff(before, audit.snapshot(delivery, ["status", "attempts"]))
        )
        transaction.on_commit(lambda: _enqueue_all([delivery.pk]))
