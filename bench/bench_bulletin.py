"""Benchmark of bulletins (通报): 200 units, 5,000 key tasks of the year with monthly reports, and 8 headline
indicators in three peer groups (11, 17 and 87 areas) over two years.

A city has a few hundred key tasks and a few dozen units; this is about 10× that. Tasks and reports are
generated straight into the tables (bulk inserts); then the bulletin of last month is compiled (every figure
from the database) and rendered as a web page, an .xlsx workbook with native charts and a .docx official
document, and the whole publish (render all three, keep them, notify 50 recipients) is timed.

    .venv/bin/python bench/bench_bulletin.py
    BIHUAN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bihuan_bench .venv/bin/python bench/bench_bulletin.py

Each run uses a fresh database (see bench_org.py). The compile is timed twice: on a day whose warning lights
are not kept yet (the first bulletin of the day computes and keeps them) and again with them kept.
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_org import print_table, query_count, setup_django, timed

UNITS, TASKS, GROUPS, HEADLINE = 200, 5_000, (11, 17, 87), 8
STATUSES = ["in_progress"] * 12 + ["closed"] * 4 + ["completion_requested", "assigned", "acknowledged", "draft"]


def generate(today: date) -> dict:
    from bihuan.core.roles import SYSTEM, Role
    from bihuan.org.services import save_unit, save_user
    from bihuan.supervision.models import KeyTask, ProgressReport
    from bihuan.supervision.schedule import report_periods

    rng = random.Random(11)
    city = save_unit(SYSTEM, {"code": "149900", "name": "基准市", "short_name": "基准", "kind": "city"})
    units = [
        save_unit(SYSTEM, {"code": f"U{i:03d}", "name": f"市基准单位{i:03d}", "parent": city, "sort_order": i})
        for i in range(UNITS)
    ]
    office = save_user(
        SYSTEM, {"username": "office", "first_name": "督查", "is_active": True}, {"role": Role.SUPERVISOR, "unit": city}
    )
    leaders = [
        save_user(
            SYSTEM,
            {
                "username": f"leader{i}",
                "first_name": f"领导{i}",
                "email": f"leader{i}@bench.invalid",
                "is_active": True,
            },
            {"role": Role.LEADER, "unit": city},
        )
        for i in range(10)
    ]
    for i in range(40):  # members of the units a bulletin is sent to
        save_user(
            SYSTEM,
            {"username": f"member{i}", "first_name": f"成员{i}", "email": f"m{i}@bench.invalid", "is_active": True},
            {"role": Role.UNIT_CLERK, "unit": units[i % 10]},
        )
    start = date(today.year, 1, 1)
    tasks = []
    for i in range(TASKS):
        status = rng.choice(STATUSES)
        tasks.append(
            KeyTask(
                year=today.year,
                number=f"{today.year}-{i:05d}",
                title=f"基准任务{i:05d} 推进重点项目建设和产业转型升级",
                lead_unit=units[i % UNITS],
                leader=leaders[i % len(leaders)],
                start=start,
                assigned_on=start,
                due=today + timedelta(days=rng.randint(-90, 240)),
                cadence="monthly",
                report_day=5,
                status=status,
                progress=rng.randint(0, 100),
                closed_on=today - timedelta(days=rng.randint(1, 200)) if status == "closed" else None,
            )
        )
    KeyTask.objects.bulk_create(tasks, batch_size=2000)
    periods = [p for p in report_periods("monthly", 5, start, today) if p.due < today]
    reports = []
    for task_id in KeyTask.objects.values_list("pk", flat=True):
        for period in periods:
            late = rng.random()
            if late < 0.1:
                continue  # missing
            reports.append(
                ProgressReport(
                    task_id=task_id,
                    period=period.key,
                    due=period.due,
                    progress=50,
                    status="accepted",
                    submitted_on=period.due + timedelta(days=int(late * 8) - 4),
                )
            )
    ProgressReport.objects.bulk_create(reports, batch_size=5000)
    _indicators(rng, today)
    return {"office": office, "leaders": leaders, "units": units[:10]}


def _indicators(rng: random.Random, today: date) -> None:
    from django.utils import timezone

    from bihuan.indicators.models import Area, Indicator, Observation, PeerGroup

    areas = [Area.objects.create(code="149900", name="基准市", short_name="基准", level="city")]
    areas += [
        Area.objects.create(code=f"{140000 + i:06d}", name=f"对标市{i}", short_name=f"对标{i}", level="city")
        for i in range(1, 87)
    ]
    for size in GROUPS:
        group = PeerGroup.objects.create(name=f"对标{size}市")
        group.areas.set(areas[:size])
    months = [f"{y}-{m:02d}" for y in (today.year - 1, today.year) for m in range(1, 13)]
    quarters = [f"{y}-Q{q}" for y in (today.year - 1, today.year) for q in range(1, 5)]
    now = timezone.now()
    observations = []
    for n in range(HEADLINE):
        monthly = n % 2 == 0
        indicator = Indicator.objects.create(
            code=f"ind{n}",
            name=f"主要指标{n}",
            unit="亿元" if n % 3 else "%",
            frequency="month" if monthly else "quarter",
            kind="level" if n % 3 else "rate",
            headline=True,
            sort_order=n,
        )
        for period in months if monthly else quarters:
            for area in areas:
                observations.append(
                    Observation(
                        indicator=indicator,
                        area=area,
                        period=period,
                        value=round(rng.uniform(50, 5000), 1),
                        growth=round(rng.uniform(-3, 12), 1),
                        recorded_at=now,
                    )
                )
    Observation.objects.bulk_create(observations, batch_size=5000)


def measure(today: date) -> list[tuple[str, str]]:
    from django.db import connection
    from django.utils import translation

    from bihuan.reports import selectors, services
    from bihuan.reports.models import Format
    from bihuan.supervision.models import KeyTask, ProgressReport

    rows: list[tuple[str, str]] = []
    seconds, people = timed(lambda: generate(today))
    rows.append(
        (
            f"generate {KeyTask.objects.count():,} tasks, {ProgressReport.objects.count():,} reports, "
            f"{HEADLINE} headline indicators (bulk insert)",
            f"{seconds:.0f} s",
        )
    )
    last = today.replace(day=1) - timedelta(days=1)
    period = f"{last.year}-{last.month:02d}"
    translation.activate("zh-hans")
    seconds, document = timed(lambda: selectors.preview(period, None, today))
    rows.append((f"compile the bulletin of {period}, lights not yet kept today", f"{seconds:.2f} s"))
    seconds, document = timed(lambda: selectors.preview(period, None, today), repeat=3)
    queries = query_count(lambda: selectors.preview(period, None, today))
    rows.append((f"compile the bulletin of {period}, lights kept", f"{seconds:.2f} s, {queries} queries"))
    tables = document.tables()
    rows.append(("… its tables / rows", f"{len(tables)} tables, {sum(len(t.rows) for t in tables):,} rows"))
    for fmt in (Format.HTML, Format.XLSX, Format.DOCX):
        seconds, content = timed(lambda fmt=fmt: selectors.rendered(document, fmt), repeat=3)
        rows.append((f"render {fmt}", f"{seconds:.2f} s, {len(content) / 1024:.0f} KB"))
    draft = services.generate(people["office"], period, "month", today=today)
    seconds, _ = timed(lambda: services.publish(people["office"], draft, people["leaders"], people["units"]))
    recipients = len(selectors.recipients_of(draft))
    rows.append((f"publish: render and keep the three files, notify {recipients} people", f"{seconds:.2f} s"))
    rows.append(("database", connection.vendor))
    return rows


def main() -> None:
    os.environ.setdefault("BIHUAN_EMAIL_URL", "dummy://")  # the e-mails are sent, not printed
    setup_django(os.environ.get("BIHUAN_DATABASE_URL"))
    from django.utils import timezone

    started = time.perf_counter()
    rows = measure(timezone.localdate())
    print_table(
        f"{rows[-1][1]}: {UNITS} units, {TASKS:,} tasks, {HEADLINE} headline indicators in groups of {GROUPS}",
        rows[:-1],
        started,
    )


if __name__ == "__main__":
    main()
