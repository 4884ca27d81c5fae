"""API for assessment (考核): schemes with their items and grades, the workflow, results and score sheets,
manual scores, adjustments and fault-tolerance requests. Serializers translate; services decide and write;
reads come from selectors and the one policy."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from bihuan.assessment import selectors, services
from bihuan.assessment.models import (
    Adjustment,
    AdjustmentKind,
    EvidenceFile,
    Exemption,
    ExemptionStatus,
    GradeBand,
    Grounds,
    Item,
    ManualScore,
    Method,
    Scheme,
    SchemeState,
)
from bihuan.core.api import PolicyPermission, PolicyViewSet, ServiceViewSet
from bihuan.core.files import kept_file_response
from bihuan.core.policy import policy
from bihuan.indicators.models import Indicator, PeerGroup
from bihuan.org.models import Unit


@contextmanager
def errors_renamed(names: Mapping[str, str], messages_under: str = "non_field_errors") -> Iterator[None]:
    """Services name fields by the model; the API names them as the request body does. Errors not tied to a
    field go under `messages_under`."""
    try:
        yield
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            raise ValidationError({names.get(k, k): v for k, v in error.message_dict.items()}) from None
        raise ValidationError({messages_under: error.messages}) from None


class ServiceDecides(PolicyPermission):
    """For rows whose writes depend on their scheme (scores, adjustments, requests): a signed-in user reaches
    the service, which asks the policy; objects are found only among those the user may see."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return policy.can(request.user, "view", obj)


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by id to an object the requesting user may see; any other id "does not exist"."""

    def get_queryset(self) -> QuerySet:
        return policy.visible(self.context["request"].user, super().get_queryset())


# ---- schemes, items, grades ------------------------------------------------------------------------


class AssessmentItemSerializer(serializers.ModelSerializer):
    scheme = VisibleRelatedField(queryset=Scheme.objects.all())
    indicator = serializers.SlugRelatedField(
        slug_field="code", queryset=Indicator.objects.all(), allow_null=True, required=False
    )
    peer_group = serializers.PrimaryKeyRelatedField(queryset=PeerGroup.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Item
        fields = ["id", "scheme", *services.ITEM_FIELDS]

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        if self.instance is not None:  # an item stays in its scheme
            fields["scheme"] = serializers.PrimaryKeyRelatedField(read_only=True)
        return fields


class AssessmentBandSerializer(serializers.ModelSerializer):
    scheme = VisibleRelatedField(queryset=Scheme.objects.all())

    class Meta:
        model = GradeBand
        fields = ["id", "scheme", *services.BAND_FIELDS]

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        if self.instance is not None:
            fields["scheme"] = serializers.PrimaryKeyRelatedField(read_only=True)
        return fields


class AssessmentSchemeSerializer(serializers.ModelSerializer):
    units = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Unit.objects.all(),
        many=True,
        allow_empty=True,  # the service says what an empty list lacks
        help_text="codes of the units assessed",
    )
    items = AssessmentItemSerializer(many=True, read_only=True)
    bands = AssessmentBandSerializer(many=True, read_only=True)

    class Meta:
        model = Scheme
        fields = [
            "id",
            *services.SCHEME_FIELDS,
            "units",
            "state",
            "version",
            "published_at",
            "snapshot_sha256",
            "created_at",
            "updated_at",
            "items",
            "bands",
        ]
        read_only_fields = ["state", "version", "published_at", "snapshot_sha256", "created_at", "updated_at"]
        validators: list[Any] = []  # one name a year: the service's (full_clean) concern


@extend_schema_field(OpenApiTypes.STR)
class StateNameField(serializers.ChoiceField):
    """A scheme state by name; described as a plain string so the schema keeps one name for the state enum."""


class AssessmentMoveSerializer(serializers.Serializer):
    to = StateNameField(choices=SchemeState.choices, help_text="draft, open, preview or published")
    version = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="the version you saw")


class AssessmentRefreshedSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    withdrawn = serializers.IntegerField()


# The results document (`results.results_of`), described for the schema; the data is passed through as is.


class AssessmentResultUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class AssessmentResultItemSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="the item's id, the key of each unit's `items`")
    name = serializers.CharField()
    method = serializers.CharField(help_text=", ".join(Method.values))
    weight = serializers.FloatField()


class AssessmentResultBandSerializer(serializers.Serializer):
    name = serializers.CharField()
    minimum = serializers.FloatField()
    quota = serializers.FloatField(allow_null=True)


class AssessmentItemPointsSerializer(serializers.Serializer):
    points = serializers.FloatField(
        allow_null=True,
        help_text="0–100 (a target item up to its cap); null when the unit had nothing to be scored on and the "
        "scheme gives the item's weight to its other items",
    )
    weight = serializers.FloatField(
        required=False,
        help_text="the weight % the item counts with for this unit: the item's, or more when another item's "
        "weight came to it, 0 when its own went elsewhere (absent in results published before this field)",
    )
    weighted = serializers.FloatField(help_text="points × weight / 100")
    trail = serializers.ListField(
        child=serializers.DictField(), help_text="the records behind the points; `what` says which kind"
    )
    facts = serializers.DictField(required=False, help_text="task delivery items: the counts scored")


class AssessmentResultExemptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    grounds = serializers.CharField(help_text=", ".join(Grounds.values))
    status = serializers.CharField(help_text=", ".join(ExemptionStatus.values))
    explanation = serializers.CharField()
    decision_reason = serializers.CharField()


class AssessmentResultAdjustmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=", ".join(AdjustmentKind.values))
    points = serializers.FloatField()
    reason = serializers.CharField()
    evidence = serializers.CharField()
    rule = serializers.CharField(help_text="empty when entered by hand")
    automatic = serializers.BooleanField()
    task = serializers.IntegerField(allow_null=True)
    task_number = serializers.CharField()
    withdrawn = serializers.BooleanField()
    withdrawn_reason = serializers.CharField()
    exempted = serializers.BooleanField(help_text="a demerit excused by an approved request: its points do not count")
    exemptions = AssessmentResultExemptionSerializer(many=True)


class AssessmentSheetSerializer(serializers.Serializer):
    unit = AssessmentResultUnitSerializer()
    items = serializers.DictField(child=AssessmentItemPointsSerializer(), help_text="by item id")
    adjustments = AssessmentResultAdjustmentSerializer(many=True)
    bonus = serializers.FloatField()
    malus = serializers.FloatField()
    total = serializers.FloatField()
    rank = serializers.IntegerField()
    grade = serializers.CharField()
    note = serializers.CharField(help_text="why the grade is lower than the points allow: veto, quota")
    vetoed = serializers.BooleanField()


class AssessmentResultSchemeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    name = serializers.CharField()
    state = serializers.CharField(help_text=", ".join(SchemeState.values))


@extend_schema_serializer(many=False)
class AssessmentResultsSerializer(serializers.Serializer):
    scheme = AssessmentResultSchemeSerializer()
    computed_at = serializers.DateTimeField()
    as_of = serializers.DateField(help_text="the day facts were counted up to")
    items = AssessmentResultItemSerializer(many=True)
    bands = AssessmentResultBandSerializer(many=True)
    units = AssessmentSheetSerializer(many=True, help_text="only your own unit's row until results are published")


class SchemeFilter(django_filters.FilterSet):
    class Meta:
        model = Scheme
        fields = ["year", "state"]


class SchemeViewSet(ServiceViewSet):
    """Assessment schemes you may see, with their items, grades and units. The assessment office and
    administrators create and change them while they are not published."""

    serializer_class = AssessmentSchemeSerializer
    queryset_model = Scheme
    filterset_class = SchemeFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def select(self, user: Any) -> Any:
        items = Item.objects.select_related("indicator").order_by("sort_order", "id")
        return selectors.schemes(user).prefetch_related(
            "units",
            Prefetch("items", queryset=items),
            Prefetch("bands", GradeBand.objects.order_by("sort_order", "id")),
        )

    def save(self, data: dict, scheme: Scheme | None) -> Scheme:
        data = dict(data)
        units = data.pop("units", None)
        if units is None:
            units = list(scheme.units.all()) if scheme else []
        return services.save_scheme(self.request.user, data, units, scheme)

    def _fresh(self, scheme: Scheme) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=scheme.pk)).data)

    @extend_schema(request=AssessmentMoveSerializer, responses=AssessmentSchemeSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Move the scheme: draft ⇄ open ⇄ preview → published. 409 when the version is stale or the move
        does not apply to the state; 400 with `problems` when the scheme is not complete enough to open."""
        body = AssessmentMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with errors_renamed({}, messages_under="problems"):
            scheme = services.move(
                request.user,
                self.get_object(),
                body.validated_data["to"],
                expected_version=body.validated_data["version"],
            )
        return self._fresh(scheme)

    @extend_schema(responses=AssessmentResultsSerializer)
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: str | None = None) -> Response:
        """The results: frozen once published, else computed now. Until publication a unit sees only its own
        row (ranks and grades are still computed over every unit)."""
        return Response(selectors.scheme_results(request.user, self.get_object()))

    @extend_schema(
        parameters=[OpenApiParameter("unit_id", int, OpenApiParameter.PATH, description="the unit's id")],
        responses=AssessmentSheetSerializer,
    )
    @action(detail=True, methods=["get"], url_path=r"units/(?P<unit_id>[0-9]+)")
    def sheet(self, request: Request, pk: str | None = None, unit_id: str | None = None) -> Response:
        """One unit's score sheet, with the trail behind every point; 404 when you may not see it."""
        row = selectors.unit_sheet(request.user, self.get_object(), int(unit_id or 0))
        if row is None:
            raise Http404
        return Response(row)

    @extend_schema(request=None, responses=AssessmentRefreshedSerializer)
    @action(detail=True, methods=["post"], url_path="refresh-demerits")
    def refresh_demerits(self, request: Request, pk: str | None = None) -> Response:
        """Bring the automatic demerits in line with the supervision records as of today."""
        added, withdrawn = services.refresh_automatic_demerits(request.user, self.get_object(), timezone.localdate())
        return Response({"added": added, "withdrawn": withdrawn})


class SchemePartViewSet(mixins.DestroyModelMixin, ServiceViewSet):
    """Base of items and grades: seen with their scheme, changed and deleted while it is a draft or open."""

    def perform_destroy(self, part: Item | GradeBand) -> None:
        services.delete_part(self.request.user, part)


class ItemFilter(django_filters.FilterSet):
    scheme = django_filters.NumberFilter()

    class Meta:
        model = Item
        fields = ["scheme", "method"]


class ItemViewSet(SchemePartViewSet):
    """Scored items: weight (percent of the total) and method — task delivery, indicator rank, indicator
    target or manual — with the fields the method uses."""

    serializer_class = AssessmentItemSerializer
    queryset_model = Item
    filterset_class = ItemFilter

    def select(self, user: Any) -> Any:
        return policy.visible(user, Item.objects.select_related("indicator")).order_by("scheme_id", "sort_order", "id")

    def save(self, data: dict, item: Item | None) -> Item:
        data = dict(data)
        scheme = data.pop("scheme", None) or item.scheme  # type: ignore[union-attr]
        return services.save_item(self.request.user, scheme, data, item)


class BandFilter(django_filters.FilterSet):
    scheme = django_filters.NumberFilter()

    class Meta:
        model = GradeBand
        fields = ["scheme"]


class GradeBandViewSet(SchemePartViewSet):
    """Grades, best first: at least `minimum` points and, when given, at most `quota` percent of the units."""

    serializer_class = AssessmentBandSerializer
    queryset_model = GradeBand
    filterset_class = BandFilter

    def select(self, user: Any) -> Any:
        return policy.visible(user, GradeBand.objects.all()).order_by("scheme_id", "sort_order", "id")

    def save(self, data: dict, band: GradeBand | None) -> GradeBand:
        data = dict(data)
        scheme = data.pop("scheme", None) or band.scheme  # type: ignore[union-attr]
        return services.save_band(self.request.user, scheme, data, band)


# ---- manual scores ---------------------------------------------------------------------------------


class AssessmentScoreSerializer(serializers.ModelSerializer):
    item = VisibleRelatedField(queryset=Item.objects.all())
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all())
    entered_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ManualScore
        fields = ["id", "item", "unit", "points", "comment", "entered_by", "updated_at"]
        read_only_fields = ["updated_at"]
        extra_kwargs = {"comment": {"allow_blank": True}}  # the service says what a comment is for
        validators: list[Any] = []  # one score per item and unit: entering again replaces it

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        if self.instance is not None:  # a score stays with its item and unit
            fields["item"] = serializers.PrimaryKeyRelatedField(read_only=True)
            fields["unit"] = serializers.SlugRelatedField(slug_field="code", read_only=True)
        return fields


class ScoreFilter(django_filters.FilterSet):
    scheme = django_filters.NumberFilter(field_name="item__scheme")
    item = django_filters.NumberFilter()
    unit = django_filters.CharFilter(field_name="unit__code", help_text="unit code")

    class Meta:
        model = ManualScore
        fields = ["scheme", "item", "unit"]


@extend_schema_view(
    create=extend_schema(
        responses={201: AssessmentScoreSerializer, 200: AssessmentScoreSerializer},
        description="Enter a unit's points on a manual item, with the reason. Entering again replaces the "
        "points (200); the first time answers 201.",
    )
)
class ManualScoreViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, PolicyViewSet
):
    """Points entered by hand on manual items (a survey, an inspection), by the assessment office."""

    serializer_class = AssessmentScoreSerializer
    queryset_model = ManualScore
    filterset_class = ScoreFilter
    permission_classes = [ServiceDecides]

    def select(self, user: Any) -> Any:
        return policy.visible(user, ManualScore.objects.select_related("unit", "entered_by")).order_by("item_id", "id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        existed = ManualScore.objects.filter(item=data["item"], unit=data["unit"]).exists()
        score = services.save_manual_score(request.user, data["item"], data["unit"], data["points"], data["comment"])
        return Response(
            self.get_serializer(score).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )

    def perform_update(self, serializer: Any) -> None:
        score, data = serializer.instance, serializer.validated_data
        serializer.instance = services.save_manual_score(
            self.request.user,
            score.item,
            score.unit,
            data.get("points", score.points),
            data.get("comment", score.comment),
        )


# ---- adjustments -----------------------------------------------------------------------------------


class AssessmentEvidenceFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvidenceFile
        fields = ["id", "adjustment", "exemption", "filename", "size", "sha256", "content_type", "created_at"]
        read_only_fields = fields


def uploads_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FileField(),
        write_only=True,
        required=False,
        help_text="evidence files to keep with it (send the request as multipart/form-data)",
    )


class AssessmentFilesUploadSerializer(serializers.Serializer):
    uploads = serializers.ListField(child=serializers.FileField(), help_text="the evidence files, one part each")


def add_files(view: PolicyViewSet, request: Request) -> Response:
    """POST …/{id}/files/ of adjustments and fault-tolerance requests: more evidence, all or nothing."""
    body = AssessmentFilesUploadSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    record = view.get_object()
    with errors_renamed({"files": "uploads"}):
        services.add_evidence(request.user, record, body.validated_data["uploads"])
    return Response(view.get_serializer(type(record).objects.get(pk=record.pk)).data, status=201)


FILES_ACTION = {
    "detail": True,
    "methods": ["post"],
    "url_path": "files",
    "parser_classes": [MultiPartParser, FormParser],
}


class AssessmentAdjustmentSerializer(serializers.ModelSerializer):
    scheme = VisibleRelatedField(queryset=Scheme.objects.all())
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all())
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    files = AssessmentEvidenceFileSerializer(many=True, read_only=True)
    uploads = uploads_field()

    class Meta:
        model = Adjustment
        fields = [
            "id",
            "scheme",
            "unit",
            "kind",
            "points",
            "reason",
            "evidence",
            "rule",
            "source_key",
            "task",
            "withdrawn",
            "withdrawn_reason",
            "created_by",
            "created_at",
            "files",
            "uploads",
        ]
        read_only_fields = ["rule", "source_key", "task", "withdrawn", "withdrawn_reason", "created_at"]
        extra_kwargs = {"reason": {"allow_blank": True}}  # the service says what a reason needs


class AssessmentWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, default="", help_text="why the adjustment is withdrawn")


class AdjustmentFilter(django_filters.FilterSet):
    scheme = django_filters.NumberFilter()
    unit = django_filters.CharFilter(field_name="unit__code", help_text="unit code")

    class Meta:
        model = Adjustment
        fields = ["scheme", "unit", "kind", "withdrawn"]


class AdjustmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, PolicyViewSet):
    """Incentives (正向激励), demerits (负面评价) and vetoes (一票否决) you may see: a unit sees its own until the
    results are published. The assessment office and administrators add any kind, the supervision office
    demerits; automatic demerits come from supervision records."""

    serializer_class = AssessmentAdjustmentSerializer
    queryset_model = Adjustment
    filterset_class = AdjustmentFilter
    permission_classes = [ServiceDecides]

    def select(self, user: Any) -> Any:
        queryset = Adjustment.objects.select_related("unit", "created_by").prefetch_related("files")
        return policy.visible(user, queryset).order_by("scheme_id", "unit_id", "created_at", "id")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        with errors_renamed({"files": "uploads"}):
            serializer.instance = services.add_adjustment(
                self.request.user,
                data["scheme"],
                data["unit"],
                data["kind"],
                data.get("points", 0),
                data["reason"],
                data.get("evidence", ""),
                uploads=data.get("uploads", []),
            )

    @extend_schema(
        request={"multipart/form-data": AssessmentFilesUploadSerializer},
        responses={201: AssessmentAdjustmentSerializer},
    )
    @action(**FILES_ACTION)
    def files(self, request: Request, pk: str | None = None) -> Response:
        """Add evidence files to an adjustment (whoever may withdraw it may add to it)."""
        return add_files(self, request)

    @extend_schema(request=AssessmentWithdrawSerializer, responses=AssessmentAdjustmentSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Take back an adjustment made in error; it stays on record, marked withdrawn, with the reason."""
        body = AssessmentWithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        adjustment = services.withdraw_adjustment(request.user, self.get_object(), body.validated_data["reason"])
        return Response(self.get_serializer(adjustment).data)


# ---- fault tolerance (容错纠错) ---------------------------------------------------------------------


class AssessmentExemptionSerializer(serializers.ModelSerializer):
    adjustment = VisibleRelatedField(queryset=Adjustment.objects.all(), help_text="the demerit's id")
    scheme = serializers.IntegerField(source="adjustment.scheme_id", read_only=True)
    unit = serializers.CharField(source="adjustment.unit.code", read_only=True)
    demerit_reason = serializers.CharField(source="adjustment.reason", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # A plain string in the schema: extension requests have the same choice set under the same name.
    status = serializers.CharField(read_only=True, help_text="pending, approved or rejected")
    files = AssessmentEvidenceFileSerializer(many=True, read_only=True)
    uploads = uploads_field()

    class Meta:
        model = Exemption
        fields = [
            "id",
            "adjustment",
            "scheme",
            "unit",
            "demerit_reason",
            "grounds",
            "explanation",
            "evidence",
            "status",
            "requested_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_reason",
            "files",
            "uploads",
        ]
        read_only_fields = ["status", "created_at", "decided_at", "decision_reason"]
        extra_kwargs = {"explanation": {"allow_blank": True}}  # the service says what it needs
        validators: list[Any] = []  # one live request per demerit: the service answers 409


class AssessmentDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(
        allow_blank=True, default="", help_text="the reasons, kept as a precedent for similar requests"
    )


class AssessmentPrecedentQuerySerializer(serializers.Serializer):
    grounds = serializers.ChoiceField(choices=Grounds.choices, required=False, allow_blank=True)
    q = serializers.CharField(required=False, allow_blank=True, help_text="words to look for (up to five)")


class ExemptionFilter(django_filters.FilterSet):
    scheme = django_filters.NumberFilter(field_name="adjustment__scheme")
    unit = django_filters.CharFilter(field_name="adjustment__unit__code", help_text="unit code")

    class Meta:
        model = Exemption
        fields = ["status", "grounds", "scheme", "unit"]


class ExemptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, PolicyViewSet):
    """Fault-tolerance requests (容错纠错): a unit's head or clerk asks to excuse one of its demerits; the
    assessment office approves (the points no longer count) or rejects, with its reasons."""

    serializer_class = AssessmentExemptionSerializer
    queryset_model = Exemption
    filterset_class = ExemptionFilter
    permission_classes = [ServiceDecides]

    def select(self, user: Any) -> Any:
        return selectors.exemptions(user).prefetch_related("files").order_by("-created_at", "-id")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        with errors_renamed({"files": "uploads"}):
            serializer.instance = services.request_exemption(
                self.request.user,
                data["adjustment"],
                data["grounds"],
                data["explanation"],
                data.get("evidence", ""),
                data.get("uploads", []),
            )

    @extend_schema(
        request={"multipart/form-data": AssessmentFilesUploadSerializer}, responses={201: AssessmentExemptionSerializer}
    )
    @action(**FILES_ACTION)
    def files(self, request: Request, pk: str | None = None) -> Response:
        """Add evidence files to a request still waiting for its decision (the requesting unit)."""
        return add_files(self, request)

    @extend_schema(request=AssessmentDecisionSerializer, responses=AssessmentExemptionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        """Approve or reject a pending request (the assessment office); the reasons are required."""
        body = AssessmentDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with errors_renamed({"decision_reason": "reason"}):
            exemption = services.decide_exemption(request.user, self.get_object(), data["approve"], data["reason"])
        return Response(self.get_serializer(exemption).data)

    @extend_schema(parameters=[AssessmentPrecedentQuerySerializer], responses=AssessmentExemptionSerializer(many=True))
    @action(detail=False, methods=["get"], filterset_class=None)
    def precedents(self, request: Request) -> Response:
        """Decided requests you may see, on the same grounds and/or mentioning the words, newest first: how
        similar requests were decided before."""
        query = AssessmentPrecedentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = selectors.precedents(
            request.user, grounds=query.validated_data.get("grounds", ""), text=query.validated_data.get("q", "")
        ).prefetch_related("files")
        page = self.paginate_queryset(found)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class EvidenceFileFilter(django_filters.FilterSet):
    class Meta:
        model = EvidenceFile
        fields = ["adjustment", "exemption"]


class EvidenceFileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Evidence files of the adjustments and fault-tolerance requests you may see."""

    serializer_class = AssessmentEvidenceFileSerializer
    queryset_model = EvidenceFile
    filterset_class = EvidenceFileFilter

    def select(self, user: Any) -> Any:
        return selectors.evidence_files(user).order_by("id")

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        kept = self.get_object()
        return kept_file_response(kept.sha256, kept.filename, kept.content_type)


__all__ = [
    "AdjustmentViewSet",
    "EvidenceFileViewSet",
    "ExemptionViewSet",
    "GradeBandViewSet",
    "ItemViewSet",
    "ManualScoreViewSet",
    "SchemeViewSet",
]
