"""The assessment API: every role (and anonymous) × own/other unit × every endpoint, asserting the status and
that nothing was written or leaked; a scheme from draft to published; 400s that name the field; 409s; list
query counts that do not grow with the rows; the OpenAPI schema without warnings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bihuan.assessment import services
from bihuan.assessment.models import (
    Adjustment,
    AdjustmentKind,
    Exemption,
    ExemptionStatus,
    GradeBand,
    Item,
    ManualScore,
    Method,
    Result,
    Scheme,
    SchemeState,
)
from bihuan.core.models import AuditEvent, Notification
from bihuan.core.roles import SYSTEM, Role
from bihuan.org.models import Unit
from bihuan.org.services import save_unit
from bihuan.supervision.models import KeyTask

API = "/api/v1/"
OFFICE = {Role.ADMIN, Role.SUPERVISOR, Role.ASSESSOR}
SETUP = {Role.ADMIN, Role.ASSESSOR}
UNIT_ROLES = {Role.UNIT_HEAD, Role.UNIT_CLERK}


def post(client, url: str, data: Any = None) -> Any:
    return client.post(url, data or {}, content_type="application/json")


def call(client, method: str, url: str, body: Any = None) -> Any:
    if method == "get":
        return client.get(url)
    if method == "delete":
        return client.delete(url)
    return getattr(client, method)(url, body or {}, content_type="application/json")


def snapshot() -> tuple:
    """Every assessment row, the audit log's length and the inboxes: equal before and after means nothing
    was written."""
    return (
        list(Scheme.objects.order_by("pk").values()),
        list(Scheme.units.through.objects.order_by("pk").values()),
        list(Item.objects.order_by("pk").values()),
        list(GradeBand.objects.order_by("pk").values()),
        list(ManualScore.objects.order_by("pk").values()),
        list(Adjustment.objects.order_by("pk").values()),
        list(Exemption.objects.order_by("pk").values()),
        list(Result.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


@pytest.fixture
def world(people, own_unit, other_unit) -> dict[str, Any]:
    """An open scheme assessing FGW (own) and 141002 (other): a delivery and a manual item, three grades,
    both units scored, an overdue task of FGW behind an automatic-demerit rule, demerits on both units, and
    a pending fault-tolerance request of each unit."""
    assessor = people[Role.ASSESSOR]
    KeyTask.objects.create(
        year=2025,
        number="2025-001",
        title="逾期任务",
        lead_unit=own_unit,
        start=date(2025, 1, 1),
        due=date(2025, 3, 31),
        status="in_progress",
        assigned_on=date(2025, 1, 1),
    )
    scheme = services.save_scheme(
        assessor,
        {"year": 2025, "name": "部门考核", "as_of": date(2025, 6, 30), "demerit_per_overdue_task": Decimal(1)},
        [own_unit, other_unit],
    )
    delivery = services.save_item(
        assessor, scheme, {"name": "任务落实", "method": Method.DELIVERY, "weight": Decimal(60)}
    )
    manual = services.save_item(
        assessor, scheme, {"name": "满意度", "method": Method.MANUAL, "weight": Decimal(40), "sort_order": 1}
    )
    bands = [
        services.save_band(assessor, scheme, {"name": name, "minimum": Decimal(low), "sort_order": order})
        for order, (name, low) in enumerate([("优秀", 90), ("合格", 60), ("不合格", 0)])
    ]
    scheme = services.move(assessor, scheme, SchemeState.OPEN)
    scores = {
        unit.code: services.save_manual_score(assessor, manual, unit, Decimal(points), "满意度测评")
        for unit, points in ((own_unit, 80), (other_unit, 90))
    }
    demerit = services.add_adjustment(assessor, scheme, own_unit, AdjustmentKind.DEMERIT, 2, "通报批评")
    excused = services.add_adjustment(assessor, scheme, own_unit, AdjustmentKind.DEMERIT, 1, "项目延误")
    theirs = services.add_adjustment(assessor, scheme, other_unit, AdjustmentKind.DEMERIT, 3, "安全检查不合格")
    request = services.request_exemption(
        people[Role.UNIT_HEAD], excused, "force_majeure", "暴雨导致停工两周，有气象证明。"
    )
    services.request_exemption(people["other_unit_head"], theirs, "pioneering", "首创改革，无先例可循，试点调整。")
    return {
        "scheme": Scheme.objects.get(pk=scheme.pk),
        "delivery": delivery,
        "manual": manual,
        "band": bands[1],
        "score": scores["FGW"],
        "demerit": demerit,
        "request": request,
    }


def actions(world: dict[str, Any], own_unit: Unit) -> list[tuple[str, str, str, Any]]:
    """(name, method, url, body) of every endpoint and action, aimed at the own unit (FGW)."""
    scheme = world["scheme"]
    s = f"{API}assessment-schemes/{scheme.pk}/"
    item, band = f"{API}assessment-items/{world['manual'].pk}/", f"{API}assessment-bands/{world['band'].pk}/"
    return [
        ("schemes list", "get", f"{API}assessment-schemes/", None),
        ("scheme retrieve", "get", s, None),
        ("results", "get", s + "results/", None),
        ("sheet", "get", s + f"units/{own_unit.pk}/", None),
        ("items list", "get", f"{API}assessment-items/?scheme={scheme.pk}", None),
        ("bands list", "get", f"{API}assessment-bands/?scheme={scheme.pk}", None),
        ("scores list", "get", f"{API}assessment-scores/?scheme={scheme.pk}", None),
        ("adjustments list", "get", f"{API}assessment-adjustments/?scheme={scheme.pk}", None),
        ("exemptions list", "get", f"{API}assessment-exemptions/", None),
        ("precedents", "get", f"{API}assessment-exemptions/precedents/?grounds=force_majeure", None),
        ("scheme create", "post", f"{API}assessment-schemes/", {"year": 2026, "name": "新方案", "units": ["FGW"]}),
        ("scheme update", "patch", s, {"description": "年度考核"}),
        ("scheme move", "post", s + "move/", {"to": "preview", "version": scheme.version}),
        ("refresh demerits", "post", s + "refresh-demerits/", None),
        (
            "item create",
            "post",
            f"{API}assessment-items/",
            {"scheme": scheme.pk, "name": "附加项", "method": "manual", "weight": "0"},
        ),
        ("item update", "patch", item, {"name": "群众满意度"}),
        ("item delete", "delete", item, None),
        ("band create", "post", f"{API}assessment-bands/", {"scheme": scheme.pk, "name": "良好", "minimum": "80"}),
        ("band update", "patch", band, {"minimum": "65"}),
        ("band delete", "delete", band, None),
        (
            "score enter",
            "post",
            f"{API}assessment-scores/",
            {"item": world["manual"].pk, "unit": "FGW", "points": "85", "comment": "复核"},
        ),
        ("score update", "put", f"{API}assessment-scores/{world['score'].pk}/", {"points": "86", "comment": "复核"}),
        (
            "adjustment create",
            "post",
            f"{API}assessment-adjustments/",
            {"scheme": scheme.pk, "unit": "FGW", "kind": "demerit", "points": "1", "reason": "督查通报"},
        ),
        (
            "adjustment withdraw",
            "post",
            f"{API}assessment-adjustments/{world['demerit'].pk}/withdraw/",
            {"reason": "错"},
        ),
        (
            "exemption create",
            "post",
            f"{API}assessment-exemptions/",
            {"adjustment": world["demerit"].pk, "grounds": "force_majeure", "explanation": "暴雨导致停工，有证明。"},
        ),
        (
            "exemption decide",
            "post",
            f"{API}assessment-exemptions/{world['request'].pk}/decide/",
            {"approve": True, "reason": "属不可抗力"},
        ),
    ]


def expected(role: str, own: bool, name: str) -> int:
    """The status each role gets, by the rules in assessment/policies.py and services.py: the scheme is open,
    so statisticians and viewers do not see it; a unit sees its own rows only."""
    sees_scheme = role in OFFICE or role in UNIT_ROLES or role == Role.LEADER
    sees_fgw = role in OFFICE or role == Role.LEADER or (role in UNIT_ROLES and own)
    if name.endswith(("list", "precedents")):
        return 200
    if name in ("scheme retrieve", "results"):
        return 200 if sees_scheme else 404
    if name == "sheet":
        return 200 if sees_fgw else 404
    if name == "scheme create":
        return 201 if role in SETUP else 403
    if name in ("item create", "band create"):
        return 201 if role in SETUP else 403
    if name in ("scheme update", "item update", "band update", "item delete", "band delete"):
        allowed = 204 if name.endswith("delete") else 200
        return allowed if role in SETUP else 403 if sees_scheme else 404
    if name == "scheme move":
        return 200 if role == Role.ASSESSOR else 403 if sees_scheme else 404
    if name == "refresh demerits":
        return 200 if role in OFFICE else 403 if sees_scheme else 404
    if name == "score enter":
        return 200 if role in SETUP else 403 if sees_scheme else 400  # an item you cannot see "does not exist"
    if name == "score update":
        return 200 if role in SETUP else 403 if sees_fgw else 404
    if name == "adjustment create":
        return 201 if role in OFFICE else 403 if sees_scheme else 400
    if name == "adjustment withdraw":
        return 200 if role in OFFICE else 403 if sees_fgw else 404
    if name == "exemption create":
        return 201 if role in UNIT_ROLES and own else 403 if sees_fgw else 400
    if name == "exemption decide":
        return 200 if role == Role.ASSESSOR else 403 if sees_fgw else 404
    raise AssertionError(name)


def rows_seen(role: str, own: bool) -> set[str]:
    """The units whose rows a user sees while the scheme is open."""
    if role in OFFICE or role == Role.LEADER:
        return {"FGW", "141002"}
    if role in UNIT_ROLES:
        return {"FGW"} if own else {"141002"}
    return set()


def codes_in(name: str, body: dict[str, Any]) -> set[str] | None:
    """The unit codes a read answered with, where the answer is about units."""
    if name == "results":
        return {row["unit"]["code"] for row in body["units"]}
    if name in ("scores list", "adjustments list", "exemptions list"):
        return {row["unit"] for row in body["results"]}
    return None


@pytest.mark.parametrize("own", [True, False], ids=["own_unit", "other_unit"])
@pytest.mark.parametrize("role", [*Role.values, "anonymous"])
def test_role_matrix(role, own, people, world, own_unit, client):
    if role != "anonymous":
        client.force_login(people[role if own else f"other_{role}"])
    for name, method, url, body in actions(world, own_unit):
        with transaction.atomic():  # each action meets the same world
            before = snapshot()
            response = call(client, method, url, body)
            after = snapshot()
            transaction.set_rollback(True)
        want = 401 if role == "anonymous" else expected(role, own, name)
        assert response.status_code == want, (name, response.status_code, response.content[:300])
        if method == "get" or want >= 400:
            assert after == before, f"{name} changed data for {role}"
        else:
            assert after != before, f"{name} wrote nothing"
        if want == 200 and method == "get":
            found = codes_in(name, response.json())
            if found is not None:
                assert found == rows_seen(role, own), (name, found)  # both units have rows of every kind
            if name == "schemes list":
                assert response.json()["count"] == (1 if expected(role, own, "scheme retrieve") == 200 else 0)
            if name == "sheet":
                assert response.json()["unit"]["code"] == "FGW"
        if want >= 400 and role != "anonymous":
            assert "141002" not in response.content.decode() and "尧都区" not in response.content.decode()


def test_a_scheme_from_draft_to_published(people, own_unit, other_unit, login):
    office = login(people[Role.ASSESSOR])
    created = post(office, f"{API}assessment-schemes/", {"year": 2025, "name": "部门考核", "units": ["FGW", "141002"]})
    assert created.status_code == 201, created.json()
    scheme = created.json()
    assert scheme["state"] == "draft" and set(scheme["units"]) == {"FGW", "141002"}
    url = f"{API}assessment-schemes/{scheme['id']}/"
    item = post(
        office,
        f"{API}assessment-items/",
        {"scheme": scheme["id"], "name": "满意度", "method": "manual", "weight": "70"},
    )
    assert item.status_code == 201, item.json()
    assert AuditEvent.objects.filter(action="item.created", object_id=str(item.json()["id"])).count() == 1

    not_ready = post(office, url + "move/", {"to": "open", "version": scheme["version"]})
    assert not_ready.status_code == 400
    problems = " ".join(not_ready.json()["problems"])
    assert "70" in problems and "100" in problems
    assert (
        office.patch(
            f"{API}assessment-items/{item.json()['id']}/", {"weight": "100"}, content_type="application/json"
        ).json()["weight"]
        == "100.00"
    )
    for order, (name, low) in enumerate([("优秀", "90"), ("合格", "60"), ("不合格", "0")]):
        band = post(
            office,
            f"{API}assessment-bands/",
            {"scheme": scheme["id"], "name": name, "minimum": low, "sort_order": order},
        )
        assert band.status_code == 201, band.json()

    stale = post(office, url + "move/", {"to": "open", "version": scheme["version"] + 5})
    assert stale.status_code == 409 and "detail" in stale.json()
    opened = post(office, url + "move/", {"to": "open", "version": scheme["version"]})
    assert opened.status_code == 200 and opened.json()["state"] == "open"
    detail = office.get(url).json()
    assert [b["name"] for b in detail["bands"]] == ["优秀", "合格", "不合格"] and len(detail["items"]) == 1

    entered = post(
        office,
        f"{API}assessment-scores/",
        {"item": item.json()["id"], "unit": "FGW", "points": "95", "comment": "测评"},
    )
    assert entered.status_code == 201 and entered.json()["entered_by"] == "assessor"
    again = post(
        office,
        f"{API}assessment-scores/",
        {"item": item.json()["id"], "unit": "FGW", "points": "92", "comment": "复核"},
    )
    assert again.status_code == 200 and again.json()["id"] == entered.json()["id"] and again.json()["points"] == "92.00"
    post(
        office,
        f"{API}assessment-scores/",
        {"item": item.json()["id"], "unit": "141002", "points": "70", "comment": "测评"},
    )
    demerit = post(
        office,
        f"{API}assessment-adjustments/",
        {"scheme": scheme["id"], "unit": "FGW", "kind": "demerit", "points": "5", "reason": "通报批评"},
    )
    assert demerit.status_code == 201 and demerit.json()["created_by"] == "assessor"

    head = login(people[Role.UNIT_HEAD])
    request = post(
        head,
        f"{API}assessment-exemptions/",
        {"adjustment": demerit.json()["id"], "grounds": "inherited", "explanation": "历史遗留问题，非本届造成。"},
    )
    assert request.status_code == 201 and request.json()["status"] == "pending" and request.json()["unit"] == "FGW"
    twice = post(
        head,
        f"{API}assessment-exemptions/",
        {"adjustment": demerit.json()["id"], "grounds": "other", "explanation": "再次提出同一请求，补充了材料。"},
    )
    assert twice.status_code == 409
    sheet = head.get(url + f"units/{own_unit.pk}/").json()
    assert sheet["total"] == 87 and sheet["malus"] == 5  # 92 − 5
    assert head.get(url + f"units/{other_unit.pk}/").status_code == 404  # not published yet
    assert [r["unit"]["code"] for r in head.get(url + "results/").json()["units"]] == ["FGW"]

    office = login(people[Role.ASSESSOR])
    version = office.get(url).json()["version"]
    waits = post(office, url + "move/", {"to": "preview", "version": version})
    assert waits.status_code == 200
    blocked = post(office, url + "move/", {"to": "published", "version": waits.json()["version"]})
    assert blocked.status_code == 409  # a request waits for a decision
    decided = post(
        office,
        f"{API}assessment-exemptions/{request.json()['id']}/decide/",
        {"approve": True, "reason": "属历史遗留，予以容错。"},
    )
    assert decided.json()["status"] == "approved" and decided.json()["decided_by"] == "assessor"
    published = post(office, url + "move/", {"to": "published", "version": waits.json()["version"]})
    assert published.status_code == 200 and published.json()["state"] == "published"
    assert len(published.json()["snapshot_sha256"]) == 64
    assert post(office, url + "move/", {"to": "open"}).status_code == 409  # published is final
    assert office.patch(url, {"name": "改名"}, content_type="application/json").status_code == 403

    viewer = login(people[Role.VIEWER])
    rows = viewer.get(url + "results/").json()["units"]
    assert [(r["unit"]["code"], r["total"], r["rank"]) for r in rows] == [("FGW", 92, 1), ("141002", 70, 2)]
    assert viewer.get(url + f"units/{other_unit.pk}/").json()["total"] == 70
    found = viewer.get(f"{API}assessment-exemptions/precedents/?q=历史遗留").json()
    assert [e["id"] for e in found["results"]] == [request.json()["id"]]
    assert found["results"][0]["demerit_reason"] == "通报批评"


def test_filters(people, world, login):
    office = login(people[Role.ASSESSOR])
    scheme = world["scheme"]
    assert office.get(f"{API}assessment-schemes/?year=2025&state=open").json()["count"] == 1
    assert office.get(f"{API}assessment-schemes/?state=draft").json()["count"] == 0
    assert office.get(f"{API}assessment-schemes/?year=2024").json()["count"] == 0
    kinds = office.get(f"{API}assessment-adjustments/?scheme={scheme.pk}&unit=FGW&kind=demerit").json()
    assert kinds["count"] == 2 and {a["unit"] for a in kinds["results"]} == {"FGW"}
    assert office.get(f"{API}assessment-adjustments/?kind=veto").json()["count"] == 0
    assert office.get(f"{API}assessment-exemptions/?status=pending&scheme={scheme.pk}").json()["count"] == 2
    assert office.get(f"{API}assessment-exemptions/?grounds=pioneering").json()["results"][0]["unit"] == "141002"
    assert office.get(f"{API}assessment-exemptions/?scheme={scheme.pk + 1}").json()["count"] == 0
    assert office.get(f"{API}assessment-scores/?item={world['manual'].pk}&unit=141002").json()["count"] == 1
    assert office.get(f"{API}assessment-items/?scheme={scheme.pk}&method=manual").json()["count"] == 1
    assert office.get(f"{API}assessment-bands/?scheme={scheme.pk}").json()["count"] == 3
    refreshed = post(office, f"{API}assessment-schemes/{scheme.pk}/refresh-demerits/")
    assert refreshed.json() == {"added": 1, "withdrawn": 0}  # the overdue task
    assert office.get(f"{API}assessment-adjustments/?scheme={scheme.pk}&unit=FGW").json()["count"] == 3


@pytest.mark.parametrize(
    ("who", "method", "path", "body", "field"),
    [
        ("assessor", "post", "assessment-schemes/", {"year": 2025, "name": "空", "units": []}, "units"),
        (
            "assessor",
            "post",
            "assessment-items/",
            {"scheme": "S", "name": "排名", "method": "indicator_rank", "weight": "10"},
            "indicator",
        ),
        (
            "assessor",
            "post",
            "assessment-items/",
            {"scheme": "S", "name": "x", "method": "manual", "weight": "101"},
            "weight",
        ),
        (
            "assessor",
            "post",
            "assessment-scores/",
            {"item": "M", "unit": "FGW", "points": "150", "comment": "x"},
            "points",
        ),
        (
            "assessor",
            "post",
            "assessment-scores/",
            {"item": "M", "unit": "FGW", "points": "80", "comment": " "},
            "comment",
        ),
        (
            "assessor",
            "post",
            "assessment-scores/",
            {"item": "D", "unit": "FGW", "points": "80", "comment": "x"},
            "item",
        ),
        (
            "assessor",
            "post",
            "assessment-scores/",
            {"item": "M", "unit": "141000", "points": "80", "comment": "x"},
            "unit",
        ),
        (
            "assessor",
            "post",
            "assessment-adjustments/",
            {"scheme": "S", "unit": "FGW", "kind": "demerit", "points": "1", "reason": ""},
            "reason",
        ),
        (
            "assessor",
            "post",
            "assessment-adjustments/",
            {"scheme": "S", "unit": "FGW", "kind": "incentive", "points": "0", "reason": "奖"},
            "points",
        ),
        (
            "supervisor",
            "post",
            "assessment-adjustments/",
            {"scheme": "S", "unit": "FGW", "kind": "incentive", "points": "1", "reason": "奖"},
            "kind",
        ),
        ("assessor", "post", "assessment-adjustments/A/withdraw/", {"reason": " "}, "reason"),
        (
            "unit_head",
            "post",
            "assessment-exemptions/",
            {"adjustment": "A", "grounds": "other", "explanation": "短"},
            "explanation",
        ),
        (
            "unit_head",
            "post",
            "assessment-exemptions/",
            {"adjustment": "A", "grounds": "luck", "explanation": "说明足够长的一段文字。"},
            "grounds",
        ),
        ("assessor", "post", "assessment-exemptions/R/decide/", {"approve": False, "reason": ""}, "reason"),
        ("assessor", "post", "assessment-exemptions/R/decide/", {"reason": "x"}, "approve"),
        ("assessor", "post", "assessment-schemes/S/move/", {"to": "finished"}, "to"),
        ("viewer", "get", "assessment-exemptions/precedents/?grounds=luck", None, "grounds"),
    ],
)
def test_bad_input_answers_400_naming_the_field(who, method, path, body, field, people, world, login):
    ids = {"S": world["scheme"].pk, "M": world["manual"].pk, "D": world["delivery"].pk}
    ids |= {"A": world["demerit"].pk, "R": world["request"].pk}
    path = "/".join(str(ids.get(part, part)) for part in path.split("/"))
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in (body or {}).items()}
    client = login(people[who])
    before = snapshot()
    response = call(client, method, API + path, body)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert snapshot() == before


def test_a_partial_change_of_an_item_is_checked_as_a_whole(people, world, login):
    """PATCH names only the changed fields; the method's rules apply to the item as it will be."""
    from bihuan.indicators.models import Indicator, PeerGroup

    office = login(people[Role.ASSESSOR])
    indicator = Indicator.objects.create(code="gdp", name="地区生产总值")
    group = PeerGroup.objects.create(name="临汾17县区")
    rank = post(
        office,
        f"{API}assessment-items/",
        {
            "scheme": world["scheme"].pk,
            "name": "GDP排名",
            "method": "indicator_rank",
            "weight": "0",
            "indicator": "gdp",
            "peer_group": group.pk,
        },
    )
    assert rank.status_code == 201, rank.json()
    url = f"{API}assessment-items/{rank.json()['id']}/"
    worse = office.patch(url, {"worst_points": "120"}, content_type="application/json")
    assert worse.status_code == 400 and "worst_points" in worse.json()
    renamed = office.patch(url, {"name": "GDP 排位", "method": "indicator_rank"}, content_type="application/json")
    assert renamed.status_code == 200 and renamed.json()["indicator"] == indicator.code
    moved = office.patch(url, {"scheme": world["scheme"].pk + 1, "weight": "1"}, content_type="application/json")
    assert moved.status_code == 200 and moved.json()["scheme"] == world["scheme"].pk  # an item stays in its scheme


def test_conflicts_answer_409(people, world, login):
    office = login(people[Role.ASSESSOR])
    url = f"{API}assessment-schemes/{world['scheme'].pk}/move/"
    assert post(office, url, {"to": "preview", "version": world["scheme"].version - 1}).status_code == 409
    assert post(office, url, {"to": "published"}).status_code == 409  # open cannot publish directly
    # ... but to a unit, which may move no scheme at all, that is a refusal, not a conflict
    assert post(login(people[Role.UNIT_HEAD]), url, {"to": "published"}).status_code == 403
    office = login(people[Role.ASSESSOR])
    before = snapshot()
    assert post(office, url, {"to": "draft", "version": world["scheme"].version}).status_code == 200
    assert Scheme.objects.get(pk=world["scheme"].pk).state == SchemeState.DRAFT and snapshot() != before
    # a draft takes no scores
    body = {"item": world["manual"].pk, "unit": "FGW", "points": "50", "comment": "x"}
    assert post(office, f"{API}assessment-scores/", body).status_code == 403
    assert ManualScore.objects.get(pk=world["score"].pk).points == 80


def test_a_sheet_of_a_unit_not_assessed_is_404(people, world, city, login):
    outsider = save_unit(SYSTEM, {"code": "141021", "name": "曲沃县", "kind": Unit.Kind.COUNTY, "parent": city})
    office = login(people[Role.ASSESSOR])
    assert office.get(f"{API}assessment-schemes/{world['scheme'].pk}/units/{outsider.pk}/").status_code == 404
    assert office.get(f"{API}assessment-schemes/{world['scheme'].pk + 99}/results/").status_code == 404


# ---- query counts ------------------------------------------------------------------------------------


def grow(world: dict[str, Any], own_unit: Unit, other_unit: Unit, people: dict[str, Any], count: int) -> None:
    """Rows until each list holds `count` (plus the world's): schemes with their units, items and grades;
    manual items with FGW's score; FGW's demerits with a request each."""
    scheme = world["scheme"]
    for n in range(Scheme.objects.count(), count + 1):
        extra = Scheme.objects.create(year=2025, name=f"方案{n}", state=SchemeState.OPEN)
        extra.units.set([own_unit, other_unit])
        Item.objects.create(scheme=extra, name="满意度", method=Method.MANUAL, weight=100)
        GradeBand.objects.create(scheme=extra, name="合格")
    while ManualScore.objects.filter(item__scheme=scheme, unit=own_unit).count() < count:
        item = Item.objects.create(scheme=scheme, name="附加", method=Method.MANUAL, weight=0)
        ManualScore.objects.create(item=item, unit=own_unit, points=60, comment="x", entered_by=people["assessor"])
    while GradeBand.objects.filter(scheme=scheme).count() < count:
        GradeBand.objects.create(scheme=scheme, name="档", sort_order=9)
    decided = Exemption.objects.filter(adjustment__unit=own_unit, status=ExemptionStatus.REJECTED)
    while decided.count() < count:  # each with its demerit
        demerit = Adjustment.objects.create(
            scheme=scheme, unit=own_unit, kind="demerit", points=1, reason="x", created_by=people["assessor"]
        )
        Exemption.objects.create(
            adjustment=demerit,
            grounds="other",
            explanation="x" * 10,
            requested_by=people["unit_head"],
            decided_by=people["assessor"],
            status=ExemptionStatus.REJECTED,
        )


LISTS = [
    "assessment-schemes/",
    "assessment-items/?scheme={s}",
    "assessment-bands/?scheme={s}",
    "assessment-scores/?scheme={s}",
    "assessment-adjustments/?scheme={s}",
    "assessment-exemptions/",
    "assessment-exemptions/precedents/",
]


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.UNIT_HEAD])
def test_list_queries_do_not_grow_with_the_rows(role, people, world, own_unit, other_unit, login):
    client = login(people[role])

    def measure() -> list[tuple[int, int]]:
        out = []
        for path in LISTS:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(API + path.format(s=world["scheme"].pk))
            assert response.status_code == 200, path
            out.append((len(queries), response.json()["count"]))
        return out

    grow(world, own_unit, other_unit, people, 3)
    few = measure()
    grow(world, own_unit, other_unit, people, 10)
    many = measure()
    assert all(m[1] > f[1] >= 3 for f, m in zip(few, many, strict=True)), (few, many)
    assert [q for q, _ in many] == [q for q, _ in few], (few, many)


def test_openapi_schema_is_valid_without_warnings(db, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = out.read_text()
    for path in (
        "/api/v1/assessment-schemes/{id}/move/",
        "/api/v1/assessment-schemes/{id}/results/",
        "/api/v1/assessment-schemes/{id}/units/{unit_id}/",
        "/api/v1/assessment-schemes/{id}/refresh-demerits/",
        "/api/v1/assessment-items/{id}/",
        "/api/v1/assessment-bands/",
        "/api/v1/assessment-scores/{id}/",
        "/api/v1/assessment-adjustments/{id}/withdraw/",
        "/api/v1/assessment-exemptions/{id}/decide/",
        "/api/v1/assessment-exemptions/precedents/",
    ):
        assert f"{path}:" in schema, path
    assert "AssessmentResults" in schema and "AssessmentSheet" in schema
