"""Pages of assessment (考核): the list of schemes, a scheme with its items, grades and league of units, the
forms that set a scheme up, its workflow, and each unit's score sheet with the trail behind every point.
Reads come from `selectors`, writes go through `services`; the policy decides what each person sees and
may do. Adjustments and manual scores are in `adjustment_views`, fault tolerance in `exemption_views`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bihuan.assessment import exports, results, selectors, services, wording
from bihuan.assessment.forms import BandForm, ItemForm, MoveForm, SchemeFilter, SchemeForm
from bihuan.assessment.models import (
    Exemption,
    ExemptionStatus,
    GradeBand,
    Item,
    Method,
    Scheme,
    SchemeState,
)
from bihuan.core.policy import policy
from bihuan.core.services import Conflict
from bihuan.core.tables import Col, xlsx_response
from bihuan.indicators.models import Indicator
from bihuan.org.views import form_write

STATE_BADGES = {
    SchemeState.DRAFT: "text-bg-secondary",
    SchemeState.OPEN: "text-bg-primary",
    SchemeState.PREVIEW: "text-bg-warning",
    SchemeState.PUBLISHED: "text-bg-success",
}


def visible_scheme(user: Any, pk: int) -> Scheme:
    return get_object_or_404(selectors.schemes(user), pk=pk)


def published_by(scheme: Scheme) -> str:
    person = scheme.published_by
    return (person.get_full_name() or person.get_username()) if person is not None else ""


def scheme_url(scheme: Scheme, anchor: str = "") -> str:
    return reverse("assessment-scheme", args=[scheme.pk]) + (f"#{anchor}" if anchor else "")


def attempt(request: HttpRequest, write: Callable[[], Any], done: str) -> bool:
    """Run a service call and say what happened or why not; True when it worked."""
    try:
        write()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
        return True
    return False


def add_files(request: HttpRequest, record: Any) -> None:
    """More evidence files for an adjustment or a fault-tolerance request, from the POST's `files`; the
    caller has checked `add_evidence` and leads back to the record's page."""
    if request.method == "POST":
        uploads = request.FILES.getlist("files")
        attempt(
            request,
            lambda: services.add_evidence(request.user, record, uploads),
            _("%(count)s file(s) added.") % {"count": len(uploads)},
        )


# ---- the list --------------------------------------------------------------------------------------


def scheme_columns() -> list[Col]:
    return [
        Col(gettext_lazy("year"), lambda s: s.year, width=8),
        Col(gettext_lazy("name"), lambda s: s.name, link=lambda s: reverse("assessment-scheme", args=[s.pk]), width=30),
        Col(gettext_lazy("state"), lambda s: s.get_state_display(), width=10),
        Col(gettext_lazy("units assessed"), lambda s: s.unit_count, width=10),
        Col(gettext_lazy("items"), lambda s: s.item_count, width=8),
        Col(gettext_lazy("facts as of"), lambda s: s.as_of, width=12),
        Col(gettext_lazy("published at"), lambda s: s.published_at, width=16),
    ]


@login_required
def scheme_list(request: HttpRequest) -> HttpResponse:
    from django.db.models import Count

    visible = selectors.schemes(request.user)
    years = sorted(set(visible.values_list("year", flat=True)), reverse=True)
    form = SchemeFilter(request.GET or None, years)
    shown = visible
    if form.is_bound and form.is_valid():
        if form.cleaned_data["year"]:
            shown = shown.filter(year=form.cleaned_data["year"])
        if form.cleaned_data["state"]:
            shown = shown.filter(state=form.cleaned_data["state"])
    shown = shown.annotate(unit_count=Count("units", distinct=True), item_count=Count("items", distinct=True)).order_by(
        "-year", "name"
    )
    columns = scheme_columns()
    if request.GET.get("format") == "xlsx":
        return xlsx_response("assessment-schemes", _("Assessment schemes"), columns, shown)
    page = Paginator(shown, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessment/scheme_list.html",
        {
            "title": _("Assessment schemes"),
            "filter": form,
            "page": page,
            "query": query.urlencode(),
            "badges": STATE_BADGES,
            "can_create": policy.can(request.user, "create", Scheme),
            "pending": selectors.exemptions(request.user, ExemptionStatus.PENDING).count(),
        },
    )


# ---- one scheme ------------------------------------------------------------------------------------

WORKFLOW = (
    # (from, to, policy action, label, button style, confirm)
    (SchemeState.DRAFT, SchemeState.OPEN, "open", gettext_lazy("Open the scheme"), "primary", False),
    (SchemeState.OPEN, SchemeState.DRAFT, "open", gettext_lazy("Back to draft"), "outline-secondary", False),
    (SchemeState.OPEN, SchemeState.PREVIEW, "preview", gettext_lazy("Preview the results"), "primary", False),
    (SchemeState.PREVIEW, SchemeState.OPEN, "preview", gettext_lazy("Back to open"), "outline-secondary", False),
    (SchemeState.PREVIEW, SchemeState.PUBLISHED, "publish", gettext_lazy("Publish the results"), "danger", True),
)


def workflow_steps(scheme: Scheme, allowed: set[str]) -> list[dict[str, Any]]:
    return [
        {"to": to, "label": label, "style": style, "confirm": confirm}
        for start, to, action, label, style, confirm in WORKFLOW
        if start == scheme.state and action in allowed
    ]


def league_rows(data: dict[str, Any], scheme: Scheme) -> list[dict[str, Any]]:
    """The rows of the league table: each item's points in the order of the scheme's items."""
    keys = [item["id"] for item in data["items"]]
    return [
        {
            **row,
            "points": [row["items"].get(key, {}).get("points") for key in keys],
            "note_text": wording.grade_note(row.get("note", "")),
            "sheet_url": reverse("assessment-sheet", args=[scheme.pk, row["unit"]["id"]]),
        }
        for row in data["units"]
    ]


@login_required
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = visible_scheme(request.user, pk)
    allowed = policy.actions_for(request.user, scheme)
    data = selectors.scheme_results(request.user, scheme)
    items = list(scheme.items.select_related("indicator", "peer_group").order_by("sort_order", "id"))
    editable = scheme.state in (SchemeState.DRAFT, SchemeState.OPEN) and policy.can(request.user, "create", Item)
    problems = (
        services.problems_before_opening(scheme) if scheme.state == SchemeState.DRAFT and "open" in allowed else []
    )
    rows = league_rows(data, scheme)
    context = {
        "title": str(scheme),
        "scheme": scheme,
        "badge": STATE_BADGES[scheme.state],
        "allowed": allowed,
        "steps": workflow_steps(scheme, allowed),
        "items": [(item, wording.item_parameters(item)) for item in items],
        "weight_total": sum((item.weight for item in items), 0),
        "bands": list(scheme.bands.order_by("sort_order", "id")),
        "demerit_rules": wording.demerit_rules(scheme),
        "editable": editable,
        "problems": problems,
        "data": data,
        "as_of": data["as_of"],
        "rows": rows,
        "weight_spread": any(value is None for row in rows for value in row["points"]),  # "—" needs its footnote
        "sees_all": "view_all" in allowed,
        "manual_items": [item for item in items if item.method == Method.MANUAL],
        "pending": Exemption.objects.filter(adjustment__scheme=scheme, status=ExemptionStatus.PENDING).count()
        if "publish" in allowed
        else 0,
        "unit_count": scheme.units.count(),
        "published_by": published_by(scheme),
    }
    return render(request, "assessment/scheme_detail.html", context)


@login_required
def scheme_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    scheme = visible_scheme(request.user, pk) if pk else None
    policy.require(request.user, "change" if scheme else "create", scheme or Scheme)
    form = SchemeForm(request.POST if request.method == "POST" else None, instance=scheme)
    if request.method == "POST" and form.is_valid():
        stored = Scheme.objects.get(pk=pk) if pk else None
        saved = form_write(
            form, lambda: services.save_scheme(request.user, form.service_data(), form.chosen_units(), stored)
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect(scheme_url(saved))
    return render(
        request,
        "assessment/scheme_form.html",
        {
            "title": _("Edit assessment scheme") if scheme else _("New assessment scheme"),
            "scheme": scheme,
            "form": form,
            "unit_kinds": form.unit_kinds,
            "cancel_url": scheme_url(scheme) if scheme else reverse("assessment-list"),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def scheme_move(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = visible_scheme(request.user, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That action is not known."))
        return redirect(scheme_url(scheme))
    to = form.cleaned_data["to"]
    step = next((s for s in WORKFLOW if s[0] == scheme.state and s[1] == to), None)
    if step is None:
        messages.error(
            request, _("The scheme is %(state)s; it cannot move to that state.") % {"state": scheme.get_state_display()}
        )
        return redirect(scheme_url(scheme))
    policy.require(request.user, step[2], scheme)
    try:
        services.move(request.user, scheme, to, expected_version=form.cleaned_data["version"])
    except ValidationError as exc:
        messages.error(request, _("The scheme cannot open yet:"))
        for message in exc.messages:
            messages.warning(request, message)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        done = {
            SchemeState.OPEN: _("The scheme is open."),
            SchemeState.DRAFT: _("The scheme is a draft again."),
            SchemeState.PREVIEW: _("The results are in preview; they are not published."),
            SchemeState.PUBLISHED: _("The results are published and frozen."),
        }[to]
        messages.success(request, done)
    return redirect(scheme_url(scheme))


# ---- items and grades ------------------------------------------------------------------------------


def _part_page(
    request: HttpRequest,
    scheme: Scheme,
    form: Any,
    *,
    title: str,
    template: str = "assessment/part_form.html",
) -> HttpResponse:
    return render(
        request,
        template,
        {"title": title, "form": form, "scheme": scheme, "cancel_url": scheme_url(scheme, "setup")},
        status=400 if form.is_bound and form.errors else 200,
    )


def _edit_part(
    request: HttpRequest,
    scheme: Scheme,
    part_pk: int | None,
    *,
    model: type,
    form_class: type,
    save: Callable[[Any, Any], Any],
    titles: tuple[str, str],
    template: str = "assessment/part_form.html",
) -> HttpResponse:
    """Create or change an item or a grade of a scheme through its service; errors on the form fields."""
    part = get_object_or_404(model.objects.filter(scheme=scheme), pk=part_pk) if part_pk else None
    policy.require(request.user, "change" if part else "create", part or model)
    form = form_class(request.POST if request.method == "POST" else None, instance=part)
    if request.method == "POST" and form.is_valid():
        stored = model.objects.get(pk=part_pk) if part_pk else None
        if form_write(form, lambda: save(form, stored)) is not None:
            messages.success(request, _("Saved."))
            return redirect(scheme_url(scheme, "setup"))
    return _part_page(request, scheme, form, title=titles[0] if part else titles[1], template=template)


@login_required
def item_edit(request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
    scheme = visible_scheme(request.user, pk)
    return _edit_part(
        request,
        scheme,
        item_pk,
        model=Item,
        form_class=ItemForm,
        save=lambda form, stored: services.save_item(request.user, scheme, form.service_data(), stored),
        titles=(_("Edit item"), _("New item")),
        template="assessment/item_form.html",
    )


@login_required
def band_edit(request: HttpRequest, pk: int, band_pk: int | None = None) -> HttpResponse:
    scheme = visible_scheme(request.user, pk)
    return _edit_part(
        request,
        scheme,
        band_pk,
        model=GradeBand,
        form_class=BandForm,
        save=lambda form, stored: services.save_band(request.user, scheme, form.service_data(), stored),
        titles=(_("Edit grade"), _("New grade")),
    )


@login_required
@require_POST
def part_delete(request: HttpRequest, pk: int, kind: str, part_pk: int) -> HttpResponse:
    scheme = visible_scheme(request.user, pk)
    model = {"items": Item, "bands": GradeBand}.get(kind)
    if model is None:
        raise Http404
    part = get_object_or_404(model.objects.filter(scheme=scheme), pk=part_pk)
    policy.require(request.user, "delete", part)
    attempt(request, lambda: services.delete_part(request.user, part), _("Deleted: %(name)s.") % {"name": part.name})
    return redirect(scheme_url(scheme, "setup"))


# ---- exports of a scheme ---------------------------------------------------------------------------


@login_required
def league_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = visible_scheme(request.user, pk)
    policy.require(request.user, "export", scheme)
    return exports.league_workbook(scheme, selectors.scheme_results(request.user, scheme))


@login_required
def sheets_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = visible_scheme(request.user, pk)
    policy.require(request.user, "export", scheme)
    return exports.sheets_workbook(scheme, selectors.scheme_results(request.user, scheme))


# ---- a unit's score sheet --------------------------------------------------------------------------


def indicator_codes(row: dict[str, Any]) -> dict[int, str]:
    """The codes of the indicators a sheet's trail names, for links to their league tables (one query)."""
    ids = {e["indicator_id"] for item in row["items"].values() for e in item["trail"] if e.get("indicator_id")}
    return dict(Indicator.objects.filter(pk__in=ids).values_list("pk", "code")) if ids else {}


def sheet_adjustments(row: dict[str, Any], requestable: set[int]) -> list[dict[str, Any]]:
    return [
        {
            **a,
            "kind_text": wording.kind_label(a["kind"]),
            "rule_text": wording.rule_label(a.get("rule", "")),
            "state_text": wording.adjustment_state(a),
            "withdrawn_text": wording.withdrawn_reason(a.get("withdrawn_reason", "")),
            "task_url": reverse("task-detail", args=[a["task"]]) if a.get("task") else "",
            "approved": next((e for e in a.get("exemptions", []) if e["status"] == ExemptionStatus.APPROVED), None),
            "can_request": a["id"] in requestable,
        }
        for a in row["adjustments"]
    ]


@login_required
def unit_sheet(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    scheme = visible_scheme(request.user, pk)
    # selectors.unit_sheet, with the scheme's items and as-of day kept from the same single computation
    data = selectors.scheme_results(request.user, scheme)
    row = results.unit_row(data, unit_pk)
    if row is None:
        raise Http404
    codes = indicator_codes(row)
    items = []
    facts = None
    for item in data["items"]:
        scored = row["items"].get(item["id"])
        if scored is None:
            continue
        facts = facts or scored.get("facts")
        items.append(
            {
                **item,
                "weight": scored.get("weight", item["weight"]),  # this unit's, when another item's weight came to it
                "method_text": dict(Method.choices).get(item["method"], item["method"]),
                "scored": scored,
                "lines": [wording.trail_line(e, codes) for e in scored["trail"]],
            }
        )
    context = {
        "title": _("Score sheet: %(unit)s") % {"unit": row["unit"]["name"]},
        "scheme": scheme,
        "badge": STATE_BADGES[scheme.state],
        "row": row,
        "note_text": wording.grade_note(row.get("note", "")),
        "items": items,
        "facts": facts,
        "adjustments": sheet_adjustments(row, selectors.requestable_demerits(request.user, scheme, unit_pk)),
        "sees_all": policy.can(request.user, "view_all", scheme),
        "as_of": data["as_of"],
        "published_by": published_by(scheme),
    }
    return render(request, "assessment/unit_sheet.html", context)
