"""Drafting and publishing bulletins: the services, the files kept on publishing, the inbox and the e-mails
with the Word document and workbook attached, immutability afterwards, the daily tick and `bihuan report`."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from typing import Any

import openpyxl
import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from docx import Document as WordDocument

from bihuan import cli
from bihuan.core import calendar
from bihuan.core.files import stored_file_path
from bihuan.core.models import AuditEvent, Notification
from bihuan.core.roles import Role
from bihuan.core.services import Conflict
from bihuan.reports import services, ticks
from bihuan.reports.models import Bulletin, BulletinFile, State
from bihuan.supervision.models import KeyTask
from tests.test_reports import TODAY, benchmarks, city_tasks  # noqa: F401  (fixtures)

NUMBER = f"〔{date.today().year}〕1号"  # the year it is published in


@pytest.fixture
def office(make_user, own_unit) -> Any:
    return make_user("duchashi", Role.SUPERVISOR, own_unit, name="李明华")


@pytest.fixture
def draft(city_tasks, office) -> Bulletin:  # noqa: F811
    return services.generate(office, "2025-10", "month", today=TODAY)


def stored(bulletin: Bulletin) -> dict[str, bytes]:
    return {f.format: stored_file_path(f.sha256).read_bytes() for f in bulletin.files.all()}


def test_generate_makes_one_draft_per_period_and_view(draft, office, own_unit):
    assert draft.state == State.DRAFT and draft.kind == "month" and draft.unit is None
    assert draft.content["as_of"] == "2025-11-04" and draft.created_by == office
    assert "2025" in draft.title
    event = AuditEvent.objects.get(action="bulletin.generated")
    assert event.object_id == str(draft.pk)
    with pytest.raises(ValidationError, match="已存在"):
        services.generate(office, "2025-10", "month", today=TODAY)
    unit_view = services.generate(office, "2025-10", "month", own_unit, today=TODAY)  # another view: fine
    assert unit_view.unit == own_unit
    assert Bulletin.objects.filter(state=State.DRAFT).count() == 2


@pytest.mark.parametrize(
    ("period", "kind", "message"),
    [("2025-13", "month", "2025-10"), ("2025-10", "quarter", "2025-Q3"), ("2026-01", "month", "尚未开始")],
)
def test_generate_refuses_bad_periods(city_tasks, office, period, kind, message):  # noqa: F811
    with pytest.raises(ValidationError, match=message):
        services.generate(office, period, kind, today=TODAY)
    assert not Bulletin.objects.exists()


def test_only_the_office_generates(city_tasks, people):  # noqa: F811
    for role in ("leader", "assessor", "unit_head", "unit_clerk", "statistician", "viewer"):
        with pytest.raises(PermissionDenied):
            services.generate(people[role], "2025-10", "month", today=TODAY)
    assert not Bulletin.objects.exists()
    assert services.generate(people["admin"], "2025-10", "month", today=TODAY).pk


def test_edit_and_regenerate_a_draft(draft, office, city_tasks):  # noqa: F811
    services.edit(office, draft, {"title": "关于十月份重点工作的通报", "highlights": "项目集中开工。\n招商引资见效。"})
    draft.refresh_from_db()
    assert draft.title == "关于十月份重点工作的通报" and draft.highlights.splitlines() == [
        "项目集中开工。",
        "招商引资见效。",
    ]
    assert AuditEvent.objects.get(action="bulletin.changed").changes["title"][1] == "关于十月份重点工作的通报"
    KeyTask.objects.filter(pk=city_tasks["T2"].pk).update(status="closed", closed_on=date(2025, 10, 30))
    services.regenerate(office, draft, today=TODAY)
    draft.refresh_from_db()
    overview = draft.content["sections"][0]
    assert [t["number"] for t in overview["closed_in_period"]] == ["2025-004", "2025-002"]  # by day closed
    assert draft.title == "关于十月份重点工作的通报"  # the words stay
    with pytest.raises(ValidationError):
        services.edit(office, draft, {"state": "published"})


def test_publish_keeps_the_files_fills_inboxes_and_emails_attachments(
    draft, office, make_user, own_unit, other_unit, django_capture_on_commit_callbacks
):
    leader = make_user("lingdao", Role.LEADER, None, email="lingdao@example.gov.cn")
    member = make_user("yd_head", Role.UNIT_HEAD, other_unit, email="yd@example.gov.cn")
    make_user("yd_clerk", Role.UNIT_CLERK, other_unit)  # no e-mail address: inbox only
    gone = make_user("yd_old", Role.UNIT_CLERK, other_unit, email="old@example.gov.cn")
    gone.is_active = False
    gone.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(office, draft, [leader, member], [other_unit])
    draft.refresh_from_db()
    assert draft.state == State.PUBLISHED and draft.published_by == office and draft.number == NUMBER
    files = {f.format: f for f in draft.files.all()}
    assert set(files) == {"html", "xlsx", "docx"}
    for kept in files.values():
        content = stored_file_path(kept.sha256).read_bytes()
        assert hashlib.sha256(content).hexdigest() == kept.sha256 and len(content) == kept.size
    word = WordDocument(io.BytesIO(stored(draft)["docx"]))
    assert any(p.text == NUMBER for p in word.paragraphs)
    inboxes = set(Notification.objects.filter(kind="bulletin").values_list("recipient__username", flat=True))
    assert inboxes == {"lingdao", "yd_head", "yd_clerk"}  # each once; not the inactive member
    assert sorted(m.to[0] for m in mail.outbox) == ["lingdao@example.gov.cn", "yd@example.gov.cn"]
    message = mail.outbox[0]
    attached = {name: (content, kind) for name, content, kind in message.attachments}
    assert set(attached) == {"bulletin-2025-10.docx", "bulletin-2025-10.xlsx"}
    assert attached["bulletin-2025-10.docx"][0] == stored(draft)["docx"]
    openpyxl.load_workbook(io.BytesIO(attached["bulletin-2025-10.xlsx"][0]))  # a workbook that opens
    event = AuditEvent.objects.get(action="bulletin.published")
    assert event.changes["files"]["docx"] == files["docx"].sha256 and event.changes["units"] == ["141002"]


def test_a_published_bulletin_never_changes(draft, office, city_tasks, people, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(office, draft, [people["leader"]])
    draft.refresh_from_db()
    content, files = draft.content, stored(draft)
    KeyTask.objects.filter(pk=city_tasks["T1"].pk).update(status="closed", closed_on=date(2025, 10, 31))
    KeyTask.objects.filter(pk=city_tasks["T3"].pk).update(title="改过的标题")
    for attempt in (
        lambda: services.edit(office, draft, {"title": "新标题"}),
        lambda: services.regenerate(office, draft, today=TODAY),
        lambda: services.publish(office, draft, [people["leader"]]),
        lambda: services.discard(office, draft),
    ):
        with pytest.raises(Conflict):
            attempt()
    draft.refresh_from_db()
    assert draft.content == content and draft.title != "新标题" and stored(draft) == files
    assert BulletinFile.objects.filter(bulletin=draft).count() == 3
    assert not AuditEvent.objects.filter(action__in=["bulletin.changed", "bulletin.regenerated"]).exists()


def test_publish_needs_a_recipient(draft, office):
    with pytest.raises(ValidationError, match="至少选择"):
        services.publish(office, draft, [], [])
    draft.refresh_from_db()
    assert draft.state == State.DRAFT and not draft.files.exists()


def test_discard_a_draft(draft, office, people):
    with pytest.raises(PermissionDenied):
        services.discard(people["leader"], draft)
    services.discard(office, draft)
    assert not Bulletin.objects.exists()
    assert AuditEvent.objects.filter(action="bulletin.discarded").count() == 1


# ---- the daily tick ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2025, 11, 3), ["2025-10"]),  # Monday 3 November: the first working day after October
        (date(2025, 11, 4), ["2025-10"]),  # the day after, when no tick ran on the 3rd: it catches up
        (date(2025, 11, 1), []),  # a Saturday
        (date(2025, 10, 1), ["2025-09", "2025-Q3"]),  # Wednesday 1 October: September closes the third quarter
        (date(2026, 2, 2), ["2026-01"]),  # 1 February 2026 is a Sunday; Monday the 2nd is the first working day
    ],
)
def test_tick_drafts_the_month_and_quarter_on_the_first_working_day(
    city_tasks,  # noqa: F811
    office,
    today,
    expected,
):
    ticks.draft_bulletins(today)
    assert sorted(Bulletin.objects.values_list("period", flat=True)) == sorted(expected)
    assert all(b.state == State.DRAFT and b.unit is None for b in Bulletin.objects.all())
    waiting = Notification.objects.filter(recipient=office, kind="bulletin_draft").count()
    assert waiting == len(expected)


def test_tick_is_idempotent_and_leaves_an_existing_bulletin_alone(city_tasks, office):  # noqa: F811
    monday = date(2025, 11, 3)
    assert ticks.draft_bulletins(monday) == "1 draft(s): 2025-10"
    assert ticks.draft_bulletins(monday) == "0 draft(s)"
    assert Bulletin.objects.count() == 1 and Notification.objects.filter(kind="bulletin_draft").count() == 1
    from bihuan.core.ticks import run_tick

    run_tick(monday)
    run_tick(monday)
    assert Bulletin.objects.count() == 1
    services.publish(office, Bulletin.objects.get(), [office])
    assert ticks.draft_bulletins(monday) == "0 draft(s)"  # published already: no new draft either
    assert Bulletin.objects.count() == 1


def test_a_tick_catches_up_once_and_never_redoes_a_discarded_draft(city_tasks, office):  # noqa: F811
    from bihuan.core.ticks import run_tick

    run_tick(date(2025, 11, 3))  # the first working day: the draft
    services.discard(office, Bulletin.objects.get(period="2025-10"))
    run_tick(date(2025, 11, 4))  # the job ran on the 3rd: the office's discarding stands
    assert not Bulletin.objects.filter(period="2025-10").exists()
    run_tick(date(2025, 12, 2))  # a tick first run on Tuesday 2 December (none on Monday the 1st) catches up
    assert list(Bulletin.objects.values_list("period", flat=True)) == ["2025-11"]


def test_public_holidays_and_weekend_workdays_move_the_first_working_day(settings):
    settings.BIHUAN = {
        **settings.BIHUAN,
        "HOLIDAYS": calendar.parse_dates("BIHUAN_HOLIDAYS", "2025-10-01..2025-10-08, 2026-01-01"),
        "WORKDAYS": calendar.parse_dates("BIHUAN_WORKDAYS", "2025-09-28,2025-10-11, 2026-08-01"),
    }
    assert ticks.first_working_day(2025, 10) == date(2025, 10, 9)  # National Day: 1–8 October off
    assert ticks.first_working_day(2026, 1) == date(2026, 1, 2)
    assert ticks.first_working_day(2026, 8) == date(2026, 8, 1)  # a Saturday worked instead (调休)
    assert ticks.due_periods(date(2025, 10, 1)) == []
    assert ticks.due_periods(date(2025, 10, 9)) == ["2025-09", "2025-Q3"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2025-10-01..2025-10-08,2025-10-32", "BIHUAN_HOLIDAYS: '2025-10-32' is not a date (YYYY-MM-DD)"),
        ("2025-10-08..2025-10-01", "BIHUAN_HOLIDAYS: the range '2025-10-08..2025-10-01' ends before it starts"),
        ("十月一日", "BIHUAN_HOLIDAYS: '十月一日' is not a date"),
    ],
)
def test_a_bad_holiday_setting_stops_the_start_naming_it(text, message):
    with pytest.raises(ImproperlyConfigured) as error:
        calendar.parse_dates("BIHUAN_HOLIDAYS", text)
    assert str(error.value).startswith(message)


def test_holiday_ranges_expand_to_each_day():
    days = calendar.parse_dates("BIHUAN_HOLIDAYS", " 2025-10-01..2025-10-03 ,, 2026-01-01 ")
    assert sorted(days) == [date(2025, 10, 1), date(2025, 10, 2), date(2025, 10, 3), date(2026, 1, 1)]
    assert not calendar.is_working_day(date(2025, 10, 2), days)
    assert calendar.is_working_day(date(2025, 10, 11), days, {date(2025, 10, 11)})  # a Saturday worked


# ---- the command line ----------------------------------------------------------------------------


def run(capsys: Any, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        cli.main(["report", "bulletin", *args])
    out = capsys.readouterr()
    return done.value.code, out.out, out.err


def test_cli_writes_each_format_without_storing_a_bulletin(city_tasks, benchmarks, capsys, tmp_path):  # noqa: F811
    for fmt in ("html", "xlsx", "docx"):
        out = tmp_path / f"b.{fmt}"
        code, stdout, err = run(
            capsys, "--period", "2025-10", "--format", fmt, "--out", str(out), "--today", "2025-11-04"
        )
        assert code == 0, err
        assert out.stat().st_size > 1000 and str(out) in stdout
    word = WordDocument(str(tmp_path / "b.docx"))
    assert any("2025-001" in cell.text for table in word.tables for row in table.rows for cell in row.cells)
    assert not Bulletin.objects.exists()
    code, _out, err = run(
        capsys, "--period", "2025-Q3", "--unit", "FGW", "--format", "xlsx", "--out", str(tmp_path / "q.xlsx")
    )
    assert code == 0, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2025-13", "--format", "docx"], "2025-10"),
        (["--period", "2025-10", "--unit", "NOPE", "--format", "docx"], "NOPE"),
        (["--period", "2025-10", "--format", "pdf"], "invalid choice"),
    ],
)
def test_cli_refuses_bad_input_with_exit_code_2(city_tasks, capsys, tmp_path, args, message):  # noqa: F811
    code, _out, err = run(capsys, *args, "--out", str(tmp_path / "x"))
    assert code == 2 and message in err
    assert not (tmp_path / "x").exists()


def test_cli_refuses_a_missing_folder(city_tasks, capsys, tmp_path):  # noqa: F811
    code, _out, err = run(capsys, "--period", "2025-10", "--format", "html", "--out", str(tmp_path / "no" / "b.html"))
    assert code == 2 and "does not exist" in err


def test_demo_publishes_the_last_three_full_months_of_its_year():
    from bihuan.demo.reports import months_to_publish

    assert months_to_publish(date(2025, 11, 20)) == [
        ("2025-08", date(2025, 9, 1)),
        ("2025-09", date(2025, 10, 1)),
        ("2025-10", date(2025, 11, 3)),
    ]
    assert months_to_publish(date(2025, 2, 10)) == [("2025-01", date(2025, 2, 3))]  # the demo's tasks are the year's
    assert months_to_publish(date(2025, 11, 3)) == [("2025-08", date(2025, 9, 1)), ("2025-09", date(2025, 10, 1))]
