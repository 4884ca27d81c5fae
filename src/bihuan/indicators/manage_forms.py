"""Forms of the settings pages (indicators, peer groups, yearly targets) and the target list's filter. They
collect input and turn the names people type into areas; the services validate and write."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bihuan.core.forms import BootstrapMixin, YesNoAllSelect
from bihuan.indicators import services
from bihuan.indicators.filtersets import IndicatorFilter, TargetFilter
from bihuan.indicators.importers import Areas
from bihuan.indicators.models import Area, Indicator, PeerGroup, Target

POLARITY_CHOICES = (("True", _("Higher is better")), ("False", _("Lower is better")))
SEPARATORS = re.compile(r"[\r\n、,，;；]+")
CODE_AND_NAME = re.compile(r"^(\d{2,12})\s+\S")  # "141002 尧都区", as the form lists a group's areas


def polarity_text(higher_is_better: bool) -> str:
    return str(dict(POLARITY_CHOICES)[str(bool(higher_is_better))])


def split_entries(text: str) -> list[str]:
    """The areas a textarea names, one per line or separated by 、,; (full or half width), each once."""
    entries = [e.strip() for e in SEPARATORS.split(text or "")]
    return list(dict.fromkeys(e for e in entries if e))


def _lookup_key(entry: str) -> str:
    """An entry written "code name" is looked up by its code: the name is only there for the reader."""
    match = CODE_AND_NAME.match(entry)
    return match.group(1) if match else entry


def _names(texts: Sequence[str]) -> str:
    return "、".join(texts)


def resolve_areas(finder: Areas, entries: Sequence[str]) -> list[Area]:
    """The areas `entries` name (codes, full or short names), in their order. Raises a ValidationError naming
    every entry that matches no area or several."""
    keys = {entry: _lookup_key(entry) for entry in entries}
    settled, ambiguous = finder.settle(list(dict.fromkeys(keys.values())))
    unknown = [entry for entry, key in keys.items() if key not in settled and key not in ambiguous]
    errors = []
    if unknown:
        errors.append(ValidationError(_("No area is known by: %(names)s."), params={"names": _names(unknown)}))
    if ambiguous:
        options = [f"{text} ({'、'.join(f'{a.code} {a.name}' for a in found)})" for text, found in ambiguous.items()]
        errors.append(
            ValidationError(
                _("Several areas have these names, write the division code instead: %(names)s."),
                params={"names": "; ".join(options)},
            )
        )
    if errors:
        raise ValidationError(errors)
    return list(dict.fromkeys(settled[keys[entry]] for entry in entries))


def area_by_code_or_name(finder: Areas, text: str) -> Area:
    """One area by its division code or its name, or a ValidationError saying why not."""
    found = finder.candidates(_lookup_key(text.strip()))
    if not found:
        raise ValidationError(_("No area has the division code or name “%(value)s”."), params={"value": text})
    if len(found) > 1:
        codes = "、".join(f"{a.code} {a.name}" for a in found)
        raise ValidationError(
            _("Several areas are named “%(value)s” (%(codes)s): write the division code."),
            params={"value": text, "codes": codes},
        )
    return found[0]


class IndicatorForm(BootstrapMixin, forms.ModelForm):
    higher_is_better = forms.TypedChoiceField(
        label=_("polarity"),
        choices=POLARITY_CHOICES,
        coerce=lambda value: value == "True",
        initial="True",
        help_text=_("Ranks put the best first: the highest value, or the lowest (e.g. energy use per unit of GDP)."),
    )

    class Meta:
        model = Indicator
        fields = list(services.INDICATOR_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        labels = {"source": pgettext_lazy("indicator", "Source")}
        help_texts = {
            "code": _(
                "Letters, digits, - and _, e.g. gdp_growth. Import profiles, files, links and the API name the "
                "indicator by its code, so it is fixed once values are recorded."
            ),
            "name_en": _("Shown on English pages."),
            "unit": _("As the values are recorded, e.g. 亿元, 元 or a percentage."),
            "kind": _(
                "Level: a value at a date or for the period; year to date: a flow summed since January (累计); "
                "rate: a percentage such as a growth rate, compared in percentage points."
            ),
            "decimals": _("Decimals shown in tables and charts."),
            "headline": _("Headline indicators have a card on the city dashboard and a row in the rank matrix."),
            "sort_order": _("Smaller numbers come first in lists."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.observations.exists():
            # Recorded values are named by this code elsewhere and their periods are written for this frequency.
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _(
                "Fixed: values are recorded under this code, and import profiles, files and links name it."
            )
            self.fields["frequency"].disabled = True
            self.fields["frequency"].help_text = _("Fixed: the recorded values' periods are written for it.")


class PeerGroupForm(BootstrapMixin, forms.ModelForm):
    members = forms.CharField(
        label=_("areas"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Division codes or names (with or without 市/县/区), one per line or separated by 、 , or ;. "
            "Where two areas share a name, write the code."
        ),
    )
    under = forms.CharField(
        label=_("and all areas under"),
        required=False,
        max_length=60,
        help_text=_("The division code or name of a province or city, e.g. 141000: adds every area directly under it."),
    )

    class Meta:
        model = PeerGroup
        fields = list(services.GROUP_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"first_tier": _("Areas ranked this high or better are in the first tier (第一方阵).")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields([*services.GROUP_FIELDS[:2], "members", "under", "description"])
        if self.instance.pk:
            self.initial["members"] = "\n".join(f"{a.code} {a.name}" for a in self.instance.areas.order_by("code"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        entries = split_entries(data.get("members", ""))
        under = (data.get("under") or "").strip()
        if not entries and not under:
            raise ValidationError({"members": _("Name at least one area, or a parent area in the field below.")})
        finder = Areas(Area.objects.all())
        areas: list[Area] = []
        try:
            areas = resolve_areas(finder, entries)
        except ValidationError as error:
            self.add_error("members", error)
        if under:
            try:
                parent = area_by_code_or_name(finder, under)
            except ValidationError as error:
                self.add_error("under", error)
            else:
                children = list(parent.children.order_by("code"))
                if not children:
                    self.add_error("under", _("No area lies under %(area)s.") % {"area": parent.name})
                areas = list(dict.fromkeys([*areas, *children]))
        data["areas"] = areas
        return data

    def service_data(self) -> tuple[dict[str, Any], list[Area]]:
        """The group's fields and its areas, as `services.save_peer_group` takes them."""
        return {name: self.cleaned_data[name] for name in services.GROUP_FIELDS}, self.cleaned_data["areas"]


class TargetForm(BootstrapMixin, forms.ModelForm):
    area_code = forms.CharField(
        label=_("area"), max_length=60, help_text=_("Division code, e.g. 141000, or the area's name.")
    )

    class Meta:
        model = Target
        fields = [name for name in services.TARGET_FIELDS if name != "area"]
        help_texts = {
            "value": _("A level in the indicator's unit, or for a rate the rate itself in per cent (e.g. 6.5)."),
            "baseline_year": _("The year progress is measured from; with the baseline it gives the target status."),
            "baseline": _("The indicator's value in the baseline year."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Indicator.objects.order_by("sort_order", "code")
        self.order_fields(["indicator", "area_code", *self.Meta.fields[1:]])
        if self.instance.pk:
            self.initial["area_code"] = self.instance.area.code

    def clean_area_code(self) -> Area:
        return area_by_code_or_name(Areas(Area.objects.all()), self.cleaned_data["area_code"])

    def service_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        return {**data, "area": self.cleaned_data["area_code"]}


class TargetListFilter(TargetFilter):
    """The API's target filter (indicator code, area code, year): indicators to choose from, the area by its code."""

    indicator = django_filters.ModelChoiceFilter(
        label=_("indicator"),
        field_name="indicator",
        to_field_name="code",
        queryset=Indicator.objects.order_by("sort_order", "code"),
    )
    area = django_filters.CharFilter(label=_("division code"), field_name="area__code")


class IndicatorListFilter(IndicatorFilter):
    """The API's indicator filter, its headline choice read as all / yes / no."""

    headline = django_filters.BooleanFilter(label=_("headline indicator"), widget=YesNoAllSelect)
