"""The key-task visibility rule (lead or partner unit, responsible leader, or a see-all role), exercised on
profiles: `unit` stands in for the lead unit and `user` for the leader."""

from __future__ import annotations

import pytest

from bihuan.core.policy import filter_by_unit_visibility, unit_visibility
from bihuan.core.roles import Role
from bihuan.org.models import Profile


@pytest.mark.parametrize(
    ("role", "sees_all"),
    [(Role.ADMIN, True), (Role.SUPERVISOR, True), (Role.LEADER, False), (Role.UNIT_CLERK, False)],
)
def test_unit_visibility(role, sees_all, people, own_unit, other_unit):
    me = people[role]
    profiles = Profile.objects.all()
    visible = filter_by_unit_visibility(me, profiles, lead="unit", partners=None, leader="user")
    if sees_all:
        assert unit_visibility(me, role, lead="unit", partners=None, leader="user") is None
        assert visible.count() == profiles.count()
    else:
        units = set(visible.values_list("unit__code", flat=True))
        assert units == {own_unit.code}  # own unit's rows, and their own row (also in the own unit)
        assert not visible.filter(unit=other_unit).exists()


def test_leader_field_alone_grants_visibility(make_user, people):
    """A leader without a unit sees exactly the rows naming them as leader."""
    leader = make_user("portfolio_leader", Role.LEADER, None)
    visible = filter_by_unit_visibility(leader, Profile.objects.all(), lead="unit", partners=None, leader="user")
    assert list(visible) == [leader.profile]


def test_no_role_sees_nothing(people, own_unit):
    people["viewer"].is_active = False
    visible = filter_by_unit_visibility(
        people["viewer"], Profile.objects.all(), lead="unit", partners=None, leader="user"
    )
    assert not visible.exists()
