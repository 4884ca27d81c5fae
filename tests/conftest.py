"""Shared fixtures: a small city with two units and one user of every role in each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from bihuan.core.roles import SYSTEM, Role
from bihuan.org.models import Unit
from bihuan.org.services import save_unit, save_user

User = get_user_model()
PASSWORD = "correct-horse-9"


@pytest.fixture
def city(db) -> Unit:
    return save_unit(SYSTEM, {"code": "141000", "name": "临汾市", "kind": Unit.Kind.CITY})


@pytest.fixture
def own_unit(city) -> Unit:
    return save_unit(SYSTEM, {"code": "FGW", "name": "市发展和改革委员会", "short_name": "市发改委", "parent": city})


@pytest.fixture
def other_unit(city) -> Unit:
    return save_unit(SYSTEM, {"code": "141002", "name": "尧都区", "kind": Unit.Kind.COUNTY, "parent": city})


@pytest.fixture
def make_user(db) -> Callable[..., Any]:
    def make(username: str, role: str = Role.VIEWER, unit: Unit | None = None, **extra: Any) -> Any:
        return save_user(
            SYSTEM,
            {
                "username": username,
                "first_name": extra.pop("name", username),
                "email": extra.pop("email", ""),
                "is_active": True,
            },
            {"unit": unit, "role": role, **extra},
            password=PASSWORD,
        )

    return make


@pytest.fixture
def people(make_user, own_unit, other_unit) -> dict[str, Any]:
    """One user per role in the own unit ("<role>") and one in the other unit ("other_<role>")."""
    users = {}
    for role in Role.values:
        users[role] = make_user(role, role, own_unit)
        users[f"other_{role}"] = make_user(f"other_{role}", role, other_unit)
    return users


@pytest.fixture
def login(client) -> Callable[[Any], Any]:
    def do(user: Any) -> Any:
        client.force_login(user)
        return client

    return do


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the deployment's language (the CLI switches its own process to English)."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield
