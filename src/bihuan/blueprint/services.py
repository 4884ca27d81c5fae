"""Every write to the blueprint's configuration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from bihuan.blueprint.models import Category, Goal
from bihuan.core.services import save_model

CATEGORY_FIELDS = ("code", "name", "description", "sort_order", "active")


def save_category(actor: Any, data: Mapping[str, Any], category: Category | None = None) -> Category:
    clean = {k: v for k, v in data.items() if k in CATEGORY_FIELDS}
    return save_model(actor, category or Category(), clean, fields=CATEGORY_FIELDS)


GOAL_FIELDS = ("code", "title", "description", "parent", "start_year", "end_year", "sort_order", "active")


def save_goal(actor: Any, data: Mapping[str, Any], goal: Goal | None = None) -> Goal:
    """Create or change a goal of the blueprint; a goal cannot sit under itself or under its own sub-goals."""
    clean = {k: v for k, v in data.items() if k in GOAL_FIELDS}
    start = clean.get("start_year", goal.start_year if goal else None)
    end = clean.get("end_year", goal.end_year if goal else None)
    if start is not None and end is not None and end < start:
        raise ValidationError({"end_year": _("The last year cannot be before the first.")})
    parent = clean.get("parent")
    if goal is not None and parent is not None:
        ancestor = parent
        while ancestor is not None:
            if ancestor.pk == goal.pk:
                raise ValidationError({"parent": _("A goal cannot sit under itself or one of its sub-goals.")})
            ancestor = ancestor.parent
    return save_model(actor, goal or Goal(), clean, fields=GOAL_FIELDS)
