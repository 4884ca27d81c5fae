"""Reads of indicators that the API, the `bihuan league` command and exports share: lists with what they
show fetched in the same query, values as published on a date, and lookups by the names people type."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from bihuan.core.policy import policy
from bihuan.indicators.models import Area, Indicator, Observation, PeerGroup, Target


def indicators(user: Any) -> QuerySet[Indicator]:
    return policy.visible(user, Indicator.objects.select_related("category"))


def areas(user: Any) -> QuerySet[Area]:
    return policy.visible(user, Area.objects.select_related("parent"))


def peer_groups(user: Any) -> QuerySet[PeerGroup]:
    members = Prefetch("areas", queryset=Area.objects.order_by("code"))
    return policy.visible(user, PeerGroup.objects.prefetch_related(members))


def targets(user: Any) -> QuerySet[Target]:
    return policy.visible(user, Target.objects.select_related("indicator", "area"))


def observations(user: Any) -> QuerySet[Observation]:
    """Every vintage of every value; `current_only` or `published_as_of` narrow it to one per key."""
    rows = Observation.objects.select_related("indicator", "area", "recorded_by")
    return policy.visible(user, rows.order_by("indicator__code", "period", "area__code", "-recorded_at", "-pk"))


def current_only(rows: QuerySet[Observation]) -> QuerySet[Observation]:
    return rows.filter(current=True)


def published_as_of(rows: QuerySet[Observation], as_of: datetime) -> QuerySet[Observation]:
    """The value each (indicator, area, period) had on `as_of`: the last one recorded by then. Rows recorded
    in one batch share a time, so the id breaks ties as the order of recording does."""
    later = Observation.objects.filter(
        indicator_id=OuterRef("indicator_id"),
        area_id=OuterRef("area_id"),
        period=OuterRef("period"),
        recorded_at__lte=as_of,
    ).filter(Q(recorded_at__gt=OuterRef("recorded_at")) | Q(recorded_at=OuterRef("recorded_at"), pk__gt=OuterRef("pk")))
    return rows.filter(recorded_at__lte=as_of).exclude(Exists(later))


def indicator_by_code(code: str) -> Indicator | None:
    return Indicator.objects.filter(code=code.strip()).first()


def peer_group_by_name_or_id(text: str) -> PeerGroup | None:
    """A group by its name, or by its id when the text is a number no group is named."""
    text = text.strip()
    group = PeerGroup.objects.filter(name=text).first()
    if group is None and text.isdigit():
        group = PeerGroup.objects.filter(pk=int(text)).first()
    return group


def indicator_codes() -> list[str]:
    return list(Indicator.objects.order_by("sort_order", "code").values_list("code", flat=True))


def peer_group_names() -> list[str]:
    return list(PeerGroup.objects.order_by("name").values_list("name", flat=True))
