"""Benchmarking computations (DESIGN.md §3 "indicators"): table tests, property tests over ranks, and a
golden test on the real Shanxi city statistics with the expected figures worked out independently."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import bihuan.indicators
from bihuan.indicators.computations import (
    ACCELERATE,
    LIMITED,
    MOVING_AWAY,
    ON_TRACK,
    catch_up_growth,
    first_tier,
    gaps,
    growth,
    rank,
    rank_change,
    rate_target_gap,
    single_periods,
    target_status,
)

# the real figures as shipped with bihuan (a copy of ../shared/data/statistics, with its source named)
SHANXI = Path(bihuan.indicators.__file__).parent / "data" / "shanxi_cities_annual_2015_2023.csv"

values_strategy = st.dictionaries(
    st.text(alphabet="abcdefghij", min_size=1, max_size=3),
    st.one_of(st.none(), st.integers(min_value=-50, max_value=50).map(float)),
    max_size=12,
)


def test_ties_share_the_better_rank_and_missing_are_unranked():
    ranks = rank({"a": 7.6, "b": 7.0, "c": 5.6, "d": 5.6, "e": 5.1, "f": None})
    assert ranks == {"a": 1, "b": 2, "c": 3, "d": 3, "e": 5, "f": None}
    assert rank({"a": 1.0, "b": 2.0}, higher_is_better=False) == {"a": 1, "b": 2}


@given(values_strategy)
def test_rank_properties(values):
    ranks = rank(values)
    known = {a: v for a, v in values.items() if v is not None}
    for area, r in ranks.items():
        if values[area] is None:
            assert r is None
            continue
        # the rank is one more than the number of strictly better values (competition ranking)
        assert r == 1 + sum(1 for v in known.values() if v > values[area])
    # equal values share a rank; a better value never ranks worse
    for a in known:
        for b in known:
            if known[a] == known[b]:
                assert ranks[a] == ranks[b]
            elif known[a] > known[b]:
                assert ranks[a] < ranks[b]


@given(values_strategy, st.randoms(use_true_random=False))
def test_rank_does_not_depend_on_the_order_given(values, shuffler):
    items = list(values.items())
    shuffler.shuffle(items)
    assert rank(dict(items)) == rank(values)


@given(values_strategy)
def test_polarity_reverses_the_order(values):
    lower = rank(values, higher_is_better=False)
    negated = rank({a: (-v if v is not None else None) for a, v in values.items()})
    assert lower == negated


def test_rank_change_first_tier_and_gaps():
    before = {"a": 3, "b": 1, "c": None}
    now = {"a": 1, "b": 2, "c": 4}
    assert rank_change(before, now) == {"a": 2, "b": -1, "c": None}
    assert first_tier(now, k=2) == {"a", "b"}
    found = gaps({"a": 10.0, "b": 8.0, "c": 8.0, "d": 4.0, "e": None})
    assert found["a"].to_leader == 0 and found["a"].to_next is None
    assert found["d"].to_leader == 6 and found["d"].to_next == 4
    assert found["d"].to_mean == pytest.approx(3.5) and found["d"].to_median == 4
    assert found["e"] is None
    lower = gaps({"a": 2.0, "b": 3.0}, higher_is_better=False)  # e.g. energy use per unit of GDP
    assert lower["b"].to_leader == 1 and lower["b"].to_next == 1


def test_catch_up_growth_single_periods_and_growth():
    # to reach next year's level of an area at 110 growing 5%, an area at 100 must grow 15.5%
    assert catch_up_growth(100, 110, 5) == pytest.approx(15.5)
    ytd = {"2025-01": 10.0, "2025-02": 25.0, "2025-03": None, "2025-04": 60.0, "2026-01": 12.0}
    assert single_periods(ytd) == {"2025-01": 10.0, "2025-02": 15.0, "2025-03": None, "2025-04": None, "2026-01": 12.0}
    assert single_periods({"2025-Q1": 5.0, "2025-Q2": 11.0}) == {"2025-Q1": 5.0, "2025-Q2": 6.0}
    # 1-2月 published together: no January in the year, so February's figure covers both months
    assert single_periods({"2025-02": 20.0, "2025-03": 31.0}) == {"2025-02": 20.0, "2025-03": 11.0}
    assert single_periods({"2025-01": None, "2025-02": 20.0}) == {"2025-01": None, "2025-02": None}
    assert growth(110, 100) == pytest.approx(10) and growth(110, 100, published=7.6) == 7.6
    assert growth(None, 100) is None and growth(110, 0) is None


@pytest.mark.parametrize(
    "current, expected",
    [(121.0, ON_TRACK), (114.0, ACCELERATE), (104.0, LIMITED), (98.0, MOVING_AWAY)],
)
def test_target_status(current, expected):
    # baseline 100 in 2020, target 133.1 in 2023 (10% a year); observed after two years
    status, _ratio = target_status(100, 2020, current, 2022, 133.1, 2023)
    assert status == expected
    assert rate_target_gap(7.6, 6.5) == pytest.approx(1.1) and rate_target_gap(3.1, 3.0, higher_is_better=False) < 0


def test_golden_shanxi_2023_gdp_growth():
    """Linfen's 7.6% real GDP growth in 2023 was the highest of Shanxi's 11 cities (the data's README)."""
    with open(SHANXI, encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["year"] == "2023" and r["indicator_code"] == "gdp_growth"]
    growth_by_city = {r["area_name"]: float(r["value"]) for r in rows}
    assert len(growth_by_city) == 11
    ranks = rank(growth_by_city)
    # worked out by hand from the file: 7.6 临汾, 7.0 晋城, 5.6 长治 and 运城 (tied), 5.1 大同, 4.7 朔州, …
    assert ranks["临汾市"] == 1 and ranks["晋城市"] == 2
    assert ranks["长治市"] == ranks["运城市"] == 3 and ranks["大同市"] == 5
    assert ranks["忻州市"] == 11
    shuffled = list(growth_by_city.items())
    random.Random(4).shuffle(shuffled)
    assert rank(dict(shuffled)) == ranks
    assert gaps(growth_by_city)["晋城市"].to_leader == pytest.approx(0.6)
