"""Work categories are shared configuration: everyone sees them, administrators change them."""

from bihuan.blueprint.models import Category
from bihuan.core.policy import policy
from bihuan.org.policies import DirectoryRules


class CategoryRules(DirectoryRules):
    model = Category
    actions = ("view", "create", "change", "export")


policy.register(CategoryRules())
