"""The blueprint (一张蓝图): multi-year goals that key tasks serve, and the taxonomy of work categories."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


class Goal(TimeStampedModel):
    """A goal of the city's blueprint, e.g. 2025–2027 “建设区域中心城市”, with sub-goals under it. Key tasks
    name the goals they serve."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    title = models.CharField(pgettext_lazy("goal", "title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent goal"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    start_year = models.PositiveSmallIntegerField(_("from year"))
    end_year = models.PositiveSmallIntegerField(_("to year"))
    sort_order = models.IntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"
