"""One filterset per list of indicator data, shared by the API, pages and exports. Indicators, areas and
groups are named by their codes, as statistics tables name them."""

from __future__ import annotations

from datetime import datetime

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bihuan.indicators import api_selectors
from bihuan.indicators.league_output import parse_as_of
from bihuan.indicators.models import Area, Frequency, Indicator, Kind, Observation, PeerGroup, Target, Vintage


class IndicatorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    frequency = django_filters.ChoiceFilter(label=_("frequency"), choices=Frequency.choices)
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=Kind.choices)
    headline = django_filters.BooleanFilter(label=_("headline indicator"))

    class Meta:
        model = Indicator
        fields = ["q", "frequency", "kind", "headline"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value) | Q(name_en__icontains=value))


class AreaFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    level = django_filters.ChoiceFilter(label=_("level"), choices=Area.Level.choices)
    parent = django_filters.CharFilter(label=_("parent area"), field_name="parent__code", help_text=_("division code"))

    class Meta:
        model = Area
        fields = ["q", "level", "parent"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(code__startswith=value) | Q(name__icontains=value) | Q(short_name__icontains=value))


class PeerGroupFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), field_name="name", lookup_expr="icontains")
    area = django_filters.CharFilter(label=_("area"), field_name="areas__code", help_text=_("division code"))

    class Meta:
        model = PeerGroup
        fields = ["q", "area"]


class TargetFilter(django_filters.FilterSet):
    indicator = django_filters.CharFilter(label=_("indicator"), field_name="indicator__code")
    area = django_filters.CharFilter(label=_("area"), field_name="area__code", help_text=_("division code"))
    year = django_filters.NumberFilter(label=_("year"))

    class Meta:
        model = Target
        fields = ["indicator", "area", "year"]


class ObservationFilter(django_filters.FilterSet):
    """Only the current value of each (indicator, area, period) unless `current` or `as_of` says otherwise.
    Periods of one frequency compare as text (2025-Q2 < 2025-Q3), so a range is two comparisons."""

    CURRENT_CHOICES = [
        ("true", _("Current values only")),
        ("false", _("Superseded values only")),
        ("all", _("Every vintage")),
    ]

    indicator = django_filters.CharFilter(label=_("indicator"), field_name="indicator__code")
    area = django_filters.CharFilter(label=_("area"), field_name="area__code", help_text=_("division code"))
    period = django_filters.CharFilter(
        label=pgettext_lazy("indicator", "period"), help_text=_("e.g. 2023, 2025-Q3, 2025-10")
    )
    period_from = django_filters.CharFilter(label=_("from period"), field_name="period", lookup_expr="gte")
    period_to = django_filters.CharFilter(label=_("to period"), field_name="period", lookup_expr="lte")
    vintage = django_filters.ChoiceFilter(label=_("vintage"), choices=Vintage.choices)
    current = django_filters.ChoiceFilter(
        label=_("current"),
        choices=CURRENT_CHOICES,
        method="keep",  # applied in filter_queryset with the default and as_of
        help_text=_("true (default): the current values; all: every vintage; false: superseded ones."),
    )
    as_of = django_filters.IsoDateTimeFilter(
        label=_("as published on"),
        method="keep_moment",
        help_text=_(
            "The values as they stood at this date and time (every vintage recorded by then, the last one); a bare "
            "date means the end of that day."
        ),
    )

    class Meta:
        model = Observation
        fields = ["indicator", "area", "period", "period_from", "period_to", "vintage", "current", "as_of"]

    def keep(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset

    def keep_moment(self, queryset: QuerySet, name: str, value: datetime) -> QuerySet:
        return queryset  # the hint documents the parameter as a date-time in the OpenAPI schema

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        as_of, current = self.form.cleaned_data.get("as_of"), self.form.cleaned_data.get("current")
        raw = str(self.data.get("as_of", "")).strip()
        if as_of and len(raw) == 10:  # a bare date: as published on that day, as /league/ and the CLI read it
            as_of = parse_as_of(raw)
        if as_of:
            return api_selectors.published_as_of(queryset, as_of)
        if current == "all":
            return queryset
        if current == "false":
            return queryset.filter(current=False)
        return api_selectors.current_only(queryset)
