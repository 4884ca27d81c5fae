"""The bulletin's assessment standing: shown once a scheme of the year is open, provisional until published,
in each format; a unit's own view marks its place."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation
from docx import Document as WordDocument

from bihuan.assessment import services
from bihuan.assessment.models import AdjustmentKind, Method, SchemeState
from bihuan.core.roles import Role
from bihuan.reports import selectors
from bihuan.reports.compile import compile_content, parse_period
from bihuan.reports.models import Format
from bihuan.reports.sections import document

TODAY = date(2025, 11, 4)


@pytest.fixture
def scheme(people, own_unit, other_unit):
    assessor = people[Role.ASSESSOR]
    scheme = services.save_scheme(assessor, {"year": 2025, "name": "2025年度考核"}, [own_unit, other_unit])
    item = services.save_item(assessor, scheme, {"name": "测评", "method": Method.MANUAL, "weight": Decimal(100)})
    for order, (name, minimum) in enumerate([("优秀", 90), ("良好", 80), ("不合格", 0)]):
        services.save_band(assessor, scheme, {"name": name, "minimum": Decimal(minimum), "sort_order": order})
    scheme = services.move(assessor, scheme, SchemeState.OPEN)
    services.save_manual_score(assessor, item, own_unit, Decimal("86.5"), "测评")
    services.save_manual_score(assessor, item, other_unit, Decimal(95), "测评")
    services.add_adjustment(assessor, scheme, other_unit, AdjustmentKind.DEMERIT, 2, "通报批评")
    return scheme


def standing(unit=None) -> dict:
    content = compile_content(parse_period("2025-10"), unit, TODAY)
    return next((s for s in content["sections"] if s["type"] == "assessment"), None)


def test_no_standing_while_the_scheme_is_a_draft(people, own_unit):
    services.save_scheme(people[Role.ASSESSOR], {"year": 2025, "name": "草稿"}, [own_unit])
    assert standing() is None


def test_open_scheme_standing_is_provisional(scheme):
    data = standing()
    (only,) = data["schemes"]
    assert only["state"] == "open" and only["name"] == "2025年度考核"
    assert [(r["code"], r["rank"], r["total"], r["malus"], r["grade"]) for r in only["rows"]] == [
        ("141002", 1, 93.0, 2.0, "优秀"),
        ("FGW", 2, 86.5, 0.0, "良好"),
    ]
    with translation.override("zh-hans"):
        doc = document({"sections": [data], "period": "2025-10", "as_of": TODAY.isoformat()}, {}, title="t")
        provisional = translation.gettext("Provisional: computed on %(day)s from the records so far; not published.")
    (paragraph,) = [b.text for s in doc.sections for b in s.blocks if b.kind == "paragraph"]
    assert paragraph.startswith(provisional.split("%(day)s")[0]) and "优秀 1、良好 1" in paragraph


def test_a_units_view_marks_its_place_and_every_format_carries_the_table(scheme, own_unit):
    data = standing(own_unit)
    assert data["ours"] == "FGW"
    content = compile_content(parse_period("2025-10"), own_unit, TODAY)
    with translation.override("zh-hans"):
        doc = document(content, {}, title="关于2025年10月重点工作推进情况的通报")
        docx = selectors.rendered(doc, Format.DOCX)
        xlsx = selectors.rendered(doc, Format.XLSX)
        html = selectors.rendered(doc, Format.HTML).decode()
    section = next(s for s in doc.sections if s.key == "assessment")
    table = next(b for b in section.blocks if b.kind == "table")
    # before publication a unit's view holds its own row only, as the assessment pages do
    assert [row[:2] for row in table.rows] == [[2, "市发改委"]] and table.marked == {0}
    assert "141002" not in str(data) and "尧都" not in html
    assert "共 2 个单位" in " ".join(b.text for b in section.blocks if b.kind == "paragraph")
    assert "市发改委" in " ".join(b.text for b in section.blocks if b.kind == "paragraph")
    word = WordDocument(io.BytesIO(docx))
    cells = [[c.text for c in row.cells] for t in word.tables for row in t.rows]
    assert ["2", "市发改委", "86.50", "0.00", "0.00", "良好"] in cells
    assert not any("尧都" in cell for row in cells for cell in row)
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    sheet = next(book[name] for name in book.sheetnames if name.startswith("考核") or name.startswith("Assessment"))
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any(row[:3] == [2, "市发改委", 86.5] for row in values if len(row) >= 3)
    assert "2025年度考核" in html


def test_published_standing_is_the_snapshot(scheme, people, own_unit):
    assessor = people[Role.ASSESSOR]
    scheme = services.move(assessor, scheme, SchemeState.PREVIEW, today=TODAY)
    scheme = services.move(assessor, scheme, SchemeState.PUBLISHED, today=TODAY)
    scheme.items.get().manual_scores.update(points=Decimal(10))  # behind the services' back
    data = standing()
    assert data["schemes"][0]["state"] == "published"
    assert [r["total"] for r in data["schemes"][0]["rows"]] == [93.0, 86.5]  # as published


def test_a_units_view_of_a_published_scheme_lists_every_unit(scheme, people, own_unit):
    assessor = people[Role.ASSESSOR]
    scheme = services.move(assessor, scheme, SchemeState.PREVIEW, today=TODAY)
    services.move(assessor, scheme, SchemeState.PUBLISHED, today=TODAY)
    data = standing(own_unit)
    assert [r["code"] for r in data["schemes"][0]["rows"]] == ["141002", "FGW"]
