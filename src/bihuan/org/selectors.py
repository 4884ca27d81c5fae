"""Every read of units, plates and users that pages, API and exports share."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from bihuan.core.policy import policy
from bihuan.org.models import Profile, Unit, UnitGroup

User = get_user_model()


def units(user: Any) -> QuerySet[Unit]:
    # A correlated subquery counts members only for the rows a page shows, not for the whole table.
    members = Profile.objects.filter(unit=OuterRef("pk")).order_by().values("unit").annotate(n=Count("pk")).values("n")
    units = Unit.objects.select_related("parent").annotate(member_count=Coalesce(Subquery(members), 0))
    return policy.visible(user, units.order_by("sort_order", "code"))


def groups(user: Any) -> QuerySet[UnitGroup]:
    return policy.visible(
        user,
        UnitGroup.objects.prefetch_related(Prefetch("units", queryset=Unit.objects.order_by("sort_order", "code"))),
    )


def users(user: Any) -> QuerySet:
    return policy.visible(
        user, User.objects.select_related("profile", "profile__unit").order_by("profile__unit__sort_order", "username")
    )
