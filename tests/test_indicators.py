"""Indicators as stored: observations recorded in batches with every vintage kept, the permission rule
(statisticians and administrators write, everyone reads), and league tables from the real Shanxi data."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bihuan.core.models import AuditEvent
from bihuan.core.roles import SYSTEM, Role
from bihuan.indicators.models import Area, Observation
from bihuan.indicators.periods import parse_period, previous_period
from bihuan.indicators.selectors import league_table
from bihuan.indicators.services import (
    Value,
    record_observations,
    save_area,
    save_indicator,
    save_peer_group,
    save_target,
)
from tests.test_indicator_computations import SHANXI


@pytest.fixture
def shanxi(db):
    """The 11 cities, the group 山西11市 and the yearly GDP growth indicator, from the real file."""
    province = save_area(SYSTEM, {"code": "140000", "name": "山西省", "short_name": "山西", "level": "province"})
    with open(SHANXI, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    cities = {}
    for row in rows:
        if row["area_code"] not in cities:
            name = row["area_name"]
            cities[row["area_code"]] = save_area(
                SYSTEM,
                {"code": row["area_code"], "name": name, "short_name": name.removesuffix("市"), "level": "city",
                 "parent": province},
            )  # fmt: skip
    group = save_peer_group(SYSTEM, {"name": "山西11市"}, list(cities.values()))
    growth = save_indicator(
        SYSTEM, {"code": "gdp_growth", "name": "地区生产总值增速", "unit": "%", "frequency": "year", "kind": "rate"}
    )
    values = [
        Value(growth, cities[r["area_code"]], r["year"], float(r["value"]))
        for r in rows
        if r["indicator_code"] == "gdp_growth" and r["year"] in ("2022", "2023")
    ]
    record_observations(SYSTEM, values, source="中国城市统计年鉴", vintage="final")
    return {"group": group, "growth": growth, "cities": cities}


def test_league_table_on_the_real_2023_figures(shanxi):
    table = league_table(shanxi["growth"], shanxi["group"], "2023")
    assert [(r.area, r.rank) for r in table[:5]] == [
        ("临汾", 1),
        ("晋城", 2),
        ("长治", 3),
        ("运城", 3),
        ("大同", 5),
    ]  # ties by code
    linfen = table[0]
    assert linfen.value == 7.6 and linfen.first_tier and linfen.gaps.to_leader == 0
    assert table[-1].area == "忻州" and table[-1].rank == 11
    assert all(r.rank_change is not None for r in table)  # every city has a 2022 figure to compare with


def test_revisions_keep_every_vintage_and_tables_show_what_was_published(shanxi):
    linfen = shanxi["cities"]["141000"]
    published = timezone.now()
    result = record_observations(SYSTEM, [Value(shanxi["growth"], linfen, "2023", 7.8)], source="修订")
    assert (result.added, result.revised, result.unchanged) == (0, 1, 0)
    assert Observation.objects.filter(area=linfen, period="2023").count() == 2
    assert Observation.objects.get(area=linfen, period="2023", current=True).value == 7.8
    assert league_table(shanxi["growth"], shanxi["group"], "2023")[0].value == 7.8
    as_published = league_table(shanxi["growth"], shanxi["group"], "2023", as_of=published)
    assert as_published[0].area == "临汾" and as_published[0].value == 7.6
    again = record_observations(SYSTEM, [Value(shanxi["growth"], linfen, "2023", 7.8)])
    assert (again.added, again.revised, again.unchanged) == (0, 0, 1)


def test_one_audit_event_per_batch_and_bad_periods_write_nothing(shanxi):
    before_events, before_rows = AuditEvent.objects.count(), Observation.objects.count()
    linfen = shanxi["cities"]["141000"]
    with pytest.raises(ValueError, match="2023"):
        record_observations(
            SYSTEM, [Value(shanxi["growth"], linfen, "2024", 6.0), Value(shanxi["growth"], linfen, "2024-13", 1)]
        )
    assert (AuditEvent.objects.count(), Observation.objects.count()) == (before_events, before_rows)
    record_observations(SYSTEM, [Value(shanxi["growth"], a, "2024", 5.0) for a in shanxi["cities"].values()])
    assert AuditEvent.objects.count() == before_events + 1
    assert Observation.objects.count() == before_rows + 11


@pytest.mark.parametrize("role", list(Role.values))
def test_statisticians_and_administrators_write(role, people, shanxi):
    linfen = shanxi["cities"]["141000"]
    user = people[role]
    rows = Observation.objects.count()
    if role in (Role.ADMIN, Role.STATISTICIAN):
        record_observations(user, [Value(shanxi["growth"], linfen, "2021", 9.0)])
        assert Observation.objects.count() == rows + 1
    else:
        with pytest.raises(PermissionDenied):
            record_observations(user, [Value(shanxi["growth"], linfen, "2021", 9.0)])
        with pytest.raises(PermissionDenied):
            save_area(user, {"code": "141099", "name": "测试县", "short_name": "测试", "level": "county"})
        assert Observation.objects.count() == rows and not Area.objects.filter(code="141099").exists()


def test_periods_and_targets(shanxi):
    assert parse_period("2025-Q3", "quarter") == (2025, 3) and previous_period("2025-Q1", "quarter") == "2024-Q4"
    assert previous_period("2025-01", "month") == "2024-12" and previous_period("2023", "year") == "2022"
    with pytest.raises(ValueError):
        parse_period("2025-Q5", "quarter")
    linfen = shanxi["cities"]["141000"]
    target = save_target(SYSTEM, {"indicator": shanxi["growth"], "area": linfen, "year": 2025, "value": 6.5})
    assert target.value == 6.5
    with pytest.raises(ValidationError):
        save_target(
            SYSTEM,
            {"indicator": shanxi["growth"], "area": linfen, "year": 2026, "value": 6.0, "baseline_year": 2026},
        )
    assert timezone.now() - target.created_at < timedelta(minutes=1)


def test_growth_ranks_follow_the_polarity(shanxi):
    from bihuan.indicators.services import save_indicator as save

    jobless = save(SYSTEM, {"code": "unemployment", "name": "城镇调查失业率", "unit": "%", "higher_is_better": False})
    taiyuan, linfen = shanxi["cities"]["140100"], shanxi["cities"]["141000"]
    record_observations(
        SYSTEM, [Value(jobless, taiyuan, "2023", 5.2, growth=0.3), Value(jobless, linfen, "2023", 5.0, growth=-0.2)]
    )
    by_value = league_table(jobless, shanxi["group"], "2023")
    by_growth = league_table(jobless, shanxi["group"], "2023", by="growth")
    assert [r.area for r in by_value[:2]] == ["临汾", "太原"] and [r.area for r in by_growth[:2]] == ["临汾", "太原"]
    assert by_value[2].rank is None  # the other nine have no figure: listed, not ranked


def test_league_by_growth_derives_nominal_growth_where_none_was_published(shanxi):
    """Real yearbook GDP levels come without a published growth: ranked by growth, each city's nominal growth
    2022→2023 is computed from its levels, marked as derived; a published growth is preferred."""
    gdp = save_indicator(SYSTEM, {"code": "gdp", "name": "地区生产总值", "unit": "亿元", "frequency": "year"})
    with open(SHANXI, encoding="utf-8") as handle:
        levels = {
            (r["area_code"], r["year"]): float(r["value"])
            for r in csv.DictReader(handle)
            if r["indicator_code"] == "gdp" and r["year"] in ("2021", "2022", "2023")
        }
    cities = shanxi["cities"]
    record_observations(SYSTEM, [Value(gdp, cities[code], year, value) for (code, year), value in levels.items()])
    expected = {code: (levels[(code, "2023")] / levels[(code, "2022")] - 1) * 100 for code in cities}
    table = league_table(gdp, shanxi["group"], "2023", by="growth")
    assert all(r.growth_derived for r in table)
    assert {r.area_code: r.growth for r in table} == pytest.approx(expected)
    ordered = sorted(expected, key=lambda code: -expected[code])
    assert [r.area_code for r in table] == ordered and table[0].rank == 1
    assert all(r.rank_change is not None for r in table)  # 2022's ranks came from 2021→2022 growth
    # the rank matrix and the dashboard rank by growth alike
    from bihuan.indicators.selectors import standings

    placed = standings(cities["141000"], {gdp: "2023"}, [shanxi["group"]], ("value", "growth"))
    linfen_row = next(r for r in table if r.area_code == "141000")
    assert placed[gdp.pk, shanxi["group"].pk, "growth"].rank == linfen_row.rank
    assert placed[gdp.pk, shanxi["group"].pk, "growth"].change == linfen_row.rank_change
    record_observations(SYSTEM, [Value(gdp, cities["141000"], "2023", levels[("141000", "2023")], 5.0)])
    linfen = next(r for r in league_table(gdp, shanxi["group"], "2023", by="growth") if r.area_code == "141000")
    assert (linfen.growth, linfen.growth_derived) == (5.0, False)


def test_an_indicator_with_figures_keeps_its_code_and_frequency(shanxi):
    growth = shanxi["growth"]
    with pytest.raises(ValidationError) as refused:
        save_indicator(SYSTEM, {"code": "gdp_g"}, growth)
    assert "code" in refused.value.message_dict
    with pytest.raises(ValidationError):
        save_indicator(SYSTEM, {"frequency": "month"}, growth)
    renamed = save_indicator(SYSTEM, {"name": "GDP 增速"}, growth)
    assert renamed.name == "GDP 增速" and renamed.code == "gdp_growth"
