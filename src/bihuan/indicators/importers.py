"""Import statistics as the bureau publishes them, in either of two shapes:

- **long**: one row per area, period and indicator (地区/代码/期别/指标/数值/增速/单位, or English headers);
- **wide**: the bureau's comparison table: title and units rows, a header of one to three rows with merged cells
  (an indicator spanning 绝对额 and 比上年增长), areas down the side with or without 市/县/区, footnotes below.

`analyse` reads a file and proposes a `Mapping` (which column is the area, which column holds which indicator and
measure, the unit written in the header, the period from the title); the statistician corrects it once and keeps it as
a named `ImportProfile`. `plan` turns file + mapping into the values to record and a preview of what will be added,
revised and left unchanged, naming every problem with file, sheet, row and column; `apply` records them all or none.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, range_boundaries

from bihuan.core.importing import ImportFailed, RowError, normalise_header, read_sheet
from bihuan.core.policy import policy
from bihuan.indicators import parsing, services
from bihuan.indicators.models import Area, ImportProfile, Indicator, Observation, Vintage
from bihuan.indicators.periods import parse_period

VALUE, GROWTH = "value", "growth"
MEASURES = (VALUE, GROWTH)
TOTAL_WORDS = ("全省", "全市", "全国", "全区", "全县", "合计", "总计", "全盟", "全州")
FOOTNOTE_STARTS = ("注", "说明", "资料来源", "数据来源", "备注", "附注", "note", "source", "*")
FOOTNOTE_FIRST = frozenset("注说资数备附nNsS*＊")  # a cheap test before the full one, row by row
#: Long-shape columns: key → the headers that name it (compared with normalise_header).
LONG_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("代码", "区划代码", "地区代码", "行政区划代码", "area_code", "code", "division code"),
    "area": ("地区", "地区名称", "地名", "城市", "县区", "area", "area_name", "region", "name"),
    "period": ("期别", "时期", "年份", "年度", "月份", "年月", "期间", "统计期", "period", "year", "month", "date"),
    "indicator": ("指标代码", "indicator_code", "indicator code"),
    "indicator_name": ("指标", "指标名称", "indicator", "indicator_name", "indicator name"),
    "value": ("数值", "数据", "绝对额", "本期", "累计", "value", "amount"),
    "growth": ("增速", "增长", "同比", "同比增长", "比上年增长", "增长%", "growth", "yoy"),
    "unit": ("单位", "计量单位", "unit"),
}


# ---- reading a sheet -------------------------------------------------------------------------------


@dataclass
class Grid:
    """The first sheet of a file: every cell as read (merged header cells filled in), 0-based."""

    file: str
    sheet: str | None
    cells: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # 0-based rows/cols, inclusive
    no_value: set[tuple[int, int]] = field(default_factory=set)

    def text(self, row: int, column: int) -> str:
        value = self.cells[row][column] if row < len(self.cells) and column < len(self.cells[row]) else None
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def width(self) -> int:
        return max((len(r) for r in self.cells), default=0)

    def error(self, row: int | None, column: int | None, message: str, header: str = "") -> RowError:
        letter = None
        if column is not None:
            letter = get_column_letter(column + 1) + (f" ({header})" if header else "")
        return RowError(self.file, self.sheet, row + 1 if row is not None else None, letter, message)


def read_grid(source: str | Path | BinaryIO, filename: str | None = None) -> Grid:
    name, sheet = read_sheet(source, filename)
    limit = settings.BIHUAN["IMPORT_MAX_ROWS"]
    if len(sheet.rows) > limit:  # the reader stops a little after the limit: never import a cut table
        message = _(
            "more than %(limit)s rows; split the file, or import a long .csv with `bihuan import observations`"
        ) % {"limit": limit}
        raise ImportFailed([RowError(name, sheet.title, None, None, message)])
    grid = Grid(name, sheet.title, sheet.rows, no_value=sheet.no_value)
    for ref in sheet.merged:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except (TypeError, ValueError):
            continue
        grid.merged.append((min_row - 1, min_col - 1, max_row - 1, max_col - 1))
    return grid


def _fill_merged(grid: Grid, last_row: int) -> list[list[str]]:
    """Header texts with each merged range's text in every cell it covers (rows up to `last_row`)."""
    texts = [[grid.text(r, c) for c in range(grid.width())] for r in range(min(last_row + 1, len(grid.cells)))]
    for top, left, bottom, right in grid.merged:
        if top > last_row:
            continue
        value = grid.text(top, left)
        for r in range(top, min(bottom, last_row) + 1):
            for c in range(left, right + 1):
                if c < len(texts[r]):
                    texts[r][c] = value
    return texts


# ---- names of areas and indicators ------------------------------------------------------------------


def _area_keys(text: str) -> set[str]:
    key = normalise_header(text)
    keys = {key}
    for suffix in ("省", "市", "县", "区", "自治区", "自治州", "自治县", "地区", "盟", "旗"):
        if key.endswith(suffix) and len(key) - len(suffix) >= 2:
            keys.add(key[: -len(suffix)])
    return keys


class Areas:
    """Finds areas by division code (6, 4 or 2 digits), full name or short name, with or without 市/县/区 and
    spaces ("临 汾"). A name two areas share (城区) is settled by the parent most other rows of the table have."""

    def __init__(self, areas: Iterable[Area]):
        self.by_code: dict[str, Area] = {}
        self.by_name: dict[str, list[Area]] = {}
        for area in areas:
            self.by_code[area.code] = area
            for name in (area.name, area.short_name):
                for key in _area_keys(name) if name else ():
                    bucket = self.by_name.setdefault(key, [])
                    if area not in bucket:
                        bucket.append(area)

    def candidates(self, text: str) -> list[Area]:
        text = normalise_header(text)
        if text.isdigit():
            code = text.ljust(6, "0") if len(text) in (2, 4) else text[:6] if len(text) == 12 else text
            return [self.by_code[code]] if code in self.by_code else []
        for key in sorted(_area_keys(text), key=len, reverse=True):
            if key in self.by_name:
                return self.by_name[key]
        return []

    def settle(self, texts: Sequence[str]) -> tuple[dict[str, Area], dict[str, list[Area]]]:
        """Each text's area, and the texts that stay ambiguous, using the parent the unambiguous ones share."""
        found = {t: self.candidates(t) for t in texts}
        parents = Counter(c[0].parent_id for c in found.values() if len(c) == 1)
        common = parents.most_common(1)[0][0] if parents else None
        settled: dict[str, Area] = {}
        ambiguous: dict[str, list[Area]] = {}
        for text, options in found.items():
            if len(options) == 1:
                settled[text] = options[0]
            elif len(options) > 1:
                local = [a for a in options if a.parent_id == common]
                if len(local) == 1:
                    settled[text] = local[0]
                else:
                    ambiguous[text] = options
        return settled, ambiguous


class Indicators:
    def __init__(self, indicators: Iterable[Indicator]):
        self.all = list(indicators)
        self.by_code = {i.code: i for i in self.all}
        self.by_fold: dict[str, Indicator] = {}
        for indicator in self.all:
            for name in (indicator.code, indicator.name, indicator.name_en):
                if name:
                    self.by_fold.setdefault(parsing.fold(name), indicator)

    def find(self, text: str) -> Indicator | None:
        return self.by_code.get(text.strip()) or self.by_fold.get(parsing.fold(text))

    def propose(self, parts: Sequence[str], period: str = "") -> list[tuple[Indicator, str]]:
        """(indicator, measure) pairs a column header names: "地区生产总值 / 比上年增长" → the GDP level's growth and,
        when there is one, the GDP growth-rate indicator's value. Of namesakes (a yearly and a monthly retail sales),
        the one the table's period fits."""

        def _best(options: list[Indicator]) -> Indicator | None:
            if len(options) > 1 and period:
                options = [i for i in options if _period_for(period, i)]
            return options[0] if len(options) == 1 else None

        growth = any(parsing.is_growth(p) for p in parts)
        names = [p for p in parts if p and not parsing.is_value_word(p) and parsing.unit_in(p) != p.strip()]
        bases = [parsing.strip_measure(p) for p in names if parsing.strip_measure(p)]
        levels = [i for i in self.all if i.kind != "rate"]
        rates = [i for i in self.all if i.kind == "rate"]
        proposals: list[tuple[Indicator, str]] = []
        for base in bases:
            level = _best([i for i in levels if parsing.fold(i.name) == base or i.code == base])
            rate = _best([i for i in rates if parsing.strip_measure(i.name) == base or i.code == base])
            if level is None:
                level = _best(
                    [i for i in levels if base and (base in parsing.fold(i.name) or parsing.fold(i.name) in base)]
                )
            if growth:
                if level is not None:
                    proposals.append((level, GROWTH))
                if rate is not None:
                    proposals.append((rate, VALUE))
            elif level is not None:
                proposals.append((level, VALUE))
            elif rate is not None:
                proposals.append((rate, VALUE))
            if proposals:
                break
        return proposals


# ---- the mapping ------------------------------------------------------------------------------------


@dataclass
class ColumnMap:
    """One column of a wide table and what it holds."""

    column: str  # letter as the user sees it, e.g. "C"
    header: str  # the header text, rows joined with " / "
    targets: list[tuple[str, str]] = field(default_factory=list)  # (indicator code, measure)
    unit: str = ""  # the unit its figures are in, as the header says

    @property
    def index(self) -> int:
        return column_index_from_string(self.column) - 1


@dataclass
class Mapping:
    shape: str  # ImportProfile.Shape
    period: str = ""  # the period text, e.g. "2025年1-10月" or "2025-10"; blank: from a period column
    area_column: str = ""  # wide: the letter of the area column
    header_rows: list[int] = field(default_factory=list)  # wide: 1-based rows of the header
    first_data_row: int = 0  # wide: 1-based
    columns: list[ColumnMap] = field(default_factory=list)  # wide
    long_columns: dict[str, str] = field(default_factory=dict)  # long: key → column letter

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["columns"] = [{**asdict(c), "targets": [list(t) for t in c.targets]} for c in self.columns]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Mapping:
        columns = [
            ColumnMap(c["column"], c.get("header", ""), [tuple(t) for t in c.get("targets", [])], c.get("unit", ""))  # type: ignore[misc]
            for c in data.get("columns", [])
        ]
        return cls(
            shape=data.get("shape", ImportProfile.Shape.WIDE),
            period=data.get("period", ""),
            area_column=data.get("area_column", ""),
            header_rows=list(data.get("header_rows", [])),
            first_data_row=int(data.get("first_data_row", 0)),
            columns=columns,
            long_columns=dict(data.get("long_columns", {})),
        )


@dataclass
class Analysis:
    """What `analyse` found in a file, for the mapping step."""

    grid: Grid
    mapping: Mapping
    title: list[str] = field(default_factory=list)  # title, units row and notes above the header
    sample: list[list[str]] = field(default_factory=list)  # the first data rows, for the user to recognise
    warnings: list[str] = field(default_factory=list)


def analyse(source: str | Path | BinaryIO, filename: str | None = None) -> Analysis:
    """Read the file and propose how to import it."""
    grid = read_grid(source, filename)
    long = _long_columns(grid)
    if long is not None:
        header_row, columns = long
        mapping = Mapping(ImportProfile.Shape.LONG, long_columns=columns, header_rows=[header_row + 1])
        sample = [
            [grid.text(r, c) for c in range(grid.width())]
            for r in range(header_row + 1, min(header_row + 6, len(grid.cells)))
        ]
        return Analysis(grid, mapping, sample=sample)
    return _analyse_wide(grid)


def _long_columns(grid: Grid) -> tuple[int, dict[str, str]] | None:
    """The header row and column of each key when the sheet is long: it names a period, an indicator and a value."""
    for row in range(min(len(grid.cells), 20)):
        found: dict[str, str] = {}
        for column in range(grid.width()):
            text = normalise_header(grid.text(row, column))
            for key, names in LONG_COLUMNS.items():
                if key not in found and text in {normalise_header(n) for n in names}:
                    found[key] = get_column_letter(column + 1)
                    break
        if {"period", "value"} <= found.keys() and ({"indicator", "indicator_name"} & found.keys()):
            return row, found
    return None


def _analyse_wide(grid: Grid) -> Analysis:
    areas = Areas(Area.objects.all())
    indicators = Indicators(Indicator.objects.all())
    area_column, first_data = _find_area_column(grid, areas)
    if area_column is None:
        raise ImportFailed(
            [
                grid.error(
                    None,
                    None,
                    _(
                        "no column of area names or division codes was found; "
                        "expected areas down the side (e.g. 太原, 临汾市, 141000)"
                    ),
                )
            ]
        )
    while first_data > 0 and any(w in grid.text(first_data - 1, area_column) for w in TOTAL_WORDS):
        first_data -= 1  # a 全省 row above the first area belongs to the data
    texts = _fill_merged(grid, first_data)
    above = [r for r in range(first_data) if any(texts[r])]
    title_rows = [r for r in above if len({t for t in texts[r] if t}) == 1 and r < (above[-1] if above else 0)]
    header_rows = [r for r in above if r not in title_rows][-3:]
    title = [next(t for t in texts[r] if t) for r in title_rows]
    default_units = [u for line in title for u in parsing.units_row(line)]
    level_unit = next((u for u in default_units if u != "%"), "")
    period = next((line for line in title if parsing.period_text(line)), "")
    columns = []
    for column in range(grid.width()):
        if column == area_column:
            continue
        parts = list(dict.fromkeys(texts[r][column] for r in header_rows if texts[r][column]))
        if not parts and not any(grid.text(r, column) for r in range(first_data, min(first_data + 5, len(grid.cells)))):
            continue
        unit = next((parsing.unit_in(p) for p in reversed(parts) if parsing.unit_in(p)), "")  # the closest
        growth = any(parsing.is_growth(p) for p in parts)
        proposals = indicators.propose(parts, period)
        targets = [(i.code, m) for i, m in proposals]
        unit = unit or ("%" if growth else level_unit)
        columns.append(ColumnMap(get_column_letter(column + 1), " / ".join(parts), targets, unit))
    mapping = Mapping(
        ImportProfile.Shape.WIDE,
        period=period,
        area_column=get_column_letter(area_column + 1),
        header_rows=[r + 1 for r in header_rows],
        first_data_row=first_data + 1,
        columns=columns,
    )
    sample = [
        [grid.text(r, c) for c in range(grid.width())] for r in range(first_data, min(first_data + 5, len(grid.cells)))
    ]
    analysis = Analysis(grid, mapping, title=title, sample=sample)
    if not period:
        analysis.warnings.append(_("The title names no period; enter the period the table is for."))
    return analysis


def _find_area_column(grid: Grid, areas: Areas) -> tuple[int | None, int]:
    """The column with the most area names in it, and the first row holding one."""
    best: tuple[int, int | None, int] = (0, None, 0)
    for column in range(min(grid.width(), 6)):
        hits = [r for r in range(min(len(grid.cells), 400)) if areas.candidates(grid.text(r, column))]
        if len(hits) > best[0]:
            best = (len(hits), column, hits[0])
    return best[1], best[2]


# ---- the plan ---------------------------------------------------------------------------------------


@dataclass
class Planned:
    """Values ready to record, and the preview of what recording them does."""

    file: str
    values: list[services.Value]
    added: int = 0
    revised: int = 0
    unchanged: int = 0
    revisions: list[services.Revision] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # rows left out on purpose (a total row without its area)


def plan(actor: Any, grid: Grid, mapping: Mapping, period: str = "") -> Planned:
    """The values the file holds under the mapping, checked; ImportFailed naming every problem."""
    policy.require(actor, "import", Observation)
    extract = _extract_long if mapping.shape == ImportProfile.Shape.LONG else _extract_wide
    values, errors, skipped = extract(grid, mapping, period or mapping.period)
    if errors:
        raise ImportFailed(errors)
    if not values:
        raise ImportFailed([grid.error(None, None, _("no figures were found under this mapping"))])
    return planned_from(actor, grid, values, skipped)


def planned_from(actor: Any, grid: Grid, values: list[services.Value], skipped: list[str] | None = None) -> Planned:
    """The preview of recording `values`."""
    policy.require(actor, "import", Observation)
    preview = services.compare_observations(values)
    return Planned(
        grid.file,
        values,
        preview.added,
        preview.revised,
        preview.unchanged,
        preview.revisions,
        sorted({v.period for v in values}),
        sorted({v.indicator.code for v in values}),
        skipped or [],
    )


def apply(actor: Any, planned: Planned, *, vintage: str = Vintage.PRELIMINARY, source: str = "") -> services.Recorded:
    """Record every planned value (all or nothing, one audit event)."""
    return services.record_observations(
        actor, planned.values, source=source or planned.file, batch=uuid.uuid4().hex[:12], vintage=vintage
    )


def _period_for(text: str, indicator: Indicator) -> str | None:
    """The period in the product's notation for this indicator, from a cell or title text."""
    text = str(text).strip()
    try:
        parse_period(text, indicator.frequency)
        return text
    except ValueError:
        pass
    found = parsing.period_text(text)
    return found.as_frequency(indicator.frequency) if found else None


def _period_problem(text: str, indicator: Indicator) -> str:
    return _(
        "%(text)s is no %(frequency)s period of %(indicator)s; expected e.g. 2023, 2025-Q3 or 2025-10 as "
        "the indicator is published (a table of January–October has no quarterly figure)"
    ) % {"text": text or "—", "frequency": indicator.get_frequency_display(), "indicator": indicator.code}


def _extract_wide(grid: Grid, mapping: Mapping, period: str) -> tuple[list[services.Value], list[RowError], list[str]]:
    errors: list[RowError] = []
    skipped: list[str] = []
    indicators = Indicators(Indicator.objects.all())
    area_index = column_index_from_string(mapping.area_column) - 1 if mapping.area_column else 0
    start = max(mapping.first_data_row - 1, 0)
    rows = _data_rows(grid, area_index, start)
    names = [grid.text(r, area_index) for r in rows]
    settled, ambiguous = Areas(Area.objects.all()).settle(names)
    totals = _total_area(settled)
    targets: list[tuple[ColumnMap, Indicator, str, str, float]] = []
    for column in mapping.columns:
        for code, measure in column.targets:
            indicator = indicators.by_code.get(code)
            if indicator is None:
                errors.append(
                    grid.error(
                        None, column.index, _("no indicator has the code %(code)s") % {"code": code}, column.header
                    )
                )
                continue
            resolved = _period_for(period, indicator)
            if resolved is None:
                errors.append(grid.error(None, column.index, _period_problem(period, indicator), column.header))
                continue
            unit = "%" if measure == GROWTH else indicator.unit
            scale = parsing.unit_scale(column.unit, unit)
            if scale is None:
                errors.append(
                    grid.error(
                        None,
                        column.index,
                        _("the column is in %(unit)s, which cannot be converted to %(indicator)s's unit %(target)s")
                        % {"unit": column.unit, "indicator": indicator.code, "target": unit},
                        column.header,
                    )
                )
                continue
            targets.append((column, indicator, measure, resolved, scale))
    if not targets and not errors:
        errors.append(grid.error(None, None, _("no column is mapped to an indicator")))
    figures: dict[tuple[int, int, str], dict[str, float | None]] = {}
    keyed: dict[tuple[int, int, str], tuple[Indicator, Area]] = {}
    twice: set[int] = set()
    for row, name in zip(rows, names, strict=True):
        area = settled.get(name)
        if area is None:
            if name in ambiguous:
                choices = ", ".join(f"{a.name} ({a.code})" for a in ambiguous[name])
                errors.append(
                    grid.error(
                        row,
                        area_index,
                        _("%(name)s could be %(choices)s; write the division code")
                        % {"name": name, "choices": choices},
                    )
                )
                continue
            if any(word in name for word in TOTAL_WORDS):
                if totals is None:
                    skipped.append(
                        _("row %(row)s (%(name)s): a total without a known area, left out")
                        % {"row": row + 1, "name": name}
                    )
                    continue
                area = totals
            else:
                errors.append(
                    grid.error(
                        row,
                        area_index,
                        _(
                            "unknown area %(name)s; expected a division code or the name of an area "
                            "(load them with `bihuan import divisions`)"
                        )
                        % {"name": name},
                    )
                )
                continue
        for column, indicator, measure, resolved, scale in targets:
            if (row, column.index) in grid.no_value:
                errors.append(
                    grid.error(
                        row,
                        column.index,
                        _(
                            "the cell holds a formula without a calculated value; "
                            "open and save the file in Excel, or type the value"
                        ),
                        column.header,
                    )
                )
                continue
            raw = grid.cells[row][column.index] if column.index < len(grid.cells[row]) else None
            try:
                number = parsing.parse_number(raw)
            except parsing.NumberError:
                errors.append(
                    grid.error(
                        row,
                        column.index,
                        _("%(text)s is not a number; expected a figure such as 1,234.5, or — for none")
                        % {"text": str(raw)[:40]},
                        column.header,
                    )
                )
                continue
            key = (indicator.pk, area.pk, resolved)
            if key in keyed and measure in figures[key]:
                if row not in twice:
                    twice.add(row)
                    message = _("%(area)s appears twice in the table") % {"area": area.name}
                    errors.append(grid.error(row, area_index, message))
                continue
            keyed[key] = (indicator, area)
            figures.setdefault(key, {})[measure] = number * scale if number is not None else None
    values = [
        services.Value(indicator, area, key[2], found.get(VALUE), found.get(GROWTH))
        for key, (indicator, area) in keyed.items()
        if (found := figures[key]).get(VALUE) is not None or found.get(GROWTH) is not None
    ]
    return values, errors, skipped


def _data_rows(grid: Grid, area_index: int, start: int) -> list[int]:
    """Rows from the first area down to the footnotes, blank rows left out."""
    rows = []
    for row in range(start, len(grid.cells)):
        texts = [grid.text(row, c) for c in range(len(grid.cells[row]))]
        filled = [t for t in texts if t]
        if not filled:
            continue
        if normalise_header(filled[0]).startswith(FOOTNOTE_STARTS) or (
            len(filled) == 1 and not grid.text(row, area_index)
        ):
            break
        rows.append(row)
    return rows


def _total_area(settled: dict[str, Area]) -> Area | None:
    """The area a 全省/全市 row stands for: the parent all the table's areas share."""
    parents = {a.parent_id for a in settled.values()}
    if len(parents) != 1 or None in parents:
        return None
    return Area.objects.filter(pk=parents.pop()).first()


def _extract_long(grid: Grid, mapping: Mapping, period: str) -> tuple[list[services.Value], list[RowError], list[str]]:
    return _long_values(grid.file, grid.sheet, _rows_of(grid, mapping), mapping.long_columns, period)


def _rows_of(grid: Grid, mapping: Mapping) -> Iterator[tuple[int, list[Any]]]:
    start = mapping.header_rows[0] if mapping.header_rows else 1
    for index in range(start, len(grid.cells)):
        yield index, grid.cells[index]


def _long_values(
    file: str, sheet: str | None, rows: Iterable[tuple[int, list[Any]]], columns: dict[str, str], period: str
) -> tuple[list[services.Value], list[RowError], list[str]]:
    """Values of a long table; `rows` are (0-based row index, cells). Streams, so a CSV of a million rows stays lean."""
    positions = {key: column_index_from_string(letter) - 1 for key, letter in columns.items()}
    headers = {key: f"{letter} ({LONG_COLUMNS[key][0]})" for key, letter in columns.items()}
    all_areas = list(Area.objects.all())
    areas = Areas(all_areas)
    indicators = Indicators(Indicator.objects.all())
    errors: list[RowError] = []
    area_cache: dict[str, Area | None] = {}
    indicator_cache: dict[str, Indicator | None] = {}
    period_cache: dict[tuple[str, int], str | None] = {}
    scale_cache: dict[tuple[str, int], float | None] = {}
    seen: set[tuple[int, int, str]] = set()
    values: list[services.Value] = []

    def error(row: int, key: str | None, message: str) -> None:
        if len(errors) < 200:  # a file wrong in every row says so 200 times, not a million
            errors.append(RowError(file, sheet, row + 1, headers.get(key) if key else None, message))

    def cell(cells: list[Any], key: str) -> Any:
        position = positions.get(key)
        return cells[position] if position is not None and position < len(cells) else None

    def text(cells: list[Any], key: str) -> str:
        value = cell(cells, key)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return "" if value is None else str(value).strip()

    for row, cells in rows:
        if not any(c not in (None, "") for c in cells):
            continue
        first = next(str(c).strip() for c in cells if c not in (None, ""))
        if first[:1] in FOOTNOTE_FIRST and normalise_header(first).startswith(FOOTNOTE_STARTS[:6]):
            continue
        area_text = text(cells, "code") or text(cells, "area")
        if area_text not in area_cache:
            found = areas.candidates(area_text)
            if len(found) > 1 and text(cells, "code"):
                found = areas.candidates(text(cells, "code"))
            area_cache[area_text] = found[0] if len(found) == 1 else None
        area = area_cache[area_text]
        if area is None:
            error(
                row,
                "code" if text(cells, "code") else "area",
                _("unknown area %(name)s; expected a division code or an area's name") % {"name": area_text or "—"},
            )
            continue
        indicator_text = text(cells, "indicator") or text(cells, "indicator_name")
        if indicator_text not in indicator_cache:
            indicator_cache[indicator_text] = indicators.find(indicator_text)
        indicator = indicator_cache[indicator_text]
        if indicator is None:
            error(
                row,
                "indicator" if text(cells, "indicator") else "indicator_name",
                _("unknown indicator %(name)s; expected an indicator's code or name") % {"name": indicator_text or "—"},
            )
            continue
        raw_period = text(cells, "period") or period
        period_key = (raw_period, indicator.id)
        if period_key not in period_cache:
            period_cache[period_key] = _period_for(raw_period, indicator)
        resolved = period_cache[period_key]
        if resolved is None:
            error(row, "period", _period_problem(raw_period, indicator))
            continue
        unit = text(cells, "unit")
        scale_key = (unit, indicator.id)
        if scale_key not in scale_cache:
            scale_cache[scale_key] = parsing.unit_scale(unit, indicator.unit) if indicator.kind != "rate" else 1.0
        scale = scale_cache[scale_key]
        if scale is None:
            error(
                row,
                "unit",
                _("%(unit)s cannot be converted to %(indicator)s's unit %(target)s")
                % {"unit": unit, "indicator": indicator.code, "target": indicator.unit},
            )
            continue
        figures = []
        for measure in ("value", "growth"):
            try:
                figures.append(parsing.parse_number(cell(cells, measure)))
            except parsing.NumberError as problem:
                message = _("%(text)s is not a number; expected a figure such as 1,234.5, or — for none")
                error(row, measure, message % {"text": str(problem)[:40]})
        if len(figures) < 2:
            continue
        value, growth = figures
        key = (indicator.id, area.id, resolved)
        if key in seen:
            error(
                row,
                None,
                _("%(indicator)s of %(area)s for %(period)s appears twice")
                % {"indicator": indicator.code, "area": area.name, "period": resolved},
            )
            continue
        seen.add(key)
        if value is None and growth is None:
            continue
        values.append(services.Value(indicator, area, resolved, value * scale if value is not None else None, growth))
    return values, errors, []


def read_long_csv(
    path: Path, mapping: Mapping | None = None, period: str = ""
) -> tuple[Grid, Mapping, list[services.Value]]:
    """A long CSV read as a stream (the command line's way for very large files): its mapping and values."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if len(head) == 1 << 16:
        head = head.rsplit(b"\n", 1)[0]  # whole lines only, so no character is cut in two
    grid = read_grid(io.BytesIO(head), path.name)
    found = _long_columns(grid)
    if mapping is None:
        if found is None:
            raise ImportFailed(
                [grid.error(None, None, _("the file is not a long table (period, indicator and value columns)"))]
            )
        mapping = Mapping(ImportProfile.Shape.LONG, long_columns=found[1], header_rows=[found[0] + 1])
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError:
        encoding = "gb18030"
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle)
        skip = mapping.header_rows[0] if mapping.header_rows else 1
        rows = ((index, cells) for index, cells in enumerate(reader) if index >= skip)
        values, errors, _skipped = _long_values(path.name, None, rows, mapping.long_columns, period)
    if errors:
        raise ImportFailed(errors)
    return grid, mapping, values


# ---- profiles ---------------------------------------------------------------------------------------


def save_profile(actor: Any, name: str, mapping: Mapping, profile: ImportProfile | None = None) -> ImportProfile:
    """Remember a mapping under a name (the period is not remembered: next month's table has its own)."""
    data = mapping.as_json()
    data["period"] = ""
    profile = profile or ImportProfile.objects.filter(name=name).first()
    return services.save_import_profile(actor, {"name": name, "shape": mapping.shape, "mapping": data}, profile)


def mapping_for(analysis: Analysis, profile: ImportProfile) -> Mapping:
    """The profile's mapping fitted to this file: a column is found by its header text first (a table that gained a
    column keeps working), by its letter otherwise; the period comes from this file's title."""
    remembered = Mapping.from_json(profile.mapping)
    if remembered.shape == ImportProfile.Shape.LONG:
        return remembered if analysis.mapping.shape != ImportProfile.Shape.LONG else analysis.mapping
    found = {_header_key(c.header): c for c in analysis.mapping.columns if c.header}
    columns = []
    for column in remembered.columns:
        here = found.get(_header_key(column.header))
        columns.append(ColumnMap(here.column if here else column.column, column.header, column.targets, column.unit))
    return Mapping(
        ImportProfile.Shape.WIDE,
        period=analysis.mapping.period,
        area_column=analysis.mapping.area_column or remembered.area_column,
        header_rows=analysis.mapping.header_rows or remembered.header_rows,
        first_data_row=analysis.mapping.first_data_row or remembered.first_data_row,
        columns=columns,
    )


def _header_key(header: str) -> str:
    """A header without its numbers: "社会消费品零售总额 / 1-10月累计" is next month's "… / 1-11月累计"."""
    return re.sub(r"\d+", "", parsing.fold(header))
