"""Fault tolerance (容错纠错): a unit asks to excuse one of its demerits; the assessment office reviews the
queue and decides each request with its reasons, seeing how similar requests were decided before."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bihuan.assessment import selectors, services, wording
from bihuan.assessment.forms import DecisionForm, ExemptionFilter, ExemptionRequestForm, PrecedentSearch
from bihuan.assessment.models import Adjustment, Exemption, ExemptionStatus
from bihuan.assessment.views import add_files
from bihuan.core.policy import policy
from bihuan.core.tables import Col, xlsx_response
from bihuan.org.views import form_write

STATUS_BADGES = {
    ExemptionStatus.PENDING: "text-bg-warning",
    ExemptionStatus.APPROVED: "text-bg-success",
    ExemptionStatus.REJECTED: "text-bg-secondary",
}


def person(user: object) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()  # type: ignore[attr-defined]


def exemption_url(exemption: Exemption) -> str:
    return reverse("assessment-exemption", args=[exemption.pk])


@login_required
def request_exemption(request: HttpRequest, adjustment_pk: int) -> HttpResponse:
    adjustment = get_object_or_404(
        policy.visible(request.user, Adjustment.objects.select_related("scheme", "unit", "task")), pk=adjustment_pk
    )
    policy.require(request.user, "request_exemption", adjustment)
    posted = request.method == "POST"
    form = ExemptionRequestForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        exemption = form_write(
            form,
            lambda: services.request_exemption(
                request.user, adjustment, data["grounds"], data["explanation"], data["evidence"], data["files"]
            ),
        )
        if exemption is not None:
            messages.success(request, _("Your request was sent to the assessment office."))
            return redirect(exemption_url(exemption))
    return render(
        request,
        "assessment/exemption_request.html",
        {
            "title": _("Request fault tolerance (申请容错)"),
            "adjustment": adjustment,
            "form": form,
            "rule_text": wording.rule_label(adjustment.rule),
            "cancel_url": reverse("assessment-sheet", args=[adjustment.scheme_id, adjustment.unit_id]),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def exemption_columns() -> list[Col]:
    link = exemption_url
    return [
        Col(gettext_lazy("status"), lambda e: e.get_status_display(), link=link, width=10),
        Col(gettext_lazy("unit"), lambda e: e.adjustment.unit.name, width=20),
        Col(gettext_lazy("assessment scheme"), lambda e: str(e.adjustment.scheme), width=24),
        Col(gettext_lazy("demerit"), lambda e: e.adjustment.reason, width=36),
        Col(gettext_lazy("points"), lambda e: float(e.adjustment.points), width=8),
        Col(gettext_lazy("grounds"), lambda e: e.get_grounds_display(), width=20),
        Col(gettext_lazy("explanation"), lambda e: e.explanation, width=40),
        Col(gettext_lazy("evidence"), lambda e: e.evidence, width=24),
        Col(gettext_lazy("evidence files"), lambda e: "\n".join(f.filename for f in e.files.all()), width=24),
        Col(gettext_lazy("requested by"), lambda e: person(e.requested_by), width=12),
        Col(gettext_lazy("requested at"), lambda e: e.created_at, width=16),
        Col(gettext_lazy("decided by"), lambda e: person(e.decided_by), width=12),
        Col(gettext_lazy("decided at"), lambda e: e.decided_at, width=16),
        Col(gettext_lazy("reasons for the decision"), lambda e: e.decision_reason, width=40),
    ]


@login_required
def exemption_list(request: HttpRequest) -> HttpResponse:
    """The review queue: pending requests first, then the decided ones, newest first."""
    form = ExemptionFilter(request.GET or None, list(selectors.schemes(request.user)))
    queryset = selectors.exemptions(request.user)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["grounds"]:
            queryset = queryset.filter(grounds=data["grounds"])
        if data["scheme"]:
            queryset = queryset.filter(adjustment__scheme_id=data["scheme"])
    pending_first = Case(
        When(status=ExemptionStatus.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    queryset = queryset.order_by(pending_first, "-created_at", "-id").prefetch_related("files")
    if request.GET.get("format") == "xlsx":
        return xlsx_response("fault-tolerance", _("Fault-tolerance requests"), exemption_columns(), queryset)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessment/exemption_list.html",
        {
            "title": _("Fault tolerance (容错纠错)"),
            "filter": form,
            "page": page,
            "query": query.urlencode(),
            "badges": STATUS_BADGES,
        },
    )


@login_required
def exemption_files(request: HttpRequest, pk: int) -> HttpResponse:
    """More evidence files for a request still waiting for its decision, from its page."""
    exemption = get_object_or_404(selectors.exemptions(request.user), pk=pk)
    policy.require(request.user, "add_evidence", exemption)
    add_files(request, exemption)
    return redirect(exemption_url(exemption))


@login_required
def exemption_detail(request: HttpRequest, pk: int) -> HttpResponse:
    exemption = get_object_or_404(
        selectors.exemptions(request.user).select_related("adjustment__task", "adjustment__created_by"), pk=pk
    )
    can_decide = policy.can(request.user, "decide", exemption)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        policy.require(request.user, "decide", exemption)
        if form.is_valid():
            approve, reason = form.cleaned_data["decision"] == "approve", form.cleaned_data["decision_reason"]
            if form_write(form, lambda: services.decide_exemption(request.user, exemption, approve, reason)):
                messages.success(request, _("Decided."))
                return redirect(exemption_url(exemption))
    search = PrecedentSearch(request.GET or None)
    text = search.cleaned_data["q"] if search.is_valid() else ""
    same_grounds = request.GET.get("all") != "1"
    precedents = selectors.precedents(
        request.user, grounds=exemption.grounds if same_grounds else "", text=text, exclude=exemption.pk
    )[:30]
    adjustment = exemption.adjustment
    return render(
        request,
        "assessment/exemption_detail.html",
        {
            "title": _("Fault-tolerance request: %(unit)s") % {"unit": adjustment.unit.name},
            "exemption": exemption,
            "adjustment": adjustment,
            "rule_text": wording.rule_label(adjustment.rule),
            "badge": STATUS_BADGES[exemption.status],
            "badges": STATUS_BADGES,
            "can_decide": can_decide,
            "can_add_evidence": policy.can(request.user, "add_evidence", exemption),
            "form": form,
            "search": search,
            "same_grounds": same_grounds,
            "precedents": precedents,
            "requested_by": person(exemption.requested_by),
            "decided_by": person(exemption.decided_by),
        },
        status=400 if form.is_bound and form.errors else 200,
    )
