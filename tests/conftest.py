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
def deadlines_on_calendar_days(settings):
    """Report deadlines fall on the calendar day here, so that hand-worked figures and dates counted from today
    do not move with the weekday the suite runs on; tests/test_deadlines.py covers moving them to working days."""
    settings.BIHUAN = {**settings.BIHUAN, "DEADLINES_ON_WORKING_DAYS": False}


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the deployment's language (the CLI switches its own process to English)."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield


# ---- the assessment tests' city (see tests/assessment_data.py) ---------------------------------------


@pytest.fixture
def third_unit(city) -> Unit:
    """曲沃县, the third unit of the assessment tests (it leads no key task in `facts`)."""
    return save_unit(SYSTEM, {"code": "141021", "name": "曲沃县", "kind": Unit.Kind.COUNTY, "parent": city})


@pytest.fixture
def facts(own_unit, other_unit, third_unit):
    """A: one task with two late reports, one missing, one return; one task closed ten days late.
    B: one task, every report on time. C: no task."""
    from datetime import date

    from bihuan.core import audit
    from bihuan.demo.tasks import moment, simulated_clock
    from tests.assessment_data import report, task

    a1 = task(own_unit, "2025-001", date(2025, 1, 1), date(2025, 12, 31))
    report(a1, "2025-01", date(2025, 2, 3))
    report(a1, "2025-02", date(2025, 3, 5))
    returned = report(a1, "2025-03", date(2025, 4, 10))  # 5 days late
    report(a1, "2025-05", date(2025, 6, 6))  # 1 day late; 2025-04 missing
    with simulated_clock(moment(date(2025, 4, 12))):  # returned in April, so before the as-of day
        audit.record(SYSTEM, "progressreport.returned", returned, {"status": ["submitted", "returned"]})
    a2 = task(own_unit, "2025-002", date(2025, 3, 1), date(2025, 4, 30), status="closed", closed_on=date(2025, 5, 10))
    report(a2, "2025-03", date(2025, 4, 1))
    report(a2, "2025-04", date(2025, 5, 4))
    b1 = task(other_unit, "2025-003", date(2025, 5, 1), date(2025, 12, 31))
    report(b1, "2025-05", date(2025, 6, 1))
    return {"a1": a1, "a2": a2, "b1": b1}
