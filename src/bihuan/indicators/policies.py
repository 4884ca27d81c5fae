"""Indicators are shared reference data: everyone signed in reads them and their league tables; the
statistics role and administrators write them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from bihuan.core.policy import VIEW, Rules, policy
from bihuan.core.roles import Role
from bihuan.indicators.models import Area, ImportProfile, Indicator, Observation, PeerGroup, Target

WRITERS = frozenset({Role.ADMIN, Role.STATISTICIAN})


class StatisticsRules(Rules):
    actions = (VIEW, "create", "change", "import", "export")

    def __init__(self, model: type) -> None:
        self.model = model

    def can(self, user: Any, role: str, action: str, obj: Any) -> bool:
        return action in (VIEW, "export") or role in WRITERS

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        return queryset


for model in (Indicator, Area, PeerGroup, Observation, Target, ImportProfile):
    policy.register(StatisticsRules(model))
