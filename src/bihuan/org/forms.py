"""Forms for units, plates and users. They only collect input; the services validate and write."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from bihuan.core.forms import BootstrapMixin
from bihuan.core.roles import Role
from bihuan.org.models import Unit, UnitGroup

User = get_user_model()


class UnitForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["code", "name", "short_name", "kind", "parent", "sort_order", "active"]


class UnitGroupForm(BootstrapMixin, forms.ModelForm):
    units = forms.ModelMultipleChoiceField(
        label=_("units"),
        queryset=Unit.objects.order_by("sort_order", "code"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )

    class Meta:
        model = UnitGroup
        fields = ["code", "name", "description", "illustrative", "sort_order", "units"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class UserForm(BootstrapMixin, forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    first_name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.order_by("sort_order", "code"), required=False)
    # No default: giving someone a role, administrator least of all, is a deliberate choice.
    role = forms.ChoiceField(label=_("Role"), choices=[("", "---------"), *Role.choices])
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email_notifications = forms.BooleanField(label=_("E-mail notifications"), required=False, initial=True)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Leave empty to let an administrator set it later."),
    )

    user_fields = ("username", "first_name", "email", "is_active")
    profile_fields = ("unit", "role", "title", "phone", "email_notifications")

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None:
            profile = getattr(instance, "profile", None)
            initial = {f: getattr(instance, f) for f in self.user_fields}
            if profile is not None:
                initial.update({f: getattr(profile, f) for f in self.profile_fields})
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        if instance is not None:
            del self.fields["password"]
            self.fields["is_active"].disabled = True
            self.fields["is_active"].help_text = _("Use Deactivate on the user's page.")


class SetPasswordForm(BootstrapMixin, forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput)
