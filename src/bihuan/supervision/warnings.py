"""The warning light of a key task: one pure function of the task's facts, today and the thresholds.

DESIGN.md §3: **red** when past due and not closed, or a progress report is overdue by more than the
grace days; **yellow** when due within the warning window, a report is due soon or late within grace,
a milestone is late, or reported progress trails elapsed time by more than the margin (时间过半任务过半);
**green** otherwise. Tasks that are not open (draft, suspended, closed, cancelled) have no light.
Every reason is returned, red ones first, so the UI can say why in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

RED, YELLOW, GREEN, NONE = "red", "yellow", "green", "none"
OPEN_STATES = frozenset({"assigned", "acknowledged", "in_progress", "completion_requested"})


@dataclass(frozen=True)
class Thresholds:
    warning_days: int = 7  # due within this many days: yellow
    report_soon_days: int = 3  # a report due within this many days: yellow
    grace_days: int = 3  # a report this many days late is still yellow; later, red
    behind_margin: int = 20  # progress this many points behind elapsed time: yellow


@dataclass(frozen=True)
class ReportFact:
    period: str
    due: date
    submitted_on: date | None  # when the unit submitted it (None: not yet)


@dataclass(frozen=True)
class MilestoneFact:
    title: str
    due: date
    done_on: date | None


@dataclass(frozen=True)
class TaskFacts:
    status: str
    start: date | None
    due: date
    progress: int = 0  # latest reported progress, 0–100
    reports: Sequence[ReportFact] = ()
    milestones: Sequence[MilestoneFact] = ()


@dataclass(frozen=True)
class Reason:
    level: str
    code: str  # overdue, report_overdue, due_soon, report_due_soon, report_late, milestone_late, behind
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Light:
    level: str
    reasons: tuple[Reason, ...] = ()


def warning_light(task: TaskFacts, today: date, thresholds: Thresholds = Thresholds()) -> Light:
    if task.status not in OPEN_STATES:
        return Light(NONE)
    reasons: list[Reason] = []
    if today > task.due:
        reasons.append(Reason(RED, "overdue", {"days": (today - task.due).days}))
    elif (task.due - today).days <= thresholds.warning_days:
        reasons.append(Reason(YELLOW, "due_soon", {"days": (task.due - today).days}))
    for report in task.reports:
        if report.submitted_on is not None:
            continue
        late = (today - report.due).days
        if late > thresholds.grace_days:
            reasons.append(Reason(RED, "report_overdue", {"period": report.period, "days": late}))
        elif late > 0:
            reasons.append(Reason(YELLOW, "report_late", {"period": report.period, "days": late}))
        elif -late <= thresholds.report_soon_days:
            reasons.append(Reason(YELLOW, "report_due_soon", {"period": report.period, "days": -late}))
    for milestone in task.milestones:
        if milestone.done_on is None and today > milestone.due:
            reasons.append(
                Reason(YELLOW, "milestone_late", {"title": milestone.title, "days": (today - milestone.due).days})
            )
    elapsed = elapsed_percent(task.start, task.due, today)
    if elapsed is not None and elapsed - task.progress > thresholds.behind_margin:
        reasons.append(Reason(YELLOW, "behind", {"elapsed": elapsed, "progress": task.progress}))
    reasons.sort(key=lambda r: r.level != RED)
    level = RED if any(r.level == RED for r in reasons) else YELLOW if reasons else GREEN
    return Light(level, tuple(reasons))


def elapsed_percent(start: date | None, due: date, today: date) -> int | None:
    """Share of the task's time gone, 0–100, or None without a start or with no time at all."""
    if start is None or due <= start:
        return None
    share = (today - start).days / (due - start).days
    return round(100 * min(max(share, 0.0), 1.0))
