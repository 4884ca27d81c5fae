"""API for work categories."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from bihuan.blueprint import selectors, services
from bihuan.blueprint.models import Category, Goal
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


class GoalSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", queryset=Goal.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Goal
        fields = ["id", *services.GOAL_FIELDS]
        extra_kwargs = {"code": {"validators": []}}


class GoalViewSet(ServiceViewSet):
    """Goals of the blueprint (multi-year, in a tree); key tasks name the goals they serve."""

    serializer_class = GoalSerializer
    queryset_model = Goal
    filterset_fields = ["active", "parent"]

    def select(self, user: Any) -> Any:
        return selectors.goals(user)

    def save(self, data: dict, goal: Goal | None) -> Goal:
        return services.save_goal(self.request.user, data, goal)
