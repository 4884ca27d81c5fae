"""Who may see and change units, plates and users."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from bihuan.core.policy import VIEW, Rules, policy
from bihuan.core.roles import Role, unit_id_of
from bihuan.org.models import Unit, UnitGroup

#: Roles that work across the whole city and so see every person in it.
CITY_WIDE_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ASSESSOR, Role.LEADER})


class DirectoryRules(Rules):
    """Units and plates are the city's public directory: everyone signed in sees them all;
    only administrators change them."""

    actions = (VIEW, "create", "change", "import", "export")

    def can(self, user: Any, role: str, action: str, obj: Any) -> bool:
        if action in (VIEW, "export"):
            return True
        return role == Role.ADMIN

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        return queryset


class UnitRules(DirectoryRules):
    model = Unit


class UnitGroupRules(DirectoryRules):
    model = UnitGroup


class UserRules(Rules):
    """City-wide roles see everyone; others see their own unit's people and themselves.
    Only administrators create, change, deactivate or import users."""

    model = get_user_model()
    actions = (VIEW, "create", "change", "deactivate", "set_password", "import", "export")

    def can(self, user: Any, role: str, action: str, obj: Any) -> bool:
        if action in (VIEW, "export"):
            return True
        if role != Role.ADMIN:
            return False
        # an administrator cannot lock themself out
        return not (action == "deactivate" and obj is not None and obj.pk == user.pk)

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        if role in CITY_WIDE_ROLES:
            return queryset
        unit_id = unit_id_of(user)
        own = Q(pk=user.pk)
        if unit_id is not None:
            own |= Q(profile__unit_id=unit_id)
        return queryset.filter(own)


policy.register(UnitRules())
policy.register(UnitGroupRules())
policy.register(UserRules())
