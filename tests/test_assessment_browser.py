"""Fault tolerance in the browser, at desktop and phone width: the unit's clerk asks to excuse a demerit from
the score sheet, the assessment office approves it next to the precedents, and the sheet shows it excused.
Screenshots of the scheme page, the sheet and the request go to $BIHUAN_SCREENSHOTS when set."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from bihuan.assessment import services
from bihuan.assessment.models import AdjustmentKind
from bihuan.core.roles import Role
from tests.assessment_data import build_scheme
from tests.test_browser import CHROMIUM, browser, signed_in  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM and os.environ.get("BIHUAN_REQUIRE_BROWSER") != "1",
        reason="Chromium is not installed (apt-get install chromium)",
    ),
]
SHOTS = os.environ.get("BIHUAN_SCREENSHOTS", "")


@pytest.fixture
def case(transactional_db, make_user, own_unit, other_unit, third_unit, facts):
    assessor = make_user("kaohe", Role.ASSESSOR, own_unit, name="赵考核")
    make_user("fgw_clerk", Role.UNIT_CLERK, own_unit, name="张晓雪")
    yd_head = make_user("yd_head", Role.UNIT_HEAD, other_unit, name="刘尧都")
    scheme = build_scheme(assessor, [own_unit, other_unit, third_unit])
    for unit, points in ((own_unit, 80), (other_unit, 95), (third_unit, 70)):
        services.save_manual_score(assessor, scheme.manual_item, unit, Decimal(points), "群众满意度测评")
    services.add_adjustment(assessor, scheme, own_unit, AdjustmentKind.INCENTIVE, 3, "获国家级表彰", "国发〔2025〕1号")
    demerit = services.add_adjustment(assessor, scheme, own_unit, AdjustmentKind.DEMERIT, 2, "通报批评：项目延误")
    old = services.add_adjustment(assessor, scheme, other_unit, AdjustmentKind.DEMERIT, 1, "汛期停工，进度滞后")
    past = services.request_exemption(yd_head, old, "force_majeure", "特大暴雨导致停工，有气象部门证明。")
    services.decide_exemption(assessor, past, True, "属不可抗力，予以容错。")
    return {"scheme": scheme.pk, "unit": own_unit.pk, "demerit": demerit.pk, "manual": scheme.manual_item.pk}


def look(page, name, width):
    # nothing wider than the screen: wide tables scroll inside their own box
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_request_and_approve_fault_tolerance(case, live_server, browser, width, tmp_path):  # noqa: F811
    # No database access below: under Playwright's event loop Django would open a second connection.
    base = live_server.url
    sheet_url = f"{base}/assessment/{case['scheme']}/units/{case['unit']}/"
    clerk = signed_in(browser, live_server, "fgw_clerk")
    clerk.set_viewport_size({"width": width, "height": 900})
    clerk.goto(sheet_url)
    assert clerk.locator("#sheet-total").inner_text() == "87"  # 90 × 60% + 80 × 40% + 3 − 2
    clerk.click(f"#request-{case['demerit']}")
    clerk.select_option("#id_grounds", "force_majeure")
    clerk.fill("#id_explanation", "连续暴雨导致施工中断，工期顺延两个月。")
    certificate = tmp_path / "气象证明.pdf"
    certificate.write_bytes(b"%PDF-1.4 certificate")
    clerk.set_input_files("#id_files", str(certificate))
    clerk.click("#exemption-form button[type=submit]")
    clerk.wait_for_selector("#exemption-status[data-status=pending]")
    assert "气象证明.pdf" in clerk.locator("#request-files").inner_text()
    assert clerk.locator("#add-files").is_visible()  # more files may follow while the request waits
    look(clerk, "exemption-pending", width)
    exemption_url = clerk.url
    assert "属不可抗力" not in clerk.locator("#precedents").inner_text()  # another unit's case, not published

    office = signed_in(browser, live_server, "kaohe")
    office.set_viewport_size({"width": width, "height": 900})
    office.goto(f"{base}/assessment/{case['scheme']}/")
    assert office.locator("#league-table tbody tr").count() == 3
    assert office.locator("#scheme-state").get_attribute("data-state") == "open"
    look(office, "scheme", width)
    for name, path in (
        ("adjustments", "adjustments/"),
        ("scores", f"items/{case['manual']}/scores/"),
        ("scheme-form", "edit/"),
        ("item-form", f"items/{case['manual']}/edit/"),
    ):
        office.goto(f"{base}/assessment/{case['scheme']}/{path}")
        look(office, name, width)
    # the item form shows the fields of the chosen method only
    assert not office.locator("#id_per_return").is_visible()
    office.select_option("#id_method", "delivery")
    assert office.locator("#id_per_return").is_visible() and not office.locator("#id_indicator").is_visible()
    office.goto(exemption_url)
    assert "属不可抗力，予以容错。" in office.locator("#precedents").inner_text()  # the same grounds before
    with office.expect_download() as download:
        office.locator("#request-files a").click()
    assert download.value.suggested_filename == "气象证明.pdf"
    assert Path(download.value.path()).read_bytes() == b"%PDF-1.4 certificate"
    look(office, "exemption", width)
    office.check("#id_decision_0")
    office.fill("#id_decision_reason", "有气象部门证明，同类先例已容错。")
    office.click("#decide-submit")
    office.wait_for_selector("#exemption-status[data-status=approved]")
    assert "同类先例已容错" in office.locator("#decision").inner_text()

    clerk.goto(sheet_url)
    assert clerk.locator("#sheet-total").inner_text() == "89"  # the excused points no longer count
    assert clerk.locator(f"#request-{case['demerit']}").count() == 0
    assert "同类先例已容错" in clerk.locator(f"[data-adjustment='{case['demerit']}']").inner_text()
    look(clerk, "sheet", width)
    for page in (clerk, office):
        page.context.close()
