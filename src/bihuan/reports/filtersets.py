"""The one filterset of the bulletin list, its export and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bihuan.org.models import Unit
from bihuan.reports.models import Bulletin, Kind, State


class BulletinFilter(django_filters.FilterSet):
    period = django_filters.CharFilter(
        label=pgettext_lazy("bulletin", "period"), lookup_expr="startswith", help_text=_("2025, 2025-10 or 2025-Q3")
    )
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=Kind.choices)
    state = django_filters.ChoiceFilter(label=_("state"), choices=State.choices)
    unit = django_filters.ModelChoiceFilter(
        label=_("unit"), queryset=Unit.objects.all(), to_field_name="code", null_label=_("The whole city")
    )

    class Meta:
        model = Bulletin
        fields = ["period", "kind", "state", "unit"]
