"""Browser smoke test: a clerk logs in, sees the home page and inbox, and switches language.

Drives Debian's Chromium through Playwright (never a downloaded browser). Skipped when Chromium is
absent, unless BIHUAN_REQUIRE_BROWSER=1 (as in CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil

import pytest

from bihuan.core.notifications import notify
from bihuan.core.roles import Role
from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("BIHUAN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM and os.environ.get("BIHUAN_REQUIRE_BROWSER") != "1",
        reason="Chromium is not installed (apt-get install chromium)",
    ),
]


@pytest.fixture
def browser(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop here
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "BIHUAN_REQUIRE_BROWSER=1 but no Chromium found"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def clerk(transactional_db, make_user, own_unit):
    """Created before the browser starts, while the ORM still runs on the test's own connection."""
    user = make_user("fgw_clerk", Role.UNIT_CLERK, own_unit, name="张晓雪")
    notify([user], "请报送十月进展", "截止日期：11月5日")
    return user


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_clerk_logs_in_sees_home_and_inbox_and_switches_language(clerk, live_server, browser, viewport):
    # No database access below: under Playwright's event loop Django would open a second connection.
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "fgw_clerk")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("[data-testid=role]").inner_text() == "单位联络员"
    assert "市发展和改革委员会" in page.content()
    assert "请报送十月进展" in page.content()

    page.goto(f"{live_server.url}/inbox/")
    assert page.locator("h1").inner_text() == "收件箱"
    page.get_by_role("button", name="标为已读").first.click()  # htmx swaps the entry in place
    page.wait_for_selector("#inbox-list .notification-unread", state="detached")

    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():  # on a phone the menu, language switch included, folds behind the toggler
        toggler.click()
    page.select_option("#language-select", "en")
    page.wait_for_load_state("load")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator("h1").inner_text() == "Inbox"
    assert "Unit clerk" in page.content() or page.locator("#user-menu").count() == 1
    static = page.request.get(f"{live_server.url}/static/vendor/htmx/htmx.min.js")
    assert static.status == 200
    page.context.close()  # ends keep-alive connections, so the server threads release their database sessions


@pytest.fixture
def loop_task(transactional_db, make_user, own_unit):
    """A task in progress whose last quarter's report is owed, and the three people who move it."""
    from datetime import date, timedelta

    from django.utils import timezone

    from bihuan.core.roles import SYSTEM
    from bihuan.supervision.models import KeyTask
    from bihuan.supervision.selectors import lights
    from bihuan.supervision.services import save_task, transition

    make_user("fgw_clerk", Role.UNIT_CLERK, own_unit, name="张晓雪")
    make_user("fgw_head", Role.UNIT_HEAD, own_unit, name="王建国")
    make_user("duchashi", Role.SUPERVISOR, own_unit, name="李督查")
    today = timezone.localdate()
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_quarter_start = (quarter_start - timedelta(days=1)).replace(day=1)
    last_quarter_start = last_quarter_start.replace(month=3 * ((last_quarter_start.month - 1) // 3) + 1)
    task = save_task(
        SYSTEM,
        {
            "year": today.year,
            "title": "推动焦化行业升级改造",
            "lead_unit": own_unit,
            "cadence": "quarterly",
            "report_day": 1,
            "start": last_quarter_start,
            "due": today + timedelta(days=400),
        },
    )
    for action in ("assign", "acknowledge", "start"):
        task = transition(SYSTEM, task, action)
    KeyTask.objects.filter(pk=task.pk).update(assigned_on=last_quarter_start)
    task.refresh_from_db()
    key = f"{last_quarter_start.year}-Q{(last_quarter_start.month - 1) // 3 + 1}"
    owed = any(r.params.get("period") == key for r in lights([task], today)[task.pk].reasons)
    return {"id": task.pk, "period": key, "owed": owed}


NETWORK_LOGS: dict[int, list[str]] = {}


def signed_in(browser, live_server, username):
    # Without motion a step's form is open at once, not halfway through Bootstrap's collapse animation.
    page = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce").new_page()
    log = NETWORK_LOGS.setdefault(id(page), [])  # for hang_report: what the page asked and was answered
    page.on("response", lambda r: log.append(f"{r.request.method} {r.url} -> {r.status}"))
    page.on("requestfailed", lambda r: log.append(f"{r.method} {r.url} FAILED {r.failure}"))
    page.on("console", lambda m: log.append(f"console.{m.type}: {m.text}"))
    page.on("pageerror", lambda e: log.append(f"pageerror: {e}"))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{live_server.url}/")
    return page


def open_step(page, action: str) -> None:
    """Open a workflow step's form on the task page and wait until it is shown in full."""
    page.click(f"#btn-{action}")
    page.wait_for_selector(f"#step-{action}.show")


def wait_for_status(page, status: str) -> None:
    """Wait for the task page to show `status`; if it does not come, fail with what the page, the server's
    threads and the database were doing, so that a hang in CI explains itself."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_selector(f'#task-status[data-status="{status}"]', timeout=30_000)
    except PlaywrightTimeout:
        pytest.fail(f"the task page never showed {status!r}\n{hang_report(page)}")


def hang_report(page) -> str:
    import sys
    import traceback

    from django.db import connection

    from bihuan.core.models import AuditEvent
    from bihuan.supervision.models import KeyTask

    # What matters first (CI keeps only a part of a long failure): the page's messages, its last requests,
    # the task as the database has it and its last audit events; then the page, the threads and PostgreSQL.
    task_id = int(page.url.rstrip("/").split("/tasks/")[1].split("/")[0])
    task = KeyTask.objects.filter(pk=task_id).values("status", "version").first()
    events = list(AuditEvent.objects.order_by("-pk").values_list("action", flat=True)[:6])
    lines = [
        f"page: {page.url}",
        "messages: " + " | ".join(page.locator(".alert").all_inner_texts()),
        f"task in the database: {task}; newest audit events: {events}",
        "last requests: " + "\n  ".join(NETWORK_LOGS.get(id(page), [])[-12:]),
        page.locator("body").inner_text()[:400],
    ]
    for ident, frame in sys._current_frames().items():
        lines.append(f"--- thread {ident}\n" + "".join(traceback.format_stack(frame)[-8:]))
    if connection.vendor == "postgresql":
        import psycopg

        settings = connection.settings_dict
        with psycopg.connect(
            dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432
        ) as probe:
            rows = probe.execute(
                "select pid, state, wait_event_type, wait_event, xact_start, left(query, 300) "
                "from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()"
            ).fetchall()
        lines += ["--- pg_stat_activity", *map(str, rows)]
    return "\n".join(lines)


@pytest.mark.django_db(transaction=True)
def test_the_whole_loop_in_the_browser(loop_task, live_server, browser, tmp_path):
    """Clerk drafts, head approves, supervisor returns, clerk fixes, head resubmits, supervisor accepts;
    completion request with evidence; close-out. The light and the timeline follow."""
    task_url = f"{live_server.url}/tasks/{loop_task['id']}/"
    period = loop_task["period"]
    row = f"#report-ledger tr[data-period='{period}']"
    clerk = signed_in(browser, live_server, "fgw_clerk")
    head = signed_in(browser, live_server, "fgw_head")
    office = signed_in(browser, live_server, "duchashi")

    clerk.goto(task_url)
    light_before = clerk.locator("#task-light").inner_text()
    assert (period in light_before) == loop_task["owed"]
    clerk.locator(f"{row} a", has_text="撰写").click()
    clerk.fill("#id_progress", "30")
    clerk.fill("#id_done", "完成两家焦化企业干熄焦改造")
    clerk.click("#save-draft")
    clerk.wait_for_url(f"{task_url}#reports")
    assert clerk.locator(row).get_attribute("data-state") == "draft"
    assert clerk.locator("#save-submit").count() == 0

    head.goto(task_url)
    head.locator(row).get_by_role("button", name="审核并报送").click()
    head.wait_for_url(f"{task_url}#reports")
    assert head.locator(row).get_attribute("data-state") == "submitted"

    office.goto(task_url)
    office.locator(row).get_by_role("button", name="退回").click()
    office.fill(f"{row} + tr input[name=reason]", "请补充投资完成额")
    office.locator(f"{row} + tr").get_by_role("button", name="退回修改").click()
    office.wait_for_url(f"{task_url}#reports")
    assert office.locator(row).get_attribute("data-state") == "returned"

    clerk.goto(task_url)
    assert "请补充投资完成额" in clerk.locator(row).inner_text()
    clerk.locator(f"{row} a", has_text="编辑").click()
    clerk.fill("#id_done", "完成两家焦化企业干熄焦改造，完成投资3.2亿元")
    clerk.click("#save-draft")
    clerk.wait_for_url(f"{task_url}#reports")
    head.goto(task_url)
    head.locator(row).get_by_role("button", name="审核并报送").click()
    head.wait_for_url(f"{task_url}#reports")
    office.goto(task_url)
    office.locator(row).get_by_role("button", name="通过").click()
    office.wait_for_url(f"{task_url}#reports")
    assert office.locator(row).get_attribute("data-state") == "accepted"
    assert period not in office.locator("#task-light").inner_text()
    assert "30%" in office.locator("#task-state").inner_text() or "30%" in office.content()

    evidence = tmp_path / "验收材料.pdf"
    evidence.write_bytes(b"%PDF-1.4 demo evidence")
    head.goto(task_url)
    open_step(head, "request_completion")
    head.fill("#reason-request_completion", "两家企业改造完成，通过验收")
    head.set_input_files("#files-request_completion", str(evidence))
    head.click("#confirm-request_completion")
    wait_for_status(head, "completion_requested")
    assert head.locator("#task-status").get_attribute("data-status") == "completion_requested"
    assert "验收材料.pdf" in head.locator("#attachments").inner_text()

    office.goto(task_url)
    open_step(office, "close")
    office.select_option("#rating-close", "5")
    office.fill("#reason-close", "验收合格，同意销号")
    office.click("#confirm-close")
    wait_for_status(office, "closed")
    assert office.locator("#task-status").get_attribute("data-status") == "closed"
    assert office.locator("#task-light").count() == 0  # a closed task has no light
    timeline = office.locator("#timeline").inner_text()
    for words in ("销号", "申请销号", "通过", "退回"):
        assert words in timeline, words
    for page in (clerk, head, office):
        page.context.close()


@pytest.fixture
def statistics_setup(transactional_db, make_user, own_unit, settings):
    """The 11 Shanxi cities and four indicators; Linfen is our city; a statistician to import the bureau's table."""
    import csv

    from bihuan.core.roles import SYSTEM
    from bihuan.indicators.services import save_area, save_indicator, save_peer_group
    from tests.test_indicator_computations import SHANXI

    settings.BIHUAN = {**settings.BIHUAN, "HOME_AREA": "141000"}
    province = save_area(SYSTEM, {"code": "140000", "name": "山西省", "short_name": "山西", "level": "province"})
    with open(SHANXI, encoding="utf-8") as handle:
        names = sorted({(r["area_code"], r["area_name"]) for r in csv.DictReader(handle)})
    cities = [
        save_area(
            SYSTEM, {"code": c, "name": n, "short_name": n.removesuffix("市"), "level": "city", "parent": province}
        )
        for c, n in names
    ]
    save_peer_group(SYSTEM, {"name": "山西11市"}, cities)
    for code, name, unit, kind in [
        ("gdp", "地区生产总值", "亿元", "level"),
        ("gdp_growth", "地区生产总值增速", "%", "rate"),
        ("budget_revenue", "一般公共预算收入", "亿元", "level"),
        ("retail_sales", "社会消费品零售总额", "亿元", "level"),
    ]:
        save_indicator(
            SYSTEM,
            {"code": code, "name": name, "unit": unit, "kind": kind, "frequency": "year", "headline": True},
        )
    make_user("tongji", Role.STATISTICIAN, own_unit, name="孙丽娟")


@pytest.mark.django_db(transaction=True)
def test_a_statistician_imports_the_bureau_table_and_sees_the_ranks(statistics_setup, live_server, browser):
    """Upload the real wide table as published → the proposed mapping → preview → apply → the league table with
    Linfen first on 2023 GDP growth and its chart drawn; the dashboard's charts draw too, without script errors."""
    from pathlib import Path

    wide = Path(__file__).resolve().parent / "data" / "shanxi_main_indicators_2023_wide.xlsx"
    page = signed_in(browser, live_server, "tongji")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/indicators/import/")
    page.set_input_files("#id_file", str(wide))
    page.click("#import-upload button[type=submit]")
    page.wait_for_selector("#mapping-table")
    assert page.locator("select[name=col-C-2]").input_value() == "gdp_growth:value"
    page.click("#import-preview-button")
    page.wait_for_selector("#import-preview")
    assert "将新增 44 个" in page.locator("#import-preview").inner_text()
    page.fill("#id_profile_name", "各市年报")
    page.click("#import-apply")
    page.wait_for_url("**/indicators/league/**")
    page.goto(f"{live_server.url}/indicators/league/?indicator=gdp_growth&period=2023")
    first = page.locator("#our-row")
    assert "临汾" in first.inner_text() and "7.6" in first.inner_text()
    assert first.locator("td").first.inner_text().strip() == "1"
    page.wait_for_selector(".bh-echart svg")  # ECharts, served from static/vendor, drew the bar chart
    assert "临汾" in page.locator(".bh-echart svg").first.inner_html()
    page.goto(f"{live_server.url}/indicators/")
    page.wait_for_selector("svg")  # the sparklines
    assert "7.6" in page.content()
    assert errors == []
    page.context.close()
