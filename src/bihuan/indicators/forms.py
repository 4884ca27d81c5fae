"""Form fields the indicator pages share for their query strings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.encoding import force_str
from django.utils.text import Truncator


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
