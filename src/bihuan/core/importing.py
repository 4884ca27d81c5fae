"""Import machinery shared by every importer: read CSV/XLSX tables with Chinese or English headers,
and report each problem with file, sheet, row, column and what was expected."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the header the Chinese template uses, also used in messages
    aliases: tuple[str, ...] = ()
    required: bool = False
    english: str = ""  # the header the English template uses

    def header(self) -> str:
        """The template's header in the current language."""
        from django.utils import translation

        english = (translation.get_language() or "").startswith("en")
        return self.english if english and self.english else self.label

    def matches(self, header: str) -> bool:
        names = {normalise_header(n) for n in (self.key, self.label, self.english, *self.aliases)}
        return normalise_header(header) in names


@dataclass(frozen=True)
class RowError:
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(_("sheet %(name)s") % {"name": self.sheet})
        if self.row:
            parts.append(_("row %(number)s") % {"number": self.row})
        if self.column:
            parts.append(_("column %(name)s") % {"name": self.column})
        return ", ".join(parts) + ": " + self.message


class ImportFailed(Exception):
    """Raised with every problem found; nothing was written."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass
class Row:
    number: int  # the row number as the user sees it in Excel (1-based, header included)
    values: dict[str, str]
    letters: dict[str, str]  # column key -> "C (上级单位代码)"


@dataclass
class Table:
    file: str
    sheet: str | None
    rows: list[Row] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)

    def error(self, row: Row | None, key: str | None, message: str) -> RowError:
        column = row.letters.get(key) if (row is not None and key) else key
        return RowError(self.file, self.sheet, row.number if row else None, column, message)


def normalise_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text or ""))
    return "".join(ch for ch in text.lower() if not ch.isspace() and ch not in "*_-()（）：:")


def normalise_cell(value: Any) -> str:
    """The cell as text, trimmed. Values are kept as typed (full-width brackets in a name stay);
    parsers of numbers, yes/no and choices fold full-width forms themselves."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # gb18030 decodes any byte string, so this is unreachable; kept for clarity
        raise ValueError("unreadable text")
    return list(csv.reader(io.StringIO(text)))


def _read_xlsx(data: bytes) -> tuple[str, list[list[Any]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        limit = settings.BIHUAN["IMPORT_MAX_ROWS"] + 50
        rows = []
        for index, row in enumerate(sheet.iter_rows(values_only=True)):
            if index > limit:
                break
            rows.append(list(row))
        return sheet.title, rows
    finally:
        workbook.close()


def read_table(source: str | Path | BinaryIO, columns: Sequence[Column], filename: str | None = None) -> Table:
    """Read the first sheet of an .xlsx or a .csv (UTF-8 or GB18030) into rows keyed by column key."""
    name = filename or (Path(source).name if isinstance(source, (str, Path)) else getattr(source, "name", "upload"))
    name = Path(str(name)).name
    fail = lambda message: ImportFailed([RowError(name, None, None, None, message)])  # noqa: E731
    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else source.read()
    max_bytes = settings.BIHUAN["IMPORT_MAX_BYTES"]
    if len(data) > max_bytes:
        raise fail(
            _("the file is %(size)s MB; at most %(limit)s MB can be imported")
            % {"size": round(len(data) / 2**20, 1), "limit": round(max_bytes / 2**20, 1)}
        )
    if not data.strip():
        raise fail(_("the file is empty"))
    suffix = Path(name).suffix.lower()
    sheet: str | None = None
    try:
        if suffix in (".xlsx", ".xlsm") or data[:2] == b"PK":
            sheet, raw = _read_xlsx(data)
        elif suffix in (".csv", ".txt", ""):
            raw = _read_csv(data)
        else:
            raise fail(_("expected a .xlsx or .csv file, got %(suffix)s") % {"suffix": suffix})
    except ImportFailed:
        raise
    except Exception as exc:  # a broken workbook or CSV: say so instead of failing with a trace
        raise fail(
            _("the file could not be read as %(kind)s (%(error)s)")
            % {"kind": "XLSX" if suffix != ".csv" else "CSV", "error": type(exc).__name__}
        ) from exc
    return _to_table(name, sheet, raw, columns)


def _to_table(name: str, sheet: str | None, raw: list[list[Any]], columns: Sequence[Column]) -> Table:
    table = Table(name, sheet)
    cells = [[normalise_cell(v) for v in row] for row in raw]
    header_index = next((i for i, row in enumerate(cells) if any(row)), None)
    if header_index is None:
        raise ImportFailed([table.error(None, None, _("the sheet has no header row"))])
    header = cells[header_index]
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for position, text in enumerate(header):
        if not text:
            continue
        column = next((c for c in columns if c.matches(text)), None)
        if column is None:
            table.ignored_headers.append(text)
        elif column.key in positions:
            errors.append(
                RowError(
                    name,
                    sheet,
                    header_index + 1,
                    get_column_letter(position + 1),
                    _("the column %(name)s appears twice") % {"name": column.label},
                )
            )
        else:
            positions[column.key] = position
    for column in columns:
        if column.required and column.key not in positions:
            errors.append(
                RowError(
                    name,
                    sheet,
                    header_index + 1,
                    None,
                    _("the required column %(name)s is missing") % {"name": f"{column.label} ({column.key})"},
                )
            )
    if errors:
        raise ImportFailed(errors)
    letters = {
        key: f"{get_column_letter(pos + 1)} ({next(c.label for c in columns if c.key == key)})"
        for key, pos in positions.items()
    }
    max_rows = settings.BIHUAN["IMPORT_MAX_ROWS"]
    for offset, row in enumerate(cells[header_index + 1 :], start=header_index + 2):
        if not any(row):
            continue
        if len(table.rows) >= max_rows:
            raise ImportFailed(
                [table.error(None, None, _("more than %(limit)s rows; split the file") % {"limit": max_rows})]
            )
        values = {key: (row[pos] if pos < len(row) else "") for key, pos in positions.items()}
        table.rows.append(Row(offset, values, letters))
    if not table.rows:
        raise ImportFailed([table.error(None, None, _("the sheet has a header but no data rows"))])
    return table


TRUE_WORDS = {"1", "true", "yes", "y", "是", "启用", "有效", "√", "✓"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "停用", "禁用", "无效", "×"}


def parse_bool(text: str, default: bool = True) -> bool | None:
    """True/False for yes/no words in Chinese or English; the default when blank; None when unknown."""
    lowered = unicodedata.normalize("NFKC", text).strip().lower()
    if not lowered:
        return default
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    return None


class ChoiceLookup:
    """Finds a choice's value from its value, its label in either language or a common alias.

    Built once per import: translating every label for every row would dominate a large import.
    """

    def __init__(self, choices: Iterable[tuple[str, Any]], aliases: dict[str, tuple[str, ...]] | None = None):
        from django.utils import translation

        self.names: dict[str, str] = {}
        for value, label in choices:
            names = [value, *(aliases or {}).get(value, ())]
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    names.append(str(label))
            for name in names:
                self.names.setdefault(normalise_header(name), value)

    def __call__(self, text: str) -> str | None:
        return self.names.get(normalise_header(text))


def choices_text(choices: Iterable[tuple[str, Any]]) -> str:
    return ", ".join(f"{label} ({value})" for value, label in choices)
