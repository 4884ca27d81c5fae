"""A bulletin as a Word document laid out in the manner of GB/T 9704 (党政机关公文格式):

- A4, margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right;
- the issuing authority in red (小标宋), the document number (发文字号) under it, a red rule beneath;
- the title in 小标宋 二号 (22 pt), centred; the body in 仿宋 三号 (16 pt) on a 28 pt line;
- headings 一、 in 黑体, （一） in 楷体, 1. in 仿宋 bold;
- tables as real Word tables with a header row repeated on each page;
- the page number in the footer as “— 1 —”, from a PAGE field;
- the authority and the date at the end, right-aligned.

Fonts are named as Chinese government offices install them, with the usual substitutes as the font table's
alternative names (方正小标宋简体 → 华文中宋, 仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体), and Times New Roman for
Latin letters and digits. Large tables are written as XML in one go: python-docx's row-by-row API takes
seconds for a few thousand rows.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from docx import Document as new_document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor

from bihuan.reports.blocks import Document, Heading, Paragraph, Table, numbered, section_label, shown_rows

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEI_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
LATIN_FONT = "Times New Roman"
PAGE_NUMBER_FONT = "宋体"
#: Substitutes a machine without the first font uses (the font table's w:altName)
ALTERNATIVES = {
    TITLE_FONT: "华文中宋",
    BODY_FONT: "仿宋",
    KAI_FONT: "楷体",
    HEI_FONT: "SimHei",
    PAGE_NUMBER_FONT: "SimSun",
}
RED = RGBColor(0xC0, 0x00, 0x00)
BLACK = RGBColor(0, 0, 0)
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
LINE = Pt(28)
TEXT_WIDTH_MM = 210 - 28 - 26
TWIPS_PER_MM = 56.7


def render_docx(document: Document) -> bytes:
    word = new_document()
    _page_setup(word)
    _styles(word)
    _font_table(word)
    word.core_properties.title = document.title
    word.core_properties.author = document.issuer or "bihuan"
    if document.draft:
        _line(word, _("Draft — not published"), BODY_FONT, Pt(14), colour=RED, align=WD_ALIGN_PARAGRAPH.CENTER)
    _masthead(word, document)
    _line(word, document.title, TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=LINE)
    scope = _("%(scope)s · %(period)s · figures as of %(as_of)s") % {
        "scope": document.scope,
        "period": document.period,
        "as_of": document.as_of,
    }
    _line(word, scope, KAI_FONT, Pt(14), align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(12))
    for number, section in enumerate(document.sections, start=1):
        _heading(word, f"{section_label(number)}{section.title}", 1, HEI_FONT)
        for item in numbered(section.blocks):
            block = item.block
            if isinstance(block, Paragraph):
                _body(word, block.text)
            elif isinstance(block, Heading):
                _heading(word, f"{item.label}{block.text}", 2, KAI_FONT)
            elif isinstance(block, Table):
                if block.caption:
                    _heading(word, f"{item.label}{block.caption}", 3, BODY_FONT, bold=True)
                if block.rows:
                    _table(word, block)
                    if block.note:
                        _line(word, block.note, BODY_FONT, Pt(12))
                else:
                    _body(word, block.empty)
    _signature(word, document)
    _footer(word)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


# ---- page, styles, fonts -------------------------------------------------------------------------


def _page_setup(word: Any) -> None:
    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(24)


def set_fonts(target: Any, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Latin letters in `latin`, Chinese in `east_asian` (w:rFonts w:eastAsia), on a run or a style."""
    target.font.name = latin
    properties = target.element.get_or_add_rPr() if hasattr(target, "element") else target._element.get_or_add_rPr()
    fonts = properties.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _styles(word: Any) -> None:
    normal = word.styles["Normal"]
    set_fonts(normal, BODY_FONT)
    normal.font.size = BODY_SIZE
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = LINE
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
    for level, font in ((1, HEI_FONT), (2, KAI_FONT), (3, BODY_FONT)):
        style = word.styles[f"Heading {level}"]
        set_fonts(style, font)
        style.font.size, style.font.color.rgb = BODY_SIZE, BLACK
        style.font.bold = level == 3
        style.font.italic = False
        fmt = style.paragraph_format
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE
        fmt.space_before, fmt.space_after = Pt(0), Pt(0)
        fmt.first_line_indent = Pt(32)  # headings start two characters in, like the body
        fmt.keep_with_next = True


def _font_table(word: Any) -> None:
    """Declare the Chinese fonts with their substitutes, so Word and WPS pick 华文中宋 where 方正小标宋 is
    missing (and so on)."""
    fonts_part = next((rel.target_part for rel in word.part.rels.values() if rel.reltype.endswith("/fontTable")), None)
    if fonts_part is None:
        return
    table = parse_xml(fonts_part.blob)
    for name, alternative in ALTERNATIVES.items():
        table.append(
            parse_xml(
                f'<w:font {nsdecls("w")} w:name="{escape(name)}"><w:altName w:val="{escape(alternative)}"/>'
                '<w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
            )
        )
    from lxml import etree

    fonts_part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


# ---- paragraphs ----------------------------------------------------------------------------------


def _line(
    word: Any,
    text: str,
    font: str,
    size: Any,
    *,
    colour: RGBColor | None = None,
    align: Any = None,
    bold: bool = False,
    space_after: Any = None,
) -> Any:
    paragraph = word.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.AT_LEAST
    fmt.line_spacing = LINE if size <= BODY_SIZE else size
    if space_after is not None:
        fmt.space_after = space_after
    run = paragraph.add_run(text)
    set_fonts(run, font)
    run.font.size, run.font.bold = size, bold
    if colour is not None:
        run.font.color.rgb = colour
    return paragraph


def _masthead(word: Any, document: Document) -> None:
    """版头: the authority in red, the document number, and the red rule under them."""
    if document.issuer:
        issuer = _line(
            word, document.issuer, TITLE_FONT, Pt(30), colour=RED, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(14)
        )
        issuer.runs[0].font.spacing = Pt(2)
    number = _line(word, document.number or " ", BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
    number.paragraph_format.space_after = LINE
    borders = parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="18" w:space="11" w:color="C00000"/></w:pBdr>'
    )
    number._p.get_or_add_pPr().append(borders)


def _body(word: Any, text: str) -> None:
    paragraph = word.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    run = paragraph.add_run(text)
    set_fonts(run, BODY_FONT)
    run.font.size = BODY_SIZE


def _heading(word: Any, text: str, level: int, font: str, bold: bool = False) -> None:
    paragraph = word.add_paragraph(style=f"Heading {level}")
    run = paragraph.add_run(text)
    set_fonts(run, font)
    run.font.size, run.font.bold, run.font.color.rgb = BODY_SIZE, bold, BLACK


def _signature(word: Any, document: Document) -> None:
    """The authority and the day, right-aligned, after a blank line (发文机关署名、成文日期)."""
    word.add_paragraph()
    day = document.published or document.as_of
    for text in (document.issuer, day):
        if text:
            paragraph = _line(word, text, BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.RIGHT)
            paragraph.paragraph_format.right_indent = Pt(64)  # 右空四字


def _footer(word: Any) -> None:
    """“— 1 —”: the page number from a PAGE field between two dashes, 宋体 四号 (14 pt)."""
    paragraph = word.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    props = (
        f'<w:rPr><w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" w:eastAsia="{PAGE_NUMBER_FONT}"/>'
        '<w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr>'
    )

    def run(inner: str) -> Any:
        return parse_xml(f"<w:r {nsdecls('w')}>{props}{inner}</w:r>")

    for element in (
        run('<w:t xml:space="preserve">— </w:t>'),
        run('<w:fldChar w:fldCharType="begin"/>'),
        run('<w:instrText xml:space="preserve"> PAGE </w:instrText>'),
        run('<w:fldChar w:fldCharType="separate"/>'),
        run("<w:t>1</w:t>"),
        run('<w:fldChar w:fldCharType="end"/>'),
        run('<w:t xml:space="preserve"> —</w:t>'),
    ):
        paragraph._p.append(element)


# ---- tables --------------------------------------------------------------------------------------

CELL_SIZE = {True: 21, False: 24}  # half-points: 10.5 pt (五号) for wide tables, 12 pt (小四) otherwise


def _run_xml(text: str, size: int, bold: bool) -> str:
    return (
        f'<w:r><w:rPr><w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" w:eastAsia="{BODY_FONT}" '
        f'w:cs="{LATIN_FONT}"/>{"<w:b/>" if bold else ""}<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>'
        f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
    )


def _cell_xml(text: str, width: int, size: int, *, bold: bool = False, align: str = "left", shade: str = "") -> str:
    fill = f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>' if shade else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{fill}<w:vAlign w:val="center"/></w:tcPr>'
        f'<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="300" w:lineRule="auto"/>'
        f'<w:ind w:firstLine="0"/><w:jc w:val="{align}"/></w:pPr>{_run_xml(text, size, bold)}</w:p></w:tc>'
    )


def _display_width(text: str) -> int:
    """Columns a text takes: a Chinese character two, anything else one."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _widths(table: Table, shown: list[list[str]], total: int, size: int, sample: int = 300) -> list[int]:
    """Column widths in twips: each short column (numbers, dates, codes, names) as wide as its longest cell
    needs, so a figure never breaks; the long texts (titles, reasons) share what is left. A header may wrap
    onto two lines."""
    unit = size / 2 * 20 * 0.55  # twips per half-width character at this size (half an em, and a little)
    padding = 2 * 57 + 40
    needs, flexible = [], []
    for index, column in enumerate(table.columns):
        longest = max((_display_width(row[index]) for row in shown[:sample]), default=0)
        label = _display_width(column.label)
        header = label if label <= 10 else (label + 1) // 2  # a short header on one line, a long one on two
        needs.append(max(longest, header, 3) * unit + padding)
        flexible.append(column.kind == "text" and longest > 16)
    fixed = sum(n for n, f in zip(needs, flexible, strict=True) if not f)
    wanted = sum(n for n, f in zip(needs, flexible, strict=True) if f)
    if not any(flexible) or fixed >= total:
        scale = total / sum(needs)
        return [round(n * scale) for n in needs]
    share = (total - fixed) / wanted  # the long texts shrink (or grow) to fill the line
    return [round(n * share) if f else round(n) for n, f in zip(needs, flexible, strict=True)]


def _table(word: Any, table: Table) -> None:
    """A Word table with a header row (repeated on every page) and fixed column widths in proportion."""
    total = round(TEXT_WIDTH_MM * TWIPS_PER_MM)
    shown = shown_rows(table)
    size = CELL_SIZE[len(table.columns) > 5]
    widths = _widths(table, shown, total, size)
    numeric = [c.kind not in ("text", "date") for c in table.columns]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    header = "".join(
        _cell_xml(c.label, w, size, bold=True, align="center", shade="E7ECF3")
        for c, w in zip(table.columns, widths, strict=True)
    )
    rows = [
        f"<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>{header}</w:tr>",
    ]
    for number, cells in enumerate(shown):
        marked = number in table.marked
        rows.append(
            "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
            + "".join(
                _cell_xml(
                    text,
                    w,
                    size,
                    bold=marked,
                    align="right" if is_number else "left",
                    shade="FBEAEA" if marked else "",
                )
                for text, w, is_number in zip(cells, widths, numeric, strict=True)
            )
            + "</w:tr>"
        )
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    xml = (
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{total}" w:type="dxa"/>'
        f'<w:jc w:val="center"/><w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
        f'<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
        f'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{"".join(rows)}</w:tbl>'
    )
    body = word.element.body
    body.insert(len(body) - 1, parse_xml(xml))  # before the section properties, which end the body
    spacer = word.add_paragraph()  # Word needs a paragraph between two tables; it also gives air
    spacer.paragraph_format.line_spacing = Pt(8)
