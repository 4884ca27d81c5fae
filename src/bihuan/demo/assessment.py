"""The demo's assessment (考核): the year's scheme for the 17 counties and one for the city departments, run the
way an assessment office runs them — set up, opened, manual scores entered, automatic demerits drawn from the
demo's supervision history, two incentives, one fault-tolerance request approved and one rejected, one veto —
then previewed and published. Everything is illustrative: reasons say （示例）."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import docx
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bihuan.assessment import services
from bihuan.assessment.models import AdjustmentKind, Method, NoBasis, Scheme, SchemeState
from bihuan.core.models import AuditEvent
from bihuan.core.roles import Role
from bihuan.demo.indicators import COUNTY_GROUP
from bihuan.demo.tasks import moment, simulated_clock
from bihuan.indicators.models import Area, Indicator, PeerGroup, Target
from bihuan.indicators.services import save_target
from bihuan.org.models import Unit

COUNTY_SCHEME = "{year}年度县（市、区）目标责任考核"
DEPARTMENT_SCHEME = "{year}年度市直部门目标责任考核"
BANDS = [("优秀", 90, Decimal(30)), ("良好", 80, None), ("合格", 60, None), ("不合格", 0, None)]
# counties' fixed-asset investment growth targets (%): illustrative, between 4 and 8
FAI_TARGETS = (4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0)


def load_demo_assessment(today: date) -> dict[str, int]:
    """Set up, score and publish the two schemes of `today`'s year (the year of the demo's key tasks). Returns
    how many units each scheme graded."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    assessor = users.get(username="kaohe")
    supervisor = users.get(username="duchashi")
    last = AuditEvent.objects.order_by("-seq").values_list("created_at", flat=True).first()
    start = last + timedelta(seconds=1) if last else moment(today - timedelta(days=1), 9, 0)
    with simulated_clock(start) as clock:
        counties = _county_scheme(assessor, today)
        clock.set(clock.at + timedelta(minutes=1))
        departments = _department_scheme(assessor, supervisor, today)
        clock.set(clock.at + timedelta(minutes=3))
        _fault_tolerance(assessor, users, counties, departments, today)
        graded = {}
        published_on = timezone.localdate(clock.at)  # facts as of the day the results are published, not later
        for scheme in (counties, departments):
            scheme = services.move(assessor, scheme, SchemeState.PREVIEW, today=published_on)
            scheme = services.move(assessor, scheme, SchemeState.PUBLISHED, today=published_on)
            clock.set(clock.at + timedelta(minutes=1))
            graded[scheme.name] = scheme.results.count()
    return graded


def _bands(assessor: Any, scheme: Scheme) -> None:
    for order, (name, minimum, quota) in enumerate(BANDS):
        services.save_band(
            assessor, scheme, {"name": name, "minimum": Decimal(minimum), "quota": quota, "sort_order": order}
        )


def _county_scheme(assessor: Any, today: date) -> Scheme:
    year = today.year
    counties = list(Unit.objects.filter(kind=Unit.Kind.COUNTY).order_by("sort_order", "code"))
    scheme = services.save_scheme(
        assessor,
        {
            "year": year,
            "name": COUNTY_SCHEME.format(year=year),
            "description": "按照市委、市政府年度目标责任考核办法（示例），"
            "对17个县（市、区）重点任务落实、主要经济指标和群众满意度进行考核。",
            "incentive_cap": Decimal(3),
            "demerit_per_red_task": Decimal("0.5"),
            "demerit_per_notice": Decimal("0.5"),
            "demerit_cap": Decimal(5),
        },
        counties,
    )
    group = PeerGroup.objects.get(name=COUNTY_GROUP)
    gdp = Indicator.objects.get(code="gdp_growth_q")
    fai = Indicator.objects.get(code="fai_growth")
    _county_targets(fai, counties, year)
    items = [
        {"name": "重点任务落实", "method": Method.DELIVERY, "weight": Decimal(40), "per_overdue_task": Decimal(5),
         "per_late_report": Decimal(1), "per_missing_report": Decimal(2), "per_return": Decimal(1),
         "max_off": Decimal(40), "no_basis": NoBasis.FULL},
        {"name": "地区生产总值增速排名", "method": Method.INDICATOR_RANK, "weight": Decimal(20), "indicator": gdp,
         "peer_group": group, "rank_basis": "value", "best_points": Decimal(100), "worst_points": Decimal(60),
         "no_basis": NoBasis.SPREAD},
        {"name": "固定资产投资增速目标完成", "method": Method.INDICATOR_TARGET, "weight": Decimal(20), "indicator": fai,
         "target_cap": Decimal("1.2")},
        {"name": "群众满意度测评", "method": Method.MANUAL, "weight": Decimal(20)},
    ]  # fmt: skip
    for order, data in enumerate(items):
        services.save_item(assessor, scheme, {**data, "sort_order": order})
    _bands(assessor, scheme)
    scheme = services.move(assessor, scheme, SchemeState.OPEN)
    _survey(assessor, scheme, counties, "第三方群众满意度电话调查（示例）")
    services.refresh_automatic_demerits(assessor, scheme, today)
    units = {u.code: u for u in counties}
    services.add_adjustment(
        assessor, scheme, units["141002"], AdjustmentKind.INCENTIVE, 2,
        "获评国家级营商环境创新试点（示例）", "国务院办公厅通报（示例）",
    )  # fmt: skip
    services.add_adjustment(
        assessor, scheme, units["141081"], AdjustmentKind.INCENTIVE, Decimal("1.5"),
        "开发区综合考核全省第一（示例）", "省商务厅通报（示例）",
    )  # fmt: skip
    services.add_adjustment(
        assessor, scheme, units["141034"], AdjustmentKind.VETO, 0,
        "发生较大生产安全事故，实行一票否决（示例，非真实事件）", "市安委会通报（示例）",
    )  # fmt: skip
    services.add_adjustment(
        assessor, scheme, units["141002"], AdjustmentKind.DEMERIT, 1,
        "中央环保督察反馈问题整改滞后，被市委、市政府通报批评（示例）", "临办通报〔示例〕号",
    )  # fmt: skip
    return scheme


def _county_targets(indicator: Indicator, counties: list[Unit], year: int) -> None:
    """Each county's yearly target for the indicator, unless it has one."""
    from bihuan.core.roles import SYSTEM

    rng = random.Random(f"targets-{year}")
    areas = {a.code: a for a in Area.objects.filter(code__in=[u.code for u in counties])}
    for unit in counties:
        area = areas.get(unit.code)
        if area is None or Target.objects.filter(indicator=indicator, area=area, year=year).exists():
            continue
        save_target(SYSTEM, {"indicator": indicator, "area": area, "year": year, "value": rng.choice(FAI_TARGETS)})


def _department_scheme(assessor: Any, supervisor: Any, today: date) -> Scheme:
    year = today.year
    office = {"SZFB", "DCS", "KHB"}  # the offices that run the assessment are not assessed by it
    departments = list(Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).exclude(code__in=office).order_by("sort_order"))
    scheme = services.save_scheme(
        assessor,
        {
            "year": year,
            "name": DEPARTMENT_SCHEME.format(year=year),
            "description": "对市直部门牵头的重点任务落实、服务对象评议进行考核（示例）。",
            "incentive_cap": Decimal(3),
            "demerit_per_overdue_task": Decimal(1),
            "demerit_per_returned_report": Decimal("0.2"),
            "demerit_cap": Decimal(5),
        },
        departments,
    )
    services.save_item(
        assessor, scheme,
        {"name": "重点任务落实", "method": Method.DELIVERY, "weight": Decimal(70), "per_overdue_task": Decimal(4),
         "per_late_report": Decimal("0.5"), "per_missing_report": Decimal(1), "per_return": Decimal("0.5"),
         "max_off": Decimal(40), "no_basis": NoBasis.FULL},
    )  # fmt: skip
    services.save_item(
        assessor,
        scheme,
        {"name": "服务对象和基层评议", "method": Method.MANUAL, "weight": Decimal(30), "sort_order": 1},
    )
    _bands(assessor, scheme)
    scheme = services.move(assessor, scheme, SchemeState.OPEN)
    _survey(assessor, scheme, departments, "服务对象和基层单位网上评议（示例）")
    services.refresh_automatic_demerits(assessor, scheme, today)
    fgw = next(u for u in departments if u.code == "FGW")
    services.add_adjustment(
        supervisor, scheme, fgw, AdjustmentKind.DEMERIT, 1,
        "重点项目调度数据多次迟报，被市政府督查室通报（示例）", "临督通〔示例〕号",
    )  # fmt: skip
    return scheme


def _survey(assessor: Any, scheme: Scheme, units: list[Unit], comment: str) -> None:
    rng = random.Random(f"survey-{scheme.name}")
    item = scheme.items.get(method=Method.MANUAL)
    for unit in units:
        points = Decimal(rng.randint(780, 985)) / 10
        services.save_manual_score(assessor, item, unit, points, comment)


def _fault_tolerance(assessor: Any, users: Any, counties: Scheme, departments: Scheme, today: date) -> None:
    """尧都区 asks to excuse its demerit (a higher-level policy changed the plan): approved. 市发改委 asks to excuse
    the late data: rejected. Each decision gives its reasons, which later requests find as precedents."""
    yd_head = users.get(username="yd_head", profile__role=Role.UNIT_HEAD)
    fgw_head = users.get(username="fgw_head", profile__role=Role.UNIT_HEAD)
    yd_demerit = counties.adjustments.get(unit__code="141002", kind=AdjustmentKind.DEMERIT, rule="")
    request = services.request_exemption(
        yd_head,
        yd_demerit,
        "policy_change",
        "整改方案按原要求推进中，省里调整了污水处理排放标准，方案须重新论证报批，致整改完成时间推后两个月；"
        "已按新标准完成整改并通过验收（示例）。",
        "省生态环境厅关于调整排放标准的通知；整改验收意见（示例）",
        [
            _document(
                "关于中央环保督察反馈问题整改情况的说明（示例）.docx",
                "关于中央环保督察反馈问题整改情况的说明",
                [
                    "一、整改任务按原方案于年初启动，施工单位已进场。",
                    "二、省生态环境厅调整污水处理排放标准后，整改方案须按新标准重新论证报批，完成时间推后两个月。",
                    "三、现已按新标准完成整改，并通过市生态环境局组织的验收。",
                    "（本文件为演示数据，非真实公文。）",
                ],
            )
        ],
    )
    services.decide_exemption(
        assessor,
        request,
        True,
        "属上级政策调整导致的延误，单位已主动纠正并按新标准完成整改，符合容错情形，予以容错（示例）。",
    )
    fgw_demerit = departments.adjustments.get(unit__code="FGW", kind=AdjustmentKind.DEMERIT, rule="")
    request = services.request_exemption(
        fgw_head,
        fgw_demerit,
        "other",
        "数据迟报系项目单位报送不及时所致，我委已多次催报（示例）。",
        "催报记录（示例）",
    )
    services.decide_exemption(
        assessor,
        request,
        False,
        "按时汇总报送是牵头单位的职责，迟报属主观履职不到位，不符合容错情形，不予容错（示例）。",
    )


def _document(filename: str, title: str, paragraphs: list[str]) -> SimpleUploadedFile:
    """A short Word document, as a unit would attach to its request (the demo's evidence file)."""
    document = docx.Document()
    document.add_heading(title, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return SimpleUploadedFile(filename, buffer.getvalue())


def demo_scheme_names(year: int) -> list[str]:
    return [COUNTY_SCHEME.format(year=year), DEPARTMENT_SCHEME.format(year=year)]
