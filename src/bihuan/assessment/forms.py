"""Forms of the assessment pages. They parse and check what a person typed; the services decide and write."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bihuan.assessment.models import (
    AdjustmentKind,
    ExemptionStatus,
    GradeBand,
    Grounds,
    Item,
    Method,
    NoBasis,
    Scheme,
    SchemeState,
)
from bihuan.assessment.services import BAND_FIELDS, ITEM_FIELDS, MAX_EVIDENCE_FILES, SCHEME_FIELDS
from bihuan.core.forms import BootstrapMixin, EvidenceFilesField, bootstrapify
from bihuan.indicators.models import Indicator, PeerGroup
from bihuan.org.models import Unit

UNIT_KINDS_ASSESSED = (Unit.Kind.COUNTY, Unit.Kind.DEPARTMENT, Unit.Kind.ZONE, Unit.Kind.OTHER)


def grouped_unit_choices(units: QuerySet[Unit]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The units under their kind (counties, departments, zones…), for a select with option groups."""
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for unit in units:
        groups[unit.kind].append((str(unit.pk), f"{unit.name} ({unit.code})"))
    labels = dict(Unit.Kind.choices)
    order = [*UNIT_KINDS_ASSESSED, Unit.Kind.CITY]
    return [(str(labels[kind]), groups[kind]) for kind in order if groups.get(kind)]


class SchemeForm(BootstrapMixin, forms.ModelForm):
    units = forms.MultipleChoiceField(
        label=_("units assessed"),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several; the buttons choose a whole kind."),
        widget=forms.SelectMultiple(attrs={"size": 14}),
    )

    class Meta:
        model = Scheme
        fields = [f for f in SCHEME_FIELDS]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "as_of": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = list(self.instance.units.values_list("pk", flat=True)) if self.instance.pk else []
        units = Unit.objects.filter(active=True).exclude(kind=Unit.Kind.CITY) | Unit.objects.filter(pk__in=chosen)
        self.unit_objects = {str(u.pk): u for u in units.order_by("sort_order", "code")}
        self.fields["units"].choices = grouped_unit_choices(self.unit_objects.values())
        self.unit_kinds = {pk: u.kind for pk, u in self.unit_objects.items()}
        if self.instance.pk and not self.is_bound:
            self.initial["units"] = [str(pk) for pk in chosen]

    def chosen_units(self) -> list[Unit]:
        return [self.unit_objects[pk] for pk in self.cleaned_data.get("units", [])]

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SCHEME_FIELDS}


# Which item fields each method uses: the page shows only these, the service checks them.
METHOD_FIELDS = {
    Method.DELIVERY: (
        "base_points",
        "per_overdue_task",
        "per_late_report",
        "per_missing_report",
        "per_return",
        "max_off",
    ),
    Method.INDICATOR_RANK: (
        "indicator",
        "peer_group",
        "period",
        "rank_basis",
        "rank_points",
        "best_points",
        "worst_points",
    ),
    Method.INDICATOR_TARGET: ("indicator", "period", "target_cap"),
    Method.MANUAL: (),
}
COMMON_ITEM_FIELDS = ("name", "method", "weight", "sort_order", "no_basis")
DEFAULTED_ITEM_FIELDS = (
    "sort_order",
    "base_points",
    "per_overdue_task",
    "per_late_report",
    "per_missing_report",
    "per_return",
    "best_points",
    "worst_points",
    "target_cap",
)


class ItemForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Item
        fields = list(ITEM_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Indicator.objects.order_by("code")
        self.fields["peer_group"].queryset = PeerGroup.objects.order_by("name")
        self.fields["rank_basis"].required = False
        for name in DEFAULTED_ITEM_FIELDS:
            self.fields[name].required = False  # empty counts as the default, not as an error
        for name, field in self.fields.items():
            methods = [m for m, names in METHOD_FIELDS.items() if name in names]
            field.methods = " ".join(methods) if name not in COMMON_ITEM_FIELDS else ""
        self.fields["method"].widget.attrs["data-item-method"] = "1"
        self.fields["no_basis"].required = False
        usual = _("as usual: full points for task delivery, 0 otherwise")
        self.fields["no_basis"].choices = [("", usual), *NoBasis.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("no_basis"):
            data["no_basis"] = NoBasis.usual(data.get("method"))
        for name in DEFAULTED_ITEM_FIELDS:
            if data.get(name) is None and name in data:
                data[name] = Item._meta.get_field(name).default
        # fields of other methods keep their stored or default values, so a hidden field never blocks a save
        used = set(METHOD_FIELDS.get(data.get("method"), ())) | set(COMMON_ITEM_FIELDS)
        for name in ITEM_FIELDS:
            if name not in used and name in self.errors:
                del self.errors[name]
                data[name] = (
                    getattr(self.instance, name, None) if self.instance.pk else Item._meta.get_field(name).default
                )
        return data

    def service_data(self) -> dict[str, Any]:
        used = set(METHOD_FIELDS.get(self.cleaned_data["method"], ())) | set(COMMON_ITEM_FIELDS)
        return {name: self.cleaned_data[name] for name in ITEM_FIELDS if name in used and name in self.cleaned_data}


class BandForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = GradeBand
        fields = list(BAND_FIELDS)

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in BAND_FIELDS}


class MoveForm(forms.Form):
    to = forms.ChoiceField(choices=SchemeState.choices)
    version = forms.IntegerField(required=False)


class AdjustmentForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=AdjustmentKind.choices)
    unit = forms.ChoiceField(label=_("unit"))
    points = forms.DecimalField(
        label=_("points"),
        required=False,
        min_value=Decimal(0),
        max_digits=7,
        decimal_places=2,
        help_text=_("Bonus points for an incentive, points off for a demerit; none for a veto."),
    )
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.CharField(
        label=_("evidence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Document numbers, links, where to look."),
    )
    files = EvidenceFilesField(MAX_EVIDENCE_FILES)

    def __init__(self, *args: Any, units: list[Unit], kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {str(u.pk): u for u in units}
        self.fields["unit"].choices = [("", "—"), *((pk, u.name) for pk, u in self.units.items())]
        self.fields["kind"].choices = [(k, label) for k, label in AdjustmentKind.choices if k in kinds]
        bootstrapify(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") in (AdjustmentKind.INCENTIVE, AdjustmentKind.DEMERIT) and not data.get("points"):
            self.add_error("points", _("Give the points (more than 0, at most 100)."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=2000)


class ManualScoreRowForm(forms.Form):
    """One unit's row in the grid of a manual item; both fields empty: leave the unit as it is."""

    points = forms.DecimalField(
        label=_("points"), required=False, min_value=Decimal(0), max_value=Decimal(100), max_digits=7, decimal_places=2
    )
    comment = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 1}))

    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["points"].widget.attrs.update({"class": "form-control form-control-sm", "inputmode": "decimal"})
        self.fields["comment"].widget.attrs.update({"class": "form-control form-control-sm"})

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("points") is None and (data.get("comment") or "").strip() and "points" not in self.errors:
            self.add_error("points", _("Give the points, or clear the comment."))
        return data

    @property
    def filled(self) -> bool:
        return self.cleaned_data.get("points") is not None


class ExemptionRequestForm(BootstrapMixin, forms.Form):
    grounds = forms.ChoiceField(label=_("grounds"), choices=[("", "—"), *Grounds.choices])
    explanation = forms.CharField(
        label=_("explanation"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What happened, why it was beyond the unit's control or a reasonable risk, what was done since."),
    )
    evidence = forms.CharField(
        label=_("evidence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Document numbers, links, where to look."),
    )
    files = EvidenceFilesField(MAX_EVIDENCE_FILES)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("approve", _("Approve: excuse the demerit")), ("reject", _("Reject: the demerit counts"))],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    decision_reason = forms.CharField(
        label=_("reasons for the decision"),
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        help_text=_("They are kept with the case and shown as a precedent for similar requests."),
    )


class SchemeFilter(forms.Form):
    year = forms.TypedChoiceField(label=_("year"), required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label=_("state"), required=False, choices=[("", _("All")), *SchemeState.choices])

    def __init__(self, data: Any, years: list[int]) -> None:
        super().__init__(data)
        self.fields["year"].choices = [("", _("All")), *((y, y) for y in years)]
        bootstrapify(self)


class ExemptionFilter(forms.Form):
    status = forms.ChoiceField(label=_("status"), required=False, choices=[("", _("All")), *ExemptionStatus.choices])
    grounds = forms.ChoiceField(label=_("grounds"), required=False, choices=[("", _("All")), *Grounds.choices])
    scheme = forms.TypedChoiceField(
        label=pgettext_lazy("assessment", "scheme"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data: Any, schemes: list[Scheme]) -> None:
        super().__init__(data)
        self.fields["scheme"].choices = [("", _("All")), *((s.pk, str(s)) for s in schemes)]
        bootstrapify(self)


class PrecedentSearch(forms.Form):
    q = forms.CharField(label=_("Search the precedents"), required=False, max_length=200)
