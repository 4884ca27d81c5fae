"""Periods as the whole product writes them: 2023 (year), 2025-Q3 (quarter), 2025-10 (month)."""

from __future__ import annotations

import re

PATTERNS = {
    "year": re.compile(r"^(\d{4})$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
    "month": re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
}
EXAMPLES = {"year": "2023", "quarter": "2025-Q3", "month": "2025-10"}


def parse_period(text: str, frequency: str) -> tuple[int, int]:
    """(year, part) of a period of the given frequency (part 0 for a year); ValueError saying what was expected."""
    match = PATTERNS[frequency].match(text.strip())
    if match is None:
        raise ValueError(f"expected a {frequency} period such as {EXAMPLES[frequency]}, got {text!r}")
    year = int(match.group(1))
    part = int(match.group(2)) if frequency != "year" else 0
    return year, part


def previous_period(text: str, frequency: str) -> str:
    """The period before: 2023 → 2022, 2025-Q1 → 2024-Q4, 2025-01 → 2024-12."""
    year, part = parse_period(text, frequency)
    if frequency == "year":
        return str(year - 1)
    if frequency == "quarter":
        return f"{year - 1}-Q4" if part == 1 else f"{year}-Q{part - 1}"
    return f"{year - 1}-12" if part == 1 else f"{year}-{part - 1:02d}"
