"""The task workflow as data (DESIGN.md §3): which action moves a task from which states to which."""

from __future__ import annotations

from bihuan.supervision.models import TaskStatus as S

OPEN = frozenset({S.ASSIGNED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.COMPLETION_REQUESTED})

#: action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "assign": (frozenset({S.DRAFT}), S.ASSIGNED),
    "acknowledge": (frozenset({S.ASSIGNED}), S.ACKNOWLEDGED),
    "start": (frozenset({S.ACKNOWLEDGED}), S.IN_PROGRESS),
    "request_completion": (frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS}), S.COMPLETION_REQUESTED),
    "close": (frozenset({S.COMPLETION_REQUESTED}), S.CLOSED),
    "return": (frozenset({S.COMPLETION_REQUESTED}), S.IN_PROGRESS),
    "suspend": (OPEN, S.SUSPENDED),
    "resume": (frozenset({S.SUSPENDED}), S.IN_PROGRESS),
    "cancel": (OPEN | {S.DRAFT, S.SUSPENDED}, S.CANCELLED),
    "reopen": (frozenset({S.CLOSED}), S.IN_PROGRESS),
}


def next_status(status: str, action: str) -> str | None:
    """The state `action` leads to from `status`, or None when it does not apply there."""
    sources, target = TRANSITIONS[action]
    return target if status in sources else None


def available(status: str) -> list[str]:
    return [action for action, (sources, _target) in TRANSITIONS.items() if status in sources]
