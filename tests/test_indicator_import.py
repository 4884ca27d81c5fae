"""Importing statistics as published: long and wide tables, proposals and profiles, preview, all or nothing,
and clear words for malformed and hostile workbooks."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import xlsxwriter
from django.core.exceptions import PermissionDenied
from django.utils import translation

from bihuan.core.importing import ImportFailed
from bihuan.core.models import AuditEvent
from bihuan.core.roles import SYSTEM, Role
from bihuan.indicators import importers, parsing
from bihuan.indicators.models import ImportProfile, Observation
from bihuan.indicators.services import save_area, save_indicator
from tests.test_indicator_computations import SHANXI

WIDE = Path(__file__).resolve().parent / "data" / "shanxi_main_indicators_2023_wide.xlsx"  # the bureau's layout


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def shanxi_setup(db):
    province = save_area(SYSTEM, {"code": "140000", "name": "山西省", "short_name": "山西", "level": "province"})
    with open(SHANXI, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for code, name in sorted({(r["area_code"], r["area_name"]) for r in rows}):
        save_area(
            SYSTEM,
            {"code": code, "name": name, "short_name": name.removesuffix("市"), "level": "city", "parent": province},
        )
    save_area(SYSTEM, {"code": "110105", "name": "朝阳区", "short_name": "朝阳", "level": "county"})
    indicators = {}
    for code, name, unit, kind, frequency in [
        ("gdp", "地区生产总值", "亿元", "level", "year"),
        ("gdp_growth", "地区生产总值增速", "%", "rate", "year"),
        ("budget_revenue", "一般公共预算收入", "亿元", "level", "year"),
        ("retail_sales", "社会消费品零售总额", "亿元", "level", "year"),
        ("retail_sales_ytd", "社会消费品零售总额（月度累计）", "亿元", "ytd", "month"),
        ("industry_growth", "规模以上工业增加值增速", "%", "rate", "month"),
        ("urban_income", "城镇居民人均可支配收入", "元", "ytd", "quarter"),
    ]:
        indicators[code] = save_indicator(
            SYSTEM, {"code": code, "name": name, "unit": unit, "kind": kind, "frequency": frequency}
        )
    return indicators


def test_the_real_wide_table_is_understood_and_imported(shanxi_setup):
    analysis = importers.analyse(WIDE)
    mapping = analysis.mapping
    assert mapping.shape == "wide" and mapping.area_column == "A" and mapping.first_data_row == 5
    assert mapping.header_rows == [3, 4]
    assert importers.parsing.period_text(mapping.period).as_frequency("year") == "2023"
    targets = {c.column: c.targets for c in mapping.columns}
    assert targets["B"] == [("gdp", "value")]
    assert targets["C"] == [("gdp", "growth"), ("gdp_growth", "value")]
    assert targets["D"] == [("budget_revenue", "value")] and targets["E"] == [("budget_revenue", "growth")]
    assert targets["F"] == [("retail_sales", "value")] and targets["G"] == [("retail_sales", "growth")]
    assert {c.column: c.unit for c in mapping.columns} == {
        "B": "亿元",
        "C": "%",
        "D": "亿元",
        "E": "%",
        "F": "亿元",
        "G": "%",
    }
    planned = importers.plan(SYSTEM, analysis.grid, mapping)
    assert (planned.added, planned.revised, planned.unchanged) == (44, 0, 0)  # 11 × (gdp, gdp_growth, revenue, retail)
    importers.apply(SYSTEM, planned, vintage="final")
    linfen = Observation.objects.get(indicator__code="gdp", area__code="141000", period="2023")
    assert (linfen.value, linfen.growth) == (2312, 7.6)
    assert Observation.objects.get(indicator__code="gdp_growth", area__code="141000", period="2023").value == 7.6
    again = importers.plan(SYSTEM, importers.analyse(WIDE).grid, mapping)
    assert (again.added, again.revised, again.unchanged) == (0, 0, 44)


def bureau_table(
    title: str = "2025年1-10月全省各市主要经济指标",
    header: tuple[str, ...] = ("地区", "社会消费品零售总额（万元）", "", "规上工业增加值"),
    sub: tuple[str, ...] = ("", "1-10月累计", "比上年同期增长（%）", "增速（%）"),
    rows: list[tuple[object, ...]] | None = None,
    footnote: str = "注：本表数据为初步核算数。",
    merged_from: int = 1,
) -> io.BytesIO:
    """A bureau table with the variations the issue lists: merged title and header cells, a unit in a header,
    numbers as text with separators and full-width digits, missing marks, a total row and a footnote."""
    rows = rows or [
        ("全省", "60,123,456.0", "4.1", "3.9"),
        ("太 原", "１６,２３４,５６７", "5.2", "2.0"),
        ("临汾市", 6_712_345.5, "8.1", "—"),
        ("吕梁", "…", "", "-1.5"),
    ]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("表1")
    sheet.merge_range(0, 0, 0, 3, title)
    sheet.write_row(1, 0, header)
    sheet.merge_range(1, merged_from, 1, merged_from + 1, header[merged_from])
    sheet.merge_range(1, 0, 2, 0, header[0])
    sheet.write_row(2, 1, sub[1:])
    for index, row in enumerate(rows, start=3):
        for column, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(index, column, value)  # a hostile "=cmd|…" stays text
            elif value is not None:
                sheet.write(index, column, value)
    if footnote:
        sheet.write(4 + len(rows), 0, footnote)
    book.close()
    buffer.seek(0)
    return buffer


def test_a_monthly_bureau_table_with_units_to_convert_and_text_numbers(shanxi_setup):
    analysis = importers.analyse(bureau_table(), "10月.xlsx")
    mapping = analysis.mapping
    assert {c.column: (c.targets, c.unit) for c in mapping.columns} == {
        "B": ([("retail_sales_ytd", "value")], "万元"),
        "C": ([("retail_sales_ytd", "growth")], "%"),
        "D": ([("industry_growth", "value")], "%"),
    }
    planned = importers.plan(SYSTEM, analysis.grid, mapping)
    assert planned.periods == ["2025-10"] and planned.added == 6  # 全省 ×2, 太原 ×2, 临汾 ×1 (industry —), 吕梁 ×1
    importers.apply(SYSTEM, planned)
    values = {
        (o.indicator.code, o.area.code): (o.value, o.growth)
        for o in Observation.objects.select_related("indicator", "area")
    }
    assert values[("retail_sales_ytd", "140000")] == (pytest.approx(6012.3456), 4.1)  # 万元 → 亿元, the total row
    assert values[("retail_sales_ytd", "140100")] == (pytest.approx(1623.4567), 5.2)  # full-width digits, "太 原"
    assert values[("retail_sales_ytd", "141000")] == (pytest.approx(671.23455), 8.1)
    assert ("industry_growth", "141000") not in values  # "—"
    assert ("retail_sales_ytd", "141100") not in values  # "…" and blank: nothing published
    assert values[("industry_growth", "141100")] == (-1.5, None)


def test_a_profile_remembers_the_mapping_for_next_month(shanxi_setup):
    first = importers.analyse(bureau_table(), "10月.xlsx")
    first.mapping.columns[2].targets = []  # the statistician leaves the industry column out
    profile = importers.save_profile(SYSTEM, "各市月报", first.mapping)
    assert profile.shape == "wide" and ImportProfile.objects.count() == 1
    # November: a new column in front of the others, the title names the new month
    november = bureau_table(
        title="2025年1-11月全省各市主要经济指标",
        header=("地区", "排位", "社会消费品零售总额（万元）", "", "规上工业增加值"),
        sub=("", "", "1-11月累计", "比上年同期增长（%）", "增速（%）"),
        rows=[("太原", 1, "17,000,000", "5.0", "2.1")],
        merged_from=2,
    )
    analysis = importers.analyse(november, "11月.xlsx")
    mapping = importers.mapping_for(analysis, profile)
    planned = importers.plan(SYSTEM, analysis.grid, mapping)
    assert planned.periods == ["2025-11"] and planned.indicators == ["retail_sales_ytd"]
    assert [(v.area.code, v.value, v.growth) for v in planned.values] == [("140100", 1700.0, 5.0)]


def test_a_long_file_imports_with_chinese_or_english_headers(shanxi_setup):
    content = (
        "地区,期别,指标,数值,增速,单位\n"
        '临汾,2025年1-9月,城镇居民人均可支配收入,"31,234",5.1,元\n'
        "太原市,2025-Q3,urban_income,42000,,元\n"
    )
    analysis = importers.analyse(io.BytesIO(content.encode("gb18030")), "long.csv")
    assert analysis.mapping.shape == "long"
    planned = importers.plan(SYSTEM, analysis.grid, analysis.mapping)
    assert sorted((v.area.code, v.period, v.value, v.growth) for v in planned.values) == [
        ("140100", "2025-Q3", 42000.0, None),
        ("141000", "2025-Q3", 31234.0, 5.1),
    ]
    english = (
        "area_code,area_name,province,year,indicator_code,indicator_name,value,unit\n"
        "141000,临汾市,山西,2023,gdp,地区生产总值,23120000,万元\n"
    )
    analysis = importers.analyse(io.BytesIO(english.encode()), "en.csv")
    [value] = importers.plan(SYSTEM, analysis.grid, analysis.mapping).values
    assert (value.indicator.code, value.period, value.value) == ("gdp", "2023", 2312.0)


def test_the_packaged_real_file_imports_in_full(shanxi_setup):
    for code, name in [("gdp_per_capita", "人均地区生产总值"), ("population_hukou", "户籍人口")]:
        save_indicator(SYSTEM, {"code": code, "name": name, "unit": "元" if code == "gdp_per_capita" else "万人"})
    analysis = importers.analyse(SHANXI)
    planned = importers.plan(SYSTEM, analysis.grid, analysis.mapping)
    with open(SHANXI, encoding="utf-8") as handle:
        assert planned.added == sum(1 for _ in csv.DictReader(handle))


def problems(failure: pytest.ExceptionInfo) -> list[str]:
    return [str(e) for e in failure.value.errors]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [("临汾", "12a3", "1", "2")],
            "row 5, column B (社会消费品零售总额（万元） / 1-10月累计): 12a3 is not a number",
        ),
        ([("临汾开发区", "1", "1", "2")], "row 5, column A: unknown area 临汾开发区"),
        ([("临汾", "1", "1", "2"), ("临汾市", "2", "1", "2")], "row 6, column A: 临汾市 appears twice"),
        ([("=cmd|' /C calc'!A0", "1", "1", "2")], "unknown area =cmd|' /C calc'!A0"),
        ([("临汾", "nan", "1", "2")], "nan is not a number"),
    ],
)
def test_bad_cells_are_named_and_nothing_is_written(shanxi_setup, rows, expected):
    analysis = importers.analyse(bureau_table(rows=[("太原", "1", "1", "1"), *rows]), "bad.xlsx")
    with pytest.raises(ImportFailed) as failure:
        importers.plan(SYSTEM, analysis.grid, analysis.mapping)
    assert any(expected in p for p in problems(failure)), problems(failure)
    assert Observation.objects.count() == 0


def test_a_period_that_does_not_fit_the_indicator_is_refused(shanxi_setup):
    analysis = importers.analyse(bureau_table(title="2025年1-10月"), "t.xlsx")
    analysis.mapping.columns[0].targets = [("urban_income", "value")]  # quarterly: October is no quarter's end
    analysis.mapping.columns[0].unit = "元"
    with pytest.raises(ImportFailed) as failure:
        importers.plan(SYSTEM, analysis.grid, analysis.mapping)
    assert "2025年1-10月 is no Quarterly period of urban_income" in problems(failure)[0]
    analysis.mapping.columns[0].targets = [("retail_sales_ytd", "value")]
    analysis.mapping.columns[0].unit = "人"
    with pytest.raises(ImportFailed) as failure:
        importers.plan(SYSTEM, analysis.grid, analysis.mapping)
    assert "the column is in 人, which cannot be converted to retail_sales_ytd's unit 亿元" in problems(failure)[0]


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"", "empty.xlsx", "the file is empty"),
        (b"PK\x03\x04 not really a zip", "broken.xlsx", "could not be read as XLSX"),
        (b"%PDF-1.4", "report.pdf", "expected a .xlsx or .csv file"),
        ("标题\n说明文字\n".encode(), "words.csv", "no column of area names"),
    ],
)
def test_unreadable_files_say_why(shanxi_setup, content, name, expected):
    with pytest.raises(ImportFailed) as failure:
        importers.analyse(io.BytesIO(content), name)
    assert expected in problems(failure)[0]


def test_a_huge_file_is_refused_before_reading(shanxi_setup, settings):
    settings.BIHUAN = {**settings.BIHUAN, "IMPORT_MAX_BYTES": 1000}
    with pytest.raises(ImportFailed) as failure:
        importers.analyse(io.BytesIO(b"x" * 2000), "big.csv")
    assert "at most" in problems(failure)[0]


def test_only_statisticians_and_admins_import(shanxi_setup, people):
    analysis = importers.analyse(WIDE)
    events = AuditEvent.objects.count()
    for role in Role:
        user = people[role.value]
        if role in (Role.ADMIN, Role.STATISTICIAN):
            importers.plan(user, analysis.grid, analysis.mapping)
        else:
            with pytest.raises(PermissionDenied):
                importers.plan(user, analysis.grid, analysis.mapping)
    assert Observation.objects.count() == 0 and AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.5", 1234.5), ("１２３４", 1234.0), ("—", None), ("…", None), ("", None), ("-3.2", -3.2),
        ("+3.2%", 3.2), ("(3.2)", -3.2), ("1 234", 1234.0), (12, 12.0), ("x", None),
    ],
)  # fmt: skip
def test_numbers_as_tables_print_them(text, expected):
    assert parsing.parse_number(text) == expected


@pytest.mark.parametrize(
    ("text", "frequency", "expected"),
    [
        ("2025年1-10月全省", "month", "2025-10"), ("2025年前三季度", "quarter", "2025-Q3"),
        ("2025年1-9月", "quarter", "2025-Q3"), ("2025年1-10月", "quarter", None), ("2023年", "year", "2023"),
        ("2025年上半年", "month", "2025-06"), ("202510", "month", "2025-10"), ("2025Q2", "quarter", "2025-Q2"),
        ("2025年三季度", "quarter", "2025-Q3"), ("2024年全年", "year", "2024"), ("2025年10月", "year", None),
        ("2025年12月", "year", "2025"), ("2025.3", "month", "2025-03"), ("no period", "year", None),
    ],
)  # fmt: skip
def test_periods_as_titles_write_them(text, frequency, expected):
    found = parsing.period_text(text)
    assert (found.as_frequency(frequency) if found else None) == expected


def test_units_convert_within_their_kind():
    assert parsing.unit_scale("万元", "亿元") == pytest.approx(1e-4)
    assert parsing.unit_scale("亿元", "万元") == pytest.approx(1e4)
    assert parsing.unit_scale("万美元", "亿元") is None and parsing.unit_scale("", "亿元") == 1
    assert parsing.unit_in("地区生产总值（万元）") == "万元" and parsing.unit_in("增速(%)") == "%"
    assert parsing.units_row("单位：亿元、%") == ["亿元", "%"]


def mapping_post(page) -> dict[str, str]:
    """The fields of the mapping form as the page pre-fills them (the proposal), ready to post back."""
    import re

    html = page.content.decode()
    form = html[html.index('id="import-mapping"') :]
    data = {m[0]: m[1] for m in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)}
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option(?: value="([^"]*)")? selected>([^<]*)', body)
        data[name] = (chosen.group(1) if chosen.group(1) is not None else chosen.group(2)) if chosen else ""
    return data


def test_the_statistician_walks_through_upload_mapping_preview_and_apply(shanxi_setup, people, login):
    client = login(people["statistician"])
    with open(WIDE, "rb") as handle:
        page = client.post("/indicators/import/", {"file": handle, "step": "upload"})
    assert page.status_code == 200 and "地区生产总值 / 比上年增长" in page.content.decode()
    data = mapping_post(page)
    assert data["col-C-1"] == "gdp:growth" and data["col-C-2"] == "gdp_growth:value" and data["area_column"] == "A"
    preview = client.post("/indicators/import/", {**data, "step": "preview"})
    assert preview.status_code == 200 and Observation.objects.count() == 0
    assert "将新增 44 个，修订 0 个" in preview.content.decode()
    applied = client.post(
        "/indicators/import/",
        {**data, "step": "apply", "vintage": "final", "source": "山西统计年鉴2024", "profile_name": "各市年报"},
    )
    assert applied.status_code == 302 and "/indicators/league/?indicator=" in applied["Location"]
    assert Observation.objects.filter(vintage="final", source="山西统计年鉴2024").count() == 44
    assert ImportProfile.objects.get().name == "各市年报"
    # the uploaded file is gone once applied: replaying the apply does nothing
    again = client.post("/indicators/import/", {**data, "step": "apply"})
    assert again.status_code == 400 and Observation.objects.count() == 44


def test_a_wrong_mapping_shows_the_problems_on_the_mapping_step(shanxi_setup, people, login):
    client = login(people["statistician"])
    with open(WIDE, "rb") as handle:
        data = mapping_post(client.post("/indicators/import/", {"file": handle, "step": "upload"}))
    data["period"] = "2023年10月"  # the yearly indicators have no October figure
    page = client.post("/indicators/import/", {**data, "step": "preview"})
    assert page.status_code == 400 and 'id="import-errors"' in page.content.decode()
    assert "2023年10月" in page.content.decode() and "gdp" in page.content.decode()
    data["area_column"] = "ZZ"
    assert client.post("/indicators/import/", {**data, "step": "preview"}).status_code == 400
    assert Observation.objects.count() == 0


def test_only_writers_reach_the_import_page(shanxi_setup, people, login, client):
    for role in Role:
        login(people[role.value])
        expected = 200 if role in (Role.ADMIN, Role.STATISTICIAN) else 403
        assert client.get("/indicators/import/").status_code == expected, role
    with open(WIDE, "rb") as handle:
        assert client.post("/indicators/import/", {"file": handle}).status_code == 403
    assert Observation.objects.count() == 0


def test_the_command_line_imports_with_a_profile_and_a_dry_run(shanxi_setup, tmp_path, capsys):
    from bihuan.cli import main

    analysis = importers.analyse(bureau_table(), "10月.xlsx")
    importers.save_profile(SYSTEM, "各市月报", analysis.mapping)
    path = tmp_path / "2025年11月.xlsx"
    path.write_bytes(bureau_table(title="2025年1-11月全省各市主要经济指标").getvalue())
    with pytest.raises(SystemExit) as done:
        main(["import", "observations", str(path), "--profile", "各市月报", "--dry-run"])
    assert done.value.code == 0 and Observation.objects.count() == 0
    assert "6 would be added" in capsys.readouterr().out
    with pytest.raises(SystemExit) as done:
        main(["import", "observations", str(path), "--profile", "各市月报", "--vintage", "final"])
    assert done.value.code == 0 and set(Observation.objects.values_list("period", flat=True)) == {"2025-11"}
    with pytest.raises(SystemExit) as done:
        main(["import", "observations", str(path), "--profile", "没有"])
    assert done.value.code == 2 and "known: 各市月报" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("地区,期别,指标,数值\n临汾,2023,gdp,12a\n火星,2023,gdp,1\n", encoding="utf-8")
    with pytest.raises(SystemExit) as done:
        main(["import", "observations", str(bad)])
    err = capsys.readouterr().err
    assert done.value.code == 1 and "bad.csv, row 2, column D (数值): 12a is not a number" in err
    assert "row 3, column A (地区): unknown area 火星" in err


def test_a_long_csv_is_streamed_from_the_command_line(shanxi_setup, tmp_path, capsys):
    from bihuan.cli import main

    path = tmp_path / "long.csv"
    lines = ["area_code,period,indicator_code,value,growth"]
    lines += [f"141000,{year},gdp,{1000 + year},{year % 7}" for year in range(1990, 2024)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit) as done:
        main(["import", "observations", str(path)])
    assert done.value.code == 0 and "34 were added" in capsys.readouterr().out
    assert Observation.objects.get(period="2023").value == 3023


def test_a_rounder_figure_is_no_revision_but_a_new_growth_is(shanxi_setup):
    """The yearbook's 449.2358 printed as 449.2 by the bureau is the same figure; a growth published for the first
    time revises the observation, keeping the more precise value; the preview shows both changes."""
    from bihuan.indicators.models import Area
    from bihuan.indicators.services import Value, record_observations, same_figure

    revenue = shanxi_setup["budget_revenue"]
    taiyuan, linfen = Area.objects.get(code="140100"), Area.objects.get(code="141000")
    record_observations(
        SYSTEM, [Value(revenue, taiyuan, "2023", 449.2358), Value(revenue, linfen, "2023", 198.9, -0.9)]
    )
    assert same_figure(449.2358, 449.2) and same_figure(2312.0, 2312) and not same_figure(449.2358, 449.3)
    analysis = importers.analyse(WIDE)
    for column in analysis.mapping.columns:
        column.targets = [t for t in column.targets if t[0] == "budget_revenue"]
    planned = importers.plan(SYSTEM, analysis.grid, analysis.mapping)
    assert (planned.added, planned.revised, planned.unchanged) == (9, 1, 1)  # Linfen unchanged
    [change] = planned.revisions
    assert change[:2] == ("budget_revenue", "140100") and change.value_after == 449.2358
    assert (change.growth_before, change.growth_after) == (None, 2.7)
    importers.apply(SYSTEM, planned)
    kept = Observation.objects.get(indicator=revenue, area=taiyuan, current=True)
    assert (kept.value, kept.growth) == (449.2358, 2.7)
    assert Observation.objects.filter(indicator=revenue, area=taiyuan).count() == 2


def test_a_figure_not_given_leaves_the_published_one(shanxi_setup):
    """A table with only growth columns adds growth and keeps the values; a blank cell erases nothing."""
    from bihuan.indicators.models import Area
    from bihuan.indicators.services import Value, record_observations

    gdp, linfen = shanxi_setup["gdp"], Area.objects.get(code="141000")
    record_observations(SYSTEM, [Value(gdp, linfen, "2023", 2312.0)])
    result = record_observations(SYSTEM, [Value(gdp, linfen, "2023", None, 7.6)])
    assert (result.added, result.revised, result.unchanged) == (0, 1, 0)
    current = Observation.objects.get(indicator=gdp, area=linfen, current=True)
    assert (current.value, current.growth) == (2312.0, 7.6)
    again = record_observations(SYSTEM, [Value(gdp, linfen, "2023", 2312.0, None)])
    assert (again.revised, again.unchanged) == (0, 1)


def test_a_sheet_longer_than_the_limit_is_refused_not_cut(shanxi_setup, settings):
    settings.BIHUAN = {**settings.BIHUAN, "IMPORT_MAX_ROWS": 5}
    rows = [("临汾", str(i), "1", "2") for i in range(60)]
    with pytest.raises(ImportFailed) as failure:
        importers.analyse(bureau_table(rows=rows), "long.xlsx")
    assert "more than 5 rows" in problems(failure)[0]


def test_divisions_dry_run_writes_nothing(db, capsys):
    from bihuan.cli import main
    from bihuan.indicators.models import Area

    with pytest.raises(SystemExit) as done:
        main(["import", "divisions", "--dry-run"])
    assert done.value.code == 0 and "dry run: nothing written" in capsys.readouterr().out
    assert Area.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_a_bad_growth_names_the_growth_column(shanxi_setup):
    content = "地区,期别,指标,数值,增速\n临汾,2023,gdp,2312,七点六\n"
    analysis = importers.analyse(io.BytesIO(content.encode()), "g.csv")
    with pytest.raises(ImportFailed) as failure:
        importers.plan(SYSTEM, analysis.grid, analysis.mapping)
    assert problems(failure) == [
        "g.csv, row 2, column E (增速): 七点六 is not a number; expected a figure such as 1,234.5, or — for none"
    ]


def test_a_large_utf8_csv_is_not_mistaken_for_gb18030(shanxi_setup, tmp_path):
    """The encoding is judged on whole lines of the file's head, never on a character cut in two."""
    path = tmp_path / "big.csv"
    rows = ["地区,期别,指标,数值 "] + [f"临汾市,{1000 + i},地区生产总值,{i}" for i in range(3000)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(UnicodeDecodeError):  # the first 64 KiB end inside a character
        path.read_bytes()[: 1 << 16].decode("utf-8")
    _grid, _mapping, values = importers.read_long_csv(path)
    assert len(values) == 3000 and values[0].area.code == "141000"
