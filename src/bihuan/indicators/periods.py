"""Periods as the whole product writes them: 2023 (year), 2025-Q3 (quarter), 2025-10 (month)."""

from __future__ import annotations

import re
from functools import lru_cache

PATTERNS = {
    "year": re.compile(r"^(\d{4})$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
    "month": re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
}
EXAMPLES = {"year": "2023", "quarter": "2025-Q3", "month": "2025-10"}


@lru_cache(maxsize=8192)  # an import checks the same few periods a million times
def parse_period(text: str, frequency: str) -> tuple[int, int]:
    """(year, part) of a period of the given frequency (part 0 for a year); ValueError saying what was expected."""
    match = PATTERNS[frequency].match(text.strip())
    if match is None:
        raise ValueError(f"expected a {frequency} period such as {EXAMPLES[frequency]}, got {text!r}")
    year = int(match.group(1))
    part = int(match.group(2)) if frequency != "year" else 0
    return year, part


PARTS = {"year": 1, "quarter": 4, "month": 12}


def frequency_of(text: str) -> str | None:
    """Which kind of period the text is: 2023 a year, 2025-Q3 a quarter, 2025-10 a month; None for neither."""
    return next((name for name, pattern in PATTERNS.items() if pattern.match(text.strip())), None)


# Cached: a check of millions of figures shifts the same few dozen periods over and over.
@lru_cache(maxsize=8192)
def period_index(text: str, frequency: str) -> int:
    """A running number of the period, so periods can be counted and shifted: 2025-01 is one after 2024-12."""
    year, part = parse_period(text, frequency)
    return year * PARTS[frequency] + max(part, 1) - 1


@lru_cache(maxsize=8192)
def period_at(index: int, frequency: str) -> str:
    year, part = divmod(index, PARTS[frequency])
    if frequency == "year":
        return str(year)
    if frequency == "quarter":
        return f"{year}-Q{part + 1}"
    return f"{year}-{part + 1:02d}"


@lru_cache(maxsize=65536)
def shift(text: str, periods: int, frequency: str) -> str:
    """The period `periods` later (earlier when negative): shift("2025-02", -3, "month") == "2024-11"."""
    return period_at(period_index(text, frequency) + periods, frequency)


def previous_period(text: str, frequency: str) -> str:
    """The period before: 2023 → 2022, 2025-Q1 → 2024-Q4, 2025-01 → 2024-12."""
    return shift(text, -1, frequency)


def next_period(text: str, frequency: str) -> str:
    return shift(text, 1, frequency)


def year_ago(text: str, frequency: str) -> str:
    """The same period a year earlier: 2025-Q3 → 2024-Q3."""
    return shift(text, -PARTS[frequency], frequency)


def period_range(first: str, last: str, frequency: str, limit: int | None = None) -> list[str]:
    """Every period from first to last, both included, oldest first (empty when first is after last); with
    `limit`, only the latest `limit` of them."""
    start, end = period_index(first, frequency), period_index(last, frequency)
    if limit is not None:
        start = max(start, end - limit + 1)
    return [period_at(i, frequency) for i in range(start, end + 1)]


def period_end(text: str) -> tuple[int, int]:
    """(year, month) of the last month of a period of any frequency: 2024 → (2024, 12), 2025-Q3 → (2025, 9)."""
    frequency = frequency_of(text)
    if frequency is None:
        raise ValueError(f"not a period: {text!r}")
    year, part = parse_period(text, frequency)
    return year, {"year": 12, "quarter": part * 3, "month": part}[frequency]
