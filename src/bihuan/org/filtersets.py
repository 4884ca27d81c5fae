"""One filterset per list, shared by the page, the API and the export."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bihuan.core.forms import YesNoAllSelect
from bihuan.core.roles import Role
from bihuan.org.models import Unit, UnitGroup

User = get_user_model()


def units_with_children():
    return Unit.objects.filter(children__isnull=False).distinct().order_by("sort_order", "code")


class UnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=Unit.Kind.choices)
    active = django_filters.BooleanFilter(label=_("active"), widget=YesNoAllSelect)
    parent = django_filters.ModelChoiceFilter(label=_("parent unit"), queryset=lambda request: units_with_children())

    parent_code = django_filters.CharFilter(label=_("parent code"), field_name="parent__code")

    class Meta:
        model = Unit
        fields = ["q", "kind", "active", "parent", "parent_code"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value) | Q(short_name__icontains=value))


class UnitGroupFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")

    class Meta:
        model = UnitGroup
        fields = ["q"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    role = django_filters.ChoiceFilter(label=_("role"), field_name="profile__role", choices=Role.choices)
    unit = django_filters.CharFilter(label=_("unit"), method="by_unit")
    is_active = django_filters.BooleanFilter(label=_("active"), widget=YesNoAllSelect)

    class Meta:
        model = User
        fields = ["q", "role", "unit", "is_active"]

    def by_unit(self, queryset, name, value):
        """A unit's code, or part of its name: a text box scales where a list of every unit would not."""
        return queryset.filter(
            Q(profile__unit__code=value)
            | Q(profile__unit__name__icontains=value)
            | Q(profile__unit__short_name__icontains=value)
        )

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(username__icontains=value)
            | Q(first_name__icontains=value)
            | Q(email__icontains=value)
            | Q(profile__phone__icontains=value)
            | Q(profile__title__icontains=value)
        )
