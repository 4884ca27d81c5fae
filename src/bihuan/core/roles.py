"""The roles of DESIGN.md §3 and small helpers to read a user's role and unit."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    SUPERVISOR = "supervisor", _("Supervision office")
    ASSESSOR = "assessor", _("Assessment office")
    LEADER = "leader", _("Leader")
    UNIT_HEAD = "unit_head", _("Unit head")
    UNIT_CLERK = "unit_clerk", _("Unit clerk")
    STATISTICIAN = "statistician", _("Statistician")
    VIEWER = "viewer", _("Viewer")


class SystemActor:
    """The actor for work started from the command line or by `bihuan tick`: not a person."""

    is_authenticated = True
    is_active = True
    pk = None
    username = "system"

    def __repr__(self) -> str:
        return "SYSTEM"

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


def role_of(user: Any) -> str | None:
    """The user's role; superusers count as admins; anonymous and inactive users have none."""
    if user is SYSTEM:
        return Role.ADMIN
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    profile = getattr(user, "profile", None)
    return profile.role if profile is not None else None


def stored_role(user: Any) -> str | None:
    """The role on the user's record, for display and export: unlike `role_of` it does not drop to
    None when the account is deactivated."""
    profile = getattr(user, "profile", None)
    if profile is not None:
        return profile.role
    return Role.ADMIN if getattr(user, "is_superuser", False) else None


def unit_id_of(user: Any) -> int | None:
    if user is SYSTEM or not getattr(user, "is_authenticated", False):
        return None
    profile = getattr(user, "profile", None)
    return profile.unit_id if profile is not None else None
