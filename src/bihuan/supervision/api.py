"""API for key tasks, their workflow and their progress reports. Serializers translate; services decide."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from bihuan.blueprint.models import Category
from bihuan.core.api import PolicyViewSet, ServiceViewSet
from bihuan.core.policy import policy
from bihuan.org.models import Unit
from bihuan.supervision import selectors, services
from bihuan.supervision.models import KeyTask, ProgressReport
from bihuan.supervision.transitions import TRANSITIONS

User = get_user_model()


LIGHT_SCHEMA = {
    "type": "object",
    "nullable": True,
    "description": "The warning light and the reasons for it (codes with their figures).",
    "properties": {
        "level": {"type": "string", "enum": ["red", "yellow", "green", "none"]},
        "reasons": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
    },
}


class KeyTaskSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.all(), allow_null=True, required=False
    )
    lead_unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all())
    partner_units = serializers.SlugRelatedField(
        slug_field="code", queryset=Unit.objects.all(), many=True, required=False
    )
    leader = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.all(), allow_null=True, required=False
    )
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.all(), allow_null=True, required=False
    )
    light = serializers.SerializerMethodField()

    class Meta:
        model = KeyTask
        fields = [
            "id",
            *services.TASK_FIELDS,
            "partner_units",
            "status",
            "progress",
            "closed_on",
            "quality_rating",
            "version",
            "light",
        ]
        read_only_fields = ["status", "progress", "closed_on", "quality_rating", "version"]
        extra_kwargs = {"number": {"required": False}}
        validators: list[Any] = []  # uniqueness is the service's (full_clean) concern

    @extend_schema_field(LIGHT_SCHEMA)
    def get_light(self, task: KeyTask) -> dict[str, Any] | None:
        """Computed for the whole page at once by the viewset and handed in through the context."""
        light = self.context.get("lights", {}).get(task.pk)
        if light is None:
            return None
        return {"level": light.level, "reasons": [{"code": r.code, **r.params} for r in light.reasons]}


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(TRANSITIONS))
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    rating = serializers.IntegerField(required=False, min_value=1, max_value=5, allow_null=True, default=None)
    version = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="the version you saw")


class ProgressReportSerializer(serializers.ModelSerializer):
    task = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "task",
            "period",
            "due",
            "progress",
            "done",
            "next_steps",
            "problems",
            "support_needed",
            "status",
            "submitted_on",
            "return_reason",
        ]
        read_only_fields = ["due", "status", "submitted_on", "return_reason"]
        validators: list[Any] = []  # one report per period: the service's concern


class ReportStepSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class KeyTaskViewSet(ServiceViewSet):
    """Key tasks you may see (lead or partner unit, responsible leader, supervision office), each
    with its warning light; create and change are the supervision office's."""

    serializer_class = KeyTaskSerializer
    queryset_model = KeyTask
    filterset_fields = ["year", "status", "lead_unit", "category", "source"]

    def select(self, user: Any) -> Any:
        return selectors.tasks(user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "lights": getattr(self, "_lights", {})}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self._lights = selectors.lights(page, timezone.localdate())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        task = self.get_object()
        self._lights = selectors.lights([task], timezone.localdate())
        return Response(self.get_serializer(task).data)

    def save(self, data: dict, task: KeyTask | None) -> KeyTask:
        data = dict(data)
        partners = data.pop("partner_units", None)
        if partners is None:
            partners = list(task.partner_units.all()) if task else []
        return services.save_task(self.request.user, data, partners, task)

    @extend_schema(request=TransitionSerializer, responses=KeyTaskSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move the task along the workflow: assign, acknowledge, start, request_completion, close, return,
        suspend, resume, cancel, reopen. 409 when someone else moved it first."""
        step = TransitionSerializer(data=request.data)
        step.is_valid(raise_exception=True)
        task = services.transition(
            request.user,
            self.get_object(),
            step.validated_data["action"],
            reason=step.validated_data["reason"],
            rating=step.validated_data["rating"],
            expected_version=step.validated_data["version"],
        )
        self._lights = selectors.lights([task], timezone.localdate())
        return Response(self.get_serializer(task).data)

    @extend_schema(request=ProgressReportSerializer, responses=ProgressReportSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request: Request, pk: str | None = None) -> Response:
        """Draft (or edit the draft of) the progress report for one period."""
        body = ProgressReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        report = services.save_report(request.user, self.get_object(), data.pop("period"), data)
        return Response(ProgressReportSerializer(report).data)


class ProgressReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Progress reports of the tasks you may see; submit, send back, accept and return them."""

    serializer_class = ProgressReportSerializer
    queryset_model = ProgressReport
    filterset_fields = ["task", "period", "status"]

    def select(self, user: Any) -> Any:
        return policy.visible(user, ProgressReport.objects.select_related("task"))

    def _step(self, request: Request, step: str) -> Response:
        body = ReportStepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = services.report_step(request.user, self.get_object(), step, reason=body.validated_data["reason"])
        return Response(self.get_serializer(report).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "submit")

    @extend_schema(request=ReportStepSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "send_back")

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "accept")

    @extend_schema(request=ReportStepSerializer, operation_id="reports_return")
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "return")
