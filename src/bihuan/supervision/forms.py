"""Forms of the key-task pages. They only collect input; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from bihuan.blueprint.models import Goal
from bihuan.core.forms import BootstrapMixin
from bihuan.core.roles import Role
from bihuan.org.models import Unit
from bihuan.supervision import services
from bihuan.supervision.models import KeyTask, Milestone, ProgressReport, TaskComment

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TaskForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = KeyTask
        fields = [*services.TASK_FIELDS, "partner_units", "goals"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "start": DATE,
            "due": DATE,
            "partner_units": forms.SelectMultiple(attrs={"size": 6}),
            "goals": forms.SelectMultiple(attrs={"size": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(active=True).order_by("sort_order", "code")
        self.fields["lead_unit"].queryset = units
        self.fields["partner_units"].queryset = units
        people = get_user_model().objects.filter(is_active=True).select_related("profile").order_by("username")
        self.fields["leader"].queryset = people.filter(profile__role=Role.LEADER)
        self.fields["owner"].queryset = people
        self.fields["parent"].queryset = KeyTask.objects.exclude(pk=self.instance.pk).order_by("-year", "number")
        self.fields["goals"].queryset = Goal.objects.filter(active=True)
        self.fields["number"].required = False
        self.fields["number"].help_text = _("Leave empty for the next free number of the year.")

    def validate_unique(self) -> None:
        """Uniqueness is the service's concern (it reports it on the number field)."""


class ReportForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ProgressReport
        fields = list(services.REPORT_FIELDS)
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in services.REPORT_FIELDS if name != "progress"}

    def validate_unique(self) -> None:
        """One report per period: the service's concern."""


class TransitionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label=_("reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    rating = forms.TypedChoiceField(
        label=_("quality rating"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *[(n, "★" * n) for n in range(5, 0, -1)]],
    )


class MilestoneForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "due"]
        widgets = {"due": DATE}


class ExtensionForm(BootstrapMixin, forms.Form):
    new_due = forms.DateField(label=_("requested due date"), widget=DATE)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(BootstrapMixin, forms.Form):
    approve = forms.TypedChoiceField(
        label=_("decision"), coerce=lambda v: v == "1", choices=[("1", _("Approve")), ("0", _("Reject"))]
    )
    comment = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NoticeForm(BootstrapMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("unit"), queryset=Unit.objects.none())
    text = forms.CharField(label=_("notice"), widget=forms.Textarea(attrs={"rows": 3}))
    respond_by = forms.DateField(label=_("respond by"), widget=DATE)

    def __init__(self, *args: Any, task: KeyTask, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [task.lead_unit_id, *task.partner_units.values_list("pk", flat=True)]
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=ids)
        self.fields["unit"].initial = task.lead_unit_id


class AnswerForm(BootstrapMixin, forms.Form):
    response = forms.CharField(label=_("response"), widget=forms.Textarea(attrs={"rows": 3}))


class CommentForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label=_("text"), widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label=_("kind"), choices=TaskComment.Kind.choices, initial=TaskComment.Kind.COMMENT)
