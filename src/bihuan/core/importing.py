"""Import machinery shared by every importer: read CSV/XLSX tables with Chinese or English headers,
and report each problem with file, sheet, row, column and what was expected."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries


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


@dataclass
class _Sheet:
    title: str | None
    rows: list[list[Any]]
    merged: list[str] = field(default_factory=list)  # "A5:B6"
    no_value: set[tuple[int, int]] = field(default_factory=set)  # 0-based (row, column) of formulas never calculated


def _read_xlsx(data: bytes) -> _Sheet:
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
        merged, no_value = _sheet_oddities(data, getattr(sheet, "_worksheet_path", None))
        return _Sheet(sheet.title, rows, merged, no_value)
    finally:
        workbook.close()


_ODDITY = re.compile(rb"<(?:\w+:)?(?:f|mergeCell)[\s/>]")


def _sheet_oddities(data: bytes, path: str | None) -> tuple[list[str], set[tuple[int, int]]]:
    """Merged ranges and formula cells without a cached value, which a read of values cannot tell
    from empty cells. Most sheets have neither: a quick scan of the raw XML decides whether to parse it."""
    if not path:
        return [], set()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        with archive.open(path) as stream:
            tail, found = b"", False
            while chunk := stream.read(1 << 20):
                if _ODDITY.search(tail + chunk):
                    found = True
                    break
                tail = chunk[-32:]
        if not found:
            return [], set()
        merged: list[str] = []
        no_value: set[tuple[int, int]] = set()
        with archive.open(path) as stream:
            for _event, element in ElementTree.iterparse(stream, events=("end",)):
                tag = element.tag.rpartition("}")[2]
                if tag == "mergeCell" and element.get("ref"):
                    merged.append(element.get("ref"))
                elif tag == "c":
                    children = {child.tag.rpartition("}")[2]: child for child in element}
                    value = children.get("v")
                    empty = value is None or (not value.text and element.get("t") not in ("str", "inlineStr"))
                    if "f" in children and empty and element.get("r"):
                        row, column = coordinate_to_tuple(element.get("r"))
                        no_value.add((row - 1, column - 1))
                    element.clear()
                elif tag == "row":
                    element.clear()
        return merged, no_value


def read_sheet(source: str | Path | BinaryIO, filename: str | None = None) -> tuple[str, _Sheet]:
    """The file's name and its first sheet (.xlsx) or its rows (.csv, UTF-8 or GB18030), checked for size and
    readability; ImportFailed saying what is wrong."""
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
    try:
        if suffix in (".xlsx", ".xlsm") or data[:2] == b"PK":
            return name, _read_xlsx(data)
        if suffix in (".csv", ".txt", ""):
            return name, _Sheet(None, _read_csv(data))
        raise fail(_("expected a .xlsx or .csv file, got %(suffix)s") % {"suffix": suffix})
    except ImportFailed:
        raise
    except Exception as exc:  # a broken workbook or CSV: say so instead of failing with a trace
        raise fail(
            _("the file could not be read as %(kind)s (%(error)s)")
            % {"kind": "XLSX" if suffix != ".csv" else "CSV", "error": type(exc).__name__}
        ) from exc


def read_table(source: str | Path | BinaryIO, columns: Sequence[Column], filename: str | None = None) -> Table:
    """Read the first sheet of an .xlsx or a .csv (UTF-8 or GB18030) into rows keyed by column key."""
    name, sheet = read_sheet(source, filename)
    return _to_table(name, sheet, columns)


#: How far down a title or notes above the header may reach.
HEADER_SEARCH_ROWS = 20


def _find_header(cells: list[list[str]], columns: Sequence[Column]) -> int | None:
    """The first row naming at least one known column, among the first non-empty rows (so a title row
    above the header, as in the ledger, is skipped); else the first non-empty row."""
    filled = [i for i, row in enumerate(cells) if any(row)]
    for index in filled[:HEADER_SEARCH_ROWS]:
        if any(text and any(c.matches(text) for c in columns) for text in cells[index]):
            return index
    return filled[0] if filled else None


def _to_table(name: str, sheet: _Sheet, columns: Sequence[Column]) -> Table:
    table = Table(name, sheet.title)
    cells = [[normalise_cell(v) for v in row] for row in sheet.rows]
    header_index = _find_header(cells, columns)
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
                    sheet.title,
                    header_index + 1,
                    get_column_letter(position + 1),
                    _("the column %(name)s appears twice") % {"name": column.label},
                )
            )
        else:
            positions[column.key] = position
    if not positions:
        examples = ", ".join(c.header() for c in columns if c.required) or ", ".join(c.header() for c in columns[:3])
        raise ImportFailed(
            [
                table.error(
                    None,
                    None,
                    _("no known column header in the first rows; expected headers such as %(names)s (see the template)")
                    % {"names": examples},
                )
            ]
        )
    for column in columns:
        if column.required and column.key not in positions:
            errors.append(
                RowError(
                    name,
                    sheet.title,
                    header_index + 1,
                    None,
                    _("the required column %(name)s is missing") % {"name": f"{column.label} ({column.key})"},
                )
            )
    if not errors:
        errors.extend(_merged_errors(table, sheet.merged, header_index))
    if errors:
        raise ImportFailed(errors)
    letters = {
        key: f"{get_column_letter(pos + 1)} ({next(c.label for c in columns if c.key == key)})"
        for key, pos in positions.items()
    }
    unvalued = {(r, c) for r, c in sheet.no_value if r > header_index and c in positions.values()}
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
        errors.extend(
            table.error(
                table.rows[-1],
                key,
                _(
                    "the cell holds a formula without a calculated value; "
                    "open and save the file in Excel, or type the value"
                ),
            )
            for key, pos in positions.items()
            if (offset - 1, pos) in unvalued
        )
    if errors:
        raise ImportFailed(errors)
    if not table.rows:
        raise ImportFailed([table.error(None, None, _("the sheet has a header but no data rows"))])
    return table


def _merged_errors(table: Table, merged: Sequence[str], header_index: int) -> list[RowError]:
    """Merged cells below the header hide values in all but their first cell: refuse them by name.
    (A merged title above the header is fine.)"""
    errors = []
    for ref in merged:
        try:
            _min_col, min_row, _max_col, max_row = range_boundaries(ref)
        except (TypeError, ValueError):
            continue
        if max_row is not None and max_row > header_index + 1:
            errors.append(
                RowError(
                    table.file,
                    table.sheet,
                    max(min_row or 0, header_index + 2),
                    None,
                    _("the cells %(range)s are merged; unmerge them and fill in every cell") % {"range": ref},
                )
            )
    return errors


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


DATE_PATTERN = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"  # the time of an Excel date cell read as text
)


def parse_date(text: str) -> date | None:
    """2025-03-31, 2025/3/31, 2025.3.31, 2025年3月31日 (full-width digits too), or an Excel date cell;
    None when the text is none of these or not a real day."""
    match = DATE_PATTERN.match(unicodedata.normalize("NFKC", text).strip())
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


LIST_SEPARATORS = re.compile(r"[、,，;；/／|\n\r]+")


def split_list(text: str) -> list[str]:
    """“市发改委、市财政局；市商务局” → three names: the separators people actually type, blanks dropped,
    duplicates once, in the order given."""
    return list(dict.fromkeys(part.strip() for part in LIST_SEPARATORS.split(text) if part.strip()))


# ---- running an import: every row checked, all written in one transaction or none ----------------


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    changes: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def counts(self) -> dict[str, int]:
        return {"created": len(self.created), "updated": len(self.updated), "unchanged": len(self.unchanged)}

    def add(self, label: str, creating: bool, changes: dict[str, list[Any]]) -> None:
        """Count one row as created, changed (with its field changes) or unchanged."""
        if creating:
            self.created.append(label)
        elif changes:
            self.updated.append(label)
            self.changes[label] = changes
        else:
            self.unchanged.append(label)


class RowProblem(Exception):
    """A row's value is not what the column expects; `key` is the column's key."""

    def __init__(self, key: str | None, message: str):
        super().__init__(message)
        self.key, self.message = key, message


class _Rollback(Exception):
    """Raised at the end of a dry run to undo everything it wrote."""


def validation_messages(exc: ValidationError) -> list[tuple[str | None, str]]:
    """(field, message) of each field of a ValidationError; (None, message) when it has no fields."""
    if hasattr(exc, "error_dict"):
        return [(key, " ".join(m for e in errs for m in e.messages)) for key, errs in exc.error_dict.items()]
    return [(None, " ".join(exc.messages))]


def run_import(
    actor: Any,
    kind: str,
    table: Table,
    apply_row: Callable[[Row, ImportResult], None],
    dry_run: bool,
    finish: Callable[[ImportResult], list[RowError]] | None = None,
    field_columns: dict[str, str] | None = None,
) -> ImportResult:
    """Apply every row inside one transaction; any error rolls back all of them, as does a dry run.

    `apply_row` writes one row through the services, raising RowProblem or ValidationError;
    `field_columns` maps a model field to the column its errors belong to when the names differ;
    `finish` runs after all rows (e.g. to link rows to rows further down) and returns more errors.
    One "<kind>.imported" audit event sums the import up."""
    from bihuan.core import audit

    result = ImportResult(dry_run=dry_run, ignored_columns=list(table.ignored_headers))
    errors: list[RowError] = []
    columns = field_columns or {}
    try:
        with transaction.atomic(), audit.batch():
            for row in table.rows:
                try:
                    with transaction.atomic():
                        apply_row(row, result)
                except ValidationError as exc:
                    errors.extend(
                        table.error(row, columns.get(key, key) if key else None, message)
                        for key, message in validation_messages(exc)
                    )
                except RowProblem as problem:
                    errors.append(table.error(row, problem.key, problem.message))
            if finish is not None and not errors:
                errors.extend(finish(result))
            if errors:
                raise ImportFailed(errors)
            audit.record(
                actor,
                f"{kind}.imported",
                None,
                {"file": table.file, **result.counts},
                object_type="import",
                object_id=kind,
                object_repr=table.file,
            )
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return result


def unchanged(before: dict[str, Any], data: dict[str, Any]) -> bool:
    """Would writing `data` leave the snapshot `before` as it is? (Related objects compare by id.)"""
    from bihuan.core import audit

    return all(before.get(k) == (v.pk if isinstance(v, Model) else audit.to_json_value(v)) for k, v in data.items())


def cell_bool(row: Row, key: str) -> bool:
    value = parse_bool(row.values.get(key, ""))
    if value is None:
        raise RowProblem(key, _("expected 是/否 (yes/no), got “%(value)s”") % {"value": row.values[key]})
    return value


def cell_int(row: Row, key: str, default: int = 0) -> int:
    """A whole number (full-width digits too); `default` when blank."""
    text = unicodedata.normalize("NFKC", row.values.get(key, "")).strip()
    if not text:
        return default
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is None or not number.is_integer():
        raise RowProblem(key, _("expected a whole number, got “%(value)s”") % {"value": row.values[key]})
    return int(number)


def cell_date(row: Row, key: str) -> date | None:
    """A date (see parse_date); None when blank."""
    text = row.values.get(key, "")
    if not text:
        return None
    day = parse_date(text)
    if day is None:
        raise RowProblem(
            key, _("expected a date such as 2025-03-31 or 2025年3月31日, got “%(value)s”") % {"value": text}
        )
    return day
