"""The blueprint: the configurable taxonomy of work categories (goals follow with key tasks)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bihuan.core.models import TimeStampedModel
from bihuan.org.models import code_validator


class Category(TimeStampedModel):
    """A work category, e.g. 主体性、支撑性、保障性、底线性、惠民性."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.IntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("work category")
        verbose_name_plural = _("work categories")

    def __str__(self) -> str:
        return self.name
