"""Pages of key tasks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from bihuan.core.files import kept_file_response
from bihuan.core.pages import allowed_actions, form_page, list_page
from bihuan.core.policy import policy
from bihuan.core.roles import role_of
from bihuan.core.services import Conflict
from bihuan.core.tables import Col
from bihuan.org.views import apply_errors
from bihuan.supervision import selectors, services
from bihuan.supervision.filtersets import TaskFilter
from bihuan.supervision.forms import (
    AnswerForm,
    CommentForm,
    DecisionForm,
    ExtensionForm,
    MilestoneForm,
    NoticeForm,
    ReportForm,
    TaskForm,
    TransitionForm,
)
from bihuan.supervision.models import (
    Attachment,
    ExtensionRequest,
    KeyTask,
    Milestone,
    ProgressReport,
    SupervisionNotice,
    TaskComment,
    TaskStatus,
)
from bihuan.supervision.presentation import action_name, light_text
from bihuan.supervision.transitions import TRANSITIONS


def task_columns() -> list[Col]:
    """The list's columns; partner units come from `selectors.with_partner_labels` (one query per batch)."""
    statuses = {value: str(label) for value, label in TaskStatus.choices}  # translated once, not per row

    def detail(task: Any) -> str:
        return reverse("task-detail", args=[task.pk])

    return [
        Col(gettext_lazy("number"), lambda t: t.number, link=detail, width=10),
        Col(pgettext_lazy("task", "title"), lambda t: t.title, link=detail, width=36, css=lambda t: "bh-wrap"),
        Col(gettext_lazy("lead unit"), lambda t: t.lead_unit.label, width=14),
        Col(gettext_lazy("partner units"), lambda t: t.partner_labels, width=20, css=lambda t: "bh-wrap bh-narrow"),
        Col(gettext_lazy("responsible leader"), lambda t: t.leader.get_full_name() if t.leader else "", width=10),
        Col(gettext_lazy("due"), lambda t: t.due, width=11),
        Col(gettext_lazy("status"), lambda t: statuses.get(t.status, t.status), width=10),
        Col(gettext_lazy("progress %"), lambda t: t.progress, width=8),
        Col(
            gettext_lazy("warning"),
            lambda t: light_text(selectors.stored_light(t)),
            width=40,
            css=lambda t: f"bh-light bh-light-{t.light}" if t.light != "none" else "",
        ),
    ]


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """The task list (清单): filters, counts by colour, export of exactly what is filtered."""
    filtered, counts = selectors.listed_tasks(request.user, request.GET, timezone.localdate())
    query = request.GET.urlencode()
    bulk = policy.can(request.user, "remind", KeyTask)  # the supervision office assigns and reminds in bulk
    return list_page(
        request,
        title=_("Key tasks"),
        queryset=filtered.prefetch_related(None),
        columns=task_columns(),
        prepare=selectors.with_partner_labels,
        filterset_class=TaskFilter,
        export_name="tasks",
        actions=allowed_actions(
            request.user,
            KeyTask,
            [
                ("create", _("New key task"), reverse("task-new"), "plus-lg"),
                ("import", _("Import"), reverse("task-import"), "upload"),
                ("export", _("Ledger"), reverse("task-ledger") + (f"?{query}" if query else ""), "printer"),
            ],
        ),
        template="supervision/task_list.html",
        selectable=bulk,
        extra={
            "counts": {level: counts.get(level, 0) for level in ("red", "yellow", "green")},
            "total": sum(counts.values()),
            "bulk": bulk,
        },
    )


# ---- task detail and its actions -----------------------------------------------------------------


def _visible_task(user: Any, pk: int) -> KeyTask:
    return get_object_or_404(selectors.tasks(user), pk=pk)


def _back(task: KeyTask, anchor: str = "") -> HttpResponse:
    return redirect(reverse("task-detail", args=[task.pk]) + (f"#{anchor}" if anchor else ""))


def _errors_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _attempt(request: HttpRequest, task: KeyTask, anchor: str, write: Any, done: Any) -> HttpResponse:
    """Run a service call; say what happened, or why not, on the task's page."""
    try:
        write()
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return _back(task, anchor)


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request.user, pk)
    today = timezone.localdate()
    context = selectors.task_page(request.user, task, today)
    context.update(
        {
            "title": f"{task.number} {task.title}",
            "milestone_form": MilestoneForm(),
            "extension_form": ExtensionForm(),
            "notice_form": NoticeForm(task=task, initial={"respond_by": today + timedelta(days=5)}),
        }
    )
    return render(request, "supervision/task_detail.html", context)


@login_required
def task_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    task = _visible_task(request.user, pk) if pk else None
    policy.require(request.user, "change" if task else "create", task or KeyTask)
    initial = {} if task else {"year": timezone.localdate().year}
    form = TaskForm(request.POST or None, instance=task, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.TASK_FIELDS}
        try:
            saved = services.save_task(
                request.user,
                data,
                form.cleaned_data["partner_units"],
                KeyTask.objects.get(pk=pk) if pk else None,
                goals=form.cleaned_data["goals"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("task-detail", saved.pk)
    cancel = reverse("task-detail", args=[pk]) if pk else reverse("task-list")
    return form_page(request, form, title=_("Edit key task") if task else _("New key task"), cancel_url=cancel)


@login_required
@require_POST
def task_act(request: HttpRequest, pk: int) -> HttpResponse:
    """One workflow step (assign, acknowledge, …, close) from the task page; a completion request may
    carry evidence files."""
    task = _visible_task(request.user, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["action"] not in TRANSITIONS:
        messages.error(request, _("That action is not known."))
        return _back(task)
    action = form.cleaned_data["action"]
    policy.require(request.user, action, task)
    files = request.FILES.getlist("files")

    def write() -> None:
        with transaction.atomic():
            for upload in files:
                services.attach_upload(request.user, task, upload)
            services.transition(
                request.user,
                task,
                action,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"] or "",
                rating=form.cleaned_data["rating"],
            )

    return _attempt(request, task, "", write, _("Done: %(action)s.") % {"action": action_name(action)})


@login_required
def report_edit(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    """The lead unit writes the report for one period; its head may submit it at once."""
    task = _visible_task(request.user, pk)
    policy.require(request.user, "report", task)
    report = ProgressReport.objects.filter(task=task, period=period).first()
    # a new report starts from the task's progress; an existing one shows its own figures
    form = ReportForm(request.POST or None, instance=report, initial=None if report else {"progress": task.progress})
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.REPORT_FIELDS}
        try:
            with transaction.atomic():
                saved = services.save_report(request.user, task, period, data)
                for upload in request.FILES.getlist("files"):
                    services.attach_upload(request.user, task, upload, report=saved)
                if request.POST.get("submit") == "1":
                    services.report_step(request.user, saved, "submit")
        except ValidationError as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Report saved."))
            return _back(task, "reports")
    can_submit = report is None or policy.can(request.user, "submit", report)
    can_submit = can_submit and role_of(request.user) == "unit_head"
    return render(
        request,
        "supervision/report_form.html",
        {
            "title": _("Progress report %(period)s · %(task)s") % {"period": period, "task": task.number},
            "task": task,
            "report": report,
            "form": form,
            "can_submit": can_submit,
            "cancel_url": reverse("task-detail", args=[task.pk]) + "#reports",
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def report_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in ("submit", "send_back", "accept", "return"):
        raise Http404
    report = get_object_or_404(policy.visible(request.user, ProgressReport.objects.select_related("task")), pk=pk)
    policy.require(request.user, step, report)
    reason = request.POST.get("reason", "")
    return _attempt(
        request,
        report.task,
        "reports",
        lambda: services.report_step(request.user, report, step, reason=reason),
        _("Report %(period)s: %(step)s.") % {"period": report.period, "step": action_name(step)},
    )


@login_required
@require_POST
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request.user, pk)
    policy.require(request.user, "change", task)
    form = MilestoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the milestone a title and a due date."))
        return _back(task, "milestones")
    return _attempt(
        request,
        task,
        "milestones",
        lambda: services.save_milestone(request.user, task, form.cleaned_data),
        _("Milestone added."),
    )


@login_required
@require_POST
def milestone_complete(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone.objects.select_related("task"), pk=pk)
    task = _visible_task(request.user, milestone.task_id)
    policy.require(request.user, "complete_milestone", task)
    return _attempt(
        request,
        task,
        "milestones",
        lambda: services.complete_milestone(request.user, milestone, timezone.localdate()),
        _("Milestone reached."),
    )


@login_required
@require_POST
def extension_request(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request.user, pk)
    policy.require(request.user, "request_extension", task)
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the new due date and the reason."))
        return _back(task, "extensions")
    data = form.cleaned_data
    return _attempt(
        request,
        task,
        "extensions",
        lambda: services.request_extension(request.user, task, data["new_due"], data["reason"]),
        _("Extension requested."),
    )


@login_required
@require_POST
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    extension = get_object_or_404(ExtensionRequest.objects.select_related("task"), pk=pk)
    task = _visible_task(request.user, extension.task_id)
    policy.require(request.user, "decide_extension", task)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return _back(task, "extensions")
    data = form.cleaned_data
    return _attempt(
        request,
        task,
        "extensions",
        lambda: services.decide_extension(request.user, extension, data["approve"], data["comment"]),
        _("Decision recorded."),
    )


@login_required
@require_POST
def notice_issue(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request.user, pk)
    policy.require(request.user, "issue_notice", task)
    form = NoticeForm(request.POST, task=task)
    if not form.is_valid():
        messages.error(request, _("Choose the unit, write the notice and give a response deadline."))
        return _back(task, "notices")
    data = form.cleaned_data
    return _attempt(
        request,
        task,
        "notices",
        lambda: services.issue_notice(request.user, task, data["unit"], data["text"], data["respond_by"]),
        _("Supervision notice sent."),
    )


@login_required
@require_POST
def notice_answer(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(policy.visible(request.user, SupervisionNotice.objects.select_related("task")), pk=pk)
    policy.require(request.user, "answer", notice)
    form = AnswerForm(request.POST)
    response = form.cleaned_data["response"] if form.is_valid() else ""
    return _attempt(
        request,
        notice.task,
        "notices",
        lambda: services.answer_notice(request.user, notice, response),
        _("Answer sent."),
    )


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request.user, pk)
    form = CommentForm(request.POST)
    kind = form.cleaned_data["kind"] if form.is_valid() else TaskComment.Kind.COMMENT
    policy.require(request.user, "instruct" if kind == TaskComment.Kind.INSTRUCTION else "comment", task)
    text = form.cleaned_data.get("text", "") if form.is_valid() else ""
    return _attempt(
        request, task, "comments", lambda: services.add_comment(request.user, task, text, kind), _("Posted.")
    )


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request.user, pk)
    policy.require(request.user, "attach", task)
    uploads = request.FILES.getlist("file")
    if not uploads:
        messages.error(request, _("Choose a file."))
        return _back(task, "attachments")

    def write() -> None:
        with transaction.atomic():
            for upload in uploads:
                services.attach_upload(request.user, task, upload)

    return _attempt(request, task, "attachments", write, _("File added."))


@login_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(policy.visible(request.user, Attachment.objects.all()), pk=pk)
    return kept_file_response(attachment.sha256, attachment.filename, attachment.content_type)


@login_required
@require_POST
def task_remind(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request.user, pk)
    policy.require(request.user, "remind", task)
    message = request.POST.get("message", "")
    return _attempt(
        request, task, "", lambda: services.remind(request.user, [task], message), _("The lead unit was reminded.")
    )


@login_required
@require_POST
def task_bulk(request: HttpRequest) -> HttpResponse:
    """Bulk actions from the list's selection: assign drafts, or remind (催办) the lead units."""
    action = request.POST.get("action")
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    chosen = list(selectors.tasks(request.user).filter(pk__in=ids).select_related("lead_unit"))
    back = redirect(reverse("task-list") + ("?" + request.POST["query"] if request.POST.get("query") else ""))
    if action not in ("assign", "remind") or not chosen:
        messages.error(request, _("Select tasks and an action first."))
        return back
    for task in chosen:
        policy.require(request.user, action, task)
    try:
        if action == "assign":
            count = services.assign_many(request.user, chosen)
            messages.success(request, _("%(count)s tasks assigned.") % {"count": count})
        else:
            count = services.remind(request.user, chosen, request.POST.get("message", ""))
            messages.success(request, _("%(count)s lead units reminded.") % {"count": count})
    except (ValidationError, Conflict) as exc:
        messages.error(request, _errors_text(exc) if isinstance(exc, ValidationError) else str(exc))
    return back


# ---- my work (待办) --------------------------------------------------------------------------------


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    sections = selectors.my_work(request.user, timezone.localdate())
    return render(
        request,
        "supervision/my_work.html",
        {"title": _("My work"), "sections": sections, "waiting": sum(s.total for s in sections)},
    )
