"""The indicators API: who may read and write what (every role and anonymous, nothing written on a refusal),
observations recorded in batches with every vintage kept, their filters, and league tables on the real
Shanxi 2023 figures."""

from __future__ import annotations

import csv
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bihuan.core.models import AuditEvent
from bihuan.core.roles import SYSTEM, Role
from bihuan.indicators.league_output import KEYS
from bihuan.indicators.models import Area, Indicator, Observation, PeerGroup, Target
from bihuan.indicators.services import (
    Value,
    record_observations,
    save_area,
    save_indicator,
    save_peer_group,
    save_target,
)
from tests.test_indicator_computations import SHANXI

WRITERS = {Role.ADMIN, Role.STATISTICIAN}


@pytest.fixture
def shanxi(db) -> dict[str, Any]:
    """The 11 cities, 山西11市, GDP growth (a rate) and GDP (a level carrying its published growth), 2022
    and 2023, from the real file; and a target for Linfen."""
    province = save_area(SYSTEM, {"code": "140000", "name": "山西省", "short_name": "山西", "level": "province"})
    with open(SHANXI, encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["year"] in ("2022", "2023")]
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
    gdp = save_indicator(
        SYSTEM, {"code": "gdp", "name": "地区生产总值", "unit": "亿元", "frequency": "year", "decimals": 0}
    )
    published = {(r["area_code"], r["year"]): float(r["value"]) for r in rows if r["indicator_code"] == "gdp_growth"}
    values = [
        Value(growth, cities[r["area_code"]], r["year"], float(r["value"]))
        for r in rows
        if r["indicator_code"] == "gdp_growth"
    ] + [
        Value(gdp, cities[r["area_code"]], r["year"], float(r["value"]), published[(r["area_code"], r["year"])])
        for r in rows
        if r["indicator_code"] == "gdp"
    ]
    record_observations(SYSTEM, values, source="中国城市统计年鉴", vintage="final")
    target = save_target(SYSTEM, {"indicator": growth, "area": cities["141000"], "year": 2025, "value": 6.5})
    return {"group": group, "growth": growth, "gdp": gdp, "cities": cities, "target": target}


def post(client, url: str, data: Any) -> Any:
    return client.post(url, data, content_type="application/json")


def patch(client, url: str, data: Any) -> Any:
    return client.patch(url, data, content_type="application/json")


def snapshot() -> tuple:
    """Every row of indicator data and the length of the audit log: equal before and after means nothing
    was written."""
    return (
        list(Indicator.objects.order_by("pk").values()),
        list(Area.objects.order_by("pk").values()),
        list(PeerGroup.objects.order_by("pk").values()),
        list(PeerGroup.areas.through.objects.order_by("pk").values()),
        list(Target.objects.order_by("pk").values()),
        list(Observation.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def matrix(shanxi: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    """(name, method, url, body) of every action; names ending in create/update/batch write."""
    group, target = shanxi["group"].pk, shanxi["target"].pk
    linfen = Observation.objects.get(indicator__code="gdp_growth", area__code="141000", period="2023").pk
    return [
        ("indicators list", "get", "/api/v1/indicators/", None),
        ("indicators retrieve", "get", "/api/v1/indicators/gdp_growth/", None),
        ("indicators create", "post", "/api/v1/indicators/", {"code": "retail", "name": "社会消费品零售总额"}),
        ("indicators update", "patch", "/api/v1/indicators/gdp_growth/", {"name_en": "GDP growth"}),
        ("areas list", "get", "/api/v1/areas/?level=city", None),
        ("areas retrieve", "get", "/api/v1/areas/141000/", None),
        (
            "areas create",
            "post",
            "/api/v1/areas/",
            {"code": "141002", "name": "尧都区", "short_name": "尧都", "level": "county", "parent": "141000"},
        ),
        ("areas update", "patch", "/api/v1/areas/141000/", {"short_name": "临汾市区"}),
        ("groups list", "get", "/api/v1/peer-groups/", None),
        ("groups retrieve", "get", f"/api/v1/peer-groups/{group}/", None),
        ("groups create", "post", "/api/v1/peer-groups/", {"name": "晋南四市", "areas": ["141000", "140800"]}),
        ("groups update", "patch", f"/api/v1/peer-groups/{group}/", {"first_tier": 5}),
        ("targets list", "get", "/api/v1/targets/?indicator=gdp_growth", None),
        ("targets retrieve", "get", f"/api/v1/targets/{target}/", None),
        (
            "targets create",
            "post",
            "/api/v1/targets/",
            {"indicator": "gdp_growth", "area": "140100", "year": 2025, "value": 5.0},
        ),
        ("targets update", "patch", f"/api/v1/targets/{target}/", {"value": 7.0}),
        ("observations list", "get", "/api/v1/observations/", None),
        ("observations retrieve", "get", f"/api/v1/observations/{linfen}/", None),
        (
            "observations batch",
            "post",
            "/api/v1/observations/",
            {"rows": [{"indicator": "gdp_growth", "area": "141000", "period": "2024", "value": 6.1}]},
        ),
        ("league", "get", "/api/v1/league/?indicator=gdp_growth&group=山西11市&period=2023", None),
    ]


@pytest.mark.parametrize("role", [*Role.values, "anonymous"])
def test_permission_matrix(role, people, shanxi, client):
    if role != "anonymous":
        client.force_login(people[role])
    for name, method, url, body in matrix(shanxi):
        before = snapshot()
        response = client.get(url) if method == "get" else (post if method == "post" else patch)(client, url, body)
        writes = name.endswith(("create", "update", "batch"))
        if role == "anonymous":
            assert response.status_code == 401, name
        elif not writes:
            assert response.status_code == 200, (name, response.content)
        elif role in WRITERS:
            assert response.status_code in (200, 201), (name, response.content)
            assert response.status_code == (201 if name.endswith(("create", "batch")) else 200), name
            assert snapshot() != before, f"{name} wrote nothing"
            continue
        else:
            assert response.status_code == 403, (name, response.status_code)
        assert snapshot() == before, f"{name} changed data for {role}"


def test_writes_go_through_the_services(people, shanxi, login):
    statistician = login(people["statistician"])
    events = AuditEvent.objects.count()
    created = post(statistician, "/api/v1/indicators/", {"code": "retail", "name": "社零", "frequency": "month"})
    assert created.status_code == 201 and created.json()["frequency"] == "month"
    assert AuditEvent.objects.filter(action="indicator.created", object_id=str(created.json()["id"])).count() == 1
    duplicate = post(statistician, "/api/v1/indicators/", {"code": "retail", "name": "又一个"})
    assert duplicate.status_code == 400 and "code" in duplicate.json()
    group = post(statistician, "/api/v1/peer-groups/", {"name": "晋南", "areas": ["141000", "140800", "140500"]})
    assert group.status_code == 201 and group.json()["areas"] == ["140500", "140800", "141000"]
    renamed = patch(statistician, f"/api/v1/peer-groups/{group.json()['id']}/", {"name": "晋南三市"})
    assert renamed.json()["areas"] == ["140500", "140800", "141000"]  # members kept when not given
    bad_target = post(
        statistician,
        "/api/v1/targets/",
        {"indicator": "gdp", "area": "141000", "year": 2025, "value": 2600, "baseline_year": 2025, "baseline": 2312},
    )
    assert bad_target.status_code == 400 and "baseline_year" in bad_target.json()
    again = post(
        statistician, "/api/v1/targets/", {"indicator": "gdp_growth", "area": "141000", "year": 2025, "value": 1}
    )
    assert again.status_code == 400  # one target a year
    assert AuditEvent.objects.count() == events + 3
    children = statistician.get("/api/v1/areas/?parent=140000&q=临").json()
    assert [a["code"] for a in children["results"]] == ["141000"]
    assert statistician.get("/api/v1/targets/?area=141000&year=2025").json()["count"] == 1


# ---- observations --------------------------------------------------------------------------------


def rows_of(client, query: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/observations/?page_size=500&{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_batches_add_revise_and_keep_every_vintage(people, shanxi, login):
    office = login(people["statistician"])
    batch = [{"indicator": "gdp_growth", "area": code, "period": "2024", "value": 5.0} for code in shanxi["cities"]]
    added = post(office, "/api/v1/observations/", {"rows": batch, "source": "统计公报", "vintage": "preliminary"})
    assert added.status_code == 201 and added.json() == {"added": 11, "revised": 0, "unchanged": 0}
    assert len(rows_of(office, "indicator=gdp_growth&period=2024")) == 11
    assert AuditEvent.objects.filter(action="observations.recorded").count() == 2  # the fixture's and this one

    published = timezone.now()
    revised = post(
        office,
        "/api/v1/observations/",
        {
            "rows": [
                {"indicator": "gdp_growth", "area": "141000", "period": "2024", "value": 5.4, "growth": None},
                {"indicator": "gdp_growth", "area": "140100", "period": "2024", "value": 5.0},
            ],
            "vintage": "final",
        },
    )
    assert revised.status_code == 201 and revised.json() == {"added": 0, "revised": 1, "unchanged": 1}
    current = rows_of(office, "area=141000&period=2024&indicator=gdp_growth")
    assert [(r["value"], r["vintage"], r["current"]) for r in current] == [(5.4, "final", True)]
    every = rows_of(office, "area=141000&period=2024&current=all")
    assert [(r["value"], r["current"]) for r in every] == [(5.4, True), (5.0, False)]
    assert [r["value"] for r in rows_of(office, "area=141000&period=2024&current=false")] == [5.0]
    as_published = rows_of(office, f"area=141000&period=2024&as_of={quote(published.isoformat())}")
    assert [(r["value"], r["source"]) for r in as_published] == [(5.0, "统计公报")]
    assert rows_of(office, "period=2024&as_of=2000-01-01T00:00:00Z") == []
    today = timezone.localdate().isoformat()  # a bare date: as published by the end of that day, as /league/ reads it
    assert [r["value"] for r in rows_of(office, f"area=141000&period=2024&as_of={today}")] == [5.4]
    old = every[1]["id"]
    assert office.get(f"/api/v1/observations/{old}/").json()["value"] == 5.0  # superseded, still addressable

    unchanged = post(office, "/api/v1/observations/", {"rows": batch[:2]})
    assert unchanged.status_code == 200 and unchanged.json() == {"added": 0, "revised": 0, "unchanged": 2}


def test_observation_filters(people, shanxi, login):
    reader = login(people["viewer"])
    assert len(rows_of(reader, "")) == 44  # 11 cities × 2 indicators × 2 years, current only
    assert len(rows_of(reader, "indicator=gdp")) == 22
    linfen = rows_of(reader, "indicator=gdp&area=141000")
    assert [(r["period"], r["value"], r["growth"]) for r in linfen] == [("2022", 2228.0, 5.16), ("2023", 2312.0, 7.6)]
    assert len(rows_of(reader, "period=2023")) == 22
    assert len(rows_of(reader, "period_from=2023&period_to=2023&indicator=gdp_growth")) == 11
    assert len(rows_of(reader, "period_to=2022")) == 22
    assert len(rows_of(reader, "vintage=final")) == 44 and rows_of(reader, "vintage=preliminary") == []
    first = rows_of(reader, "indicator=gdp_growth&area=141000")[0]
    assert first["indicator"] == "gdp_growth" and first["area"] == "141000" and first["recorded_by"] is None
    assert reader.get("/api/v1/observations/?vintage=draft").status_code == 400
    assert reader.get("/api/v1/observations/?as_of=yesterday").status_code == 400
    paged = reader.get("/api/v1/observations/?page_size=10").json()
    assert paged["count"] == 44 and len(paged["results"]) == 10 and paged["next"]


def test_bad_rows_are_named_and_nothing_is_written(people, shanxi, login):
    office = login(people["admin"])
    before = snapshot()
    good = {"indicator": "gdp_growth", "area": "141000", "period": "2024", "value": 6.0}
    response = post(
        office,
        "/api/v1/observations/",
        {
            "rows": [
                good,
                {"indicator": "nope", "area": "141000", "period": "2024", "value": 1},
                {"indicator": "gdp_growth", "area": "999999", "period": "2024-Q1", "value": 1},
                {**good, "value": 6.1},
            ]
        },
    )
    assert response.status_code == 400
    errors = response.json()["rows"]
    assert set(errors) == {"1", "2", "3"}
    assert "nope" in errors["1"]["indicator"][0]
    assert "999999" in errors["2"]["area"][0] and "2023" in errors["2"]["period"][0]
    assert "0" in errors["3"]["period"][0]  # the same key as row 0
    typed = post(office, "/api/v1/observations/", {"rows": [good, {**good, "period": "2025", "value": "abc"}]})
    assert typed.status_code == 400 and list(typed.json()["rows"]) == ["1"] and "value" in typed.json()["rows"]["1"]
    missing = post(office, "/api/v1/observations/", {"rows": [{"indicator": "gdp_growth"}]})
    assert set(missing.json()["rows"]["0"]) == {"area", "period", "value"}
    assert post(office, "/api/v1/observations/", {"rows": []}).status_code == 400
    assert post(office, "/api/v1/observations/", {"rows": [good], "vintage": "draft"}).status_code == 400
    assert snapshot() == before


def test_lists_take_the_same_number_of_queries_for_5_and_50_rows(people, shanxi, login):
    reader = login(people["viewer"])
    monthly = save_indicator(SYSTEM, {"code": "retail_m", "name": "社零(月)", "frequency": "month"})
    linfen = shanxi["cities"]["141000"]
    periods = [f"{year}-{month:02d}" for year in range(2019, 2024) for month in range(1, 13)][:50]
    counts = []
    for upto in (5, 50):
        record_observations(SYSTEM, [Value(monthly, linfen, p, float(i)) for i, p in enumerate(periods[:upto])])
        with CaptureQueriesContext(connection) as queries:
            assert len(rows_of(reader, "indicator=retail_m")) == upto
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    save_peer_group(SYSTEM, {"name": "另一组"}, list(shanxi["cities"].values())[:3])
    with CaptureQueriesContext(connection) as one:
        reader.get("/api/v1/peer-groups/?q=另一组")
    with CaptureQueriesContext(connection) as two:
        reader.get("/api/v1/peer-groups/")
    assert len(one) == len(two)
    for url in ("/api/v1/areas/", "/api/v1/targets/", "/api/v1/indicators/"):
        with CaptureQueriesContext(connection) as listing:
            assert reader.get(url).status_code == 200
        assert len(listing) <= len(one), url


# ---- league tables -------------------------------------------------------------------------------


def league(client, query: str) -> Any:
    return client.get(f"/api/v1/league/?{query}")


def test_league_on_the_real_2023_figures(people, shanxi, login):
    reader = login(people["leader"])
    response = league(reader, "indicator=gdp_growth&group=山西11市&period=2023")
    assert response.status_code == 200, response.content
    table = response.json()
    assert [table[k] for k in ("indicator", "group", "period", "by")] == ["gdp_growth", "山西11市", "2023", "value"]
    rows = table["rows"]
    assert len(rows) == 11 and all(tuple(row) == KEYS for row in rows)
    linfen = rows[0]
    assert (linfen["area"], linfen["area_code"], linfen["rank"], linfen["value"]) == ("临汾", "141000", 1, 7.6)
    assert linfen["gap_to_leader"] == 0 and linfen["gap_to_next"] is None and linfen["first_tier"]
    assert linfen["rank_change"] == 4  # fifth of eleven in 2022 (5.16%)
    assert linfen["catch_up_growth"] is None  # a rate has no level to catch up with
    # Ties share the better rank, the next one skips: 长治 and 运城 both grew 5.6%.
    assert [(r["area"], r["rank"]) for r in rows[1:5]] == [("晋城", 2), ("长治", 3), ("运城", 3), ("大同", 5)]
    assert [r["first_tier"] for r in rows[:5]] == [True, True, True, True, False]
    assert rows[2]["gap_to_leader"] == 2.0 and rows[2]["gap_to_next"] == 1.4
    mean = sum(r["value"] for r in rows) / 11
    assert rows[-1]["area"] == "忻州" and rows[-1]["gap_to_mean"] == pytest.approx(mean - 3.0)
    assert rows[-1]["gap_to_median"] == pytest.approx(4.7 - 3.0)
    by_id = league(reader, f"indicator=gdp_growth&group={shanxi['group'].pk}&period=2023").json()
    assert by_id["rows"] == rows


def test_league_by_value_has_catch_up_growth(people, shanxi, login):
    reader = login(people["viewer"])
    rows = league(reader, "indicator=gdp&group=山西11市&period=2023").json()["rows"]
    assert [r["area"] for r in rows[:6]] == ["太原", "长治", "吕梁", "晋城", "运城", "临汾"]
    linfen = rows[5]
    assert (linfen["rank"], linfen["gap_to_next"], linfen["gap_to_leader"]) == (6, 18.0, 3262.0)
    # 运城 is next (2,330亿元, +5.6%): 2330 × 1.056 / 2312 − 1
    assert linfen["catch_up_growth"] == pytest.approx((2330 * 1.056 / 2312 - 1) * 100)
    assert rows[0]["catch_up_growth"] is None
    by_growth = league(reader, "indicator=gdp&group=山西11市&period=2023&by=growth").json()
    assert by_growth["rows"][0]["area"] == "临汾" and by_growth["rows"][0]["value"] == 2312.0
    assert all(r["catch_up_growth"] is None for r in by_growth["rows"])


def test_league_as_published_and_areas_without_data(people, shanxi, login):
    reader = login(people["viewer"])
    published = timezone.now()
    record_observations(SYSTEM, [Value(shanxi["growth"], shanxi["cities"]["141000"], "2023", 6.9)], source="修订")
    now = league(reader, "indicator=gdp_growth&group=山西11市&period=2023").json()["rows"]
    assert now[0]["area"] == "晋城" and next(r for r in now if r["area"] == "临汾")["rank"] == 2
    then = league(reader, f"indicator=gdp_growth&group=山西11市&period=2023&as_of={quote(published.isoformat())}")
    assert then.json()["rows"][0]["value"] == 7.6 and then.json()["as_of"]
    future = league(reader, "indicator=gdp_growth&group=山西11市&period=2024").json()["rows"]
    assert len(future) == 11 and all(r["rank"] is None and r["value"] is None for r in future)


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ("indicator=gdp_x&group=山西11市&period=2023", "indicator", "gdp_growth"),
        ("indicator=gdp&group=山西12市&period=2023", "group", "山西11市"),
        ("indicator=gdp&group=山西11市&period=2023-Q1", "period", "2023"),
        ("indicator=gdp&group=山西11市&period=23", "period", "2023"),
        ("indicator=gdp&group=山西11市&period=2023&by=rank", "by", "value"),
        ("indicator=gdp&group=山西11市&period=2023&as_of=soon", "as_of", "2024-05-01"),
        ("group=山西11市&period=2023", "indicator", ""),
    ],
)
def test_league_refuses_unclear_requests_with_400(query, field, says, people, shanxi, login):
    response = league(login(people["viewer"]), query)
    assert response.status_code == 400
    assert says in response.json()[field][0]


def test_league_in_the_openapi_schema(db, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = out.read_text()
    for path in ("/api/v1/league/", "/api/v1/observations/", "/api/v1/peer-groups/", "/api/v1/areas/{code}/"):
        assert f"{path}:" in schema, path
    assert "LeagueTable" in schema and "ObservationBatch" in schema


def test_catch_up_growth_with_ties_above_and_either_polarity(shanxi):
    """With two areas tied at the next rank up, reaching the easier one reaches that rank."""
    from bihuan.indicators.league_output import league_rows, resolve

    taiyuan, datong, linfen = (shanxi["cities"][c] for c in ("140100", "140200", "141000"))
    output = save_indicator(SYSTEM, {"code": "output", "name": "产值", "unit": "亿元"})
    energy = save_indicator(SYSTEM, {"code": "energy", "name": "单位GDP能耗", "higher_is_better": False})
    record_observations(
        SYSTEM,
        [
            Value(output, taiyuan, "2023", 100.0, 5.0),
            Value(output, datong, "2023", 100.0, 10.0),
            Value(output, linfen, "2023", 90.0, 8.0),
            Value(energy, taiyuan, "2023", 0.5, -3.0),
            Value(energy, datong, "2023", 0.5, -5.0),
            Value(energy, linfen, "2023", 0.6, -2.0),
        ],
    )
    rows = {r["area"]: r for r in league_rows(resolve("output", "山西11市", "2023"))}
    assert rows["太原"]["rank"] == rows["大同"]["rank"] == 1 and rows["临汾"]["rank"] == 3
    assert rows["太原"]["catch_up_growth"] is None and rows["大同"]["catch_up_growth"] is None
    assert rows["临汾"]["catch_up_growth"] == pytest.approx((100 * 1.05 / 90 - 1) * 100)
    assert rows["临汾"]["gap_to_next"] == 10.0 and rows["阳泉"]["rank"] is None
    rows = {r["area"]: r for r in league_rows(resolve("energy", "山西11市", "2023"))}
    assert rows["临汾"]["rank"] == 3 and rows["临汾"]["gap_to_leader"] == pytest.approx(0.1)
    assert rows["临汾"]["catch_up_growth"] == pytest.approx((0.5 * 0.97 / 0.6 - 1) * 100)  # a fall of 19.2%
