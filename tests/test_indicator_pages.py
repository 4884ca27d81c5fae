"""The benchmarking pages: league table, rank matrix, trends and the city dashboard, with their .xlsx exports.

Data goes in through the services: the real Shanxi 11-city figures (gdp_growth, gdp, retail_sales,
budget_revenue, 2015–2023), a second group (晋南四市), targets, and monthly and quarterly year-to-date
figures made up here (the monthly ones labelled 示例数据 like the demo's). Expected ranks are worked out by
hand from the figures in the comments, not with the code under test.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import translation

from bihuan.core.roles import SYSTEM, Role
from bihuan.indicators import periods, selectors
from bihuan.indicators.models import Observation
from bihuan.indicators.services import (
    Value,
    record_observations,
    save_area,
    save_indicator,
    save_peer_group,
    save_target,
)
from tests.test_indicator_computations import SHANXI

LINFEN, YUNCHENG, JINCHENG, CHANGZHI, XINZHOU = "141000", "140800", "140500", "140400", "140900"
SOUTH = (LINFEN, YUNCHENG, JINCHENG, CHANGZHI)

# 规上工业增加值, year to date, made up: value in month m = base × m, published growth = g + 0.1 m.
# By value Linfen (55) is 7th of the 10 with a March figure (100, 90, 85, 80, 70, 60 above it; 忻州 has
# none), 3rd of 4 in the south (90, 80 above, 40 below); by growth (8.0) it leads everywhere.
INDUSTRY = {
    "140100": (100, 3.0), "140200": (60, 4.0), "140300": (30, 2.0), CHANGZHI: (90, 6.0), JINCHENG: (80, 5.0),
    "140600": (70, 1.0), "140700": (50, 4.5), YUNCHENG: (40, 5.5), XINZHOU: (35, 2.5), LINFEN: (55, 8.0),
    "141100": (85, 3.5),
}  # fmt: skip
SAMPLE_SOURCE = "示例数据：测试合成的规上工业增加值"


def _load(indicator, cities, code, years=range(2015, 2024)):
    with open(SHANXI, encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["indicator_code"] == code and int(r["year"]) in years]
    values = [Value(indicator, cities[r["area_code"]], r["year"], float(r["value"])) for r in rows]
    record_observations(SYSTEM, values, source="中国城市统计年鉴", vintage="final")


def _indicator(code, name, name_en, order, **extra):
    data = {"code": code, "name": name, "name_en": name_en, "headline": True, "sort_order": order, **extra}
    return save_indicator(SYSTEM, {"frequency": "year", "kind": "level", "decimals": 1, **data})


@pytest.fixture
def world(city):
    """Shanxi's 11 cities in 山西11市 (first tier 3) and the southern four in 晋南四市 (first tier 2); our city
    is 临汾 because the root unit (the `city` fixture) has the code 141000."""
    province = save_area(SYSTEM, {"code": "140000", "name": "山西省", "short_name": "山西", "level": "province"})
    with open(SHANXI, encoding="utf-8") as handle:
        names = {r["area_code"]: r["area_name"] for r in csv.DictReader(handle)}
    cities = {
        code: save_area(
            SYSTEM,
            {"code": code, "name": name, "short_name": name.removesuffix("市"), "level": "city", "parent": province},
        )
        for code, name in sorted(names.items())
    }
    shanxi = save_peer_group(SYSTEM, {"name": "山西11市"}, list(cities.values()))
    south = save_peer_group(SYSTEM, {"name": "晋南四市", "first_tier": 2}, [cities[c] for c in SOUTH])
    growth = _indicator("gdp_growth", "地区生产总值增速", "GDP growth", 1, unit="%", kind="rate")
    gdp = _indicator("gdp", "地区生产总值", "GDP", 2, unit="亿元", decimals=0)
    retail = _indicator("retail_sales", "社会消费品零售总额", "Retail sales", 3, unit="亿元")
    budget = _indicator("budget_revenue", "一般公共预算收入", "Budget revenue", 4, unit="亿元")
    for indicator in (growth, gdp, retail, budget):
        _load(indicator, cities, indicator.code)
    industry = _indicator(
        "industry", "规上工业增加值", "Industrial value added", 5, unit="亿元", frequency="month", kind="ytd"
    )
    record_observations(
        SYSTEM,
        [
            Value(industry, cities[code], f"2024-{month:02d}", float(base * month), round(g + 0.1 * month, 1))
            for code, (base, g) in INDUSTRY.items()
            for month in (1, 2, 3)
            if not (code == XINZHOU and month == 3)
        ],
        source=SAMPLE_SOURCE,
    )
    # 季度GDP, year to date, 2024-Q1: a quarter of each city's 2023 GDP, but Linfen's the lowest of all (200)
    quarterly = _indicator(
        "gdp_quarter", "地区生产总值（季度累计）", "GDP (quarterly)", 6, unit="亿元", frequency="quarter", kind="ytd"
    )
    with open(SHANXI, encoding="utf-8") as handle:
        gdp_2023 = {
            r["area_code"]: float(r["value"])
            for r in csv.DictReader(handle)
            if r["indicator_code"] == "gdp" and r["year"] == "2023"
        }
    record_observations(
        SYSTEM,
        [Value(quarterly, cities[c], "2024-Q1", 200.0 if c == LINFEN else v / 4) for c, v in gdp_2023.items()],
        source="山西省统计局",
    )
    linfen = cities[LINFEN]
    save_target(SYSTEM, {"indicator": growth, "area": linfen, "year": 2023, "value": 6.5})
    save_target(
        SYSTEM, {"indicator": gdp, "area": linfen, "year": 2025, "value": 3400, "baseline_year": 2020, "baseline": 1505}
    )
    return {
        "cities": cities,
        "shanxi": shanxi,
        "south": south,
        "growth": growth,
        "gdp": gdp,
        "industry": industry,
        "quarterly": quarterly,
    }


@pytest.fixture
def viewer(make_user, own_unit):
    return make_user("viewer1", Role.VIEWER, own_unit)


def _get(client, name, **params):
    return client.get(reverse(name), params)


def _english(client):
    client.cookies["django_language"] = "en"
    return client


# ---- our city --------------------------------------------------------------------------------------


def test_our_city_is_the_root_unit_s_area_or_the_setting(world):
    assert selectors.home_area().code == LINFEN  # the root unit 临汾市 has the code 141000
    with override_settings(BIHUAN={"HOME_AREA": YUNCHENG}):
        assert selectors.home_area().code == YUNCHENG
    with override_settings(BIHUAN={"HOME_AREA": "999999"}):
        assert selectors.home_area() is None


def test_periods():
    assert periods.period_range("2024-11", "2025-02", "month") == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert periods.period_range("2024-11", "2025-02", "month", limit=2) == ["2025-01", "2025-02"]
    assert selectors.latest_not_after(["2025-Q2", "2025-Q3", "2025-Q4"], "2025-10") == "2025-Q3"
    assert selectors.latest_not_after(["2023", "2024", "2025"], "2025-10") == "2024"
    assert selectors.latest_not_after(["2024-12", "2025-01"], "2024") == "2024-12"
    assert periods.frequency_of("2023-13") is None and periods.year_ago("2025-Q3", "quarter") == "2024-Q3"
    assert (
        periods.previous_period("2025-Q1", "quarter") == "2024-Q4"
        and periods.next_period("2024-12", "month") == "2025-01"
    )


# ---- league table ----------------------------------------------------------------------------------


def test_league_table_shows_linfen_first_on_2023_gdp_growth(world, login, viewer):
    client = login(viewer)
    response = _get(client, "league-table", indicator="gdp_growth", group=world["shanxi"].pk, period="2023")
    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r'<tr class="([^"]*)" data-area="(\d+)"', html)
    assert [code for _css, code in rows][:4] == [LINFEN, JINCHENG, CHANGZHI, YUNCHENG]  # 7.6, 7.0, 5.6, 5.6
    assert "bh-ours" in rows[0][0] and all("bh-ours" not in css for css, _c in rows[1:])
    our_row = html[html.index('id="our-row"') : html.index("</tr>", html.index('id="our-row"'))]
    assert "临汾" in our_row and "7.6" in our_row
    # 2022 ranks: 晋城 7.3, 长治 7.2, 运城 5.6, 晋中 5.2, 临汾 5.16 → Linfen 5th, now 1st: up 4
    assert "▲4" in our_row and "text-success" in our_row
    # 忻州: 3.8 in 2022 (7th: 7.3 7.2 5.6 5.2 5.16 3.9 above), 3.0 in 2023 (11th): down 4
    xinzhou = html[html.index(f'data-area="{XINZHOU}"') :]
    assert "▼4" in xinzhou[: xinzhou.index("</tr>")]
    assert "bi-star-fill" in our_row  # first tier
    assert "中国城市统计年鉴" in html and "示例数据 / sample data" not in html
    chart = json.loads(re.search(r'<script id="league-chart" type="application/json">(.*?)</script>', html).group(1))
    assert chart["yAxis"]["data"][0] == "1. 临汾" and chart["series"][0]["data"][0]["value"] == 7.6
    assert chart["series"][0]["data"][0]["itemStyle"]["color"] != chart["series"][0]["data"][1]["itemStyle"]["color"]


def test_league_table_defaults_gaps_unranked_and_sample_badge(world, login, viewer):
    client = login(viewer)
    # no query: the first headline indicator, the first group of our city, the latest period with data there
    html = _get(client, "league-table").content.decode()
    assert "地区生产总值增速 · 山西11市 · 2023" in html
    response = _get(client, "league-table", indicator="industry", group=world["south"].pk, by="value")
    html = response.content.decode()
    assert "· 2024-03 ·" in html  # the latest month
    rows = re.findall(r'data-area="(\d+)"', html)
    assert rows == [CHANGZHI, JINCHENG, LINFEN, YUNCHENG]  # 270, 240, 165, 120
    our_row = html[html.index('id="our-row"') : html.index("</tr>", html.index('id="our-row"'))]
    # gap to the leader 270 − 165 = 105.0, to the next rank up 240 − 165 = 75.0; unchanged since February: –
    assert "105.0" in our_row and "75.0" in our_row and "–" in our_row
    assert 'id="sample-badge"' in html and "示例数据 / sample data" in html and SAMPLE_SOURCE in html
    # 忻州 has no March figure: listed last, unranked
    html = _get(client, "league-table", indicator="industry", group=world["shanxi"].pk, period="2024-03").content
    rows = re.findall(r'<tr class="([^"]*)" data-area="(\d+)"', html.decode())
    assert rows[-1] == (" bh-unranked", XINZHOU) and len(rows) == 11


def test_league_table_by_growth_and_as_published(world, login, viewer):
    client = login(viewer)
    html = _get(client, "league-table", indicator="industry", group=world["south"].pk, period="2024-03", by="growth")
    rows = re.findall(r'data-area="(\d+)"', html.content.decode())
    assert rows == [LINFEN, CHANGZHI, YUNCHENG, JINCHENG]  # 8.3, 6.3, 5.8, 5.3
    Observation.objects.update(recorded_at=datetime(2024, 6, 1, 12, tzinfo=ZoneInfo("Asia/Shanghai")))
    record_observations(SYSTEM, [Value(world["growth"], world["cities"][LINFEN], "2023", 7.8)], source="修订")
    params = {"indicator": "gdp_growth", "group": world["shanxi"].pk, "period": "2023"}
    now = _get(client, "league-table", **params).content.decode()
    then = _get(client, "league-table", **params, as_of="2024-06-01").content.decode()
    row = re.compile(r'id="our-row">(.*?)</tr>', re.S)
    assert "7.8" in row.search(now).group(1) and "7.6" in row.search(then).group(1)
    assert (
        "as published on 2024-06-01"
        in _get(_english(client), "league-table", **params, as_of="2024-06-01").content.decode()
    )


def test_league_table_export_is_the_table_shown(world, login, viewer):
    client = login(viewer)
    params = {"indicator": "gdp_growth", "group": world["shanxi"].pk, "period": "2023"}
    response = _get(client, "league-table-xlsx", **params)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "地区生产总值增速 · 山西11市 · 2023 · 按数值"
    assert [c.value for c in sheet[2]][:4] == ["位次", "地区", "数值 (%)", "增速(%)"]
    assert sheet.freeze_panes == "C3"
    body = [[c.value for c in row] for row in sheet.iter_rows(min_row=3, max_row=13)]
    assert body[0][:2] == [1, "临汾"] and body[0][2] == 7.6 and body[0][4] == 4 and body[0][5] == 0
    assert [r[1] for r in body] == [
        "临汾",
        "晋城",
        "长治",
        "运城",
        "大同",
        "朔州",
        "吕梁",
        "晋中",
        "太原",
        "阳泉",
        "忻州",
    ]
    assert body[2][0] == body[3][0] == 3 and body[-1][0] == 11 and body[-1][4] == -4
    assert body[1][6] == pytest.approx(0.6)  # 晋城: 0.6 points behind Linfen
    assert "中国城市统计年鉴" in sheet.cell(row=15, column=1).value


def test_league_table_export_in_english(world, login, viewer):
    client = _english(login(viewer))
    response = _get(client, "league-table-xlsx", indicator="industry", group=world["south"].pk, period="2024-02")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "Industrial value added · 晋南四市 · 2024-02 · by value"
    assert [c.value for c in sheet[2]][:3] == ["Rank", "Area", "Value (亿元)"]
    assert [sheet.cell(row=r, column=2).value for r in range(3, 7)] == ["长治", "晋城", "临汾", "运城"]
    assert sheet.cell(row=5, column=3).value == 110  # Linfen: 55 × 2
    assert "sample data" in sheet.cell(row=9, column=1).value


# ---- rank matrix -----------------------------------------------------------------------------------

# Linfen in 2024-03 (yearly indicators at 2023, the quarterly one at 2024-Q1), by value:
#                  山西11市 (k=3)                     晋南四市 (k=2)
# gdp_growth 2023  7.6 → 1 of 11, leads               7.6 vs 7.0, 5.6, 5.6 → 1 of 4, leads
# gdp 2023         2312 → 6 (5574 2806 2366 2333 2330) 2806 2333 2330 2312 → 4 of 4, last
# retail 2023      819.7 → 3 (1912.9 830.3), first    830.3 819.7 718.2 575.7 → 2, first tier
# budget 2023      198.9 → 5 (449.2 331.6 315.1 277.2) 315.1 277.2 198.9 124.6 → 3
# industry 2024-03 165 → 7 of 10 (忻州 has none)       270 240 165 120 → 3
# gdp_quarter Q1   200, the lowest → 11 of 11, last    → 4 of 4, last
EXPECTED = {
    "gdp_growth": (("1/11", "lead"), ("1/4", "lead")),
    "gdp": (("6/11", "none"), ("4/4", "last")),
    "retail_sales": (("3/11", "first"), ("2/4", "first")),
    "budget_revenue": (("5/11", "none"), ("3/4", "none")),
    "industry": (("7/10", "none"), ("3/4", "none")),
    "gdp_quarter": (("11/11", "last"), ("4/4", "last")),
}


def _matrix_cells(html):
    found = {}
    for code, row in re.findall(r'<tr data-indicator="([\w_]+)">(.*?)</tr>', html, re.S):
        cells = re.findall(r'<td class="([^"]*)" data-tier="(\w+)">(?:<a href="([^"]*)">)?([^<]*)', row)
        found[code] = [(text.strip(), "none" if tier == "other" else tier, link) for _css, tier, link, text in cells]
    return found


def test_rank_matrix_counts_leads_first_tier_and_lasts(world, login, viewer):
    client = _english(login(viewer))
    html = _get(client, "rank-matrix").content.decode()  # the default period: the latest, 2024-03
    assert 'value="2024-03" selected' in html
    cells = _matrix_cells(html)
    # the column order is the groups' names: 山西11市, 晋南四市
    assert {code: tuple((text, tier) for text, tier, _l in row) for code, row in cells.items()} == EXPECTED
    summary = re.search(r'<ul class="list-unstyled mb-3" id="matrix-summary">(.*?)</ul>', html, re.S).group(1)
    # 山西11市: leads on 1 of 6, first tier on 2 (gdp_growth, retail), last on 1; 晋南四市: 1, 2, last on 2
    assert "<strong>山西11市</strong>: leads on 1 of 6, first tier on 2, last on 1" in summary
    assert "<strong>晋南四市</strong>: leads on 1 of 6, first tier on 2, last on 2" in summary
    link = cells["gdp_quarter"][1][2].replace("&amp;", "&")
    assert link == f"/indicators/league/?indicator=gdp_quarter&group={world['south'].pk}&period=2024-Q1&by=value"
    assert "bh-tier-lead" in html and "bh-tier-last" in html and 'id="sample-badge"' in html  # industry is sample


def test_rank_matrix_picks_each_frequency_s_latest_period_not_after_the_chosen(world, login, viewer):
    client = login(viewer)
    html = _get(client, "rank-matrix", period="2023").content.decode()
    label = r'data-indicator="([\w_]+)">\s*<th scope="row" class="fw-normal">[^<]*<span class="small text-muted[^"]*">'
    rows = dict(re.findall(label + "([^<]*)", html))
    assert rows == {
        "gdp_growth": "2023",
        "gdp": "2023",
        "retail_sales": "2023",
        "budget_revenue": "2023",
        "industry": "—",
        "gdp_quarter": "—",
    }
    assert _matrix_cells(html)["industry"] == [("—", "none", ""), ("—", "none", "")]
    # by growth: Linfen's industrial growth (8.3) leads both groups in March; 2022 → 2023 has no published growth
    growth = _matrix_cells(_get(client, "rank-matrix", period="2024-03", by="growth").content.decode())
    assert growth["industry"][0][:2] == ("1/10", "lead") and growth["industry"][1][:2] == ("1/4", "lead")
    assert "gdp" not in {code for code, row in growth.items() if row[0][0] != "—"}


def test_rank_matrix_export(world, login, viewer):
    client = login(viewer)
    response = _get(client, "rank-matrix-xlsx", period="2024-03")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert "临汾市" in sheet["A1"].value and "2024-03" in sheet["A1"].value
    assert [c.value for c in sheet[2]] == ["指标", "期别", "山西11市", "晋南四市"]
    rows = {
        sheet.cell(row=r, column=1).value: [sheet.cell(row=r, column=c).value for c in (2, 3, 4)] for r in range(3, 9)
    }
    assert rows["地区生产总值增速"] == ["2023", "1/11 ▲4", "1/4 ▲3"]  # 2022: 5th of 11, 4th of 4
    assert rows["地区生产总值（季度累计）"][:2] == ["2024-Q1", "11/11"]
    assert sheet.cell(row=3, column=3).fill.fgColor.rgb.endswith("198754")  # leads: strong green
    assert sheet.cell(row=8, column=3).fill.fgColor.rgb.endswith("DC3545")  # last: red


# ---- trends ----------------------------------------------------------------------------------------


def test_trends_value_growth_and_rank_over_time(world, login, viewer):
    client = login(viewer)
    response = _get(
        client, "indicator-trends", indicator="gdp", area=LINFEN, group=world["south"].pk, start="2021", end="2023"
    )
    assert response.status_code == 200
    html = response.content.decode()
    table = re.search(r'<table[^>]*id="trend-table">(.*?)</table>', html, re.S).group(1)
    periods = re.findall(r'<tr data-period="(\d+)">', table)
    assert periods == ["2023", "2022", "2021"]
    row_2023 = re.search(r'<tr data-period="2023">(.*?)</tr>', table, re.S).group(1)
    cells = re.findall(r'<td class="text-end">([^<]*)</td>', row_2023)
    # Linfen first: 2312, nominal growth 2312 / 2228 − 1 = 3.8%, rank 4 of 4 (2806 2333 2330 2312)
    assert cells[:3] == ["2,312", "3.8", "4"] and cells[-1] == "4"
    charts = {
        key: json.loads(re.search(rf'<script id="trend-{key}" type="application/json">(.*?)</script>', html).group(1))
        for key in ("value", "growth", "rank")
    }
    assert charts["rank"]["yAxis"]["inverse"] is True and charts["rank"]["xAxis"]["data"] == ["2021", "2022", "2023"]
    ranks = {s["name"]: s["data"] for s in charts["rank"]["series"]}
    # 2021: 2311 1912 2053 1909 → 长治 1, 运城 2, 晋城 3, 临汾 4; 2022: 2805 2305 2301 2228 → 1 2 3 4
    assert ranks == {"临汾": [4, 4, 4], "长治": [1, 1, 1], "晋城": [3, 2, 2], "运城": [2, 3, 3]}
    assert charts["value"]["series"][0]["data"] == [1909, 2228, 2312]
    assert charts["growth"]["series"][0]["data"][0] == round((1909 / 1505 - 1) * 100, 1)


def test_trends_of_chosen_peers_by_growth_defaults_to_our_city(world, login, viewer):
    client = login(viewer)
    params = {"indicator": "gdp_growth", "group": "", "peers": [JINCHENG, XINZHOU], "start": "2022", "end": "2023"}
    html = client.get(reverse("indicator-trends"), params).content.decode()
    ranks = {
        s["name"]: s["data"]
        for s in json.loads(re.search(r'id="trend-rank" type="application/json">(.*?)</script>', html).group(1))[
            "series"
        ]
    }
    # among the three: 2022 晋城 7.3, 临汾 5.16, 忻州 3.8; 2023 临汾 7.6, 晋城 7.0, 忻州 3.0
    assert ranks == {"临汾": [2, 1], "晋城": [1, 2], "忻州": [3, 3]}
    assert "Ranks among the areas shown." in _get(_english(client), "indicator-trends", **params).content.decode()


# ---- city dashboard --------------------------------------------------------------------------------


def _cards(html):
    return dict(
        re.findall(r'<div class="card h-100" data-indicator="([\w_]+)">(.*?)<div class="card-footer', html, re.S)
    )


def test_dashboard_cards_ranks_targets_and_sparklines(world, login, viewer):
    client = _english(login(viewer))
    html = _get(client, "indicator-dashboard").content.decode()
    cards = _cards(html)
    assert list(cards) == ["gdp_growth", "gdp", "retail_sales", "budget_revenue", "industry", "gdp_quarter"]
    growth = cards["gdp_growth"]
    assert "2023" in growth and '<span class="bh-card-value">7.6</span>' in growth
    assert re.search(r"1 of 11</span> <span class=\"text-success\">▲4", growth)
    assert re.search(r"1 of 4</span> <span class=\"text-success\">▲3", growth)  # 2022: 4th of the south
    assert "Target 2023: 6.5%" in growth and "1.1 pts above target" in growth  # 7.6 − 6.5
    # GDP: baseline 1505 in 2020, 2312 in 2023, target 3400 in 2025. Observed (2312/1505)^(1/3) − 1 = 15.4% a
    # year against the (3400/1505)^(1/5) − 1 = 17.7% needed: ratio 0.87, between 0.6 and 0.95
    observed, required = (2312 / 1505) ** (1 / 3) - 1, (3400 / 1505) ** (1 / 5) - 1
    assert 0.6 <= observed / required < 0.95
    assert "acceleration needed" in cards["gdp"] and "Target 2025: 3,400亿元" in cards["gdp"]
    assert "6 of 11" in cards["gdp"] and "4 of 4" in cards["gdp"]
    industry = cards["industry"]
    assert "2024-03" in industry and "by growth 1/10" in industry and "growth <strong>+8.3%</strong>" in industry
    spark = json.loads(re.search(r'<script id="spark-1" type="application/json">(.*?)</script>', html).group(1))
    assert spark["periods"] == [str(y) for y in range(2015, 2024)] and spark["values"][-1] == 7.6
    ytd = json.loads(re.search(r'<script id="spark-5" type="application/json">(.*?)</script>', html).group(1))
    assert ytd == {"periods": ["2024-01", "2024-02", "2024-03"], "values": [8.1, 8.2, 8.3]}  # its growth
    assert 'id="sample-badge"' in html and "中国城市统计年鉴" in html


def test_dashboard_empty_state_and_import_hint(city, login, people, viewer):
    html = _get(login(viewer), "indicator-dashboard").content.decode()
    assert 'id="empty-state"' in html and reverse("observation-import") not in html
    save_area(SYSTEM, {"code": "141000", "name": "临汾市", "short_name": "临汾", "level": "city"})
    _indicator("gdp_growth", "地区生产总值增速", "GDP growth", 1, unit="%", kind="rate")
    html = _get(login(people[Role.STATISTICIAN]), "indicator-dashboard").content.decode()
    assert 'id="empty-state"' in html and "临汾市" in html and reverse("observation-import") in html


# ---- language, navigation, permissions, bad queries ----------------------------------------------


def test_pages_in_english(world, login, viewer):
    client = _english(login(viewer))
    html = _get(
        client, "league-table", indicator="gdp_growth", group=world["shanxi"].pk, period="2023"
    ).content.decode()
    assert '<html lang="en">' in html and "GDP growth · 山西11市 · 2023 · by value" in html
    assert ">Rank</th>" in html and ">Gap to leader (pts)</th>" in html and "位次" not in html
    assert "League table" in html and "Rank matrix" in html and 'href="/indicators/"' in html
    html = _get(client, "rank-matrix").content.decode()
    assert ">Indicator</th>" in html and "GDP growth" in html


def test_chinese_by_default(world, login, viewer):
    html = _get(login(viewer), "league-table", indicator="gdp_growth", group=world["shanxi"].pk).content.decode()
    assert '<html lang="zh-hans">' in html and ">位次</th>" in html and "地区生产总值增速" in html
    assert "排名矩阵" in html and "按数值" in html


def test_navigation_and_import_tab_follow_the_policy(world, login, viewer, people):
    html = _get(login(viewer), "league-table").content.decode()
    assert 'href="/indicators/"' in html and "bi-graph-up" in html  # the nav entry
    tabs = re.search(r'<ul class="nav nav-tabs[^"]*" id="indicator-tabs">(.*?)</ul>', html, re.S).group(1)
    assert reverse("data-quality") in tabs and reverse("observation-import") not in tabs
    html = _get(login(people[Role.STATISTICIAN]), "league-table").content.decode()
    tabs = re.search(r'id="indicator-tabs">(.*?)</ul>', html, re.S).group(1)
    assert (
        reverse("observation-import") in tabs
        and 'class="nav-link active" aria-current="page" href="/indicators/league/"' in tabs
    )


@pytest.mark.parametrize(
    "name",
    ["indicator-dashboard", "league-table", "league-table-xlsx", "rank-matrix", "rank-matrix-xlsx", "indicator-trends"],
)
def test_signed_in_only(world, client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("league-table", {"indicator": "nope"}, "There is no indicator with the code “nope”."),
        ("league-table", {"indicator": "gdp_growth", "period": "2023-13"}, "“2023-13” is not a period of GDP growth"),
        ("league-table", {"indicator": "industry", "period": "2023-13"}, "write it like 2025-10"),
        ("league-table", {"period": "2023-13"}, "“2023-13” is not a period of GDP growth"),
        ("league-table", {"period": "2024-Q1"}, "“2024-Q1” is not a period of GDP growth: write it like 2023."),
        ("league-table", {"group": "99999999999999999999999"}, "There is no peer group"),
        (
            "league-table",
            {"group": "<script>alert(1)</script>"},
            "There is no peer group “&lt;script&gt;alert(1)&lt;/script&gt;”.",
        ),
        ("league-table", {"by": "' OR 1=1 --"}, "Rank by value or by growth"),
        ("league-table", {"as_of": "2024-02-30"}, "Enter a date such as 2024-03-31."),
        ("league-table", {"indicator": "gdp\x00growth"}, "There is no indicator"),
        ("league-table-xlsx", {"indicator": "x" * 5000}, "There is no indicator with the code “xxxxxxxx"),
        ("rank-matrix", {"period": "2023-13"}, "“2023-13” is not a period"),
        ("rank-matrix", {"period": "'; DROP TABLE x"}, "at most 10 characters"),
        ("rank-matrix-xlsx", {"by": "rank"}, "Rank by value or by growth"),
        ("indicator-trends", {"area": "999999"}, "There is no area with the division code “999999”."),
        ("indicator-trends", {"peers": ["<b>x</b>"]}, "is not a division code"),
        ("indicator-trends", {"indicator": "gdp", "start": "2023-13"}, "“2023-13” is not a period of GDP"),
        ("indicator-trends", {"end": "2024-03"}, "“2024-03” is not a period of GDP growth"),
        ("indicator-trends", {"area": "14\x000000"}, "Null characters are not allowed."),
    ],
)
def test_bad_queries_get_a_clear_message_never_an_error(world, login, viewer, name, params, message):
    response = _english(login(viewer)).get(reverse(name), params)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="query-errors"' in html and message in html and "<script>alert" not in html


def test_trends_range_errors(world, login, viewer):
    client = _english(login(viewer))
    response = _get(client, "indicator-trends", indicator="gdp", start="2023", end="2021")
    assert "The first period comes after the last." in response.content.decode()


# ---- query counts ----------------------------------------------------------------------------------


def _more_headline(world, count):
    """`count` extra headline indicators with a 2023 figure for every city of the south."""
    for number in range(count):
        extra = _indicator(f"extra{number}", f"指标{number}", f"Extra {number}", 10 + number, unit="%")
        values = [
            Value(extra, world["cities"][c], year, float(i + number))
            for i, c in enumerate(SOUTH)
            for year in ("2022", "2023")
        ]
        record_observations(SYSTEM, values, source="测试")


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_indicators(world, login, viewer, django_assert_max_num_queries):
    client = login(viewer)
    Observation.objects.filter(indicator__code__in=["budget_revenue", "retail_sales", "gdp_quarter"]).delete()
    from bihuan.indicators.models import Indicator

    Indicator.objects.filter(code__in=["budget_revenue", "retail_sales", "gdp_quarter"]).update(headline=False)
    few = {name: _count(client, reverse(name)) for name in ("indicator-dashboard", "rank-matrix")}  # 3 headline
    _more_headline(world, 5)  # 8 headline
    many = {name: _count(client, reverse(name)) for name in ("indicator-dashboard", "rank-matrix")}
    assert few == many
    with django_assert_max_num_queries(14):
        client.get(reverse("indicator-dashboard"))
    with django_assert_max_num_queries(12):
        client.get(reverse("rank-matrix"))
    with django_assert_max_num_queries(14):
        client.get(reverse("league-table"), {"indicator": "gdp_growth", "group": world["shanxi"].pk, "period": "2023"})
    with django_assert_max_num_queries(10):
        client.get(
            reverse("league-table-xlsx"), {"indicator": "gdp_growth", "group": world["shanxi"].pk, "period": "2023"}
        )
    with django_assert_max_num_queries(14):
        client.get(reverse("indicator-trends"), {"indicator": "gdp", "group": world["south"].pk})


def test_selectors_on_their_own(world):
    with translation.override("en"):
        board = selectors.dashboard(selectors.home_area())
    gdp = next(c for c in board.cards if c.indicator.code == "gdp")
    assert gdp.target.status == "acceleration_needed" and gdp.target.period == "2023"
    assert gdp.target.ratio == pytest.approx(((2312 / 1505) ** (1 / 3) - 1) / ((3400 / 1505) ** (1 / 5) - 1))
    matrix = selectors.rank_matrix(selectors.home_area(), "2025-10")
    assert {r.indicator.code: r.period for r in matrix.rows} == {
        "gdp_growth": "2023", "gdp": "2023", "retail_sales": "2023", "budget_revenue": "2023",
        "industry": "2024-03", "gdp_quarter": "2024-Q1",
    }  # fmt: skip


def test_a_long_table_shows_its_head_and_the_rows_around_ours():
    from bihuan.indicators.views import shown_lines

    lines = [{"rank": n + 1, "ours": n == 250} for n in range(300)]
    shown = shown_lines(lines)
    ranks = [line.get("rank") for line in shown]
    assert ranks[:100] == list(range(1, 101)) and ranks[100:111] == list(range(246, 257)) and ranks[-1] is None
    assert shown[100]["skipped"] == 145 and shown[-1] == {"skipped": 44, "end": True}  # 101–245, 257–300
    assert shown_lines(lines, everything=True) == lines and shown_lines(lines[:200]) == lines[:200]
