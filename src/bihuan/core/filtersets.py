"""Filtersets of the core lists (audit log, deliveries), shared by page, API and export."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bihuan.core.models import AuditEvent, Delivery
from bihuan.core.policy import policy


def visible_people(request) -> QuerySet:
    """The people the filter may offer: those the policy lets this user see."""
    users = get_user_model().objects.order_by("username")
    return policy.visible(request.user, users) if request is not None else users.none()


class AuditEventFilter(django_filters.FilterSet):
    object_type = django_filters.CharFilter(label=_("object type"), lookup_expr="exact")
    object_id = django_filters.CharFilter(label=_("object id"), lookup_expr="exact")
    actor = django_filters.ModelChoiceFilter(label=_("user"), queryset=lambda request: visible_people(request))
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
