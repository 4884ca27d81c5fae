"""Pages for the work categories."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from bihuan.blueprint import selectors, services
from bihuan.blueprint.forms import CategoryForm, GoalForm
from bihuan.blueprint.models import Category, Goal
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


@login_required
def goal_list(request: HttpRequest) -> HttpResponse:
    """The blueprint's goals, each with a link to the key tasks that serve it (and its sub-goals)."""
    can_change = policy.can(request.user, "change", Goal)
    link = (lambda g: reverse("goal-edit", args=[g.pk])) if can_change else None
    columns = [
        Col(gettext_lazy("code"), lambda g: g.code, link=link, width=10),
        Col(pgettext_lazy("goal", "title"), lambda g: g.title, link=link, width=36),
        Col(gettext_lazy("parent goal"), lambda g: g.parent.title if g.parent else "", width=24),
        Col(gettext_lazy("from year"), lambda g: g.start_year, width=8),
        Col(gettext_lazy("to year"), lambda g: g.end_year, width=8),
        Col(
            gettext_lazy("Key tasks"),
            lambda g: _("Key tasks"),
            link=lambda g: reverse("task-list") + f"?goal={g.code}",
            width=10,
        ),
        Col(gettext_lazy("active"), lambda g: g.active, width=8),
    ]
    actions = allowed_actions(request.user, Goal, [("create", _("New goal"), reverse("goal-new"), "plus-lg")])
    return list_page(
        request,
        title=_("Goals"),
        queryset=selectors.goals(request.user),
        columns=columns,
        export_name="goals",
        actions=actions,
    )


@login_required
def goal_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    goal = get_object_or_404(selectors.goals(request.user), pk=pk) if pk else None
    policy.require(request.user, "change" if goal else "create", goal or Goal)
    form = GoalForm(request.POST or None, instance=goal)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_goal(request.user, form.cleaned_data, Goal.objects.get(pk=pk) if pk else None)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("goal-list")
    title = _("Edit goal") if goal else _("New goal")
    return form_page(request, form, title=title, cancel_url=reverse("goal-list"))
