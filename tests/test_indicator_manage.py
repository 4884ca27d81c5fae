"""Settings pages of the indicators: lists everyone signed in reads (with .xlsx export), and forms through which
statisticians and administrators keep indicators, peer groups (areas named as tables name them) and yearly
targets."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from bihuan.core.models import AuditEvent
from bihuan.core.roles import SYSTEM, Role
from bihuan.indicators.manage_forms import polarity_text
from bihuan.indicators.models import Area, Indicator, Observation, PeerGroup, Target
from bihuan.indicators.services import (
    Value,
    record_observations,
    save_area,
    save_indicator,
    save_peer_group,
    save_target,
)

WRITERS = {Role.ADMIN, Role.STATISTICIAN}
LINFEN_COUNTIES = {
    "141002": "尧都区", "141021": "曲沃县", "141022": "翼城县", "141023": "襄汾县", "141024": "洪洞县",
    "141025": "古县", "141026": "安泽县", "141027": "浮山县", "141028": "吉县", "141029": "乡宁县",
    "141030": "大宁县", "141031": "隰县", "141032": "永和县", "141033": "蒲县", "141034": "汾西县",
    "141081": "侯马市", "141082": "霍州市",
}  # fmt: skip


def _area(code: str, name: str, level: str, parent: Area | None = None) -> Area:
    short = name[:-1] if len(name) > 2 and name[-1] in "省市县区" else name
    return save_area(SYSTEM, {"code": code, "name": name, "short_name": short, "level": level, "parent": parent})


@pytest.fixture
def world(db) -> dict[str, Any]:
    """Shanxi with four cities (two with a district called 城区), Linfen's 17 counties, an indicator, a group
    and a target."""
    province = _area("140000", "山西省", "province")
    cities = {
        code: _area(code, name, "city", province)
        for code, name in {"140100": "太原市", "140300": "阳泉市", "140400": "长治市", "141000": "临汾市"}.items()
    }
    _area("140302", "城区", "county", cities["140300"])
    _area("140402", "城区", "county", cities["140400"])
    counties = [_area(code, name, "county", cities["141000"]) for code, name in LINFEN_COUNTIES.items()]
    gdp = save_indicator(SYSTEM, {"code": "gdp", "name": "地区生产总值", "name_en": "GDP", "unit": "亿元"})
    group = save_peer_group(SYSTEM, {"name": "山西四市", "first_tier": 2}, list(cities.values()))
    target = save_target(SYSTEM, {"indicator": gdp, "area": cities["141000"], "year": 2025, "value": 2100.0})
    return {"province": province, "cities": cities, "counties": counties, "gdp": gdp, "group": group, "target": target}


def _state() -> tuple:
    """Everything the forms could write, to show a refused or invalid request changed nothing."""
    return (
        list(Indicator.objects.order_by("pk").values_list("code", "name", "unit", "frequency")),
        [(g.name, g.first_tier, sorted(a.code for a in g.areas.all())) for g in PeerGroup.objects.order_by("pk")],
        list(Target.objects.order_by("pk").values_list("indicator_id", "area_id", "year", "value")),
        AuditEvent.objects.count(),
    )


def _indicator_post(**changes: Any) -> dict[str, Any]:
    data = {
        "code": "retail", "name": "社会消费品零售总额", "name_en": "Retail sales", "unit": "亿元",
        "frequency": "month", "kind": "ytd", "higher_is_better": "True", "decimals": "1", "category": "",
        "source": "市统计局", "notes": "", "headline": "on", "sort_order": "5",
    }  # fmt: skip
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _group_post(**changes: Any) -> dict[str, Any]:
    return {"name": "临汾17县", "first_tier": "3", "members": "", "under": "", "description": "", **changes}


def _target_post(world: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = {"indicator": world["gdp"].pk, "area_code": "140100", "year": "2025", "value": "5800"}
    return {**data, "baseline_year": "", "baseline": "", **changes}


# ---- pages for readers and writers ---------------------------------------------------------------

LISTS = {
    "indicator-manage-list": ("indicator-new", "indicator-edit", "gdp"),
    "peer-group-list": ("peer-group-new", "peer-group-edit", "group"),
    "target-list": ("target-new", "target-edit", "target"),
}


@pytest.mark.parametrize("page", list(LISTS))
def test_lists_show_edit_links_only_to_writers(page, world, people, login):
    new, edit, key = LISTS[page]
    edit_url = reverse(edit, args=[world[key].pk])
    viewer = login(people["viewer"]).get(reverse(page))
    text = viewer.content.decode()
    assert viewer.status_code == 200 and len(viewer.context["rows"]) == 1
    assert reverse(new) not in text and edit_url not in text
    assert 'id="manage-tabs"' in text and "bi-gear" in text  # the Settings tab shows on the settings pages
    writer = login(people["statistician"]).get(reverse(page))
    text = writer.content.decode()
    assert writer.status_code == 200 and reverse(new) in text and edit_url in text
    for url in (reverse(new), edit_url):
        form = login(people["statistician"]).get(url)
        assert form.status_code == 200 and "bi-gear" in form.content.decode()


def test_indicator_list_columns_filters_and_search(world, people, login):
    retail = {"code": "retail", "name": "社会消费品零售总额", "frequency": "month", "headline": True}
    save_indicator(SYSTEM, {**retail, "higher_is_better": False, "source": "市统计局"})
    client = login(people["viewer"])
    gdp, retail = (
        [text for text, _link, _css in row] for row in client.get(reverse("indicator-manage-list")).context["rows"]
    )
    assert gdp[:4] == ["gdp", "地区生产总值", "GDP", "亿元"] and retail[-1] == "市统计局"
    assert gdp[6] != retail[6] and {gdp[6], retail[6]} == {str(polarity_text(True)), str(polarity_text(False))}
    assert (gdp[7], retail[7]) == ("", "✓")  # headline
    codes = lambda query: [r[0][0] for r in client.get(reverse("indicator-manage-list") + query).context["rows"]]  # noqa: E731
    assert codes("?frequency=month") == ["retail"]
    assert codes("?headline=true") == ["retail"] and codes("?headline=false") == ["gdp"]
    assert codes("?q=生产") == ["gdp"] and codes("?q=GDP") == ["gdp"]


def test_target_list_filters_by_indicator_year_and_area(world, people, login):
    retail = save_indicator(SYSTEM, {"code": "retail", "name": "社会消费品零售总额", "frequency": "month"})
    taiyuan = world["cities"]["140100"]
    save_target(SYSTEM, {"indicator": retail, "area": taiyuan, "year": 2026, "value": 3000.0})
    client = login(people["viewer"])

    def shown(query: str) -> list[str]:
        rows = client.get(reverse("target-list") + query).context["rows"]
        return [f"{r[2][0]} {r[3][0]}" for r in rows]  # division code and year

    assert shown("") == ["141000 2025", "140100 2026"]
    assert shown("?indicator=retail") == ["140100 2026"]
    assert shown("?year=2025") == ["141000 2025"] and shown("?area=140100") == ["140100 2026"]


@pytest.mark.parametrize("page", list(LISTS))
def test_exports_open_in_excel(page, world, people, login):
    response = login(people["viewer"]).get(reverse(page) + "?format=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert len(rows) == 2  # the header and the one object
    expected = {
        "indicator-manage-list": ("gdp", "地区生产总值"),
        "peer-group-list": ("山西四市", 2, 4),
        "target-list": ("地区生产总值", "临汾市", "141000", 2025, 2100),
    }[page]
    assert tuple(rows[1][: len(expected)]) == expected


# ---- indicators ----------------------------------------------------------------------------------


def test_a_statistician_creates_and_edits_an_indicator_and_the_write_is_audited(world, people, login):
    client = login(people["statistician"])
    response = client.post(reverse("indicator-new"), _indicator_post())
    assert response.status_code == 302 and response["Location"] == reverse("indicator-manage-list")
    retail = Indicator.objects.get(code="retail")
    assert (retail.frequency, retail.kind, retail.higher_is_better, retail.headline) == ("month", "ytd", True, True)
    event = AuditEvent.objects.filter(action="indicator.created").latest("seq")
    assert event.actor == people["statistician"] and event.object_id == str(retail.pk)
    edited = client.post(
        reverse("indicator-edit", args=[retail.pk]),
        _indicator_post(code="retail_sales", name="社零额", higher_is_better="False", headline=None),
    )
    assert edited.status_code == 302
    retail.refresh_from_db()
    assert (retail.code, retail.name, retail.higher_is_better, retail.headline) == (
        "retail_sales",
        "社零额",
        False,
        False,
    )
    change = AuditEvent.objects.filter(action="indicator.changed").latest("seq")
    assert set(change.changes) >= {"code", "name", "higher_is_better", "headline"}


def test_the_code_and_frequency_are_fixed_once_values_are_recorded(world, people, login):
    gdp = world["gdp"]
    record_observations(SYSTEM, [Value(gdp, world["cities"]["141000"], "2023", 2058.0)])
    client = login(people["statistician"])
    form = client.get(reverse("indicator-edit", args=[gdp.pk])).context["form"]
    assert form.fields["code"].disabled and form.fields["frequency"].disabled
    post = _indicator_post(code="gdp_new", name="GDP总量", frequency="month", kind="level", headline=None)
    assert client.post(reverse("indicator-edit", args=[gdp.pk]), post).status_code == 302
    gdp.refresh_from_db()
    assert (gdp.code, gdp.frequency, gdp.name) == ("gdp", "year", "GDP总量")  # the posted code was ignored
    assert Observation.objects.filter(indicator=gdp).count() == 1


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"code": "gdp"}, "code"),
        ({"code": "国内 生产"}, "code"),
        ({"name": ""}, "name"),
        ({"frequency": "day"}, "frequency"),
    ],
)
def test_invalid_indicators_show_errors_and_write_nothing(changes, field, world, people, login):
    before = _state()
    response = login(people["admin"]).post(reverse("indicator-new"), _indicator_post(**changes))
    assert response.status_code == 400 and response.context["form"].errors[field]
    assert _state() == before


# ---- peer groups ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "members, under, expected",
    [
        ("临汾市\n太原市", "", ["141000", "140100"]),
        ("临汾、太原；阳泉，长治", "", ["141000", "140100", "140300", "140400"]),
        ("141000; 140100\n140300", "", ["141000", "140100", "140300"]),
        ("140402 城区", "", ["140402"]),  # a shared name, settled by its code
        ("", "141000", sorted(LINFEN_COUNTIES)),
        ("临汾市", "临汾", ["141000", *sorted(LINFEN_COUNTIES)]),
    ],
)
def test_groups_from_names_codes_or_a_parent(members, under, expected, world, people, login):
    client = login(people["statistician"])
    response = client.post(reverse("peer-group-new"), _group_post(members=members, under=under))
    assert response.status_code == 302, response.context["form"].errors
    group = PeerGroup.objects.get(name="临汾17县")
    assert sorted(a.code for a in group.areas.all()) == sorted(expected)
    assert AuditEvent.objects.filter(action="peergroup.created", object_id=str(group.pk)).exists()


def test_editing_a_group_keeps_its_areas_and_changes_what_is_changed(world, people, login):
    client = login(people["statistician"])
    group = world["group"]
    form = client.get(reverse("peer-group-edit", args=[group.pk])).context["form"]
    listed = form.initial["members"]
    assert listed.splitlines()[0] == "140100 太原市" and len(listed.splitlines()) == 4
    post = _group_post(name="山西四市", first_tier="1", members=listed + "\n尧都区", description="比学赶超")
    assert client.post(reverse("peer-group-edit", args=[group.pk]), post).status_code == 302
    group.refresh_from_db()
    assert group.first_tier == 1 and group.description == "比学赶超"
    assert sorted(a.code for a in group.areas.all()) == ["140100", "140300", "140400", "141000", "141002"]


@pytest.mark.parametrize(
    "members, under, field, named",
    [
        ("临汾市\n运城市\n火星", "", "members", ["运城市", "火星"]),
        ("城区", "", "members", ["城区", "140302", "140402"]),
        ("临汾", "999999", "under", ["999999"]),
        ("", "141002", "under", ["尧都区"]),  # no area lies under a county
        ("", "", "members", []),
    ],
)
def test_unknown_or_ambiguous_areas_are_named_and_nothing_is_written(
    members, under, field, named, world, people, login
):
    before = _state()
    response = login(people["statistician"]).post(reverse("peer-group-new"), _group_post(members=members, under=under))
    assert response.status_code == 400
    message = " ".join(response.context["form"].errors[field])
    assert all(name in message for name in named), message
    assert "临汾市" not in message  # a known area is not named
    assert _state() == before


def test_a_duplicate_group_name_is_a_form_error(world, people, login):
    before = _state()
    response = login(people["admin"]).post(reverse("peer-group-new"), _group_post(name="山西四市", members="临汾"))
    assert response.status_code == 400 and response.context["form"].errors["name"]
    assert _state() == before


# ---- targets -------------------------------------------------------------------------------------


def test_targets_are_set_by_division_code_or_name(world, people, login):
    client = login(people["statistician"])
    post = _target_post(world, baseline_year="2023", baseline="5573.7")
    assert client.post(reverse("target-new"), post).status_code == 302
    target = Target.objects.get(area__code="140100")
    assert (target.year, target.value, target.baseline_year, target.baseline) == (2025, 5800.0, 2023, 5573.7)
    assert AuditEvent.objects.filter(action="target.created", object_id=str(target.pk)).exists()
    edit = reverse("target-edit", args=[target.pk])
    assert client.get(edit).context["form"].initial["area_code"] == "140100"
    assert client.post(edit, _target_post(world, area_code="阳泉", value="900")).status_code == 302
    target.refresh_from_db()
    assert (target.area.code, target.value) == ("140300", 900.0)


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"area_code": "149999"}, "area_code", "149999"),
        ({"area_code": "城区"}, "area_code", "140402"),
        ({"area_code": "141000"}, None, ""),  # Linfen's 2025 target exists: one a year
        ({"baseline_year": "2025"}, "baseline_year", ""),  # the service's rule, shown on its field
        ({"value": ""}, "value", ""),
    ],
)
def test_invalid_targets_show_errors_and_write_nothing(changes, field, words, world, people, login):
    before = _state()
    response = login(people["statistician"]).post(reverse("target-new"), _target_post(world, **changes))
    assert response.status_code == 400
    form = response.context["form"]
    errors = form.errors[field] if field else form.non_field_errors()
    assert errors and words in " ".join(errors)
    assert _state() == before


# ---- who may do what -----------------------------------------------------------------------------

KINDS = {
    "indicator": ("indicator-manage-list", "indicator-new", lambda w: _indicator_post()),
    "group": ("peer-group-list", "peer-group-new", lambda w: _group_post(members="临汾、太原")),
    "target": ("target-list", "target-new", lambda w: _target_post(w)),
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("role", [*Role.values, None])
def test_role_matrix(kind, role, world, people, client, login):
    list_name, new_name, post = KINDS[kind]
    if role is not None:
        client = login(people[role])
    before = _state()
    listed, form, sent = (
        client.get(reverse(list_name)),
        client.get(reverse(new_name)),
        client.post(reverse(new_name), post(world)),
    )
    if role is None:
        assert all(r.status_code == 302 and r["Location"].startswith(reverse("login")) for r in (listed, form, sent))
        assert _state() == before
    elif role in WRITERS:
        assert (listed.status_code, form.status_code, sent.status_code) == (200, 200, 302)
        assert _state() != before
    else:
        assert (listed.status_code, form.status_code, sent.status_code) == (200, 403, 403)
        assert _state() == before
