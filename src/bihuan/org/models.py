"""Units (the city's departments, counties and zones), plates, and people's profiles."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bihuan.core.models import TimeStampedModel
from bihuan.core.roles import Role

code_validator = RegexValidator(r"^[A-Za-z0-9_.-]{1,32}$", _("Use 1–32 letters, digits, dots, dashes or underscores."))
phone_validator = RegexValidator(r"^[0-9+()\- ]{3,32}$", _("Enter a phone number: digits, spaces, + - ( )."))


class Unit(TimeStampedModel):
    class Kind(models.TextChoices):
        CITY = "city", _("City")
        DEPARTMENT = "department", _("City department")
        COUNTY = "county", _("County or district")
        ZONE = "zone", _("Development zone")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.IntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name


class UnitGroup(TimeStampedModel):
    """A plate (板块): a named group of units, such as the counties along the Fen river."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    illustrative = models.BooleanField(
        _("illustrative"),
        default=False,
        help_text=_("Shown with a note that the grouping is an example, not an official one."),
    )
    units = models.ManyToManyField(Unit, verbose_name=_("units"), blank=True, related_name="groups")
    sort_order = models.IntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("plate")
        verbose_name_plural = _("plates")

    def __str__(self) -> str:
        return self.name


class Profile(TimeStampedModel):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    title = models.CharField(_("title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[phone_validator])
    email_notifications = models.BooleanField(_("e-mail me my notifications"), default=True)
    daily_digest = models.BooleanField(
        _("send me a daily digest"), default=False, help_text=_("One message a day listing what waits for you.")
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return self.user.get_username()
