"""Every write to units, plates and users: permission, validation and audit event in one transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bihuan.core import audit
from bihuan.core.policy import policy
from bihuan.core.roles import SYSTEM, Role
from bihuan.core.services import save_model
from bihuan.org.models import Profile, Unit, UnitGroup

User = get_user_model()

UNIT_FIELDS = ("code", "name", "short_name", "kind", "parent", "sort_order", "active")
GROUP_FIELDS = ("code", "name", "description", "illustrative", "sort_order")
USER_FIELDS = ("username", "first_name", "email", "is_active")
PROFILE_FIELDS = ("unit", "role", "title", "phone", "email_notifications")
UNIT_ROLES = frozenset({Role.UNIT_HEAD, Role.UNIT_CLERK})


def _check_no_cycle(unit: Unit, parent: Unit | None) -> None:
    seen = {unit.pk}
    while parent is not None:
        if parent.pk in seen:
            raise ValidationError({"parent": _("A unit cannot be placed under itself or its own sub-units.")})
        seen.add(parent.pk)
        parent = parent.parent


def save_unit(actor: Any, data: Mapping[str, Any], unit: Unit | None = None) -> Unit:
    unit = unit or Unit()
    if unit.pk is not None and "parent" in data:
        _check_no_cycle(unit, data["parent"])
    return save_model(actor, unit, data, fields=UNIT_FIELDS)


def save_group(actor: Any, data: Mapping[str, Any], units: Sequence[Unit], group: UnitGroup | None = None) -> UnitGroup:
    return save_model(actor, group or UnitGroup(), data, fields=GROUP_FIELDS, m2m={"units": units})


def _profile(user: Any) -> Profile:
    if user.pk is None:
        return Profile()  # a new user: no query for a profile that cannot exist yet
    return getattr(user, "profile", None) or Profile(user=user)


def save_user(
    actor: Any,
    data: Mapping[str, Any],
    profile_data: Mapping[str, Any],
    user: Any | None = None,
    password: str | None = None,
) -> Any:
    """Create or change a user and their profile. A new user without a password gets an unusable one
    until an administrator sets it."""
    creating = user is None
    user = user or User()
    policy.require(actor, "create" if creating else "change", User if creating else user)
    if not creating and data.get("is_active") is False and user.pk == getattr(actor, "pk", None):
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    profile = _profile(user)
    # Everything is validated before the transaction opens (see core.services.save_model).
    before = {} if creating else {**audit.snapshot(user, USER_FIELDS), **audit.snapshot(profile, PROFILE_FIELDS)}
    for name, value in data.items():
        setattr(user, name, value)
    if creating:
        if password:
            validate_password(password, user)
            user.set_password(password)
        else:
            user.set_unusable_password()
    user.full_clean(exclude=["password"])
    for name, value in profile_data.items():
        setattr(profile, name, value)
    if profile.role in UNIT_ROLES and profile.unit_id is None:
        raise ValidationError({"unit": _("A unit head or unit clerk must belong to a unit.")})
    profile.full_clean(exclude=["user"])
    with transaction.atomic(savepoint=False):
        user.save()
        profile.user = user
        profile.save()
        user.profile = profile
        after = {**audit.snapshot(user, USER_FIELDS), **audit.snapshot(profile, PROFILE_FIELDS)}
        changes = audit.diff(before, after)
        if creating or changes:
            audit.record(actor, "user.created" if creating else "user.changed", user, changes)
    return user


def adopt_superusers() -> int:
    """Give superusers made with Django's createsuperuser the admin profile bihuan expects, and record
    their creation in the audit log. Returns how many were adopted."""
    adopted = 0
    for user in User.objects.filter(is_superuser=True, profile__isnull=True):
        with transaction.atomic(savepoint=False):
            profile = Profile.objects.create(user=user, role=Role.ADMIN)
            user.profile = profile
            changes = audit.diff({}, {**audit.snapshot(user, USER_FIELDS), **audit.snapshot(profile, PROFILE_FIELDS)})
            audit.record(SYSTEM, "user.created", user, changes)
        adopted += 1
    return adopted


def set_active(actor: Any, user: Any, active: bool) -> Any:
    """Deactivate or reactivate a user. Nothing they did is deleted: their history stays theirs."""
    policy.require(actor, "deactivate", user)
    if user.is_active == active:
        return user
    with transaction.atomic(savepoint=False):
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit.record(
            actor, "user.reactivated" if active else "user.deactivated", user, {"is_active": [not active, active]}
        )
    return user


def set_password(actor: Any, user: Any, password: str) -> None:
    """An administrator sets a user's password (the user changes their own on the password page)."""
    policy.require(actor, "set_password", user)
    validate_password(password, user)
    with transaction.atomic(savepoint=False):
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(actor, "user.password_set", user, {})


def record_own_password_change(user: Any) -> None:
    audit.record(user, "user.password_changed", user, {})


def set_own_preferences(user: Any, *, email_notifications: bool, daily_digest: bool | None = None) -> None:
    """A person chooses whether their notifications also come by e-mail, and whether a daily digest of
    their key-task work comes at all."""
    wanted = {"email_notifications": email_notifications}
    if daily_digest is not None:
        wanted["daily_digest"] = daily_digest
    with transaction.atomic(savepoint=False):
        profile = Profile.objects.select_for_update().get(user=user)
        changes = {
            name: [getattr(profile, name), value] for name, value in wanted.items() if getattr(profile, name) != value
        }
        if changes:
            for name, (_old, value) in changes.items():
                setattr(profile, name, value)
            profile.save(update_fields=[*changes, "updated_at"])
            audit.record(user, "user.changed", user, changes)


def create_api_token(user: Any) -> str:
    """Replace the person's API token with a new one and return its key (shown once)."""
    from rest_framework.authtoken.models import Token

    with transaction.atomic(savepoint=False):
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        audit.record(user, "user.token_created", user, {})
    return token.key


def revoke_api_token(user: Any) -> None:
    from rest_framework.authtoken.models import Token

    with transaction.atomic(savepoint=False):
        if Token.objects.filter(user=user).delete()[0]:
            audit.record(user, "user.token_revoked", user, {})
