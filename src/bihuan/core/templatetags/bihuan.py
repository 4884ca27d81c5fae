"""Template filters that show audit events in words."""

from __future__ import annotations

from typing import Any

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


@register.filter
def at(sequence: Any, index: int) -> Any:
    """The item at `index`, for walking two lists side by side in a template."""
    try:
        return sequence[index]
    except (IndexError, KeyError, TypeError):
        return ""


@register.filter
def attr_header(column: Any) -> str:
    """A column's header as text, for a cell's data-label (the phone layout shows it beside the value)."""
    from django.utils.encoding import force_str
    from django.utils.text import capfirst

    return capfirst(force_str(getattr(column, "header", ""))) or ""
