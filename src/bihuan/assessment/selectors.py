"""Reads of assessment shared by the pages, the API and the exports, always through the one policy."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from bihuan.assessment import results
from bihuan.assessment.models import (
    Adjustment,
    AdjustmentKind,
    EvidenceFile,
    Exemption,
    ExemptionStatus,
    Scheme,
    SchemeState,
)
from bihuan.core.policy import policy
from bihuan.core.roles import role_of, unit_id_of


def schemes(user: Any) -> QuerySet[Scheme]:
    return policy.visible(user, Scheme.objects.all()).order_by("-year", "name")


def scheme_results(user: Any, scheme: Scheme, today: date | None = None) -> dict[str, Any]:
    """The scheme's results as the user may see them: every unit's rows for the office, leaders and once
    published; otherwise only the user's own unit's row (ranks and grades are still computed over all)."""
    policy.require(user, "view", scheme)
    data = results.results_of(scheme, today)
    if policy.can(user, "view_all", scheme):
        return data
    own = unit_id_of(user)
    return {**data, "units": [row for row in data["units"] if row["unit"]["id"] == own]}


def unit_sheet(user: Any, scheme: Scheme, unit_id: int, today: date | None = None) -> dict[str, Any] | None:
    """One unit's score sheet (None when the user may not see it or the unit is not assessed)."""
    data = scheme_results(user, scheme, today)
    return results.unit_row(data, unit_id)


def adjustments(user: Any, scheme: Scheme) -> QuerySet[Adjustment]:
    return policy.visible(user, Adjustment.objects.filter(scheme=scheme)).select_related("unit", "task", "created_by")


def evidence_files(user: Any) -> QuerySet[EvidenceFile]:
    return policy.visible(user, EvidenceFile.objects.all())


def exemptions(user: Any, status: str | None = None) -> QuerySet[Exemption]:
    queryset = policy.visible(user, Exemption.objects.all()).select_related(
        "adjustment__unit", "adjustment__scheme", "requested_by", "decided_by"
    )
    return queryset.filter(status=status) if status else queryset


def precedents(user: Any, grounds: str = "", text: str = "", exclude: int | None = None) -> QuerySet[Exemption]:
    """Decided fault-tolerance cases the user may see, on the same grounds and/or mentioning the words given,
    newest first: how similar requests were decided before."""
    queryset = exemptions(user).exclude(status=ExemptionStatus.PENDING)
    if grounds:
        queryset = queryset.filter(grounds=grounds)
    for word in text.split()[:5]:
        queryset = queryset.filter(
            Q(explanation__icontains=word) | Q(decision_reason__icontains=word) | Q(adjustment__reason__icontains=word)
        )
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    return queryset.order_by("-decided_at", "-id")


def requestable_demerits(user: Any, scheme: Scheme, unit_id: int) -> set[int]:
    """The unit's demerits this user may ask to excuse and that have no request pending or approved. The
    adjustments come from the policy's visible set, so the rules are asked without a visibility query each."""
    if scheme.state in (SchemeState.DRAFT, SchemeState.PUBLISHED):
        return set()
    role = role_of(user)
    rules = policy.rules_for(Adjustment)
    candidates = (
        adjustments(user, scheme)
        .filter(unit_id=unit_id, kind=AdjustmentKind.DEMERIT, withdrawn=False)
        .exclude(exemptions__status__in=(ExemptionStatus.PENDING, ExemptionStatus.APPROVED))
        .select_related("scheme")
    )
    return {a.pk for a in candidates if role and rules.can(user, role, "request_exemption", a)}
