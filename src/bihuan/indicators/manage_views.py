"""Settings pages of the indicators: the indicators, peer groups and yearly targets, each a list (with .xlsx
export) that everyone signed in reads, and a form for those the policy lets write (statisticians, admins).
Reads come from `api_selectors`, writes go through `services`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from bihuan.core.pages import allowed_actions, list_page
from bihuan.core.policy import policy
from bihuan.core.tables import Col
from bihuan.indicators import api_selectors, services
from bihuan.indicators.filtersets import PeerGroupFilter
from bihuan.indicators.manage_forms import (
    IndicatorForm,
    IndicatorListFilter,
    PeerGroupForm,
    TargetForm,
    TargetListFilter,
    polarity_text,
)
from bihuan.indicators.models import Indicator, PeerGroup, Target
from bihuan.indicators.views import can_import
from bihuan.org.views import apply_errors


def can_manage(user: Any) -> bool:
    """Whether the settings lists link to their edit forms and offer a New button."""
    return policy.can(user, "change", Indicator)


def _context(request: HttpRequest) -> dict[str, Any]:
    return {"can_manage": can_manage(request.user), "can_import": can_import(request.user), "manage_page": True}


def _form_page(request: HttpRequest, form: Any, *, title: str, cancel_url: str) -> HttpResponse:
    """core/form.html with the indicator tabs above it; 400 when the form has errors."""
    context = {"form": form, "title": title, "cancel_url": cancel_url, **_context(request)}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "indicators/manage_form.html", context, status=status)


def _submitted(request: HttpRequest) -> dict[str, Any] | None:
    """The posted data, so that an empty POST is a bound form with its errors rather than a blank one."""
    return request.POST if request.method == "POST" else None


def _edit(
    request: HttpRequest,
    pk: int | None,
    *,
    objects: Any,
    model: type,
    form_class: type,
    save: Callable[[Any, Any], Any],
    list_name: str,
    titles: tuple[str, str],
) -> HttpResponse:
    """The create/edit page of one settings object: the policy, the form, the service call (`save(form, stored)`
    with a fresh copy of the stored object, since validating the form changed the instance and the audit diff
    starts from what is stored), errors on the form."""
    obj = get_object_or_404(objects, pk=pk) if pk else None
    policy.require(request.user, "change" if obj else "create", obj or model)
    form = form_class(_submitted(request), instance=obj)
    if request.method == "POST" and form.is_valid():
        try:
            save(form, model.objects.get(pk=pk) if pk else None)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(list_name)
    return _form_page(request, form, title=titles[0] if obj else titles[1], cancel_url=reverse(list_name))


# ---- indicators ----------------------------------------------------------------------------------


@login_required
def indicator_list(request: HttpRequest) -> HttpResponse:
    link = (lambda i: reverse("indicator-edit", args=[i.pk])) if can_manage(request.user) else None
    columns = [
        Col(gettext_lazy("code"), lambda i: i.code, link=link, width=16),
        Col(gettext_lazy("name"), lambda i: i.name, link=link, width=28),
        Col(gettext_lazy("English name"), lambda i: i.name_en, width=28),
        Col(gettext_lazy("unit"), lambda i: i.unit, width=8),
        Col(gettext_lazy("frequency"), lambda i: i.get_frequency_display(), width=8),
        Col(gettext_lazy("kind"), lambda i: i.get_kind_display(), width=10),
        Col(gettext_lazy("polarity"), lambda i: polarity_text(i.higher_is_better), width=12),
        Col(gettext_lazy("headline indicator"), lambda i: i.headline, width=8),
        Col(gettext_lazy("work category"), lambda i: i.category.name if i.category else "", width=14),
        Col(pgettext_lazy("indicator", "Source"), lambda i: i.source, width=24),
    ]
    actions = allowed_actions(
        request.user, Indicator, [("create", _("New indicator"), reverse("indicator-new"), "plus-lg")]
    )
    return list_page(
        request,
        title=_("Indicators"),
        queryset=api_selectors.indicators(request.user),
        columns=columns,
        filterset_class=IndicatorListFilter,
        export_name="indicators",
        actions=actions,
        template="indicators/manage_list.html",
        extra=_context(request),
    )


@login_required
def indicator_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _edit(
        request,
        pk,
        objects=api_selectors.indicators(request.user),
        model=Indicator,
        form_class=IndicatorForm,
        save=lambda form, stored: services.save_indicator(request.user, form.cleaned_data, stored),
        list_name="indicator-manage-list",
        titles=(_("Edit indicator"), _("New indicator")),
    )


# ---- peer groups ---------------------------------------------------------------------------------


@login_required
def peer_group_list(request: HttpRequest) -> HttpResponse:
    link = (lambda g: reverse("peer-group-edit", args=[g.pk])) if can_manage(request.user) else None
    columns = [
        Col(gettext_lazy("name"), lambda g: g.name, link=link, width=20),
        Col(gettext_lazy("first tier size"), lambda g: g.first_tier, width=10),
        Col(gettext_lazy("number of areas"), lambda g: g.area_count, width=10),
        Col(gettext_lazy("description"), lambda g: g.description, width=50),
    ]
    actions = allowed_actions(
        request.user, PeerGroup, [("create", _("New peer group"), reverse("peer-group-new"), "plus-lg")]
    )
    # the number of areas is counted in the query rather than fetching every member
    groups = api_selectors.peer_groups(request.user).prefetch_related(None)
    groups = groups.annotate(area_count=Count("areas")).order_by("name")
    return list_page(
        request,
        title=_("Peer groups"),
        queryset=groups,
        columns=columns,
        filterset_class=PeerGroupFilter,
        export_name="peer-groups",
        actions=actions,
        template="indicators/manage_list.html",
        extra=_context(request),
    )


@login_required
def peer_group_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _edit(
        request,
        pk,
        objects=api_selectors.peer_groups(request.user),
        model=PeerGroup,
        form_class=PeerGroupForm,
        save=lambda form, stored: services.save_peer_group(request.user, *form.service_data(), stored),
        list_name="peer-group-list",
        titles=(_("Edit peer group"), _("New peer group")),
    )


# ---- yearly targets ------------------------------------------------------------------------------


@login_required
def target_list(request: HttpRequest) -> HttpResponse:
    link = (lambda t: reverse("target-edit", args=[t.pk])) if can_manage(request.user) else None
    columns = [
        Col(gettext_lazy("indicator"), lambda t: t.indicator.label, link=link, width=28),
        Col(gettext_lazy("area"), lambda t: t.area.name, width=14),
        Col(gettext_lazy("division code"), lambda t: t.area.code, width=10),
        Col(gettext_lazy("year"), lambda t: t.year, width=8),
        Col(pgettext_lazy("indicator", "target"), lambda t: t.value, width=10),
        Col(gettext_lazy("unit"), lambda t: t.indicator.unit, width=8),
        Col(gettext_lazy("baseline year"), lambda t: t.baseline_year, width=10),
        Col(gettext_lazy("baseline"), lambda t: t.baseline, width=10),
    ]
    actions = allowed_actions(
        request.user, Target, [("create", _("New yearly target"), reverse("target-new"), "plus-lg")]
    )
    return list_page(
        request,
        title=_("Yearly targets"),
        queryset=api_selectors.targets(request.user).order_by(
            "indicator__sort_order", "indicator__code", "area__code", "year"
        ),
        columns=columns,
        filterset_class=TargetListFilter,
        export_name="targets",
        actions=actions,
        template="indicators/manage_list.html",
        extra=_context(request),
    )


@login_required
def target_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _edit(
        request,
        pk,
        objects=api_selectors.targets(request.user),
        model=Target,
        form_class=TargetForm,
        save=lambda form, stored: services.save_target(request.user, form.service_data(), stored),
        list_name="target-list",
        titles=(_("Edit yearly target"), _("New yearly target")),
    )


urlpatterns: list[URLPattern] = [
    path("manage/indicators/", indicator_list, name="indicator-manage-list"),
    path("manage/indicators/new/", indicator_edit, name="indicator-new"),
    path("manage/indicators/<int:pk>/edit/", indicator_edit, name="indicator-edit"),
    path("manage/groups/", peer_group_list, name="peer-group-list"),
    path("manage/groups/new/", peer_group_edit, name="peer-group-new"),
    path("manage/groups/<int:pk>/edit/", peer_group_edit, name="peer-group-edit"),
    path("manage/targets/", target_list, name="target-list"),
    path("manage/targets/new/", target_edit, name="target-new"),
    path("manage/targets/<int:pk>/edit/", target_edit, name="target-edit"),
]
