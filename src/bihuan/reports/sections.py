"""The section types of a bulletin, in the order they appear. Each type does two things:

- `compile(facts)`: the section's figures as plain JSON, computed from the database through the selectors
  (kept on the bulletin as part of its snapshot), or None to leave the section out;
- `present(data, context)`: those figures in words and tables (`blocks`), in the active language.

To add a section, write one more `SectionType` and put it into `SECTION_TYPES` where it belongs: the web page,
the workbook and the Word document lay out its blocks without any change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from bihuan.reports.blocks import (
    CHANGE,
    DATE,
    DAYS,
    INT,
    NUMBER,
    PERCENT,
    Block,
    Chart,
    Column,
    Document,
    Heading,
    Paragraph,
    Section,
    Table,
)
from bihuan.reports.compile import Facts, parse_period, period_label
from bihuan.supervision import statistics as stats
from bihuan.supervision.models import TaskStatus
from bihuan.supervision.presentation import level_label, light_text
from bihuan.supervision.selectors import light_from
from bihuan.supervision.transitions import OPEN
from bihuan.supervision.warnings import GREEN, RED, YELLOW

COLOURS = {RED: "#C0392B", YELLOW: "#E0A800", GREEN: "#2E8B57"}
OURS, OTHERS, SECOND = "#B7322C", "#6C8EBF", "#E0A800"
CHART_UNITS = 30  # the units chart shows the first 30 of the ranking; the table has them all
LISTED_UNITS = 10  # a list's summary names this many units, then "and N more"


@dataclass
class Context:
    """What presenting needs beyond a section's own data: the whole content and the office's paragraphs."""

    content: dict[str, Any]
    texts: dict[str, str] = field(default_factory=dict)

    @property
    def period_words(self) -> str:
        return period_label(parse_period(self.content["period"]))

    @property
    def as_of(self) -> date:
        return date.fromisoformat(self.content["as_of"])

    @property
    def unit(self) -> dict[str, str] | None:
        return self.content.get("unit")


class SectionType:
    key: str

    def title(self) -> str:
        raise NotImplementedError

    def compile(self, facts: Facts) -> dict[str, Any] | None:
        raise NotImplementedError

    def present(self, data: dict[str, Any], context: Context) -> list[Block]:
        raise NotImplementedError


def _day(text: str | None) -> str:
    return date_format(date.fromisoformat(text), "DATE_FORMAT") if text else ""


def _scope_words(context: Context) -> str:
    unit = context.unit
    return unit["name"] if unit else _("the city")


def _listed(names: list[str]) -> str:
    shown = "、".join(names[:LISTED_UNITS]) if _is_chinese() else ", ".join(names[:LISTED_UNITS])
    more = len(names) - LISTED_UNITS
    return shown + (_(" and %(count)s more") % {"count": more} if more > 0 else "")


def _is_chinese() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("zh")


# ---- 1. overview ---------------------------------------------------------------------------------


class Overview(SectionType):
    """Key tasks by status and by warning colour, the year's rates, and the tasks closed in the period."""

    key = "overview"

    def title(self) -> str:
        return _("Overview")

    def compile(self, facts: Facts) -> dict[str, Any]:
        statuses = {value: 0 for value in TaskStatus.values}
        closed_in_period = []
        for task in facts.tasks:
            statuses[task.status] = statuses.get(task.status, 0) + 1
            if task.status == TaskStatus.CLOSED and facts.period.contains(task.closed_on):
                closed_in_period.append(
                    {
                        "id": task.pk,
                        "number": task.number,
                        "title": task.title,
                        "unit": task.lead_unit.label,
                        "closed_on": task.closed_on.isoformat(),
                        "rating": task.quality_rating,
                    }
                )
        closed_in_period.sort(key=lambda t: (t["closed_on"], t["number"]))
        row = facts.unit_row
        return {
            "year": facts.period.year,
            "total": len(facts.tasks),
            "statuses": statuses,
            "open": sum(n for s, n in statuses.items() if s in OPEN),
            "lights": {RED: row.red, YELLOW: row.yellow, GREEN: row.green},
            "closure_rate": row.closure_rate,
            "on_time_rate": row.on_time_rate,
            "average_days_late": row.average_days_late,
            "reports_due": row.reports_due,
            "reports_on_time": row.reports_on_time,
            "closed_in_period": closed_in_period,
        }

    def present(self, data: dict[str, Any], context: Context) -> list[Block]:
        lights = data["lights"]
        period = context.period_words
        summary = _(
            "As of %(date)s, %(scope)s has %(total)s key tasks for %(year)s: %(open)s under way, of which %(red)s "
            "red, %(yellow)s yellow and %(green)s green; %(closed)s closed."
        ) % {
            "date": _day(context.content["as_of"]),
            "scope": _scope_words(context),
            "total": data["total"],
            "year": data["year"],
            "open": data["open"],
            "red": lights[RED],
            "yellow": lights[YELLOW],
            "green": lights[GREEN],
            "closed": data["statuses"].get(TaskStatus.CLOSED, 0),
        }
        rates = _(
            "Closure rate %(closure)s; progress reports on time %(on_time)s (%(on_time_count)s of %(due)s due); "
            "late reports on average %(days)s days late."
        ) % {
            "closure": stats.percent_text(data["closure_rate"]),
            "on_time": stats.percent_text(data["on_time_rate"]),
            "on_time_count": data["reports_on_time"],
            "due": data["reports_due"],
            "days": stats.days_text(data["average_days_late"]),
        }
        closed = data["closed_in_period"]
        closures = _("%(count)s key tasks were closed in %(period)s.") % {"count": len(closed), "period": period}
        labels = dict(TaskStatus.choices)
        status_rows = [[str(labels[s]), n] for s, n in data["statuses"].items() if s in labels]
        colour_rows = [[level_label(level), lights[level]] for level in (RED, YELLOW, GREEN)]
        return [
            Paragraph(f"{summary}{rates}{closures}" if _is_chinese() else f"{summary} {rates} {closures}"),
            Table(
                caption=_("Key tasks by status"),
                sheet=_("By status"),
                columns=[Column(_("Status"), width=18), Column(_("Tasks"), INT, width=10)],
                rows=status_rows,
                chart=Chart("column", _("Key tasks by status"), 0, (1,), (OTHERS,)),
            ),
            Table(
                caption=_("Tasks under way by warning colour"),
                sheet=_("By colour"),
                columns=[Column(_("Warning colour"), width=12), Column(_("Tasks"), INT, width=10)],
                rows=colour_rows,
                chart=Chart("pie", _("Tasks under way by warning colour"), 0, (1,), tuple(COLOURS.values())),
            ),
            Table(
                caption=_("Key tasks closed in %(period)s") % {"period": period},
                sheet=_("Closed"),
                columns=[
                    Column(_("Number"), width=10),
                    Column(_("Key task"), width=40),
                    Column(_("Lead unit"), width=16),
                    Column(_("Closed on"), DATE, width=12),
                ],
                rows=[[t["number"], t["title"], t["unit"], t["closed_on"]] for t in closed],
                empty=_("No key task was closed in %(period)s.") % {"period": period},
            ),
        ]


# ---- the office's paragraphs ---------------------------------------------------------------------


class Text(SectionType):
    """A paragraph the office writes (highlights, problems, next steps): kept on the bulletin, not compiled."""

    TITLES = {
        "highlights": lambda: _("Highlights"),
        "problems": lambda: _("Problems"),
        "next_steps": lambda: _("Next steps"),
    }

    def __init__(self, key: str) -> None:
        self.key = key

    def title(self) -> str:
        return self.TITLES[self.key]()

    def compile(self, facts: Facts) -> dict[str, Any]:
        return {}  # a place in the order; the words come from the bulletin

    def present(self, data: dict[str, Any], context: Context) -> list[Block]:
        text = (context.texts.get(self.key) or "").strip()
        return [Paragraph(p.strip()) for p in text.splitlines() if p.strip()]


# ---- 2. red and yellow lists ---------------------------------------------------------------------


class Warnings(SectionType):
    """The red and the yellow tasks, grouped by lead unit, each with the reasons for its light."""

    key = "warnings"

    def title(self) -> str:
        return _("Red and yellow tasks")

    def compile(self, facts: Facts) -> dict[str, Any]:
        lists: dict[str, dict[str, dict[str, Any]]] = {RED: {}, YELLOW: {}}
        for task in sorted(facts.tasks, key=lambda t: (t.lead_unit.sort_order, t.lead_unit.code, t.due, t.number)):
            light = facts.lights[task.pk]
            if light.level not in lists:
                continue
            unit = task.lead_unit
            group = lists[light.level].setdefault(unit.code, {"unit": unit.code, "label": unit.label, "tasks": []})
            group["tasks"].append(
                {
                    "id": task.pk,
                    "number": task.number,
                    "title": task.title,
                    "due": task.due.isoformat(),
                    "progress": task.progress,
                    "leader": task.leader.get_full_name() or task.leader.username if task.leader else "",
                    "reasons": [{"level": r.level, "code": r.code, **r.params} for r in light.reasons],
                }
            )
        return {level: list(groups.values()) for level, groups in lists.items()}

    def present(self, data: dict[str, Any], context: Context) -> list[Block]:
        blocks: list[Block] = []
        for level in (RED, YELLOW):
            groups = data[level]
            count = sum(len(g["tasks"]) for g in groups)
            heading = (_("Red tasks (%(count)s)") if level == RED else _("Yellow tasks (%(count)s)")) % {"count": count}
            blocks.append(Heading(heading))
            if groups:
                names = [f"{g['label']} {len(g['tasks'])}" for g in sorted(groups, key=lambda g: -len(g["tasks"]))]
                blocks.append(
                    Paragraph(
                        _("%(count)s tasks in %(units)s units: %(names)s.")
                        % {"count": count, "units": len(groups), "names": _listed(names)}
                    )
                )
            rows = [
                [g["label"], t["number"], t["title"], t["due"], _reasons(level, t["reasons"])]
                for g in groups
                for t in g["tasks"]
            ]
            blocks.append(
                Table(
                    caption="",  # the heading above says it
                    sheet=_("Red") if level == RED else _("Yellow"),
                    columns=[
                        Column(_("Lead unit"), width=14, group=True),
                        Column(_("Number"), width=10),
                        Column(_("Key task"), width=36),
                        Column(_("Due"), DATE, width=11),
                        Column(_("Why"), width=40),
                    ],
                    rows=rows,
                    empty=_("No task is red.") if level == RED else _("No task is yellow."),
                )
            )
        return blocks


def _reasons(level: str, reasons: list[dict[str, Any]]) -> str:
    """The reasons in words, without the colour the list already names."""
    text = light_text(light_from(level, reasons))
    prefix = f"{level_label(level)}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


# ---- 3. units ranked by delivery -----------------------------------------------------------------


def _ranking_key(row: stats.Row) -> tuple[float, float, float]:
    """Higher closure rate, then higher on-time rate, then fewer days late; a unit with nothing to
    divide by comes after those with a rate."""
    closure = row.closure_rate if row.closure_rate is not None else -1.0
    on_time = row.on_time_rate if row.on_time_rate is not None else -1.0
    late = row.average_days_late or 0.0
    return (-closure, -on_time, late)


class UnitsRanking(SectionType):
    """Every lead unit of the year's tasks by closure rate, on-time report rate and average days late, as the
    statistics page counts them (supervision.statistics)."""

    key = "units"

    def title(self) -> str:
        return _("Units ranked by delivery")

    def compile(self, facts: Facts) -> dict[str, Any]:
        rows = sorted(facts.statistics.table.rows, key=lambda r: (_ranking_key(r), r.key))
        ranked, previous, place = [], None, 0
        for position, row in enumerate(rows, start=1):
            key = _ranking_key(row)
            place = place if key == previous else position  # ties share the better place
            previous = key
            ranked.append(
                {
                    "rank": place,
                    "unit": row.key,
                    "label": row.label,
                    "total": row.total,
                    "closed": row.closed,
                    "closure_rate": row.closure_rate,
                    "reports_due": row.reports_due,
                    "reports_on_time": row.reports_on_time,
                    "on_time_rate": row.on_time_rate,
                    "reports_late": row.reports_late,
                    "average_days_late": row.average_days_late,
                    "red": row.red,
                    "yellow": row.yellow,
                }
            )
        return {"rows": ranked, "ours": facts.unit.code if facts.unit is not None else None}

    def present(self, data: dict[str, Any], context: Context) -> list[Block]:
        rows = data["rows"]
        marked = {i for i, r in enumerate(rows) if r["unit"] == data.get("ours")}
        blocks: list[Block] = [
            Paragraph(
                _(
                    "Units are ranked by closure rate, then by the share of progress reports on time, then by the "
                    "average days late (fewer first). Closure rate = tasks closed ÷ (tasks − cancelled − drafts); "
                    "on time = reports submitted by their due date ÷ reports due."
                )
            )
        ]
        ours = next((r for r in rows if r["unit"] == data.get("ours")), None)
        if ours is not None:
            blocks.append(
                Paragraph(
                    _("%(unit)s ranks %(rank)s of %(count)s.")
                    % {"unit": ours["label"], "rank": ours["rank"], "count": len(rows)}
                )
            )
        blocks.append(
            Table(
                caption=_("Units ranked by delivery"),
                sheet=_("Units"),
                columns=[
                    Column(pgettext("ranking", "Rank"), INT, width=6),
                    Column(_("Unit"), width=16),
                    Column(_("Tasks"), INT, width=8),
                    Column(_("Closed"), INT, width=8),
                    Column(_("Closure rate"), PERCENT, width=10),
                    Column(_("Reports due"), INT, width=9),
                    Column(_("On time"), INT, width=8),
                    Column(_("On-time rate"), PERCENT, width=10),
                    Column(_("Avg days late"), DAYS, width=10),
                    Column(pgettext("light", "Red"), INT, width=6),
                    Column(pgettext("light", "Yellow"), INT, width=6),
                ],
                rows=[
                    [
                        r["rank"],
                        r["label"],
                        r["total"],
                        r["closed"],
                        r["closure_rate"],
                        r["reports_due"],
                        r["reports_on_time"],
                        r["on_time_rate"],
                        r["average_days_late"],
                        r["red"],
                        r["yellow"],
                    ]
                    for r in rows
                ],
                chart=Chart(
                    "bar",
                    _("Closure rate and on-time report rate"),
                    1,
                    (4, 7),
                    (OURS, OTHERS),
                    limit=CHART_UNITS,
                    percent=True,
                ),
                marked=marked,
                empty=_("No unit leads a key task of the year."),
            )
        )
        return blocks


# ---- 4. indicators -------------------------------------------------------------------------------


class Indicators(SectionType):
    """The headline indicators in our city's peer groups (or the unit's own area, for a county's view): the
    rank matrix with its “leads on 6 of 8” summaries, then each group's league table of each indicator, at
    the latest period not after the bulletin's."""

    key = "indicators"

    def title(self) -> str:
        return _("Benchmarking")

    def compile(self, facts: Facts) -> dict[str, Any] | None:
        from bihuan.indicators import selectors as indicators
        from bihuan.indicators.models import Area

        if facts.unit is not None:
            area = Area.objects.filter(code=facts.unit.code).first()
            if area is None:
                return None  # a department has no area of its own to compare
        else:
            area = indicators.home_area()
        matrix = indicators.rank_matrix(area, facts.period.key, "value")
        data: dict[str, Any] = {
            "area": {"code": area.code, "name": area.name} if area is not None else None,
            "groups": [
                {
                    "name": s.group.name,
                    "ranked": s.ranked,
                    "leads": s.leads,
                    "first_tier": s.first_tier,
                    "last": s.last,
                }
                for s in matrix.summaries
            ],
            "indicators": [],
            "tables": [],
            "sources": list(matrix.sources),
        }
        for row in matrix.rows:
            indicator = row.indicator
            data["indicators"].append(
                {
                    "code": indicator.code,
                    "name": indicator.name,
                    "name_en": indicator.name_en,
                    "unit": indicator.unit,
                    "decimals": indicator.decimals,
                    "period": row.period,
                    "cells": [
                        {"rank": c.rank, "size": c.size, "change": c.change, "tier": c.tier} if c is not None else None
                        for c in row.cells
                    ],
                }
            )
        for group_index, group in enumerate(matrix.groups):
            for indicator_index, row in enumerate(matrix.rows):
                if row.period is None:
                    continue
                league = indicators.league_table(row.indicator, group, row.period, "value")
                data["tables"].append(
                    {
                        "group": group_index,
                        "indicator": indicator_index,
                        "rows": [
                            {
                                "code": r.area_code,
                                "area": r.area,
                                "value": r.value,
                                "growth": r.growth,
                                "rank": r.rank,
                                "change": r.rank_change,
                                "first_tier": r.first_tier,
                            }
                            for r in league
                        ],
                    }
                )
        return data

    def present(self, data: dict[str, Any], context: Context) -> list[Block]:
        if data["area"] is None or not data["indicators"] or not data["groups"]:
            return [
                Paragraph(
                    _(
                        "No headline indicator can be compared yet: our city, its peer groups or the headline "
                        "indicators are not set."
                    )
                )
            ]
        english = not _is_chinese()
        names = [(i["name_en"] if english and i["name_en"] else i["name"]) for i in data["indicators"]]
        blocks: list[Block] = [
            Paragraph(
                _("%(area)s on the headline indicators, each at its latest period not after %(period)s:")
                % {"area": data["area"]["name"], "period": context.content["period"]}
            )
        ]
        for group in data["groups"]:
            summary = _("leads on %(leads)s of %(ranked)s, first tier on %(first)s, last on %(last)s") % {
                "leads": group["leads"],
                "ranked": group["ranked"],
                "first": group["first_tier"],
                "last": group["last"],
            }
            blocks.append(Paragraph(f"{group['name']}{'：' if not english else ': '}{summary}"))
        blocks.append(
            Table(
                caption=_("Rank of %(area)s in its peer groups") % {"area": data["area"]["name"]},
                sheet=_("Rank matrix"),
                columns=[
                    Column(_("Indicator"), width=24),
                    Column(pgettext("indicator", "Period"), width=9),
                    *(Column(g["name"], width=14) for g in data["groups"]),
                ],
                rows=[
                    [names[n], i["period"] or "—", *(_standing(c) for c in i["cells"])]
                    for n, i in enumerate(data["indicators"])
                ],
                note=_("Rank / areas ranked; ▲▼ the change against the period before."),
            )
        )
        own = data["area"]["code"]
        for group_index, group in enumerate(data["groups"]):
            blocks.append(Heading(group["name"]))
            for table in (t for t in data["tables"] if t["group"] == group_index):
                indicator = data["indicators"][table["indicator"]]
                name = names[table["indicator"]]
                unit = f" ({indicator['unit']})" if indicator["unit"] else ""
                rows = table["rows"]
                blocks.append(
                    Table(
                        caption=f"{name}{unit} · {indicator['period']}",
                        sheet=f"{name[:18]} {group['name'][:10]}",
                        columns=[
                            Column(pgettext("league table", "Rank"), INT, width=6),
                            Column(pgettext("league table", "Area"), width=12),
                            Column(pgettext("league table", "Value"), NUMBER, indicator["decimals"], width=12),
                            Column(pgettext("league table", "Growth %"), NUMBER, 1, width=10),
                            Column(pgettext("league table", "Rank change"), CHANGE, width=10),
                        ],
                        rows=[[r["rank"], r["area"], r["value"], r["growth"], r["change"]] for r in rows],
                        chart=Chart("bar", f"{name}{unit}", 1, (2,), (OTHERS,)),
                        marked={n for n, r in enumerate(rows) if r["code"] == own},
                    )
                )
        if data["sources"]:
            blocks.append(Paragraph(_("Source: %(sources)s") % {"sources": "; ".join(data["sources"])}))
        return blocks


def _standing(cell: dict[str, Any] | None) -> str:
    if cell is None or cell["rank"] is None:
        return "—"
    change = cell["change"]
    arrow = "" if change in (None, 0) else (f" ▲{change}" if change > 0 else f" ▼{-change}")
    return f"{cell['rank']}/{cell['size']}{arrow}"


# ---- 5. assessment standing ----------------------------------------------------------------------


class AssessmentStanding(SectionType):
    """The year's assessment schemes once open (考核): each unit's total, rank and grade as they stand on the day
    the bulletin is compiled — provisional until the scheme is published, then as published. A unit's own view
    shows the schemes that assess it, with its place marked."""

    key = "assessment"

    def title(self) -> str:
        return _("Assessment standing")

    def compile(self, facts: Facts) -> dict[str, Any] | None:
        from bihuan.assessment.models import Scheme, SchemeState
        from bihuan.assessment.results import results_of

        schemes = Scheme.objects.filter(year=facts.period.year).exclude(state=SchemeState.DRAFT).order_by("name")
        if facts.unit is not None:
            schemes = schemes.filter(units=facts.unit)
        standings = []
        for scheme in schemes:
            data = results_of(scheme, facts.today)
            rows = [
                {
                    "rank": row["rank"],
                    "code": row["unit"]["code"],
                    "unit": row["unit"]["name"],
                    "total": row["total"],
                    "bonus": row["bonus"],
                    "malus": row["malus"],
                    "grade": row["grade"],
                    "vetoed": row["vetoed"],
                }
                for row in data["units"]
            ]
            bands = [band["name"] for band in data["bands"]]
            grades = {band: sum(1 for r in rows if r["grade"] == band) for band in bands}
            if facts.unit is not None and scheme.state != SchemeState.PUBLISHED:
                # as on the assessment pages: before publication a unit sees its own row, not the others'
                rows = [r for r in rows if r["code"] == facts.unit.code]
            standings.append(
                {
                    "name": scheme.name,
                    "state": scheme.state,
                    "as_of": data["as_of"],
                    "bands": bands,
                    "count": len(data["units"]),
                    "grades": grades,
                    "rows": rows,
                }
            )
        if not standings:
            return None
        return {"schemes": standings, "ours": facts.unit.code if facts.unit is not None else None}

    def present(self, data: dict[str, Any], context: Context) -> list[Block]:
        from bihuan.assessment.models import SchemeState

        blocks: list[Block] = []
        for index, scheme in enumerate(data["schemes"]):
            rows = scheme["rows"]
            published = scheme["state"] == SchemeState.PUBLISHED
            count = scheme.get("count", len(rows))
            counts = scheme.get("grades") or {b: sum(1 for r in rows if r["grade"] == b) for b in scheme["bands"]}
            grades = ("、" if _is_chinese() else ", ").join(
                f"{band} {count}" for band, count in counts.items() if count
            )
            blocks.append(Heading(scheme["name"]))
            status = (
                _("Results as published.")
                if published
                else _("Provisional: computed on %(day)s from the records so far; not published.")
                % {"day": _day(scheme["as_of"])}
            )
            blocks.append(
                Paragraph(
                    status
                    + ("" if _is_chinese() else " ")
                    + _("%(count)s units; grades: %(grades)s.") % {"count": count, "grades": grades}
                )
            )
            ours = next((r for r in rows if r["code"] == data.get("ours")), None)
            if ours is not None:
                blocks.append(
                    Paragraph(
                        _("%(unit)s ranks %(rank)s of %(count)s with %(total)s points: %(grade)s.")
                        % {
                            "unit": ours["unit"],
                            "rank": ours["rank"],
                            "count": count,
                            "total": ours["total"],
                            "grade": ours["grade"],
                        }
                    )
                )
            blocks.append(
                Table(
                    caption=scheme["name"],
                    sheet=f"{_('Assessment')} {index + 1}",
                    columns=[
                        Column(pgettext("ranking", "Rank"), INT, width=6),
                        Column(_("Unit"), width=16),
                        Column(_("Total"), NUMBER, decimals=2, width=9),
                        Column(_("Incentives"), NUMBER, decimals=2, width=9),
                        Column(_("Demerits"), NUMBER, decimals=2, width=9),
                        Column(_("Grade"), width=10),
                    ],
                    rows=[
                        [
                            r["rank"],
                            r["unit"] + (" " + _("(veto)") if r["vetoed"] else ""),
                            r["total"],
                            r["bonus"],
                            r["malus"],
                            r["grade"],
                        ]
                        for r in rows
                    ],
                    chart=Chart("bar", _("Total points"), 1, (2,), (OTHERS,), limit=CHART_UNITS),
                    marked={i for i, r in enumerate(rows) if r["code"] == data.get("ours")},
                    empty=_("The scheme assesses no unit."),
                )
            )
        return blocks


#: The sections of a bulletin, in order.
SECTION_TYPES: list[SectionType] = [
    Overview(),
    Text("highlights"),
    Warnings(),
    UnitsRanking(),
    Indicators(),
    AssessmentStanding(),
    Text("problems"),
    Text("next_steps"),
]
BY_KEY = {s.key: s for s in SECTION_TYPES}


def present(content: dict[str, Any], texts: dict[str, str]) -> list[Section]:
    """Each section of the content with its blocks, in the active language; sections without blocks (an
    empty paragraph) and of types no longer known are left out."""
    context = Context(content, texts)
    presented = []
    for data in content.get("sections", []):
        section_type = BY_KEY.get(data["type"])
        if section_type is None:
            continue
        blocks = section_type.present(data, context)
        if blocks:
            presented.append(Section(section_type.key, section_type.title(), blocks))
    return presented


def document(
    content: dict[str, Any],
    texts: dict[str, str],
    *,
    title: str,
    number: str = "",
    issuer: str = "",
    draft: bool = False,
    published: date | None = None,
) -> Document:
    """The bulletin in words, ready for any of the renderers."""
    context = Context(content, texts)
    return Document(
        title=title,
        number=number,
        issuer=issuer,
        period=context.period_words,
        as_of=_day(content["as_of"]),
        scope=_scope_words(context),
        sections=present(content, texts),
        draft=draft,
        published=date_format(published, "DATE_FORMAT") if published else "",
    )
