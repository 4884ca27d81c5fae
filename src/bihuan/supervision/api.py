"""API for key tasks, their workflow and their progress reports. Serializers translate; services decide."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from bihuan.blueprint.models import Category, Goal
from bihuan.core.api import PolicyViewSet, ServiceViewSet
from bihuan.core.files import kept_file_response
from bihuan.core.policy import policy
from bihuan.org.models import Unit
from bihuan.supervision import selectors, services
from bihuan.supervision.models import (
    Attachment,
    ExtensionRequest,
    KeyTask,
    LightChange,
    Milestone,
    ProgressReport,
    SupervisionNotice,
    TaskComment,
)
from bihuan.supervision.presentation import light_text
from bihuan.supervision.selectors import light_from
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
    goals = serializers.SlugRelatedField(slug_field="code", queryset=Goal.objects.all(), many=True, required=False)
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
            "goals",
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


class RemindSerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, default="")


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class MilestoneSerializer(serializers.ModelSerializer):
    task = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Milestone
        fields = ["id", "task", "title", "due", "done_on"]
        read_only_fields = ["done_on"]


class ExtensionRequestSerializer(serializers.ModelSerializer):
    task = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ExtensionRequest
        fields = ["id", "task", "old_due", "new_due", "reason", "status", "decision_comment", "created_at"]
        read_only_fields = ["old_due", "status", "decision_comment", "created_at"]


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class NoticeSerializer(serializers.ModelSerializer):
    task = serializers.PrimaryKeyRelatedField(read_only=True)
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all())

    class Meta:
        model = SupervisionNotice
        fields = ["id", "task", "unit", "text", "respond_by", "response", "responded_on", "created_at"]
        read_only_fields = ["response", "responded_on", "created_at"]


class AnswerSerializer(serializers.Serializer):
    response = serializers.CharField()


class CommentSerializer(serializers.ModelSerializer):
    task = serializers.PrimaryKeyRelatedField(read_only=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = TaskComment
        fields = ["id", "task", "kind", "text", "author", "created_at"]
        read_only_fields = ["author", "created_at"]


class AttachmentSerializer(serializers.ModelSerializer):
    task = serializers.PrimaryKeyRelatedField(read_only=True)
    report = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Attachment
        fields = ["id", "task", "report", "filename", "size", "sha256", "content_type", "created_at"]
        read_only_fields = fields


class LightChangeSerializer(serializers.ModelSerializer):
    text = serializers.SerializerMethodField(help_text="the colour and its reasons in words")

    class Meta:
        model = LightChange
        fields = ["day", "previous", "level", "reasons", "text"]
        read_only_fields = fields

    def get_text(self, change: LightChange) -> str:
        return light_text(light_from(change.level, change.reasons))


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    report = serializers.IntegerField(required=False, allow_null=True, help_text="the id of one of the task's reports")


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
        return services.save_task(self.request.user, data, partners, task, goals=data.pop("goals", None))

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

    @extend_schema(request=RemindSerializer, responses=CountSerializer)
    @action(detail=True, methods=["post"])
    def remind(self, request: Request, pk: str | None = None) -> Response:
        """催办: tell the lead unit's head and clerks to report and speed up (supervision office)."""
        body = RemindSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = services.remind(request.user, [self.get_object()], body.validated_data["message"])
        return Response({"count": count})

    @extend_schema(request=MilestoneSerializer, responses=MilestoneSerializer)
    @action(detail=True, methods=["post"], url_path="milestones")
    def add_milestone(self, request: Request, pk: str | None = None) -> Response:
        """Set a milestone (节点) of the task (supervision office)."""
        body = MilestoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        milestone = services.save_milestone(request.user, self.get_object(), body.validated_data)
        return Response(MilestoneSerializer(milestone).data, status=201)

    @extend_schema(request=ExtensionRequestSerializer, responses=ExtensionRequestSerializer)
    @action(detail=True, methods=["post"], url_path="extension")
    def request_extension(self, request: Request, pk: str | None = None) -> Response:
        """Ask to move the due date (the lead unit's head)."""
        body = ExtensionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        extension = services.request_extension(request.user, self.get_object(), data["new_due"], data["reason"])
        return Response(ExtensionRequestSerializer(extension).data, status=201)

    @extend_schema(request=NoticeSerializer, responses=NoticeSerializer)
    @action(detail=True, methods=["post"], url_path="notices")
    def issue_notice(self, request: Request, pk: str | None = None) -> Response:
        """Send a supervision notice (督办单) to the lead or a partner unit (supervision office)."""
        body = NoticeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        notice = services.issue_notice(request.user, self.get_object(), data["unit"], data["text"], data["respond_by"])
        return Response(NoticeSerializer(notice).data, status=201)

    @extend_schema(request=CommentSerializer, responses=CommentSerializer)
    @action(detail=True, methods=["post"], url_path="comments")
    def add_comment(self, request: Request, pk: str | None = None) -> Response:
        """Comment on the task, or (leaders) give an instruction (领导批示)."""
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        comment = services.add_comment(request.user, self.get_object(), data["text"], data["kind"])
        return Response(CommentSerializer(comment).data, status=201)

    @extend_schema(responses=LightChangeSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="light-history", pagination_class=None)
    def light_history(self, request: Request, pk: str | None = None) -> Response:
        """The days the task's warning light changed, newest first (at most 200), with the reasons then."""
        changes = self.get_object().light_changes.order_by("-day", "-id")[:200]
        return Response(LightChangeSerializer(changes, many=True).data)

    @extend_schema(request={"multipart/form-data": AttachmentUploadSerializer}, responses=AttachmentSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="attachments",
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def attach(self, request: Request, pk: str | None = None) -> Response:
        """Upload an evidence file (within the deployment's size and type limits)."""
        body = AttachmentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        task = self.get_object()
        report = None
        if body.validated_data.get("report"):
            report = get_object_or_404(task.reports.all(), pk=body.validated_data["report"])
        attachment = services.attach_upload(request.user, task, upload, report=report)
        return Response(AttachmentSerializer(attachment).data, status=201)


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


class TaskPartViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Base of the read-only lists of what hangs off tasks: only the parts of tasks you may see."""

    filterset_fields = ["task"]

    def select(self, user: Any) -> Any:
        return policy.visible(user, self.queryset_model.objects.select_related("task"))


class MilestoneViewSet(TaskPartViewSet):
    """Milestones of the tasks you may see; the lead unit marks one reached."""

    serializer_class = MilestoneSerializer
    queryset_model = Milestone

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        milestone = services.complete_milestone(request.user, self.get_object(), timezone.localdate())
        return Response(self.get_serializer(milestone).data)


class ExtensionRequestViewSet(TaskPartViewSet):
    """Extension requests of the tasks you may see; the supervision office decides them."""

    serializer_class = ExtensionRequestSerializer
    queryset_model = ExtensionRequest
    filterset_fields = ["task", "status"]

    @extend_schema(request=DecisionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        extension = services.decide_extension(request.user, self.get_object(), data["approve"], data["comment"])
        return Response(self.get_serializer(extension).data)


class NoticeViewSet(TaskPartViewSet):
    """Supervision notices (督办单) of the tasks you may see; the addressed unit answers."""

    serializer_class = NoticeSerializer
    queryset_model = SupervisionNotice
    filterset_fields = ["task", "unit"]

    @extend_schema(request=AnswerSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        notice = services.answer_notice(request.user, self.get_object(), body.validated_data["response"])
        return Response(self.get_serializer(notice).data)


class CommentViewSet(TaskPartViewSet):
    """Comments and leaders' instructions on the tasks you may see."""

    serializer_class = CommentSerializer
    queryset_model = TaskComment
    filterset_fields = ["task", "kind"]


class AttachmentViewSet(TaskPartViewSet):
    """Evidence files of the tasks you may see."""

    serializer_class = AttachmentSerializer
    queryset_model = Attachment

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        attachment = self.get_object()
        return kept_file_response(attachment.sha256, attachment.filename, attachment.content_type)
