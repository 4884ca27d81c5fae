"""Who may see and do what in assessment (考核).

- The assessment office (assessor) sets schemes up, scores, adjusts, decides fault-tolerance requests and
  publishes; administrators may set schemes up and adjust but not decide or publish; the supervision office
  sees everything and may record demerits.
- Leaders see every scheme once it is open.
- A unit's head and clerk see the schemes that assess their unit once open, their own score sheet and
  adjustments, and ask to excuse their own demerits; other units' sheets only once results are published.
- Everyone signed in sees published schemes and their results.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from bihuan.assessment.models import (
    Adjustment,
    AdjustmentKind,
    EvidenceFile,
    Exemption,
    ExemptionStatus,
    GradeBand,
    Item,
    ManualScore,
    Result,
    Scheme,
    SchemeState,
)
from bihuan.core.policy import VIEW, Rules, policy
from bihuan.core.roles import Role, unit_id_of

OFFICE = frozenset({Role.ADMIN, Role.ASSESSOR, Role.SUPERVISOR})
SETUP = frozenset({Role.ADMIN, Role.ASSESSOR})
ADJUSTERS = frozenset({Role.ADMIN, Role.ASSESSOR, Role.SUPERVISOR})
UNIT_ROLES = frozenset({Role.UNIT_HEAD, Role.UNIT_CLERK})


def _scheme_condition(user: Any, role: str, prefix: str = "") -> Q | None:
    """Which schemes the user sees: None for all, else a Q on the scheme (through `prefix`)."""
    if role in OFFICE:
        return None
    published = Q(**{f"{prefix}state": SchemeState.PUBLISHED})
    if role == Role.LEADER:
        return ~Q(**{f"{prefix}state": SchemeState.DRAFT})
    if role in UNIT_ROLES and unit_id_of(user) is not None:
        own = Q(**{f"{prefix}units": unit_id_of(user)}) & ~Q(**{f"{prefix}state": SchemeState.DRAFT})
        return published | own
    return published


def _scoped(user: Any, role: str, queryset: QuerySet, prefix: str = "") -> QuerySet:
    condition = _scheme_condition(user, role, prefix)
    return queryset if condition is None else queryset.filter(condition).distinct()


def sees_every_unit(user: Any, role: str, scheme: Scheme) -> bool:
    """Whether the user sees every unit's sheet of this scheme, not only their own unit's."""
    return role in OFFICE or role == Role.LEADER or scheme.state == SchemeState.PUBLISHED


class SchemeRules(Rules):
    model = Scheme
    actions = (VIEW, "view_all", "create", "change", "open", "preview", "publish", "adjust", "score", "export")

    def can(self, user: Any, role: str, action: str, obj: Any) -> bool:
        if action == VIEW:
            return obj is not None
        if action in ("view_all", "export"):
            return obj is not None and sees_every_unit(user, role, obj)
        if action == "create":
            return role in SETUP
        if obj is None or obj.state == SchemeState.PUBLISHED:
            return False
        if action in ("change", "open"):
            return role in SETUP
        if action == "score":
            return role in SETUP and obj.state != SchemeState.DRAFT
        if action == "adjust":
            return role in ADJUSTERS and obj.state != SchemeState.DRAFT
        if action in ("preview", "publish"):
            return role == Role.ASSESSOR
        return False

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        return _scoped(user, role, queryset)


class PartOfSchemeRules(Rules):
    """Items and grade bands: seen with their scheme; changed with it."""

    actions = (VIEW, "create", "change", "delete")

    def __init__(self, model: type) -> None:
        self.model = model

    def can(self, user: Any, role: str, action: str, obj: Any) -> bool:
        if action == VIEW:
            return obj is not None
        return role in SETUP and (obj is None or obj.scheme.state in (SchemeState.DRAFT, SchemeState.OPEN))

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        return _scoped(user, role, queryset, "scheme__")


def _own_unit_or_all(user: Any, role: str, queryset: QuerySet, unit_field: str = "unit") -> QuerySet:
    """Rows about one unit: the office and leaders see all of a visible scheme; a unit its own, and every
    unit's once the scheme is published."""
    queryset = _scoped(user, role, queryset, _scheme_prefix(queryset))
    if role in OFFICE or role == Role.LEADER:
        return queryset
    prefix = _scheme_prefix(queryset)
    own = Q(**{f"{unit_field}_id": unit_id_of(user)}) if unit_id_of(user) is not None else Q(pk__in=[])
    return queryset.filter(own | Q(**{f"{prefix}state": SchemeState.PUBLISHED}))


def _scheme_prefix(queryset: QuerySet) -> str:
    return {Exemption: "adjustment__scheme__", ManualScore: "item__scheme__"}.get(queryset.model, "scheme__")


class ManualScoreRules(Rules):
    model = ManualScore

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        return _own_unit_or_all(user, role, queryset)


class ResultRules(Rules):
    model = Result

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        return _own_unit_or_all(user, role, queryset)


class AdjustmentRules(Rules):
    model = Adjustment
    actions = (VIEW, "withdraw", "add_evidence", "request_exemption")

    def can(self, user: Any, role: str, action: str, obj: Any) -> bool:
        if action == VIEW:
            return obj is not None
        if obj is None or obj.scheme.state == SchemeState.PUBLISHED or obj.withdrawn:
            return False
        if action in ("withdraw", "add_evidence"):  # who may enter it may also take it back or add to it
            return role in SETUP or (role == Role.SUPERVISOR and obj.kind == AdjustmentKind.DEMERIT)
        if action == "request_exemption":
            return (
                role in UNIT_ROLES
                and obj.kind == AdjustmentKind.DEMERIT
                and obj.unit_id == unit_id_of(user)
                and obj.scheme.state != SchemeState.DRAFT
            )
        return False

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        return _own_unit_or_all(user, role, queryset)


class ExemptionRules(Rules):
    model = Exemption
    actions = (VIEW, "decide", "add_evidence")

    def can(self, user: Any, role: str, action: str, obj: Any) -> bool:
        if action == VIEW:
            return obj is not None
        if action == "add_evidence":  # the requesting unit, while the request waits for its decision
            return (
                role in UNIT_ROLES
                and obj is not None
                and obj.status == ExemptionStatus.PENDING
                and obj.adjustment.unit_id == unit_id_of(user)
                and obj.adjustment.scheme.state != SchemeState.PUBLISHED
            )
        if action == "decide":
            return (
                role == Role.ASSESSOR
                and obj is not None
                and obj.status == ExemptionStatus.PENDING
                and obj.adjustment.scheme.state != SchemeState.PUBLISHED
            )
        return False

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        return _own_unit_or_all(user, role, queryset, "adjustment__unit")


class EvidenceFileRules(Rules):
    """An evidence file is seen by whoever sees the adjustment or the request it was given for."""

    model = EvidenceFile

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        adjustments = AdjustmentRules().scope(user, role, Adjustment.objects.all()).values("pk")
        exemptions = ExemptionRules().scope(user, role, Exemption.objects.all()).values("pk")
        return queryset.filter(Q(adjustment__in=adjustments) | Q(exemption__in=exemptions))


policy.register(SchemeRules())
policy.register(PartOfSchemeRules(Item))
policy.register(PartOfSchemeRules(GradeBand))
policy.register(ManualScoreRules())
policy.register(ResultRules())
policy.register(AdjustmentRules())
policy.register(ExemptionRules())
policy.register(EvidenceFileRules())
