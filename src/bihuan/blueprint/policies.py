"""Work categories and goals are shared configuration: everyone sees them; administrators change the
categories, administrators and the supervision office the goals."""

from typing import Any

from bihuan.blueprint.models import Category, Goal
from bihuan.core.policy import VIEW, policy
from bihuan.core.roles import Role
from bihuan.org.policies import DirectoryRules


class CategoryRules(DirectoryRules):
    model = Category
    actions = ("view", "create", "change", "export")


policy.register(CategoryRules())


class GoalRules(DirectoryRules):
    model = Goal
    actions = (VIEW, "create", "change", "export")

    def can(self, user: Any, role: str, action: str, obj: Any) -> bool:
        return action in (VIEW, "export") or role in (Role.ADMIN, Role.SUPERVISOR)


policy.register(GoalRules())
