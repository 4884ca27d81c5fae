"""Reads of the blueprint shared by pages, API and exports."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from bihuan.blueprint.models import Category
from bihuan.core.policy import policy


def categories(user: Any) -> QuerySet[Category]:
    return policy.visible(user, Category.objects.all())
