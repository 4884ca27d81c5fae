"""Pages of benchmarking (对标): the city dashboard, league tables, the rank matrix and trends, with .xlsx
exports of the league table and the matrix. Every figure comes from `selectors`; views parse the query,
call one selector and lay its result out."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from urllib.parse import urlencode

import xlsxwriter
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from bihuan.core.policy import policy
from bihuan.indicators import computations, selectors
from bihuan.indicators import periods as periods_
from bihuan.indicators.forms import IndicatorGroupQuery, choice_field
from bihuan.indicators.models import Area, Indicator, Kind, Observation, PeerGroup
from bihuan.indicators.periods import EXAMPLES, parse_period, previous_period

COLOURS = {"ours": "#b7322c", "others": "#6c8ebf", "lines": ["#6c8ebf", "#f0ad00", "#198754", "#6f42c1", "#20c997"]}
MEASURE_CHOICES = (("value", pgettext_lazy("measure", "Value")), ("growth", pgettext_lazy("measure", "Growth")))
BY_TEXT = {"value": gettext_lazy("by value"), "growth": gettext_lazy("by growth")}
SPANS = {"month": 12, "quarter": 8, "year": 10}  # the default range of a trend: periods back from the latest
MAX_PEERS = 20


def can_import(user: Any) -> bool:
    """Whether the sub-navigation shows the Import tab: pages that include indicators/_subnav.html put this
    in their context as `can_import`."""
    return policy.can(user, "import", Observation)


# ---- formatting ----------------------------------------------------------------------------------


def number(value: float | None, decimals: int = 1, signed: bool = False) -> str:
    if value is None:
        return "—"
    text = f"{value:+,.{decimals}f}" if signed else f"{value:,.{decimals}f}"
    return text.replace("-", "−")


def arrow(change: int | None) -> tuple[str, str]:
    """(text, CSS class) of a rank change: ▲n up, ▼n down, – unchanged, nothing when there was no rank."""
    if change is None:
        return "", ""
    if change > 0:
        return f"▲{change}", "text-success"
    if change < 0:
        return f"▼{-change}", "text-danger"
    return "–", "text-secondary"


def measure_label(by: str) -> str:
    return force_str(dict(MEASURE_CHOICES)[by])


def by_text(by: str) -> str:
    return force_str(BY_TEXT[by])


def period_hint(frequency: str) -> str:
    return EXAMPLES[frequency]


# ---- query parsing -------------------------------------------------------------------------------


def _period(value: str, frequency: str, label: str) -> str:
    try:
        parse_period(value, frequency)
    except ValueError:
        raise ValidationError(
            _("“%(period)s” is not a period of %(indicator)s: write it like %(example)s."),
            params={"period": Truncator(value).chars(20), "indicator": label, "example": period_hint(frequency)},
        ) from None
    return value


class LeagueForm(IndicatorGroupQuery):
    indicator = forms.CharField(required=False)
    group = forms.CharField(required=False)
    period = forms.CharField(required=False, max_length=10)
    by = forms.CharField(required=False)
    as_of = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": gettext_lazy("Enter a date such as 2024-03-31.")},
    )

    def __init__(self, data: Any, indicators: Sequence[Indicator], groups: Sequence[PeerGroup]) -> None:
        super().__init__(data, indicators, groups)
        self.fields["by"] = choice_field(MEASURE_CHOICES, gettext_lazy("Rank by value or by growth, not “%(value)s”."))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        default = next((i for i in self.indicators.values() if i.headline), next(iter(self.indicators.values()), None))
        data["indicator"] = self.indicators.get(data.get("indicator") or "") or default
        data["group"] = self.groups.get(data.get("group") or "")
        if data["indicator"] is not None and data.get("period"):
            try:
                _period(data["period"], data["indicator"].frequency, data["indicator"].label)
            except ValidationError as error:
                self.add_error("period", error)
        return data


def _period_error(value: str) -> ValidationError:
    return ValidationError(
        _("“%(period)s” is not a period: write a year, quarter or month such as 2023, 2025-Q3 or 2025-10."),
        params={"period": Truncator(value).chars(20)},
    )


class MatrixForm(forms.Form):
    period = forms.CharField(required=False, max_length=10)
    by = choice_field(MEASURE_CHOICES, gettext_lazy("Rank by value or by growth, not “%(value)s”."))

    def clean_period(self) -> str:
        value = self.cleaned_data["period"]
        if value and periods_.frequency_of(value) is None:
            raise _period_error(value)
        return value


def errors_of(form: forms.Form) -> list[str]:
    return [force_str(e) for errors in form.errors.values() for e in errors]


def _bad_query(request: HttpRequest, template: str, title: str, errors: list[str], **extra: Any) -> HttpResponse:
    context = {"title": title, "errors": errors, "can_import": can_import(request.user), **extra}
    return render(request, template, context, status=400)


# ---- league table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeagueChoice:
    """What a league table shows: the parsed and defaulted query."""

    indicator: Indicator
    group: PeerGroup
    period: str | None
    by: str
    as_of: Any  # a date or None

    def query(self, **changes: Any) -> str:
        values = {
            "indicator": self.indicator.code,
            "group": self.group.pk,
            "period": self.period or "",
            "by": self.by,
            "as_of": self.as_of.isoformat() if self.as_of else "",
            **changes,
        }
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


@dataclass(frozen=True)
class LeagueColumn:
    """A column of the league table, shared by the page and the export."""

    key: str
    header: str
    value: Callable[[selectors.LeagueRow], Any]
    width: int = 12


def league_columns(indicator: Indicator, by: str) -> list[LeagueColumn]:
    unit = f" ({indicator.unit})" if indicator.unit else ""
    points = _("pts")  # not inside the f-string, where makemessages would not find it
    gap_unit = unit if by == "value" and indicator.unit != "%" else f" ({points})"  # a gap between rates is in points
    return [
        LeagueColumn("rank", _("Rank"), lambda r: r.rank, 7),
        LeagueColumn("area", _("Area"), lambda r: r.area, 16),
        LeagueColumn("value", pgettext("measure", "Value") + unit, lambda r: r.value, 14),
        LeagueColumn("growth", _("Growth %"), lambda r: r.growth, 10),
        LeagueColumn("change", _("Rank change"), lambda r: r.rank_change, 10),
        LeagueColumn("to_leader", _("Gap to leader") + gap_unit, lambda r: r.gaps.to_leader if r.gaps else None, 14),
        LeagueColumn("to_next", _("Gap to next rank up") + gap_unit, lambda r: r.gaps.to_next if r.gaps else None, 14),
        LeagueColumn("first_tier", _("First tier"), lambda r: r.first_tier, 9),
    ]


def _league_choice(request: HttpRequest) -> tuple[LeagueChoice | None, list[str], dict[str, Any]]:
    """The league table asked for, with defaults: the first headline indicator, the first group of our city,
    the latest period with data in that group. Returns (choice, errors, what the form needs)."""
    indicators = list(Indicator.objects.all())
    groups = list(PeerGroup.objects.all())
    home = selectors.home_area()
    options = {"indicators": indicators, "groups": groups, "home": home}
    form = LeagueForm(request.GET, indicators, groups)
    if not form.is_valid():
        return None, errors_of(form), options
    data = form.cleaned_data
    indicator = data["indicator"]  # the first headline indicator by default
    ours = {g.pk for g in selectors.home_groups(home)}
    group = data["group"] or next((g for g in groups if g.pk in ours), groups[0] if groups else None)
    if indicator is None or group is None:
        return None, [], options
    period = data["period"] or selectors.latest_period(indicator, group)
    return LeagueChoice(indicator, group, period, data["by"] or "value", data["as_of"]), [], options


@login_required
def league(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "view", Observation)
    title = _("League table")
    choice, errors, options = _league_choice(request)
    if errors:
        return _bad_query(request, "indicators/league.html", title, errors, **options)
    context: dict[str, Any] = {"title": title, "can_import": can_import(request.user), **options, "choice": choice}
    if choice is None:  # no indicator or no group yet
        return render(request, "indicators/league.html", context)
    first, last = selectors.period_bounds(choice.indicator)
    periods = periods_.period_range(first, last, choice.indicator.frequency, limit=240)[::-1] if first and last else []
    if choice.period and choice.period not in periods:
        periods.insert(0, choice.period)
    context["periods"] = periods
    if choice.period is None:
        return render(request, "indicators/league.html", context)
    rows = selectors.league_table(choice.indicator, choice.group, choice.period, choice.by, _end_of(choice.as_of))
    shown_sources = selectors.sources(rows)
    home_code = options["home"].code if options["home"] else None
    context.update(
        headers=[c.header for c in league_columns(choice.indicator, choice.by)],
        lines=shown_lines(league_lines(rows, choice.indicator, choice.by, home_code), request.GET.get("all") == "1"),
        total=len(rows),
        any_derived=any(r.growth_derived for r in rows),
        all_query=choice.query(all="1"),
        chart=league_chart(rows, choice.indicator, choice.by, home_code),
        chart_height=max(200, 26 * min(sum(r.rank is not None for r in rows), CHART_BARS + 1) + 50),
        sources=shown_sources,
        sample=selectors.is_sample(shown_sources),
        previous=previous_period(choice.period, choice.indicator.frequency),
        ranked=sum(r.rank is not None for r in rows),
        export_query=choice.query(),
        can_export=policy.can(request.user, "export", Observation),
        caption=league_caption(choice),
    )
    return render(request, "indicators/league.html", context)


def _end_of(day: Any) -> datetime | None:
    """A league table "as published on" a day shows what was recorded by the end of that day."""
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.max))


def league_caption(choice: LeagueChoice) -> str:
    text = " · ".join([choice.indicator.label, choice.group.name, choice.period or "", by_text(choice.by)])
    if choice.as_of:
        text += " · " + _("as published on %(day)s") % {"day": choice.as_of.isoformat()}
    return text


def league_lines(
    rows: Sequence[selectors.LeagueRow], indicator: Indicator, by: str, home_code: str | None
) -> list[dict[str, Any]]:
    """Each row in words: figures with the indicator's decimals, the change as an arrow."""
    decimals = indicator.decimals if by == "value" else 1
    lines = []
    for row in rows:
        change, change_css = arrow(row.rank_change)
        lines.append(
            {
                "rank": row.rank,
                "area": row.area,
                "code": row.area_code,
                "value": number(row.value, indicator.decimals),
                "growth": number(row.growth, 1) + ("*" if row.growth_derived else ""),
                "growth_derived": row.growth_derived,
                "change": change,
                "change_css": change_css,
                "to_leader": number(row.gaps.to_leader, decimals) if row.gaps else "",
                "to_next": number(row.gaps.to_next, decimals) if row.gaps and row.gaps.to_next is not None else "",
                "first_tier": row.first_tier,
                "ours": row.area_code == home_code,
            }
        )
    return lines


CHART_BARS = 40
LONG_TABLE, HEAD_ROWS, AROUND_OURS = 200, 100, 5


def shown_lines(lines: list[dict[str, Any]], everything: bool = False) -> list[dict[str, Any]]:
    """A long table (a group of hundreds of areas) shows its first 100 rows and the rows around ours, unless
    all are asked for; `skipped` on a row counts the rows left out before it. The export always has all."""
    if everything or len(lines) <= LONG_TABLE:
        return lines
    ours = next((n for n, line in enumerate(lines) if line["ours"]), None)
    keep = set(range(HEAD_ROWS))
    if ours is not None:
        keep |= set(range(max(ours - AROUND_OURS, 0), min(ours + AROUND_OURS + 1, len(lines))))
    shown, last = [], -1
    for number_ in sorted(keep):
        shown.append({**lines[number_], "skipped": number_ - last - 1})
        last = number_
    if last < len(lines) - 1:
        shown.append({"skipped": len(lines) - 1 - last, "end": True})
    return shown


def league_chart(
    rows: Sequence[selectors.LeagueRow], indicator: Indicator, by: str, home_code: str | None
) -> dict[str, Any]:
    """A horizontal bar per ranked area (the first 40 and ours in a large group), ours in red."""
    ranked = [r for r in rows if r.rank is not None]
    shown = ranked[:CHART_BARS] + [r for r in ranked[CHART_BARS:] if r.area_code == home_code]
    decimals = indicator.decimals if by == "value" else 1
    figure = (lambda r: r.value) if by == "value" else (lambda r: r.growth)
    return {
        "grid": {"left": 8, "right": 48, "top": 8, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": {"type": "value", "scale": by == "growth"},
        "yAxis": {"type": "category", "inverse": True, "data": [f"{r.rank}. {r.area}" for r in shown]},
        "series": [
            {
                "type": "bar",
                "name": measure_label(by),
                "data": [
                    {
                        "value": round(figure(r), decimals),
                        "itemStyle": {"color": COLOURS["ours" if r.area_code == home_code else "others"]},
                    }
                    for r in shown
                ],
                "label": {"show": True, "position": "right"},
            }
        ],
        "animation": False,
    }


@login_required
def league_xlsx(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "export", Observation)
    choice, errors, options = _league_choice(request)
    if errors or choice is None or choice.period is None:
        message = errors or [_("There is no league table to export: no indicator, peer group or data yet.")]
        return _bad_query(request, "indicators/league.html", _("League table"), message, **options)
    rows = selectors.league_table(choice.indicator, choice.group, choice.period, choice.by, _end_of(choice.as_of))
    return league_workbook(choice, rows)


def _sheet_name(text: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", text)[:31] or "Sheet1"


def league_workbook(choice: LeagueChoice, rows: Sequence[selectors.LeagueRow]) -> HttpResponse:
    """Exactly the table on the page: a title row naming indicator, group, period and measure, the frozen
    header, one row per area (unranked last), then the sources."""
    columns = league_columns(choice.indicator, choice.by)
    book, buffer = _book()
    styles = _styles(book, choice.indicator.decimals if choice.by == "value" else 1)
    sheet = book.add_worksheet(_sheet_name(choice.indicator.label))
    sheet.merge_range(0, 0, 0, len(columns) - 1, league_caption(choice), styles["title"])
    for index, column in enumerate(columns):
        sheet.write_string(1, index, column.header, styles["header"])
        sheet.set_column(index, index, column.width)
    for number_, row in enumerate(rows, start=2):
        for index, column in enumerate(columns):
            _write(sheet, number_, index, column.key, column.value(row), styles, choice.indicator.decimals)
    _footer(sheet, len(rows) + 3, selectors.sources(rows), styles)
    sheet.freeze_panes(2, 2)
    sheet.repeat_rows(1)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    name = f"league-{choice.indicator.code}-{choice.period}-{choice.by}"
    return _download(book, buffer, name)


def _book() -> tuple[Any, io.BytesIO]:
    buffer = io.BytesIO()
    return xlsxwriter.Workbook(buffer, {"in_memory": True}), buffer


def _styles(book: Any, gap_decimals: int) -> dict[str, Any]:
    header = {"bold": True, "bg_color": "#DDE6F3", "border": 1, "text_wrap": True, "valign": "vcenter"}
    return {
        "title": book.add_format({"bold": True, "font_size": 13}),
        "header": book.add_format(header),
        "growth": book.add_format({"num_format": "0.0"}),
        "gap": book.add_format({"num_format": "0" + ("." + "0" * gap_decimals if gap_decimals else "")}),
        "change": book.add_format({"num_format": '"▲"0;"▼"0;"–"'}),
        "note": book.add_format({"italic": True, "font_color": "#555555"}),
        "warning": book.add_format({"bold": True, "font_color": "#B02A37"}),
        "cache": {},
        "book": book,
    }


def _value_format(styles: dict[str, Any], decimals: int) -> Any:
    if decimals not in styles["cache"]:
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        styles["cache"][decimals] = styles["book"].add_format({"num_format": pattern})
    return styles["cache"][decimals]


def _write(sheet: Any, row: int, col: int, key: str, value: Any, styles: dict[str, Any], decimals: int) -> None:
    if value is None:
        sheet.write_string(row, col, "—" if key in ("rank", "value", "growth", "to_leader") else "")
    elif key == "first_tier":
        sheet.write_string(row, col, "✓" if value else "")
    elif key == "area":
        sheet.write_string(row, col, value)
    elif key == "value":
        sheet.write_number(row, col, value, _value_format(styles, decimals))
    elif key in ("growth", "change"):
        sheet.write_number(row, col, value, styles[key])
    elif key in ("to_leader", "to_next"):
        sheet.write_number(row, col, value, styles["gap"])
    else:
        sheet.write_number(row, col, value)


def _footer(sheet: Any, row: int, sources: Sequence[str], styles: dict[str, Any]) -> None:
    if sources:
        sheet.write_string(row, 0, _("Source: %(sources)s") % {"sources": "; ".join(sources)}, styles["note"])
    if selectors.is_sample(sources):
        sheet.write_string(row + 1, 0, _("示例数据 / sample data: not official statistics."), styles["warning"])


def _download(book: Any, buffer: io.BytesIO, name: str) -> HttpResponse:
    book.close()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{safe}-{stamp}.xlsx"'
    return response


# ---- rank matrix ---------------------------------------------------------------------------------

TIER_CSS = {"lead": "bh-tier-lead", "first": "bh-tier-first", "last": "bh-tier-last", "other": "", "none": ""}
TIER_FILL = {"lead": "#198754", "first": "#D1E7DD", "last": "#DC3545"}


def _matrix(request: HttpRequest) -> tuple[selectors.Matrix | None, list[str]]:
    form = MatrixForm(request.GET)
    if not form.is_valid():
        return None, errors_of(form)
    by = form.cleaned_data["by"] or "value"
    return selectors.rank_matrix(selectors.home_area(), form.cleaned_data["period"] or None, by), []


def matrix_cells(matrix: selectors.Matrix) -> list[dict[str, Any]]:
    """Each indicator's row in words: rank / ranked areas, the arrow, the tier's colour, a link to its table."""
    league = reverse("league-table")
    rows = []
    for row in matrix.rows:
        cells = []
        for standing in row.cells:
            if standing is None or standing.rank is None:
                cells.append({"text": "—", "css": "", "link": "", "change": "", "change_css": ""})
                continue
            change, change_css = arrow(standing.change)
            query = urlencode(
                {"indicator": row.indicator.code, "group": standing.group.pk, "period": row.period, "by": matrix.by}
            )
            cells.append(
                {
                    "text": f"{standing.rank}/{standing.size}",
                    "css": TIER_CSS[standing.tier],
                    "tier": standing.tier,
                    "link": f"{league}?{query}",
                    "change": change,
                    "change_css": change_css,
                }
            )
        rows.append({"indicator": row.indicator, "period": row.period, "cells": cells})
    return rows


def summary_text(summary: selectors.GroupSummary) -> str:
    return _("leads on %(leads)s of %(ranked)s, first tier on %(first)s, last on %(last)s") % {
        "leads": summary.leads,
        "ranked": summary.ranked,
        "first": summary.first_tier,
        "last": summary.last,
    }


@login_required
def matrix(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "view", Observation)
    title = _("Rank matrix")
    result, errors = _matrix(request)
    if errors:
        return _bad_query(request, "indicators/matrix.html", title, errors)
    assert result is not None
    context = {
        "title": title,
        "can_import": can_import(request.user),
        "matrix": result,
        "rows": matrix_cells(result),
        "summaries": [(s.group, summary_text(s)) for s in result.summaries],
        "sample": selectors.is_sample(result.sources),
        "export_query": urlencode({"period": result.period or "", "by": result.by}),
        "can_export": policy.can(request.user, "export", Observation),
        "measures": MEASURE_CHOICES,
    }
    return render(request, "indicators/matrix.html", context)


@login_required
def matrix_xlsx(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "export", Observation)
    result, errors = _matrix(request)
    if errors or result is None or result.area is None or result.period is None:
        message = errors or [_("There is no rank matrix to export: our city or its data is missing.")]
        return _bad_query(request, "indicators/matrix.html", _("Rank matrix"), message)
    return matrix_workbook(result)


def matrix_caption(result: selectors.Matrix) -> str:
    return _("Rank matrix of %(area)s · %(period)s · %(by)s") % {
        "area": result.area.name if result.area else "",
        "period": result.period,
        "by": by_text(result.by),
    }


def matrix_workbook(result: selectors.Matrix) -> HttpResponse:
    """The matrix as on the page: rank / ranked areas with the arrow, filled by tier, and the group summaries."""
    book, buffer = _book()
    styles = _styles(book, 1)
    fills = {
        tier: book.add_format({"bg_color": colour, "font_color": "#FFFFFF" if tier != "first" else "#0F5132"})
        for tier, colour in TIER_FILL.items()
    }
    sheet = book.add_worksheet(_sheet_name(force_str(_("Rank matrix"))))
    width = 2 + len(result.groups)
    sheet.merge_range(0, 0, 0, max(width - 1, 1), matrix_caption(result), styles["title"])
    headers = [_("Indicator"), pgettext("indicator", "Period"), *(g.name for g in result.groups)]
    sheet.write_row(1, 0, headers, styles["header"])
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, max(width - 1, 2), 16)
    for number_, row in enumerate(matrix_cells(result), start=2):
        sheet.write_string(number_, 0, row["indicator"].label)
        sheet.write_string(number_, 1, row["period"] or "—")
        for index, cell in enumerate(row["cells"], start=2):
            text = f"{cell['text']} {cell['change']}".strip()
            sheet.write_string(number_, index, text, fills.get(cell.get("tier", "")))
    below = len(result.rows) + 3
    for offset, summary in enumerate(result.summaries):
        sheet.write_string(below + offset, 0, summary.group.name, styles["note"])
        sheet.write_string(below + offset, 2, summary_text(summary), styles["note"])
    _footer(sheet, below + len(result.summaries) + 1, result.sources, styles)
    sheet.freeze_panes(2, 1)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    return _download(book, buffer, f"rank-matrix-{result.period}-{result.by}")


# ---- city dashboard ------------------------------------------------------------------------------

STATUS_TEXT = {
    computations.ON_TRACK: (gettext_lazy("on track"), "text-bg-success"),
    computations.ACCELERATE: (gettext_lazy("acceleration needed"), "text-bg-warning"),
    computations.LIMITED: (gettext_lazy("limited progress"), "bh-bg-orange"),
    computations.MOVING_AWAY: (gettext_lazy("moving away"), "text-bg-danger"),
}


def target_text(indicator: Indicator, status: selectors.TargetStatus | None) -> dict[str, str] | None:
    """The target and how we stand against it, in words, with a badge colour."""
    if status is None:
        return None
    unit = indicator.unit
    target = _("Target %(year)s: %(value)s%(unit)s") % {
        "year": status.target.year,
        "value": number(status.target.value, indicator.decimals),
        "unit": unit,
    }
    if status.gap is not None:
        words = _("%(gap)s pts above target") if status.gap >= 0 else _("%(gap)s pts below target")
        css = "text-bg-success" if status.gap >= 0 else "text-bg-warning"
        return {"target": target, "status": words % {"gap": number(abs(status.gap), 1)}, "css": css}
    if status.status in STATUS_TEXT:
        words, css = STATUS_TEXT[status.status]
        return {"target": target, "status": force_str(words), "css": css, "period": status.period or ""}
    return {"target": target, "status": _("no status yet"), "css": "text-bg-light border"}


def dashboard_cards(board: selectors.Dashboard) -> list[dict[str, Any]]:
    league, trend = reverse("league-table"), reverse("indicator-trends")
    cards = []
    for number_, card in enumerate(board.cards, start=1):
        places = []
        growth_places = {s.group.pk: s for s in card.growth_places}
        for standing in card.places:
            change, change_css = arrow(standing.change)
            by_growth = growth_places.get(standing.group.pk)
            growth_change = arrow(by_growth.change) if by_growth else ("", "")
            query = urlencode({"indicator": card.indicator.code, "group": standing.group.pk, "period": card.period})
            places.append(
                {
                    "group": standing.group.name,
                    "rank": standing.rank,
                    "size": standing.size,
                    "tier": TIER_CSS[standing.tier],
                    "change": change,
                    "change_css": change_css,
                    "growth_rank": by_growth.rank if by_growth else None,
                    "growth_size": by_growth.size if by_growth else None,
                    "growth_change": growth_change[0],
                    "growth_change_css": growth_change[1],
                    "link": f"{league}?{query}",
                }
            )
        spark_label = _("growth %") if card.indicator.kind == Kind.YTD else pgettext("measure", "value")
        cards.append(
            {
                "indicator": card.indicator,
                "period": card.period,
                "value": number(card.value, card.indicator.decimals),
                "growth": number(card.growth, 1, signed=True) if card.growth is not None else "",
                "places": places,
                "target": target_text(card.indicator, card.target),
                "source": card.source,
                "sample": selectors.SAMPLE_MARK in card.source,
                "spark": {"periods": [p for p, _v in card.spark], "values": [v for _p, v in card.spark]},
                "spark_label": spark_label,
                "spark_id": f"spark-{number_}",
                "league": f"{league}?{urlencode({'indicator': card.indicator.code})}",
                "trends": f"{trend}?{urlencode({'indicator': card.indicator.code})}",
            }
        )
    return cards


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "view", Observation)
    board = selectors.dashboard(selectors.home_area())
    cards = dashboard_cards(board)
    context = {
        "title": _("Indicators"),
        "can_import": can_import(request.user),
        "board": board,
        "cards": cards,
        "has_data": any(c["period"] for c in cards),
        "sample": selectors.is_sample(board.sources),
    }
    return render(request, "indicators/dashboard.html", context)


# ---- trends --------------------------------------------------------------------------------------


class Codes(forms.MultipleChoiceField):
    """Division codes; whether such areas exist is checked in one query by the form (there may be thousands)."""

    default_error_messages = {"invalid_choice": gettext_lazy("“%(value)s” is not a division code.")}

    def valid_value(self, value: str) -> bool:
        return 0 < len(value) <= 12 and value.isalnum()


class TrendsForm(IndicatorGroupQuery):
    indicator = forms.CharField(required=False)
    area = forms.CharField(required=False, max_length=12)
    group = forms.CharField(required=False)
    peers = Codes(required=False)
    start = forms.CharField(required=False, max_length=10)
    end = forms.CharField(required=False, max_length=10)
    by = forms.CharField(required=False)

    def __init__(self, data: Any, indicators: Sequence[Indicator], groups: Sequence[PeerGroup]) -> None:
        super().__init__(data, indicators, groups)
        self.fields["by"] = choice_field(MEASURE_CHOICES, gettext_lazy("Rank by value or by growth, not “%(value)s”."))
        self.areas: dict[str, Area] = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        codes = [data.get("area") or "", *data.get("peers", [])]
        if len(codes) > MAX_PEERS + 1:
            raise ValidationError(_("Compare at most %(count)s areas at once."), params={"count": MAX_PEERS})
        wanted = [c for c in codes if c]
        self.areas = {a.code: a for a in Area.objects.filter(code__in=wanted)} if wanted else {}
        unknown = [c for c in wanted if c not in self.areas]
        if unknown:
            self.add_error(
                None,
                _("There is no area with the division code “%(code)s”.") % {"code": Truncator(unknown[0]).chars(20)},
            )
        default = next((i for i in self.indicators.values() if i.headline), next(iter(self.indicators.values()), None))
        indicator = data["indicator"] = self.indicators.get(data.get("indicator") or "") or default
        for name in ("start", "end"):
            if data.get(name) and indicator is not None:
                try:
                    _period(data[name], indicator.frequency, indicator.label)
                except ValidationError as error:
                    self.add_error(name, error)
        return data


def _trend_periods(indicator: Indicator, start: str, end: str) -> tuple[list[str], str | None]:
    """The periods asked for, by default the last year or so up to the latest with data; an error in words."""
    first, last = selectors.period_bounds(indicator)
    end = end or last or ""
    if not end:
        return [], None
    if not start:
        periods = periods_.period_range(first or end, end, indicator.frequency, limit=SPANS[indicator.frequency])
        return periods, None
    if parse_period(start, indicator.frequency) > parse_period(end, indicator.frequency):
        return [], _("The first period comes after the last.")
    periods = periods_.period_range(start, end, indicator.frequency)
    if periods[0] != start:
        return periods, _("Showing the last %(count)s periods only.") % {"count": len(periods)}
    return periods, None


@login_required
def trends(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "view", Observation)
    title = _("Trends")
    indicators = list(Indicator.objects.all())
    groups = list(PeerGroup.objects.all())
    form = TrendsForm(request.GET, indicators, groups)
    options = {"indicators": indicators, "groups": groups, "measures": MEASURE_CHOICES}
    if not form.is_valid():
        return _bad_query(request, "indicators/trends.html", title, errors_of(form), **options)
    data = form.cleaned_data
    home = selectors.home_area()
    area = form.areas.get(data["area"]) if data["area"] else home
    indicator = data["indicator"]  # the first headline indicator by default
    context: dict[str, Any] = {"title": title, "can_import": can_import(request.user), **options}
    if indicator is None or area is None:
        return render(request, "indicators/trends.html", {**context, "area": area, "indicator": indicator})
    group = _trend_group(request, form, area)
    members = list(group.areas.all()) if group is not None else []
    peers = [form.areas[c] for c in data["peers"] if c in form.areas and c != area.code]
    if not peers and group is not None and len(members) <= 15:
        peers = [a for a in members if a.pk != area.pk]
    periods, note = _trend_periods(indicator, data["start"], data["end"])
    by = data["by"] or "value"
    result = selectors.trends(indicator, [area, *peers], periods, group, by) if periods else None
    context.update(
        indicator=indicator,
        area=area,
        group=group,
        peers=peers,
        members=members,
        area_options=list({a.pk: a for a in [area, *members, *peers]}.values()),
        by=by,
        by_label=by_text(by),
        periods=periods,
        note=note,
        result=result,
        table=trend_table(result) if result else [],
        charts=trend_charts(result, area, by) if result else {},
        sample=selectors.is_sample(result.sources) if result else False,
        start=data["start"] or (periods[0] if periods else ""),
        end=data["end"] or (periods[-1] if periods else ""),
    )
    return render(request, "indicators/trends.html", context)


def _trend_group(request: HttpRequest, form: TrendsForm, area: Area) -> PeerGroup | None:
    """The group chosen; when the query names none at all, the area's first group (an empty choice means
    ranking among the areas shown)."""
    if "group" in request.GET:
        return form.groups.get(form.cleaned_data["group"])
    return next(iter(selectors.home_groups(area)), None)


def trend_table(result: selectors.Trends) -> list[dict[str, Any]]:
    """Latest period first; per area the value, the growth and the rank."""
    decimals = result.indicator.decimals
    rows = []
    for index in range(len(result.periods) - 1, -1, -1):
        cells = [
            (number(s.values[index], decimals), number(s.growths[index], 1), s.ranks[index] or "—")
            for s in result.series
        ]
        rows.append({"period": result.periods[index], "cells": cells, "size": result.sizes[index]})
    return rows


def trend_charts(result: selectors.Trends, area: Area, by: str) -> dict[str, Any]:
    """Three ECharts options: value, growth and a bump chart of the rank (1 at the top)."""
    decimals = result.indicator.decimals

    def lines(pick: Callable[[selectors.TrendSeries], list[Any]], digits: int | None) -> list[dict[str, Any]]:
        series = []
        for number_, s in enumerate(result.series):
            ours = s.area.pk == area.pk
            colour = COLOURS["ours"] if ours else COLOURS["lines"][number_ % len(COLOURS["lines"])]
            data = [round(v, digits) if v is not None and digits is not None else v for v in pick(s)]
            series.append(
                {
                    "name": s.area.short_name or s.area.name,
                    "type": "line",
                    "data": data,
                    "connectNulls": False,
                    "symbolSize": 7 if ours else 4,
                    "lineStyle": {"width": 3 if ours else 1.5},
                    "itemStyle": {"color": colour},
                    "z": 3 if ours else 2,
                }
            )
        return series

    def option(series: list[dict[str, Any]], y_axis: dict[str, Any]) -> dict[str, Any]:
        return {
            "grid": {"left": 8, "right": 16, "top": 40, "bottom": 8, "containLabel": True},
            "legend": {"top": 0, "type": "scroll"},
            "tooltip": {"trigger": "axis"},
            "xAxis": {"type": "category", "data": result.periods, "boundaryGap": False},
            "yAxis": y_axis,
            "series": series,
            "animation": False,
        }

    worst = max(result.sizes, default=1) or 1
    return {
        "value": option(lines(lambda s: s.values, decimals), {"type": "value", "scale": True}),
        "growth": option(lines(lambda s: s.growths, 1), {"type": "value", "scale": True}),
        "rank": option(
            lines(lambda s: s.ranks, None),
            {"type": "value", "inverse": True, "min": 1, "max": worst, "minInterval": 1},
        ),
    }


urlpatterns: list[URLPattern] = [
    path("", dashboard, name="indicator-dashboard"),
    path("league/", league, name="league-table"),
    path("league/export.xlsx", league_xlsx, name="league-table-xlsx"),
    path("matrix/", matrix, name="rank-matrix"),
    path("matrix/export.xlsx", matrix_xlsx, name="rank-matrix-xlsx"),
    path("trends/", trends, name="indicator-trends"),
]
