"""The assessment pages: every page for the roles that may see it, a permission matrix over pages and actions
(status, nothing changed, nothing leaked), the .xlsx exports, the trail's links, pinned query counts and the
messages for invalid input."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bihuan.assessment import results, services
from bihuan.assessment.models import (
    Adjustment,
    AdjustmentKind,
    Exemption,
    ExemptionStatus,
    Item,
    ManualScore,
    Method,
    Scheme,
    SchemeState,
)
from bihuan.core.models import AuditEvent
from bihuan.core.roles import SYSTEM, Role
from bihuan.demo.tasks import moment
from bihuan.org.models import Unit
from bihuan.org.services import save_unit
from bihuan.supervision.models import ProgressReport
from tests.assessment_data import AS_OF, build_scheme

OFFICE = {Role.ADMIN, Role.ASSESSOR, Role.SUPERVISOR}
UNIT_ROLES = {Role.UNIT_HEAD, Role.UNIT_CLERK}
SEES_OPEN_SCHEME = OFFICE | {Role.LEADER} | UNIT_ROLES  # statisticians and viewers wait for publication
ROLES = [*Role.values, None]  # None: not signed in


@pytest.fixture
def scheme(people, own_unit, other_unit, third_unit, facts):
    """Open; manual points 80 / 95 / 70; FGW has an incentive of 3, 尧都区 a demerit of 4."""
    assessor = people[Role.ASSESSOR]
    scheme = build_scheme(assessor, [own_unit, other_unit, third_unit])
    for unit, points in ((own_unit, 80), (other_unit, 95), (third_unit, 70)):
        services.save_manual_score(assessor, scheme.manual_item, unit, Decimal(points), "群众满意度测评")
    services.add_adjustment(assessor, scheme, own_unit, AdjustmentKind.INCENTIVE, 3, "获国家级表彰", "国发〔2025〕1号")
    services.add_adjustment(assessor, scheme, other_unit, AdjustmentKind.DEMERIT, 4, "通报批评：项目延误")
    return scheme


@pytest.fixture
def own_demerit(people, scheme, own_unit):
    return services.add_adjustment(people[Role.ASSESSOR], scheme, own_unit, AdjustmentKind.DEMERIT, 2, "安全检查不合格")


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def as_user(client, people, role, unit="own"):
    """The client signed in as the role's user of the own or the other unit; None: signed out."""
    client.logout()
    if role is not None:
        client.force_login(people[role] if unit == "own" else people[f"other_{role}"])
    return client


def expected(role, allowed, visible=SEES_OPEN_SCHEME, done=302):
    if role is None:
        return 302  # to the login page
    if role in allowed:
        return done
    return 403 if role in visible else 404


def publish(people, scheme):
    assessor = people[Role.ASSESSOR]
    scheme = services.move(assessor, scheme, SchemeState.PREVIEW, today=AS_OF)
    return services.move(assessor, scheme, SchemeState.PUBLISHED, today=AS_OF)


# ---- the pages render ------------------------------------------------------------------------------


def test_every_page_renders_for_the_assessment_office(client, people, scheme, own_unit, own_demerit, english):
    client.force_login(people[Role.ASSESSOR])
    exemption = services.request_exemption(
        people[Role.UNIT_HEAD], own_demerit, "force_majeure", "暴雨导致施工中断两个月。"
    )
    pages = [
        reverse("assessment-list"),
        reverse("assessment-new"),
        reverse("assessment-scheme", args=[scheme.pk]),
        reverse("assessment-edit", args=[scheme.pk]),
        reverse("assessment-item-new", args=[scheme.pk]),
        reverse("assessment-item-edit", args=[scheme.pk, scheme.delivery_item.pk]),
        reverse("assessment-band-new", args=[scheme.pk]),
        reverse("assessment-sheet", args=[scheme.pk, own_unit.pk]),
        reverse("assessment-adjustments", args=[scheme.pk]),
        reverse("assessment-scores", args=[scheme.pk, scheme.manual_item.pk]),
        reverse("assessment-exemptions"),
        reverse("assessment-exemption", args=[exemption.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b'name="viewport"' in response.content
    page = client.get(reverse("assessment-scheme", args=[scheme.pk])).content.decode()
    for text in ("市发展和改革委员会", "尧都区", "曲沃县", "Preview the results", "Adjustments", "league-table"):
        assert text in page
    assert "Publish the results" not in page  # only from preview


def test_league_figures_on_the_scheme_page(client, people, scheme, english):
    """FGW 100 − 5 − 2 − 2 − 1 = 90 × 60% + 80 × 40% + 3 = 89; 尧都区 60 + 38 − 4 = 94; 曲沃县 60 + 28 = 88."""
    client.force_login(people[Role.LEADER])
    page = client.get(reverse("assessment-scheme", args=[scheme.pk])).content.decode()
    rows = page.split('<tr data-unit="')[1:]
    assert [r.split('"')[0] for r in rows] == ["141002", "FGW", "141021"]
    assert '<td class="text-end bh-total">94</td>' in rows[0]
    assert '<td class="text-end bh-total">89</td>' in rows[1] and "+3" in rows[1]
    assert '<td class="text-end bh-total">88</td>' in rows[2]
    assert "−4" in rows[0]
    # 94 reaches 优秀 and the 34% quota of three units leaves room for one
    assert "优秀" in rows[0] and "良好" in rows[1]


def test_unit_user_sees_only_their_own_row_before_publication(client, people, scheme, english):
    client.force_login(people[Role.UNIT_CLERK])
    page = client.get(reverse("assessment-scheme", args=[scheme.pk])).content.decode()
    assert "市发展和改革委员会" in page
    for leaked in ("尧都区", "曲沃县", ">94<", ">88<", "通报批评"):
        assert leaked not in page
    assert "league-xlsx" not in page and "Preview the results" not in page
    assert client.get(reverse("assessment-league-xlsx", args=[scheme.pk])).status_code == 403
    assert client.get(reverse("assessment-adjustments", args=[scheme.pk])).status_code == 403
    publish(people, scheme)
    page = client.get(reverse("assessment-scheme", args=[scheme.pk])).content.decode()
    assert "尧都区" in page and "曲沃县" in page and "league-xlsx" in page


def test_sheet_trail_in_words_with_links_to_the_records(client, people, scheme, own_unit, facts, english):
    client.force_login(people[Role.UNIT_HEAD])
    response = client.get(reverse("assessment-sheet", args=[scheme.pk, own_unit.pk]))
    page = response.content.decode()
    a1 = reverse("task-detail", args=[facts["a1"].pk])
    a2 = reverse("task-detail", args=[facts["a2"].pk])
    assert f'href="{a2}"' in page and "overdue by 10 days" in page  # closed 10 May, due 30 April
    assert f'href="{a1}#reports"' in page
    assert "Report 2025-04 of 2025-001 任务2025-001" in page and "not submitted" in page
    assert "returned by the supervision office on 2025-04-12" in page
    assert "80 points: 群众满意度测评" in page  # the manual score with its comment
    assert '<div class="bh-count" id="sheet-total">89</div>' in page
    # the delivery facts: 2 tasks, 1 overdue, 2 late, 1 missing, 1 returned
    facts_block = page.split('id="facts"')[1].split('id="item-')[0]
    counts = [c.split("<")[0] for c in facts_block.split('class="bh-count">')[1:]]
    assert counts[:5] == ["2", "1", "2", "1", "1"]
    # and its rates: 1 of 1 task due closed, 4 of 7 reports on time, 10 days overdue, nothing rated
    assert counts[5:] == ["100.0%", "57.1%", "10", "—"] and "of 7 reports due" in facts_block
    assert "获国家级表彰" in page and "国发〔2025〕1号" in page


def test_rank_trail_links_to_the_league_table(db):
    from bihuan.assessment.wording import trail_line

    entry = {
        "what": "rank",
        "indicator": "地区生产总值",
        "indicator_id": 7,
        "group": "临汾17县区",
        "group_id": 3,
        "period": "2025-Q2",
        "by": "growth",
        "figure": 6.25,
        "rank": 2,
        "of": 17,
        "in_group": True,
    }
    from django.utils import translation

    with translation.override("en"):
        line = trail_line(entry, {7: "gdp"})
    assert line.link == reverse("league-table") + "?indicator=gdp&group=3&period=2025-Q2&by=growth"
    assert line.text == "地区生产总值 in 临汾17县区, 2025-Q2, by growth: 6.25, rank 2 of 17"
    assert trail_line(entry, {}).link == ""  # an indicator no longer there: no link


# ---- the permission matrix -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("unit", ["own", "other"])
def test_matrix_reading(client, people, scheme, own_unit, role, unit):
    """List, scheme, the own unit's sheet (seen from the own or the other unit) before and after publication."""
    c = as_user(client, people, role, unit)
    assert c.get(reverse("assessment-list")).status_code == (302 if role is None else 200)
    scheme_page = c.get(reverse("assessment-scheme", args=[scheme.pk]))
    assert scheme_page.status_code == expected(role, SEES_OPEN_SCHEME, done=200)
    sheet = c.get(reverse("assessment-sheet", args=[scheme.pk, own_unit.pk]))
    sheet_readers = OFFICE | {Role.LEADER} | (UNIT_ROLES if unit == "own" else set())
    assert sheet.status_code == expected(role, sheet_readers, visible=sheet_readers, done=200)
    if sheet.status_code != 200 and role is not None:
        assert "获国家级表彰" not in sheet.content.decode() and "sheet-total" not in sheet.content.decode()
    publish(people, scheme)
    after = c.get(reverse("assessment-sheet", args=[scheme.pk, own_unit.pk]))
    assert after.status_code == (302 if role is None else 200)


@pytest.mark.parametrize("role", ROLES)
def test_matrix_create_scheme(client, people, own_unit, role):
    before = (Scheme.objects.count(), AuditEvent.objects.count())
    data = {"year": 2026, "name": "新方案", "units": [own_unit.pk]}
    data |= {f: "0" for f in ("demerit_per_red_task", "demerit_per_overdue_task")}
    data |= {f: "0" for f in ("demerit_per_returned_report", "demerit_per_notice")}
    response = as_user(client, people, role).post(reverse("assessment-new"), data)
    allowed = {Role.ADMIN, Role.ASSESSOR}
    assert response.status_code == expected(role, allowed, visible=set(Role.values))
    if role in allowed:
        made = Scheme.objects.get(name="新方案")
        assert made.state == SchemeState.DRAFT and list(made.units.all()) == [own_unit]
    else:
        assert (Scheme.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("role", ROLES)
def test_matrix_edit_and_delete_item(client, people, scheme, role):
    item = scheme.manual_item
    before = AuditEvent.objects.count()
    c = as_user(client, people, role)
    url = reverse("assessment-item-edit", args=[scheme.pk, item.pk])
    response = c.post(url, {"name": "改名", "method": "manual", "weight": "40", "sort_order": "1"})
    allowed = {Role.ADMIN, Role.ASSESSOR}
    assert response.status_code == expected(role, allowed)
    item.refresh_from_db()
    assert (item.name == "改名") == (role in allowed)
    delete = c.post(reverse("assessment-part-delete", args=[scheme.pk, "items", scheme.delivery_item.pk]))
    assert delete.status_code == expected(role, allowed)
    assert Item.objects.filter(pk=scheme.delivery_item.pk).exists() == (role not in allowed)
    if role not in allowed:
        assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("role", ROLES)
def test_matrix_move_and_publish(client, people, scheme, role):
    c = as_user(client, people, role)
    before = AuditEvent.objects.count()
    response = c.post(reverse("assessment-move", args=[scheme.pk]), {"to": "preview", "version": scheme.version})
    assert response.status_code == expected(role, {Role.ASSESSOR})
    scheme.refresh_from_db()
    if role != Role.ASSESSOR:
        assert scheme.state == SchemeState.OPEN and AuditEvent.objects.count() == before
        scheme = services.move(people[Role.ASSESSOR], scheme, SchemeState.PREVIEW, today=AS_OF)
    assert scheme.state == SchemeState.PREVIEW
    before = AuditEvent.objects.count()
    response = c.post(reverse("assessment-move", args=[scheme.pk]), {"to": "published", "version": scheme.version})
    assert response.status_code == expected(role, {Role.ASSESSOR})
    scheme.refresh_from_db()
    assert (scheme.state == SchemeState.PUBLISHED) == (role == Role.ASSESSOR)
    if role != Role.ASSESSOR:
        assert AuditEvent.objects.count() == before and not scheme.snapshot


@pytest.mark.parametrize("role", ROLES)
def test_matrix_add_adjustment(client, people, scheme, other_unit, role):
    before = (Adjustment.objects.count(), AuditEvent.objects.count())
    data = {"kind": "demerit", "unit": other_unit.pk, "points": "1.5", "reason": "通报批评：材料迟报"}
    response = as_user(client, people, role).post(reverse("assessment-adjustments", args=[scheme.pk]), data)
    allowed = {Role.ADMIN, Role.ASSESSOR, Role.SUPERVISOR}
    assert response.status_code == expected(role, allowed)
    added = Adjustment.objects.filter(reason="通报批评：材料迟报", points=Decimal("1.5")).count()
    assert added == (1 if role in allowed else 0)
    if role not in allowed:
        assert (Adjustment.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("unit", ["own", "other"])
def test_matrix_withdraw(client, people, scheme, own_demerit, role, unit):
    before = AuditEvent.objects.count()
    url = reverse("assessment-withdraw", args=[scheme.pk, own_demerit.pk])
    response = as_user(client, people, role, unit).post(url, {"reason": "录入错误"})
    allowed = {Role.ADMIN, Role.ASSESSOR, Role.SUPERVISOR}
    visible = OFFICE | {Role.LEADER} | (UNIT_ROLES if unit == "own" else set())
    assert response.status_code == expected(role, allowed, visible)
    own_demerit.refresh_from_db()
    assert own_demerit.withdrawn == (role in allowed)
    if role not in allowed:
        assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("role", ROLES)
def test_matrix_manual_scores(client, people, scheme, own_unit, other_unit, third_unit, role):
    before = (list(ManualScore.objects.values_list("points", flat=True).order_by("pk")), AuditEvent.objects.count())
    data = {}
    for unit in (own_unit, other_unit, third_unit):
        data |= {f"u{unit.pk}-points": "88", f"u{unit.pk}-comment": "复核后的测评"}
    url = reverse("assessment-scores", args=[scheme.pk, scheme.manual_item.pk])
    response = as_user(client, people, role).post(url, data)
    allowed = {Role.ADMIN, Role.ASSESSOR}
    assert response.status_code == expected(role, allowed)
    points = set(ManualScore.objects.values_list("points", flat=True))
    if role in allowed:
        assert points == {Decimal(88)}
    else:
        after = (list(ManualScore.objects.values_list("points", flat=True).order_by("pk")), AuditEvent.objects.count())
        assert after == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("unit", ["own", "other"])
def test_matrix_request_exemption(client, people, scheme, own_demerit, role, unit):
    """The own unit's head and clerk may ask to excuse the own unit's demerit; the other unit cannot even see it."""
    before = (Exemption.objects.count(), AuditEvent.objects.count())
    data = {"grounds": "force_majeure", "explanation": "暴雨导致施工中断，工期顺延两个月。"}
    response = as_user(client, people, role, unit).post(reverse("assessment-request", args=[own_demerit.pk]), data)
    allowed = UNIT_ROLES if unit == "own" else set()
    visible = OFFICE | {Role.LEADER} | (UNIT_ROLES if unit == "own" else set())
    assert response.status_code == expected(role, allowed, visible)
    assert Exemption.objects.filter(adjustment=own_demerit).count() == (1 if role in allowed else 0)
    if role not in allowed:
        assert (Exemption.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("unit", ["own", "other"])
def test_matrix_decide_exemption(client, people, scheme, own_demerit, role, unit):
    exemption = services.request_exemption(
        people[Role.UNIT_HEAD], own_demerit, "force_majeure", "暴雨导致施工中断两个月。"
    )
    before = AuditEvent.objects.count()
    data = {"decision": "approve", "decision_reason": "属不可抗力，予以容错。"}
    response = as_user(client, people, role, unit).post(reverse("assessment-exemption", args=[exemption.pk]), data)
    visible = OFFICE | {Role.LEADER} | (UNIT_ROLES if unit == "own" else set())
    assert response.status_code == expected(role, {Role.ASSESSOR}, visible)
    exemption.refresh_from_db()
    assert (exemption.status == ExemptionStatus.APPROVED) == (role == Role.ASSESSOR)
    if role != Role.ASSESSOR:
        assert exemption.status == ExemptionStatus.PENDING and AuditEvent.objects.count() == before


def test_request_button_only_on_the_own_units_excusable_demerits(client, people, scheme, own_unit, own_demerit):
    url = reverse("assessment-sheet", args=[scheme.pk, own_unit.pk])
    button = f'id="request-{own_demerit.pk}"'
    assert button in as_user(client, people, Role.UNIT_CLERK).get(url).content.decode()
    assert button not in as_user(client, people, Role.ASSESSOR).get(url).content.decode()
    services.request_exemption(people[Role.UNIT_HEAD], own_demerit, "pioneering", "首创改革，无先例可循。")
    assert button not in as_user(client, people, Role.UNIT_CLERK).get(url).content.decode()  # already asked


# ---- workflow through the pages --------------------------------------------------------------------


def test_workflow_preview_banner_publish_snapshot(client, people, scheme, own_unit, english):
    client.force_login(people[Role.ASSESSOR])
    url = reverse("assessment-scheme", args=[scheme.pk])
    response = client.post(reverse("assessment-move", args=[scheme.pk]), {"to": "preview", "version": scheme.version})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert 'id="preview-banner"' in page and "Preview — not published." in page
    assert 'id="move-published"' in page and "confirm(" in page
    scheme.refresh_from_db()
    stale = scheme.version - 1
    page = client.post(
        reverse("assessment-move", args=[scheme.pk]), {"to": "published", "version": stale}, follow=True
    ).content.decode()
    assert "Someone else changed this scheme meanwhile" in page
    scheme.refresh_from_db()
    assert scheme.state == SchemeState.PREVIEW
    page = client.post(
        reverse("assessment-move", args=[scheme.pk]), {"to": "published", "version": scheme.version}, follow=True
    ).content.decode()
    scheme.refresh_from_db()
    assert scheme.state == SchemeState.PUBLISHED
    assert 'id="published-banner"' in page and scheme.snapshot_sha256 in page and "assessor" in page
    assert "preview-banner" not in page and "move-" not in page and "add-item" not in page
    # the published page reads the snapshot: later records do not move it
    ProgressReport.objects.all().delete()
    assert client.get(reverse("assessment-sheet", args=[scheme.pk, own_unit.pk])).context["row"]["total"] == 89


def test_opening_refused_lists_the_problems(client, people, own_unit, english):
    assessor = people[Role.ASSESSOR]
    draft = services.save_scheme(assessor, {"year": 2025, "name": "空方案"}, [own_unit])
    services.save_item(assessor, draft, {"name": "任务", "method": Method.DELIVERY, "weight": Decimal(70)})
    client.force_login(assessor)
    page = client.get(reverse("assessment-scheme", args=[draft.pk])).content.decode()
    assert 'id="problems"' in page and "70%, not 100%" in page
    response = client.post(reverse("assessment-move", args=[draft.pk]), {"to": "open"}, follow=True)
    text = response.content.decode()
    assert "The scheme cannot open yet" in text and "Add the grades" in text
    draft.refresh_from_db()
    assert draft.state == SchemeState.DRAFT


# ---- invalid input ---------------------------------------------------------------------------------


def test_item_form_errors_on_the_fields(client, people, scheme, english):
    client.force_login(people[Role.ASSESSOR])
    url = reverse("assessment-item-new", args=[scheme.pk])
    count = Item.objects.count()
    response = client.post(url, {"name": "排名", "method": "indicator_rank", "weight": "10", "sort_order": "0"})
    assert response.status_code == 400
    assert "indicator" in response.context["form"].errors
    assert "Choose the indicator this item scores." in response.content.decode()
    response = client.post(
        url,
        {"name": "排名", "method": "indicator_rank", "weight": "abc", "sort_order": "0", "rank_points": "100, 九十"},
    )
    assert response.status_code == 400 and "weight" in response.context["form"].errors
    assert Item.objects.count() == count
    # a delivery item saves without the fields of other methods; hidden ones never block it
    response = client.post(url, {"name": "落实", "method": "delivery", "weight": "5", "per_overdue_task": "2"})
    assert response.status_code == 302
    saved = Item.objects.get(name="落实")
    assert saved.per_overdue_task == 2 and saved.base_points == 100


def test_scheme_form_needs_units_and_a_name(client, people, english):
    client.force_login(people[Role.ASSESSOR])
    response = client.post(reverse("assessment-new"), {"year": "2025", "name": ""})
    assert response.status_code == 400
    assert {"name", "units"} <= set(response.context["form"].errors)
    assert Scheme.objects.count() == 0


def test_scheme_form_groups_units_by_kind(client, people, own_unit, other_unit, third_unit, english):
    client.force_login(people[Role.ASSESSOR])
    page = client.get(reverse("assessment-new")).content.decode()
    assert '<optgroup label="County or district">' in page and '<optgroup label="City department">' in page
    assert (
        page.index("尧都区 (141002)")
        < page.index('<optgroup label="City department">')
        < page.index("市发展和改革委员会 (FGW)")
    )


def test_manual_grid_checks_every_row_and_saves_nothing_on_error(
    client, people, scheme, own_unit, other_unit, third_unit, english
):
    client.force_login(people[Role.ASSESSOR])
    url = reverse("assessment-scores", args=[scheme.pk, scheme.manual_item.pk])
    before = AuditEvent.objects.count()
    data = {
        f"u{own_unit.pk}-points": "85",
        f"u{own_unit.pk}-comment": "复核",
        f"u{other_unit.pk}-points": "120",
        f"u{other_unit.pk}-comment": "超过满分",
        f"u{third_unit.pk}-points": "",
        f"u{third_unit.pk}-comment": "只有说明",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert page.count('class="table-danger"') == 2
    assert "less than or equal to 100" in page and "Give the points, or clear the comment." in page
    assert AuditEvent.objects.count() == before
    assert ManualScore.objects.get(unit=own_unit).points == 80
    # an empty comment: the service's message, on the row
    response = client.post(url, {f"u{own_unit.pk}-points": "85", f"u{own_unit.pk}-comment": " "})
    assert response.status_code == 400 and "Say what the points are for" in response.content.decode()
    response = client.post(url, {f"u{own_unit.pk}-points": "85", f"u{own_unit.pk}-comment": "复核"}, follow=True)
    assert "1 score(s) saved." in response.content.decode()
    assert ManualScore.objects.get(unit=own_unit).points == 85


def test_adjustment_and_exemption_messages(client, people, scheme, own_unit, own_demerit, english):
    client.force_login(people[Role.ASSESSOR])
    url = reverse("assessment-adjustments", args=[scheme.pk])
    count = Adjustment.objects.count()
    response = client.post(url, {"kind": "incentive", "unit": own_unit.pk, "points": "", "reason": ""})
    assert response.status_code == 400
    assert {"points", "reason"} <= set(response.context["form"].errors)
    response = client.post(url, {"kind": "incentive", "unit": own_unit.pk, "points": "500", "reason": "表彰"})
    assert response.status_code == 400 and "at most 100" in response.content.decode()
    assert Adjustment.objects.count() == count
    page = client.post(
        reverse("assessment-withdraw", args=[scheme.pk, own_demerit.pk]), {"reason": ""}, follow=True
    ).content.decode()
    assert "Say why the adjustment is withdrawn." in page
    own_demerit.refresh_from_db()
    assert not own_demerit.withdrawn
    # the supervision office records demerits only
    client.force_login(people[Role.SUPERVISOR])
    form = client.get(url).context["form"]
    assert [k for k, _label in form.fields["kind"].choices] == ["demerit"]

    client.force_login(people[Role.UNIT_HEAD])
    response = client.post(
        reverse("assessment-request", args=[own_demerit.pk]), {"grounds": "other", "explanation": "短"}
    )
    assert response.status_code == 400 and "at least 10 characters" in response.content.decode()
    response = client.post(
        reverse("assessment-request", args=[own_demerit.pk]),
        {"grounds": "other", "explanation": "上级政策调整导致项目暂停。"},
    )
    assert response.status_code == 302
    exemption = Exemption.objects.get(adjustment=own_demerit)
    client.force_login(people[Role.ASSESSOR])
    response = client.post(reverse("assessment-exemption", args=[exemption.pk]), {"decision": "reject"})
    assert response.status_code == 400 and "decision_reason" in response.context["form"].errors
    exemption.refresh_from_db()
    assert exemption.status == ExemptionStatus.PENDING


def test_exemption_detail_shows_precedents_and_the_decision(client, people, scheme, own_unit, other_unit, english):
    assessor = people[Role.ASSESSOR]
    old = services.add_adjustment(assessor, scheme, other_unit, AdjustmentKind.DEMERIT, 1, "汛期停工")
    past = services.request_exemption(people["other_unit_head"], old, "force_majeure", "特大暴雨，有气象部门证明。")
    services.decide_exemption(assessor, past, True, "属不可抗力，予以容错。")
    other = services.add_adjustment(assessor, scheme, other_unit, AdjustmentKind.DEMERIT, 1, "试点失误")
    unrelated = services.request_exemption(people["other_unit_head"], other, "pioneering", "首创改革试点，无先例可循。")
    services.decide_exemption(assessor, unrelated, False, "主观原因。")
    new = services.add_adjustment(assessor, scheme, own_unit, AdjustmentKind.DEMERIT, 2, "工期延误")
    pending = services.request_exemption(people[Role.UNIT_HEAD], new, "force_majeure", "暴雨导致施工中断两个月。")
    client.force_login(assessor)
    url = reverse("assessment-exemption", args=[pending.pk])
    response = client.get(url)
    precedents = list(response.context["precedents"])
    assert precedents == [past]  # same grounds only
    assert "属不可抗力，予以容错。" in response.content.decode() and 'id="decide"' in response.content.decode()
    assert list(client.get(url, {"all": "1"}).context["precedents"]) == [unrelated, past]
    assert list(client.get(url, {"all": "1", "q": "试点"}).context["precedents"]) == [unrelated]
    client.post(url, {"decision": "approve", "decision_reason": "同类先例已容错。"})
    page = client.get(url).content.decode()
    assert 'id="decision"' in page and "同类先例已容错。" in page and "Decided by assessor" in page
    # the sheet marks the demerit excused, with the reasons, and its points no longer count
    sheet = client.get(reverse("assessment-sheet", args=[scheme.pk, own_unit.pk])).content.decode()
    assert "excused (容错): 同类先例已容错。" in sheet
    # the queue lists pending first and filters
    services.request_exemption(
        people[Role.UNIT_HEAD], own_demerit_of(assessor, scheme, own_unit), "other", "其他原因，说明如下。"
    )
    queue = client.get(reverse("assessment-exemptions")).content.decode()
    statuses = [chunk.split('"')[0] for chunk in queue.split('<tr data-status="')[1:]]
    assert statuses[0] == "pending" and "pending" not in statuses[1:]
    assert client.get(reverse("assessment-exemptions"), {"grounds": "pioneering"}).context["page"].paginator.count == 1


def own_demerit_of(assessor, scheme, unit):
    return services.add_adjustment(assessor, scheme, unit, AdjustmentKind.DEMERIT, 1, "另一项扣分")


def test_refresh_demerits_button_reports_counts(client, people, scheme, english):
    scheme.demerit_per_overdue_task = Decimal("1.5")
    scheme.save()
    client.force_login(people[Role.ASSESSOR])
    response = client.post(reverse("assessment-refresh-demerits", args=[scheme.pk]), follow=True)
    page = response.content.decode()
    assert "1 added, 0 withdrawn" in page  # a2 was closed ten days late
    assert Adjustment.objects.filter(scheme=scheme, rule="overdue_task").count() == 1
    assert "Overdue task" in page


# ---- exports ---------------------------------------------------------------------------------------


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_league_export_has_the_figures(client, people, scheme, english):
    client.force_login(people[Role.ASSESSOR])
    book = workbook(client.get(reverse("assessment-league-xlsx", args=[scheme.pk])))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[2]]
    assert header[:3] == ["rank", "code", "unit"] and header[3] == "重点任务落实 (60%)"
    rows = {r[1]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["FGW"][:6] == (2, "FGW", "市发改委", 90, 80, 3)
    assert rows["FGW"][header.index("total")] == 89
    assert rows["141002"][header.index("points off")] == 4 and rows["141002"][header.index("total")] == 94
    assert rows["141002"][header.index("grade")] == "优秀"


def test_sheets_export_lists_every_trail_entry(client, people, scheme, facts, english):
    client.force_login(people[Role.ASSESSOR])
    book = workbook(client.get(reverse("assessment-sheets-xlsx", args=[scheme.pk])))
    items, trail, delivery, adjustments = book.worksheets
    item_rows = [r for r in items.iter_rows(min_row=3, values_only=True)]
    assert ("FGW", "市发改委", "重点任务落实", "Task delivery", 60, 90, 54) in item_rows
    assert len(item_rows) == 6  # three units × two items
    trail_rows = [r for r in trail.iter_rows(min_row=3, values_only=True) if r[0] == "FGW" and r[2] == "重点任务落实"]
    assert len(trail_rows) == 5  # 1 overdue task, 2 late, 1 missing, 1 returned
    assert sum(r[6] for r in trail_rows) == -10
    overdue = next(r for r in trail_rows if r[4] == "2025-002")
    assert overdue[7].endswith(reverse("task-detail", args=[facts["a2"].pk]))
    fgw = next(r for r in delivery.iter_rows(min_row=3, values_only=True) if r[0] == "FGW")
    assert fgw == ("FGW", "市发改委", 2, 1, 10, 100, 7, 2, 1, 57.1, 1, None, 0)
    adjustment_rows = list(adjustments.iter_rows(min_row=3, values_only=True))
    assert {(r[0], r[2], r[3]) for r in adjustment_rows} == {("FGW", "Incentive", 3), ("141002", "Demerit", 4)}


def test_list_and_queue_exports(client, people, scheme, own_demerit, english):
    services.request_exemption(people[Role.UNIT_HEAD], own_demerit, "force_majeure", "暴雨导致施工中断两个月。")
    client.force_login(people[Role.ASSESSOR])
    book = workbook(client.get(reverse("assessment-list"), {"format": "xlsx"}))
    rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert rows[0][:5] == (2025, "县区和部门考核", "Open", 3, 2)
    book = workbook(client.get(reverse("assessment-exemptions"), {"format": "xlsx"}))
    rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert rows[0][:5] == ("Pending", "市发展和改革委员会", str(scheme), "安全检查不合格", 2)
    book = workbook(client.get(reverse("assessment-adjustments", args=[scheme.pk]), {"format": "xlsx"}))
    assert len(list(book.worksheets[0].iter_rows(min_row=2))) == 3


# ---- query counts ----------------------------------------------------------------------------------


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_league_and_sheet_query_counts_do_not_grow_with_units(client, people, city, own_unit, facts):
    assessor = people[Role.ASSESSOR]
    extra = [
        save_unit(SYSTEM, {"code": f"1410{n:02d}", "name": f"县{n}", "kind": Unit.Kind.COUNTY, "parent": city})
        for n in range(30, 39)
    ]
    small = build_scheme(assessor, [own_unit, *extra[:2]], "小方案")
    large = build_scheme(assessor, [own_unit, *extra], "大方案")
    for scheme in (small, large):
        for unit in scheme.units.all():
            services.save_manual_score(assessor, scheme.manual_item, unit, Decimal(90), "测评")
            services.add_adjustment(assessor, scheme, unit, AdjustmentKind.DEMERIT, 1, "扣分")
    assert large.units.count() == 10 and small.units.count() == 3
    client.force_login(assessor)
    counts = {}
    for scheme in (small, large):
        counts[scheme.name] = (
            queries(client, reverse("assessment-scheme", args=[scheme.pk])),
            queries(client, reverse("assessment-sheet", args=[scheme.pk, own_unit.pk])),
        )
    assert counts["小方案"] == counts["大方案"]
    league, sheet = counts["大方案"]
    assert league <= 22 and sheet <= 19  # pinned: a new query per page must be a decision, not an accident


def test_bad_ids_are_404_not_500(client, people, scheme):
    client.force_login(people[Role.ASSESSOR])
    for url in (
        reverse("assessment-scheme", args=[9999]),
        reverse("assessment-sheet", args=[scheme.pk, 9999]),
        reverse("assessment-item-edit", args=[scheme.pk, 9999]),
        reverse("assessment-scores", args=[scheme.pk, scheme.delivery_item.pk]),  # not a manual item
        reverse("assessment-exemption", args=[9999]),
        reverse("assessment-request", args=[9999]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("assessment-part-delete", args=[scheme.pk, "nonsense", 1])).status_code == 404
    response = client.post(reverse("assessment-move", args=[scheme.pk]), {"to": "nowhere"}, follow=True)
    assert response.status_code == 200 and Scheme.objects.get(pk=scheme.pk).state == SchemeState.OPEN


def test_results_module_still_agrees(scheme):
    """The page figures above come from `results`: a guard that the fixture means what the tests say."""
    rows = {r["unit"]["code"]: r["total"] for r in results.compute(scheme, AS_OF)["units"]}
    assert rows == {"FGW": 89, "141002": 94, "141021": 88}


def test_rank_item_with_chinese_list_commas_scores_and_links(
    client, people, scheme, own_unit, other_unit, third_unit, english
):
    """Points by rank written as 100、90 (the form accepts it, so the results must read it too); the trail links
    to the league table of the same indicator, group, period and basis."""
    from bihuan.indicators.models import Area, Indicator, Observation, PeerGroup

    gdp = Indicator.objects.create(code="gdp", name="地区生产总值")
    group = PeerGroup.objects.create(name="临汾县区")
    for code, name, value in (("141002", "尧都区", 500.0), ("141021", "曲沃县", 120.0)):
        area = Area.objects.create(code=code, name=name, level="county")
        group.areas.add(area)
        Observation.objects.create(
            indicator=gdp, area=area, period="2024", value=value, recorded_at=moment(date(2025, 3, 1))
        )
    assessor = people[Role.ASSESSOR]
    client.force_login(assessor)
    ManualScore.objects.all().delete()  # the manual item's weight goes to the rank item
    Item.objects.filter(pk=scheme.manual_item.pk).update(weight=20)
    response = client.post(
        reverse("assessment-item-new", args=[scheme.pk]),
        {
            "name": "GDP排名",
            "method": "indicator_rank",
            "weight": "20",
            "indicator": gdp.pk,
            "peer_group": group.pk,
            "period": "2024",
            "rank_basis": "value",
            "rank_points": "100、90",
            "best_points": "100",
            "worst_points": "60",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert client.get(reverse("assessment-scheme", args=[scheme.pk])).status_code == 200
    # a period must be one of the indicator's frequency
    rank_item = Item.objects.get(name="GDP排名")
    edit = reverse("assessment-item-edit", args=[scheme.pk, rank_item.pk])
    for period, words in (("2025-Q4", "write a period such as 2023"), ("二〇二四", "Write a period as 2025")):
        body = {"name": "GDP排名", "method": "indicator_rank", "weight": "20", "indicator": gdp.pk}
        response = client.post(edit, body | {"peer_group": group.pk, "period": period, "rank_points": "100、90"})
        assert response.status_code == 400 and words in response.context["form"].errors["period"][0]
    rank_item.refresh_from_db()
    assert rank_item.period == "2024"
    page = client.get(reverse("assessment-sheet", args=[scheme.pk, third_unit.pk])).content.decode()
    link = reverse("league-table") + f"?indicator=gdp&amp;group={group.pk}&amp;period=2024&amp;by=value"
    assert f'href="{link}"' in page and "rank 2 of 2" in page
    item = next(
        i
        for i in client.get(reverse("assessment-sheet", args=[scheme.pk, other_unit.pk])).context["items"]
        if i["name"] == "GDP排名"
    )
    assert item["scored"]["points"] == 100
    fgw = client.get(reverse("assessment-sheet", args=[scheme.pk, own_unit.pk])).content.decode()
    assert "the unit&#x27;s area is not in 临汾县区" in fgw
