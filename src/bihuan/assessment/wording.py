"""The results of a scheme in words, for the pages and the .xlsx exports: the trail entries (data, never
sentences, in `results`) become a sentence and a link in the reader's language; items, rules and notes are
described the same way everywhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from bihuan.assessment.models import AdjustmentKind, AutoRule, Item, Method, NoBasis, Scheme
from bihuan.assessment.services import AUTO_GONE


def points(value: Any) -> str:
    """89 → "89", 89.5 → "89.5", 1.25 → "1.25"; None → "—"."""
    if value is None or value == "":
        return "—"
    number = round(float(value), 2)
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace("-", "−")


@dataclass(frozen=True)
class TrailLine:
    what: str
    text: str
    link: str = ""
    off: float | None = None  # points taken off by this entry (task delivery)


def trail_line(entry: Mapping[str, Any], indicator_codes: Mapping[int, str] | None = None) -> TrailLine:
    """One trail entry as a sentence and the page behind it."""
    what = entry.get("what", "")
    describe = _DESCRIBERS.get(what)
    if describe is None:
        return TrailLine(what, str(entry))
    return describe(entry, indicator_codes or {})


def _task_link(entry: Mapping[str, Any], anchor: str = "") -> str:
    if not entry.get("task"):
        return ""
    return reverse("task-detail", args=[entry["task"]]) + (f"#{anchor}" if anchor else "")


def _task_name(entry: Mapping[str, Any]) -> str:
    return f"{entry.get('number', '')} {entry.get('title', '')}".strip()


def _overdue(entry: Mapping[str, Any], _codes: Mapping[int, str]) -> TrailLine:
    text = _("Key task %(task)s: due %(due)s, overdue by %(days)s days") % {
        "task": _task_name(entry),
        "due": entry.get("due", ""),
        "days": entry.get("days", ""),
    }
    return TrailLine("overdue_task", text, _task_link(entry), entry.get("off"))


def _late(entry: Mapping[str, Any], _codes: Mapping[int, str]) -> TrailLine:
    text = _("Report %(period)s of %(task)s: due %(due)s, submitted %(days)s days late") % {
        "period": entry.get("period", ""),
        "task": _task_name(entry),
        "due": entry.get("due", ""),
        "days": entry.get("days", ""),
    }
    return TrailLine("late_report", text, _task_link(entry, "reports"), entry.get("off"))


def _missing(entry: Mapping[str, Any], _codes: Mapping[int, str]) -> TrailLine:
    text = _("Report %(period)s of %(task)s: due %(due)s, not submitted (%(days)s days)") % {
        "period": entry.get("period", ""),
        "task": _task_name(entry),
        "due": entry.get("due", ""),
        "days": entry.get("days", ""),
    }
    return TrailLine("missing_report", text, _task_link(entry, "reports"), entry.get("off"))


def _returned(entry: Mapping[str, Any], _codes: Mapping[int, str]) -> TrailLine:
    text = _("Report %(period)s of %(task)s returned by the supervision office on %(on)s") % {
        "period": entry.get("period", ""),
        "task": _task_name(entry),
        "on": entry.get("on", ""),
    }
    return TrailLine("return", text, _task_link(entry, "reports"), entry.get("off"))


def league_link(entry: Mapping[str, Any], codes: Mapping[int, str]) -> str:
    code = codes.get(entry.get("indicator_id") or 0)
    if not code:
        return ""
    query = {"indicator": code, "group": entry.get("group_id", ""), "period": entry.get("period", "")}
    query["by"] = entry.get("by") or "value"
    return reverse("league-table") + "?" + urlencode(query)


def _basis(entry: Mapping[str, Any]) -> str:
    return _("by growth") if entry.get("by") == "growth" else _("by value")


def _rank(entry: Mapping[str, Any], codes: Mapping[int, str]) -> TrailLine:
    text = _("%(indicator)s in %(group)s, %(period)s, %(basis)s: %(figure)s, rank %(rank)s of %(of)s") % {
        "indicator": entry.get("indicator", ""),
        "group": entry.get("group", ""),
        "period": entry.get("period", ""),
        "basis": _basis(entry),
        "figure": _figure(entry.get("figure")),
        "rank": entry.get("rank"),
        "of": entry.get("of"),
    }
    return TrailLine("rank", text, league_link(entry, codes))


def _unranked(entry: Mapping[str, Any], codes: Mapping[int, str]) -> TrailLine:
    values = {"indicator": entry.get("indicator", ""), "group": entry.get("group", ""), "period": entry.get("period")}
    if entry.get("in_group"):
        text = _("%(indicator)s in %(group)s, %(period)s: no figure for the unit, so not ranked") % values
    else:
        text = _("%(indicator)s: the unit's area is not in %(group)s, so not ranked") % values
    return TrailLine("unranked", text, league_link(entry, codes))


def _figure(value: Any) -> str:
    if value is None:
        return "—"
    return f"{float(value):,.2f}".rstrip("0").rstrip(".")


def _target(entry: Mapping[str, Any], _codes: Mapping[int, str]) -> TrailLine:
    completion = entry.get("completion")
    text = _(
        "%(indicator)s, target %(year)s: %(target)s; actual %(actual)s (%(period)s); completion %(completion)s"
    ) % {
        "indicator": entry.get("indicator", ""),
        "year": entry.get("year", ""),
        "target": _figure(entry.get("target")),
        "actual": _figure(entry.get("actual")),
        "period": entry.get("period") or "—",
        "completion": f"{completion * 100:.1f}%" if completion is not None else "—",
    }
    return TrailLine("target", text)


def _no_target(entry: Mapping[str, Any], _codes: Mapping[int, str]) -> TrailLine:
    text = _("No yearly target for %(indicator)s in %(year)s") % {
        "indicator": entry.get("indicator", ""),
        "year": entry.get("year", ""),
    }
    return TrailLine("no_target", text)


def _no_figures(entry: Mapping[str, Any], _codes: Mapping[int, str]) -> TrailLine:
    text = _("No figures for %(indicator)s published by the as-of day") % {"indicator": entry.get("indicator", "")}
    return TrailLine("no_figures", text)


def _manual(entry: Mapping[str, Any], _codes: Mapping[int, str]) -> TrailLine:
    text = _("%(points)s points: %(comment)s — entered by %(by)s on %(on)s") % {
        "points": points(entry.get("points")),
        "comment": entry.get("comment", ""),
        "by": entry.get("by") or "—",
        "on": entry.get("on", ""),
    }
    return TrailLine("manual", text)


def _not_scored(entry: Mapping[str, Any], _codes: Mapping[int, str]) -> TrailLine:
    return TrailLine("not_scored", _("Not scored yet by the assessment office"))


def _no_basis(entry: Mapping[str, Any], _codes: Mapping[int, str]) -> TrailLine:
    """How the scheme scores a unit with nothing to be scored on for the item (NoBasis)."""
    rule = entry.get("rule")
    if rule == NoBasis.SPREAD:
        text = _("Nothing to score: by the scheme, the item's weight goes to the unit's other items")
    elif rule == NoBasis.AVERAGE:
        text = _("Nothing to score: by the scheme, the average of the %(of)s units scored, %(points)s points") % {
            "of": entry.get("of", 0),
            "points": points(entry.get("points")),
        }
    elif rule == NoBasis.FULL:
        text = _("Nothing to score: by the scheme, full points (%(points)s)") % {"points": points(entry.get("points"))}
    else:
        text = _("Nothing to score: by the scheme, 0 points")
    return TrailLine("no_basis", text)


_DESCRIBERS = {
    "overdue_task": _overdue,
    "late_report": _late,
    "missing_report": _missing,
    "return": _returned,
    "rank": _rank,
    "unranked": _unranked,
    "target": _target,
    "no_target": _no_target,
    "no_figures": _no_figures,
    "manual": _manual,
    "not_scored": _not_scored,
    "no_basis": _no_basis,
}


# ---- items, rules, notes ---------------------------------------------------------------------------


def item_parameters(item: Item) -> str:
    """What an item scores and how, in a sentence, with what a unit with nothing to be scored on gets."""
    return _("%(how)s; nothing to score: %(rule)s") % {
        "how": _method_parameters(item),
        "rule": NoBasis(item.no_basis or NoBasis.ZERO).label,
    }


def _method_parameters(item: Item) -> str:
    if item.method == Method.DELIVERY:
        parts = [_("start from %(base)s") % {"base": points(item.base_points)}]
        for value, label in (
            (item.per_overdue_task, _("−%(n)s per overdue task")),
            (item.per_late_report, _("−%(n)s per late report")),
            (item.per_missing_report, _("−%(n)s per missing report")),
            (item.per_return, _("−%(n)s per returned report")),
        ):
            if value:
                parts.append(label % {"n": points(value)})
        if item.max_off is not None:
            parts.append(_("at most %(n)s off") % {"n": points(item.max_off)})
        return "; ".join(parts)
    if item.method == Method.INDICATOR_RANK:
        what = _("%(indicator)s, ranked in %(group)s, %(period)s, %(basis)s") % {
            "indicator": item.indicator.label if item.indicator else "—",
            "group": item.peer_group.name if item.peer_group else "—",
            "period": item.period or _("latest period"),
            "basis": _("by growth") if item.rank_basis == "growth" else _("by value"),
        }
        if item.rank_points:
            return what + "; " + _("points by rank: %(table)s") % {"table": item.rank_points}
        return (
            what
            + "; "
            + _("%(best)s for first down to %(worst)s for last")
            % {
                "best": points(item.best_points),
                "worst": points(item.worst_points),
            }
        )
    if item.method == Method.INDICATOR_TARGET:
        return _("%(indicator)s against each unit's yearly target%(period)s; counts up to %(cap)s%% of it") % {
            "indicator": item.indicator.label if item.indicator else "—",
            "period": f" ({item.period})" if item.period else "",
            "cap": points(Decimal(item.target_cap) * 100),
        }
    return _("points 0–100 entered by the assessment office, with a comment")


def demerit_rules(scheme: Scheme) -> list[str]:
    """The scheme's automatic demerit rules that are on, in words."""
    rules = []
    for value, label in (
        (scheme.demerit_per_red_task, _("%(n)s points off per red-warning task")),
        (scheme.demerit_per_overdue_task, _("%(n)s points off per overdue task")),
        (scheme.demerit_per_returned_report, _("%(n)s points off per returned report")),
        (scheme.demerit_per_notice, _("%(n)s points off per supervision notice")),
    ):
        if value:
            rules.append(label % {"n": points(value)})
    return rules


def grade_note(note: str) -> str:
    """Why a unit did not get the grade its points reach (the `note` of a results row)."""
    if not note:
        return ""
    if note == "veto":
        return _("vetoed (一票否决): the lowest grade whatever the points")
    if note.startswith("quota of "):
        return _("the quota of %(grade)s is full (units tied on points are graded together)") % {
            "grade": note.removeprefix("quota of ")
        }
    return note


def withdrawn_reason(reason: str) -> str:
    if reason == AUTO_GONE:
        return _("withdrawn automatically: the cause is gone from the records")
    return reason


def kind_label(kind: str) -> str:
    return str(AdjustmentKind(kind).label) if kind in AdjustmentKind.values else kind


def rule_label(rule: str) -> str:
    return str(AutoRule(rule).label) if rule in AutoRule.values else ""


def adjustment_state(adjustment: Mapping[str, Any]) -> str:
    """counted / withdrawn / excused / requested, for the sheet and its export."""
    if adjustment.get("withdrawn"):
        return pgettext("adjustment", "withdrawn")
    if adjustment.get("exempted"):
        return _("excused (容错)")
    if any(e.get("status") == "pending" for e in adjustment.get("exemptions", [])):
        return _("fault tolerance requested")
    return pgettext("adjustment", "counts")
