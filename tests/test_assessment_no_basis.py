"""A unit with nothing to be scored on for an item (no key task led, no figure, no target, no manual score) gets
what the item's rule says: 0, full points, the peers' average, or the item's weight spread over its other items.
The pure functions by table and property; a scheme computed by hand; the service's, form's and API's defaults;
the sheet, the trail and the export."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from bihuan.assessment import results, scoring, services, wording
from bihuan.assessment.forms import ItemForm
from bihuan.assessment.models import Item, Method, NoBasis, SchemeState
from bihuan.core.roles import Role
from tests.test_assessment_pages import english  # noqa: F401

# ---- the pure functions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (scoring.ZERO, {"a": 80.0, "b": 90.0, "c": 0.0}),
        (scoring.FULL, {"a": 80.0, "b": 90.0, "c": 100.0}),
        (scoring.AVERAGE, {"a": 80.0, "b": 90.0, "c": 85.0}),
        (scoring.SPREAD, {"a": 80.0, "b": 90.0, "c": None}),
    ],
)
def test_fill_without_basis_by_rule(rule, expected):
    assert scoring.fill_without_basis({"a": 80.0, "b": 90.0, "c": None}, rule, 100.0) == expected


def test_average_of_nobody_scored_is_zero_and_full_is_the_items_own():
    assert scoring.fill_without_basis({"a": None, "b": None}, scoring.AVERAGE, 100.0) == {"a": 0.0, "b": 0.0}
    assert scoring.fill_without_basis({"a": None}, scoring.FULL, 60.0) == {"a": 60.0}


def test_spread_weights_by_hand():
    assert scoring.spread_weights({"d": 40, "s": 30, "i": 30}, {"d"}) == {"s": 50.0, "i": 50.0}
    assert scoring.spread_weights({"d": 40, "s": 30, "i": 30}, set()) == {"d": 40, "s": 30, "i": 30}
    assert scoring.spread_weights({"d": 40, "s": 60}, {"d", "s"}) == {}  # nothing left to take the weight


weights = st.dictionaries(
    st.sampled_from("abcdefgh"), st.floats(min_value=0.5, max_value=100, allow_nan=False), min_size=1
)


@given(weights, st.data())
def test_spread_keeps_the_total_and_the_proportions(weights, data):
    without = data.draw(st.sets(st.sampled_from(sorted(weights))))
    spread = scoring.spread_weights(weights, without)
    assert set(spread) == set(weights) - without
    if spread:
        assert sum(spread.values()) == pytest.approx(sum(weights.values()))
        first = next(iter(spread))
        for item, weight in spread.items():
            assert weight / spread[first] == pytest.approx(weights[item] / weights[first])


@given(st.lists(st.one_of(st.none(), st.floats(min_value=0, max_value=100)), min_size=1, max_size=8))
def test_a_filled_stand_in_stays_within_the_scored_range(points):
    by_unit = {str(n): p for n, p in enumerate(points)}
    filled = scoring.fill_without_basis(by_unit, scoring.AVERAGE, 100.0)
    scored = [p for p in points if p is not None]
    for unit, p in by_unit.items():
        if p is None and scored:
            assert min(scored) - 1e-9 <= filled[unit] <= max(scored) + 1e-9
        elif p is not None:
            assert filled[unit] == p


# ---- a scheme computed by hand -----------------------------------------------------------------------


@pytest.fixture
def scheme(people, own_unit, other_unit, third_unit, facts):
    """Delivery 40% (spread), survey 30% (average), inspection 30% (full). A leads two tasks (90 delivery points,
    as in the golden test), B one (100), C none. Survey: A 80, B 90, C not scored. Inspection: only A, 70."""
    assessor = people[Role.ASSESSOR]
    scheme = services.save_scheme(assessor, {"year": 2025, "name": "无此项的计分", "as_of": date(2025, 6, 20)},
                                  [own_unit, other_unit, third_unit])  # fmt: skip
    items = {}
    rules = {"per_overdue_task": 5, "per_late_report": 1, "per_missing_report": 2, "per_return": 1}
    for order, (attribute, name, method, weight, rule, extra) in enumerate(
        [
            ("delivery", "重点任务落实", Method.DELIVERY, 40, NoBasis.SPREAD, rules),
            ("survey", "满意度", Method.MANUAL, 30, NoBasis.AVERAGE, {}),
            ("inspection", "专项检查", Method.MANUAL, 30, NoBasis.FULL, {}),
        ]
    ):
        data = {"name": name, "method": method, "weight": Decimal(weight), "no_basis": rule, "sort_order": order}
        items[attribute] = services.save_item(assessor, scheme, {**data, **{k: Decimal(v) for k, v in extra.items()}})
    services.save_band(assessor, scheme, {"name": "合格", "minimum": Decimal(0), "quota": None, "sort_order": 0})
    scheme = services.move(assessor, scheme, SchemeState.OPEN)
    scheme.delivery, scheme.survey, scheme.inspection = items["delivery"], items["survey"], items["inspection"]
    for unit, points in ((own_unit, 80), (other_unit, 90)):
        services.save_manual_score(assessor, scheme.survey, unit, Decimal(points), "问卷")
    services.save_manual_score(assessor, scheme.inspection, own_unit, Decimal(70), "检查")
    return scheme


def test_each_rule_figure_by_figure(scheme):
    data = results.compute(scheme, date(2026, 1, 1))
    rows = {row["unit"]["code"]: row for row in data["units"]}
    a, b, c = rows["FGW"], rows["141002"], rows["141021"]
    delivery, survey, inspection = (str(i.pk) for i in (scheme.delivery, scheme.survey, scheme.inspection))
    # A: 90 × 40% + 80 × 30% + 70 × 30% = 36 + 24 + 21 = 81
    assert [a["items"][k]["points"] for k in (delivery, survey, inspection)] == [90, 80, 70]
    assert a["total"] == 81
    # B: 100 × 40% + 90 × 30% + 100 (full: not inspected) × 30% = 40 + 27 + 30 = 97
    assert b["items"][inspection]["points"] == 100 and b["total"] == 97
    # C: no task, so delivery's 40% goes to the others in proportion (30:30 → 50% each);
    # survey: the average of A and B, 85; inspection: full, 100. 85 × 50% + 100 × 50% = 92.5
    assert c["items"][delivery] | {"trail": None} == {
        "points": None,
        "weight": 0,
        "weighted": 0,
        "trail": None,
        "facts": c["items"][delivery]["facts"],
    }
    assert (c["items"][survey]["points"], c["items"][survey]["weight"], c["items"][survey]["weighted"]) == (
        85,
        50,
        42.5,
    )
    assert (c["items"][inspection]["weight"], c["items"][inspection]["weighted"]) == (50, 50)
    assert c["total"] == 92.5
    assert [x["unit"]["code"] for x in data["units"]] == ["141002", "141021", "FGW"]
    # the trail says why
    assert c["items"][delivery]["trail"] == [{"what": "no_basis", "rule": "spread", "points": None, "of": 2}]
    assert c["items"][survey]["trail"][-1] == {"what": "no_basis", "rule": "average", "points": 85.0, "of": 2}
    assert a["items"][survey]["trail"][-1]["what"] == "manual"  # scored units have no such line
    with translation.override("en"):
        assert wording.trail_line(c["items"][survey]["trail"][-1]).text == (
            "Nothing to score: by the scheme, the average of the 2 units scored, 85 points"
        )
        assert "weight goes to the unit's other items" in wording.trail_line(c["items"][delivery]["trail"][0]).text
    with translation.override("zh-hans"):
        assert "平均" in wording.trail_line(c["items"][survey]["trail"][-1]).text


def test_zero_is_what_an_item_says_by_default_except_delivery(people, scheme, third_unit):
    assessor = people[Role.ASSESSOR]
    scheme_open = scheme
    extra = services.save_item(
        assessor, scheme_open, {"name": "走访", "method": Method.MANUAL, "weight": Decimal(0), "sort_order": 3}
    )
    assert extra.no_basis == NoBasis.ZERO
    tasks = services.save_item(
        assessor, scheme_open, {"name": "落实二", "method": Method.DELIVERY, "weight": Decimal(0), "sort_order": 4}
    )
    assert tasks.no_basis == NoBasis.FULL  # a unit leading no task has nothing overdue
    # a change that does not name the rule keeps it; one that clears it takes the method's usual
    services.save_item(assessor, scheme_open, {"no_basis": NoBasis.SPREAD}, tasks)
    services.save_item(assessor, scheme_open, {"weight": Decimal(0)}, Item.objects.get(pk=tasks.pk))
    assert Item.objects.get(pk=tasks.pk).no_basis == NoBasis.SPREAD
    services.save_item(assessor, scheme_open, {"no_basis": ""}, Item.objects.get(pk=tasks.pk))
    assert Item.objects.get(pk=tasks.pk).no_basis == NoBasis.FULL
    data = results.compute(scheme_open, date(2026, 1, 1))
    row = results.unit_row(data, third_unit.pk)
    assert row["items"][str(extra.pk)]["points"] == 0
    assert row["items"][str(tasks.pk)]["points"] == 100


def test_the_form_offers_the_usual_and_fills_it_in(people, scheme):
    form = ItemForm({"name": "落实", "method": "delivery", "weight": "5", "sort_order": "0", "no_basis": ""})
    assert form.is_valid(), form.errors
    assert form.service_data()["no_basis"] == NoBasis.FULL
    form = ItemForm({"name": "评议", "method": "manual", "weight": "5", "sort_order": "0", "no_basis": "spread"})
    assert form.is_valid() and form.service_data()["no_basis"] == NoBasis.SPREAD
    form = ItemForm({"name": "评议", "method": "manual", "weight": "5", "sort_order": "0", "no_basis": "half"})
    assert not form.is_valid() and "no_basis" in form.errors


def test_the_api_takes_the_rule_and_reports_the_weight(client, people, scheme, third_unit):
    client.force_login(people[Role.ASSESSOR])
    response = client.post(
        "/api/v1/assessment-items/",
        {"scheme": scheme.pk, "name": "排名外", "method": "manual", "weight": "0", "no_basis": "average"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["no_basis"] == "average"
    response = client.post(
        "/api/v1/assessment-items/",
        {"scheme": scheme.pk, "name": "坏", "method": "manual", "weight": "0", "no_basis": "half"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "no_basis" in response.json()
    unit = client.get(f"/api/v1/assessment-schemes/{scheme.pk}/units/{third_unit.pk}/").json()
    delivery = unit["items"][str(scheme.delivery.pk)]
    assert delivery["points"] is None and delivery["weight"] == 0


def test_the_sheet_and_the_league_export_show_it(client, people, scheme, third_unit, english):  # noqa: F811
    client.force_login(people[Role.ASSESSOR])
    page = client.get(reverse("assessment-sheet", args=[scheme.pk, third_unit.pk])).content.decode()
    assert 'data-what="no_basis"' in page
    assert "— points × 0% = 0" in page and "85 points × 50% = 42.5" in page
    assert "the item&#x27;s weight goes to the unit&#x27;s other items" in page
    detail = client.get(reverse("assessment-scheme", args=[scheme.pk])).content.decode()
    assert "nothing to score: its weight goes to the unit&#x27;s other items" in detail
    assert "— in an item's column" in detail  # the footnote for the "—" in the league
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("assessment-league-xlsx", args=[scheme.pk])).content))
    sheet = book.worksheets[0]
    row = next(r for r in sheet.iter_rows(values_only=True) if r[1] == "141021")
    assert row[3] is None and row[4:6] == (85, 100) and row[8] == 92.5
    # with full points instead, no "—" in the league and no footnote for it
    services.save_item(people[Role.ASSESSOR], scheme, {"no_basis": NoBasis.FULL}, scheme.delivery)
    detail = client.get(reverse("assessment-scheme", args=[scheme.pk])).content.decode()
    assert "— in an item's column" not in detail and "nothing to score: full points" in detail
