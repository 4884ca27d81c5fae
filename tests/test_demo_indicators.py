"""The demo's indicators (`bihuan.demo.indicators`), loaded by `load_demo` on a fresh database: the real Shanxi
figures show true facts, the two peer groups, the synthetic monthly and quarterly data labelled 示例数据 on every
observation, rising within each year, never after the last full month, and the same on every load.

The demo is loaded once for the module with today pinned (without the key tasks, which have their own tests),
inside a transaction rolled back at the end; each test runs in a savepoint inside it."""

from __future__ import annotations

import csv
import tomllib
from collections import defaultdict
from datetime import date, datetime, time
from itertools import pairwise
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from bihuan.core.audit import verify_chain
from bihuan.core.models import AuditEvent
from bihuan.demo.indicators import (
    CONFIG,
    SHANXI,
    Model,
    last_full_month,
    load_demo_indicators,
    periods,
    published,
)
from bihuan.demo.loader import load_demo
from bihuan.indicators.divisions import DATA as DIVISIONS
from bihuan.indicators.models import Area, Indicator, Observation, PeerGroup, Target
from bihuan.indicators.selectors import league_table

TODAY = date(2026, 6, 18)  # the last full month is 2026-05; 2026-Q2 has not ended
SYNTHETIC = [
    "gdp_growth_q", "industry_growth", "fai_growth", "retail_sales_ytd", "budget_revenue_ytd", "urban_income",
    "rural_income", "trade",
]  # fmt: skip
REAL = ["gdp", "gdp_growth", "gdp_per_capita", "retail_sales", "budget_revenue", "population_hukou"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with mock.patch("bihuan.demo.loader.load_demo_tasks"):
            load_demo(today=TODAY)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo, db):
    return {i.code: i for i in Indicator.objects.all()}


def shanxi_rows() -> list[dict[str, str]]:
    with open(SHANXI, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def current(code: str, **filters):
    return Observation.objects.filter(indicator__code=code, current=True, **filters).select_related("area")


def test_the_real_figures_show_true_facts(loaded):
    table = league_table(loaded["gdp_growth"], PeerGroup.objects.get(name="山西11市"), "2023")
    assert (table[0].area_code, table[0].area, table[0].value, table[0].rank) == ("141000", "临汾", 7.6, 1)
    assert all(row.rank > 1 for row in table[1:])
    published_2023 = {r["area_code"]: float(r["value"]) for r in shanxi_rows()
                      if r["indicator_code"] == "gdp_growth" and r["year"] == "2023"}  # fmt: skip
    assert max(published_2023, key=published_2023.get) == "141000"  # the file itself says so
    assert current("gdp", area__code="141000", period="2020").get().value == 1505
    assert current("gdp", area__code="141000", period="2023").get().value == 2312
    real = Observation.objects.filter(indicator__code__in=REAL)
    assert real.count() == len([r for r in shanxi_rows() if r["value"]])
    assert set(real.values_list("source", "vintage")) == {("中国城市统计年鉴", "final")}
    assert {i.source for i in loaded.values() if i.code in REAL} == {"中国城市统计年鉴"}
    assert (loaded["gdp_growth"].kind, loaded["gdp_growth"].unit) == ("rate", "%")


def test_the_peer_groups_and_all_of_china(loaded):
    cities = PeerGroup.objects.get(name="山西11市")
    assert cities.first_tier == 3
    assert sorted(cities.areas.values_list("code", flat=True)) == sorted({r["area_code"] for r in shanxi_rows()})
    assert set(cities.areas.values_list("parent__code", flat=True)) == {"140000"}
    with open(DIVISIONS / "areas.csv", encoding="utf-8") as handle:
        linfen = sorted(r["code"] for r in csv.DictReader(handle) if r["cityCode"] == "1410")
    counties = PeerGroup.objects.get(name="临汾17县区")
    assert sorted(counties.areas.values_list("code", flat=True)) == linfen and len(linfen) == 17
    assert Area.objects.count() > 3000 and Area.objects.get(code="141002").short_name == "尧都"


def test_the_eight_main_indicators_are_headline_and_labelled_as_examples(loaded):
    assert sorted(i.code for i in loaded.values() if i.headline) == sorted(SYNTHETIC)
    for code in SYNTHETIC:
        assert "示例数据" in loaded[code].source and "示例数据" in loaded[code].notes
    sources = set(Observation.objects.filter(indicator__code__in=SYNTHETIC).values_list("source", flat=True))
    assert sources and all("示例数据" in s for s in sources)
    assert not Observation.objects.filter(indicator__code__in=REAL, source__contains="示例").exists()
    kinds = {code: (loaded[code].frequency, loaded[code].kind) for code in SYNTHETIC}
    assert kinds["gdp_growth_q"] == ("quarter", "rate") and kinds["industry_growth"] == ("month", "rate")
    assert kinds["retail_sales_ytd"] == ("month", "ytd") and kinds["urban_income"] == ("quarter", "ytd")


def test_every_area_has_every_published_period_and_nothing_after_the_last_full_month(loaded):
    months = [f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(2, 13) if (y, m) <= (2026, 5)]
    quarters = [f"{y}-Q{q}" for y in (2024, 2025) for q in range(1, 5)] + ["2026-Q1"]
    for code in SYNTHETIC:
        expected = quarters if loaded[code].frequency == "quarter" else months
        found = defaultdict(set)
        for area, period in current(code).values_list("area__code", "period"):
            found[area].add(period)
        assert len(found) == 28, code
        assert all(sorted(p) == sorted(expected) for p in found.values()), code
    assert not Observation.objects.filter(period__endswith="-01").exists()  # Jan–Feb published as -02
    vintages = dict(current("trade", area__code="141000").values_list("period", "vintage"))
    assert vintages["2025-12"] == "final" and vintages["2026-05"] == "preliminary"


def test_year_to_date_levels_rise_within_each_year_and_agree_with_their_growth(loaded):
    for code in SYNTHETIC:
        if loaded[code].kind != "ytd":
            continue
        series = defaultdict(dict)
        for area, period, value, growth in current(code).values_list("area__code", "period", "value", "growth"):
            series[area][period] = (value, growth)
        for area, values in series.items():
            for year in ("2024", "2025", "2026"):
                levels = [values[p][0] for p in sorted(values) if p.startswith(year)]
                assert levels[0] > 0 and all(b > a for a, b in pairwise(levels)), (code, area, year)
            for period, (value, growth) in values.items():
                before = values.get(f"{int(period[:4]) - 1}{period[4:]}")
                if before:
                    assert growth == pytest.approx((value / before[0] - 1) * 100, abs=0.051), (code, area, period)


def test_synthetic_levels_start_from_the_real_2023_figures(loaded):
    linfen_2023 = {r["indicator_code"]: float(r["value"]) for r in shanxi_rows()
                   if r["area_code"] == "141000" and r["year"] == "2023"}  # fmt: skip
    retail = current("retail_sales_ytd", area__code="141000", period="2024-12").get()
    assert retail.value == pytest.approx(linfen_2023["retail_sales"] * (1 + retail.growth / 100), rel=0.002)
    counties = current("retail_sales_ytd", period="2024-12", area__parent__code="141000")
    assert sum(o.value for o in counties) == pytest.approx(retail.value, rel=0.15)  # shares of Linfen's figure


def test_linfens_targets(loaded):
    targets = {
        (t.indicator.code, t.year): t for t in Target.objects.filter(area__code="141000").select_related("indicator")
    }
    # besides Linfen's, only the counties' targets the demo's assessment scores (fixed-asset investment, this year)
    others = Target.objects.exclude(area__code="141000")
    assert {(t.indicator.code, t.year) for t in others} == {("fai_growth", TODAY.year)} and others.count() == 17
    assert {code for code, _year in targets} == set(SYNTHETIC) and {y for _c, y in targets} == {2025, 2026}
    assert targets[("gdp_growth_q", 2025)].value == 6.5 and targets[("gdp_growth_q", 2025)].baseline is None
    retail = targets[("retail_sales_ytd", 2025)]
    december = current("retail_sales_ytd", area__code="141000", period="2024-12").get().value
    assert (retail.baseline_year, retail.baseline) == (2024, december)
    assert retail.value == pytest.approx(december * 1.06, abs=0.01)


def test_recorded_in_the_audit_chain_in_time_order_before_today(loaded):
    assert verify_chain().ok
    times = list(AuditEvent.objects.order_by("seq").values_list("created_at", flat=True))
    assert times == sorted(times)
    midnight = timezone.make_aware(datetime.combine(TODAY, time(0, 0)))
    assert times[-1] < midnight and Observation.objects.filter(recorded_at__gte=midnight).count() == 0
    imports = AuditEvent.objects.filter(object_type="import").values_list("action", flat=True)
    assert sorted(imports) == ["divisions.imported", *["observations.recorded"] * 3]  # yearbook, final, preliminary


def test_a_second_load_changes_nothing(loaded):
    before = sorted(Observation.objects.values_list("indicator__code", "area__code", "period", "value", "growth"))
    counts = load_demo_indicators(TODAY)
    assert (counts["added"], counts["revised"]) == (0, 0) and counts["unchanged"] == len(before)
    after = sorted(Observation.objects.values_list("indicator__code", "area__code", "period", "value", "growth"))
    assert after == before and Indicator.objects.count() == 14 and PeerGroup.objects.count() == 2


def test_a_later_day_adds_periods_and_keeps_the_earlier_ones():
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    spec = next(s for s in config["indicator"] if s["code"] == "trade")
    anchors = {("gdp", "141000"): 2312.0, ("gdp", "140100"): 5574.0}
    model = Model.of(spec, config)
    for area in ("141000", "140100", "141028"):
        shorter, longer = list(model.series(area, anchors, 2025)), list(model.series(area, anchors, 2027))
        assert longer[: len(shorter)] == shorter and len(longer) == 4 * 11  # 2024 to 2027
        assert shorter == list(model.series(area, anchors, 2025))


def test_periods_and_the_last_full_month():
    assert last_full_month(date(2026, 1, 5)) == (2025, 12) and last_full_month(date(2026, 3, 31)) == (2026, 2)
    assert periods(2025, "month")[0] == "2025-02" and len(periods(2025, "month")) == 11
    assert periods(2025, "quarter") == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert published("2026-Q1", (2026, 3)) and not published("2026-Q2", (2026, 5))
    assert published("2026-05", (2026, 5)) and not published("2026-06", (2026, 5))
