"""The ledger (台账): what the task list shows, ready to print, with the light as a coloured cell, and
importable back unchanged."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from bihuan.core.models import AuditEvent
from bihuan.core.roles import SYSTEM
from bihuan.supervision.importers import import_tasks
from bihuan.supervision.ledger import FILLS, export_tasks
from bihuan.supervision.models import KeyTask
from bihuan.supervision.services import report_step, save_report, save_task, task_periods, transition
from bihuan.supervision.warnings import RED

TITLE, WARNING, LATEST, PROGRESS = 3, 12, 10, 9  # column indexes (0-based) in the ledger
HEADER_ROW = 2  # 1-based: the title, then the headings


@pytest.fixture
def tasks(people, own_unit, other_unit):
    today = timezone.localdate()

    def make(title, unit, due_in, start_ago=30, partners=(), assign=True):
        task = save_task(
            SYSTEM,
            {
                "year": today.year,
                "title": title,
                "lead_unit": unit,
                "leader": people["leader"],
                "cadence": "quarterly",
                "start": today - timedelta(days=start_ago),
                "due": today + timedelta(days=due_in),
            },
            partners,
        )
        return transition(SYSTEM, task, "assign") if assign else task

    return {
        "late": make("逾期任务", own_unit, -3),
        "soon": make("即将到期", own_unit, 5, partners=[other_unit]),
        "fine": make("正常推进", own_unit, 300, start_ago=1),
        "draft": make("=1+1 草稿", own_unit, 200, assign=False),  # a title like a formula stays text
        "elsewhere": make("其他单位的任务", other_unit, 300, start_ago=1),
    }


def sheet_of(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]


def rows_of(sheet) -> list[tuple]:
    return list(sheet.iter_rows(min_row=3, values_only=True))


def test_ledger_is_ready_to_print(tasks, people, login):
    response = login(people["supervisor"]).get("/tasks/ledger.xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = sheet_of(b"".join(response.streaming_content))
    assert sheet.freeze_panes == "A3"  # the title and the header stay in view
    assert sheet.auto_filter.ref == f"A2:M{sheet.max_row}"
    assert "A1:M1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth or 1) == 1 and sheet.page_setup.fitToHeight == 0  # 1 is the default
    assert sheet.print_title_rows == "$2:$2"
    assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
    assert sheet.cell(3, 4).alignment.wrap_text
    header = [c.value for c in sheet[2]]
    assert header[1:4] == ["年度", "编号", "任务名称"] and header[WARNING] == "预警"
    by_title = {row[TITLE]: row for row in rows_of(sheet)}
    assert set(by_title) == {t.title for t in tasks.values()}
    assert by_title["逾期任务"][WARNING].startswith("红灯") and by_title["即将到期"][5] == "尧都区"
    assert by_title["=1+1 草稿"][WARNING] == "—"
    row = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, TITLE + 1).value == "逾期任务")
    assert sheet.cell(row, WARNING + 1).fill.fgColor.rgb == "FF" + FILLS[RED][1:].upper()
    assert sheet.cell(row, 9).value.date() == tasks["late"].due  # dates are real dates
    formula_like = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, TITLE + 1).value == "=1+1 草稿")
    assert sheet.cell(formula_like, TITLE + 1).data_type == "s"


def test_ledger_shows_what_the_list_shows(tasks, people, login):
    client = login(people["supervisor"])
    for query in ("warning=red", "warning=yellow", "lead_unit=尧都", "q=任务", "status=draft", ""):
        listed = [t.title for t in client.get(f"/tasks/?{query}").context["page"].object_list]
        ledger = [row[TITLE] for row in rows_of(sheet_of(b"".join(client.get(f"/tasks/ledger.xlsx?{query}"))))]
        assert ledger == listed, query


def test_a_clerk_gets_only_the_tasks_they_may_see(tasks, people, login):
    client = login(people["unit_clerk"])
    titles = {row[TITLE] for row in rows_of(sheet_of(b"".join(client.get("/tasks/ledger.xlsx"))))}
    assert "其他单位的任务" not in titles and "逾期任务" in titles
    other = login(people["other_unit_clerk"])
    titles = {row[TITLE] for row in rows_of(sheet_of(b"".join(other.get("/tasks/ledger.xlsx"))))}
    assert titles == {"其他单位的任务", "即将到期"}  # its own task and the one it is a partner of
    # the list offers the ledger (with the list's filters) to everyone, the import to the office only
    clerk_actions = [url for _label, url, _icon in login(people["unit_clerk"]).get("/tasks/?q=x").context["actions"]]
    assert clerk_actions == ["/tasks/ledger.xlsx?q=x"]
    office_actions = [url for _label, url, _icon in login(people["supervisor"]).get("/tasks/").context["actions"]]
    assert {"/tasks/import/", "/tasks/ledger.xlsx"} <= set(office_actions)


def test_latest_report_sent_to_the_office_is_shown_but_not_a_draft(tasks, people, login):
    task = transition(SYSTEM, tasks["fine"], "acknowledge")
    first, second = (p.key for p in task_periods(task)[:2])
    report = save_report(people["unit_clerk"], task, first, {"progress": 30, "done": "完成选址"})
    report_step(people["unit_head"], report, "submit")
    save_report(people["unit_clerk"], task, second, {"progress": 60, "done": "草稿不外传"})
    rows = rows_of(sheet_of(b"".join(login(people["supervisor"]).get("/tasks/ledger.xlsx"))))
    row = next(r for r in rows if r[TITLE] == "正常推进")
    assert row[PROGRESS] == 30 and row[LATEST] == f"{first}: 完成选址"


def test_the_ledger_makes_no_query_per_row(tasks, people, login, own_unit):
    client = login(people["supervisor"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            b"".join(client.get("/tasks/ledger.xlsx").streaming_content)
        return len(captured)

    few = queries()
    for n in range(30):
        save_task(SYSTEM, {"year": 2030, "title": f"批量{n}", "lead_unit": own_unit, "due": timezone.localdate()})
    assert queries() == few


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_ledger_imports_back_unchanged(tasks, people, login, language):
    client = login(people["supervisor"])
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    content = b"".join(client.get("/tasks/ledger.xlsx").streaming_content)
    events = AuditEvent.objects.count()
    with translation.override("en"):
        result = import_tasks(SYSTEM, io.BytesIO(content), filename="ledger.xlsx")
    assert result.counts == {"created": 0, "updated": 0, "unchanged": 5}, result.changes
    assert AuditEvent.objects.count() == events + 1  # only the import's own summary
    ignored = {"zh-hans": {"状态", "预警", "进度（%）"}, "en": {"No.", "Status", "Warning", "Progress %"}}[language]
    assert ignored <= set(result.ignored_columns)


def test_cli_export(tasks, people, own_unit, other_unit, tmp_path, capsys):
    from bihuan.cli import build_parser
    from bihuan.cli import main as cli_main

    target = tmp_path / "ledger.xlsx"
    with pytest.raises(SystemExit) as done:
        cli_main(["export", "tasks", str(target), "--unit", other_unit.code, "--year", str(timezone.localdate().year)])
    assert done.value.code == 0 and "tasks: 2 written" in capsys.readouterr().out
    assert {row[TITLE] for row in rows_of(sheet_of(target.read_bytes()))} == {"其他单位的任务", "即将到期"}
    with pytest.raises(SystemExit) as everything:
        cli_main(["export", "tasks", str(target)])
    assert everything.value.code == 0 and len(rows_of(sheet_of(target.read_bytes()))) == 5
    headings = [cell.value for cell in sheet_of(target.read_bytes())[HEADER_ROW]]
    assert "状态" in headings  # in the deployment's language by default, like the web's export
    with pytest.raises(SystemExit) as english:
        cli_main(["export", "tasks", str(target), "--language", "en"])
    assert english.value.code == 0 and "Status" in [c.value for c in sheet_of(target.read_bytes())[HEADER_ROW]]
    with pytest.raises(SystemExit) as unknown:
        cli_main(["export", "tasks", str(tmp_path / "x.xlsx"), "--unit", "NOPE"])
    assert unknown.value.code == 2 and "NOPE" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()
    with pytest.raises(SystemExit) as no_folder:
        cli_main(["export", "tasks", str(tmp_path / "nowhere" / "x.xlsx")])
    assert no_folder.value.code == 2 and "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit) as no_year:
        cli_main(["export", "tasks", str(target), "--year", "1999"])
    assert no_year.value.code == 0 and rows_of(sheet_of(target.read_bytes())) == []
    with pytest.raises(SystemExit):
        build_parser().parse_args(["export", "--help"])
    help_text = capsys.readouterr().out
    assert "--year" in help_text and "--unit" in help_text and "ledger" in help_text


def test_export_tasks_follows_the_policy(tasks, people, tmp_path):
    target = tmp_path / "mine.xlsx"
    assert export_tasks(people["unit_head"], str(target)) == 4
    assert "其他单位的任务" not in {row[TITLE] for row in rows_of(sheet_of(target.read_bytes()))}
    assert KeyTask.objects.count() == 5
