"""Pages for units, plates and people, including import with preview."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import xlsxwriter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bihuan.core import selectors as core_selectors
from bihuan.core import uploads
from bihuan.core.importing import ImportFailed
from bihuan.core.pages import allowed_actions, form_page, list_page
from bihuan.core.policy import policy
from bihuan.core.roles import Role, stored_role
from bihuan.core.selectors import changes_text
from bihuan.core.services import Conflict
from bihuan.core.tables import Col
from bihuan.org import importers, selectors, services
from bihuan.org.filtersets import UnitFilter, UnitGroupFilter, UserFilter
from bihuan.org.forms import SetPasswordForm, UnitForm, UnitGroupForm, UserForm
from bihuan.org.models import Unit, UnitGroup
from bihuan.supervision import importers as task_importers
from bihuan.supervision.models import KeyTask

User = get_user_model()


def apply_errors(form: Any, exc: ValidationError) -> None:
    """Show a service's validation errors on the form fields they belong to."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def form_write(form: Any, write: Callable[[], Any]) -> Any | None:
    """Run a valid form's service call; its ValidationError goes onto the form's fields and a Conflict (the
    record changed meanwhile) above them. What the call returned, or None when it did not go through."""
    try:
        return write()
    except ValidationError as exc:
        apply_errors(form, exc)
    except Conflict as exc:
        form.add_error(None, str(exc))
    return None


# ---- units ---------------------------------------------------------------------------------------


def unit_columns() -> list[Col]:
    return [
        Col(gettext_lazy("code"), lambda u: u.code, link=lambda u: reverse("unit-detail", args=[u.pk]), width=10),
        Col(gettext_lazy("name"), lambda u: u.name, link=lambda u: reverse("unit-detail", args=[u.pk]), width=28),
        Col(gettext_lazy("short name"), lambda u: u.short_name, width=14),
        Col(gettext_lazy("kind"), lambda u: u.get_kind_display(), width=14),
        Col(gettext_lazy("parent unit"), lambda u: u.parent.name if u.parent else "", width=20),
        Col(gettext_lazy("parent code"), lambda u: u.parent.code if u.parent else "", width=10),
        Col(gettext_lazy("people"), lambda u: u.member_count, width=8),
        Col(gettext_lazy("active"), lambda u: u.active, width=8),
    ]


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    actions = allowed_actions(
        request.user,
        Unit,
        [
            ("create", _("New unit"), reverse("unit-new"), "plus-lg"),
            ("import", _("Import"), reverse("unit-import"), "upload"),
        ],
    )
    return list_page(
        request,
        title=_("Units"),
        queryset=selectors.units(request.user),
        columns=unit_columns(),
        filterset_class=UnitFilter,
        export_name="units",
        actions=actions,
    )


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(selectors.units(request.user), pk=pk)
    people = selectors.users(request.user).filter(profile__unit=unit)
    context = {
        "title": unit.name,
        "unit": unit,
        "children": selectors.units(request.user).filter(parent=unit),
        "people": people,
        "plates": unit.groups.all(),
        "can_change": policy.can(request.user, "change", unit),
        "history": core_selectors.describe_changes(list(core_selectors.object_history(request.user, unit)[:20])),
    }
    return render(request, "org/unit_detail.html", context)


@login_required
def unit_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    unit = get_object_or_404(selectors.units(request.user), pk=pk) if pk else None
    policy.require(request.user, "change" if unit else "create", unit or Unit)
    form = UnitForm(request.POST or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in UnitForm.Meta.fields}
        try:
            saved = services.save_unit(request.user, data, Unit.objects.get(pk=pk) if pk else None)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("unit-detail", saved.pk)
    cancel = reverse("unit-detail", args=[pk]) if pk else reverse("unit-list")
    return form_page(request, form, title=_("Edit unit") if unit else _("New unit"), cancel_url=cancel)


# ---- plates --------------------------------------------------------------------------------------


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    groups = selectors.groups(request.user)
    filterset = UnitGroupFilter(request.GET or None, queryset=groups)
    return render(
        request,
        "org/group_list.html",
        {
            "title": _("Plates"),
            "groups": filterset.qs if filterset.is_bound else groups,
            "can_create": policy.can(request.user, "create", UnitGroup),
        },
    )


@login_required
def group_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    group = get_object_or_404(selectors.groups(request.user), pk=pk) if pk else None
    policy.require(request.user, "change" if group else "create", group or UnitGroup)
    form = UnitGroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in services.GROUP_FIELDS}
        try:
            services.save_group(
                request.user, data, form.cleaned_data["units"], UnitGroup.objects.get(pk=pk) if pk else None
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("group-list")
    return form_page(
        request, form, title=_("Edit plate") if group else _("New plate"), cancel_url=reverse("group-list")
    )


# ---- people --------------------------------------------------------------------------------------


def user_columns() -> list[Col]:
    def link(u: Any) -> str:
        return reverse("user-detail", args=[u.pk])

    def profile(u: Any, attr: str) -> Any:
        p = getattr(u, "profile", None)
        return getattr(p, attr) if p is not None else ""

    return [
        Col(gettext_lazy("User name"), lambda u: u.username, link=link, width=14),
        Col(gettext_lazy("Name"), lambda u: u.first_name, link=link, width=12),
        Col(gettext_lazy("Unit"), lambda u: profile(u, "unit") or "", width=24),
        Col(gettext_lazy("Unit code"), lambda u: getattr(profile(u, "unit"), "code", ""), width=10),
        Col(gettext_lazy("Role"), lambda u: Role(stored_role(u)).label if stored_role(u) else "", width=12),
        Col(gettext_lazy("Title"), lambda u: profile(u, "title"), width=12),
        Col(gettext_lazy("Phone"), lambda u: profile(u, "phone"), width=14),
        Col(gettext_lazy("E-mail"), lambda u: u.email, width=22),
        Col(gettext_lazy("Active"), lambda u: u.is_active, width=8),
        Col(gettext_lazy("Last login"), lambda u: u.last_login, width=18),
    ]


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    actions = allowed_actions(
        request.user,
        User,
        [
            ("create", _("New user"), reverse("user-new"), "person-plus"),
            ("import", _("Import"), reverse("user-import"), "upload"),
        ],
    )
    return list_page(
        request,
        title=_("People"),
        queryset=selectors.users(request.user),
        columns=user_columns(),
        filterset_class=UserFilter,
        export_name="users",
        actions=actions,
    )


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(selectors.users(request.user), pk=pk)
    return render(
        request,
        "org/user_detail.html",
        {
            "title": person.get_full_name() or person.username,
            "person": person,
            "allowed": policy.actions_for(request.user, person),
            "history": core_selectors.describe_changes(list(core_selectors.object_history(request.user, person)[:20])),
        },
    )


@login_required
def user_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    person = get_object_or_404(selectors.users(request.user), pk=pk) if pk else None
    policy.require(request.user, "change" if person else "create", person or User)
    form = UserForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        data = {
            f: form.cleaned_data[f] for f in UserForm.user_fields if f in form.fields and not form.fields[f].disabled
        }
        profile = {f: form.cleaned_data[f] for f in UserForm.profile_fields}
        try:
            saved = services.save_user(request.user, data, profile, person, password=form.cleaned_data.get("password"))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("user-detail", saved.pk)
    cancel = reverse("user-detail", args=[pk]) if pk else reverse("user-list")
    return form_page(request, form, title=_("Edit user") if person else _("New user"), cancel_url=cancel)


@login_required
@require_POST
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(selectors.users(request.user), pk=pk)
    active = request.POST.get("active") == "1"
    services.set_active(request.user, person, active)
    messages.success(
        request,
        _("The user was reactivated.")
        if active
        else _("The user was deactivated. Everything they did stays on record."),
    )
    return redirect("user-detail", pk)


@login_required
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(selectors.users(request.user), pk=pk)
    policy.require(request.user, "set_password", person)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_password(request.user, person, form.cleaned_data["password"])
        except ValidationError as exc:
            form.add_error("password", exc)
        else:
            messages.success(request, _("The password was set."))
            return redirect("user-detail", pk)
    return form_page(
        request,
        form,
        title=_("Set password for %(name)s") % {"name": person.username},
        cancel_url=reverse("user-detail", args=[pk]),
    )


# ---- import --------------------------------------------------------------------------------------

IMPORTERS = {
    "units": (Unit, importers.import_units, "unit-list"),
    "users": (User, importers.import_users, "user-list"),
    "tasks": (KeyTask, task_importers.import_tasks, "task-list"),
}
TEMPLATES = {**importers.TEMPLATE_EXAMPLES, "tasks": task_importers.TEMPLATE_EXAMPLE}
TITLES = {**importers.TEMPLATE_TITLES, "tasks": task_importers.TEMPLATE_TITLE}


@login_required
def import_page(request: HttpRequest, kind: str) -> HttpResponse:
    """Upload → preview (a dry run: what would be created, changed or left alone) → apply."""
    if kind not in IMPORTERS:
        raise Http404
    model, run, list_url = IMPORTERS[kind]
    policy.require(request.user, "import", model)
    context: dict[str, Any] = {"title": _("Import %(what)s") % {"what": TITLES[kind]}, "kind": kind}
    return import_flow(request, context, run, reverse(list_url), model._meta.label_lower)


def import_flow(
    request: HttpRequest, context: dict[str, Any], run: Callable[..., Any], done_url: str, object_type: str
) -> HttpResponse:
    """The upload → preview → apply pages of any importer `run(actor, source, filename=, dry_run=)`; the
    caller has checked the permission."""
    if request.method != "POST":
        return render(request, "org/import.html", context)
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size > settings.BIHUAN["IMPORT_MAX_BYTES"]:
            context["errors"] = [_("%(file)s: the file is too large") % {"file": upload.name}]
            return render(request, "org/import.html", context, status=400)
        stored = uploads.keep(request.user, upload.name, upload.read())
    else:  # the apply step: only the person who previewed the file may apply it
        stored = uploads.take(request.user, request.POST.get("token", ""))
    if stored is None:
        context["errors"] = [_("Choose a file to import.")]
        return render(request, "org/import.html", context, status=400)
    apply = request.POST.get("apply") == "1"
    try:
        result = run(request.user, io.BytesIO(bytes(stored.content)), filename=stored.filename, dry_run=not apply)
    except ImportFailed as failure:
        uploads.discard(stored)
        context["errors"] = [str(e) for e in failure.errors]
        return render(request, "org/import.html", context, status=400)
    if apply:
        uploads.discard(stored)
        messages.success(
            request, _("Imported: %(created)s created, %(updated)s changed, %(unchanged)s unchanged.") % result.counts
        )
        return redirect(done_url)
    change_lines = [(label, changes_text(fields, object_type)) for label, fields in result.changes.items()]
    context.update({"result": result, "change_lines": change_lines, "token": stored.token, "filename": stored.filename})
    return render(request, "org/import.html", context)


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An .xlsx with the expected headers, an example row and a sheet explaining each column."""
    if kind not in TEMPLATES:
        raise Http404
    columns, examples = TEMPLATES[kind]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(str(TITLES[kind]))
    bold = book.add_format({"bold": True, "bg_color": "#DDE6F3", "border": 1})
    for index, column in enumerate(columns):
        sheet.write(0, index, column.header() + ("*" if column.required else ""), bold)
        sheet.set_column(index, index, 16)
    for row, example in enumerate(examples, start=1):
        for index, value in enumerate(example):
            sheet.write_string(row, index, value)
    sheet.freeze_panes(1, 0)
    help_sheet = book.add_worksheet(_("help"))
    help_sheet.write_row(0, 0, [_("column"), _("also accepted"), _("required")], bold)
    for row, column in enumerate(columns, start=1):
        help_sheet.write_row(
            row,
            0,
            [
                column.header(),
                ", ".join((column.label, column.english, *column.aliases)),
                _("yes") if column.required else "",
            ],
        )
    help_sheet.set_column(0, 1, 40)
    book.close()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="bihuan-{kind}-template.xlsx"'
    return response
