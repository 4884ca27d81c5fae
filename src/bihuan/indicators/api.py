"""API for indicators, areas, peer groups, targets, observations and league tables. Serializers translate
codes to objects; services decide and write; reads come from selectors."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from bihuan.blueprint.models import Category
from bihuan.core.api import PolicyViewSet, ServiceViewSet
from bihuan.core.policy import VIEW, policy
from bihuan.indicators import api_selectors, league_output, services
from bihuan.indicators.filtersets import AreaFilter, IndicatorFilter, ObservationFilter, PeerGroupFilter, TargetFilter
from bihuan.indicators.models import Area, Indicator, Observation, PeerGroup, Target, Vintage
from bihuan.indicators.periods import parse_period

# ---- reference data ------------------------------------------------------------------------------


class IndicatorSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Indicator
        fields = ["id", *services.INDICATOR_FIELDS]
        extra_kwargs = {"code": {"validators": []}}  # uniqueness is the service's (full_clean) concern


class AreaSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", queryset=Area.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Area
        fields = ["id", *services.AREA_FIELDS]
        extra_kwargs = {"code": {"validators": []}}


class PeerGroupSerializer(serializers.ModelSerializer):
    areas = serializers.SlugRelatedField(
        slug_field="code", queryset=Area.objects.all(), many=True, required=False, help_text="division codes"
    )

    class Meta:
        model = PeerGroup
        fields = ["id", *services.GROUP_FIELDS, "areas"]
        extra_kwargs = {"name": {"validators": []}}


class TargetSerializer(serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(slug_field="code", queryset=Indicator.objects.all())
    area = serializers.SlugRelatedField(slug_field="code", queryset=Area.objects.all())

    class Meta:
        model = Target
        fields = ["id", *services.TARGET_FIELDS]
        validators: list[Any] = []  # one target a year: the service's concern


class IndicatorViewSet(ServiceViewSet):
    """Indicators by code: unit, frequency (month, quarter, year), kind (level, year to date, rate) and
    polarity. Everyone signed in reads them; statisticians and administrators create and change them."""

    serializer_class = IndicatorSerializer
    queryset_model = Indicator
    filterset_class = IndicatorFilter
    lookup_field = "code"

    def select(self, user: Any) -> Any:
        return api_selectors.indicators(user)

    def save(self, data: dict, indicator: Indicator | None) -> Indicator:
        return services.save_indicator(self.request.user, data, indicator)


class AreaViewSet(ServiceViewSet):
    """Provinces, cities and counties by division code (统计用区划代码)."""

    serializer_class = AreaSerializer
    queryset_model = Area
    filterset_class = AreaFilter
    lookup_field = "code"

    def select(self, user: Any) -> Any:
        return api_selectors.areas(user)

    def save(self, data: dict, area: Area | None) -> Area:
        return services.save_area(self.request.user, data, area)


class PeerGroupViewSet(ServiceViewSet):
    """Named sets of areas ranked against each other (e.g. 山西11市), with the first-tier size."""

    serializer_class = PeerGroupSerializer
    queryset_model = PeerGroup
    filterset_class = PeerGroupFilter

    def select(self, user: Any) -> Any:
        return api_selectors.peer_groups(user)

    def save(self, data: dict, group: PeerGroup | None) -> PeerGroup:
        data = dict(data)
        members = data.pop("areas", None)
        if members is None:
            members = list(group.areas.all()) if group else []
        return services.save_peer_group(self.request.user, data, members, group)


class TargetViewSet(ServiceViewSet):
    """Yearly targets of an indicator in an area, with the baseline they are measured from."""

    serializer_class = TargetSerializer
    queryset_model = Target
    filterset_class = TargetFilter

    def select(self, user: Any) -> Any:
        return api_selectors.targets(user)

    def save(self, data: dict, target: Target | None) -> Target:
        return services.save_target(self.request.user, data, target)


# ---- observations --------------------------------------------------------------------------------


class ObservationSerializer(serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Observation
        fields = [
            "id",
            "indicator",
            "area",
            "period",
            "value",
            "growth",
            "vintage",
            "source",
            "batch",
            "recorded_at",
            "recorded_by",
            "current",
        ]
        read_only_fields = fields


class RowErrorsByIndex(serializers.ListSerializer):
    """A row's errors under its index in the batch ({"3": {"value": [...]}}), not in a list of mostly empty
    entries, so a long batch says at once which rows are wrong."""

    def to_internal_value(self, data: Any) -> list[Any]:
        try:
            return super().to_internal_value(data)
        except ValidationError as failure:
            if isinstance(failure.detail, list):
                raise ValidationError({i: e for i, e in enumerate(failure.detail) if e}) from None
            raise


class ObservationRowSerializer(serializers.Serializer):
    indicator = serializers.CharField(max_length=40, help_text="indicator code")
    area = serializers.CharField(max_length=12, help_text="division code")
    period = serializers.CharField(max_length=10, help_text="2023, 2025-Q3 or 2025-10, as the indicator's frequency")
    value = serializers.FloatField(allow_null=True)
    growth = serializers.FloatField(allow_null=True, required=False, default=None, help_text="published growth %")

    class Meta:
        list_serializer_class = RowErrorsByIndex


class ObservationBatchSerializer(serializers.Serializer):
    rows = ObservationRowSerializer(many=True, allow_empty=False)
    source = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    vintage = serializers.ChoiceField(choices=Vintage.choices, default=Vintage.PRELIMINARY)
    batch = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

    def validate_rows(self, rows: list[dict[str, Any]]) -> list[services.Value]:
        """Codes are looked up for the whole batch at once; every row's problems are reported together."""
        indicators = {i.code: i for i in Indicator.objects.filter(code__in={r["indicator"] for r in rows})}
        areas = {a.code: a for a in Area.objects.filter(code__in={r["area"] for r in rows})}
        errors: dict[int, dict[str, list[str]]] = {}
        seen: dict[tuple[str, str, str], int] = {}
        for index, row in enumerate(rows):
            problems = errors.setdefault(index, {})
            indicator, area = indicators.get(row["indicator"]), areas.get(row["area"])
            if indicator is None:
                problems["indicator"] = [_("No indicator has the code {code!r}.").format(code=row["indicator"])]
            if area is None:
                problems["area"] = [_("No area has the division code {code!r}.").format(code=row["area"])]
            if indicator is not None:
                try:
                    parse_period(row["period"], indicator.frequency)
                except ValueError:
                    problems["period"] = [league_output.period_error(indicator, row["period"])]
            key = (row["indicator"], row["area"], row["period"].strip())
            if key in seen:
                problems.setdefault("period", []).append(
                    _("Row {row} already has this indicator, area and period.").format(row=seen[key])
                )
            seen.setdefault(key, index)
        errors = {index: problems for index, problems in errors.items() if problems}
        if errors:
            raise ValidationError(errors)
        return [
            services.Value(indicators[r["indicator"]], areas[r["area"]], r["period"].strip(), r["value"], r["growth"])
            for r in rows
        ]


class RecordedSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    revised = serializers.IntegerField()
    unchanged = serializers.IntegerField()


@extend_schema_view(
    create=extend_schema(
        request=ObservationBatchSerializer,
        responses={201: RecordedSerializer, 200: RecordedSerializer},
        description=(
            "Record a batch of published figures, all or nothing: a new (indicator, area, period) is added, a "
            "changed value or growth is a new vintage (the earlier one is kept, no longer current), an equal one "
            "is left alone. Errors name the row index and the field. 201 when something was written, else 200."
        ),
    )
)
class ObservationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Values as published, each with its vintage. Lists show the current values unless `current=all`
    (every vintage) or `as_of` (the values as they stood then)."""

    serializer_class = ObservationSerializer
    queryset_model = Observation
    filterset_class = ObservationFilter

    def select(self, user: Any) -> Any:
        return api_selectors.observations(user)

    def filter_queryset(self, queryset: Any) -> Any:
        # An observation keeps its address after a revision: reading one by id sees every vintage.
        return queryset if self.action == "retrieve" else super().filter_queryset(queryset)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ObservationBatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        result = services.record_observations(
            request.user, data["rows"], source=data["source"], batch=data["batch"], vintage=data["vintage"]
        )
        counts = {"added": result.added, "revised": result.revised, "unchanged": result.unchanged}
        written = result.added or result.revised
        return Response(counts, status=status.HTTP_201_CREATED if written else status.HTTP_200_OK)


# ---- league tables -------------------------------------------------------------------------------


class LeagueQuerySerializer(serializers.Serializer):
    indicator = serializers.CharField(help_text="indicator code, e.g. gdp_growth")
    group = serializers.CharField(help_text="peer group name (e.g. 山西11市) or id")
    period = serializers.CharField(help_text="2023, 2025-Q3 or 2025-10, as the indicator's frequency")
    by = serializers.ChoiceField(
        choices=league_output.MEASURES,
        default="value",
        help_text="rank by value or growth",
        error_messages={"invalid_choice": league_output.BY_ERROR},
    )
    as_of = serializers.CharField(
        required=False, help_text="the table as published at this date (end of day) or date and time"
    )


class LeagueRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True, help_text="ties share the better rank; null: no data")
    area_code = serializers.CharField()
    area = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    growth = serializers.FloatField(allow_null=True, help_text="growth %: as published, else nominal from levels")
    growth_derived = serializers.BooleanField(help_text="true when no growth was published and it was computed")
    rank_change = serializers.IntegerField(allow_null=True, help_text="previous rank − this rank: positive moved up")
    gap_to_leader = serializers.FloatField(allow_null=True, help_text="in the measure's unit; positive when behind")
    gap_to_next = serializers.FloatField(allow_null=True)
    gap_to_mean = serializers.FloatField(allow_null=True)
    gap_to_median = serializers.FloatField(allow_null=True)
    first_tier = serializers.BooleanField()
    catch_up_growth = serializers.FloatField(
        allow_null=True, help_text="growth % this year that reaches the next rank's level (by value, levels only)"
    )


@extend_schema_serializer(many=False)
class LeagueTableSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    indicator_name = serializers.CharField()
    unit = serializers.CharField()
    decimals = serializers.IntegerField()
    higher_is_better = serializers.BooleanField()
    group = serializers.CharField()
    first_tier_size = serializers.IntegerField()
    period = serializers.CharField()
    by = serializers.ChoiceField(choices=league_output.MEASURES)
    as_of = serializers.DateTimeField(allow_null=True)
    rows = LeagueRowSerializer(many=True)


class LeagueViewSet(viewsets.ViewSet):
    """League tables: every area of a peer group ranked for a period, with every computed column."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[LeagueQuerySerializer], responses=LeagueTableSerializer)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        policy.require(request.user, VIEW, Observation)
        params = LeagueQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        try:
            query = league_output.resolve(**params.validated_data)
        except league_output.LeagueQueryError as problem:
            raise ValidationError({problem.field: [problem.message]}) from None
        return Response(league_output.league_document(query))
