"""Every write to the blueprint's configuration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bihuan.blueprint.models import Category
from bihuan.core.services import save_model

CATEGORY_FIELDS = ("code", "name", "description", "sort_order", "active")


def save_category(actor: Any, data: Mapping[str, Any], category: Category | None = None) -> Category:
    clean = {k: v for k, v in data.items() if k in CATEGORY_FIELDS}
    return save_model(actor, category or Category(), clean, fields=CATEGORY_FIELDS)
