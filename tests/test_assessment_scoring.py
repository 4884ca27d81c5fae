"""Assessment scoring as pure functions: item points, weighted totals with incentives, demerits and exemptions,
ranks, and grades under bands, quotas and vetoes. A small scheme is computed by hand below, figure by figure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bihuan.assessment.scoring import (
    DEMERIT,
    INCENTIVE,
    Adjustment,
    Band,
    DeliveryFacts,
    DeliveryRule,
    adjusted_total,
    delivery_points,
    grade,
    rank_points_linear,
    rank_points_table,
    ranks,
    target_points,
)

BANDS = [Band("优秀", 90, 0.3), Band("良好", 80), Band("合格", 60), Band("不合格")]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (DeliveryFacts(), 100),
        (DeliveryFacts(overdue_tasks=2, late_reports=3, missing_reports=1, returns=2), 100 - 4 - 1.5 - 1 - 1),
        (DeliveryFacts(overdue_tasks=80), 0),  # never below zero
    ],
)
def test_delivery_points(facts, expected):
    assert delivery_points(DeliveryRule(), facts) == pytest.approx(expected)


def test_delivery_points_off_are_capped_when_the_scheme_says_so():
    assert delivery_points(DeliveryRule(max_off=10), DeliveryFacts(overdue_tasks=20)) == 90


def test_rank_points():
    assert [rank_points_table(r, [10, 8, 6]) for r in (1, 2, 3, 4, None)] == [10, 8, 6, 0, 0]
    assert [rank_points_linear(r, 5, 100, 60) for r in (1, 3, 5)] == [100, 80, 60]
    assert rank_points_linear(1, 1, 100, 60) == 100 and rank_points_linear(None, 5, 100, 60) == 0


def test_target_points_in_proportion_and_capped():
    assert target_points(95, 100, 20) == pytest.approx(19)
    assert target_points(150, 100, 20) == pytest.approx(24)  # 120% at most
    with pytest.raises(ValueError):
        target_points(1, 0, 20)


def test_a_small_scheme_by_hand():
    """Three counties, two items (delivery 60%, indicator rank 40%), one incentive, one exempted demerit, one
    demerit that stands, one veto."""
    weights = {"delivery": 60, "rank": 40}
    points = {
        "A": {"delivery": 95.0, "rank": 100.0},  # 57 + 40 = 97
        "B": {"delivery": 90.0, "rank": 80.0},  # 54 + 32 = 86
        "C": {"delivery": 80.0, "rank": 60.0},  # 48 + 24 = 72
    }
    adjustments = {
        "A": [Adjustment(DEMERIT, 3, exempted=True)],  # 容错: cancelled → 97
        "B": [Adjustment(INCENTIVE, 2), Adjustment(DEMERIT, 1)],  # 86 + 2 − 1 = 87
        "C": [Adjustment(INCENTIVE, 5)],  # 77
    }
    totals = {u: adjusted_total(points[u], weights, adjustments[u]) for u in points}
    assert totals == pytest.approx({"A": 97, "B": 87, "C": 77})
    assert ranks(totals) == {"A": 1, "B": 2, "C": 3}
    graded = grade(totals, BANDS)  # 30% of 3 units rounds down to none: no 优秀 this year
    assert graded.grades == {"A": "良好", "B": "良好", "C": "合格"} and graded.notes == {"A": "quota of 优秀"}
    assert grade(totals, [Band("优秀", 90, 0.34), *BANDS[1:]]).grades["A"] == "优秀"  # one of three may
    vetoed = grade(totals, BANDS, vetoed=["A"])
    assert vetoed.grades["A"] == "不合格" and vetoed.notes["A"] == "veto"
    assert vetoed.grades["B"] == "良好"  # the veto frees no quota for others below the minimum


def test_quota_ties_go_down_together():
    scores = {"A": 95, "B": 95, "C": 95, "D": 93, "E": 85, "F": 85, "G": 70, "H": 50, "I": 40, "J": 30}
    graded = grade(scores, BANDS)  # 优秀 for at most 3 of 10
    assert [graded.grades[u] for u in "ABC"] == ["优秀"] * 3
    assert graded.grades["D"] == "良好"  # quota full
    scores["D"] = 95  # four tied at the top: none is picked among equals, all go down
    graded = grade(scores, BANDS)
    assert {graded.grades[u] for u in "ABCD"} == {"良好"} and graded.notes["A"] == "quota of 优秀"
    assert graded.grades["H"] == "不合格" and graded.grades["G"] == "合格"


def test_ranks_share_ties():
    assert ranks({"a": 90, "b": 95, "c": 90, "d": 80}) == {"b": 1, "a": 2, "c": 2, "d": 4}


def test_weights_must_match_items():
    with pytest.raises(ValueError):
        adjusted_total({"a": 1}, {"a": 50, "b": 50})


scores_strategy = st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 100), min_size=1, max_size=30)


@given(scores_strategy)
def test_grades_respect_quotas_minimums_and_order(scores):
    graded = grade(scores, BANDS).grades
    assert set(graded) == set(scores)
    order = [b.name for b in BANDS]
    excellent = [u for u, g in graded.items() if g == "优秀"]
    assert len(excellent) <= int(0.3 * len(scores) + 1e-9)
    assert all(scores[u] >= 90 for u in excellent)
    assert all(scores[u] >= 80 for u, g in graded.items() if g == "良好")
    # a higher score never gets a worse grade
    for a in scores:
        for b in scores:
            if scores[a] > scores[b]:
                assert order.index(graded[a]) <= order.index(graded[b])


@given(scores_strategy, st.data())
def test_a_veto_is_the_lowest_grade_whatever_the_points(scores, data):
    unit = data.draw(st.sampled_from(sorted(scores)))
    assert grade(scores, BANDS, vetoed=[unit]).grades[unit] == "不合格"


@given(st.lists(st.floats(0, 10, allow_nan=False), max_size=5), st.booleans())
def test_exempted_demerits_count_nothing(points, exempted):
    adjustments = [Adjustment(DEMERIT, p, exempted=exempted) for p in points]
    total = adjusted_total({"x": 80.0}, {"x": 100}, adjustments)
    assert total == pytest.approx(80.0 if exempted else 80.0 - sum(points))
