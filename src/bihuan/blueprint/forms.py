"""Forms of the blueprint app. They only collect input; the services validate and write."""

from __future__ import annotations

from django import forms

from bihuan.blueprint import services
from bihuan.blueprint.models import Category, Goal
from bihuan.core.forms import BootstrapMixin


class CategoryForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Category
        fields = list(services.CATEGORY_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class GoalForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Goal
        fields = list(services.GOAL_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
