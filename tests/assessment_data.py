"""The small city the assessment tests share: key tasks with their reports (delivery facts worked out by hand
in the tests) and the scheme built on them. Fixtures `third_unit` and `facts` are in conftest.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bihuan.assessment import services
from bihuan.assessment.models import Method, SchemeState
from bihuan.supervision.models import KeyTask, ProgressReport

AS_OF = date(2025, 6, 20)


def task(unit, number, start, due, status="in_progress", closed_on=None, cadence="monthly", **extra):
    return KeyTask.objects.create(
        year=2025,
        number=number,
        title=f"任务{number}",
        lead_unit=unit,
        start=start,
        due=due,
        status=status,
        closed_on=closed_on,
        cadence=cadence,
        report_day=5,
        assigned_on=start,
        **extra,
    )


def report(t, period, submitted_on, status="accepted"):
    return ProgressReport.objects.create(
        task=t, period=period, due=date(2025, 1, 1), status=status, submitted_on=submitted_on
    )


def build_scheme(assessor, units, name="县区和部门考核"):
    scheme = services.save_scheme(assessor, {"year": 2025, "name": name, "as_of": AS_OF}, units)
    delivery = services.save_item(
        assessor,
        scheme,
        {
            "name": "重点任务落实",
            "method": Method.DELIVERY,
            "weight": Decimal(60),
            "per_overdue_task": Decimal(5),
            "per_late_report": Decimal(1),
            "per_missing_report": Decimal(2),
            "per_return": Decimal(1),
        },
    )
    manual = services.save_item(
        assessor, scheme, {"name": "满意度测评", "method": Method.MANUAL, "weight": Decimal(40), "sort_order": 1}
    )
    for order, (band, minimum, quota) in enumerate(
        [("优秀", 90, Decimal(34)), ("良好", 80, None), ("合格", 60, None), ("不合格", 0, None)]
    ):
        services.save_band(
            assessor, scheme, {"name": band, "minimum": Decimal(minimum), "quota": quota, "sort_order": order}
        )
    scheme = services.move(assessor, scheme, SchemeState.OPEN)
    scheme.delivery_item, scheme.manual_item = delivery, manual
    return scheme
