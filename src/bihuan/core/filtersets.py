"""Filtersets of the core lists (audit log, deliveries), shared by page, API and export."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from bihuan.core.models import AuditEvent, Delivery


def audited_object_types() -> list[tuple[str, str]]:
    """The kinds of object the audit log holds, by name in the user's language."""
    from bihuan.core.selectors import object_type_label

    present = AuditEvent.objects.order_by().values_list("object_type", flat=True).distinct()
    labels = [(kind, str(_("import")) if kind == "import" else object_type_label(kind)) for kind in present]
    return sorted(labels, key=lambda choice: choice[1])


def action_verbs() -> list[tuple[str, str]]:
    from bihuan.core.selectors import VERBS

    return [(verb, str(label)) for verb, label in VERBS.items()]


class AuditEventFilter(django_filters.FilterSet):
    object_type = django_filters.ChoiceFilter(label=_("object type"), choices=lambda: audited_object_types())
    object_id = django_filters.CharFilter(label=_("object id"), lookup_expr="exact")
    actor = django_filters.CharFilter(
        label=_("user"), field_name="actor_name", lookup_expr="iexact", help_text=_("user name")
    )
    action = django_filters.ChoiceFilter(label=_("action"), choices=lambda: action_verbs(), method="by_verb")
    since = django_filters.DateFilter(
        label=_("from"),
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        label=_("to"), field_name="created_at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        fields = ["object_type", "object_id", "actor", "action", "since", "until"]

    def by_verb(self, queryset, name, value):
        return queryset.filter(action__endswith=f".{value}")


class DeliveryFilter(django_filters.FilterSet):
    class Meta:
        model = Delivery
        fields = ["status", "channel"]
