"""What a bulletin is made of once put into words, in the language active when it is presented: sections of
paragraphs, second-level headings and tables, a table possibly with a chart. The three renderers (web page,
workbook, Word document) lay out these few kinds of block and nothing else, so a new section type needs no
change to any of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Column kinds: how a value is written (the web page and the document as text, the workbook as a number)
TEXT, INT, NUMBER, PERCENT, DAYS, CHANGE, DATE = "text", "int", "number", "percent", "days", "change", "date"


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = TEXT
    decimals: int = 1
    width: int = 12  # in the workbook, in characters
    group: bool = False  # a grouping column: the web page and the document show each value once, at its first row


@dataclass(frozen=True)
class Chart:
    """A chart of some of a table's columns, one bar (or slice) per row: an ECharts chart on the web page, a
    native chart in the workbook. The document shows the table only."""

    kind: str  # "bar" (horizontal), "column" (vertical) or "pie"
    title: str
    category: int  # the column whose values name the bars
    values: tuple[int, ...]  # the columns drawn, one series each
    colours: tuple[str, ...] = ()  # one per series, or per slice of a pie
    limit: int | None = None  # draw at most this many rows (the first ones)
    percent: bool = False  # the values are shares (0–1), shown as %


@dataclass
class Table:
    caption: str
    sheet: str  # the workbook sheet's name (≤ 31 characters, unique in the workbook)
    columns: list[Column]
    rows: list[list[Any]]
    chart: Chart | None = None
    note: str = ""
    marked: set[int] = field(default_factory=set)  # rows to set off (our city, our unit)
    empty: str = ""  # said instead of the table when it has no rows
    kind: str = "table"


@dataclass
class Paragraph:
    text: str
    kind: str = "paragraph"


@dataclass
class Heading:
    """A second-level heading inside a section: （一） in the document."""

    text: str
    kind: str = "heading"


Block = Paragraph | Heading | Table


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block]


@dataclass
class Document:
    """The whole bulletin in words: what heads it and its sections."""

    title: str
    number: str
    issuer: str
    period: str  # the period in words
    as_of: str  # the day the figures are as of, in words
    scope: str  # the city, or the unit of a unit's view
    sections: list[Section]
    draft: bool = False
    published: str = ""  # the day it was published, in words

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]


def cell_text(value: Any, column: Column) -> str:
    """A cell as the web page and the document print it; "—" for a figure there is none of."""
    if column.kind == TEXT:
        return "" if value is None else str(value)
    if value is None:
        return "" if column.kind == CHANGE else "—"
    if column.kind == INT:
        return str(value)
    if column.kind == NUMBER:
        return f"{value:,.{column.decimals}f}".replace("-", "−")
    if column.kind == PERCENT:
        return f"{value * 100:.1f}%"
    if column.kind == DAYS:
        return f"{value:.1f}"
    if column.kind == CHANGE:
        return "–" if value == 0 else (f"▲{value}" if value > 0 else f"▼{-value}")
    return str(value)  # DATE: ISO, as the product writes days


def shown_rows(table: Table) -> list[list[str]]:
    """The table's cells as text, a grouping column's repeats left blank so each group reads as one."""
    grouping = [i for i, c in enumerate(table.columns) if c.group]
    result, previous = [], None
    for row in table.rows:
        texts = [cell_text(v, c) for v, c in zip(row, table.columns, strict=True)]
        key = tuple(row[i] for i in grouping)
        if grouping and key == previous:
            for i in grouping:
                texts[i] = ""
        previous = key
        result.append(texts)
    return result


# ---- numbering: 一、 （一） 1. in Chinese; 1. (1) 1) in English ---------------------------------------

DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (enough for a bulletin's headings)."""
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    return (DIGITS[tens] if tens > 1 else "") + "十" + (DIGITS[ones] if ones else "")


def _chinese() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("zh")


def section_label(n: int) -> str:
    return f"{chinese_numeral(n)}、" if _chinese() else f"{n}. "


def heading_label(n: int) -> str:
    return f"（{chinese_numeral(n)}）" if _chinese() else f"({n}) "


def item_label(n: int) -> str:
    return f"{n}. " if _chinese() else f"{n}) "


@dataclass
class Numbered:
    """A block with the number it is printed with (a heading's （一）, a table caption's 1.)."""

    block: Block
    label: str = ""


def numbered(blocks: list[Block]) -> list[Numbered]:
    """Headings numbered （一）（二）… within the section; table captions 1. 2. … within the heading (or the
    section, before its first heading)."""
    result, headings, items = [], 0, 0
    for block in blocks:
        if isinstance(block, Heading):
            headings, items = headings + 1, 0
            result.append(Numbered(block, heading_label(headings)))
        elif isinstance(block, Table) and block.caption:
            items += 1
            result.append(Numbered(block, item_label(items)))
        else:
            result.append(Numbered(block))
    return result
