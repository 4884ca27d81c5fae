"""Form helpers: Bootstrap classes on every widget, and the forms the core pages use."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext
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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def evidence_limits(max_files: int) -> str:
    """What the deployment accepts as evidence, in the active language (for a file input's help)."""
    return gettext("Types %(types)s; at most %(size)s MB each; up to %(count)s files at a time.") % {
        "types": " ".join(settings.BIHUAN["ATTACHMENT_TYPES"]),
        "size": f"{round(settings.BIHUAN['ATTACHMENT_MAX_BYTES'] / 2**20, 1):g}",
        "count": max_files,
    }


class EvidenceFilesField(forms.FileField):
    """Several evidence files in one input; the service checks each (type, size) and names it."""

    def __init__(self, max_files: int, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("evidence files"))
        kwargs.setdefault("help_text", lazy(evidence_limits, str)(max_files))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        uploads = data if isinstance(data, (list, tuple)) else [data]
        return [super(EvidenceFilesField, self).clean(upload, initial) for upload in uploads if upload]


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
