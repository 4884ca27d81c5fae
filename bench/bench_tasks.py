"""Benchmark of key tasks: 100 units, 20,000 tasks, 500,000 progress reports.

A city runs a few hundred key tasks a year with monthly reports; this is about 50× that. The data is
generated straight into the tables (bulk inserts, no audit events: the audit chain is benchmarked in
bench_org.py), then the pages, exports and the daily tick are timed as a user would meet them.

    .venv/bin/python bench/bench_tasks.py
    BIHUAN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bihuan_bench .venv/bin/python bench/bench_tasks.py

Each run uses a fresh database (see bench_org.py). Times are the median of several requests through
Django's test client, in-process: server time without the network.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_org import print_table, query_count, setup_django, timed

UNITS, TASKS, REPORTS_PER_TASK = 100, 20_000, 25
STATUSES = ["in_progress"] * 14 + ["closed"] * 2 + ["completion_requested", "assigned", "acknowledged", "draft"]


def generate(today: date) -> dict:
    from bihuan.core.roles import SYSTEM, Role
    from bihuan.org.services import save_unit, save_user
    from bihuan.supervision.models import KeyTask, ProgressReport
    from bihuan.supervision.schedule import report_periods

    rng = random.Random(7)
    city = save_unit(SYSTEM, {"code": "C0", "name": "基准市", "kind": "city"})
    units = [save_unit(SYSTEM, {"code": f"U{i:03d}", "name": f"基准单位{i:03d}", "parent": city}) for i in range(UNITS)]
    people = {}
    for unit in units[:3]:
        for role in (Role.UNIT_HEAD, Role.UNIT_CLERK):
            name = f"{unit.code}_{role}"
            people[name] = save_user(
                SYSTEM, {"username": name, "first_name": name, "is_active": True}, {"role": role, "unit": unit}
            )
    leaders = [
        save_user(
            SYSTEM,
            {"username": f"leader{i}", "first_name": f"领导{i}", "is_active": True},
            {"role": Role.LEADER, "unit": city},
        )
        for i in range(8)
    ]
    people["supervisor"] = save_user(
        SYSTEM,
        {"username": "supervisor", "first_name": "督查", "is_active": True},
        {"role": Role.SUPERVISOR, "unit": city},
    )
    people["leader"] = leaders[0]
    start = date(today.year - 2, today.month, 1) - timedelta(days=31)  # 25 months of monthly reports behind us
    tasks = []
    for i in range(TASKS):
        status = rng.choice(STATUSES)
        tasks.append(
            KeyTask(
                year=today.year - (i % 3),
                number=f"B{i:06d}",
                title=f"基准任务{i:06d} 推进重点项目建设",
                description="生成的基准数据",
                lead_unit=units[i % UNITS],
                leader=leaders[i % len(leaders)],
                start=start,
                assigned_on=start,
                due=today + timedelta(days=rng.randint(-60, 365)),
                cadence="monthly",
                report_day=5,
                status=status,
                progress=rng.randint(0, 100),
                closed_on=today - timedelta(days=rng.randint(1, 300)) if status == "closed" else None,
            )
        )
    KeyTask.objects.bulk_create(tasks, batch_size=2000)
    ids = list(KeyTask.objects.values_list("pk", flat=True))
    periods = report_periods("monthly", 5, start, today + timedelta(days=400))[:REPORTS_PER_TASK]
    batch: list[ProgressReport] = []
    for task_id in ids:
        for index, period in enumerate(periods):
            late = rng.random()
            submitted = period.due <= today and late > 0.08
            batch.append(
                ProgressReport(
                    task_id=task_id,
                    period=period.key,
                    due=period.due,
                    progress=min(100, index * 4),
                    done="完成阶段性目标，推进顺利。",
                    status=("accepted" if late > 0.2 else "submitted") if submitted else "draft",
                    submitted_on=period.due + timedelta(days=int(late * 6) - 2) if submitted else None,
                )
            )
        if len(batch) >= 20_000:
            ProgressReport.objects.bulk_create(batch, batch_size=5000)
            batch = []
    ProgressReport.objects.bulk_create(batch, batch_size=5000)
    for unit in units:  # partners for a fifth of the tasks
        KeyTask.partner_units.through.objects.bulk_create(
            [KeyTask.partner_units.through(keytask_id=task_id, unit_id=unit.pk) for task_id in ids[unit.pk % 5 :: 500]]
        )
    people["own_unit"] = units[0]
    return people


def measure(today: date) -> list[tuple[str, str]]:
    from django.db import connection
    from django.test import Client

    from bihuan.core.ticks import run_tick
    from bihuan.supervision.models import KeyTask, ProgressReport
    from bihuan.supervision.selectors import refresh_stale

    rows: list[tuple[str, str]] = []
    seconds, people = timed(lambda: generate(today))
    rows.append(
        (
            f"generate {KeyTask.objects.count():,} tasks and {ProgressReport.objects.count():,} reports (bulk insert)",
            f"{seconds:.0f} s",
        )
    )
    seconds, refreshed = timed(lambda: refresh_stale(KeyTask.objects.all(), today))
    rows.append(
        (f"compute and keep the warning light of {refreshed:,} tasks (first view or tick of a day)", f"{seconds:.1f} s")
    )
    KeyTask.objects.update(light_on=None)  # the tick below starts from stale lights, as on a new day
    seconds, outcome = timed(lambda: run_tick(today))
    rows.append(
        (
            "`bihuan tick` for the day: lights, reminders (first run)",
            f"{seconds:.1f} s — {outcome['supervision.reminders']}",
        )
    )

    if connection.vendor == "postgresql":
        # Statistics as autovacuum keeps them: it analyses a table soon after a bulk load or after the tick
        # has rewritten every task's light; without it the planner works from an empty table's figures.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    sample = KeyTask.objects.filter(lead_unit=people["own_unit"], status="in_progress").first()
    pages = [
        ("supervisor", "task list, page 1 (all 20,000)", "/tasks/"),
        ("supervisor", "task list filtered: red, text “任务0001”", "/tasks/?warning=red&q=任务0001"),
        ("supervisor", "task list filtered: unit U007, in progress", "/tasks/?lead_unit=U007&status=in_progress"),
        ("U000_unit_head", "task list, page 1 (a unit's 200 tasks)", "/tasks/"),
        ("U000_unit_head", "my work (待办), unit head", "/my-work/"),
        ("U000_unit_clerk", "my work (待办), clerk", "/my-work/"),
        ("leader", "my work (待办), leader with 2,500 tasks", "/my-work/"),
        ("supervisor", "my work (待办), supervision office", "/my-work/"),
        ("U000_unit_head", f"task detail (25 reports), {sample.number}", f"/tasks/{sample.pk}/"),
        ("supervisor", "statistics by unit", "/tasks/statistics/"),
        ("supervisor", "API /api/v1/tasks/, page 1", "/api/v1/tasks/"),
    ]
    for who, title, url in pages:
        client = Client()
        client.force_login(people[who])
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        seconds, _ = timed(lambda client=client, url=url: client.get(url), repeat=7)
        queries = query_count(lambda client=client, url=url: client.get(url))
        rows.append((title, f"{seconds * 1000:.0f} ms, {queries} queries"))

    client = Client()
    client.force_login(people["supervisor"])
    seconds, response = timed(lambda: client.get("/tasks/ledger.xlsx"))
    size = len(b"".join(response.streaming_content) if response.streaming else response.content)
    rows.append(("ledger (台账) .xlsx of all 20,000 tasks", f"{seconds:.1f} s, {size / 2**20:.1f} MB"))
    seconds, response = timed(lambda: client.get("/tasks/?format=xlsx"))
    rows.append(("task list export .xlsx of all 20,000 tasks", f"{seconds:.1f} s"))
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
        f"{rows[-1][1]}: {UNITS} units, {TASKS:,} tasks, {TASKS * REPORTS_PER_TASK:,} reports", rows[:-1], started
    )


if __name__ == "__main__":
    main()
