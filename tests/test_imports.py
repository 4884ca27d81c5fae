"""Importing units and users: Chinese or English headers, CSV or XLSX, all or nothing, precise errors."""

from __future__ import annotations

import io

import pytest
import xlsxwriter
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.utils import translation

from bihuan.core.importing import ImportFailed
from bihuan.core.models import AuditEvent
from bihuan.core.roles import SYSTEM, Role
from bihuan.org.importers import import_units, import_users
from bihuan.org.models import Unit

User = get_user_model()


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English here; one test below checks the Chinese wording."""
    with translation.override("en"):
        yield


def xlsx(rows: list[list[object]], sheet: str = "单位") -> io.BytesIO:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    book.close()
    buffer.seek(0)
    return buffer


def csv_bytes(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def test_units_from_xlsx_with_chinese_headers_and_forward_parent(db):
    source = xlsx(
        [
            ["单位代码", "单位名称", "简称", "类型", "上级单位代码", "排序"],
            ["FGW", "市发展和改革委员会", "市发改委", "市直部门", "141000", 10],
            ["141000", "临汾市", "临汾", "市", "", 0],
            ["141002", "尧都区", "尧都", "county", "141000", 100],
        ]
    )
    result = import_units(SYSTEM, source, filename="units.xlsx")
    assert result.counts == {"created": 3, "updated": 0, "unchanged": 0}
    fgw = Unit.objects.get(code="FGW")
    assert fgw.parent.code == "141000" and fgw.kind == Unit.Kind.DEPARTMENT and fgw.sort_order == 10
    assert Unit.objects.get(code="141002").kind == Unit.Kind.COUNTY
    assert AuditEvent.objects.filter(action="units.imported").count() == 1


def test_units_update_reports_changes_and_unchanged(db):
    import_units(SYSTEM, csv_bytes("code,name\nA1,甲单位\nB1,乙单位\n"), filename="u.csv")
    result = import_units(SYSTEM, csv_bytes("code,name,short name\nA1,甲单位,甲\nB1,乙单位,\n"), filename="u.csv")
    assert result.updated == ["A1 甲单位"] and result.unchanged == ["B1 乙单位"]
    assert result.changes["A1 甲单位"] == {"short_name": ["", "甲"]}


def test_gb18030_csv_as_saved_by_excel_on_chinese_windows(db):
    result = import_units(SYSTEM, csv_bytes("代码,名称\nGB1,市统计局\n", "gb18030"), filename="units.csv")
    assert result.created == ["GB1 市统计局"]


def test_bad_rows_name_file_sheet_row_column_and_nothing_is_written(db):
    source = xlsx(
        [
            ["代码", "名称", "类型", "上级代码", "启用"],
            ["OK1", "好单位", "市直部门", "", "是"],
            ["BAD 1", "坏代码", "市直部门", "", "是"],
            ["OK2", "好单位2", "火星", "", "是"],
            ["OK3", "好单位3", "市直部门", "NOPE", "也许"],
            ["OK1", "重复", "", "", ""],
        ]
    )
    with pytest.raises(ImportFailed) as failure:
        import_units(SYSTEM, source, filename="单位.xlsx")
    messages = [str(e) for e in failure.value.errors]
    assert any(m.startswith("单位.xlsx") and "row 3" in m and "column A" in m for m in messages), messages
    assert any("row 4" in m and "column C" in m and "火星" in m for m in messages), messages
    assert any("row 5" in m and "column E" in m and "也许" in m for m in messages), messages
    assert any("row 6" in m and "row 2" in m for m in messages), messages
    assert all("sheet 单位" in m for m in messages)
    assert not Unit.objects.exists()
    assert not AuditEvent.objects.filter(action="units.imported").exists()


def test_unknown_parent_is_reported_after_all_rows_are_known(db):
    with pytest.raises(ImportFailed) as failure:
        import_units(SYSTEM, csv_bytes("代码,名称,上级代码\nA,甲,B\nC,丙,ZZZ\nB,乙,\n"), filename="u.csv")
    (error,) = failure.value.errors
    assert error.row == 3 and "ZZZ" in error.message and error.column.startswith("C")
    assert not Unit.objects.exists()


def test_a_cycle_of_parents_is_refused(db):
    import_units(SYSTEM, csv_bytes("code,name,parent\nA,甲,\nB,乙,A\n"), filename="u.csv")
    with pytest.raises(ImportFailed) as failure:
        import_units(SYSTEM, csv_bytes("code,name,parent\nA,甲,B\n"), filename="u.csv")
    assert "itself" in str(failure.value) or "自身" in str(failure.value)
    assert Unit.objects.get(code="A").parent is None


def test_dry_run_writes_nothing(db):
    result = import_units(SYSTEM, csv_bytes("code,name\nA,甲\n"), filename="u.csv", dry_run=True)
    assert result.created == ["A 甲"] and result.dry_run
    assert not Unit.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"", "empty"),
        (b"name\nX\n", "code"),
        (b"code,name\n", "no data rows"),
        (b"PK\x03\x04 not really a workbook", "could not be read"),
        (b"code,name,code\nA,B,C\n", "twice"),
    ],
)
def test_malformed_files_get_a_clear_message(db, payload, expected):
    name = "broken.xlsx" if payload.startswith(b"PK") else "broken.csv"
    with pytest.raises(ImportFailed) as failure:
        import_units(SYSTEM, io.BytesIO(payload), filename=name)
    assert expected in str(failure.value)
    assert str(failure.value).startswith(name)


@override_settings(BIHUAN={"IMPORT_MAX_BYTES": 100, "IMPORT_MAX_ROWS": 10})
def test_huge_files_and_too_many_rows_are_refused(db):
    with pytest.raises(ImportFailed, match="MB"):
        import_units(SYSTEM, csv_bytes("code,name\n" + "A,B\n" * 200), filename="big.csv")


def test_hostile_strings_are_stored_as_text_and_escaped_on_pages(people, login):
    import_units(
        SYSTEM, csv_bytes('code,name\nXSS,"<script>alert(1)</script>"\nFORMULA,=HYPERLINK("x")\n'), filename="u.csv"
    )
    page = login(people["viewer"]).get("/units/?q=XSS")
    assert b"<script>alert(1)</script>" not in page.content
    assert b"&lt;script&gt;" in page.content
    assert Unit.objects.get(code="FORMULA").name == '=HYPERLINK("x")'


def test_users_import_creates_profiles_and_checks_references(own_unit):
    source = csv_bytes(
        "用户名,姓名,单位代码,角色,职务,手机,邮箱,初始密码\n"
        "zhang,张三,FGW,联络员,科员,13800000000,zhang@example.gov.cn,Xy-7-long-pass\n"
        "li,李四,FGW,unit_head,主任,,,\n"
    )
    result = import_users(SYSTEM, source, filename="users.csv")
    assert sum(result.counts.values()) == 2  # the example rows import cleanly
    zhang = User.objects.get(username="zhang")
    assert zhang.profile.role == Role.UNIT_CLERK and zhang.profile.unit == own_unit
    assert zhang.check_password("Xy-7-long-pass")
    assert not User.objects.get(username="li").has_usable_password()


def test_users_import_errors(own_unit):
    source = csv_bytes(
        "username,name,unit code,role\n"
        "a,甲,NOPE,viewer\n"
        "b,乙,FGW,grand vizier\n"
        "c,丙,,unit_clerk\n"
        "bad name!,丁,FGW,viewer\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_users(SYSTEM, source, filename="users.csv")
    by_row = {e.row: e for e in failure.value.errors}
    assert set(by_row) == {2, 3, 4, 5}
    assert "NOPE" in by_row[2].message and by_row[2].column.startswith("C")
    assert "grand vizier" in by_row[3].message and by_row[3].column.startswith("D")
    assert by_row[4].column.startswith("C")
    assert by_row[5].column.startswith("A")
    assert not User.objects.filter(username__in=["a", "b", "c"]).exists()


def test_import_page_previews_then_applies(people, login):
    client = login(people["admin"])
    upload = csv_bytes("code,name\nP1,预览单位\n")
    upload.name = "units.csv"
    preview = client.post("/units/import/", {"file": upload})
    assert preview.status_code == 200 and "预览单位".encode() in preview.content
    assert not Unit.objects.filter(code="P1").exists()
    token = preview.context["token"]
    applied = client.post("/units/import/", {"token": token, "apply": "1"})
    assert applied.status_code == 302
    assert Unit.objects.filter(code="P1").exists()


def test_import_page_shows_errors_without_writing(people, login):
    client = login(people["admin"])
    upload = csv_bytes("code,name,kind\nP2,单位,火星\n")
    upload.name = "units.csv"
    response = client.post("/units/import/", {"file": upload})
    assert response.status_code == 400
    assert "火星".encode() in response.content and "第 2 行".encode() in response.content  # the page speaks Chinese
    assert not Unit.objects.filter(code="P2").exists()


def test_templates_download_and_import_back(people, login):
    client = login(people["admin"])
    for kind in ("units", "users"):
        response = client.get(f"/import/{kind}/template.xlsx")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    template = io.BytesIO(client.get("/import/units/template.xlsx").content)
    result = import_units(SYSTEM, template, filename="template.xlsx", dry_run=True)
    assert sum(result.counts.values()) == 2  # the example rows import cleanly


def test_messages_read_naturally_in_chinese(db):
    with translation.override("zh-hans"), pytest.raises(ImportFailed) as failure:
        import_units(SYSTEM, xlsx([["代码", "名称", "类型"], ["A", "甲", "火星"]]), filename="单位.xlsx")
    assert str(failure.value).startswith("单位.xlsx, 工作表 单位, 第 2 行, C (类型) 列: ")
    assert "“火星”" in str(failure.value)


def test_missing_columns_leave_existing_values_alone(own_unit):
    import_units(SYSTEM, csv_bytes("代码,名称,类型,启用\nZ1,某局,开发区,否\n"), filename="u.csv")
    result = import_units(SYSTEM, csv_bytes("代码,名称\nZ1,某局（改）\n"), filename="u.csv")
    unit = Unit.objects.get(code="Z1")
    assert unit.active is False and unit.kind == Unit.Kind.ZONE  # not reset to the defaults
    assert unit.name == "某局（改）"  # full-width brackets are kept as typed
    assert result.changes["Z1 某局（改）"] == {"name": ["某局", "某局（改）"]}

    import_users(SYSTEM, csv_bytes("用户名,姓名,单位代码,角色,启用\nwu,吴,FGW,联络员,否\n"), filename="u.csv")
    import_users(SYSTEM, csv_bytes("用户名,姓名,角色\nwu,吴六,联络员\n"), filename="u.csv")
    wu = User.objects.get(username="wu")
    assert wu.first_name == "吴六" and wu.is_active is False and wu.profile.unit == own_unit


def test_reimporting_the_same_parents_reports_no_change(db):
    text = "代码,名称,上级代码\nB,乙,A\nA,甲,\n"  # B's parent comes later in the file
    import_units(SYSTEM, csv_bytes(text), filename="u.csv")
    again = import_units(SYSTEM, csv_bytes(text), filename="u.csv")
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 2}
    moved = import_units(SYSTEM, csv_bytes("代码,名称,上级代码\nB,乙,C\nC,丙,\n"), filename="u.csv")
    assert moved.changes["B 乙"] == {"parent": ["A", "C"]}


def test_exported_lists_import_back_unchanged(people, login):
    client = login(people["admin"])
    for kind, run in (("units", import_units), ("people", import_users)):
        exported = client.get(f"/{kind}/?format=xlsx")
        result = run(SYSTEM, io.BytesIO(exported.content), filename=f"{kind}.xlsx", dry_run=True)
        assert result.counts["created"] == result.counts["updated"] == 0, result.changes
        assert result.counts["unchanged"] > 0
        assert ("上级单位" if kind == "units" else "单位") in result.ignored_columns  # names, not codes


def test_only_the_uploader_can_apply_a_previewed_import(people, login, make_user):
    other_admin = make_user("admin2", Role.ADMIN, None)
    upload = csv_bytes("code,name\nP9,预览\n")
    upload.name = "units.csv"
    token = login(people["admin"]).post("/units/import/", {"file": upload}).context["token"]
    response = login(other_admin).post("/units/import/", {"token": token, "apply": "1"})
    assert response.status_code == 400
    assert not Unit.objects.filter(code="P9").exists()


def test_english_exports_import_back_too(people, login):
    from bihuan.org.services import set_active

    set_active(people["admin"], people["other_viewer"], False)  # a deactivated person keeps their role
    client = login(people["admin"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    for kind, run in (("units", import_units), ("people", import_users)):
        exported = client.get(f"/{kind}/?format=xlsx")
        result = run(SYSTEM, io.BytesIO(exported.content), filename=f"{kind}.xlsx", dry_run=True)
        assert result.counts["created"] == result.counts["updated"] == 0, result.changes
    assert "Unit" in result.ignored_columns


def test_preview_shows_changes_in_words(people, login):
    client = login(people["admin"])
    upload = csv_bytes("代码,名称,启用\nFGW,市发展和改革委员会,否\n")
    upload.name = "units.csv"
    preview = client.post("/units/import/", {"file": upload})
    assert preview.context["change_lines"] == [("FGW 市发展和改革委员会", "启用: 是 → 否")]


def test_the_audit_chain_stays_whole_through_imports_that_succeed_fail_or_only_preview(own_unit):
    from bihuan.core.audit import verify_chain

    rows = "".join(f"U{i},单位{i},{'FGW' if i % 2 else ''}\n" for i in range(40))
    import_units(SYSTEM, csv_bytes("代码,名称,上级代码\n" + rows), filename="u.csv")
    assert verify_chain().ok
    count = AuditEvent.objects.count()
    with pytest.raises(ImportFailed):  # the last row fails after 40 rows were written and audited
        import_units(
            SYSTEM, csv_bytes("代码,名称,上级代码\n" + rows.replace("U1,", "V1,") + "X,坏,NOPE\n"), filename="u.csv"
        )
    import_users(SYSTEM, csv_bytes("用户名,姓名,单位代码,角色\nz1,甲,FGW,联络员\n"), filename="u.csv", dry_run=True)
    assert AuditEvent.objects.count() == count
    report = verify_chain()
    assert report.ok and report.checked == count
    import_users(SYSTEM, csv_bytes("用户名,姓名,单位代码,角色\nz1,甲,FGW,联络员\n"), filename="u.csv")
    assert verify_chain().ok and AuditEvent.objects.count() == count + 2  # the user and the import


def test_english_template_has_english_headers_and_imports(people, login):
    import openpyxl

    client = login(people["admin"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    for kind, run in (("units", import_units), ("users", import_users)):
        content = client.get(f"/import/{kind}/template.xlsx").content
        headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(content)).worksheets[0][1]]
        assert headers[0] in ("Code*", "User name*")
        result = run(SYSTEM, io.BytesIO(content), filename=f"{kind}.xlsx", dry_run=True)
        assert sum(result.counts.values()) >= 1 and not result.ignored_columns
