"""Benchmark of indicators and benchmarking (对标).

PostgreSQL: 3,000 areas × 60 monthly indicators × 120 months ≈ 21.6 million observations (a country's
counties, ten years of a monthly bulletin); SQLite: a tenth (300 areas). The data is generated straight
into the tables (COPY on PostgreSQL, executemany on SQLite); then the league table, the rank matrix, the
city dashboard and the data-quality check are timed as the pages call them, an import of one million rows
is run through the command line's path (a long CSV, streamed), and the league-table computation is
compared with a straightforward pandas implementation of the same definitions in the same run.

    .venv/bin/python bench/bench_indicators.py
    BIHUAN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bihuan_bench .venv/bin/python bench/bench_indicators.py

Needs pandas for the comparison: `.venv/bin/pip install -e ".[bench]"`.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_org import query_count, setup_django, timed

INDICATORS, MONTHS, FIRST_YEAR = 60, 120, 2016
HEADLINE = 8
IMPORT_ROWS = 1_000_000


def layout(postgres: bool) -> tuple[int, int, int]:
    """(provinces, cities per province, counties per city): 3,000 areas on PostgreSQL, 300 on SQLite."""
    return (30, 10, 9) if postgres else (3, 10, 9)


def months(first_year: int, count: int) -> list[str]:
    return [f"{first_year + i // 12}-{i % 12 + 1:02d}" for i in range(count)]


def generate(postgres: bool) -> dict:
    from django.db import connection

    from bihuan.core.roles import SYSTEM, Role
    from bihuan.indicators.models import Area, Indicator, PeerGroup
    from bihuan.org.services import save_unit, save_user

    provinces, cities, counties = layout(postgres)
    areas = []
    for p in range(provinces):
        province = Area(code=f"{11 + p:02d}0000", name=f"基准省{p:02d}", short_name=f"基准省{p:02d}", level="province")
        areas.append(province)
    Area.objects.bulk_create(areas)
    level2 = []
    for province in Area.objects.filter(level="province"):
        for c in range(cities):
            code = f"{province.code[:2]}{c + 1:02d}00"
            level2.append(Area(code=code, name=f"基准市{code}", short_name=f"市{code}", level="city", parent=province))
    Area.objects.bulk_create(level2)
    level3 = []
    for city in Area.objects.filter(level="city"):
        for k in range(counties):
            code = f"{city.code[:4]}{k + 1:02d}"
            level3.append(Area(code=code, name=f"基准县{code}", short_name=f"县{code}", level="county", parent=city))
    Area.objects.bulk_create(level3, batch_size=2000)
    all_areas = list(Area.objects.order_by("code").values_list("pk", "code", "level", "parent_id"))
    # groups: every province's cities, every city's counties, all cities together
    by_parent: dict[int, list[int]] = {}
    for pk, _code, _level, parent in all_areas:
        if parent is not None:
            by_parent.setdefault(parent, []).append(pk)
    groups = [PeerGroup(name=f"组{parent}") for parent in by_parent] + [PeerGroup(name="全部城市", first_tier=10)]
    PeerGroup.objects.bulk_create(groups)
    through = PeerGroup.areas.through
    links = []
    for group in PeerGroup.objects.exclude(name="全部城市"):
        links += [through(peergroup_id=group.pk, area_id=a) for a in by_parent[int(group.name[1:])]]
    everyone = PeerGroup.objects.get(name="全部城市")
    links += [through(peergroup_id=everyone.pk, area_id=pk) for pk, _c, level, _p in all_areas if level == "city"]
    through.objects.bulk_create(links, batch_size=5000)
    kinds = ["ytd", "rate", "level"]
    Indicator.objects.bulk_create(
        Indicator(
            code=f"ind{i:02d}",
            name=f"基准指标{i:02d}",
            unit="%" if kinds[i % 3] == "rate" else "亿元",
            frequency="month",
            kind=kinds[i % 3],
            higher_is_better=i % 10 != 9,
            headline=i < HEADLINE,
            sort_order=i,
        )
        for i in range(INDICATORS)
    )
    home = Area.objects.filter(level="city").order_by("code").first()
    city = save_unit(SYSTEM, {"code": home.code, "name": home.name, "kind": "city"})
    viewer = save_user(
        SYSTEM, {"username": "viewer", "first_name": "读者", "is_active": True}, {"role": Role.VIEWER, "unit": city}
    )
    stat = save_user(
        SYSTEM, {"username": "stat", "first_name": "统计", "is_active": True}, {"role": Role.STATISTICIAN, "unit": city}
    )
    indicator_ids = list(Indicator.objects.order_by("code").values_list("pk", flat=True))
    periods = months(FIRST_YEAR, MONTHS)
    started = time.perf_counter()
    count = _insert(connection, postgres, indicator_ids, [a[0] for a in all_areas], periods)
    inserted = time.perf_counter() - started
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"viewer": viewer, "stat": stat, "home": home, "observations": count, "insert_s": inserted,
            "areas": len(all_areas)}  # fmt: skip


def _rows(indicator_ids: list[int], area_ids: list[int], periods: list[str]):
    rng = random.Random(11)
    for indicator in indicator_ids:
        for area in area_ids:
            level = rng.uniform(50, 5000)
            for index, period in enumerate(periods):
                month = index % 12
                value = round(level * (month + 1) / 12 * rng.uniform(0.97, 1.03), 2)
                yield indicator, area, period, value, round(rng.gauss(5, 3), 1)


def _insert(connection, postgres: bool, indicator_ids, area_ids, periods) -> int:
    from django.db import transaction

    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    count = 0
    columns = "indicator_id, area_id, period, value, growth, vintage, source, batch, recorded_at, current"
    with transaction.atomic(), connection.cursor() as cursor:  # one transaction, not one per row
        if postgres:
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f"COPY indicators_observation ({columns}) FROM STDIN") as copy:
                buffer = io.StringIO()
                for indicator, area, period, value, growth in _rows(indicator_ids, area_ids, periods):
                    buffer.write(
                        f"{indicator}\t{area}\t{period}\t{value}\t{growth}\tfinal\tbench\t\t{stamp.isoformat()}\tt\n"
                    )
                    count += 1
                    if count % 200_000 == 0:
                        copy.write(buffer.getvalue())
                        buffer = io.StringIO()
                copy.write(buffer.getvalue())
        else:
            cursor.execute("PRAGMA cache_size=-1000000")  # 1 GB while generating; the app's own setting after
            batch = []
            sql = f"INSERT INTO indicators_observation ({columns}) VALUES (?, ?, ?, ?, ?, 'final', 'bench', '', ?, 1)"
            text = stamp.isoformat(sep=" ")
            for indicator, area, period, value, growth in _rows(indicator_ids, area_ids, periods):
                batch.append((indicator, area, period, value, growth, text))
                if len(batch) == 100_000:
                    cursor.executemany(sql.replace("?", "%s"), batch)
                    count += len(batch)
                    batch = []
            cursor.executemany(sql.replace("?", "%s"), batch)
            count += len(batch)
    if not postgres:
        connection.close()  # the next connection has the app's settings
    return count


def pandas_league(indicator, group, period: str, previous: str):
    """The league table's definitions written the obvious pandas way: ranks with ties (min), polarity, rank change,
    gaps to the leader, the next rank up, mean and median."""
    import pandas as pd
    from django.db import connection

    from bihuan.indicators.models import Area, Observation

    areas = pd.DataFrame(list(Area.objects.filter(peer_groups=group).values("id", "code")))
    query, params = (
        Observation.objects.filter(
            indicator=indicator, period__in=[period, previous], current=True, area__peer_groups=group
        )
        .values_list("area_id", "period", "value")
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        data = pd.DataFrame(cursor.fetchall(), columns=["id", "period", "value"])
    wide = data.pivot(index="id", columns="period", values="value")
    table = areas.set_index("id").join(wide)
    ascending = not indicator.higher_is_better
    table["rank"] = table[period].rank(method="min", ascending=ascending)
    table["previous_rank"] = table[previous].rank(method="min", ascending=ascending)
    table["rank_change"] = table["previous_rank"] - table["rank"]
    sign = 1 if indicator.higher_is_better else -1
    best = table[period].max() if indicator.higher_is_better else table[period].min()
    table["to_leader"] = sign * (best - table[period])
    table["to_mean"] = sign * (table[period].mean() - table[period])
    table["to_median"] = sign * (table[period].median() - table[period])
    ordered = table.sort_values(period, ascending=ascending)
    better = ordered[period].where(ordered[period] != ordered[period].shift(1)).ffill()
    ordered["to_next"] = sign * (better.shift(1) - ordered[period])
    return ordered.sort_values(["rank", "code"], na_position="last")


def long_csv(path: Path, area_codes: list[str], indicator_codes: list[str], rows: int) -> int:
    """A long CSV of new months after the generated ten years: area code, period, indicator code, value, growth."""
    periods = months(FIRST_YEAR + MONTHS // 12, 120)
    written = 0
    rng = random.Random(5)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("代码,期别,指标代码,数值,增速\n")
        for period in periods:
            for indicator in indicator_codes:
                lines = [
                    f"{code},{period},{indicator},{rng.uniform(1, 9000):.2f},{rng.gauss(5, 3):.1f}\n"
                    for code in area_codes
                ]
                handle.writelines(lines)
                written += len(lines)
                if written >= rows:
                    return written
    return written


class Rows(list):
    """The table's rows, each also printed as soon as it is measured (a long run shows its progress)."""

    def append(self, row: tuple[str, str]) -> None:
        super().append(row)
        print(f"  … {row[0]}: {row[1]}", file=sys.stderr, flush=True)


def measure(postgres: bool) -> list[tuple[str, str]]:
    from django.db import connection
    from django.test import Client

    from bihuan.indicators import quality, selectors
    from bihuan.indicators.models import Area, Indicator, Observation, PeerGroup

    rows = Rows()
    seconds, data = timed(lambda: generate(postgres))
    rows.append(
        (
            f"generate {data['areas']:,} areas × {INDICATORS} indicators × {MONTHS} months = "
            f"{data['observations']:,} observations",
            f"{seconds:.0f} s ({data['insert_s']:.0f} s of it inserting)",
        )
    )
    home = data["home"]
    province_group = PeerGroup.objects.get(areas=home, name__startswith="组")
    cities = PeerGroup.objects.get(name="全部城市")
    indicator = Indicator.objects.get(code="ind00")
    last, previous = months(FIRST_YEAR, MONTHS)[-1], months(FIRST_YEAR, MONTHS)[-2]
    for group, label in (
        (province_group, f"{province_group.areas.count()} cities"),
        (cities, f"{cities.areas.count()} cities"),
    ):
        seconds, table = timed(lambda group=group: selectors.league_table(indicator, group, last), repeat=21)
        queries = query_count(lambda group=group: selectors.league_table(indicator, group, last))
        rows.append((f"league table, group of {label} (selector)", f"{seconds * 1000:.1f} ms, {queries} queries"))
        pandas_seconds, frame = timed(lambda group=group: pandas_league(indicator, group, last, previous), repeat=21)
        ours = [(r.area_code, r.rank, r.rank_change) for r in table]
        theirs = [
            (code, int(rank) if rank == rank else None, int(change) if change == change else None)
            for code, rank, change in frame[["code", "rank", "rank_change"]].itertuples(index=False)
        ]
        assert ours == theirs, "pandas and bihuan disagree"
        rows.append(
            (
                f"same league table in pandas (same query, same definitions; results equal), {label}",
                f"{pandas_seconds * 1000:.1f} ms — bihuan/pandas = {seconds / pandas_seconds:.2f}",
            )
        )
    client = Client()
    client.force_login(data["viewer"])
    pages = [
        (
            f"league table page, {province_group.areas.count()} cities",
            f"/indicators/league/?indicator=ind00&group={province_group.pk}&period={last}",
        ),
        (
            "league table page, 300 cities" if postgres else "league table page, all cities",
            f"/indicators/league/?indicator=ind00&group={cities.pk}&period={last}",
        ),
        ("rank matrix page (8 headline indicators × 2 groups)", f"/indicators/matrix/?period={last}"),
        ("city dashboard page (8 cards)", "/indicators/"),
    ]
    os.environ["BIHUAN_HOME_AREA"] = home.code
    from django.conf import settings

    settings.BIHUAN["HOME_AREA"] = home.code
    for title, url in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        seconds, _ = timed(lambda url=url: client.get(url), repeat=9)
        queries = query_count(lambda url=url: client.get(url))
        rows.append((title, f"{seconds * 1000:.0f} ms, {queries} queries"))
    seconds, _ = timed(lambda: selectors.rank_matrix(home, last), repeat=9)
    rows.append(("rank matrix (selector)", f"{seconds * 1000:.0f} ms"))
    seconds, _ = timed(lambda: selectors.dashboard(home), repeat=9)
    rows.append(("city dashboard (selector)", f"{seconds * 1000:.0f} ms"))
    seconds, found = timed(lambda: sum(1 for _ in quality.check_data(group=province_group).findings))
    rows.append(
        (
            "data-quality check of one group (60 indicators, last 24 months)",
            f"{seconds:.1f} s, {found:,} findings",
        )
    )

    # an import of one million rows through the command line's path
    from bihuan.cli import _plan_observations
    from bihuan.core.roles import SYSTEM
    from bihuan.indicators import importers

    codes = list(Area.objects.order_by("code").values_list("code", flat=True))
    path = Path(tempfile.mkdtemp()) / "million.csv"
    written = long_csv(path, codes, [f"ind{i:02d}" for i in range(INDICATORS)], IMPORT_ROWS)
    before = Observation.objects.count()
    started = time.perf_counter()
    planned = _plan_observations(path, None, "")
    planned_at = time.perf_counter() - started
    importers.apply(SYSTEM, planned, source="bench")
    total = time.perf_counter() - started
    assert Observation.objects.count() == before + written
    rows.append(
        (
            f"import {written:,} rows (long CSV {path.stat().st_size / 2**20:.0f} MB: read, check, preview, record)",
            f"{total:.1f} s = {written / total:,.0f} rows/s (reading and checking {planned_at:.1f} s)",
        )
    )
    rows.append(("database", connection.vendor))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args()
    url = os.environ.get("BIHUAN_DATABASE_URL")
    os.environ["BIHUAN_IMPORT_MAX_BYTES"] = str(2**31)
    setup_django(url)
    started = time.perf_counter()
    rows = measure(bool(url))
    print(f"\n## {rows[-1][1]}\n")
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}"
    )
    print(f"Run: {time.perf_counter() - started:.0f} s in all\n")
    print("| measurement | result |\n|---|---|")
    for title, value in rows[:-1]:
        print(f"| {title} | {value} |")


if __name__ == "__main__":
    main()
