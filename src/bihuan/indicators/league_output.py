"""A league table as plain data with every computed column, and as a terminal table, CSV and JSON: the one
shape the `bihuan league` command and the API's /league/ both give.

The columns follow DESIGN.md §3: rank (ties share the better rank; areas without data are listed, not
ranked), value, published growth, rank change against the previous period, gaps (in the unit of the
measure ranked by, positive when behind), first tier, and catch-up growth to the next rank up."""

from __future__ import annotations

import csv
import io
import itertools
import json
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from bihuan.indicators import api_selectors, computations
from bihuan.indicators.models import Frequency, Indicator, Kind, PeerGroup
from bihuan.indicators.periods import EXAMPLES, parse_period
from bihuan.indicators.selectors import LeagueRow, league_table

MEASURES = ("value", "growth")
#: Every column of a row, in order, with its short heading for the terminal table.
COLUMNS = (
    ("rank", pgettext_lazy("league table", "Rank")),
    ("area_code", pgettext_lazy("league table", "Code")),
    ("area", pgettext_lazy("league table", "Area")),
    ("value", pgettext_lazy("league table", "Value")),
    ("growth", pgettext_lazy("league table", "Growth %")),
    ("growth_derived", pgettext_lazy("league table", "Growth from levels")),
    ("rank_change", pgettext_lazy("league table", "Rank change")),
    ("gap_to_leader", pgettext_lazy("league table", "To leader")),
    ("gap_to_next", pgettext_lazy("league table", "To next")),
    ("gap_to_mean", pgettext_lazy("league table", "To mean")),
    ("gap_to_median", pgettext_lazy("league table", "To median")),
    ("first_tier", pgettext_lazy("league table", "First tier")),
    ("catch_up_growth", pgettext_lazy("league table", "Catch-up growth %")),
)
BY_ERROR = gettext_lazy("Rank by value or growth, not {input!r}.")
KEYS = tuple(key for key, _label in COLUMNS)
SHOWN_NAMES = 12  # how many known indicators or groups an error message lists


class LeagueQueryError(ValueError):
    """A league-table request that names no known indicator or group, or a malformed period or date.
    `field` is the parameter at fault; the message says what was expected."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class LeagueQuery:
    indicator: Indicator
    group: PeerGroup
    period: str
    by: str = "value"
    as_of: datetime | None = None


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN_NAMES])
    more = len(names) - SHOWN_NAMES
    return (shown + (" " + _("and {count} more").format(count=more) if more > 0 else "")) or _("none yet")


def period_error(indicator: Indicator, text: str) -> str:
    return _("{indicator} is {frequency}: expected a period such as {example}, got {text!r}.").format(
        indicator=indicator.code,
        frequency=Frequency(indicator.frequency).label.lower(),
        example=EXAMPLES[indicator.frequency],
        text=text,
    )


def parse_as_of(text: str) -> datetime:
    """A date and time such as 2024-05-01T12:00 (in the deployment's time zone unless it names one); a
    bare date means the end of that day, i.e. as published on that day."""
    text = text.strip()
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time.max)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise LeagueQueryError(
            "as_of",
            _("Expected a date or a date and time such as 2024-05-01 or 2024-05-01T12:00, got {text!r}.").format(
                text=text
            ),
        ) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def resolve(indicator: str, group: str, period: str, by: str = "value", as_of: str | None = None) -> LeagueQuery:
    """The query the words name, or LeagueQueryError saying which word is wrong and what would do."""
    found = api_selectors.indicator_by_code(indicator)
    if found is None:
        raise LeagueQueryError(
            "indicator",
            _("No indicator has the code {code!r}. Known indicators: {known}.").format(
                code=indicator, known=_listed(api_selectors.indicator_codes())
            ),
        )
    peers = api_selectors.peer_group_by_name_or_id(group)
    if peers is None:
        raise LeagueQueryError(
            "group",
            _("No peer group is named {name!r}. Known groups: {known}.").format(
                name=group, known=_listed(api_selectors.peer_group_names())
            ),
        )
    try:
        parse_period(period, found.frequency)
    except ValueError:
        raise LeagueQueryError("period", period_error(found, period)) from None
    if by not in MEASURES:
        raise LeagueQueryError("by", BY_ERROR.format(input=by))
    return LeagueQuery(found, peers, period.strip(), by, parse_as_of(as_of) if as_of else None)


def _clean(number: float | None) -> float | None:
    """Without the binary noise of subtraction (7.6 − 6.1 = 1.4999999999999996)."""
    return None if number is None else round(number, 10)


def _catch_ups(rows: list[LeagueRow], higher_is_better: bool) -> dict[str, float | None]:
    """Each area's growth this year that reaches the level of the next rank up if that area keeps its
    growth. With areas tied at the next rank, the one easiest to reach counts: reaching it is reaching that
    rank. One pass over the areas in rank order, so large groups stay fast."""
    sign = 1 if higher_is_better else -1
    ordered = sorted((r for r in rows if r.value is not None), key=lambda r: -sign * r.value)  # type: ignore[operator]
    levels: list[list[LeagueRow]] = []  # areas sharing a value, best value first
    for row in ordered:
        if levels and levels[-1][0].value == row.value:
            levels[-1].append(row)
        else:
            levels.append([row])
    result: dict[str, float | None] = {r.area_code: None for r in rows}
    for above, tied in itertools.pairwise(levels):
        own = tied[0].value
        if own is None or own <= 0:
            continue
        needed = [
            computations.catch_up_growth(own, a.value, a.growth)
            for a in above
            if a.value is not None and a.growth is not None
        ]
        if needed:
            for row in tied:
                result[row.area_code] = min(needed) if higher_is_better else max(needed)
    return result


def league_rows(query: LeagueQuery) -> list[dict[str, Any]]:
    """Every area of the group with every column (None where it cannot be computed). Catch-up growth is
    about levels, so only a table by value of a level or year-to-date indicator has it."""
    table = league_table(query.indicator, query.group, query.period, by=query.by, as_of=query.as_of)
    levels = query.by == "value" and query.indicator.kind != Kind.RATE
    catch_ups = _catch_ups(table, query.indicator.higher_is_better) if levels else {}
    return [
        {
            "rank": row.rank,
            "area_code": row.area_code,
            "area": row.area,
            "value": row.value,
            "growth": row.growth,
            "growth_derived": row.growth_derived,
            "rank_change": row.rank_change,
            "gap_to_leader": _clean(row.gaps.to_leader) if row.gaps else None,
            "gap_to_next": _clean(row.gaps.to_next) if row.gaps else None,
            "gap_to_mean": _clean(row.gaps.to_mean) if row.gaps else None,
            "gap_to_median": _clean(row.gaps.to_median) if row.gaps else None,
            "first_tier": row.first_tier,
            "catch_up_growth": _clean(catch_ups.get(row.area_code)),
        }
        for row in table
    ]


def league_document(query: LeagueQuery) -> dict[str, Any]:
    """The rows with what they are rows of: the JSON of `bihuan league` and of the API."""
    indicator = query.indicator
    return {
        "indicator": indicator.code,
        "indicator_name": indicator.label,
        "unit": indicator.unit,
        "decimals": indicator.decimals,
        "higher_is_better": indicator.higher_is_better,
        "group": query.group.name,
        "first_tier_size": query.group.first_tier,
        "period": query.period,
        "by": query.by,
        "as_of": query.as_of.isoformat() if query.as_of else None,
        "rows": league_rows(query),
    }


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


def to_csv(rows: list[dict[str, Any]]) -> str:
    """One line per area, headed by the column keys (the JSON's names); empty cells where there is no figure."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=KEYS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def _width(text: str) -> int:
    """Columns on a terminal, where a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(key: str, value: Any, decimals: int) -> str:
    if value is None:
        return "-"
    if key in ("first_tier", "growth_derived"):
        return "✓" if value else ""
    if key == "rank_change":
        return f"↑{value}" if value > 0 else f"↓{-value}" if value < 0 else "="
    if isinstance(value, float):
        return f"{value:,.{1 if key in ('growth', 'catch_up_growth') else decimals}f}"
    return str(value)


def to_table(document: dict[str, Any]) -> str:
    """Aligned columns for a terminal: text to the left, figures to the right."""
    by = _("by value") if document["by"] == "value" else _("by growth")
    unit = f" ({document['unit']})" if document["unit"] else ""
    title = f"{document['indicator_name']}{unit} · {document['group']} · {document['period']} · {by}"
    if document["as_of"]:
        title += " · " + _("as published on {moment}").format(moment=document["as_of"])
    # Gaps are in the unit of the measure ranked by: growth points when ranked by growth.
    gap_decimals = 1 if document["by"] == "growth" else document["decimals"]
    grid = [[str(label) for _key, label in COLUMNS]]
    for row in document["rows"]:
        grid.append([_cell(k, row[k], document["decimals"] if k == "value" else gap_decimals) for k in KEYS])
    widths = [max(_width(line[i]) for line in grid) for i in range(len(KEYS))]
    left = {"area_code", "area", "first_tier"}

    def line(cells: list[str]) -> str:
        padded = [
            c + " " * (w - _width(c)) if k in left else " " * (w - _width(c)) + c
            for k, c, w in zip(KEYS, cells, widths, strict=True)
        ]
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([title, line(grid[0]), rule, *(line(cells) for cells in grid[1:])]) + "\n"
