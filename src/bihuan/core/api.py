"""API plumbing shared by every app: error handling and a viewset base that asks the one policy."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from bihuan.core import notifications, selectors
from bihuan.core.filtersets import AuditEventFilter
from bihuan.core.models import AuditEvent, Notification
from bihuan.core.policy import policy
from bihuan.core.services import Conflict


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Services raise Django's errors; the API answers them as 400 and 403, never 500."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied()
    elif isinstance(exc, Conflict):
        response = Response({"detail": str(exc)}, status=409)
        return response
    return drf_exception_handler(exc, context)


class PolicyPermission(permissions.BasePermission):
    """Class-level actions (create) are asked of the policy with the model; object actions with the
    object. Which objects exist at all for the user is decided by the viewset's selector."""

    ACTIONS = {"create": "create", "update": "change", "partial_update": "change", "destroy": "delete"}

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if getattr(view, "action", None) == "create":
            return policy.can(request.user, "create", view.queryset_model)
        return True

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        wanted = self.ACTIONS.get(getattr(view, "action", ""), "view")
        return policy.can(request.user, wanted, obj)


class PolicyViewSet(viewsets.GenericViewSet):
    """Base for every API viewset: the queryset comes from a selector that applies the policy."""

    permission_classes = [PolicyPermission]
    queryset_model: Any = None

    def select(self, user: Any) -> Any:
        raise NotImplementedError

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset_model._default_manager.none()
        return self.select(self.request.user)


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("unread", bool, description="only unread notifications")])
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """The signed-in user's inbox."""

    serializer_class = NotificationSerializer
    queryset_model = Notification
    filterset_fields = ["kind"]

    def select(self, user: Any) -> Any:
        unread = self.request.query_params.get("unread") in ("1", "true")
        return selectors.inbox(user, unread_only=unread)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        note = self.get_object()
        notifications.mark_read(request.user, note)
        return Response(self.get_serializer(note).data)


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "created_at",
            "actor",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """The audit log, for administrators and the supervision office."""

    serializer_class = AuditEventSerializer
    queryset_model = AuditEvent
    lookup_field = "seq"

    filterset_class = AuditEventFilter

    def select(self, user: Any) -> Any:
        return selectors.audit_events(user)


class WriteThroughServices:
    """create/update hand the validated data to the viewset's `save`, which calls the app's service;
    the service checks the policy again, validates and records the audit event."""

    def save(self, data: dict, instance: Any | None) -> Any:
        raise NotImplementedError

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = self.save(serializer.validated_data, None)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = self.save(serializer.validated_data, serializer.instance)


class ServiceViewSet(
    WriteThroughServices,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    PolicyViewSet,
):
    """List, read, create and update through selectors and services; nothing is deleted over the API."""
