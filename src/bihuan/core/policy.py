"""The one permission policy: "may this user do this to this object" and "which objects may they see".

Each app declares the rules for its models in its own `policies.py` and registers them here; views,
API endpoints, exports and search all ask this module, never the rules directly.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet

from bihuan.core.roles import SYSTEM, Role, role_of, unit_id_of

VIEW = "view"


class Rules:
    """The rules for one model. Subclasses override `can` and `scope`. By default a user may view
    what `scope` lets them see and do nothing else."""

    model: type[models.Model]
    actions: tuple[str, ...] = (VIEW,)

    def can(self, user: Any, role: str, action: str, obj: models.Model | None) -> bool:
        return action == VIEW and obj is not None

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        return queryset.none()


class Policy:
    def __init__(self) -> None:
        self._rules: dict[type[models.Model], Rules] = {}

    def register(self, rules: Rules) -> Rules:
        self._rules[rules.model] = rules
        return rules

    def rules_for(self, model: type[models.Model]) -> Rules:
        model = model._meta.concrete_model or model
        try:
            return self._rules[model]
        except KeyError:
            raise LookupError(f"no permission rules registered for {model._meta.label}") from None

    def can(self, user: Any, action: str, target: models.Model | type[models.Model]) -> bool:
        """May `user` do `action` to `target` (an instance, or a model class for create/import/export)?"""
        model = target if isinstance(target, type) else type(target)
        rules = self.rules_for(model)
        if action not in rules.actions:
            raise ValueError(f"unknown action {action!r} for {model._meta.label}")
        if user is SYSTEM:
            return True
        role = role_of(user)
        if role is None:
            return False
        obj = None if isinstance(target, type) else target
        if obj is not None and not self.visible(user, model._default_manager.filter(pk=obj.pk)).exists():
            return False
        return rules.can(user, role, action, obj)

    def require(self, user: Any, action: str, target: models.Model | type[models.Model]) -> None:
        if not self.can(user, action, target):
            raise PermissionDenied

    def visible(self, user: Any, queryset: QuerySet) -> QuerySet:
        """The part of `queryset` the user may see."""
        if user is SYSTEM:
            return queryset
        role = role_of(user)
        if role is None:
            return queryset.none()
        return self.rules_for(queryset.model).scope(user, role, queryset)

    def actions_for(self, user: Any, obj: models.Model) -> set[str]:
        """Every action the user may take on `obj`, for showing only the buttons that work
        (one visibility query, however many actions)."""
        rules = self.rules_for(type(obj))
        if user is SYSTEM:
            return set(rules.actions)
        role = role_of(user)
        if role is None or not self.visible(user, type(obj)._default_manager.filter(pk=obj.pk)).exists():
            return set()
        return {action for action in rules.actions if rules.can(user, role, action, obj)}


policy = Policy()


def unit_visibility(
    user: Any,
    role: str,
    *,
    lead: str = "lead_unit",
    partners: str | None = "partner_units",
    leader: str | None = "leader",
    see_all: frozenset[str] = frozenset({Role.ADMIN, Role.SUPERVISOR}),
) -> Q | None:
    """The rule DESIGN.md §3 gives for key tasks: lead or partner unit, responsible leader, or a
    role that sees everything. Returns None for "everything", else a Q to filter by."""
    if role in see_all:
        return None
    condition = Q(pk__in=[])
    unit_id = unit_id_of(user)
    if unit_id is not None:
        condition |= Q(**{f"{lead}_id": unit_id})
        if partners:
            condition |= Q(**{f"{partners}__id": unit_id})
    if leader:
        condition |= Q(**{f"{leader}_id": user.pk})
    return condition


def filter_by_unit_visibility(user: Any, queryset: QuerySet, **fields: Any) -> QuerySet:
    if user is SYSTEM:
        return queryset
    role = role_of(user)
    if role is None:  # anonymous, inactive or without a profile: nothing
        return queryset.none()
    condition = unit_visibility(user, role, **fields)
    if condition is None:
        return queryset
    return queryset.filter(condition).distinct()
