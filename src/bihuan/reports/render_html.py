"""A bulletin as a web page: the body the draft and published pages show, and the same body as a standalone,
printable HTML file (inline styles, print CSS; the charts drawn by the vendored ECharts)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.templatetags.static import static

from bihuan.reports.blocks import DATE, TEXT, Chart, Document, Table, numbered, section_label, shown_rows


def chart_option(table: Table, chart: Chart) -> dict[str, Any]:
    """The ECharts option of a table's chart: the rows (the first `limit`) as bars or slices."""
    rows = table.rows[: chart.limit] if chart.limit else table.rows
    scale = 100 if chart.percent else 1
    categories = [str(r[chart.category]) for r in rows]

    def value(row: list[Any], column: int) -> float | None:
        figure = row[column]
        return None if figure is None else round(figure * scale, 1 if chart.percent else 2)

    if chart.kind == "pie":
        return {
            "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
            "legend": {"bottom": 0},
            "series": [
                {
                    "type": "pie",
                    "radius": ["35%", "65%"],
                    "label": {"formatter": "{b} {c}"},
                    "data": [
                        {"name": name, "value": value(row, chart.values[0]), "itemStyle": {"color": colour}}
                        for name, row, colour in zip(categories, rows, chart.colours, strict=False)
                    ],
                }
            ],
            "animation": False,
        }
    horizontal = chart.kind == "bar"
    series = []
    for index, column in enumerate(chart.values):
        colour = chart.colours[index] if index < len(chart.colours) else None
        data = []
        for number, row in enumerate(rows):
            item: dict[str, Any] = {"value": value(row, column)}
            if len(chart.values) == 1 and number in table.marked:
                item["itemStyle"] = {"color": "#B7322C"}
            data.append(item)
        series.append(
            {
                "type": "bar",
                "name": table.columns[column].label,
                "data": data,
                "itemStyle": {"color": colour} if colour else {},
                "label": {
                    "show": len(rows) <= 20,
                    "position": "right" if horizontal else "top",
                    **({"formatter": "{c}%"} if chart.percent else {}),
                },
            }
        )
    category_axis = {"type": "category", "data": categories, "inverse": horizontal, "axisLabel": {"interval": 0}}
    value_axis: dict[str, Any] = {"type": "value"}
    if chart.percent:
        value_axis.update({"max": 100, "axisLabel": {"formatter": "{value}%"}})
    return {
        "grid": {"left": 8, "right": 40, "top": 30 if len(series) > 1 else 10, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"show": len(series) > 1, "top": 0},
        "xAxis": value_axis if horizontal else category_axis,
        "yAxis": category_axis if horizontal else value_axis,
        "series": series,
        "animation": False,
    }


def chart_height(table: Table, chart: Chart) -> int:
    if chart.kind != "bar":
        return 260
    rows = len(table.rows[: chart.limit] if chart.limit else table.rows)
    return max(160, 40 + rows * (14 + 10 * len(chart.values)))


def body_context(document: Document) -> dict[str, Any]:
    """The template's view of the document: numbers, each table's cells as text and each chart's option."""
    sections, charts = [], []
    for number, section in enumerate(document.sections, start=1):
        blocks = []
        for item in numbered(section.blocks):
            block = item.block
            shown: dict[str, Any] = {"block": block, "label": item.label}
            if isinstance(block, Table):
                numeric = [column.kind not in (TEXT, DATE) for column in block.columns]
                shown["rows"] = [
                    (n in block.marked, list(zip(cells, numeric, strict=True)))
                    for n, cells in enumerate(shown_rows(block))
                ]
                if block.chart is not None and block.rows:
                    chart_id = f"bulletin-chart-{len(charts) + 1}"
                    charts.append((chart_id, chart_option(block, block.chart)))
                    shown.update({"chart_id": chart_id, "chart_height": chart_height(block, block.chart)})
            blocks.append(shown)
        sections.append({"section": section, "label": section_label(number), "blocks": blocks})
    return {"document": document, "sections": sections, "charts": charts}


def render_body(document: Document) -> str:
    return render_to_string("reports/_bulletin.html", body_context(document))


def render_file(document: Document) -> bytes:
    """The standalone page: everything inline but ECharts, which the app serves (offline, the tables remain)."""
    from django.conf import settings
    from django.utils import translation

    from bihuan.core.notifications import absolute_url

    context = body_context(document)
    context["echarts_url"] = absolute_url(static("vendor/echarts/echarts.min.js"))
    context["language"] = translation.get_language() or settings.LANGUAGE_CODE
    return render_to_string("reports/bulletin_file.html", context).encode()
