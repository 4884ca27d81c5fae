"""Importing key tasks: the ledger's layout in Chinese or English, create and update by (year, number),
a preview, all or nothing, and clear words for every kind of bad file."""

from __future__ import annotations

import io
import os
from datetime import date

import openpyxl
import pytest
import xlsxwriter
from django.core.exceptions import PermissionDenied
from django.utils import translation

from bihuan.blueprint.services import save_category
from bihuan.core.importing import ImportFailed, parse_date, split_list
from bihuan.core.models import AuditEvent
from bihuan.core.roles import SYSTEM, Role
from bihuan.org.services import save_unit
from bihuan.supervision.importers import import_tasks
from bihuan.supervision.models import KeyTask, Priority, Source, TaskStatus
from bihuan.supervision.services import save_task

HEADER = ["年度", "编号", "任务名称", "牵头单位", "配合单位", "责任领导", "开始日期", "完成时限"]


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English here."""
    with translation.override("en"):
        yield


@pytest.fixture
def city_setup(people, own_unit, other_unit, make_user):
    """Two more units, a leader with a Chinese name and a work category."""
    gxj = save_unit(SYSTEM, {"code": "GXJ", "name": "市工业和信息化局", "short_name": "市工信局"})
    sthj = save_unit(SYSTEM, {"code": "STHJ", "name": "市生态环境局"})
    leader = make_user("wangfsz", Role.LEADER, None, name="王副市长")
    category = save_category(SYSTEM, {"code": "ZT", "name": "主体性"})
    return {**people, "gxj": gxj, "sthj": sthj, "wang": leader, "category": category}


def xlsx(rows: list[list[object]], merge: str | None = None, formula: tuple[int, int] | None = None) -> io.BytesIO:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("任务")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, date):
                sheet.write_datetime(r, c, value, book.add_format({"num_format": "yyyy-mm-dd"}))
            elif value is not None:
                sheet.write(r, c, value)
    if merge:
        sheet.merge_range(merge, "合并")
    if formula:
        sheet.write_formula(*formula, "=1+1")
    book.close()
    buffer.seek(0)
    return buffer


def csv_bytes(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))


def counts() -> tuple[int, int]:
    return KeyTask.objects.count(), AuditEvent.objects.count()


def test_create_from_xlsx_with_chinese_headers_excel_dates_and_aliases(city_setup, own_unit):
    source = xlsx(
        [
            ["任务编号", "重点任务", "责任单位", "协办单位", "分管领导", "开始时间", "截止日期", "来源", "报送周期"],
            [
                "2025-001",
                "推动焦化升级",
                "FGW",
                "市工信局、市生态环境局",
                "王副市长",
                date(2025, 1, 1),
                date(2025, 12, 31),
                "政府工作报告",
                "月",
            ],
            [
                "",
                "建设低空经济示范区",
                "市发展和改革委员会",
                "GXJ；STHJ",
                "wangfsz",
                "2025/3/1",
                "2025年9月30日",
                "市委常委会",
                "季",
            ],
        ]
    )
    result = import_tasks(SYSTEM, source, filename="tasks.xlsx")
    assert result.counts == {"created": 2, "updated": 0, "unchanged": 0}
    first = KeyTask.objects.get(year=2025, number="2025-001")
    assert first.lead_unit == own_unit and first.leader == city_setup["wang"]
    assert sorted(u.code for u in first.partner_units.all()) == ["GXJ", "STHJ"]
    assert first.start == date(2025, 1, 1) and first.due == date(2025, 12, 31) and first.status == TaskStatus.DRAFT
    second = KeyTask.objects.get(title="建设低空经济示范区")
    assert second.number == "2025-002" and second.source == Source.PARTY_MEETING and second.cadence == "quarterly"
    assert second.start == date(2025, 3, 1) and second.due == date(2025, 9, 30)
    assert AuditEvent.objects.filter(action="tasks.imported").count() == 1
    assert AuditEvent.objects.filter(action="keytask.created").count() == 2


def test_english_headers_and_every_column(city_setup):
    source = csv_bytes(
        "Year,Number,Title,Description,Source,Source reference,Category,Lead unit,Partner units,Leader,"
        "Start,Due,Cadence,Report day,Priority,Tags\n"
        "2026,2026-010,Digital economy,Build the data centre,document,临政发〔2026〕1号,主体性,FGW,GXJ,wangfsz,"
        "2026-01-01,2026-06-30,weekly,周三,high,数字\n"
    )
    result = import_tasks(SYSTEM, source, filename="tasks.csv")
    assert result.created == ["2026-010 Digital economy"]
    task = KeyTask.objects.get(number="2026-010")
    assert (task.source, task.cadence, task.report_day, task.priority) == ("document", "weekly", 3, Priority.HIGH)
    assert task.category == city_setup["category"] and task.description == "Build the data centre"
    assert task.source_reference == "临政发〔2026〕1号" and task.tags == "数字"


def test_blank_numbers_skip_numbers_claimed_further_down(city_setup):
    save_task(
        SYSTEM,
        {"year": 2025, "number": "2025-001", "title": "已有", "lead_unit": city_setup["gxj"], "due": date(2025, 12, 1)},
    )
    source = csv_bytes(
        "年度,编号,任务名称,牵头单位,完成时限\n2025,,甲,FGW,2025-12-31\n2025,2025-002,乙,FGW,2025-12-31\n"
    )
    import_tasks(SYSTEM, source, filename="t.csv")
    numbers = dict(KeyTask.objects.filter(year=2025).values_list("title", "number"))
    assert numbers == {"已有": "2025-001", "甲": "2025-003", "乙": "2025-002"}


def test_update_preview_lists_field_changes_in_words_and_dry_run_writes_nothing(city_setup):
    import_tasks(
        SYSTEM,
        csv_bytes(
            "编号,任务名称,牵头单位,配合单位,完成时限\n2025-001,甲,FGW,GXJ,2025-12-31\n2025-002,乙,FGW,,2025-12-31\n"
        ),
        filename="t.csv",
    )
    before = counts()
    changed = csv_bytes(
        "编号,任务名称,牵头单位,配合单位,完成时限\n2025-001,甲,141002,STHJ,2025-11-30\n2025-002,乙,FGW,,2025-12-31\n"
    )
    preview = import_tasks(SYSTEM, changed, filename="t.csv", dry_run=True)
    assert preview.dry_run and preview.unchanged == ["2025-002 乙"] and preview.updated == ["2025-001 甲"]
    assert preview.changes["2025-001 甲"] == {
        "lead_unit": ["市发改委", "尧都区"],
        "partner_units": [["市工信局"], ["市生态环境局"]],
        "due": ["2025-12-31", "2025-11-30"],
    }
    assert counts() == before
    changed.seek(0)
    import_tasks(SYSTEM, changed, filename="t.csv")
    task = KeyTask.objects.get(number="2025-001")
    assert task.lead_unit.code == "141002" and task.due == date(2025, 11, 30)
    assert list(task.partner_units.values_list("code", flat=True)) == ["STHJ"]


def test_missing_columns_leave_values_alone(city_setup):
    import_tasks(
        SYSTEM,
        csv_bytes(
            "编号,任务名称,牵头单位,配合单位,责任领导,开始日期,完成时限,优先级\n2025-001,甲,FGW,GXJ,王副市长,2025-02-01,2025-12-31,高\n"
        ),
        filename="t.csv",
    )
    result = import_tasks(
        SYSTEM, csv_bytes("编号,任务名称,牵头单位,完成时限\n2025-001,甲（改）,FGW,2025-12-31\n"), filename="t.csv"
    )
    task = KeyTask.objects.get(number="2025-001")
    assert result.changes == {"2025-001 甲（改）": {"title": ["甲", "甲（改）"]}}
    assert task.leader == city_setup["wang"] and task.start == date(2025, 2, 1) and task.priority == Priority.HIGH
    assert list(task.partner_units.values_list("code", flat=True)) == ["GXJ"]


def test_preview_page_then_apply(city_setup, login):
    client = login(city_setup["supervisor"])
    assert client.get("/tasks/import/").status_code == 200
    upload = csv_bytes("编号,任务名称,牵头单位,完成时限\n2025-001,预览任务,FGW,2025-12-31\n")
    upload.name = "tasks.csv"
    preview = client.post("/tasks/import/", {"file": upload})
    assert preview.status_code == 200 and "预览任务".encode() in preview.content
    assert not KeyTask.objects.exists()
    applied = client.post("/tasks/import/", {"token": preview.context["token"], "apply": "1"})
    assert applied.status_code == 302 and applied["Location"] == "/tasks/"
    assert KeyTask.objects.filter(title="预览任务").exists()


def test_preview_page_shows_changes_with_names(city_setup, login):
    import_tasks(
        SYSTEM, csv_bytes("编号,任务名称,牵头单位,完成时限,报送频次\n2025-001,甲,FGW,2025-12-31,月\n"), filename="t.csv"
    )
    client = login(city_setup["supervisor"])
    upload = csv_bytes(
        "编号,任务名称,牵头单位,配合单位,完成时限,报送频次,责任领导\n2025-001,甲,GXJ,STHJ,2025-12-31,季,王副市长\n"
    )
    upload.name = "tasks.csv"
    lines = dict(client.post("/tasks/import/", {"file": upload}).context["change_lines"])
    # the page speaks Chinese: units and people by name, choices by their label
    assert lines["2025-001 甲"].split("; ") == [
        "牵头单位: 市发改委 → 市工信局",
        "责任领导: 王副市长",
        "报送频次: 每月 → 每季度",
        "配合单位: — → 市生态环境局",
    ]


def test_a_unit_clerk_may_not_import(city_setup, login):
    with pytest.raises(PermissionDenied):
        import_tasks(
            city_setup["unit_clerk"], csv_bytes("任务名称,牵头单位,完成时限\n甲,FGW,2025-12-31\n"), filename="t.csv"
        )
    assert login(city_setup["unit_clerk"]).get("/tasks/import/").status_code == 403
    assert (
        login(city_setup["unit_head"]).get("/import/tasks/template.xlsx").status_code == 200
    )  # the template is no secret
    assert not KeyTask.objects.exists()


def test_template_downloads_and_imports_back(city_setup, login):
    client = login(city_setup["supervisor"])
    response = client.get("/import/tasks/template.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[1]][:4] == ["年度", "编号", "任务名称*", "具体内容"]
    result = import_tasks(SYSTEM, io.BytesIO(response.content), filename="template.xlsx", dry_run=True)
    assert result.counts["created"] == 1 and not result.ignored_columns


def _refused(source: io.BytesIO, filename: str = "bad.xlsx") -> list[str]:
    """Import `source`; assert it fails and wrote nothing; return the messages."""
    before = counts()
    with pytest.raises(ImportFailed) as failure:
        import_tasks(SYSTEM, source, filename=filename)
    assert counts() == before
    return [str(e) for e in failure.value.errors]


def test_bad_values_name_file_sheet_row_and_column_and_nothing_is_written(city_setup):
    save_task(
        SYSTEM,
        {"year": 2025, "number": "2025-050", "title": "已有", "lead_unit": city_setup["gxj"], "due": date(2025, 12, 1)},
    )
    messages = _refused(
        xlsx(
            [
                [*HEADER, "工作类别", "报送日", "报送频次"],
                [2025, "2025-001", "好的一行", "FGW", "", "", date(2025, 1, 1), date(2025, 12, 31)],
                [2025, "2025-002", "未知单位", "火星局", "", "", "", date(2025, 12, 31)],
                [2025, "2025-003", "未知配合", "FGW", "GXJ、水星局", "", "", date(2025, 12, 31)],
                [2025, "2025-004", "不是领导", "FGW", "", "unit_clerk", "", date(2025, 12, 31)],
                [2025, "2025-005", "无此人", "FGW", "", "张三丰", "", date(2025, 12, 31)],
                [2025, "2025-006", "未知类别", "FGW", "", "", "", date(2025, 12, 31), "火星类"],
                [2025, "2025-001", "重复编号", "FGW", "", "", "", date(2025, 12, 31)],
                [2025, "2025-007", "先截止后开始", "FGW", "", "", date(2025, 6, 1), date(2025, 3, 1)],
                [2025, "2025-008", "日期是数字", "FGW", "", "", "", 45747],
                [2025, "2025-009", "日期是文字", "FGW", "", "", "", "年底前"],
                ["明年", "2025-010", "年度不对", "FGW", "", "", "", date(2025, 12, 31)],
                [2025, "2025-011", "报送日不对", "FGW", "", "", "", date(2025, 12, 31), "", "40"],
                [2025, "2025-012", "频次不对", "FGW", "", "", "", date(2025, 12, 31), "", "", "每天"],
                [2025, "2025-013", "", "FGW", "", "", "", date(2025, 12, 31)],
                [2025, date(2025, 1, 14), "编号被 Excel 改成日期", "FGW", "", "", "", date(2025, 12, 31)],
            ]
        ),
        filename="任务.xlsx",
    )
    by_row = {int(m.split("row ")[1].split(",")[0]): m for m in messages}
    assert all(m.startswith("任务.xlsx, sheet 任务, row ") for m in messages), messages
    assert "column D (牵头单位)" in by_row[3] and "火星局" in by_row[3]
    assert "column E (配合单位)" in by_row[4] and "水星局" in by_row[4]
    assert "column F (责任领导)" in by_row[5] and "role leader" in by_row[5]
    assert "张三丰" in by_row[6]
    assert "column I (工作类别)" in by_row[7] and "火星类" in by_row[7]
    assert "column B (编号)" in by_row[8] and "row 2" in by_row[8]
    assert "column H (完成时限)" in by_row[9] and "before the start" in by_row[9]
    assert "45747" in by_row[10] and "expected a date" in by_row[10]
    assert "年底前" in by_row[11]
    assert "column A (年度)" in by_row[12] and "明年" in by_row[12]
    assert "column J (报送日)" in by_row[13]
    assert "column K (报送频次)" in by_row[14] and "每天" in by_row[14]
    assert "column C (任务名称)" in by_row[15] and "filled in" in by_row[15]
    assert "column B (编号)" in by_row[16] and "into a date" in by_row[16]
    assert 2 not in by_row


def test_merged_cells_below_the_header_are_refused_but_a_merged_title_is_fine(city_setup):
    rows = [
        ["2025 年重点任务清单"],
        HEADER,
        [2025, "2025-001", "甲", "FGW", "", "", "", date(2025, 12, 31)],
        [2025, "2025-002", "乙", "FGW", "", "", "", date(2025, 12, 31)],
    ]
    messages = _refused(xlsx(rows, merge="D3:D4"))
    assert len(messages) == 1 and "D3:D4" in messages[0] and "merged" in messages[0] and "row 3" in messages[0]
    assert import_tasks(SYSTEM, xlsx(rows, merge="A1:H1"), filename="ok.xlsx").counts["created"] == 2


def test_formulas_without_a_value_are_named(city_setup):
    from openpyxl import Workbook

    book = Workbook()  # openpyxl, unlike Excel, saves formulas without a calculated value
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([2025, "2025-001", "甲", "FGW", "", "", "", "=DATE(2025,12,31)"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    (message,) = _refused(buffer)
    assert "row 2" in message and "column H (完成时限)" in message and "formula without a calculated value" in message
    # a formula Excel has calculated imports as its value
    with_value = xlsx([HEADER, [2025, "2025-001", "甲", "FGW", "", "", "", date(2025, 12, 31)]])
    assert import_tasks(SYSTEM, with_value, filename="ok.xlsx").counts["created"] == 1


def _junk(kind: str) -> io.BytesIO:
    """About 10 MB of junk: random bytes, random text lines, or a zip archive that is no workbook."""
    size = 10 * 2**20
    if kind == "bytes":
        return io.BytesIO(os.urandom(size))
    if kind == "text":
        import random

        rng = random.Random(7)
        line = lambda: ",".join("".join(rng.choices("abcxyz0123456789=+\"'", k=12)) for _ in range(8))  # noqa: E731
        return io.BytesIO("\n".join(line() for _ in range(size // 100)).encode())
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", os.urandom(size))
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    ("kind", "suffix"), [("bytes", ".xlsx"), ("bytes", ".csv"), ("text", ".csv"), ("zip", ".xlsx")]
)
def test_ten_megabytes_of_junk_are_refused(city_setup, kind, suffix):
    messages = _refused(_junk(kind), filename=f"junk{suffix}")
    assert len(messages) == 1 and messages[0].startswith(f"junk{suffix}")
    assert "could not be read" in messages[0] or "no known column header" in messages[0], messages


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"", "empty"),
        (b"\xe4\xbb\xbb\xe5\x8a\xa1\xe5\x90\x8d\xe7\xa7\xb0\n\xe7\x94\xb2\n", "牵头单位"),  # 任务名称 only
        ("任务名称,牵头单位,完成时限\n".encode(), "no data rows"),
        (b"a,b,c\n1,2,3\n", "no known column header"),
    ],
)
def test_malformed_files(city_setup, payload, expected):
    messages = _refused(io.BytesIO(payload), filename="bad.csv")
    assert any(expected in m for m in messages), messages


def test_ambiguous_short_names_ask_for_the_code(city_setup):
    save_unit(SYSTEM, {"code": "GXJ2", "name": "某工信局", "short_name": "市工信局"})
    (message,) = _refused(csv_bytes("任务名称,牵头单位,完成时限\n甲,市工信局,2025-12-31\n"), filename="t.csv")
    assert "GXJ" in message and "GXJ2" in message


def test_date_and_list_parsing():
    assert parse_date("2025-03-31") == parse_date("2025/3/31") == parse_date("2025年3月31日") == date(2025, 3, 31)
    assert parse_date("２０２５．３．３１") == parse_date("2025-03-31 00:00:00") == date(2025, 3, 31)
    assert parse_date("2025-02-30") is None and parse_date("45747") is None and parse_date("31/3/2025") is None
    assert split_list("甲、乙,丙，丁;戊；己/庚\n辛 、甲") == ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛"]


def test_cli_import_tasks(city_setup, tmp_path, capsys):
    from bihuan.cli import main as cli_main

    good = tmp_path / "tasks.csv"
    good.write_text("编号,任务名称,牵头单位,完成时限\n2025-001,命令行任务,FGW,2025-12-31\n", encoding="utf-8")
    with pytest.raises(SystemExit) as dry:
        cli_main(["import", "tasks", str(good), "--dry-run"])
    assert dry.value.code == 0 and "tasks: 1 would be created" in capsys.readouterr().out
    assert not KeyTask.objects.exists()
    with pytest.raises(SystemExit) as real:
        cli_main(["import", "tasks", str(good)])
    assert real.value.code == 0 and KeyTask.objects.filter(title="命令行任务").exists()
    bad = tmp_path / "bad.csv"
    bad.write_text("编号,任务名称,牵头单位,完成时限\n2025-002,坏,火星局,2025-12-31\n", encoding="utf-8")
    with pytest.raises(SystemExit) as failed:
        cli_main(["import", "tasks", str(bad)])
    assert failed.value.code == 1 and "bad.csv, row 2, column C" in capsys.readouterr().err
    assert not KeyTask.objects.filter(number="2025-002").exists()
