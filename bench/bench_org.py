"""Benchmark of the foundation at 10× and 100× a real city's size.

A prefecture-level city has about 120 units (departments, counties, zones) and 600 people who use the
system. This script generates 10× and 100× that, imports it through the real importers (so every row
goes through the services and the audit chain), then times the pages, API, exports and the audit
check that grow with it.

    .venv/bin/python bench/bench_org.py --scale 10 --scale 100
    BIHUAN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bihuan_bench .venv/bin/python bench/bench_org.py --scale 10

Each run uses a fresh database: a new SQLite file in a temporary BIHUAN_HOME, or, with
BIHUAN_DATABASE_URL, the named PostgreSQL database dropped and created again.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_UNITS = 120
BASE_USERS = 600
ROLES = ["unit_clerk", "unit_clerk", "unit_head", "viewer", "statistician"]


def setup_django(database_url: str | None) -> None:
    os.environ["BIHUAN_HOME"] = tempfile.mkdtemp(prefix="bihuan-bench-")
    os.environ["BIHUAN_HTTPS"] = "0"
    os.environ["BIHUAN_TASKS_IMMEDIATE"] = "1"
    os.environ["BIHUAN_IMPORT_MAX_ROWS"] = "100000"
    os.environ["BIHUAN_IMPORT_MAX_BYTES"] = str(200 * 2**20)
    os.environ["BIHUAN_ALLOWED_HOSTS"] = "testserver"
    os.environ["BIHUAN_LOG_LEVEL"] = "ERROR"
    if database_url:
        os.environ["BIHUAN_DATABASE_URL"] = database_url
        recreate_postgres(database_url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bihuan.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def recreate_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def units_csv(count: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["代码", "名称", "类型", "上级代码", "排序"])
    writer.writerow(["C0", "基准市", "市", "", 0])
    for i in range(1, count):
        kind = "县区" if i % 6 == 0 else "市直部门"
        writer.writerow([f"U{i:06d}", f"基准单位{i:06d}", kind, "C0", i])
    return out.getvalue().encode()


def users_csv(count: int, units: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["用户名", "姓名", "单位代码", "角色", "电话"])
    for i in range(count):
        unit = f"U{(i % (units - 1)) + 1:06d}"
        writer.writerow([f"user{i:06d}", f"用户{i:06d}", unit, ROLES[i % len(ROLES)], f"0357-{i:07d}"])
    return out.getvalue().encode()


def timed(func, repeat: int = 1) -> tuple[float, object]:
    """(median seconds, last result) of `repeat` runs."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def print_table(heading: str, rows: list[tuple[str, str]], started: float) -> None:
    """The figures as the Markdown table docs/performance.md quotes, with the machine and the run's length."""
    print(f"\n## {heading}\n")
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}"
    )
    print(f"Run: {time.perf_counter() - started:.0f} s in all\n")
    print("| measurement | result |\n|---|---|")
    for title, value in rows:
        print(f"| {title} | {value} |")


def query_count(func) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured)


def run(scale: int) -> list[tuple[str, str]]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bihuan.core.audit import verify_chain
    from bihuan.core.models import AuditEvent
    from bihuan.core.roles import SYSTEM, Role
    from bihuan.org.importers import import_units, import_users
    from bihuan.org.models import Unit
    from bihuan.org.services import save_user

    n_units, n_users = BASE_UNITS * scale, BASE_USERS * scale
    rows: list[tuple[str, str]] = []

    seconds, _ = timed(lambda: import_units(SYSTEM, io.BytesIO(units_csv(n_units)), filename="units.csv"))
    rows.append(
        (
            f"import {n_units:,} units (CSV, all-or-nothing, audited)",
            f"{seconds:.1f} s ({n_units / seconds:,.0f} rows/s)",
        )
    )
    seconds, _ = timed(lambda: import_users(SYSTEM, io.BytesIO(users_csv(n_users, n_units)), filename="users.csv"))
    rows.append((f"import {n_users:,} users", f"{seconds:.1f} s ({n_users / seconds:,.0f} rows/s)"))
    seconds, _ = timed(
        lambda: import_users(SYSTEM, io.BytesIO(users_csv(n_users, n_units)), filename="users.csv", dry_run=True)
    )
    rows.append((f"re-import the same {n_users:,} users as a dry run (all unchanged)", f"{seconds:.1f} s"))

    own = Unit.objects.get(code="U000001")
    admin = save_user(
        SYSTEM,
        {"username": "bench_admin", "first_name": "管理员", "is_active": True},
        {"role": Role.ADMIN, "unit": own},
    )
    clerk = get_user_model().objects.get(username="user000000")
    for label, user in (("admin", admin), ("clerk", clerk)):
        client = Client()
        client.force_login(user)
        for title, url in (
            ("people list, page 1", "/people/"),
            ("people search “用户0012”", "/people/?q=用户0012"),
            ("units list, page 1", "/units/"),
            ("API /api/v1/users/, page 1", "/api/v1/users/"),
            ("home page", "/"),
        ):
            client.get(url)  # warm up
            seconds, _ = timed(lambda url=url, client=client: client.get(url), repeat=15)
            queries = query_count(lambda url=url, client=client: client.get(url))
            rows.append((f"{title} as {label}", f"{seconds * 1000:.0f} ms, {queries} queries"))
    client = Client()
    client.force_login(admin)
    seconds, response = timed(lambda: client.get("/people/?format=xlsx"))
    rows.append((f"export all {n_users:,} people to .xlsx", f"{seconds:.1f} s, {len(response.content) / 2**20:.1f} MB"))
    events = AuditEvent.objects.count()
    seconds, report = timed(verify_chain)
    assert report.ok
    rows.append((f"audit verify, {events:,} events", f"{seconds:.1f} s ({events / seconds:,.0f} events/s)"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, action="append", help="multiple of a real city (repeatable)")
    args = parser.parse_args()
    scales = args.scale or [10]
    database_url = os.environ.get("BIHUAN_DATABASE_URL")
    if len(scales) > 1:  # each scale in a fresh process and a fresh database
        for scale in scales:
            code = os.spawnv(os.P_WAIT, sys.executable, [sys.executable, __file__, "--scale", str(scale)])
            if code:
                sys.exit(code)
        return
    setup_django(database_url)
    from django.db import connection

    scale = scales[0]
    print(
        f"## {scale}× a city — {connection.vendor}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}\n"
    )
    print("| measurement | result |\n|---|---|")
    for name, value in run(scale):
        print(f"| {name} | {value} |", flush=True)
    print()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
