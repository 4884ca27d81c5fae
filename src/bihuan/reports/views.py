"""Pages of bulletins (通报): the list, the generate form, a draft's page (edit, regenerate, preview, downloads,
publish) and a published bulletin's page (read-only, with the files kept when it was published)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from bihuan.core.files import kept_file_response
from bihuan.core.pages import allowed_actions, form_page, list_page
from bihuan.core.policy import policy
from bihuan.core.services import Conflict
from bihuan.core.tables import Col
from bihuan.org.views import apply_errors
from bihuan.reports import selectors, services
from bihuan.reports.filtersets import BulletinFilter
from bihuan.reports.forms import EditForm, GenerateForm, PublishForm
from bihuan.reports.models import Bulletin, Format, Kind, State
from bihuan.reports.render_html import body_context


def bulletin_columns() -> list[Col]:
    kinds, states = dict(Kind.choices), dict(State.choices)

    def detail(bulletin: Bulletin) -> str:
        return reverse("bulletin-detail", args=[bulletin.pk])

    return [
        Col(pgettext_lazy("bulletin", "period"), lambda b: b.period, link=detail, width=10),
        Col(gettext_lazy("kind"), lambda b: kinds.get(b.kind, b.kind), width=8),
        Col(gettext_lazy("unit"), lambda b: b.unit.label if b.unit else _("The whole city"), width=14),
        Col(pgettext_lazy("bulletin", "title"), lambda b: b.title, link=detail, width=44, css=lambda b: "bh-wrap"),
        Col(gettext_lazy("document number"), lambda b: b.number, width=14),
        Col(
            gettext_lazy("state"),
            lambda b: states.get(b.state, b.state),
            width=10,
            css=lambda b: "text-success" if b.state == State.PUBLISHED else "text-secondary",
        ),
        Col(gettext_lazy("published"), lambda b: b.published_at, width=16),
    ]


@login_required
def bulletin_list(request: HttpRequest) -> HttpResponse:
    return list_page(
        request,
        title=_("Bulletins"),
        queryset=selectors.bulletins(request.user),
        columns=bulletin_columns(),
        filterset_class=BulletinFilter,
        export_name="bulletins",
        actions=allowed_actions(
            request.user, Bulletin, [("create", _("Generate a bulletin"), reverse("bulletin-new"), "plus-lg")]
        ),
    )


@login_required
def bulletin_new(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "create", Bulletin)
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    form = GenerateForm(request.POST or None, initial={"period": last_month})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            bulletin = services.generate(request.user, data["period"], data["kind"], data["unit"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The draft is ready: write the paragraphs, then publish it."))
            return redirect("bulletin-detail", bulletin.pk)
    return form_page(
        request, form, title=_("Generate a bulletin"), submit=_("Generate"), cancel_url=reverse("bulletin-list")
    )


def _visible(user: Any, pk: int) -> Bulletin:
    return get_object_or_404(selectors.bulletins(user), pk=pk)


@login_required
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _visible(request.user, pk)
    return _detail_page(request, bulletin)


def _detail_page(
    request: HttpRequest, bulletin: Bulletin, edit_form: Any = None, publish_form: Any = None, status: int = 200
) -> HttpResponse:
    allowed = policy.actions_for(request.user, bulletin)
    draft = bulletin.state == State.DRAFT
    context = {
        "title": bulletin.title,
        "bulletin": bulletin,
        "draft": draft,
        "can_change": draft and "change" in allowed,
        "can_publish": draft and "publish" in allowed,
        "can_discard": draft and "discard" in allowed,
        "files": selectors.files(request.user, bulletin) if not draft else {},
        "formats": Format.choices,
        "recipients": list(bulletin.recipient_users.all()) if not draft else [],
        "recipient_units": list(bulletin.recipient_units.all()) if not draft else [],
        **body_context(selectors.document_of(bulletin)),
    }
    if context["can_change"]:
        context["edit_form"] = edit_form or EditForm(instance=bulletin)
    if context["can_publish"]:
        context["publish_form"] = publish_form or PublishForm()
    return render(request, "reports/bulletin_detail.html", context, status=status)


def _office_draft(request: HttpRequest, pk: int, action: str) -> Bulletin:
    bulletin = _visible(request.user, pk)
    policy.require(request.user, action, bulletin)
    return bulletin


@login_required
@require_POST
def bulletin_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _office_draft(request, pk, "change")
    form = EditForm(request.POST, instance=Bulletin.objects.get(pk=pk))
    if form.is_valid():
        fields = EditForm.Meta.fields
        try:
            services.edit(request.user, bulletin, {name: form.cleaned_data[name] for name in fields})
        except ValidationError as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            messages.error(request, str(exc))
            return redirect("bulletin-detail", pk)
        else:
            messages.success(request, _("Saved."))
            return redirect("bulletin-detail", pk)
    return _detail_page(request, Bulletin.objects.get(pk=pk), edit_form=form, status=400)


@login_required
@require_POST
def bulletin_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _office_draft(request, pk, "change")
    try:
        services.regenerate(request.user, bulletin)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The figures were compiled again from today's data."))
    return redirect("bulletin-detail", pk)


@login_required
@require_POST
def bulletin_discard(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _office_draft(request, pk, "discard")
    try:
        services.discard(request.user, bulletin)
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("bulletin-detail", pk)
    messages.success(request, _("The draft was discarded."))
    return redirect("bulletin-list")


@login_required
@require_POST
def bulletin_publish(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _office_draft(request, pk, "publish")
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            services.publish(request.user, bulletin, form.cleaned_data["users"], form.cleaned_data["units"])
        except ValidationError as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            messages.error(request, str(exc))
            return redirect("bulletin-detail", pk)
        else:
            messages.success(request, _("Published: the recipients find it in their inbox and e-mail."))
            return redirect("bulletin-detail", pk)
    return _detail_page(request, Bulletin.objects.get(pk=pk), publish_form=form, status=400)


@login_required
def bulletin_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A published bulletin's kept file; a draft's rendered now (for the office, who alone sees drafts)."""
    if fmt not in Format.values:
        raise Http404
    bulletin = _visible(request.user, pk)
    inline = fmt == Format.HTML
    if bulletin.state == State.DRAFT:
        content = selectors.rendered(selectors.document_of(bulletin), fmt)
        name = f"bulletin-{bulletin.period}{'-' + bulletin.unit.code if bulletin.unit else ''}-draft.{fmt}"
        response = HttpResponse(content, content_type=services.CONTENT_TYPES[fmt])
        disposition = "inline" if inline else "attachment"
        response["Content-Disposition"] = f'{disposition}; filename="{name}"'
        return response
    kept = selectors.files(request.user, bulletin).get(fmt)
    if kept is None:
        raise Http404
    return kept_file_response(kept.sha256, kept.filename, kept.content_type, inline=inline)
