"""One filterset for the task list page, its export and (later) the API."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bihuan.blueprint.models import Category
from bihuan.supervision.models import KeyTask, Source, TaskStatus


class TaskFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    year = django_filters.NumberFilter(label=_("year"))
    status = django_filters.ChoiceFilter(label=_("status"), choices=TaskStatus.choices)
    warning = django_filters.ChoiceFilter(
        label=_("warning"),
        choices=[("red", _("Red")), ("yellow", _("Yellow")), ("green", _("Green"))],
        method="keep",  # applied by the view, which computes the lights
    )
    lead_unit = django_filters.CharFilter(label=_("lead unit"), method="by_lead_unit")
    partner_unit = django_filters.CharFilter(label=_("partner unit"), method="by_partner_unit")
    leader = django_filters.CharFilter(label=_("responsible leader"), method="by_leader")
    goal = django_filters.CharFilter(label=_("goal"), method="by_goal")
    category = django_filters.ModelChoiceFilter(label=_("work category"), queryset=Category.objects.all())
    source = django_filters.ChoiceFilter(label=_("source"), choices=Source.choices)
    due_after = django_filters.DateFilter(
        label=_("due from"), field_name="due", lookup_expr="gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    order = django_filters.OrderingFilter(
        label=_("sort by"),
        fields=(("number", "number"), ("due", "due"), ("progress", "progress"), ("lead_unit__code", "unit")),
        field_labels={
            "number": _("number"),
            "due": _("due"),
            "progress": _("progress %"),
            "lead_unit__code": _("lead unit"),
        },
    )
    due_before = django_filters.DateFilter(
        label=_("due until"), field_name="due", lookup_expr="lte", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = KeyTask
        fields = ["q", "year", "status", "warning", "lead_unit", "partner_unit", "leader", "goal", "category", "source"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(number__icontains=value)
            | Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(tags__icontains=value)
            | Q(source_reference__icontains=value)
        )

    @staticmethod
    def _units(value: str) -> list[int]:
        """The units a typed code, name or short name means (looked up first, so the task query can use
        its index on the lead unit)."""
        from bihuan.org.models import Unit

        matches = Q(code=value) | Q(name__icontains=value) | Q(short_name__icontains=value)
        return list(Unit.objects.filter(matches).values_list("pk", flat=True))

    def by_lead_unit(self, queryset, name, value):
        return queryset.filter(lead_unit_id__in=self._units(value))

    def by_partner_unit(self, queryset, name, value):
        return queryset.filter(partner_units__in=self._units(value)).distinct()

    def by_leader(self, queryset, name, value):
        return queryset.filter(
            Q(leader__username=value) | Q(leader__first_name__icontains=value) | Q(leader__last_name__icontains=value)
        )

    def by_goal(self, queryset, name, value):
        """Tasks serving the goal (by code) or any goal under it."""
        from bihuan.blueprint.models import Goal
        from bihuan.blueprint.selectors import with_sub_goals

        roots = list(Goal.objects.filter(code=value).values_list("pk", flat=True))
        return queryset.filter(goals__in=with_sub_goals(roots)).distinct()

    def keep(self, queryset, name, value):
        return queryset
