"""Reads of the blueprint shared by pages, API and exports."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from bihuan.blueprint.models import Category, Goal
from bihuan.core.policy import policy


def categories(user: Any) -> QuerySet[Category]:
    return policy.visible(user, Category.objects.all())


def goals(user: Any) -> QuerySet[Goal]:
    return policy.visible(user, Goal.objects.select_related("parent"))


def with_sub_goals(goal_ids: list[int]) -> set[int]:
    """The goals and every goal under them (goals are few: one query, walked in memory)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Goal.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo = set(), list(goal_ids)
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, []))
    return found
