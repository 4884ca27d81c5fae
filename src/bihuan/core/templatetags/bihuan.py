"""Template filters that show audit events in words."""

from __future__ import annotations

from django import template

from bihuan.core import selectors
from bihuan.core.models import AuditEvent

register = template.Library()


@register.filter
def event_action(event: AuditEvent) -> str:
    return selectors.action_label(event.action)


@register.filter
def event_changes(event: AuditEvent) -> str:
    return getattr(event, "changes_display", None) or selectors.changes_text(event.changes, event.object_type)


@register.filter
def event_actor(event: AuditEvent) -> str:
    return event.actor_name if event.actor_id else str(selectors.SYSTEM_NAME)


@register.filter
def event_object_type(event: AuditEvent) -> str:
    return selectors.object_type_label(event.object_type)
