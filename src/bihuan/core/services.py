"""Write helpers every app's services share: permission, validation and the audit event, together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django.db import models, transaction

from bihuan.core import audit
from bihuan.core.policy import policy

M = TypeVar("M", bound=models.Model)


class Conflict(Exception):
    """The object changed since the user looked at it, or is no longer in a state the action applies
    to. Pages show the message; the API answers 409."""


def save_model(
    actor: Any,
    obj: M,
    data: Mapping[str, Any],
    *,
    fields: Sequence[str],
    m2m: Mapping[str, Sequence[Any]] | None = None,
    action: str | None = None,
    exclude_from_validation: Sequence[str] = (),
) -> M:
    """Create or change `obj` with `data`: checks the policy ("create" or "change"), validates the
    model, saves, sets many-to-many fields, and records the audit event in one transaction.

    Validation happens before the transaction opens, so a ValidationError never leaves a caller's
    transaction unusable; the writes run without a savepoint of their own (they fail as a whole)."""
    creating = obj.pk is None
    policy.require(actor, "create" if creating else "change", type(obj) if creating else obj)
    tracked = [*fields, *(m2m or {}).keys()]
    before = {} if creating else audit.snapshot(obj, tracked)
    for name, value in data.items():
        setattr(obj, name, value)
    obj.full_clean(exclude=list(exclude_from_validation))
    with transaction.atomic(savepoint=False):
        obj.save()
        for name, values in (m2m or {}).items():
            getattr(obj, name).set(values)
        after = audit.snapshot(obj, tracked)
        changes = audit.diff(before, after)
        if creating or changes:
            verb = action or ("created" if creating else "changed")
            audit.record(actor, f"{obj._meta.model_name}.{verb}", obj, changes)
    return obj
