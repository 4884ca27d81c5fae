"""Filtersets of the core lists (audit log, deliveries), shared by page, API and export."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from bihuan.core.models import AuditEvent, Delivery


def audited_object_types() -> list[tuple[str, str]]:
    """The kinds of object the audit log records, by name in the user's language."""
    from django.apps import apps
    from django.utils.text import capfirst

    from bihuan.core.policy import policy

    models = [m for m in apps.get_models() if policy.has_rules(m)]
    choices = [(m._meta.label_lower, str(capfirst(m._meta.verbose_name))) for m in models]
    return [*sorted(choices, key=lambda c: c[1]), ("import", str(_("import")))]


class AuditEventFilter(django_filters.FilterSet):
    object_type = django_filters.ChoiceFilter(label=_("object type"), choices=lambda: audited_object_types())
    object_id = django_filters.CharFilter(label=_("object id"), lookup_expr="exact")
    actor = django_filters.CharFilter(
        label=_("user"), field_name="actor_name", lookup_expr="iexact", help_text=_("user name")
    )
    action = django_filters.CharFilter(label=_("action"), lookup_expr="icontains")
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


class DeliveryFilter(django_filters.FilterSet):
    class Meta:
        model = Delivery
        fields = ["status", "channel"]
