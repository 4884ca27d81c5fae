"""Reading the words and numbers of statistics tables as bureaus print them: numbers as text with thousands
separators or full-width digits, "—" for missing, units such as (万元) to convert, and periods written as
2025年1-10月, 前三季度 or 2023年. Pure functions: no database."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: What tables print where there is no figure: dashes, ellipses, "x" for a figure withheld, "/" for not applicable.
MISSING = {"", "-", "--", "—", "——", "–", "－", "…", "……", "...", "。。。", "/", "x", "×", "n/a", "na", "null", "无"}


class NumberError(ValueError):
    """The text is neither a number nor a mark for a missing one."""


def parse_number(text: object) -> float | None:
    """The number in a cell: 1,234.5 / １２３４.５ / 1 234 / +3.2 / 3.2% / (3.2) for −3.2; None for a missing mark."""
    if text is None:
        return None
    if isinstance(text, bool):
        raise NumberError(str(text))
    if isinstance(text, (int, float)):
        return float(text)
    text = str(text)
    if text and text[-1].isdigit():  # the common case, a plain 1234.5, without the slower folding below
        try:
            value = float(text)
        except ValueError:
            pass
        else:
            if value == value and value not in (float("inf"), float("-inf")):
                return value
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if cleaned.lower() in MISSING:
        return None
    cleaned = re.sub(r"[,\s\u00a0\u3000]", "", cleaned).removesuffix("%")
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    cleaned = cleaned.strip("()").replace("−", "-")
    try:
        value = float(cleaned)
    except ValueError:
        raise NumberError(str(text)) from None
    if value != value or value in (float("inf"), float("-inf")):  # "nan", "inf" are words, not figures
        raise NumberError(str(text))
    return -value if negative else value


# ---- units -----------------------------------------------------------------------------------------

PREFIXES = (("万亿", 1e12), ("千亿", 1e11), ("百亿", 1e10), ("亿", 1e8), ("千万", 1e7), ("百万", 1e6), ("万", 1e4))
UNIT_WORDS = re.compile(r"[（(]\s*([^()（）]{1,12}?)\s*[)）]")
BASE_UNITS = (
    "元",
    "美元",
    "人民币",
    "人",
    "户",
    "吨",
    "千瓦时",
    "平方米",
    "亩",
    "公顷",
    "辆",
    "个",
    "家",
    "件",
    "次",
    "人次",
)


def split_unit(unit: str) -> tuple[float, str]:
    """(multiplier, base): 万元 → (1e4, 元), 亿美元 → (1e8, 美元), % → (1, %)."""
    unit = unicodedata.normalize("NFKC", unit).strip()
    for prefix, factor in PREFIXES:
        if unit.startswith(prefix) and len(unit) > len(prefix):
            return factor, unit[len(prefix) :]
    return 1.0, unit


def unit_scale(from_unit: str, to_unit: str) -> float | None:
    """The factor that turns a figure in `from_unit` into `to_unit` (万元 → 亿元: 0.0001); 1 when either is
    blank or they are equal; None when they measure different things (元 and 人)."""
    from_unit, to_unit = from_unit.strip(), to_unit.strip()
    if not from_unit or not to_unit or from_unit == to_unit:
        return 1.0
    (f_factor, f_base), (t_factor, t_base) = split_unit(from_unit), split_unit(to_unit)
    if f_base != t_base:
        return None
    return f_factor / t_factor


def unit_in(text: str) -> str:
    """A unit written in a header, "地区生产总值（万元）" → 万元, or the header itself when it is only a unit;
    else ""."""
    normal = unicodedata.normalize("NFKC", text)
    for candidate in UNIT_WORDS.findall(normal):
        candidate = candidate.strip()
        if candidate == "%" or split_unit(candidate)[1] in BASE_UNITS:
            return candidate
    bare = normal.strip().removeprefix("单位").strip(":： ")
    if bare == "%" or (bare and split_unit(bare)[1] in BASE_UNITS):
        return bare
    return ""


def units_row(text: str) -> list[str]:
    """The units a table's units row lists, "单位：亿元、%" → ["亿元", "%"]; [] when the text is no units row."""
    normal = unicodedata.normalize("NFKC", text).strip()
    match = re.match(r"^(?:计量)?单位\s*[:：]\s*(.+)$", normal)
    if not match:
        return []
    return [u.strip() for u in re.split(r"[、,，;；/\s]+", match.group(1)) if u.strip()]


# ---- header words ----------------------------------------------------------------------------------

GROWTH_WORDS = ("增长", "增速", "增幅", "同比", "比上年", "比去年", "比上年同期", "±%", "growth", "yoy", "change")
VALUE_WORDS = ("绝对额", "绝对值", "总量", "数值", "累计", "本年累计", "金额", "总额", "本期", "本月", "value", "level")
AREA_WORDS = (
    "地区",
    "地 区",
    "地市",
    "城市",
    "市别",
    "县区",
    "县(市、区)",
    "县市区",
    "单位",
    "名称",
    "area",
    "region",
    "city",
)

#: Abbreviations bureaus use, folded to one spelling before headers and indicator names are compared.
SYNONYMS = (
    ("规模以上", "规上"),
    ("社会消费品零售总额", "社零额"),
    ("社会消费品零售额", "社零额"),
    ("社消零总额", "社零额"),
    ("社零总额", "社零额"),
    ("固定资产投资", "固投"),
    ("gdp", "地区生产总值"),
    ("生产总值", "地区生产总值"),
    ("地区地区生产总值", "地区生产总值"),
    ("一般公共预算收入", "公共预算收入"),
    ("地方公共预算收入", "公共预算收入"),
    ("进出口总额", "进出口"),
    ("外贸进出口", "进出口"),
)


def fold(text: str) -> str:
    """Header text compared loosely: full-width folded, no spaces, units and brackets dropped, synonyms
    folded ("规模以上工业增加值（亿元）" and "规上工业增加值" fold alike)."""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    text = UNIT_WORDS.sub("", text)
    text = re.sub(r"[\s_\-—:：、,，.。*]", "", text)
    for long, short in SYNONYMS:
        text = text.replace(long, short)
    return text


def is_growth(text: str) -> bool:
    folded = fold(text)
    return any(word in folded for word in GROWTH_WORDS) or folded.endswith("%")


def is_value_word(text: str) -> bool:
    return fold(text) in {fold(w) for w in VALUE_WORDS}


def strip_measure(text: str) -> str:
    """The indicator part of a header: "地区生产总值增速" → "地区生产总值"."""
    folded = fold(text)
    for word in sorted(GROWTH_WORDS + VALUE_WORDS, key=len, reverse=True):
        folded = folded.replace(fold(word), "")
    return folded.removesuffix("%")


# ---- periods ---------------------------------------------------------------------------------------

CHINESE_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


@dataclass(frozen=True)
class PeriodText:
    """What a title or cell says about the period: a year, and the month or quarter it reaches (a year-to-date
    table "2025年1-10月" reaches October)."""

    year: int
    month: int | None = None

    def as_frequency(self, frequency: str) -> str | None:
        """The period in the product's notation for an indicator of this frequency, or None when the text does not
        say (a table of January–October has no quarterly figure; a yearly figure needs the whole year)."""
        if frequency == "year":
            return str(self.year) if self.month in (None, 12) else None
        if self.month is None:
            return None
        if frequency == "quarter":
            return f"{self.year}-Q{self.month // 3}" if self.month % 3 == 0 else None
        return f"{self.year}-{self.month:02d}"


def _number(token: str) -> int:
    if token.isdigit():
        return int(token)
    if token == "十":
        return 10
    if token.startswith("十"):
        return 10 + CHINESE_NUMERALS[token[1]]
    if token.endswith("十"):
        return CHINESE_NUMERALS[token[0]] * 10
    return CHINESE_NUMERALS[token[0]]


_NUM = r"(\d{1,2}|十[一二]?|[一二三四五六七八九])"
_PERIOD_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(\d{4})\s*-\s*Q([1-4])$", re.I), "quarter"),
    (re.compile(r"(\d{4})\s*Q([1-4])", re.I), "quarter"),
    (re.compile(r"(\d{4})\s*年?\s*(?:第|前|1\s*[-~～—至到]\s*)?" + _NUM + r"\s*季度"), "quarter"),
    (re.compile(r"(\d{4})\s*年?\s*(?:一|1)\s*[-~～—至到、]\s*" + _NUM + r"\s*季度"), "quarter"),
    (re.compile(r"(\d{4})\s*年?\s*上半年"), "half"),
    (re.compile(r"(\d{4})\s*年?\s*(?:全年|年度|年末)"), "year"),
    (re.compile(r"(\d{4})\s*年\s*(?:1|一)\s*[-~～—至到]\s*" + _NUM + r"\s*月"), "month"),
    (re.compile(r"(\d{4})\s*年\s*" + _NUM + r"\s*月"), "month"),
    (re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})(0[1-9]|1[0-2])$"), "month"),
    (re.compile(r"(\d{4})\s*年"), "year"),
    (re.compile(r"^(\d{4})$"), "year"),
)


def period_text(text: object) -> PeriodText | None:
    """The period a title or a period cell names, or None: 2023, 2023年, 2025-10, 2025年10月, 2025年1-10月,
    202510, 2025.10, 2025-Q3, 2025Q3, 2025年三季度, 2025年前三季度, 2025年1-3季度, 2025年上半年, 2024年全年."""
    if text is None:
        return None
    normal = unicodedata.normalize("NFKC", str(text)).strip()
    if isinstance(text, float) and text.is_integer():
        normal = str(int(text))
    for pattern, kind in _PERIOD_PATTERNS:
        match = pattern.search(normal)
        if not match:
            continue
        year = int(match.group(1))
        if not 1900 <= year <= 2200:
            continue
        if kind == "year":
            return PeriodText(year)
        if kind == "half":
            return PeriodText(year, 6)
        part = _number(match.group(2))
        if kind == "quarter":
            if not 1 <= part <= 4:
                continue
            return PeriodText(year, part * 3)
        if not 1 <= part <= 12:
            continue
        return PeriodText(year, part)
    return None
