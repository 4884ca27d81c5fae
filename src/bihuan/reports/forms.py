"""Forms of the bulletin pages: generate a draft, edit its words, choose whom to publish it to."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bihuan.core.forms import BootstrapMixin
from bihuan.org.models import Unit
from bihuan.reports.compile import PeriodError, parse_period
from bihuan.reports.models import Bulletin, Kind
from bihuan.reports.selectors import recipient_choices


class GenerateForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Kind.choices, initial=Kind.MONTH)
    period = forms.CharField(
        label=pgettext_lazy("bulletin", "period"),
        max_length=10,
        help_text=_("A month such as 2025-10, or a quarter such as 2025-Q3."),
    )
    unit = forms.ModelChoiceField(
        label=_("unit"),
        queryset=Unit.objects.filter(active=True),
        required=False,
        empty_label=_("The whole city"),
        help_text=_("Empty: the city's bulletin. A unit: that unit's own view of its tasks."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "period" in data and "kind" in data:
            try:
                data["period"] = parse_period(data["period"], data["kind"]).key
            except PeriodError as problem:
                self.add_error("period", str(problem))
        return data


class EditForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Bulletin
        fields = ["title", "number", "issuer", "highlights", "problems", "next_steps"]
        widgets = {
            "highlights": forms.Textarea(attrs={"rows": 4}),
            "problems": forms.Textarea(attrs={"rows": 4}),
            "next_steps": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "highlights": _("One paragraph per line."),
            "problems": _("One paragraph per line."),
            "next_steps": _("One paragraph per line."),
        }


class PersonChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        profile = getattr(obj, "profile", None)
        role = profile.get_role_display() if profile is not None else ""
        unit = profile.unit.label if profile is not None and profile.unit else ""
        return " · ".join(part for part in (obj.get_full_name() or obj.username, str(role), unit) if part)


class PublishForm(BootstrapMixin, forms.Form):
    users = PersonChoice(
        label=_("leaders and offices"),
        queryset=recipient_choices(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    units = forms.ModelMultipleChoiceField(
        label=_("units (every active member)"),
        queryset=Unit.objects.filter(active=True),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("users") and not data.get("units"):
            raise forms.ValidationError(_("Choose at least one person or unit to send the bulletin to."))
        return data
