"""Who may see the audit log, deliveries, webhooks and inbox entries."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from bihuan.core.models import AuditEvent, Delivery, Notification, WebhookEndpoint
from bihuan.core.policy import VIEW, Rules, policy
from bihuan.core.roles import Role

AUDIT_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})


class AuditEventRules(Rules):
    model = AuditEvent
    actions = (VIEW, "export")

    def can(self, user: Any, role: str, action: str, obj: Any) -> bool:
        return role in AUDIT_ROLES

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        return queryset if role in AUDIT_ROLES else queryset.none()


class AdminOnlyRules(Rules):
    def can(self, user: Any, role: str, action: str, obj: Any) -> bool:
        return role == Role.ADMIN

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        return queryset if role == Role.ADMIN else queryset.none()


class DeliveryRules(AdminOnlyRules):
    model = Delivery
    actions = (VIEW, "retry")


class WebhookRules(AdminOnlyRules):
    model = WebhookEndpoint
    actions = (VIEW, "create", "change")


class NotificationRules(Rules):
    """An inbox is private: only its owner sees or marks its entries, administrators included."""

    model = Notification
    actions = (VIEW, "mark_read")

    def can(self, user: Any, role: str, action: str, obj: Any) -> bool:
        return obj is not None and obj.recipient_id == user.pk

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        return queryset.filter(recipient_id=user.pk)


policy.register(AuditEventRules())
policy.register(DeliveryRules())
policy.register(WebhookRules())
policy.register(NotificationRules())
