"""Reads the core pages, API and exports share."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from bihuan.core.models import AuditEvent, Delivery, Notification
from bihuan.core.policy import policy
from bihuan.core.roles import Role


def inbox(user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    notes = policy.visible(user, Notification.objects.all())
    return notes.filter(read_at__isnull=True) if unread_only else notes


def audit_events(user: Any) -> QuerySet[AuditEvent]:
    return policy.visible(user, AuditEvent.objects.all())


def object_history(user: Any, obj: Any) -> QuerySet[AuditEvent]:
    return audit_events(user).filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


def deliveries(user: Any) -> QuerySet[Delivery]:
    return policy.visible(user, Delivery.objects.select_related("webhook"))


def changes_text(changes: dict[str, Any]) -> str:
    parts = []
    for field, value in (changes or {}).items():
        if isinstance(value, list) and len(value) == 2:
            before, after = (json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v for v in value)
            parts.append(f"{field}: {before} → {after}")
        else:
            parts.append(f"{field}: {json.dumps(value, ensure_ascii=False)}")
    return "; ".join(parts)


def home_context(user: Any, role: str | None) -> dict[str, Any]:
    """What the home page shows: the person's place, their unread inbox, and their role's overview."""
    from bihuan.blueprint.models import Category
    from bihuan.org import selectors as org

    profile = getattr(user, "profile", None)
    unit = profile.unit if profile is not None else None
    context: dict[str, Any] = {
        "profile": profile,
        "unit": unit,
        "role": role,
        "role_label": Role(role).label if role else "",
        "latest": list(inbox(user, unread_only=True)[:5]),
        "colleagues": list(org.users(user).filter(profile__unit=unit, is_active=True)[:20]) if unit else [],
    }
    if role in (Role.ADMIN, Role.SUPERVISOR, Role.ASSESSOR, Role.LEADER, Role.STATISTICIAN, Role.VIEWER):
        context["counts"] = {
            "units": org.units(user).filter(active=True).count(),
            "plates": org.groups(user).count(),
            "people": org.users(user).filter(is_active=True).count(),
            "categories": policy.visible(user, Category.objects.filter(active=True)).count(),
        }
    if policy.can(user, "view", AuditEvent):
        context["recent_events"] = list(audit_events(user)[:8])
    if policy.can(user, "view", Delivery):
        context["failed_deliveries"] = deliveries(user).filter(status=Delivery.Status.FAILED).count()
    context["is_admin"] = role == Role.ADMIN
    context["user_model"] = get_user_model()
    return context
