"""Manual scores from a spreadsheet (a survey firm's results, an inspection team's marks): one row per unit with
its points and what they are for, checked all together and written all or nothing through the services. The
sheet to fill in is generated from the scheme, so the units are already listed."""

from __future__ import annotations

import io
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

import xlsxwriter
from django.utils.translation import gettext as _

from bihuan.assessment import services
from bihuan.assessment.models import Item, ManualScore
from bihuan.core.importing import Column, ImportFailed, ImportResult, Row, RowProblem, read_table, run_import
from bihuan.core.policy import policy
from bihuan.org.models import Unit

COLUMNS = [
    Column("code", "单位代码", ("代码", "unit code"), False, "Unit code"),
    Column("unit", "单位", ("单位名称", "名称", "被考核单位", "unit name", "name"), False, "Unit"),
    Column("points", "得分", ("分数", "分值", "评分", "score"), True, "Points"),
    Column("comment", "评分说明", ("说明", "依据", "备注", "comment", "note"), True, "Comment"),
]


def _unit_lookup(units: list[Unit]) -> dict[str, Unit]:
    """A unit by its code, its name or its short name (as people write them in a sheet)."""
    found: dict[str, Unit] = {}
    for unit in units:
        for key in (unit.short_name, unit.name, unit.code):  # the code wins where a name is also a code
            if key:
                found[_key(key)] = unit
    return found


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def _unit_of(row: Row, units: dict[str, Unit]) -> Unit:
    """The row's unit by its code, else its name; a code and a name of two different units is an error."""
    code, name = row.values.get("code", ""), row.values.get("unit", "")
    by_code, by_name = units.get(_key(code)) if code else None, units.get(_key(name)) if name else None
    if code and by_code is None:
        raise RowProblem("code", _("no unit of this scheme has the code “%(value)s”") % {"value": code})
    if name and by_name is None and by_code is None:
        raise RowProblem("unit", _("no unit of this scheme is called “%(value)s”") % {"value": name})
    if by_code is not None and by_name is not None and by_code != by_name:
        raise RowProblem(
            "unit",
            _("“%(name)s” is not the unit with the code %(code)s (%(unit)s)")
            % {"name": name, "code": code, "unit": by_code.name},
        )
    unit = by_code or by_name
    if unit is None:
        raise RowProblem("unit", _("give the unit's code or name"))
    return unit


def _points(row: Row) -> Decimal:
    text = unicodedata.normalize("NFKC", row.values.get("points", "")).strip().removesuffix("分").strip()
    try:
        points = Decimal(text)
    except InvalidOperation:
        points = None
    if points is None or not points.is_finite() or not Decimal(0) <= points <= Decimal(100):
        raise RowProblem(
            "points", _("expected points from 0 to 100, got “%(value)s”") % {"value": row.values["points"]}
        )
    return points.quantize(Decimal("0.01"))


def import_manual_scores(
    actor: Any, source: str | BinaryIO, filename: str | None = None, dry_run: bool = False, *, item: Item
) -> ImportResult:
    """Every row's unit (code or name), points and comment; units not in the sheet keep their scores."""
    policy.require(actor, "score", item.scheme)
    table = read_table(source, COLUMNS, filename)
    if not {"code", "unit"} & set(table.rows[0].values):
        raise ImportFailed([table.error(None, None, _("a column 单位代码 (unit code) or 单位 (unit) is needed"))])
    units = _unit_lookup(list(item.scheme.units.all()))
    stored = {s.unit_id: s for s in ManualScore.objects.filter(item=item)}
    seen: dict[int, int] = {}

    def apply_row(row: Row, result: ImportResult) -> None:
        if not row.values.get("points") and not row.values.get("comment"):
            return  # a unit left blank keeps its score
        unit = _unit_of(row, units)
        if unit.pk in seen:
            raise RowProblem(
                "unit", _("%(unit)s is already in row %(row)s") % {"unit": unit.name, "row": seen[unit.pk]}
            )
        seen[unit.pk] = row.number
        points, comment = _points(row), row.values.get("comment", "").strip()
        before = stored.get(unit.pk)
        if before is not None and before.points == points and before.comment == comment:
            result.add(unit.name, creating=False, changes={})
            return
        services.save_manual_score(actor, item, unit, points, comment)
        changes = {} if before is None else {"points": [str(before.points), str(points)]}
        if before is not None and before.comment != comment:
            changes["comment"] = [before.comment, comment]
        result.add(unit.name, creating=before is None, changes=changes)

    return run_import(actor, "manualscore", table, apply_row, dry_run)


def scores_sheet(item: Item) -> bytes:
    """The sheet to fill in: every unit of the scheme with its code and its points and comment so far."""
    stored = {s.unit_id: s for s in ManualScore.objects.filter(item=item)}
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(_("Scores")[:31])
    bold = book.add_format({"bold": True, "bg_color": "#DDE6F3", "border": 1})
    headers = [c.header() for c in COLUMNS]
    sheet.write_row(0, 0, headers, bold)
    for row, unit in enumerate(item.scheme.units.order_by("sort_order", "code"), start=1):
        score = stored.get(unit.pk)
        sheet.write_string(row, 0, unit.code)
        sheet.write_string(row, 1, unit.name)
        if score is not None:
            sheet.write_number(row, 2, float(score.points))
            sheet.write_string(row, 3, score.comment)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 1, 26)
    sheet.set_column(2, 2, 10)
    sheet.set_column(3, 3, 40)
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
