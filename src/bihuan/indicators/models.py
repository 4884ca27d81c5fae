"""Indicators and benchmarking (对标): what is measured, where, in which peer groups, and every value as
published. Data and constraints only; rules live in services, computations in `computations`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bihuan.blueprint.models import Category
from bihuan.core.models import TimeStampedModel


class Frequency(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    YEAR = "year", _("Yearly")


class Kind(models.TextChoices):
    LEVEL = "level", _("Level")
    YTD = "ytd", _("Year to date")
    RATE = "rate", _("Rate")


class Indicator(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    frequency = models.CharField(_("frequency"), max_length=8, choices=Frequency.choices, default=Frequency.YEAR)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.LEVEL)
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=1)
    category = models.ForeignKey(
        Category, verbose_name=_("work category"), null=True, blank=True, on_delete=models.PROTECT
    )
    source = models.CharField(pgettext_lazy("indicator", "source"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    headline = models.BooleanField(_("headline indicator"), default=False)
    sort_order = models.IntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the user's language: the English name on an English page when there is one."""
        from django.utils import translation

        english = (translation.get_language() or "").startswith("en")
        return self.name_en if english and self.name_en else self.name


class Area(TimeStampedModel):
    """A province, city or county by its division code (统计用区划代码)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=60)
    short_name = models.CharField(
        _("short name"), max_length=30, help_text=_("Without 省/市/县/区, as tables print it.")
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent area"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return self.name


class PeerGroup(TimeStampedModel):
    """A named set of areas ranked against each other, e.g. 山西11市, with its first-tier size."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    areas = models.ManyToManyField(Area, verbose_name=_("areas"), related_name="peer_groups")
    first_tier = models.PositiveSmallIntegerField(_("first tier size"), default=3)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("peer group")
        verbose_name_plural = _("peer groups")

    def __str__(self) -> str:
        return self.name


class Vintage(models.TextChoices):
    PRELIMINARY = "preliminary", _("Preliminary")
    FINAL = "final", _("Final")


class Observation(models.Model):
    """One value of an indicator for an area and period, as published. A changed value is a new row; the
    earlier one stays, no longer current, so a league table can be shown as it was on a given date."""

    # Indexes are kept to the reads that need them, since each one slows an import of a million figures: the
    # indicator is the first column of two composite indexes, so it has none of its own; nothing looks figures
    # up by their recorder or by time alone.
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="observations", db_index=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="observations")
    period = models.CharField(_("period"), max_length=10)  # 2023, 2025-Q3, 2025-10
    value = models.FloatField(_("value"), null=True, blank=True)
    growth = models.FloatField(_("published growth %"), null=True, blank=True)
    vintage = models.CharField(_("vintage"), max_length=12, choices=Vintage.choices, default=Vintage.PRELIMINARY)
    source = models.CharField(pgettext_lazy("indicator", "source"), max_length=200, blank=True)
    batch = models.CharField(_("import batch"), max_length=64, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    current = models.BooleanField(default=True)

    class Meta:
        ordering = ["indicator", "period", "area", "-recorded_at"]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "period"], condition=models.Q(current=True), name="one_current_value"
            )
        ]
        indexes = [models.Index(fields=["indicator", "period", "current"])]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.area.code} {self.period}: {self.value}"


class Target(TimeStampedModel):
    """A yearly target for an indicator in an area, e.g. GDP growth ≥ 6.5% in 2025, with its baseline."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="targets")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.FloatField(pgettext_lazy("indicator", "target"))
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    baseline = models.FloatField(_("baseline"), null=True, blank=True)

    class Meta:
        ordering = ["indicator", "area", "year"]
        verbose_name = pgettext_lazy("indicator", "target")
        verbose_name_plural = _("targets")
        constraints = [models.UniqueConstraint(fields=["indicator", "area", "year"], name="one_target_per_year")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.area} {self.year}: {self.value}"


class ImportProfile(TimeStampedModel):
    """How a statistics table is laid out, remembered under a name so next month's table imports in one step:
    its shape, the column that names the area, and which column holds which indicator and measure."""

    class Shape(models.TextChoices):
        LONG = "long", _("Long (one row per area, period and indicator)")
        WIDE = "wide", _("Wide (areas down the side, indicators across)")

    name = models.CharField(_("name"), max_length=60, unique=True)
    shape = models.CharField(_("shape"), max_length=8, choices=Shape.choices)
    #: wide: {"area": column letter, "columns": [{"column": "B", "indicator": "gdp", "measure": "value",
    #: "scale": 1.0}], "period": "2023" or ""}; long: {"columns": {key: column letter}}
    mapping = models.JSONField(_("mapping"), default=dict)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("import profile")
        verbose_name_plural = _("import profiles")

    def __str__(self) -> str:
        return self.name
