"""Template filters of the assessment pages."""

from __future__ import annotations

from typing import Any

from django import template

from bihuan.assessment import wording

register = template.Library()


@register.filter
def points(value: Any) -> str:
    """Points as people write them: 89, 89.5, 1.25."""
    return wording.points(value)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key) if hasattr(mapping, "get") else mapping[key]
    except (KeyError, IndexError, TypeError):
        return None
