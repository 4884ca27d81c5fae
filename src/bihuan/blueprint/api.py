"""API for work categories."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from bihuan.blueprint import selectors, services
from bihuan.blueprint.models import Category
from bihuan.core.api import ServiceViewSet


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", *services.CATEGORY_FIELDS]
        extra_kwargs = {"code": {"validators": []}}


class CategoryViewSet(ServiceViewSet):
    """Work categories (主体性、支撑性、保障性、底线性、惠民性 in the demo)."""

    serializer_class = CategorySerializer
    queryset_model = Category
    filterset_fields = ["active"]

    def select(self, user: Any) -> Any:
        return selectors.categories(user)

    def save(self, data: dict, category: Category | None) -> Category:
        return services.save_category(self.request.user, data, category)
