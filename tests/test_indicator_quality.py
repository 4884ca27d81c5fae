"""Data quality of indicators: each check as table tests on plain data (cases that must fire and cases that must
not), then through the database, the data-quality page and its export, the observation page with every vintage,
and `bihuan check data`."""

from __future__ import annotations

import csv
import io
import json
from itertools import count
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from bihuan.cli import main as cli_main
from bihuan.core.roles import SYSTEM
from bihuan.indicators import quality
from bihuan.indicators.models import Observation
from bihuan.indicators.quality import Point, Spec
from bihuan.indicators.services import Value, record_observations, save_area, save_indicator, save_peer_group
from tests.test_indicators import shanxi  # noqa: F401  (the real Shanxi figures, loaded through the services)


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English here; pages follow the client's language cookie."""
    with translation.override("en"):
        yield


YTD = Spec("output", "month", "ytd", "亿元")
YTD_RATE = Spec("output_growth", "month", "ytd", "%")
LEVEL = Spec("gdp", "year", "level", "亿元")
RATE = Spec("unemployment", "month", "rate", "%")


def series(data: dict[str, dict[str, Any]]) -> dict[str, dict[str, Point]]:
    """Plain series from {area: {period: value or (value, growth)}}; ids count up in the order written."""
    ids = count(1)
    result: dict[str, dict[str, Point]] = {}
    for area, values in data.items():
        result[area] = {}
        for period, item in values.items():
            value, growth = item if isinstance(item, tuple) else (item, None)
            result[area][period] = Point(next(ids), period, value, growth)
    return result


def months(start: str, values: list[Any]) -> dict[str, Any]:
    return {quality.shift(start, i, "month"): v for i, v in enumerate(values)}


def years(start: int, values: list[Any]) -> dict[str, Any]:
    return {str(start + i): v for i, v in enumerate(values)}


def kinds_of(findings: list[quality.Finding]) -> list[tuple[str, str, str]]:
    return [(f.kind, f.area, f.period) for f in findings]


# ---- periods -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "n", "frequency", "expected"),
    [
        ("2025-02", -3, "month", "2024-11"),
        ("2024-12", 1, "month", "2025-01"),
        ("2025-Q1", -1, "quarter", "2024-Q4"),
        ("2023", -5, "year", "2018"),
    ],
)
def test_shift(text, n, frequency, expected):
    assert quality.shift(text, n, frequency) == expected


@pytest.mark.parametrize(
    ("text", "frequency", "end", "expected"),
    [
        ("2024", "month", False, "2024-01"),
        ("2024", "month", True, "2024-12"),
        ("2025-Q2", "month", False, "2025-04"),
        ("2025-Q2", "month", True, "2025-06"),
        ("2025-06", "quarter", False, "2025-Q2"),
        ("2025-06", "year", True, "2025"),
        ("2024", "quarter", True, "2024-Q4"),
    ],
)
def test_bounds_in_any_frequency(text, frequency, end, expected):
    assert quality.bound(text, frequency, end=end) == expected


def test_period_range_and_bad_periods():
    assert quality.period_range("2024-11", "2025-02", "month") == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert quality.period_range("2025-Q2", "2025-Q1", "quarter") == []
    assert quality.year_ago("2025-Q3", "quarter") == "2024-Q3"
    assert quality.frequency_of("2025-13") is None and quality.frequency_of("2025-Q4") == "quarter"
    with pytest.raises(ValueError, match="not a period"):
        quality.bound("last year", "month")


# ---- year-to-date falls ------------------------------------------------------------------------------


def test_ytd_fall_is_an_error_with_the_numbers():
    data = series({"A": months("2025-04", [100.0, 130.2, 120.5, 150.0])})
    [finding] = quality.ytd_falls(YTD, data, "2025-01", "2025-12")
    assert (finding.kind, finding.severity, finding.area, finding.period) == ("ytd_fall", "error", "A", "2025-06")
    assert finding.observations == (3, 2)
    assert "120.5 for 2025-06 is below 2025-05's 130.2" in finding.message


@pytest.mark.parametrize(
    ("spec", "values", "first"),
    [
        (YTD, months("2024-11", [500.0, 560.0, 40.0, 90.0]), "2024-01"),  # a new year starts from zero
        (YTD_RATE, months("2025-01", [8.0, 7.1, 6.5]), "2025-01"),  # cumulative growth may fall
        (Spec("stock", "month", "level", "亿元"), months("2025-01", [8.0, 7.1, 6.5]), "2025-01"),  # a level may
        (YTD, months("2025-01", [100.0, 90.0, 120.0]), "2025-03"),  # the fall is before the checked window
        (YTD, months("2025-01", [100.0, 100.0, None, 130.0]), "2025-01"),  # flat or blank is no fall
    ],
)
def test_ytd_fall_does_not_fire(spec, values, first):
    assert quality.ytd_falls(spec, series({"A": values}), first, "2025-12") == []


def test_ytd_fall_compares_with_the_last_known_month_of_the_year():
    data = series({"A": months("2025-03", [100.0, None, 90.0])})
    [finding] = quality.ytd_falls(YTD, data, "2025-01", "2025-12")
    assert finding.period == "2025-05" and "2025-03's 100" in finding.message


# ---- missing and gaps --------------------------------------------------------------------------------


def test_missing_in_the_peer_group():
    data = series(
        {
            "A": {"2025-05": 1.0, "2025-06": 1.0},
            "B": {"2025-05": 2.0, "2025-06": 2.0},
            "C": {"2025-05": 3.0, "2025-06": 3.0},
            "D": {"2025-05": 4.0, "2025-06": None},  # a blank figure: its own observation is the one to open
            "E": {"2025-05": 5.0},  # no row at all: the one before is
        }
    )
    groups = {"G": {"A", "B", "C", "D", "E"}}
    found = quality.missing_values(YTD, data, groups, "2025-05", "2025-06")
    assert kinds_of(found) == [("missing", "D", "2025-06"), ("missing", "E", "2025-06")]
    assert found[0].observations == (data["D"]["2025-06"].pk,)
    assert found[1].observations == (data["E"]["2025-05"].pk,)
    assert "3 of the 5 areas of G" in found[0].message and found[0].severity == "warning"


@pytest.mark.parametrize(
    "data",
    [
        {"A": {"2025-06": 1.0}, "B": {}, "C": {}, "D": {}},  # 1 of 4: the period is still arriving
        {"A": {"2025-06": 1.0}, "B": {"2025-06": 2.0}},  # everyone has it
        {"A": {}, "B": {}},  # nobody has it
    ],
)
def test_missing_does_not_fire(data):
    groups = {"G": set(data)}
    assert quality.missing_values(YTD, series(data), groups, "2025-06", "2025-06") == []


def test_gaps_inside_an_area_series_only():
    data = series({"A": months("2025-01", [1.0, 2.0, None, 4.0]) | {"2025-06": 6.0}, "B": {"2025-03": 1.0}})
    found = quality.series_gaps(YTD, data, "2025-01", "2025-12")
    assert kinds_of(found) == [("gap", "A", "2025-03"), ("gap", "A", "2025-05")]
    assert "for 2025-02 and for 2025-04" in found[0].message
    assert found[1].observations == (data["A"]["2025-04"].pk,)  # no row for 2025-05: the one before
    assert quality.series_gaps(YTD, data, "2025-04", "2025-12") == found[1:]  # outside the window: not reported
    assert quality.series_gaps(YTD, data, "2025-01", "2025-12", skip={("A", "2025-03")}) == found[1:]
    # 1-2月 published together as 2025-02: a series without any January misses none
    joint = series({"A": {"2025-02": 2.0, "2025-03": 3.0, "2025-12": 9.0, "2026-02": 2.5, "2026-03": 3.5}})
    assert [f.period for f in quality.series_gaps(YTD, joint, "2025-01", "2026-12")] == months_between(
        "2025-04", "2025-11"
    )


# ---- duplicates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "values", "fires"),
    [
        (LEVEL, [1000.0, 1234.5, 1234.5], True),
        (YTD, [10.0, 2311.0, 2311.0], True),
        (LEVEL, [11.0, 12.0, 12.0], False),  # a small round figure may well repeat
        (LEVEL, [317.0, 318.0, 318.0], False),  # population in 万人: three digits
        (RATE, [5.25, 5.25, 5.25], False),  # a rate may stay put
        (LEVEL, [1234.5, 1234.6, 1234.5], False),  # not consecutive
    ],
)
def test_repeated_values(spec, values, fires):
    first, last = ("2000", "2099") if spec.frequency == "year" else ("2000-01", "2099-12")
    start = "2023" if spec.frequency == "year" else "2025-01"
    points = {quality.shift(start, i, spec.frequency): v for i, v in enumerate(values)}
    found = quality.repeated_values(spec, series({"A": points}), first, last)
    assert bool(found) is fires
    if fires:
        assert found[0].severity == "warning" and "exactly the value for" in found[0].message


def test_copied_rows():
    row = [101.5, 203.4, 305.1, 410.9]
    data = series({"A": years(2020, row), "B": years(2020, row), "C": years(2020, [*row[:3], 411.0])})
    found = quality.copied_series(LEVEL, data, "2020", "2023", names={"A": "尧都", "B": "侯马"})
    assert kinds_of(found) == [("copied", "A", "2023"), ("copied", "B", "2023")]
    assert all(f.severity == "error" for f in found)
    assert "identical to those of 侯马" in found[0].message and "from 2020 to 2023" in found[0].message
    assert found[0].observations == (data["A"]["2023"].pk, data["B"]["2023"].pk)


@pytest.mark.parametrize(
    ("spec", "a", "b"),
    [
        (LEVEL, [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),  # too short to tell
        (LEVEL, [7.0, 7.0, 7.0, 7.0], [7.0, 7.0, 7.0, 7.0]),  # constant: `repeated` says it
        (Spec("r", "year", "rate", "%"), [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]),  # rates may coincide
        (LEVEL, [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.5]),
    ],
)
def test_copied_rows_do_not_fire(spec, a, b):
    assert quality.copied_series(spec, series({"A": years(2020, a), "B": years(2020, b)}), "2020", "2023") == []


# ---- outliers ----------------------------------------------------------------------------------------


def test_peer_outlier_of_a_rate():
    values = {"A": 5.0, "B": 5.2, "C": 5.1, "D": 4.9, "E": 5.3, "F": 15.0}
    data = series({a: {"2025-06": v} for a, v in values.items()})
    [finding] = quality.peer_outliers(RATE, data, {"G": set(values)}, "2025-06", "2025-06")
    assert (finding.kind, finding.area, finding.severity) == ("peer_outlier", "F", "warning")
    assert "Value 15 for 2025-06 is far from the median 5.15 of G" in finding.message


@pytest.mark.parametrize(
    "values",
    [
        {"A": 5.0, "B": 5.2, "C": 15.0, "D": 4.9},  # too few peers for a median
        {"A": 5.0, "B": 5.1, "C": 5.1, "D": 5.2, "E": 5.0, "F": 8.0},  # 3 points off: the spread floor holds
    ],
)
def test_peer_outlier_does_not_fire(values):
    data = series({a: {"2025-06": v} for a, v in values.items()})
    assert quality.peer_outliers(RATE, data, {"G": set(values)}, "2025-06", "2025-06") == []


def test_peer_outliers_of_levels_are_judged_by_growth_not_size():
    sizes = {"A": 100.0, "B": 800.0, "C": 2500.0, "D": 5000.0, "E": 320.0, "F": 45.0}
    data = {a: {"2022": size, "2023": size * 1.05} for a, size in sizes.items()}  # all grow 5%
    groups = {"G": set(sizes)}
    assert quality.peer_outliers(LEVEL, series(data), groups, "2023", "2023") == []
    data["F"]["2023"] = 472.5  # an extra zero typed: 45 → 472.5
    [finding] = quality.peer_outliers(LEVEL, series(data), groups, "2023", "2023")
    assert finding.area == "F" and "Growth 950.0% for 2023" in finding.message


def test_history_outlier():
    usual = [5.0, 5.3, 4.8, 5.1, 5.2, 4.9, 5.0, 5.4, 5.1, 5.0, 4.9, 5.2]
    data = series({"A": months("2024-06", [*usual, 25.0]), "B": months("2024-06", [*usual, 8.0])})
    [finding] = quality.history_outliers(RATE, data, "2025-06", "2025-06")
    assert (finding.kind, finding.area, finding.period) == ("history_outlier", "A", "2025-06")
    assert "usual 5.05" in finding.message and "12 previous periods" in finding.message
    short = series({"A": months("2025-02", [5.0, 5.1, 4.9, 5.0, 25.0])})  # 4 earlier periods: too few
    assert quality.history_outliers(RATE, short, "2025-06", "2025-06") == []


# ---- published growth against levels ----------------------------------------------------------------


def test_growth_mismatch_against_the_levels():
    data = series({"A": {"2022": 100.0, "2023": (110.0, 10.2)}, "B": {"2022": 100.0, "2023": (110.0, 3.0)}})
    [finding] = quality.growth_mismatches(LEVEL, data, "2023", "2023")
    assert (finding.kind, finding.area, finding.severity) == ("growth_mismatch", "B", "warning")
    assert "3.0% for 2023 is far from the 10.0% the levels imply (110 against 100 for 2022)" in finding.message
    assert finding.observations == (data["B"]["2023"].pk, data["B"]["2022"].pk)


def test_growth_mismatch_allows_for_the_price_change_all_areas_share():
    # nominal growth 15% everywhere, comparable-price growth 6%: prices, not errors
    data = {a: {"2022": 100.0, "2023": (115.0, 6.0 + i * 0.2)} for i, a in enumerate("ABCDEF")}
    assert quality.growth_mismatches(LEVEL, series(data), "2023", "2023") == []
    data["F"]["2023"] = (130.0, 6.0)  # but F's levels grow 30%
    [finding] = quality.growth_mismatches(LEVEL, series(data), "2023", "2023")
    assert finding.area == "F" and "the price change" in finding.message
    rates = series({"A": {"2022": 5.0, "2023": (7.0, 1.0)}})
    assert quality.growth_mismatches(Spec("r", "year", "rate", "%"), rates, "2023", "2023") == []


def test_run_checks_lists_errors_first_and_takes_a_choice_of_checks():
    data = series(
        {
            "A": months("2025-01", [100.0, 90.0, 1234.5, 1234.5]),  # a fall and a repeat
            "B": months("2025-01", [50.0, 60.0, 70.0, 80.0]),
        }
    )
    found = quality.run_checks(YTD, data, {}, "2025-01", "2025-04")
    assert kinds_of(found) == [("ytd_fall", "A", "2025-02"), ("repeated", "A", "2025-04")]
    assert kinds_of(quality.run_checks(YTD, data, {}, "2025-01", "2025-04", kinds={"repeated"})) == kinds_of(found[1:])


# ---- through the database ----------------------------------------------------------------------------


@pytest.fixture
def world(db):
    """Six cities in one group, a monthly year-to-date output (in 亿元) growing about 6% with clean figures for
    2024–2025 except 临汾's 2025-06, revised to 300 (below its 2025-05, and a growth far below everyone's),
    and a yearly rate."""
    cities = [
        save_area(SYSTEM, {"code": f"14{i:02d}00", "name": f"{name}市", "short_name": name, "level": "city"})
        for i, name in enumerate(["太原", "大同", "阳泉", "长治", "晋城", "临汾"], start=1)
    ]
    group = save_peer_group(SYSTEM, {"name": "山西6市"}, cities)
    output = save_indicator(
        SYSTEM, {"code": "output", "name": "规上工业增加值", "unit": "亿元", "frequency": "month", "kind": "ytd"}
    )
    rate = save_indicator(
        SYSTEM, {"code": "jobless", "name": "城镇调查失业率", "unit": "%", "frequency": "year", "kind": "rate"}
    )
    values = []
    for n, city in enumerate(cities, start=1):
        for period in quality.period_range("2024-01", "2025-08", "month"):
            month = int(period[5:])
            base = 10.0 * n * (1.06 if period.startswith("2025") else 1.0)
            values.append(Value(output, city, period, round(base * month + n * 0.37, 2)))
        values += [Value(rate, city, str(year), 5.0 + n * 0.1) for year in range(2019, 2024)]
    record_observations(SYSTEM, values, source="统计月报", batch="2025-08")
    linfen = cities[-1]
    fall = Observation.objects.get(indicator=output, area=linfen, period="2025-06", current=True)
    record_observations(SYSTEM, [Value(output, linfen, "2025-06", 300.0)], source="更正", batch="fix")
    return {"cities": cities, "group": group, "output": output, "rate": rate, "linfen": linfen, "old": fall}


PLANTED = [("ytd_fall", "140600", "2025-06"), ("peer_outlier", "140600", "2025-06"),
           ("history_outlier", "140600", "2025-06")]  # fmt: skip


def test_check_data_finds_the_planted_fall_and_nothing_else(world):
    checked = quality.check_data()
    found = list(checked.findings)
    assert kinds_of(found) == PLANTED
    assert "Year-to-date value 300 for 2025-06 is below 2025-05's 320.22" in found[0].message
    assert checked.windows == {"output": ("2023-09", "2025-08"), "jobless": ("2019", "2023")}
    assert checked.areas["140600"] == "临汾"
    current = Observation.objects.get(area=world["linfen"], period="2025-06", current=True)
    assert found[0].observations[0] == current.pk  # the current figure, not the earlier vintage


def test_check_data_filters(world):
    linfen, taiyuan = world["linfen"], world["cities"][0]
    assert kinds_of(list(quality.check_data(area=linfen).findings)) == PLANTED
    assert list(quality.check_data(area=taiyuan).findings) == []
    assert list(quality.check_data(indicator=world["rate"]).findings) == []
    assert len(list(quality.check_data(group=world["group"], indicator=world["output"]).findings)) == 3
    assert list(quality.check_data(first="2025-07").findings) == []  # the fall is before the window
    assert list(quality.check_data(last="2025-05").findings) == []
    assert len(list(quality.check_data(first="2025", last="2025").findings)) == 3
    assert kinds_of(list(quality.check_data(kinds=["ytd_fall"]).findings)) == PLANTED[:1]
    with pytest.raises(ValueError, match="not a period"):
        quality.check_data(first="June")
    with pytest.raises(ValueError, match="Unknown check"):
        quality.check_data(kinds=["typo"])


def test_missing_figures_through_the_database(world):
    Observation.objects.filter(area=world["cities"][1], period="2025-03", indicator=world["output"]).delete()
    found = list(quality.check_data(indicator=world["output"], kinds=["missing", "gap"]).findings)
    assert kinds_of(found) == [("missing", "140200", "2025-03")]  # reported once, not again as a gap


# ---- the data-quality page ---------------------------------------------------------------------------


def test_page_lists_findings_with_links(world, people, login):
    client = login(people["viewer"])
    response = client.get(reverse("data-quality"))
    assert response.status_code == 200
    page = response.content.decode()
    current = Observation.objects.get(area=world["linfen"], period="2025-06", current=True)
    assert reverse("observation-detail", args=[current.pk]) in page
    assert "2025-05" in page and "300" in page and 'id="findings"' in page
    assert response.context["total"] == 3 and response.context["errors_found"] == 1
    summary = {item["kind"]: item["count"] for item in response.context["summary"]}
    assert summary["ytd_fall"] == 1 and summary["peer_outlier"] == 1 and summary["missing"] == 0
    assert len(response.context["rows"]) == 3 and response.context["rows"][0][0][2].startswith("text-danger")
    filtered = client.get(reverse("data-quality"), {"kind": "missing"})
    assert filtered.context["rows"] == [] and filtered.context["total"] == 3  # the summary still counts all
    assert "未发现问题" in filtered.content.decode() and 'id="no-findings"' in filtered.content.decode()


def test_page_speaks_the_users_language(world, people, login):
    client = login(people["viewer"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(reverse("data-quality"), {"kind": "ytd_fall"}).content.decode()
    assert "Year-to-date value 300 for 2025-06 is below 2025-05&#x27;s 320.22" in english
    assert "Outlier among peers" in english and "Data quality" in english


def test_export_holds_the_same_findings(world, people, login):
    client = login(people["viewer"])
    response = client.get(reverse("data-quality"), {"format": "xlsx", "indicator": "output"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4
    assert rows[1][2] == "规上工业增加值" and rows[1][3] == "临汾" and rows[1][4] == "2025-06"
    assert rows[1][6:8] == ("output", "140600")


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"indicator": "nope"}, "nope"),
        ({"group": "abc"}, "abc"),
        ({"area": "999999"}, "999999"),
        ({"kind": "bogus"}, "bogus"),
        ({"first": "2025-13"}, "2025-13"),
        ({"last": "<script>"}, "&lt;script&gt;"),
    ],
)
def test_bad_filters_get_a_clear_message(world, people, login, query, words):
    response = login(people["viewer"]).get(reverse("data-quality"), query)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="query-errors"' in page and words in page


def test_page_needs_a_login(world, client):
    response = client.get(reverse("data-quality"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_page_queries_do_not_grow_with_indicators(world, people, login):
    client = login(people["viewer"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("data-quality")).status_code == 200
        return len(captured)

    two = queries()
    for n in range(4):
        extra = save_indicator(
            SYSTEM, {"code": f"extra{n}", "name": f"指标{n}", "unit": "亿元", "frequency": "quarter", "kind": "level"}
        )
        record_observations(
            SYSTEM,
            [Value(extra, c, p, 100.0 + i) for i, c in enumerate(world["cities"]) for p in ("2025-Q1", "2025-Q2")],
        )
    assert queries() == two


# ---- the observation page ----------------------------------------------------------------------------


def test_observation_page_lists_every_vintage_and_the_neighbouring_periods(world, people, login):
    linfen, output = world["linfen"], world["output"]
    old = world["old"]
    record_observations(SYSTEM, [Value(output, linfen, "2025-06", 382.0, 6.1)], source="终核", vintage="final")
    Observation.objects.filter(indicator=output, area=linfen, period="2025-03").delete()
    current = Observation.objects.get(area=linfen, period="2025-06", current=True)
    client = login(people["viewer"])
    response = client.get(reverse("observation-detail", args=[current.pk]))
    assert response.status_code == 200
    vintages = response.context["vintages"]
    assert vintages[0]["observation"].pk == old.pk and len(vintages) == 3
    assert [v["value"] for v in vintages] == [quality.number(old.value), "300", "382"]
    with translation.override("en"):
        changes = {str(c.field): (c.before, c.after) for c in vintages[2]["changes"]}
    assert changes["value"] == ("300", "382") and changes["published growth %"] == ("—", "6.1")
    assert changes["vintage"] == ("初步数", "最终数") and changes["data source"] == ("更正", "终核")
    neighbours = response.context["neighbours"]
    # six months each side, up to the latest figure (2025-08); the gap in 2025-03 is shown as one
    assert [n["period"] for n in neighbours] == quality.period_range("2024-12", "2025-08", "month")
    this = next(n for n in neighbours if n["this"])
    assert this["period"] == "2025-06" and this["value"] == "382" and this["implied"] == "5.5"
    assert next(n for n in neighbours if n["period"] == "2025-03")["observation"] is None
    assert next(n for n in neighbours if n["period"] == "2025-04")["single"] == ""  # its month before is missing
    assert next(n for n in neighbours if n["period"] == "2025-05")["single"] == "63.6"
    page = response.content.decode()
    assert 'id="this-period"' in page and "统计月报" in page and "终核" in page
    earlier = client.get(reverse("observation-detail", args=[old.pk]))
    assert 'id="superseded"' in earlier.content.decode()
    assert reverse("observation-detail", args=[current.pk]) in earlier.content.decode()


def test_observation_page_shows_what_the_checks_find(world, people, login):
    current = Observation.objects.get(area=world["linfen"], period="2025-06", current=True)
    response = login(people["viewer"]).get(reverse("observation-detail", args=[current.pk]))
    assert [f.kind for f in response.context["findings"]] == [kind for kind, _a, _p in PLANTED]
    fine = Observation.objects.get(area=world["linfen"], period="2025-04", current=True)
    response = login(people["viewer"]).get(reverse("observation-detail", args=[fine.pk]))
    assert response.context["findings"] == []
    assert login(people["viewer"]).get(reverse("observation-detail", args=[999999])).status_code == 404


# ---- bihuan check data -------------------------------------------------------------------------------


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        cli_main(["check", "data", *args])
    out, err = capsys.readouterr()
    return done.value.code, out, err


def test_cli_reports_errors_with_exit_code_1(world, capsys):
    code, out, _err = run_cli(capsys)
    assert code == 1
    assert "ytd_fall" in out and "临汾" in out and "Year-to-date value 300 for 2025-06 is below 2025-05's" in out
    assert "2 indicator(s) checked: 1 error(s), 2 warning(s)" in out

    code, out, err = run_cli(capsys, "--format", "json")
    assert code == 1 and "1 error(s)" in err
    findings = json.loads(out)
    assert len(findings) == 3 and findings[0]["kind"] == "ytd_fall" and findings[0]["area"] == "140600"
    assert findings[0]["area_name"] == "临汾" and findings[0]["observations"]

    code, out, _err = run_cli(capsys, "--format", "csv", "--indicator", "output")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 1 and len(rows) == 3 and rows[0]["period"] == "2025-06" and rows[0]["severity"] == "error"


def test_cli_exit_codes_when_clean_warned_or_asked_wrongly(world, capsys):
    assert run_cli(capsys, "--indicator", "jobless")[0] == 0
    assert run_cli(capsys, "--area", "140100")[0] == 0
    Observation.objects.filter(area=world["cities"][1], period="2025-03", indicator=world["output"]).delete()
    code, out, _err = run_cli(capsys, "--area", "140200")
    assert code == 0 and "missing" in out and "0 error(s), 1 warning(s)" in out  # warnings do not fail
    for args in (["--indicator", "nope"], ["--area", "999"], ["--group", "无此组"], ["--from", "June"]):
        code, _out, err = run_cli(capsys, *args)
        assert code == 2 and "bihuan check:" in err, args
    code, _out, err = run_cli(capsys, "--kind", "typo")
    assert code == 2 and "ytd_fall" in err


def test_cli_help_says_what_the_exit_codes_mean(capsys):
    with pytest.raises(SystemExit):
        cli_main(["check", "data", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "Exit code 1 when a finding is an error" in text and "--indicator CODE" in text


def test_real_shanxi_figures_raise_no_error(shanxi):  # noqa: F811 (the imported fixture)
    """The real 2022–2023 GDP growth of the 11 cities: nothing wrong, and 临汾's 7.6% (the best) is no outlier."""
    found = list(quality.check_data(indicator=shanxi["growth"]).findings)
    assert [f for f in found if f.severity == "error" or f.kind in ("peer_outlier", "missing", "gap")] == []


def months_between(first: str, last: str) -> list[str]:
    return quality.period_range(first, last, "month")


def test_a_persistent_outlier_is_one_finding_for_its_run():
    """An area far from its peers for four months running, then again later: two findings, the first saying how
    long it lasted."""
    peers = {code: months("2025-01", [5.0, 5.2, 4.9, 5.1, 5.0, 5.3, 4.8, 5.0]) for code in "ABCDEF"}
    peers["A"] = months("2025-01", [5.0, 24.0, 24.5, 23.8, 24.2, 5.1, 5.0, 25.0])
    found = quality.run_checks(RATE, series(peers), {"G": set(peers)}, "2025-01", "2025-08", kinds=["peer_outlier"])
    assert [(f.area, f.period) for f in found] == [("A", "2025-02"), ("A", "2025-08")]
    assert found[0].message.endswith("The same holds through 2025-05.")
    assert "holds through" not in found[1].message


def test_the_page_first_shows_our_citys_group_and_all_groups_on_request(world, people, login, settings):
    settings.BIHUAN = {**settings.BIHUAN, "HOME_AREA": world["linfen"].code}
    client = login(people["viewer"])
    first = client.get(reverse("data-quality"))
    assert first.status_code == 200 and first.context["form"].data["group"] == str(world["group"].pk)
    everything = client.get(reverse("data-quality"), {"group": ""})
    assert everything.context["form"].data["group"] == "" and everything.context["total"] == first.context["total"]
