"""A scheme computed from the database, figure by figure against a hand computation; the workflow; automatic
demerits; fault tolerance; publication freezing the results."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bihuan.assessment import results, services
from bihuan.assessment.models import Adjustment, AdjustmentKind, ExemptionStatus, Method, Result, SchemeState
from bihuan.core import audit
from bihuan.core.models import AuditEvent
from bihuan.core.roles import Role
from bihuan.core.services import Conflict
from bihuan.demo.tasks import moment, simulated_clock
from bihuan.supervision.models import KeyTask, SupervisionNotice
from tests.assessment_data import AS_OF, build_scheme, report


@pytest.fixture
def scheme(people, own_unit, other_unit, third_unit, facts):
    assessor = people[Role.ASSESSOR]
    scheme = build_scheme(assessor, [own_unit, other_unit, third_unit])
    for unit, points in ((own_unit, 80), (other_unit, 95), (third_unit, 70)):
        services.save_manual_score(assessor, scheme.manual_item, unit, Decimal(points), "群众满意度测评")
    return scheme


def adjust(people, scheme, own_unit, other_unit, third_unit):
    assessor = people[Role.ASSESSOR]
    services.add_adjustment(assessor, scheme, own_unit, AdjustmentKind.INCENTIVE, 3, "获国家级表彰", "国发〔2025〕1号")
    excused = services.add_adjustment(assessor, scheme, third_unit, AdjustmentKind.DEMERIT, 2, "通报批评：项目延误")
    services.add_adjustment(assessor, scheme, third_unit, AdjustmentKind.DEMERIT, 5, "通报批评：安全检查不合格")
    services.add_adjustment(assessor, scheme, other_unit, AdjustmentKind.VETO, 0, "发生较大安全生产事故")
    clerk = people[Role.UNIT_CLERK].__class__.objects.get(username="other_unit_clerk")  # a unit of 141002
    return excused, clerk


def test_golden_scheme_figure_by_figure(people, scheme, own_unit, other_unit, third_unit, make_user, facts):
    assessor = people[Role.ASSESSOR]
    KeyTask.objects.filter(pk=facts["a2"].pk).update(quality_rating=4)  # rated at its close-out
    excused, _ = adjust(people, scheme, own_unit, other_unit, third_unit)
    c_head = make_user("c_head", Role.UNIT_HEAD, third_unit)
    request = services.request_exemption(c_head, excused, "force_majeure", "暴雨导致施工中断，工期顺延两个月。")
    services.decide_exemption(assessor, request, True, "属不可抗力，予以容错。")

    data = results.compute(scheme, date(2026, 1, 1))
    rows = {row["unit"]["code"]: row for row in data["units"]}
    a, b, c = rows["FGW"], rows["141002"], rows["141021"]
    delivery, manual = str(scheme.delivery_item.pk), str(scheme.manual_item.pk)
    # A: 100 − 5 (overdue) − 2 × 1 (late) − 1 × 2 (missing) − 1 × 1 (return) = 90
    # and beside the points, not scored: 1 of 1 task due closed; 4 of 7 reports due on time (a1: January and
    # February of five; a2: both); a2 closed 10 days late; a2 rated 4 at its close-out
    assert a["items"][delivery]["facts"] == {
        "tasks": 2,
        "overdue_tasks": 1,
        "late_reports": 2,
        "missing_reports": 1,
        "returns": 1,
        "closure_rate": 100.0,
        "on_time_report_rate": 57.1,
        "reports_due": 7,
        "days_overdue": 10,
        "quality": 4.0,
        "rated": 1,
    }
    assert b["items"][delivery]["facts"]["on_time_report_rate"] == 100.0
    assert b["items"][delivery]["facts"]["closure_rate"] is None  # nothing due yet
    assert c["items"][delivery]["facts"]["on_time_report_rate"] is None  # no task: no rate, not 0%
    assert a["items"][delivery]["points"] == 90
    assert b["items"][delivery]["points"] == 100 and c["items"][delivery]["points"] == 100
    assert [a["items"][manual]["points"], b["items"][manual]["points"], c["items"][manual]["points"]] == [80, 95, 70]
    # weighted: A 54 + 32 + 3 = 89; B 60 + 38 = 98 (vetoed); C 60 + 28 − 5 (the 2 excused) = 83
    assert (a["total"], b["total"], c["total"]) == (89, 98, 83)
    assert (a["bonus"], c["malus"]) == (3, 5)
    assert (b["rank"], a["rank"], c["rank"]) == (1, 2, 3)
    assert b["grade"] == "不合格" and b["vetoed"] and b["note"] == "veto"
    assert a["grade"] == "良好" and c["grade"] == "良好"  # 89 < 90: not 优秀
    excused_row = next(x for x in c["adjustments"] if x["id"] == excused.pk)
    assert excused_row["exempted"] and excused_row["exemptions"][0]["status"] == ExemptionStatus.APPROVED
    # the trail names the records behind the points
    trail = a["items"][delivery]["trail"]
    assert {(e["what"], e.get("period")) for e in trail} == {
        ("overdue_task", None),
        ("late_report", "2025-03"),
        ("late_report", "2025-05"),
        ("missing_report", "2025-04"),
        ("return", "2025-03"),
    }
    missing = next(e for e in trail if e["what"] == "missing_report")
    assert (
        missing["number"] == "2025-001" and missing["days"] == (AS_OF - date(2025, 5, 5)).days and missing["off"] == 2
    )


def test_quota_keeps_the_best_grade_scarce(people, scheme, own_unit, other_unit, third_unit):
    """With 3 units a 34% quota of 优秀 allows one; two units on 95 tie, so neither gets it."""
    assessor = people[Role.ASSESSOR]
    for unit in (own_unit, other_unit, third_unit):
        services.save_manual_score(assessor, scheme.manual_item, unit, Decimal(100), "满分")
    data = results.compute(scheme, AS_OF)
    rows = {row["unit"]["code"]: row for row in data["units"]}
    assert rows["141002"]["total"] == rows["141021"]["total"] == 100
    assert rows["141002"]["grade"] == rows["141021"]["grade"] == "良好"
    assert "quota" in rows["141002"]["note"]


def test_publish_freezes_results_in_the_audit_chain(people, scheme, own_unit, other_unit, third_unit, facts):
    assessor = people[Role.ASSESSOR]
    adjust(people, scheme, own_unit, other_unit, third_unit)
    with pytest.raises(Conflict):
        services.move(assessor, scheme, SchemeState.PUBLISHED)  # not previewed
    scheme = services.move(assessor, scheme, SchemeState.PREVIEW, today=AS_OF)
    with pytest.raises(PermissionDenied):
        services.move(people[Role.ADMIN], scheme, SchemeState.PUBLISHED)  # only the assessment office publishes
    scheme = services.move(assessor, scheme, SchemeState.PUBLISHED, today=AS_OF)
    assert scheme.state == SchemeState.PUBLISHED and len(scheme.snapshot_sha256) == 64
    event = AuditEvent.objects.get(action="scheme.published", object_id=str(scheme.pk))
    assert event.changes["snapshot_sha256"] == services.snapshot_digest(scheme.snapshot) == scheme.snapshot_sha256
    assert Result.objects.filter(scheme=scheme).count() == 3
    before = results.results_of(scheme)
    # the records change after publication (a missing report is found, a late closure is corrected):
    # the published results do not move
    report(facts["a1"], "2025-04", date(2025, 5, 4))
    KeyTask.objects.filter(pk=facts["a2"].pk).update(closed_on=date(2025, 4, 30))
    assert results.results_of(scheme) == before
    assert results.compute(scheme, AS_OF)["units"] != before["units"]  # a recomputation would differ
    with pytest.raises(Conflict):
        services.save_item(assessor, scheme, {"name": "x", "method": Method.MANUAL, "weight": Decimal(1)})
    with pytest.raises(PermissionDenied):
        services.add_adjustment(assessor, scheme, own_unit, AdjustmentKind.INCENTIVE, 1, "迟到的奖励")
    assert audit.verify_chain().ok


def test_opening_needs_a_complete_scheme(people, own_unit):
    assessor = people[Role.ASSESSOR]
    scheme = services.save_scheme(assessor, {"year": 2025, "name": "空方案"}, [own_unit])
    services.save_item(assessor, scheme, {"name": "任务", "method": Method.DELIVERY, "weight": Decimal(70)})
    with pytest.raises(ValidationError) as problem:
        services.move(assessor, scheme, SchemeState.OPEN)
    text = " ".join(problem.value.messages)
    assert "合计为 70%" in text and "100%" in text and "等次" in text
    scheme.refresh_from_db()
    assert scheme.state == SchemeState.DRAFT


def test_item_validation_names_the_field(people, own_unit):
    assessor = people[Role.ASSESSOR]
    scheme = services.save_scheme(assessor, {"year": 2025, "name": "方案"}, [own_unit])
    with pytest.raises(ValidationError) as problem:
        services.save_item(assessor, scheme, {"name": "排名", "method": Method.INDICATOR_RANK, "weight": Decimal(10)})
    assert "indicator" in problem.value.message_dict
    with pytest.raises(ValidationError) as problem:
        services.rank_points_list("100, 九十, 80")
    assert "九十" in problem.value.message_dict["rank_points"][0]


def test_automatic_demerits_follow_the_records(people, scheme, own_unit, other_unit, facts):
    assessor = people[Role.ASSESSOR]
    scheme.demerit_per_overdue_task = Decimal("1.5")
    scheme.demerit_per_returned_report = Decimal("0.5")
    scheme.demerit_per_notice = Decimal(1)
    scheme.save()
    with simulated_clock(moment(date(2025, 6, 10))):
        notice = SupervisionNotice.objects.create(
            task=facts["b1"], unit=other_unit, text="请说明进度", respond_by=AS_OF
        )
    assert services.refresh_automatic_demerits(assessor, scheme, AS_OF) == (3, 0)
    auto = Adjustment.objects.filter(scheme=scheme).exclude(rule="")
    assert sorted((a.unit.code, a.rule, a.points) for a in auto) == [
        ("141002", "notice", Decimal("1.00")),
        ("FGW", "overdue_task", Decimal("1.50")),
        ("FGW", "returned_report", Decimal("0.50")),
    ]
    assert services.refresh_automatic_demerits(assessor, scheme, AS_OF) == (0, 0)  # idempotent
    # the notice is deleted (entered in error): its demerit is withdrawn, not deleted
    notice.delete()
    assert services.refresh_automatic_demerits(assessor, scheme, AS_OF) == (0, 1)
    gone = Adjustment.objects.get(scheme=scheme, rule="notice")
    assert gone.withdrawn
    data = results.compute(scheme, AS_OF)
    b = next(r for r in data["units"] if r["unit"]["code"] == "141002")
    assert b["malus"] == 0


def test_exemption_flow_and_precedents(people, scheme, own_unit, other_unit, third_unit):
    from bihuan.assessment import selectors

    assessor = people[Role.ASSESSOR]
    demerit = services.add_adjustment(assessor, scheme, other_unit, AdjustmentKind.DEMERIT, 2, "项目延误")
    head = people["other_unit_head"]
    with pytest.raises(PermissionDenied):  # not their unit's demerit
        services.request_exemption(people[Role.UNIT_HEAD], demerit, "pioneering", "首创改革，无先例可循。")
    with pytest.raises(ValidationError):
        services.request_exemption(head, demerit, "pioneering", "短")
    request = services.request_exemption(head, demerit, "pioneering", "首创改革，无先例可循，试点中调整方案。")
    with pytest.raises(Conflict):
        services.request_exemption(head, demerit, "pioneering", "再次提出同一请求的说明文字。")
    with pytest.raises(PermissionDenied):
        services.decide_exemption(people[Role.SUPERVISOR], request, True, "同意")
    with pytest.raises(ValidationError):
        services.decide_exemption(assessor, request, False, " ")
    services.decide_exemption(assessor, request, False, "延误系主观原因，不符合容错情形。")
    request.refresh_from_db()
    assert request.status == ExemptionStatus.REJECTED
    with pytest.raises(PermissionDenied):
        services.decide_exemption(assessor, request, True, "改判")
    # a rejected request may be followed by a new one with better grounds
    again = services.request_exemption(head, demerit, "force_majeure", "暴雨导致停工，有气象部门证明。")
    assert again.status == ExemptionStatus.PENDING
    found = list(selectors.precedents(assessor, grounds="pioneering"))
    assert found == [request]
    assert list(selectors.precedents(assessor, text="主观原因")) == [request]
    assert list(selectors.precedents(people[Role.UNIT_HEAD])) == []  # another unit's case, not published


def test_the_daily_tick_refreshes_open_schemes(people, scheme, other_unit, facts):
    from bihuan.core.ticks import run_tick

    scheme.demerit_per_overdue_task = Decimal(1)
    scheme.save()
    outcome = run_tick(AS_OF)
    assert outcome["assessment.demerits"].startswith("1 automatic demerits added")
    assert Adjustment.objects.filter(scheme=scheme, rule="overdue_task").count() == 1
    assert run_tick(AS_OF)["assessment.demerits"] == "already done today"
