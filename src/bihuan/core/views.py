"""Pages of the core app: home, inbox, profile, audit log, deliveries and webhooks."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from bihuan.core import notifications, selectors
from bihuan.core.audit import verify_chain
from bihuan.core.filtersets import AuditEventFilter, DeliveryFilter
from bihuan.core.forms import WebhookForm, bootstrapify
from bihuan.core.models import AuditEvent, Delivery, Notification, WebhookEndpoint
from bihuan.core.pages import form_page, list_page
from bihuan.core.policy import policy
from bihuan.core.roles import role_of
from bihuan.core.services import save_model
from bihuan.core.tables import Col


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", selectors.home_context(request.user, role_of(request.user)))


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "all")
    items = selectors.inbox(request.user, unread_only=show == "unread")
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    return render(request, "core/inbox.html", {"title": _("Inbox"), "page": page, "show": show})


@login_required
def inbox_count(request: HttpRequest) -> HttpResponse:
    return render(request, "core/_unread_badge.html")


@login_required
@require_POST
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(policy.visible(request.user, Notification.objects.all()), pk=pk)
    notifications.mark_read(request.user, note)
    if request.htmx:
        return render(request, "core/_notification.html", {"note": note, "oob_badge": True})
    return redirect(note.url or "inbox")


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications.mark_all_read(request.user)
    messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
    return redirect("inbox")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    from bihuan.org import services as org_services

    context = {"title": _("My profile"), "token": Token.objects.filter(user=request.user).first()}
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "token":
            context["new_token"] = org_services.create_api_token(request.user)
            context["token"] = Token.objects.filter(user=request.user).first()
            messages.success(request, _("A new API token was created. Copy it now: it is shown only once."))
            return render(request, "core/profile.html", context)
        if action == "revoke":
            org_services.revoke_api_token(request.user)
            messages.success(request, _("Your API token was revoked."))
        elif action == "preferences" and hasattr(request.user, "profile"):
            org_services.set_own_preferences(
                request.user,
                email_notifications=request.POST.get("email") == "on",
                daily_digest=request.POST.get("digest") == "on",
            )
            messages.success(request, _("Saved."))
        return redirect("profile")
    return render(request, "core/profile.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("home")
    title = gettext_lazy("Change password")

    def get_form(self, form_class=None):
        return bootstrapify(super().get_form(form_class))

    def form_valid(self, form):
        from bihuan.org.services import record_own_password_change

        with transaction.atomic():  # the new password and its audit event together
            response = super().form_valid(form)
            record_own_password_change(self.request.user)
        messages.success(self.request, _("Your password was changed."))
        return response


def audit_columns() -> list[Col]:
    return [
        Col(gettext_lazy("sequence"), lambda e: e.seq, width=8),
        Col(gettext_lazy("time"), lambda e: e.created_at, width=18),
        Col(gettext_lazy("user"), lambda e: e.actor_name if e.actor_id else selectors.SYSTEM_NAME, width=14),
        Col(gettext_lazy("action"), lambda e: selectors.action_label(e.action), width=14),
        Col(gettext_lazy("object type"), lambda e: selectors.object_type_label(e.object_type), width=12),
        Col(gettext_lazy("object id"), lambda e: e.object_id, width=8),
        Col(gettext_lazy("object"), lambda e: e.object_repr, width=24),
        Col(gettext_lazy("changes"), lambda e: e.changes_display, width=60),
    ]


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "view", AuditEvent)
    if request.GET.get("verify") == "1":
        report = verify_chain()
        if report.ok:
            messages.success(
                request, _("The audit chain is intact: %(count)s events checked.") % {"count": report.checked}
            )
        else:
            messages.error(
                request,
                _("The audit chain is broken at event #%(seq)s: %(reason)s")
                % {"seq": report.broken_seq, "reason": report.reason},
            )
    return list_page(
        request,
        title=_("Audit log"),
        queryset=selectors.audit_events(request.user),
        columns=audit_columns(),
        filterset_class=AuditEventFilter,
        export_name="audit",
        actions=[(_("Verify the chain"), "?verify=1", "shield-check")],
        prepare=selectors.describe_changes,
    )


def delivery_columns() -> list[Col]:
    return [
        Col(gettext_lazy("created"), lambda d: d.created_at, width=18),
        Col(gettext_lazy("channel"), lambda d: d.get_channel_display(), width=10),
        Col(gettext_lazy("target"), lambda d: d.target, width=30),
        Col(gettext_lazy("status"), lambda d: d.get_status_display(), width=10),
        Col(gettext_lazy("attempts"), lambda d: d.attempts, width=8),
        Col(gettext_lazy("next attempt"), lambda d: d.next_attempt_at, width=18),
        Col(gettext_lazy("last error"), lambda d: d.last_error, width=40),
    ]


@login_required
def delivery_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "view", Delivery)
    failed = selectors.deliveries(request.user).filter(status=Delivery.Status.FAILED)
    return list_page(
        request,
        title=_("Deliveries"),
        queryset=selectors.deliveries(request.user),
        columns=delivery_columns(),
        filterset_class=DeliveryFilter,
        template="core/delivery_list.html",
        actions=[(_("Webhooks"), reverse("webhook-list"), "broadcast")],
        extra={"failed": failed[:50]},
    )


@login_required
@require_POST
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(selectors.deliveries(request.user), pk=pk)
    notifications.retry_delivery(request.user, delivery)
    messages.success(request, _("The delivery was queued again."))
    return redirect("delivery-list")


@login_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "view", WebhookEndpoint)
    columns = [
        Col(gettext_lazy("name"), lambda w: w.name, link=lambda w: reverse("webhook-edit", args=[w.pk])),
        Col(gettext_lazy("URL"), lambda w: w.url, width=40),
        Col(gettext_lazy("active"), lambda w: w.active),
    ]
    return list_page(
        request,
        title=_("Webhooks"),
        queryset=policy.visible(request.user, WebhookEndpoint.objects.all()),
        columns=columns,
        actions=[(_("New webhook"), reverse("webhook-new"), "plus-lg")],
        note=_(
            "Every notification is also POSTed as JSON to each active webhook, signed with HMAC-SHA256 "
            "of “timestamp.body” in the X-Bihuan-Signature header."
        ),
    )


@login_required
def webhook_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    endpoint = get_object_or_404(policy.visible(request.user, WebhookEndpoint.objects.all()), pk=pk) if pk else None
    policy.require(request.user, "change" if endpoint else "create", endpoint or WebhookEndpoint)
    form = WebhookForm(request.POST or None, instance=endpoint)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in WebhookForm.Meta.fields}
        save_model(request.user, endpoint or WebhookEndpoint(), data, fields=["name", "url", "active"])
        messages.success(request, _("Saved."))
        return redirect("webhook-list")
    return form_page(request, form, title=_("Webhook"), cancel_url=reverse("webhook-list"))
