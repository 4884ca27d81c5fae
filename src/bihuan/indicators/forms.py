"""Form fields the indicator pages share for their query strings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.encoding import force_str
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy

from bihuan.indicators.models import Indicator, PeerGroup


class Choice(forms.ChoiceField):
    """A choice whose error names the value given, shortened (a query string can hold anything)."""

    def validate(self, value: Any) -> None:
        try:
            super().validate(value)
        except ValidationError as error:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": Truncator(force_str(value)).chars(40)},
            ) from error


def choice_field(choices: Sequence[tuple[str, Any]], message: Any) -> Choice:
    """An optional choice (blank allowed) with its own message for a value that is not one of them."""
    return Choice(choices=[("", ""), *choices], required=False, error_messages={"invalid_choice": message})


class IndicatorGroupQuery(forms.Form):
    """A page's query string naming an indicator (by code) and a peer group (by id), both optional; subclasses add
    their own fields. `indicators` and `groups` map the accepted values to the objects."""

    def __init__(self, data: Any, indicators: Sequence[Indicator], groups: Sequence[PeerGroup]) -> None:
        super().__init__(data)
        self.indicators = {i.code: i for i in indicators}
        self.groups = {str(g.pk): g for g in groups}
        self.fields["indicator"] = choice_field(
            [(code, i.label) for code, i in self.indicators.items()],
            gettext_lazy("There is no indicator with the code “%(value)s”."),
        )
        self.fields["group"] = choice_field(
            [(pk, g.name) for pk, g in self.groups.items()], gettext_lazy("There is no peer group “%(value)s”.")
        )
