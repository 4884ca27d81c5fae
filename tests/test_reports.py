"""Bulletins (通报): the compiled figures against a small hand-built city, and the three renderings — the web
page, the .xlsx workbook with native charts and the .docx laid out as an official document (GB/T 9704)."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from datetime import date
from typing import Any

import openpyxl
import pytest
from django.utils import translation
from django.utils.translation import gettext
from docx import Document as WordDocument

from bihuan.core.roles import SYSTEM
from bihuan.indicators.services import Value, record_observations, save_area, save_indicator, save_peer_group
from bihuan.org.models import Unit
from bihuan.reports import selectors
from bihuan.reports.compile import PeriodError, compile_content, parse_period
from bihuan.reports.models import Format
from bihuan.reports.sections import SECTION_TYPES, document
from bihuan.supervision.models import KeyTask, ProgressReport

TODAY = date(2025, 11, 4)  # a Tuesday; the bulletin is for October 2025


def task(number: str, unit: Unit, **fields: Any) -> KeyTask:
    values = {
        "year": 2025,
        "title": f"重点任务{number}",
        "status": "in_progress",
        "start": date(2025, 10, 1),
        "due": date(2025, 12, 31),
        "cadence": "quarterly",
        "report_day": 5,
        "progress": 30,
        **fields,
    }
    return KeyTask.objects.create(number=number, lead_unit=unit, **values)


@pytest.fixture
def city_tasks(city, own_unit, other_unit) -> dict[str, KeyTask]:
    """Seven key tasks of 2025 whose lights on 4 November are known by hand (default thresholds):

    T1 市发改委  in progress, due 20 Oct            → red: 15 days past due (and 100% of the time gone, 0% done)
    T2 市发改委  in progress, due 8 Nov, 80% done   → yellow: due in 4 days
    T3 尧都区    in progress, due 31 Dec             → green
    T4 尧都区    closed on 15 Oct (in October)
    T5 市发改委  closed on 20 Sep (not in October)
    T6 尧都区    draft
    T7 尧都区    monthly reports: July on time, August 5 days late, September missing (30 days), October due
                 tomorrow → red
    """
    tasks = {
        "T1": task("2025-001", own_unit, due=date(2025, 10, 20), progress=0),
        "T2": task("2025-002", own_unit, due=date(2025, 11, 8), progress=80),
        "T3": task("2025-003", other_unit),
        "T4": task("2025-004", other_unit, status="closed", closed_on=date(2025, 10, 15), quality_rating=4),
        "T5": task("2025-005", own_unit, status="closed", start=date(2025, 7, 1), closed_on=date(2025, 9, 20)),
        "T6": task("2025-006", other_unit, status="draft"),
        "T7": task("2025-007", other_unit, start=date(2025, 7, 1), cadence="monthly", progress=50),
    }
    for period, due, submitted in (
        ("2025-07", date(2025, 8, 5), date(2025, 8, 4)),
        ("2025-08", date(2025, 9, 5), date(2025, 9, 10)),
    ):
        ProgressReport.objects.create(
            task=tasks["T7"], period=period, due=due, progress=30, status="accepted", submitted_on=submitted
        )
    task("2024-001", own_unit, year=2024, due=date(2024, 12, 31))  # another year: not in the 2025 bulletin
    return tasks


@pytest.fixture
def benchmarks(city) -> dict[str, Any]:
    """Our city (141000) and two peers in 山西11市: GDP, quarterly, up to 2025-Q3; retail sales, monthly, with a
    figure for 2025-11 that an October bulletin must not use."""
    areas = {
        code: save_area(SYSTEM, {"code": code, "name": name, "short_name": name[:2], "level": "city"})
        for code, name in (("141000", "临汾市"), ("140100", "太原市"), ("140200", "大同市"))
    }
    group = save_peer_group(SYSTEM, {"name": "山西11市"}, list(areas.values()))
    gdp = save_indicator(
        SYSTEM,
        {"code": "gdp", "name": "地区生产总值", "name_en": "GDP", "unit": "亿元", "frequency": "quarter",
         "decimals": 0, "headline": True, "kind": "ytd"},
    )  # fmt: skip
    retail = save_indicator(
        SYSTEM,
        {"code": "retail", "name": "社会消费品零售总额增速", "unit": "%", "frequency": "month", "kind": "rate",
         "headline": True, "sort_order": 1},
    )  # fmt: skip
    values = [
        Value(gdp, areas["141000"], "2025-Q3", 1500.0, 5.6),
        Value(gdp, areas["140100"], "2025-Q3", 4200.0, 4.1),
        Value(gdp, areas["140200"], "2025-Q3", 1400.0, 6.0),
        Value(retail, areas["141000"], "2025-10", 6.1),
        Value(retail, areas["140100"], "2025-10", 4.0),
        Value(retail, areas["140200"], "2025-10", 5.2),
        Value(retail, areas["141000"], "2025-11", 1.0),
        Value(retail, areas["140100"], "2025-11", 9.0),
        Value(retail, areas["140200"], "2025-11", 8.0),
    ]
    record_observations(SYSTEM, values, source="山西省统计局")
    return {"areas": areas, "group": group, "gdp": gdp, "retail": retail}


def compiled(unit: Unit | None = None, period: str = "2025-10") -> dict[str, Any]:
    return compile_content(parse_period(period), unit, TODAY)


def section(content: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s for s in content["sections"] if s["type"] == key)


# ---- periods -------------------------------------------------------------------------------------


def test_periods_months_and_quarters():
    october = parse_period("2025-10")
    assert (october.kind, october.start, october.end) == ("month", date(2025, 10, 1), date(2025, 10, 31))
    q1 = parse_period("2024-Q1", "quarter")
    assert (q1.start, q1.end) == (date(2024, 1, 1), date(2024, 3, 31))
    for bad in ("2025-13", "2025", "2025-Q5", "October", ""):
        with pytest.raises(PeriodError):
            parse_period(bad)
    with pytest.raises(PeriodError, match="2025-Q3"):
        parse_period("2025-10", "quarter")


# ---- the compiled figures ------------------------------------------------------------------------


def test_overview_counts_by_status_colour_and_closures_in_the_period(city_tasks):
    overview = section(compiled(), "overview")
    assert overview["total"] == 7  # the 2024 task is not counted
    assert overview["statuses"]["in_progress"] == 4
    assert overview["statuses"]["closed"] == 2
    assert overview["statuses"]["draft"] == 1
    assert overview["open"] == 4
    assert overview["lights"] == {"red": 2, "yellow": 1, "green": 1}
    assert [t["number"] for t in overview["closed_in_period"]] == ["2025-004"]  # T5 closed in September
    assert overview["closure_rate"] == pytest.approx(2 / 6)  # 2 closed of 7 − 1 draft
    assert overview["reports_due"] == 3 and overview["reports_on_time"] == 1
    assert overview["average_days_late"] == pytest.approx((5 + 30) / 2)


def test_red_and_yellow_lists_are_grouped_by_lead_unit_with_their_reasons(city_tasks):
    warnings = section(compiled(), "warnings")
    assert [(g["label"], [t["number"] for t in g["tasks"]]) for g in warnings["red"]] == [
        ("尧都区", ["2025-007"]),
        ("市发改委", ["2025-001"]),
    ]
    assert [(g["label"], [t["number"] for t in g["tasks"]]) for g in warnings["yellow"]] == [("市发改委", ["2025-002"])]
    t1 = warnings["red"][1]["tasks"][0]
    assert t1["reasons"][0] == {"level": "red", "code": "overdue", "days": 15}
    t7 = warnings["red"][0]["tasks"][0]
    assert [(r["code"], r.get("period")) for r in t7["reasons"]] == [
        ("report_overdue", "2025-09"),
        ("report_due_soon", "2025-10"),
    ]
    with translation.override("en"):
        doc = document(compiled(), {}, title="t")
        table = next(b for s in doc.sections if s.key == "warnings" for b in s.blocks if getattr(b, "rows", None))
    assert table.rows[0][0] == "尧都区"
    assert table.rows[0][4] == "report for 2025-09 30 days overdue; report for 2025-10 due in 1 days"
    assert table.rows[1][4].startswith("15 days past due")


def test_units_are_ranked_by_the_statistics_definitions(city_tasks):
    units = section(compiled(), "units")
    rows = {r["unit"]: r for r in units["rows"]}
    assert [r["unit"] for r in units["rows"]] == ["141002", "FGW"]  # equal closure rates; on time decides
    assert [r["rank"] for r in units["rows"]] == [1, 2]
    assert rows["141002"]["closure_rate"] == pytest.approx(1 / 3)
    assert rows["141002"]["on_time_rate"] == pytest.approx(1 / 3)
    assert rows["141002"]["average_days_late"] == pytest.approx(17.5)
    assert rows["FGW"]["on_time_rate"] is None  # no report was due
    assert (rows["FGW"]["red"], rows["FGW"]["yellow"]) == (1, 1)


def test_a_units_view_covers_its_own_tasks(city_tasks, own_unit):
    content = compiled(own_unit)
    overview = section(content, "overview")
    assert overview["total"] == 3 and overview["lights"] == {"red": 1, "yellow": 1, "green": 0}
    assert overview["closed_in_period"] == []
    assert [g["unit"] for g in section(content, "warnings")["red"]] == ["FGW"]
    assert section(content, "units")["ours"] == "FGW"  # the whole ranking, the unit marked
    assert not any(s["type"] == "indicators" for s in content["sections"])  # a department has no area


def test_indicators_use_the_latest_period_not_after_the_bulletins(city_tasks, benchmarks):
    data = section(compiled(), "indicators")
    assert data["area"]["code"] == "141000"
    by_code = {i["code"]: i for i in data["indicators"]}
    assert by_code["gdp"]["period"] == "2025-Q3"
    assert by_code["retail"]["period"] == "2025-10"  # not 2025-11
    assert by_code["retail"]["cells"][0] == {"rank": 1, "size": 3, "change": None, "tier": "lead"}
    assert by_code["gdp"]["cells"][0]["rank"] == 2
    assert data["groups"] == [{"name": "山西11市", "ranked": 2, "leads": 1, "first_tier": 2, "last": 0}]
    retail_table = next(t for t in data["tables"] if data["indicators"][t["indicator"]]["code"] == "retail")
    assert [(r["code"], r["rank"], r["value"]) for r in retail_table["rows"]] == [
        ("141000", 1, 6.1),
        ("140200", 2, 5.2),
        ("140100", 3, 4.0),
    ]
    with translation.override("zh-hans"):
        doc = document(compiled(), {}, title="t")
        summary = gettext("leads on %(leads)s of %(ranked)s, first tier on %(first)s, last on %(last)s") % {
            "leads": 1,
            "ranked": 2,
            "first": 2,
            "last": 0,
        }
    texts = [b.text for s in doc.sections if s.key == "indicators" for b in s.blocks if b.kind == "paragraph"]
    assert f"山西11市：{summary}" in texts  # the rank matrix's “leads on 6 of 8”


def test_sections_come_in_the_registry_order_and_figures_are_plain_json(city_tasks, benchmarks):
    import json

    content = compiled()
    # the assessment standing appears only when a scheme of the year is open (tests/test_reports_assessment.py)
    assert [s["type"] for s in content["sections"]] == [s.key for s in SECTION_TYPES if s.key != "assessment"]
    assert json.loads(json.dumps(content)) == content  # storable as it is


# ---- the three renderings ------------------------------------------------------------------------


@pytest.fixture
def bulletin_document(city_tasks, benchmarks):
    with translation.override("zh-hans"):
        yield document(
            compiled(),
            {
                "highlights": "十月份重点项目集中开工。",
                "problems": "个别单位报送不及时。",
                "next_steps": "紧盯红灯任务。",
            },
            title="关于2025年10月全市重点工作推进情况的通报",
            number="〔2025〕10号",
            issuer="临汾市人民政府督查室",
        )


def zh(msgid: str, context: str = "") -> str:
    """The Chinese a label is printed in (the msgid itself until the translations are compiled)."""
    with translation.override("zh-hans"):
        return translation.pgettext(context, msgid) if context else gettext(msgid)


def test_docx_is_an_official_document(bulletin_document):
    with translation.override("zh-hans"):
        data = selectors.rendered(bulletin_document, Format.DOCX)
    word = WordDocument(io.BytesIO(data))
    section_ = word.sections[0]
    assert (round(section_.page_width.mm), round(section_.page_height.mm)) == (210, 297)  # A4
    margins = (section_.top_margin, section_.bottom_margin, section_.left_margin, section_.right_margin)
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    paragraphs = [p for p in word.paragraphs if p.text.strip()]
    issuer, number, title = paragraphs[0], paragraphs[1], paragraphs[2]
    assert issuer.text == "临汾市人民政府督查室"
    assert str(issuer.runs[0].font.color.rgb) == "C00000"
    assert _east_asian(issuer.runs[0]) == "方正小标宋简体"
    assert number.text == "〔2025〕10号"
    assert 'w:color="C00000"' in number._p.xml and "<w:bottom" in number._p.xml  # the red rule beneath
    assert title.text == "关于2025年10月全市重点工作推进情况的通报"
    assert _east_asian(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size.pt == 22
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert headings[:4] == [
        f"一、{zh('Overview')}",
        f"二、{zh('Highlights')}",
        f"三、{zh('Red and yellow tasks')}",
        f"四、{zh('Units ranked by delivery')}",
    ]
    assert headings[-2:] == [f"六、{zh('Problems')}", f"七、{zh('Next steps')}"]
    first = next(p for p in word.paragraphs if p.style.name == "Heading 1")
    assert _east_asian(first.runs[0]) == "黑体"
    second = next(p for p in word.paragraphs if p.style.name == "Heading 2")
    assert second.text == "（一）" + zh("Red tasks (%(count)s)") % {"count": 2}
    assert _east_asian(second.runs[0]) == "楷体_GB2312"
    third = next(p for p in word.paragraphs if p.style.name == "Heading 3")
    assert third.text == "1. " + zh("Key tasks by status") and third.runs[0].font.bold
    body = next(p for p in word.paragraphs if p.text == "十月份重点项目集中开工。")
    assert _east_asian(body.runs[0]) == "仿宋_GB2312" and body.runs[0].font.size.pt == 16
    assert body.paragraph_format.first_line_indent.pt == 32  # two characters in
    status = next(t for t in word.tables if t.rows[0].cells[0].text == zh("Status"))
    counts = {r.cells[0].text: r.cells[1].text for r in status.rows[1:]}
    assert counts[zh("In progress")] == "4" and counts[zh("Closed")] == "2" and counts[zh("Draft")] == "1"
    assert "w:tblHeader" in status.rows[0]._tr.xml  # a real header row, repeated on each page
    cell_run = status.rows[1].cells[1].paragraphs[0].runs[0]
    assert _east_asian(cell_run) == "仿宋_GB2312"
    units = next(t for t in word.tables if len(t.columns) == 11)
    assert [units.rows[1].cells[i].text for i in (0, 1, 4, 7, 8)] == ["1", "尧都区", "33.3%", "33.3%", "17.5"]
    red = next(t for t in word.tables if len(t.columns) == 5 and t.rows[1].cells[1].text == "2025-007")
    assert [r.cells[0].text for r in red.rows[1:]] == ["尧都区", "市发改委"]
    footer = word.sections[0].footer.paragraphs[0]
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert "PAGE" in footer._p.xml and 'w:fldCharType="begin"' in footer._p.xml
    fonts = zipfile.ZipFile(io.BytesIO(data)).read("word/fontTable.xml").decode()
    assert 'w:name="方正小标宋简体"' in fonts and 'w:val="华文中宋"' in fonts


def _east_asian(run: Any) -> str:
    return run._r.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")


def test_docx_speaks_english_when_the_language_is_english(city_tasks):
    with translation.override("en"):
        doc = document(compiled(), {}, title="Bulletin, October 2025")
        word = WordDocument(io.BytesIO(selectors.rendered(doc, Format.DOCX)))
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "1. Overview"
    assert any(t.rows[0].cells[0].text == "Status" for t in word.tables)


def test_xlsx_has_a_sheet_per_table_with_numbers_and_native_charts(bulletin_document):
    with translation.override("zh-hans"):
        data = selectors.rendered(bulletin_document, Format.XLSX)
    book = openpyxl.load_workbook(io.BytesIO(data))
    names = book.sheetnames
    assert names[0] == zh("Bulletin")
    assert len(names) == 1 + len(bulletin_document.tables())
    status = book[zh("By status")]
    assert [c.value for c in status[2]] == [zh("Status"), zh("Tasks")]
    counts = {row[0].value: row[1].value for row in status.iter_rows(min_row=3)}
    assert counts[zh("In progress")] == 4 and counts[zh("Closed")] == 2
    units = book[zh("Units")]
    assert [c.value for c in units[3]][:5] == [1, "尧都区", 4, 1, pytest.approx(1 / 3)]
    assert units["E3"].number_format == "0.0%"
    assert units["H4"].value is None  # 市发改委 owed no report: no rate, an empty cell
    red = book[zh("Red")]
    assert [red.cell(row=r, column=2).value for r in (3, 4)] == ["2025-007", "2025-001"]
    assert [len(book[name]._charts) for name in (zh("By status"), zh("By colour"), zh("Units"))] == [1, 1, 1]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        kinds = "".join(archive.read(n).decode() for n in charts)
    assert len(charts) == 5  # status, colour, units, and one per league table (2 indicators × 1 group)
    assert "<c:pieChart>" in kinds and "<c:barChart>" in kinds
    cover = [c.value for c in book[zh("Bulletin")]["A"] if c.value]
    assert "临汾市人民政府督查室" in cover and "十月份重点项目集中开工。" in cover


def test_html_page_has_the_sections_tables_and_charts(bulletin_document):
    from bihuan.reports.render_html import render_file

    with translation.override("zh-hans"):
        html = render_file(bulletin_document).decode()
    assert "关于2025年10月全市重点工作推进情况的通报" in html
    assert html.count('class="bh-b-chart bh-echart"') >= 5
    assert "echarts.min.js" in html and "@media print" in html
    assert 'data-section="warnings"' in html and "2025-007" in html


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_docx_converts_to_pdf_with_libreoffice(bulletin_document, tmp_path):
    with translation.override("zh-hans"):
        (tmp_path / "bulletin.docx").write_bytes(selectors.rendered(bulletin_document, Format.DOCX))
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "bulletin.docx")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pdf = tmp_path / "bulletin.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
