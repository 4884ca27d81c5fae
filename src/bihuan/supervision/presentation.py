"""Warning lights in words, for pages and exports."""

from __future__ import annotations

from functools import lru_cache

from django.utils.translation import get_language, gettext_lazy, pgettext, pgettext_lazy
from django.utils.translation import gettext as _

from bihuan.supervision.warnings import GREEN, NONE, RED, YELLOW, Light, Reason

MESSAGES = {
    "overdue": lambda p: _("%(days)s days past due") % p,
    "due_soon": lambda p: _("due in %(days)s days") % p,
    "report_overdue": lambda p: _("report for %(period)s %(days)s days overdue") % p,
    "report_late": lambda p: _("report for %(period)s %(days)s days late") % p,
    "report_due_soon": lambda p: _("report for %(period)s due in %(days)s days") % p,
    "milestone_late": lambda p: _("milestone “%(title)s” %(days)s days late") % p,
    "behind": lambda p: _("%(elapsed)s%% of the time gone, %(progress)s%% done") % p,
}


def level_label(level: str) -> str:
    return {
        RED: pgettext("light", "Red"),
        YELLOW: pgettext("light", "Yellow"),
        GREEN: pgettext("light", "Green"),
        NONE: "—",
    }[level]


def reason_text(reason: Reason) -> str:
    return MESSAGES[reason.code](reason.params)


def _summarised(reasons: tuple[Reason, ...]) -> list[str]:
    """Every reason in words, but several overdue reports as one: “6 reports overdue, the oldest
    (2025-05) by 175 days”."""
    overdue = [r for r in reasons if r.code == "report_overdue"]
    texts = []
    for reason in reasons:
        if reason.code == "report_overdue" and len(overdue) > 1:
            if reason is overdue[0]:
                oldest = max(overdue, key=lambda r: r.params["days"])
                texts.append(
                    _("%(count)s reports overdue, the oldest (%(period)s) by %(days)s days")
                    % {"count": len(overdue), "period": oldest.params["period"], "days": oldest.params["days"]}
                )
            continue
        texts.append(reason_text(reason))
    return texts


def light_text(light: Light) -> str:
    """“红灯: 逾期 12 天; 2025-09 进展迟报 2 天” — the colour and its reasons."""
    if light.level == NONE:
        return "—"
    key = tuple((r.level, r.code, tuple(sorted(r.params.items()))) for r in light.reasons)
    return _light_text(get_language() or "", light.level, key)


@lru_cache(maxsize=8192)
def _light_text(language: str, level: str, key: tuple) -> str:
    """Remembered per language: exports of thousands of tasks repeat the same few texts, and putting them
    into words (translation lookups and formatting) costs more than writing a cell."""
    reasons = tuple(Reason(r_level, code, dict(params)) for r_level, code, params in key)
    text = "; ".join(_summarised(reasons))
    return f"{level_label(level)}: {text}" if text else level_label(level)


ACTION_NAMES = {
    "assign": pgettext_lazy("task action", "Assign"),
    "acknowledge": pgettext_lazy("task action", "Acknowledge"),
    "start": pgettext_lazy("task action", "Start work"),
    "request_completion": pgettext_lazy("task action", "Request close-out"),
    "close": pgettext_lazy("task action", "Close out"),
    "return": pgettext_lazy("task action", "Return"),
    "suspend": pgettext_lazy("task action", "Suspend"),
    "resume": pgettext_lazy("task action", "Resume"),
    "cancel": pgettext_lazy("task action", "Cancel task"),
    "reopen": pgettext_lazy("task action", "Reopen"),
    "submit": pgettext_lazy("task action", "Approve and submit"),
    "send_back": pgettext_lazy("task action", "Send back to the clerk"),
    "accept": pgettext_lazy("task action", "Accept"),
}

#: Which transitions need a reason, and what the box asks for
REASON_PROMPTS = {
    "request_completion": gettext_lazy("What was achieved (attach the evidence)"),
    "close": gettext_lazy("Close-out comment"),
    "return": gettext_lazy("Why it is returned"),
    "suspend": gettext_lazy("Why it is suspended"),
    "cancel": gettext_lazy("Why it is cancelled"),
    "reopen": gettext_lazy("Why it is reopened"),
}


def action_name(action: str) -> str:
    return str(ACTION_NAMES.get(action, action))
