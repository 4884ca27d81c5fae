"""API for units, plates and users. Serializers only translate; services decide and write."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from bihuan.core.api import ServiceViewSet
from bihuan.core.roles import Role, stored_role
from bihuan.org import selectors, services
from bihuan.org.filtersets import UnitFilter, UnitGroupFilter, UserFilter
from bihuan.org.models import Unit, UnitGroup

User = get_user_model()


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", queryset=Unit.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "short_name", "kind", "parent", "sort_order", "active"]
        extra_kwargs = {"code": {"validators": []}}


class UnitGroupSerializer(serializers.ModelSerializer):
    units = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all(), many=True, required=False)

    class Meta:
        model = UnitGroup
        fields = ["id", "code", "name", "description", "illustrative", "sort_order", "units"]
        extra_kwargs = {"code": {"validators": []}}


class UserSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="first_name")
    unit = serializers.SlugRelatedField(
        source="profile.unit", slug_field="code", queryset=Unit.objects.all(), allow_null=True, required=False
    )
    role = serializers.ChoiceField(source="profile.role", choices=Role.choices)
    title = serializers.CharField(source="profile.title", required=False, allow_blank=True)
    phone = serializers.CharField(source="profile.phone", required=False, allow_blank=True)
    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, style={"input_type": "password"}
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "email",
            "unit",
            "role",
            "title",
            "phone",
            "is_active",
            "last_login",
            "password",
        ]
        read_only_fields = ["last_login", "is_active"]
        extra_kwargs = {"username": {"validators": []}}

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["role"] = stored_role(instance)  # a superuser made with createsuperuser counts as admin
        return data


class UnitViewSet(ServiceViewSet):
    """Units of the city: departments, counties and districts, zones."""

    serializer_class = UnitSerializer
    queryset_model = Unit
    filterset_class = UnitFilter

    def select(self, user: Any) -> Any:
        return selectors.units(user)

    def save(self, data: dict, unit: Unit | None) -> Unit:
        return services.save_unit(self.request.user, data, Unit.objects.get(pk=unit.pk) if unit else None)


class UnitGroupViewSet(ServiceViewSet):
    """Plates: named groups of units."""

    serializer_class = UnitGroupSerializer
    queryset_model = UnitGroup
    filterset_class = UnitGroupFilter

    def select(self, user: Any) -> Any:
        return selectors.groups(user)

    def save(self, data: dict, group: UnitGroup | None) -> UnitGroup:
        data = dict(data)
        units = data.pop("units", None)
        if units is None:
            units = list(group.units.all()) if group else []
        return services.save_group(self.request.user, data, units, group)


class UserViewSet(ServiceViewSet):
    """People with their unit and role. Deactivate instead of delete: history stays."""

    serializer_class = UserSerializer
    queryset_model = User
    filterset_class = UserFilter

    def select(self, user: Any) -> Any:
        return selectors.users(user)

    def save(self, data: dict, user: Any | None) -> Any:
        data = dict(data)
        profile = data.pop("profile", {})
        password = data.pop("password", None) or None
        if user is not None and password:
            raise ValidationError({"password": _("Set an existing user's password with the set-password page.")})
        return services.save_user(self.request.user, data, profile, user, password=password)

    @action(detail=False)
    def me(self, request: Request) -> Response:
        return Response(self.get_serializer(selectors.users(request.user).get(pk=request.user.pk)).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        user = services.set_active(request.user, self.get_object(), False)
        return Response(self.get_serializer(user).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, pk: str | None = None) -> Response:
        user = services.set_active(request.user, self.get_object(), True)
        return Response(self.get_serializer(user).data)
