"""Pages where the assessment office adjusts a scheme's results: incentives, demerits and vetoes for a unit
(added, withdrawn with a reason, the automatic demerits refreshed from the supervision records), and the grid
of manual scores of an item."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bihuan.assessment import importers, selectors, services, wording
from bihuan.assessment.forms import AdjustmentForm, ManualScoreRowForm, ReasonForm
from bihuan.assessment.models import Adjustment, AdjustmentKind, Item, ManualScore, Method, Scheme
from bihuan.assessment.views import STATE_BADGES, add_files, attempt, scheme_url, visible_scheme
from bihuan.core.files import kept_file_response
from bihuan.core.policy import policy
from bihuan.core.services import Conflict
from bihuan.core.tables import Col, xlsx_response
from bihuan.org.views import apply_errors, import_flow


def adjustments_url(scheme: Scheme, anchor: str = "") -> str:
    return reverse("assessment-adjustments", args=[scheme.pk]) + (f"#{anchor}" if anchor else "")


def allowed_kinds(user: Any) -> list[str]:
    """The supervision office records demerits; the assessment office every kind (the service checks it too)."""
    return [AdjustmentKind.DEMERIT] if services.role_is_supervisor(user) else list(AdjustmentKind.values)


def adjustment_columns() -> list[Col]:
    return [
        Col(gettext_lazy("unit"), lambda a: a.unit.name, width=20),
        Col(gettext_lazy("kind"), lambda a: a.get_kind_display(), width=10),
        Col(gettext_lazy("points"), lambda a: float(a.points), width=8),
        Col(gettext_lazy("reason"), lambda a: a.reason, width=40),
        Col(gettext_lazy("evidence"), lambda a: a.evidence, width=24),
        Col(gettext_lazy("evidence files"), lambda a: "\n".join(f.filename for f in a.files.all()), width=24),
        Col(gettext_lazy("automatic rule"), lambda a: a.get_rule_display() if a.rule else "", width=14),
        Col(gettext_lazy("key task"), lambda a: a.task.number if a.task else "", width=12),
        Col(gettext_lazy("state"), lambda a: a.state_text, width=12),
        Col(gettext_lazy("reason for withdrawal"), lambda a: wording.withdrawn_reason(a.withdrawn_reason), width=24),
        Col(gettext_lazy("created"), lambda a: a.created_at, width=16),
    ]


def _with_state(adjustments: list[Adjustment]) -> list[Adjustment]:
    for a in adjustments:
        statuses = [e.status for e in a.exemptions.all()]
        a.state_text = wording.adjustment_state(
            {
                "withdrawn": a.withdrawn,
                "exempted": "approved" in statuses and a.kind == AdjustmentKind.DEMERIT,
                "exemptions": [{"status": s} for s in statuses],
            }
        )
    return adjustments


@login_required
def adjustment_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Every adjustment of the scheme, the form to add one and the refresh of the automatic demerits."""
    scheme = visible_scheme(request.user, pk)
    allowed = policy.actions_for(request.user, scheme)
    if not ({"adjust", "view_all"} & allowed):
        raise PermissionDenied
    units = list(scheme.units.order_by("sort_order", "code"))
    posted = request.method == "POST"
    form = AdjustmentForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        units=units,
        kinds=allowed_kinds(request.user),
    )
    if request.method == "POST":
        policy.require(request.user, "adjust", scheme)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.add_adjustment(
                    request.user,
                    scheme,
                    form.units[data["unit"]],
                    data["kind"],
                    data["points"] or 0,
                    data["reason"],
                    data["evidence"],
                    uploads=data["files"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Recorded."))
                return redirect(adjustments_url(scheme))
    adjustments = _with_state(
        list(
            selectors.adjustments(request.user, scheme)
            .prefetch_related("exemptions", "files")
            .order_by("unit__sort_order", "unit__code", "created_at", "id")
        )
    )
    if request.GET.get("format") == "xlsx":
        return xlsx_response(f"assessment-{scheme.pk}-adjustments", _("Adjustments"), adjustment_columns(), adjustments)
    withdrawable = _allowed_rows(request.user, scheme, adjustments, "withdraw")
    extendable = _allowed_rows(request.user, scheme, adjustments, "add_evidence")
    return render(
        request,
        "assessment/adjustments.html",
        {
            "title": _("Adjustments · %(scheme)s") % {"scheme": scheme},
            "scheme": scheme,
            "badge": STATE_BADGES[scheme.state],
            "form": form,
            "can_adjust": "adjust" in allowed,
            "adjustments": [(a, a.pk in withdrawable, a.pk in extendable) for a in adjustments],
            "automatic_rules": wording.demerit_rules(scheme),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _allowed_rows(user: Any, scheme: Scheme, adjustments: list[Adjustment], action: str) -> set[int]:
    """Which of the (already visible) adjustments the user may withdraw or add files to, asked of the rules
    without a visibility query per row."""
    from bihuan.core.roles import role_of

    role = role_of(user)
    rules = policy.rules_for(Adjustment)
    for a in adjustments:
        a.scheme = scheme
    return {a.pk for a in adjustments if role and rules.can(user, role, action, a)}


@login_required
def adjustment_withdraw(request: HttpRequest, pk: int, adjustment_pk: int) -> HttpResponse:
    scheme = visible_scheme(request.user, pk)
    adjustment = get_object_or_404(selectors.adjustments(request.user, scheme), pk=adjustment_pk)
    policy.require(request.user, "withdraw", adjustment)
    if request.method != "POST":
        return redirect(adjustments_url(scheme))
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the adjustment is withdrawn."))
    else:
        attempt(
            request,
            lambda: services.withdraw_adjustment(request.user, adjustment, form.cleaned_data["reason"]),
            _("Withdrawn: %(adjustment)s.") % {"adjustment": adjustment},
        )
    return redirect(adjustments_url(scheme))


@login_required
def adjustment_files(request: HttpRequest, pk: int, adjustment_pk: int) -> HttpResponse:
    """More evidence files for an adjustment, from the adjustments page."""
    scheme = visible_scheme(request.user, pk)
    adjustment = get_object_or_404(selectors.adjustments(request.user, scheme), pk=adjustment_pk)
    policy.require(request.user, "add_evidence", adjustment)
    add_files(request, adjustment)
    return redirect(adjustments_url(scheme))


@login_required
def refresh_demerits(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = visible_scheme(request.user, pk)
    policy.require(request.user, "adjust", scheme)
    if request.method != "POST":
        return redirect(adjustments_url(scheme))
    try:
        added, withdrawn = services.refresh_automatic_demerits(request.user, scheme, timezone.localdate())
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Automatic demerits refreshed: %(added)s added, %(withdrawn)s withdrawn.")
            % {"added": added, "withdrawn": withdrawn},
        )
    return redirect(adjustments_url(scheme))


@login_required
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    """An evidence file, to whoever may see the adjustment or the fault-tolerance request it came with."""
    kept = get_object_or_404(selectors.evidence_files(request.user), pk=pk)
    return kept_file_response(kept.sha256, kept.filename, kept.content_type)


# ---- manual scores ---------------------------------------------------------------------------------


@login_required
def manual_scores(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Every unit's points and comment on one manual item; all rows are checked, and saved together or not at all."""
    scheme = visible_scheme(request.user, pk)
    item = get_object_or_404(Item.objects.filter(scheme=scheme, method=Method.MANUAL), pk=item_pk)
    policy.require(request.user, "score", scheme)
    units = list(scheme.units.order_by("sort_order", "code"))
    stored = {s.unit_id: s for s in ManualScore.objects.filter(item=item).select_related("entered_by")}
    rows = []
    for unit in units:
        score = stored.get(unit.pk)
        initial = {"points": score.points, "comment": score.comment} if score else {}
        data = request.POST if request.method == "POST" else None
        rows.append((ManualScoreRowForm(data, prefix=f"u{unit.pk}", unit=unit, initial=initial), score))
    if request.method == "POST":
        saved = _save_scores(request, item, rows, stored)
        if saved is not None:
            messages.success(request, _("%(count)s score(s) saved.") % {"count": saved})
            return redirect(scheme_url(scheme, "setup"))
        messages.error(request, _("Nothing was saved: correct the rows marked below."))
    return render(
        request,
        "assessment/manual_scores.html",
        {
            "title": _("Manual scores · %(item)s") % {"item": item.name},
            "scheme": scheme,
            "item": item,
            "rows": rows,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def manual_scores_import(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Upload the filled-in sheet → preview (what would be entered or changed) → apply, all or nothing."""
    scheme = visible_scheme(request.user, pk)
    item = get_object_or_404(Item.objects.filter(scheme=scheme, method=Method.MANUAL), pk=item_pk)
    policy.require(request.user, "score", scheme)
    done = reverse("assessment-scores", args=[scheme.pk, item.pk])
    context: dict[str, Any] = {
        "title": _("Import scores · %(item)s") % {"item": item.name},
        "template_url": reverse("assessment-scores-sheet", args=[scheme.pk, item.pk]),
        "back_url": done,
        "back_label": _("Manual scores · %(item)s") % {"item": item.name},
    }
    return import_flow(
        request, context, partial(importers.import_manual_scores, item=item), done, "assessment.manualscore"
    )


@login_required
def manual_scores_sheet(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """The sheet to fill in for an item: every unit of the scheme, with its points and comment so far."""
    scheme = visible_scheme(request.user, pk)
    item = get_object_or_404(Item.objects.filter(scheme=scheme, method=Method.MANUAL), pk=item_pk)
    policy.require(request.user, "score", scheme)
    response = HttpResponse(
        importers.scores_sheet(item), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="assessment-{scheme.pk}-item-{item.pk}-scores.xlsx"'
    return response


def _save_scores(
    request: HttpRequest, item: Item, rows: list[tuple[ManualScoreRowForm, Any]], stored: dict[int, ManualScore]
) -> int | None:
    """Save the changed rows through the service; None (and nothing saved) when any row is wrong."""
    valid = all([form.is_valid() for form, _score in rows])  # every row validated, so every error shows
    if not valid:
        return None
    changed = []
    for form, score in rows:
        if not form.filled:
            continue
        points, comment = form.cleaned_data["points"], form.cleaned_data["comment"].strip()
        if score is None or score.points != points or score.comment != comment:
            changed.append((form, points, comment))
    failed = False
    with transaction.atomic():
        for form, points, comment in changed:
            try:
                services.save_manual_score(request.user, item, form.unit, points, comment)
            except ValidationError as exc:
                apply_errors(form, exc)
                failed = True
        if failed:
            transaction.set_rollback(True)
    return None if failed else len(changed)
