"""API for bulletins: read the visible ones (with their compiled content and kept files), and generate,
edit, regenerate and publish through the services. Register in bihuan/urls.py:

    router.register("bulletins", reports_api.BulletinViewSet, basename="bulletin")
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from bihuan.core.api import PolicyViewSet
from bihuan.core.files import kept_file_response
from bihuan.org.models import Unit
from bihuan.reports import selectors, services
from bihuan.reports.filtersets import BulletinFilter
from bihuan.reports.models import Bulletin, BulletinFile, Format, Kind, State

User = get_user_model()


class BulletinFileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = BulletinFile
        fields = ["format", "filename", "content_type", "size", "sha256", "url"]
        read_only_fields = fields

    def get_url(self, kept: BulletinFile) -> str:
        request = self.context.get("request")
        path = f"/api/v1/bulletins/{kept.bulletin_id}/files/{kept.format}/"
        return request.build_absolute_uri(path) if request else path


class BulletinSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    published_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    files = serializers.SerializerMethodField()

    class Meta:
        model = Bulletin
        fields = [
            "id",
            "period",
            "kind",
            "unit",
            "title",
            "number",
            "issuer",
            "state",
            "highlights",
            "problems",
            "next_steps",
            "compiled_at",
            "created_by",
            "created_at",
            "published_at",
            "published_by",
            "files",
        ]
        read_only_fields = [f for f in fields if f not in services.EDITABLE]

    @extend_schema_field(BulletinFileSerializer(many=True))
    def get_files(self, bulletin: Bulletin) -> list[dict[str, Any]]:
        """The files kept when it was published (none for a draft)."""
        if bulletin.state != State.PUBLISHED:
            return []
        return BulletinFileSerializer(bulletin.files.all(), many=True, context=self.context).data


class BulletinDetailSerializer(BulletinSerializer):
    content = serializers.JSONField(read_only=True, help_text="the compiled figures, section by section")

    class Meta(BulletinSerializer.Meta):
        fields = [*BulletinSerializer.Meta.fields, "content"]
        read_only_fields = [*BulletinSerializer.Meta.read_only_fields, "content"]


class GenerateSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="2025-10 or 2025-Q3")
    kind = serializers.ChoiceField(choices=Kind.choices, required=False, help_text="default: from the period")
    unit = serializers.SlugRelatedField(
        slug_field="code", queryset=Unit.objects.all(), required=False, allow_null=True, help_text="default: the city"
    )


class PublishSerializer(serializers.Serializer):
    users = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all(), many=True, required=False)
    units = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all(), many=True, required=False)


class BulletinViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, PolicyViewSet):
    """Bulletins (通报). Drafts are the supervision office's; a published bulletin is read by the office, the
    assessment office, leaders and its recipients, and never changes."""

    queryset_model = Bulletin
    filterset_class = BulletinFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def select(self, user: Any) -> Any:
        return selectors.bulletins(user).prefetch_related("files")

    def get_serializer_class(self) -> Any:
        if self.action == "create":
            return GenerateSerializer
        if self.action == "publish":
            return PublishSerializer
        return BulletinDetailSerializer if self.action in ("retrieve", "partial_update") else BulletinSerializer

    @extend_schema(request=GenerateSerializer, responses={201: BulletinDetailSerializer})
    def create(self, request: Request) -> Response:
        """Generate a draft: its figures compiled now."""
        given = GenerateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        bulletin = services.generate(request.user, data["period"], data.get("kind"), data.get("unit"))
        return Response(BulletinDetailSerializer(bulletin, context=self.get_serializer_context()).data, status=201)

    def perform_update(self, serializer: Any) -> None:
        changes = {k: v for k, v in serializer.validated_data.items() if k in services.EDITABLE}
        serializer.instance = services.edit(self.request.user, serializer.instance, changes)

    @extend_schema(request=None, responses=BulletinDetailSerializer)
    @action(detail=True, methods=["post"])
    def regenerate(self, request: Request, pk: str | None = None) -> Response:
        bulletin = services.regenerate(request.user, self.get_object())
        return Response(BulletinDetailSerializer(bulletin, context=self.get_serializer_context()).data)

    @extend_schema(request=PublishSerializer, responses=BulletinDetailSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        bulletin = self.get_object()
        given = PublishSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        bulletin = services.publish(request.user, bulletin, data.get("users", []), data.get("units", []))
        return Response(BulletinDetailSerializer(bulletin, context=self.get_serializer_context()).data)

    @extend_schema(
        request=None,
        responses={(200, "application/octet-stream"): bytes},
        parameters=[OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(Format.values))],
    )
    @action(detail=True, methods=["get"], url_path=r"files/(?P<fmt>html|xlsx|docx)")
    def files(self, request: Request, pk: str | None = None, fmt: str = "") -> HttpResponse:
        """A published bulletin's file as kept when it was published; a draft's, rendered now."""
        bulletin = self.get_object()
        if bulletin.state == State.DRAFT:
            content = selectors.rendered(selectors.document_of(bulletin), fmt)
            response = HttpResponse(content, content_type=services.CONTENT_TYPES[fmt])
            response["Content-Disposition"] = f'attachment; filename="bulletin-{bulletin.period}-draft.{fmt}"'
            return response
        kept = selectors.files(request.user, bulletin).get(fmt)
        if kept is None:
            raise Http404
        return kept_file_response(kept.sha256, kept.filename, kept.content_type)
