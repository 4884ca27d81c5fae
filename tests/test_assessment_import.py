"""Manual scores from a spreadsheet: the sheet to fill in lists the scheme's units, a filled-in sheet is
previewed and applied all or nothing, and every problem names its row, column and what was expected."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bihuan.assessment.models import ManualScore
from bihuan.core.models import AuditEvent
from bihuan.core.roles import Role
from tests.test_assessment_pages import (  # noqa: F401 (fixtures)
    ROLES,
    SEES_OPEN_SCHEME,
    as_user,
    english,
    expected,
    scheme,
)


def csv_file(text: str, name: str = "测评结果.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


def scores() -> dict[str, tuple[Decimal, str]]:
    return {s.unit.code: (s.points, s.comment) for s in ManualScore.objects.select_related("unit")}


def urls(scheme):  # noqa: F811
    args = [scheme.pk, scheme.manual_item.pk]
    return reverse("assessment-scores-import", args=args), reverse("assessment-scores-sheet", args=args)


def test_preview_then_apply_by_code_or_name(client, people, scheme, english):  # noqa: F811
    client.force_login(people[Role.ASSESSOR])
    url, _sheet = urls(scheme)
    before, events = scores(), AuditEvent.objects.count()
    upload = csv_file(
        "单位代码,单位,得分,评分说明\n"
        "FGW,,85.5,第三方满意度调查\n"  # changed
        ",尧都区,95,群众满意度测评\n"  # by name, as it is: unchanged
        "141021,,,\n"  # left blank: keeps its score
    )
    preview = client.post(url, {"file": upload})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "0 to create, 1 to change, 1 unchanged." in page and "85.50" in page
    assert scores() == before and AuditEvent.objects.count() == events  # a preview writes nothing
    applied = client.post(url, {"token": preview.context["token"], "apply": "1"})
    assert applied.status_code == 302 and applied["Location"].endswith("/scores/")
    after = scores()
    assert after["FGW"] == (Decimal("85.50"), "第三方满意度调查")
    assert after["141002"] == before["141002"] and after["141021"] == before["141021"]
    assert AuditEvent.objects.filter(action="manualscore.imported").count() == 1


def test_every_problem_named_and_nothing_written(client, people, scheme, english):  # noqa: F811
    client.force_login(people[Role.ASSESSOR])
    url, _sheet = urls(scheme)
    before, events = scores(), AuditEvent.objects.count()
    upload = csv_file(
        "单位代码,单位,得分,评分说明\n"
        "FGW,,105,复核\n"  # row 2: out of range
        "999999,,80,复核\n"  # row 3: no such code
        "141002,曲沃县,80,复核\n"  # row 4: a code and a name of two units
        ",市发改委,80,复核\n"  # row 5: FGW again (by its short name)... but row 2 failed; still listed twice
        "141021,,75,\n"  # row 6: points without a comment
    )
    response = client.post(url, {"file": upload})
    assert response.status_code == 400
    errors = response.context["errors"]
    assert "测评结果.csv, row 2, column C (得分): expected points from 0 to 100, got “105”" in errors
    assert "测评结果.csv, row 3, column A (单位代码): no unit of this scheme has the code “999999”" in errors
    assert any(e.startswith("测评结果.csv, row 4, column B (单位): “曲沃县” is not the unit") for e in errors)
    assert any(
        e.startswith("测评结果.csv, row 5, column B (单位): 市发展和改革委员会 is already in row 2") for e in errors
    )
    assert any(e.startswith("测评结果.csv, row 6, column D (评分说明): Say what the points are for") for e in errors)
    assert scores() == before and AuditEvent.objects.count() == events


def test_a_file_without_a_unit_column_or_not_a_table(client, people, scheme, english):  # noqa: F811
    client.force_login(people[Role.ASSESSOR])
    url, _sheet = urls(scheme)
    response = client.post(url, {"file": csv_file("得分,评分说明\n80,复核\n")})
    assert response.status_code == 400 and "a column 单位代码 (unit code) or 单位 (unit) is needed" in str(
        response.context["errors"]
    )
    response = client.post(url, {"file": SimpleUploadedFile("scores.xlsx", b"PK\x03\x04 broken")})
    assert response.status_code == 400 and "could not be read as XLSX" in str(response.context["errors"])


def test_the_sheet_to_fill_in_round_trips_unchanged(client, people, scheme, english):  # noqa: F811
    client.force_login(people[Role.ASSESSOR])
    url, sheet_url = urls(scheme)
    content = client.get(sheet_url).content
    book = openpyxl.load_workbook(io.BytesIO(content))
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert rows[0] == ["Unit code", "Unit", "Points", "Comment"]
    assert {(r[0], r[2], r[3]) for r in rows[1:]} == {
        ("FGW", 80, "群众满意度测评"),
        ("141002", 95, "群众满意度测评"),
        ("141021", 70, "群众满意度测评"),
    }
    preview = client.post(url, {"file": SimpleUploadedFile("scores.xlsx", content)})
    assert "0 to create, 0 to change, 3 unchanged." in preview.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_matrix_import_scores(client, people, scheme, role):  # noqa: F811
    """The assessment office and administrators import scores; nobody else even gets the page or the sheet."""
    url, sheet_url = urls(scheme)
    before = scores()
    c = as_user(client, people, role)
    allowed = {Role.ADMIN, Role.ASSESSOR}
    assert c.get(url).status_code == expected(role, allowed, SEES_OPEN_SCHEME, done=200)
    assert c.get(sheet_url).status_code == expected(role, allowed, SEES_OPEN_SCHEME, done=200)
    response = c.post(url, {"file": csv_file("单位代码,得分,评分说明\nFGW,60,复核\n")})
    assert response.status_code == expected(role, allowed, SEES_OPEN_SCHEME, done=200)
    assert scores() == before  # a preview at most
