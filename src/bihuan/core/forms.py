"""Form helpers: Bootstrap classes on every widget, and the forms the core pages use."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bihuan.core.models import WebhookEndpoint


def bootstrapify(form: Any) -> Any:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxInput,)):
            css = "form-check-input"
        elif isinstance(widget, (forms.Select, forms.SelectMultiple)) and not isinstance(
            widget, forms.CheckboxSelectMultiple
        ):
            css = "form-select"
        elif isinstance(widget, forms.CheckboxSelectMultiple):
            css = ""
        else:
            css = "form-control"
        if css:
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
    return form


class BootstrapMixin:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class WebhookForm(BootstrapMixin, forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "secret", "active"]
        widgets = {"secret": forms.PasswordInput(render_value=True)}
        help_texts = {"secret": _("Receivers check the X-Bihuan-Signature header with this secret.")}


class YesNoAllSelect(forms.Select):
    """A three-way choice for boolean filters that reads naturally: all, yes, no."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))])
