"""The summary report as a Word document laid out as Nghị định 30/2020/NĐ-CP (Phụ lục I) asks.

Same context as the Markdown report (report.report_context), so both say the same thing.
Layout: A4 portrait; margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman; body
14 pt, justified, first-line indent 1.27 cm, 6 pt after, line spacing 1.15; the two-column header
without borders; page numbers centred in the top margin from page 2 on.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docx.document import Document
    from docx.section import Section
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    from htsd_cli.checks.yearover import ReportYear

    Container = Document | _Cell  # what paragraphs are added to

from htsd_cli.base.textnorm import xml_escape, xml_safe
from htsd_cli.base.textwidth import fit_lines, width_mm
from htsd_cli.render.document import LetterContext, ReportContext, TextPart
from htsd_cli.render.document import Row as ReportRow
from htsd_cli.render.document import Section as ReportSection
from htsd_cli.writing.package import FIXED_TIME, FONT_NAME, normalise_package

BODY_PT = 14
HEADER_PT = 12
TABLE_PT = 13
PAST_TABLE_PT = 11  # the results table beside last year (two more columns on A4 portrait)
LIST_STYLE = "htsd list"


def _document() -> Document:
    """An A4 document with the margins, fonts and page numbers of Nghị định 30."""
    from docx import Document as new_document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Twips

    doc = new_document()
    _base_styles(doc)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    # Word stores margins in twips: round up so that 20/30/15 mm are not printed as 19.99 mm.
    section.top_margin = section.bottom_margin = Twips(1134)  # 20 mm
    section.left_margin, section.right_margin = Twips(1701), Twips(851)  # 30 mm, 15 mm
    section.header_distance = Mm(10)
    _page_numbers(section)
    return doc


def _finish(doc: Document, title: str) -> bytes:
    props = doc.core_properties
    props.author = "htsd"
    props.last_modified_by = "htsd"
    props.title = title
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalise_package(buffer.getvalue())


def render_letter(ctx: LetterContext) -> bytes:
    """A reminder letter (công văn đôn đốc): the header with the subject under the number, the
    addressees, the body, the units that must act, the signature."""
    doc = _document()
    _header_block(doc, ctx, ctx.subject_under_number)
    _para(doc, "", after=6)
    _para(doc, f"Kính gửi: {ctx.addressee}", align="center", indent=False, after=12)
    # the list in the body's size and indent; a line holding an e-mail address is not justified
    # (an address cannot break, and justifying leaves long gaps around it)
    for paragraph in (*ctx.body, *(f"- {line}" for line in ctx.units), ctx.closing):
        _para(doc, paragraph, align="left" if "@" in paragraph else "justify")
    _signature_block(doc, ctx)
    return _finish(doc, ctx.subject)


def render_docx(context: ReportContext) -> bytes:
    doc = _document()
    _header_block(doc, context)
    _title(doc, context)
    for part in context.texts_before:
        _text_part(doc, part)
    _heading(doc, context.table_part_heading)
    _heading(doc, context.table_heading)
    _results_table(doc, context)
    if context.last_year is not None:
        _last_year_notes(doc, context.last_year)
    for part in context.texts_after:
        _text_part(doc, part)
    _signature_block(doc, context)
    _annexes(doc, context)
    return _finish(doc, context.title)


def _base_styles(doc: Document) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    normal = doc.styles["Normal"]
    normal.font.name = FONT_NAME
    normal.font.size = Pt(BODY_PT)
    rfonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), FONT_NAME)
    fmt = normal.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.first_line_indent = Cm(1.27)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(6)
    fmt.line_spacing = 1.15
    # Long annex lists are written through a style: formatting each run costs too much on
    # a province's 2,000 units.
    items = doc.styles.add_style(LIST_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    items.base_style = normal
    items.font.size = Pt(13)
    items.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    items.paragraph_format.first_line_indent = Cm(0)
    items.paragraph_format.space_after = Pt(0)


def _para(
    container: Container,
    text: str = "",
    *,
    size: float = BODY_PT,
    bold: bool = False,
    italic: bool = False,
    align: str = "justify",
    indent: bool = True,
    after: float = 6,
) -> Paragraph:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    p = container.add_paragraph()
    p.alignment = {
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
    }[align]
    p.paragraph_format.first_line_indent = Cm(1.27) if indent else Cm(0)
    p.paragraph_format.space_after = Pt(after)
    p.paragraph_format.space_before = Pt(0)
    if text:
        run = p.add_run(text)
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.italic = italic
        run.font.name = FONT_NAME
    return p


def _rule(container: Container, length_mm: float, room_mm: float) -> None:
    """A short horizontal rule of `length_mm`, centred in `room_mm`: an empty paragraph with a
    top border, narrowed by indents."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    p = _para(container, align="center", indent=False, after=2)
    side = max(0.0, (room_mm - length_mm) / 2)
    p.paragraph_format.left_indent = Mm(side)
    p.paragraph_format.right_indent = Mm(side)
    p.paragraph_format.line_spacing = Pt(2)
    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(key), value)
    borders.append(top)
    ppr.append(borders)


def _borderless(table: Table, margin_mm: float | None = None) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)
    if margin_mm is not None:
        margins = OxmlElement("w:tblCellMar")
        for edge in ("left", "right"):
            el = OxmlElement(f"w:{edge}")
            el.set(qn("w:w"), str(round(margin_mm * TWIPS_PER_MM)))
            el.set(qn("w:type"), "dxa")
            margins.append(el)
        tbl_pr.append(margins)


def _two_columns(
    doc: Document, left_mm: float, right_mm: float, margin_mm: float | None = None
) -> tuple[_Cell, _Cell]:
    from docx.shared import Mm

    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    _borderless(table, margin_mm)
    left, right = table.rows[0].cells
    for cell, width in ((left, left_mm), (right, right_mm)):
        cell.width = Mm(width)
    for column, width in zip(table.columns, (left_mm, right_mm), strict=True):
        column.width = Mm(width)
    for cell in (left, right):  # a new cell starts with one empty paragraph: reuse nothing
        cell._tc.remove(cell.paragraphs[0]._p)
    return left, right


TEXT_MM = 165.0  # A4 less the 30 mm and 15 mm margins
TWIPS_PER_MM = 1440 / 25.4
CELL_MARGIN_MM = 1.0
NATIONAL = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
NATIONAL_PT, MOTTO_PT, DATE_PT, NUMBER_PT = 12, 13, 14, 13


def header_widths(date_text: str) -> tuple[float, float]:
    """Left and right columns of the header (mm): the right one just holds the national title,
    the motto and the date line on one line each; the issuing body has the rest."""
    right = max(
        width_mm(NATIONAL, NATIONAL_PT, "bold"),
        width_mm(MOTTO, MOTTO_PT, "bold"),
        width_mm(date_text, DATE_PT, "italic"),
    )
    right = min(right + 2 * CELL_MARGIN_MM + 2, TEXT_MM - 60)
    return TEXT_MM - right, right


def _lines(container: Container, lines: list[str], size: float, bold: bool = False) -> None:
    for line in lines:
        _para(container, line, size=size, bold=bold, align="center", indent=False, after=0)


def _header_block(doc: Document, ctx: ReportContext | LetterContext, subject: str = "") -> None:
    """Nghị định 30, Phụ lục I: the issuing body (its governing body above it, when it has one)
    and the number on the left; the national title, the motto and place and date on the right.
    Each line fits its column; a long name breaks between words, a committee before its place."""
    left_mm, right_mm = header_widths(ctx.date_line)
    left, right = _two_columns(doc, left_mm, right_mm, CELL_MARGIN_MM)
    room = left_mm - 2 * CELL_MARGIN_MM - 1
    if ctx.governing_body:
        _lines(left, fit_lines(ctx.governing_body, HEADER_PT, "regular", room), HEADER_PT)
    office: list[str] = []
    for part in ctx.office_lines:
        office += fit_lines(part, HEADER_PT, "bold", room)
    _lines(left, office, HEADER_PT, bold=True)
    widest = max(width_mm(line, HEADER_PT, "bold") for line in office)
    _rule(left, widest * 0.4, left_mm - 2 * CELL_MARGIN_MM)  # 1/3 to 1/2 of the name
    _para(left, ctx.number_line, size=NUMBER_PT, align="center", indent=False, after=0)
    if subject:  # a letter's subject: "V/v …" under its number
        for line in fit_lines(subject, 12, "regular", room):
            _para(left, line, size=12, align="center", indent=False, after=0)
    right_room = right_mm - 2 * CELL_MARGIN_MM
    _para(right, NATIONAL, size=NATIONAL_PT, bold=True, align="center", indent=False, after=0)
    _para(right, MOTTO, size=MOTTO_PT, bold=True, align="center", indent=False, after=0)
    _rule(right, width_mm(MOTTO, MOTTO_PT, "bold"), right_room)  # as long as the motto
    _para(right, ctx.date_line, size=DATE_PT, italic=True, align="center", indent=False, after=0)


def _title(doc: Document, ctx: ReportContext) -> None:
    """The document type, the subject in even lines (no word left alone), a short rule below."""
    _para(doc, "", indent=False, after=6)
    _keep_with_next(_para(doc, "BÁO CÁO", bold=True, align="center", indent=False, after=0))
    lines = fit_lines(ctx.summary_line, BODY_PT, "bold", TEXT_MM - 10)
    for line in lines:
        _keep_with_next(_para(doc, line, bold=True, align="center", indent=False, after=0))
    widest = max(width_mm(line, BODY_PT, "bold") for line in lines)
    _rule(doc, widest / 3, TEXT_MM)
    _para(doc, "", indent=False, after=6)


def _keep_with_next(p: Paragraph) -> Paragraph:
    p.paragraph_format.keep_with_next = True
    return p


def _heading(doc: Document, text: str) -> None:
    """A heading never stands alone at the foot of a page, nor leaves one word on its last line
    (its last two words are joined by a no-break space)."""
    head, _, last = text.rpartition(" ")
    joined = f"{head}\u00a0{last}" if head else text
    # left-aligned: a heading is never stretched across the line
    _keep_with_next(_para(doc, joined, bold=True, align="left", indent=True, after=6))


def _text_part(doc: Document, part: TextPart) -> None:
    _heading(doc, part.heading)
    text = part.text
    if not text:  # nothing unfinished is signed by mistake: the gap shows in yellow
        from docx.enum.text import WD_COLOR_INDEX

        p = _para(doc, part.unfinished, bold=True)
        p.runs[0].font.highlight_color = WD_COLOR_INDEX.YELLOW
        p.add_run(part.placeholder).italic = True
        return
    for block in text.split("\n\n"):
        if block.strip():
            _para(doc, " ".join(line.strip() for line in block.splitlines()))


def _cell_text(
    cell: _Cell, text: str, *, bold: bool = False, align: str = "left", size: float = TABLE_PT
) -> None:
    cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
    _para(cell, text, size=size, bold=bold, align=align, indent=False, after=0)


def _results_table(doc: Document, ctx: ReportContext) -> None:
    """The table of figures: the value column as wide as the widest figure with its unit, the
    note column only when some row has a note, rows never split across pages, the header row
    repeated on every page."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.shared import Mm, Pt

    past = ctx.last_year
    # beside last year two more columns: the table in a smaller size, so the labels keep room
    size = PAST_TABLE_PT if past else TABLE_PT
    values = [r.value for s in ctx.sections for r in s.rows]
    values += [s.value for s in ctx.sections if s.value]
    # "Kết quả, Số lượng" breaks after its comma when the figures are narrower than the title
    titles = [t.replace(", ", ",\n") for t in ctx.columns]
    title_width = max(width_mm(part, size, "bold") for part in titles[2].split("\n"))
    value_mm = max([width_mm(v, size) for v in values] + [title_width]) + (6 if past else 4)
    all_notes = [r.note for s in ctx.sections for r in s.rows]
    all_notes += [s.note for s in ctx.sections]
    notes = any(all_notes)
    note_mm = max([width_mm(n, 11) for n in all_notes if n] + [20.0]) + 4 if notes else 0.0
    note_mm = min(note_mm, 30.0 if past else 40.0)
    past_mm = last_year_widths(ctx, past, size) if past else []
    label_mm = TEXT_MM - 12 - value_mm - note_mm - sum(past_mm)
    widths = [12.0, label_mm, value_mm, *past_mm] + ([note_mm] if notes else [])
    columns = titles[:3] + [t.replace(", ", ",\n") for t in past.columns] if past else titles[:3]
    columns += titles[3:] if notes else []
    rows = sum(1 + len(s.rows) for s in ctx.sections)
    table = doc.add_table(rows=1 + rows, cols=len(widths))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)
    header = table.rows[0]
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for cell, title in zip(header.cells, columns, strict=True):
        _cell_text(cell, "", bold=True, align="center")
        run = cell.paragraphs[0].add_run()
        for n, part in enumerate(title.split("\n")):
            if n:
                run.add_break()
            run.add_text(part)
        run.bold = True
        run.font.size = Pt(size)

    def fill(
        cells: Sequence[_Cell], first: str, label: str, line: ReportRow | ReportSection, bold: bool
    ) -> None:
        _cell_text(cells[0], first, bold=bold, align="center", size=size)
        _cell_text(cells[1], label, bold=bold, size=size)
        value = line.value.replace(" ", "\u00a0")  # never wraps
        _cell_text(cells[2], value, align="right", size=size)
        at = 3
        if past:
            for text in (past.last(line), past.change(line)):
                _cell_text(cells[at], text.replace(" ", "\u00a0"), align="right", size=size)
                at += 1
        if notes:
            _cell_text(cells[at], line.note, size=11)

    r = 1
    for section in ctx.sections:
        fill(table.rows[r].cells, str(section.number), section.heading, section, True)
        r += 1
        for row in section.rows:
            prefix = "    - " if row.level == 2 else "- "
            fill(table.rows[r].cells, "", prefix + row.label, row, False)
            r += 1
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)
    _para(doc, "", after=0)


def last_year_widths(ctx: ReportContext, past: ReportYear, size: float) -> list[float]:
    """The widths (mm) of 'Năm trước' and 'Tăng, giảm': each as wide as its widest entry or
    the longest word of its title."""
    lines: list[ReportRow | ReportSection] = [
        *ctx.sections,
        *(r for s in ctx.sections for r in s.rows),
    ]
    out = []
    for title, texts in zip(
        past.columns, ([past.last(x) for x in lines], [past.change(x) for x in lines]), strict=True
    ):
        heading = max(width_mm(part, size, "bold") for part in title.split(", "))
        out.append(max([width_mm(t, size) for t in texts] + [heading]) + 6)
    return out


def _last_year_notes(doc: Document, past: ReportYear) -> None:
    """Under the table: what the last-year columns are, and what could not be compared."""
    form = f", biểu mẫu {past.form}" if past.form else ""
    units = f", {past.units} đơn vị" if past.units else ""
    _para(
        doc,
        f"{past.columns[0]}: số liệu {past.name} (tệp {past.file}{units}{form}); "
        f"{past.columns[1]}: so với {past.name}.",
        size=11,
    )
    if past.notes:
        _keep_with_next(_para(doc, f"So với {past.name}, những điều cần biết:", bold=True))
        _list(doc, [(f"- {note}", False) for note in past.notes])


def _signature_block(doc: Document, ctx: ReportContext | LetterContext) -> None:
    left, right = _two_columns(doc, 80, 85)
    _para(left, "Nơi nhận:", size=12, bold=True, italic=True, align="left", indent=False, after=0)
    for recipient in ctx.recipients:
        _para(left, f"- {recipient}", size=11, align="left", indent=False, after=0)
    signer = ctx.signer
    # TM., KT. lines and the title, room for the signature and the seal, then the name
    for line in (*signer.lines, "", "", "", "", signer.name):
        _para(right, line, size=BODY_PT, bold=True, align="center", indent=False, after=0)


def _annex_heading(doc: Document, number: str, title: str, ref: str) -> None:
    """Nghị định 30: 'Phụ lục I', its title in capitals, what document it goes with."""
    from docx.enum.text import WD_BREAK

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    for text, bold, italic in ((f"Phụ lục {number}", True, False), (title, True, False)):
        _keep_with_next(
            _para(doc, text, bold=bold, italic=italic, align="center", indent=False, after=0)
        )
    for n, line in enumerate(lines := fit_lines(ref, BODY_PT, "italic", TEXT_MM - 4)):
        after = 12 if n == len(lines) - 1 else 0
        _keep_with_next(_para(doc, line, italic=True, align="center", indent=False, after=after))


def _annexes(doc: Document, ctx: ReportContext) -> None:
    c = ctx.counts
    _annex_heading(doc, "I", "TÌNH HÌNH NỘP BÁO CÁO CỦA CÁC ĐƠN VỊ", ctx.annex_ref)
    _para(doc, f"Hạn nộp: {ctx.deadline}; {ctx.received_source}.")
    held = f" cần xác nhận {c['held']};" if c.get("held") else ""
    _para(
        doc,
        f"Đã nhận {c['received']}/{c['expected']} đơn vị; hợp lệ {c['valid']};{held} không hợp "
        f"lệ {c['invalid']}; chưa nộp {c['missing']}; nộp muộn {c['late']}.",
    )
    groups = (
        ("Đơn vị chưa nộp", [f"{u.code} – {u.name}" for u in ctx.missing]),
        (
            "Báo cáo không hợp lệ, chưa tính vào tổng",
            [f"{u.code} – {u.name}: {'; '.join(u.reasons)}" for u in ctx.invalid],
        ),
        (
            "Cần xác nhận, chưa tính vào tổng cho đến khi cán bộ tổng hợp quyết định",
            [f"{u.code} – {u.name}: {'; '.join(u.reasons)}" for u in ctx.held],
        ),
        (
            "Nộp muộn",
            [f"{u.code} – {u.name} (nhận ngày {u.received})" for u in ctx.late],
        ),
        (
            "Số liệu ghi ở dòng không dành cho đơn vị, không tính vào tổng",
            [f"{i['code']} – {i['name']}: {i['label']} {i['value']}" for i in ctx.ignored],
        ),
        ("Báo cáo không được tính", [f"{e['who']}: {e['reason']}" for e in ctx.excluded]),
        (
            "Quyết định của cán bộ tổng hợp (sổ quyết định)",
            [str(d["text"]) for d in ctx.decisions],
        ),
    )
    for title, items in groups:
        if items:
            _keep_with_next(_para(doc, f"{title} ({len(items)}):", bold=True))
            _list(doc, [(f"- {item}", False) for item in items])
    _annex_heading(doc, "II", "Ý KIẾN, GHI CHÚ CỦA CÁC ĐƠN VỊ", ctx.annex_ref)
    if not ctx.annex:
        _para(doc, "Không đơn vị nào ghi thêm ý kiến.")
    lines: list[tuple[str, bool]] = []
    for group in ctx.annex:
        lines.append((group.heading, True))
        for item in group.items:
            units = item.units
            who = (
                f" ({len(units)} đơn vị: {', '.join(units)})"
                if len(units) > 1
                else (f" ({units[0]})" if units else "")
            )
            lines.append((f"- {item.text}{who}", False))
    _list(doc, lines)


def _list(doc: Document, lines: list[tuple[str, bool]]) -> None:
    """Append many list paragraphs at once.

    python-docx inserts each new paragraph by scanning the body, which is quadratic for a
    province's 2,000 units; building the elements and placing them before the section
    properties is linear.
    """
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    style_id = doc.styles[LIST_STYLE].style_id
    body = doc.element.body
    anchor = body.sectPr
    for text, bold in lines:
        run_pr = "<w:rPr><w:b/></w:rPr>" if bold else ""
        p = parse_xml(
            f'<w:p {nsdecls("w")}><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>'
            f'<w:r>{run_pr}<w:t xml:space="preserve">{xml_escape(xml_safe(text))}</w:t></w:r></w:p>'
        )
        if anchor is not None:
            anchor.addprevious(p)
        else:
            body.append(p)


def _page_numbers(section: Section) -> None:
    """Page numbers centred in the top margin, from page 2 on (none on the first page)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    section.different_first_page_header_footer = True
    header = section.header
    header.is_linked_to_previous = False
    p = header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)
    run = p.add_run()
    run.font.name = FONT_NAME
    run.font.size = Pt(BODY_PT)
    for kind, text in (
        ("begin", None),
        (None, " PAGE "),
        ("separate", None),
        (None, "2"),
        ("end", None),
    ):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)
    section.first_page_header.is_linked_to_previous = False
