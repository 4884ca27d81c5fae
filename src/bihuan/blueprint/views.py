"""Pages for the work categories."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bihuan.blueprint import selectors, services
from bihuan.blueprint.forms import CategoryForm
from bihuan.blueprint.models import Category
from bihuan.core.pages import allowed_actions, form_page, list_page
from bihuan.core.policy import policy
from bihuan.core.tables import Col
from bihuan.org.views import apply_errors


@login_required
def category_list(request: HttpRequest) -> HttpResponse:
    can_change = policy.can(request.user, "change", Category)
    link = (lambda c: reverse("category-edit", args=[c.pk])) if can_change else None
    columns = [
        Col(gettext_lazy("code"), lambda c: c.code, link=link, width=10),
        Col(gettext_lazy("name"), lambda c: c.name, link=link, width=16),
        Col(gettext_lazy("description"), lambda c: c.description, width=50),
        Col(gettext_lazy("active"), lambda c: c.active, width=8),
    ]
    actions = allowed_actions(
        request.user, Category, [("create", _("New category"), reverse("category-new"), "plus-lg")]
    )
    return list_page(
        request,
        title=_("Work categories"),
        queryset=selectors.categories(request.user),
        columns=columns,
        export_name="categories",
        actions=actions,
    )


@login_required
def category_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    category = get_object_or_404(selectors.categories(request.user), pk=pk) if pk else None
    policy.require(request.user, "change" if category else "create", category or Category)
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_category(request.user, form.cleaned_data, Category.objects.get(pk=pk) if pk else None)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("category-list")
    title = _("Edit work category") if category else _("New work category")
    return form_page(request, form, title=title, cancel_url=reverse("category-list"))
