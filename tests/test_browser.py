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
