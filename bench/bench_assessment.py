"""Benchmark of assessment: one scheme over 200 units leading 5,000 key tasks of the year.

The data: 200 units (each with an area of the same code, in one peer group), 5,000 tasks with monthly reports
for the year so far (late, missing and on time mixed), 1,000 returned reports in the audit log, 300
supervision notices, a monthly indicator with a figure per area and month and a yearly target per area, and
a scheme with four items (task delivery, indicator rank, indicator target, manual), four grades with a quota
and the four automatic demerit rules. Then the full computation, the refresh of automatic demerits, the
publication, and the pages are timed.

    .venv/bin/python bench/bench_assessment.py
    BIHUAN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bihuan_bench .venv/bin/python bench/bench_assessment.py
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_org import print_table, query_count, setup_django, timed

UNITS, TASKS, RETURNS, NOTICES = 200, 5_000, 1_000, 300


def generate(today: date) -> dict:
    from bihuan.assessment import services
    from bihuan.assessment.models import Method, SchemeState
    from bihuan.core import audit
    from bihuan.core.roles import SYSTEM, Role
    from bihuan.indicators.models import Area, Indicator, Observation, PeerGroup, Target
    from bihuan.org.services import save_unit, save_user
    from bihuan.supervision.models import KeyTask, ProgressReport, SupervisionNotice
    from bihuan.supervision.schedule import report_periods

    rng = random.Random(11)
    year = today.year
    city = save_unit(SYSTEM, {"code": "C0", "name": "基准市", "kind": "city"})
    units = [
        save_unit(SYSTEM, {"code": f"U{i:03d}", "name": f"基准单位{i:03d}", "kind": "county", "parent": city})
        for i in range(UNITS)
    ]
    people = {
        "assessor": save_user(
            SYSTEM, {"username": "assessor", "first_name": "考核", "is_active": True}, {"role": Role.ASSESSOR}
        ),
        "head": save_user(
            SYSTEM,
            {"username": "head", "first_name": "单位", "is_active": True},
            {"role": Role.UNIT_HEAD, "unit": units[0]},
        ),
    }
    start = date(year, 1, 1)
    tasks = []
    for i in range(TASKS):
        status = rng.choice(["in_progress"] * 6 + ["closed", "assigned", "completion_requested"])
        due = start + timedelta(days=rng.randint(60, 364))
        closed_on = min(today, due + timedelta(days=rng.randint(-40, 20))) if status == "closed" else None
        tasks.append(
            KeyTask(
                year=year,
                number=f"A{i:05d}",
                title=f"基准任务{i:05d}",
                lead_unit=units[i % UNITS],
                start=start,
                assigned_on=start,
                due=due,
                cadence="monthly",
                report_day=5,
                status=status,
                closed_on=closed_on,
            )
        )
    KeyTask.objects.bulk_create(tasks, batch_size=2000)
    ids = list(KeyTask.objects.values_list("pk", flat=True))
    periods = [p for p in report_periods("monthly", 5, start, date(year, 12, 31)) if p.due < today]
    reports = []
    for task_id in ids:
        for period in periods:
            draw = rng.random()
            if draw < 0.08:
                continue  # missing
            submitted = period.due + timedelta(days=rng.randint(1, 9) if draw < 0.2 else -rng.randint(0, 4))
            reports.append(
                ProgressReport(
                    task_id=task_id, period=period.key, due=period.due, status="accepted", submitted_on=submitted
                )
            )
    ProgressReport.objects.bulk_create(reports, batch_size=5000)
    returned = ProgressReport.objects.order_by("?").values_list("pk", flat=True)[:RETURNS]
    with audit.batch():
        for pk in returned:
            audit.record(
                SYSTEM,
                "progressreport.returned",
                object_type="supervision.progressreport",
                object_id=str(pk),
                object_repr="report",
            )
    SupervisionNotice.objects.bulk_create(
        [
            SupervisionNotice(task_id=rng.choice(ids), unit=rng.choice(units), text="请说明", respond_by=today)
            for _ in range(NOTICES)
        ]
    )
    parent = Area.objects.create(code="C0", name="基准市", level="city")
    areas = Area.objects.bulk_create(
        [Area(code=u.code, name=u.name, level="county", parent=parent) for u in units], batch_size=1000
    )
    group = PeerGroup.objects.create(name="基准县区")
    group.areas.set(areas)
    indicator = Indicator.objects.create(code="fai", name="固定资产投资增速", frequency="month", kind="rate")
    now = today
    from django.utils import timezone

    recorded = timezone.now() - timedelta(days=1)
    Observation.objects.bulk_create(
        [
            Observation(
                indicator=indicator,
                area=area,
                period=f"{year}-{month:02d}",
                value=round(rng.uniform(-5, 15), 1),
                recorded_at=recorded,
            )
            for area in areas
            for month in range(1, now.month)
        ],
        batch_size=5000,
    )
    Target.objects.bulk_create(
        [Target(indicator=indicator, area=a, year=year, value=rng.choice([5.0, 6.0, 7.0])) for a in areas]
    )
    assessor = people["assessor"]
    scheme = services.save_scheme(
        assessor,
        {
            "year": year,
            "name": "基准考核",
            "demerit_per_red_task": Decimal("0.5"),
            "demerit_per_overdue_task": Decimal("0.5"),
            "demerit_per_returned_report": Decimal("0.2"),
            "demerit_per_notice": Decimal("0.5"),
            "demerit_cap": Decimal(5),
        },
        units,
    )
    items = [
        {"name": "任务", "method": Method.DELIVERY, "weight": Decimal(40), "per_overdue_task": Decimal(2),
         "per_late_report": Decimal("0.2"), "per_missing_report": Decimal("0.5"), "per_return": Decimal("0.5")},
        {"name": "排名", "method": Method.INDICATOR_RANK, "weight": Decimal(20), "indicator": indicator,
         "peer_group": group},
        {"name": "目标", "method": Method.INDICATOR_TARGET, "weight": Decimal(20), "indicator": indicator},
        {"name": "评议", "method": Method.MANUAL, "weight": Decimal(20)},
    ]  # fmt: skip
    for order, data in enumerate(items):
        services.save_item(assessor, scheme, {**data, "sort_order": order})
    for order, (name, minimum, quota) in enumerate(
        [("优秀", 90, 30), ("良好", 80, None), ("合格", 60, None), ("不合格", 0, None)]
    ):
        services.save_band(
            assessor, scheme, {"name": name, "minimum": Decimal(minimum), "quota": quota, "sort_order": order}
        )
    scheme = services.move(assessor, scheme, SchemeState.OPEN)
    manual = scheme.items.get(method=Method.MANUAL)
    for unit in units:
        services.save_manual_score(assessor, manual, unit, Decimal(rng.randint(700, 1000)) / 10, "测评")
    people["scheme"] = scheme
    people["unit"] = units[0]
    people["reports"] = len(reports)
    return people


def measure(today: date) -> list[tuple[str, str]]:
    from django.test import Client

    from bihuan.assessment import results, services
    from bihuan.assessment.models import SchemeState

    started = time.perf_counter()
    data = generate(today)
    rows = [("data generation", f"{time.perf_counter() - started:.1f} s ({data['reports']:,} reports)")]
    scheme, assessor = data["scheme"], data["assessor"]
    seconds, added = timed(lambda: services.refresh_automatic_demerits(assessor, scheme, today))
    rows.append(("refresh automatic demerits (first time)", f"{seconds:.2f} s, {added[0]:,} demerits added"))
    seconds, _ = timed(lambda: services.refresh_automatic_demerits(assessor, scheme, today), repeat=3)
    rows.append(("refresh automatic demerits (nothing new)", f"{seconds:.2f} s"))
    seconds, computed = timed(lambda: results.compute(scheme, today), repeat=3)
    rows.append(
        (
            "full computation (results.compute)",
            f"{seconds:.2f} s, {query_count(lambda: results.compute(scheme, today))} queries",
        )
    )
    assert len(computed["units"]) == UNITS
    client = Client()
    client.force_login(assessor)
    for title, url in (
        ("scheme page with the league (preview)", f"/assessment/{scheme.pk}/"),
        ("a unit's score sheet", f"/assessment/{scheme.pk}/units/{data['unit'].pk}/"),
    ):
        seconds, response = timed(lambda url=url: client.get(url), repeat=3)
        rows.append((title, f"{seconds * 1000:.0f} ms (HTTP {response.status_code})"))
    scheme = services.move(assessor, scheme, SchemeState.PREVIEW, today=today)
    seconds, scheme = timed(lambda: services.move(assessor, scheme, SchemeState.PUBLISHED, today=today))
    rows.append(("publish (compute, snapshot, results, audit)", f"{seconds:.2f} s"))
    seconds, response = timed(lambda: client.get(f"/assessment/{scheme.pk}/"), repeat=3)
    rows.append(("scheme page (published snapshot)", f"{seconds * 1000:.0f} ms (HTTP {response.status_code})"))
    from django.db import connection

    rows.append(("database", connection.vendor))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args()
    setup_django(os.environ.get("BIHUAN_DATABASE_URL"))
    from django.utils import timezone

    started = time.perf_counter()
    rows = measure(timezone.localdate())
    print_table(
        f"{rows[-1][1]}: {UNITS} units, {TASKS:,} tasks, {RETURNS:,} returns, {NOTICES} notices", rows[:-1], started
    )


if __name__ == "__main__":
    main()
