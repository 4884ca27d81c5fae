"""Reads of key tasks that pages, API and exports share, and the warning lights computed in bulk."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bihuan.blueprint.models import Category
from bihuan.core.calendar import deadline_calendar
from bihuan.core.policy import policy
from bihuan.core.roles import SYSTEM as SYSTEM_ACTOR
from bihuan.core.roles import Role, role_of, unit_id_of
from bihuan.supervision import statistics as stats
from bihuan.supervision.filtersets import TaskFilter
from bihuan.supervision.models import (
    ExtensionRequest,
    KeyTask,
    LightChange,
    Milestone,
    ProgressReport,
    ReportStatus,
    RequestStatus,
    SupervisionNotice,
    TaskStatus,
)
from bihuan.supervision.presentation import light_text
from bihuan.supervision.schedule import periods_of, reporting_start
from bihuan.supervision.transitions import OPEN
from bihuan.supervision.warnings import (
    NONE,
    RED,
    YELLOW,
    Light,
    MilestoneFact,
    Reason,
    ReportFact,
    TaskFacts,
    Thresholds,
    warning_light,
)

SUBMITTED = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)
#: What the light of a task needs, for lists that show nothing else of it.
LIGHT_FIELDS = (
    "id",
    "number",
    "title",
    "status",
    "start",
    "assigned_on",
    "created_at",
    "due",
    "cadence",
    "report_day",
    "progress",
    "lead_unit_id",
    "leader_id",
    "light",
    "light_reasons",
    "light_on",
)


def tasks(user: Any) -> QuerySet[KeyTask]:
    return policy.visible(
        user,
        KeyTask.objects.select_related("lead_unit", "leader", "category").prefetch_related("partner_units", "goals"),
    )


def thresholds() -> Thresholds:
    """The deployment's warning thresholds (BIHUAN_WARNING_DAYS and friends)."""
    return Thresholds(**settings.BIHUAN["WARNING_THRESHOLDS"])


def compute_lights(task_list: Iterable[KeyTask], today: date, limits: Thresholds | None = None) -> dict[int, Light]:
    """The warning light of each task, from its schedule, reports and milestones: two queries in all."""
    limits = limits or thresholds()
    task_list = list(task_list)
    ids = [t.pk for t in task_list]
    submitted: dict[int, dict[str, date]] = defaultdict(dict)
    for task_id, period, on, status in ProgressReport.objects.filter(task_id__in=ids).values_list(
        "task_id", "period", "submitted_on", "status"
    ):
        if status in SUBMITTED:
            submitted[task_id][period] = on
    milestones: dict[int, list[MilestoneFact]] = defaultdict(list)
    for milestone in Milestone.objects.filter(task_id__in=ids):
        milestones[milestone.task_id].append(MilestoneFact(milestone.title, milestone.due, milestone.done_on))
    horizon = today + timedelta(days=limits.report_soon_days)
    result = {}
    for task in task_list:
        if task.status not in OPEN:
            result[task.pk] = Light(NONE)  # no light; spares computing a closed task's schedule
            continue
        periods = [p for p in periods_of(task) if p.due <= horizon]
        reports = [ReportFact(p.key, p.due, submitted[task.pk].get(p.key)) for p in periods]
        facts = TaskFacts(task.status, task.start, task.due, task.progress, reports, milestones[task.pk])
        result[task.pk] = warning_light(facts, today, limits)
    return result


def stored_light(task: KeyTask) -> Light:
    """The light kept on the task (see KeyTask.light), as a Light."""
    return light_from(task.light, task.light_reasons)


def light_from(level: str, reasons: list[dict[str, Any]] | None) -> Light:
    return Light(
        level,
        tuple(
            Reason(r["level"], r["code"], {k: v for k, v in r.items() if k not in ("level", "code")})
            for r in reasons or ()
        ),
    )


def _stored_form(light: Light) -> list[dict[str, Any]]:
    return [{"level": r.level, "code": r.code, **r.params} for r in light.reasons]


def refresh_lights(task_list: Iterable[KeyTask], today: date) -> dict[int, Light]:
    """Compute the lights of `task_list` for `today` and keep them on the tasks (2 queries, one batched
    UPDATE, and one INSERT of the lights that changed into their history). Called by the daily tick, by
    services after writes that change a light, and by `lights`."""
    task_list = list(task_list)
    computed = compute_lights(task_list, today)
    rows, changes = [], []
    for task in task_list:
        light = computed[task.pk]
        stored = _stored_form(light)
        reasons = json.dumps(stored, ensure_ascii=False)
        if light.level != task.light:
            changes.append((task.pk, today, task.light, light.level, reasons))
        task.light, task.light_reasons, task.light_on = light.level, stored, today
        rows.append((light.level, reasons, today, task.pk))
    _write_lights(rows)
    _record_changes(changes)
    return computed


def _write_lights(rows: list[tuple[str, str, date, int]]) -> None:
    """One parameterised UPDATE run for many rows: Django's bulk_update builds a CASE per column and row,
    which is many times slower for thousands of tasks."""
    if not rows:
        return
    table = KeyTask._meta.db_table
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    sql = f"UPDATE {table} SET light = %s, light_reasons = %s{cast}, light_on = %s WHERE id = %s"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _record_changes(rows: list[tuple[int, date, str, str, str]]) -> None:
    """Append the lights that changed to their history, as one prepared INSERT (a change already recorded
    that day, by a request refreshing the same light at the same moment, is skipped)."""
    if not rows:
        return
    table = LightChange._meta.db_table
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    sql = (
        f"INSERT INTO {table} (task_id, day, previous, level, reasons) VALUES (%s, %s, %s, %s, %s{cast}) "
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def refresh_task_light(task_id: int, today: date) -> Light:
    """After a write that may change one task's light."""
    task = KeyTask.objects.only(*LIGHT_FIELDS).get(pk=task_id)
    return refresh_lights([task], today)[task_id]


def lights(task_list: Iterable[KeyTask], today: date) -> dict[int, Light]:
    """The light of each task for `today`: the kept one when it is today's, else computed, and kept when
    `today` is the real today (a light asked for another day, e.g. in a test, is computed, never kept)."""
    task_list = list(task_list)
    if today != timezone.localdate():
        return compute_lights(task_list, today)
    stale = [t for t in task_list if t.light_on != today]
    result = refresh_lights(stale, today) if stale else {}
    for task in task_list:
        if task.pk not in result:
            result[task.pk] = stored_light(task)
    return result


def first_red_days(task_ids: Iterable[int], start: date, end: date) -> dict[int, date]:
    """For each of the tasks whose kept light was red on some day from `start` to `end`: the first such day,
    from the lights' history (a light red before `start` and not changed since counts from `start`)."""
    task_ids = list(task_ids)
    found: dict[int, date] = {}
    carried = LightChange.objects.filter(task_id__in=task_ids, day__lt=start).order_by("task_id", "-day", "-id")
    last_before: dict[int, str] = {}
    for task_id, level in carried.values_list("task_id", "level"):
        last_before.setdefault(task_id, level)
    found.update((task_id, start) for task_id, level in last_before.items() if level == RED)
    turned_red = LightChange.objects.filter(task_id__in=task_ids, level=RED, day__range=(start, end))
    for task_id, day in turned_red.order_by("task_id", "day").values_list("task_id", "day"):
        found.setdefault(task_id, day)
    return found


def refresh_stale(queryset: QuerySet[KeyTask], today: date, batch: int = 2000) -> int:
    """Bring every light of `queryset` up to today (normally the daily tick did; this covers a day it did not)."""
    stale_ids = list(queryset.exclude(light_on=today).values_list("pk", flat=True))
    for start in range(0, len(stale_ids), batch):
        chunk = KeyTask.objects.filter(pk__in=stale_ids[start : start + batch]).only(*LIGHT_FIELDS)
        refresh_lights(chunk, today)
    return len(stale_ids)


def ensure_fresh(queryset: QuerySet[KeyTask], today: date) -> None:
    """Make sure the lights of `queryset` are today's before filtering or counting by them. When today's
    tick has refreshed every light (and the services keep each task's light in step after every write),
    this is one small query instead of a scan of the tasks."""
    from bihuan.core.models import TickRun

    if today == timezone.localdate() and TickRun.objects.filter(job=LIGHTS_JOB, day=today).exists():
        return
    refresh_stale(queryset, today)


LIGHTS_JOB = "supervision.lights"


def listed_tasks(user: Any, params: Any, today: date) -> tuple[QuerySet[KeyTask], dict[str, int]]:
    """The visible tasks the task list's filters select (TaskFilter, and the warning colour from the lights
    kept on the tasks), and how many of them are red, yellow and green before the colour filter, so the
    counts stay whole. Stale lights (a day the tick did not run) are brought up to date first."""
    from django.db.models import Count

    visible = tasks(user)
    filterset = TaskFilter(params or None, queryset=visible)
    filtered = filterset.qs if filterset.is_bound and filterset.is_valid() else visible
    ensure_fresh(filtered, today)
    counts = dict(filtered.order_by().values_list("light").annotate(n=Count("pk")))
    wanted = (params or {}).get("warning")
    if wanted in (RED, YELLOW, "green"):
        filtered = filtered.filter(light=wanted)
    return filtered, counts


def with_partner_labels(task_list: list[KeyTask]) -> None:
    """Set `partner_labels` (“市发改委、市统计局”) on each task of a batch in one query, for lists and exports
    that would otherwise build a related manager per row."""
    from bihuan.org.models import Unit

    through = KeyTask.partner_units.through.objects.filter(keytask_id__in=[t.pk for t in task_list])
    pairs = list(through.values_list("keytask_id", "unit_id"))
    labels = {u.pk: u.label for u in Unit.objects.filter(pk__in={unit for _task, unit in pairs}).order_by()}
    names: dict[int, list[str]] = defaultdict(list)
    for task_id, unit_id in sorted(pairs, key=lambda pair: pair[1]):
        names[task_id].append(labels[unit_id])
    for task in task_list:
        task.partner_labels = "、".join(names[task.pk])


def with_latest_report(queryset: QuerySet[KeyTask]) -> QuerySet[KeyTask]:
    """Annotate each task with `latest_report_id`: its latest report sent to the supervision office
    (submitted or accepted; drafts stay in the unit), or None."""
    latest = ProgressReport.objects.filter(task=OuterRef("pk"), status__in=SUBMITTED).order_by("-due", "-pk")
    return queryset.annotate(latest_report_id=Subquery(latest.values("pk")[:1]))


# ---- my work (待办) --------------------------------------------------------------------------------


@dataclass
class WorkItem:
    task: KeyTask
    text: str  # what is waiting, in words
    url: str
    level: str = ""  # a warning colour, when the item is about one


#: A section shows at most this many items, with the total beside it and a link to the full list.
SECTION_LIMIT = 50


@dataclass
class Section:
    key: str
    title: str
    items: list[WorkItem] = field(default_factory=list)
    empty: str = ""
    total: int = 0
    more_url: str = ""  # where the whole list is, when the section shows only part of it

    def fill(self, items: Iterable[WorkItem], total: int | None = None) -> Section:
        self.items = list(items)[:SECTION_LIMIT]
        self.total = len(self.items) if total is None else total
        return self

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def my_work(user: Any, today: date) -> list[Section]:
    """What waits for this person, by role: the lead unit's reports, drafts and notices; a leader's red and
    yellow tasks; the supervision office's reviews, completion requests, extensions and overdue lists."""
    role = role_of(user)
    if role in (Role.UNIT_HEAD, Role.UNIT_CLERK):
        return _unit_work(user, role, today)
    if role == Role.LEADER:
        return _leader_work(user, today)
    if role in (Role.ADMIN, Role.SUPERVISOR):
        return _office_work(user, today)
    return []


def _detail(task: KeyTask, anchor: str = "") -> str:
    return reverse("task-detail", args=[task.pk]) + (f"#{anchor}" if anchor else "")


def _lit_section(section: Section, queryset: QuerySet[KeyTask], levels: tuple[str, ...], today: date) -> Section:
    """The tasks of `queryset` whose light today is one of `levels`, red first, then by due date: filtered
    and counted in the database from the kept lights, so a portfolio of thousands costs no more than ten."""
    ensure_fresh(queryset, today)
    lit = queryset.filter(light__in=levels).order_by("light", "due", "pk")  # "red" sorts before "yellow"
    shown = list(lit.select_related(None).prefetch_related(None).only(*LIGHT_FIELDS)[:SECTION_LIMIT])
    items = (WorkItem(t, light_text(stored_light(t)), _detail(t), t.light) for t in shown)
    return section.fill(items, lit.count() if len(shown) == SECTION_LIMIT else len(shown))


def _unit_work(user: Any, role: str, today: date) -> list[Section]:
    unit_id = unit_id_of(user)
    led_open = tasks(user).filter(lead_unit_id=unit_id, status__in=OPEN)
    reporting = list(
        led_open.exclude(status=TaskStatus.ASSIGNED).select_related(None).prefetch_related(None).only(*LIGHT_FIELDS)
    )
    horizon = today + timedelta(days=7)
    recent = today - timedelta(days=32)  # older periods are not listed (they stay red on the task)
    recent_reports = ProgressReport.objects.filter(task_id__in=[t.pk for t in reporting], due__gte=recent)
    submitted = {
        (t, p) for t, p, status in recent_reports.values_list("task_id", "period", "status") if status in SUBMITTED
    }
    due_items = []
    for task in reporting:
        for period in periods_of(task):
            owed = period.due <= horizon and (task.pk, period.key) not in submitted
            if owed and period.due >= recent:
                late = (today - period.due).days
                text = (
                    _("report for %(period)s, %(days)s days late") % {"period": period.key, "days": late}
                    if late > 0
                    else _("report for %(period)s due %(date)s") % {"period": period.key, "date": period.due}
                )
                due_items.append(WorkItem(task, text, _detail(task, "reports"), RED if late > 0 else ""))
    due_items.sort(key=lambda item: item.task.due)
    sections = [
        Section("reports_due", _("Reports due within a week or late"), empty=_("No report is waiting.")).fill(
            due_items, len(due_items)
        )
    ]
    assigned = (
        led_open.filter(status=TaskStatus.ASSIGNED).select_related(None).prefetch_related(None).only(*LIGHT_FIELDS)
    )
    sections.append(
        Section("to_acknowledge", _("Tasks to acknowledge"), empty=_("Nothing new was assigned.")).fill(
            (WorkItem(t, _("assigned, due %(date)s") % {"date": t.due}, _detail(t)) for t in assigned[:SECTION_LIMIT]),
            assigned.count(),
        )
    )
    reports = ProgressReport.objects.filter(task__lead_unit_id=unit_id, task__status__in=OPEN).select_related("task")
    if role == Role.UNIT_HEAD:
        drafts = reports.filter(status=ReportStatus.DRAFT).order_by("due")
        sections.append(
            Section("drafts", _("Drafts to approve and submit"), empty=_("No draft waits for you.")).fill(
                (
                    WorkItem(
                        r.task, _("draft report for %(period)s") % {"period": r.period}, _detail(r.task, "reports")
                    )
                    for r in drafts[:SECTION_LIMIT]
                ),
                drafts.count(),
            )
        )
    returned = reports.filter(status=ReportStatus.RETURNED).order_by("due")
    sections.append(
        Section("returned", _("Reports returned for changes"), empty=_("No report was returned.")).fill(
            (
                WorkItem(r.task, f"{r.period}: {r.return_reason}", _detail(r.task, "reports"), YELLOW)
                for r in returned[:SECTION_LIMIT]
            ),
            returned.count(),
        )
    )
    notices = policy.visible(user, SupervisionNotice.objects.select_related("task")).filter(
        unit_id=unit_id, responded_on__isnull=True
    )
    sections.append(
        Section("notices", _("Supervision notices to answer"), empty=_("No notice waits for an answer.")).fill(
            (
                WorkItem(
                    n.task,
                    _("answer by %(date)s: %(text)s") % {"date": n.respond_by, "text": n.text[:80]},
                    _detail(n.task, "notices"),
                    RED if n.respond_by < today else "",
                )
                for n in notices.order_by("respond_by")[:SECTION_LIMIT]
            ),
            notices.count(),
        )
    )
    warned = Section("lights", _("Tasks in red or yellow"), empty=_("Every task is on track."))
    sections.append(_lit_section(warned, led_open, (RED, YELLOW), today))
    return sections


def _leader_work(user: Any, today: date) -> list[Section]:
    portfolio = tasks(user).filter(leader=user, status__in=OPEN)
    warned = Section("lights", _("Your tasks in red or yellow"), empty=_("All your tasks are on track."))
    return [_lit_section(warned, portfolio, (RED, YELLOW), today)]


def _office_work(user: Any, today: date) -> list[Section]:
    visible = tasks(user)
    submitted = (
        policy.visible(user, ProgressReport.objects.select_related("task"))
        .filter(status=ReportStatus.SUBMITTED)
        .order_by("submitted_on", "id")
    )
    review = Section("review", _("Reports waiting for review"), empty=_("No report waits for review.")).fill(
        (
            WorkItem(
                r.task,
                _("report for %(period)s, submitted %(date)s") % {"period": r.period, "date": r.submitted_on},
                _detail(r.task, "reports"),
            )
            for r in submitted[:SECTION_LIMIT]
        ),
        submitted.count(),
    )
    requested = (
        visible.filter(status=TaskStatus.COMPLETION_REQUESTED)
        .select_related(None)
        .prefetch_related(None)
        .only(*LIGHT_FIELDS)
    )
    completion = Section(
        "completion",
        _("Completion requests to verify"),
        empty=_("No completion request waits."),
        more_url=reverse("task-list") + "?status=completion_requested",
    ).fill(
        (WorkItem(t, _("completion requested"), _detail(t)) for t in requested.order_by("due")[:SECTION_LIMIT]),
        requested.count(),
    )
    pending = policy.visible(user, ExtensionRequest.objects.filter(status=RequestStatus.PENDING).select_related("task"))
    extensions = Section("extensions", _("Extension requests to decide"), empty=_("No extension request waits.")).fill(
        (
            WorkItem(
                e.task, _("to %(date)s: %(reason)s") % {"date": e.new_due, "reason": e.reason[:80]}, _detail(e.task)
            )
            for e in pending.order_by("created_at")[:SECTION_LIMIT]
        ),
        pending.count(),
    )
    red = Section(
        "red", _("Tasks in red"), empty=_("No task is in red."), more_url=reverse("task-list") + "?warning=red"
    )
    _lit_section(red, visible.filter(status__in=OPEN), (RED,), today)
    unanswered = policy.visible(
        user,
        SupervisionNotice.objects.filter(responded_on__isnull=True, respond_by__lt=today).select_related(
            "task", "unit"
        ),
    )
    notices = Section(
        "notices", _("Notices past their deadline without answer"), empty=_("Every notice is answered.")
    ).fill(
        (
            WorkItem(n.task, f"{n.unit.label}: {n.respond_by}", _detail(n.task, "notices"), RED)
            for n in unanswered.order_by("respond_by")[:SECTION_LIMIT]
        ),
        unanswered.count(),
    )
    return [review, completion, extensions, red, notices]


# ---- statistics ----------------------------------------------------------------------------------


def statistics(user: Any, today: date, by: str = "unit", year: int | None = None) -> stats.Statistics:
    """The statistics page's figures over the tasks the user may see (by lead unit or by category), in a
    fixed number of queries: years, tasks, submitted reports, lights (kept, or computed when stale) and
    categories."""
    visible = policy.visible(user, KeyTask.objects.all())
    years = sorted(set(visible.order_by().values_list("year", flat=True)), reverse=True)
    chosen = visible.filter(year=year) if year is not None else visible
    task_list = list(chosen.select_related("lead_unit").order_by())
    task_lights = lights(task_list, today)
    submitted: dict[int, dict[str, date]] = defaultdict(dict)
    reports = ProgressReport.objects.filter(task__in=chosen.order_by().values("pk"), status__in=SUBMITTED)
    for task_id, period, on in reports.values_list("task_id", "period", "submitted_on"):
        if on is not None:
            submitted[task_id][period] = on
    if by == "category":
        groups = [
            stats.Group(str(c.pk), c.name) for c in Category.objects.filter(active=True).order_by("sort_order", "code")
        ]
        key_of = lambda t: str(t.category_id) if t.category_id else ""  # noqa: E731
        if any(t.category_id is None for t in task_list):
            groups.append(stats.Group("", _("No category")))
    else:
        units = sorted({t.lead_unit for t in task_list}, key=lambda u: (u.sort_order, u.code))
        groups = [stats.Group(u.code, u.label) for u in units]
        key_of = lambda t: t.lead_unit.code  # noqa: E731
    deadlines = deadline_calendar()
    records = [
        stats.TaskRecord(
            id=t.pk,
            group=key_of(t),
            status=t.status,
            light=task_lights[t.pk].level,
            start=reporting_start(t.start, t.assigned_on, t.created_at.date()),
            due=t.due,
            cadence=t.cadence,
            report_day=t.report_day,
            closed_on=t.closed_on,
            submitted=submitted.get(t.pk, {}),
        )
        for t in task_list
    ]
    return stats.Statistics(
        by=by,
        year=year,
        table=stats.table(records, today, groups, deadlines),
        trend=stats.trend(records, today, stats.trend_months(today, year), deadlines),
        years=years,
    )


# ---- the task page -------------------------------------------------------------------------------


@dataclass
class LedgerRow:
    """One report period of a task, with its report if there is one: what the report ledger shows."""

    key: str
    due: date
    report: ProgressReport | None
    state: str  # missing, due, upcoming, or the report's status
    late_days: int = 0
    actions: list[str] = field(default_factory=list)


def report_ledger(user: Any, task: KeyTask, today: date, allowed: set[str]) -> list[LedgerRow]:
    """Every period of the task up to the next one due; a past period without a submitted report shows as
    missing rather than being silently absent."""
    reports = {r.period: r for r in task.reports.select_related("submitted_by", "reviewed_by")}
    role = role_of(user)
    office = role in (Role.ADMIN, Role.SUPERVISOR) or user is SYSTEM_ACTOR
    writable = "report" in allowed and task.status in REPORTING_STATES
    rows = []
    # after close-out nothing more is owed; a draft, suspended or cancelled task owes nothing
    owed_until = task.closed_on if task.status == TaskStatus.CLOSED else None
    owes = task.status in OPEN or owed_until is not None
    for period in periods_of(task):
        if period.start > today and period.key not in reports:
            break  # later periods have not begun
        report = reports.get(period.key)
        late = (today - period.due).days
        if report is None and (not owes or (owed_until is not None and period.due > owed_until)):
            continue
        state = report.status if report is not None else ("missing" if late > 0 else "due")
        actions = []
        editable = report is None or report.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)
        if writable and editable:
            actions.append("write")
        if report is not None and editable and role == Role.UNIT_HEAD and "report" in allowed:
            actions.append("submit")
            if report.status == ReportStatus.DRAFT:
                actions.append("send_back")
        if report is not None and report.status == ReportStatus.SUBMITTED and office:
            actions += ["accept", "return"]
        rows.append(LedgerRow(period.key, period.due, report, state, max(late, 0), actions))
    for key, report in reports.items():  # a report whose period no longer fits the schedule is still shown
        if key not in {row.key for row in rows}:
            rows.append(LedgerRow(key, report.due, report, report.status))
    return sorted(rows, key=lambda row: row.due, reverse=True)


REPORTING_STATES = frozenset({TaskStatus.ACKNOWLEDGED, TaskStatus.IN_PROGRESS, TaskStatus.COMPLETION_REQUESTED})


def timeline(task: KeyTask) -> list[Any]:
    """Every audit event about the task and what hangs off it, newest first. Callers have checked that the
    user sees the task; the events about it are part of what they see."""
    from django.db.models import Q

    from bihuan.core.models import AuditEvent
    from bihuan.core.selectors import describe_changes
    from bihuan.supervision.models import Attachment, TaskComment

    related = {
        "supervision.keytask": [task.pk],
        "supervision.progressreport": list(task.reports.values_list("pk", flat=True)),
        "supervision.milestone": list(task.milestones.values_list("pk", flat=True)),
        "supervision.extensionrequest": list(task.extensions.values_list("pk", flat=True)),
        "supervision.supervisionnotice": list(task.notices.values_list("pk", flat=True)),
        "supervision.taskcomment": list(TaskComment.objects.filter(task=task).values_list("pk", flat=True)),
        "supervision.attachment": list(Attachment.objects.filter(task=task).values_list("pk", flat=True)),
    }
    condition = Q(pk__in=[])
    for object_type, ids in related.items():
        if ids:
            condition |= Q(object_type=object_type, object_id__in=[str(i) for i in ids])
    events = list(AuditEvent.objects.filter(condition).select_related("actor").order_by("-seq")[:200])
    return list(describe_changes(events))


def task_page(user: Any, task: KeyTask, today: date) -> dict[str, Any]:
    """Everything the task page shows, fetched in a bounded number of queries."""
    from bihuan.supervision.models import Attachment, TaskComment
    from bihuan.supervision.presentation import REASON_PROMPTS, action_name
    from bihuan.supervision.transitions import available

    allowed = policy.actions_for(user, task)
    light = lights([task], today)[task.pk]
    children = list(tasks(user).filter(parent=task))
    child_lights = lights(children, today)
    notices = list(task.notices.select_related("unit", "issued_by", "responded_by"))
    user_unit = unit_id_of(user)
    role = role_of(user)
    steps = [
        {"action": a, "label": action_name(a), "prompt": REASON_PROMPTS.get(a, ""), "rating": a == "close"}
        for a in available(task.status)
        if a in allowed
    ]
    return {
        "task": task,
        "light": light,
        "light_text": light_text(light),
        "allowed": allowed,
        "steps": steps,
        "ledger": report_ledger(user, task, today, allowed),
        "milestones": list(task.milestones.all()),
        "extensions": list(task.extensions.select_related("requested_by", "decided_by")),
        "notices": notices,
        "answerable": {
            n.pk for n in notices if n.responded_on is None and n.unit_id == user_unit and role in UNIT_STAFF
        },
        "comments": list(TaskComment.objects.filter(task=task).select_related("author")),
        "attachments": list(Attachment.objects.filter(task=task).select_related("report", "uploaded_by")),
        "children": [(child, child_lights[child.pk]) for child in children],
        "rollup": rollup(children, child_lights),
        "timeline": timeline(task),
        "light_history": light_history(task),
        "today": today,
    }


def light_history(task: KeyTask, limit: int = 50) -> list[dict[str, Any]]:
    """The days the task's warning light changed, newest first, each with its colour and reasons in words."""
    changes = LightChange.objects.filter(task=task).order_by("-day", "-id")[:limit]
    return [{"day": c.day, "level": c.level, "text": light_text(light_from(c.level, c.reasons))} for c in changes]


UNIT_STAFF = frozenset({Role.UNIT_HEAD, Role.UNIT_CLERK})


def rollup(children: list[KeyTask], child_lights: dict[int, Light]) -> dict[str, Any]:
    """The children's roll-up a parent shows: how many, closed, by colour, and their mean progress."""
    if not children:
        return {}
    levels = [child_lights[c.pk].level for c in children]
    return {
        "count": len(children),
        "closed": sum(1 for c in children if c.status == TaskStatus.CLOSED),
        "red": levels.count(RED),
        "yellow": levels.count(YELLOW),
        "progress": round(sum(c.progress for c in children) / len(children)),
    }
