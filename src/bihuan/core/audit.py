"""The audit chain: record an event inside the caller's transaction, and verify the whole chain.

Each event's hash covers its own content and the previous event's hash, so changing, inserting or
deleting any event breaks every link after it. The chain tip lives in one `AuditHead` row that is
locked while appending, which keeps the chain linear with any number of processes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from bihuan.core.models import AuditEvent, AuditHead
from bihuan.core.roles import SYSTEM

GENESIS = "0" * 64


def to_json_value(value: Any) -> Any:
    """A JSON-safe, stable form of a field value for before/after records."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [to_json_value(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The values of the named fields (foreign keys by id), ready to diff."""
    data: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            data[name] = sorted((obj.pk and getattr(obj, name).values_list("pk", flat=True)) or [])
        elif field.is_relation:
            data[name] = getattr(obj, field.attname)
        else:
            data[name] = to_json_value(getattr(obj, name))
    return data


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value changed."""
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def _canonical(event: AuditEvent) -> bytes:
    body = {
        "seq": event.seq,
        "created_at": event.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "changes": event.changes,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def object_type_of(obj: models.Model | type[models.Model]) -> str:
    return obj._meta.label_lower


def record(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
) -> AuditEvent:
    """Append one event; call it inside the transaction that makes the change it describes."""
    with transaction.atomic(savepoint=False):
        batch_head = _batch_head.get()
        head = batch_head or AuditHead.objects.select_for_update().get_or_create(pk=1)[0]
        is_person = actor is not None and actor is not SYSTEM and getattr(actor, "pk", None)
        event = AuditEvent(
            seq=head.last_seq + 1,
            created_at=timezone.now(),
            actor=actor if is_person else None,
            actor_name=(actor.get_username() if is_person else "system")[:150],
            action=action,
            object_type=object_type or (object_type_of(obj) if obj is not None else ""),
            object_id=str(object_id if object_id is not None else (obj.pk if obj is not None else "")),
            object_repr=(object_repr if object_repr is not None else (str(obj) if obj is not None else ""))[:255],
            # Round-trip through JSON so the stored value is exactly the value that was hashed.
            changes=json.loads(json.dumps(to_json_value(dict(changes or {})), ensure_ascii=False)),
            prev_hash=head.last_hash,
        )
        event.hash = compute_hash(event)
        event.save()
        head.last_seq, head.last_hash = event.seq, event.hash
        if batch_head is None:
            head.save(update_fields=["last_seq", "last_hash"])
    return event


_batch_head: ContextVar[AuditHead | None] = ContextVar("audit_batch_head", default=None)


@contextmanager
def batch() -> Iterator[None]:
    """Append many events under one lock of the chain tip, saving the tip once at the end.

    For bulk work (imports) that is all or nothing: if anything inside fails, the whole transaction
    must roll back, because the tip held in memory has moved on past events a savepoint undid.
    """
    if _batch_head.get() is not None:
        yield
        return
    with transaction.atomic(savepoint=False):
        head = AuditHead.objects.select_for_update().get_or_create(pk=1)[0]
        token = _batch_head.set(head)
        try:
            yield
        finally:
            _batch_head.reset(token)
        head.save(update_fields=["last_seq", "last_hash"])


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def verify_chain(batch_size: int = 2000) -> ChainReport:
    """Walk the chain in order; report the first event whose link or content does not check out."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    events = AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size)
    for event in events:
        if event.seq != expected_seq:
            return ChainReport(False, checked, expected_seq, f"event #{expected_seq} is missing")
        if event.prev_hash != expected_prev:
            return ChainReport(False, checked, event.seq, "its link to the previous event does not match")
        if compute_hash(event) != event.hash:
            return ChainReport(False, checked, event.seq, "its content was changed after it was written")
        expected_prev, expected_seq, checked = event.hash, event.seq + 1, checked + 1
    head = AuditHead.objects.filter(pk=1).first()
    if head and head.last_seq != checked:
        return ChainReport(
            False, checked, checked + 1, f"the chain ends at #{checked} but its tip says #{head.last_seq}"
        )
    return ChainReport(True, checked)
