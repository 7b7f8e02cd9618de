"""tong-hop.xlsx: the totals in the very layout of the form (so the level above can aggregate it
with the same command), the unit × indicator table, completeness, findings and charts."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

from htsd_cli.base.findings import ReadingKind, Report
from htsd_cli.campaign.config import Config
from htsd_cli.campaign.form import Aggregation, Indicator, Kind
from htsd_cli.campaign.layout import FORM_SHEET, ID_SHEET, SUMMARY_MARK, compute_layout
from htsd_cli.render.document import date_line
from htsd_cli.render.formsheet import (
    SheetHeader,
    identity_rows,
    render_form_sheet,
    stamp_line,
    write_identity,
)
from htsd_cli.totals.aggregate import Aggregate, note_for
from htsd_cli.totals.status import STATE_LABELS
from htsd_cli.writing.cellsafe import Written, put
from htsd_cli.writing.package import FONT_NAME, normalise_package
from htsd_cli.writing.xlstyle import first_sheet, new_workbook
from htsd_cli.writing.xlsxfast import column_styles, rows_xml, wrap_style

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl.styles import Font
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

UNITS_SHEET = "Đơn vị x chỉ tiêu"
TYPE_SHEET = "Theo loại đơn vị"
GROUP_SHEET = "Theo nhóm"
STATUS_SHEET = "Tình hình nộp"
FINDINGS_SHEET = "Lỗi và lưu ý"
DECISIONS_SHEET = "Quyết định"
CHART_SHEET = "Biểu đồ"
CHART_ROWS = 30  # rows a chart of 13 cm takes: the second chart starts below them


def _number(value: float | None) -> int | float | None:
    if value is None or value != value:  # None or NaN
        return None
    return int(value) if float(value).is_integer() else float(value)


def build_summary_workbook(
    agg: Aggregate,
    config: Config,
    report: Report,
    narrative: dict[str, str],
    out: BinaryIO | None = None,
) -> bytes:
    """The office's summary workbook (tong-hop.xlsx): written into `out` as it is made when
    given (b"" returned: a country's is never whole in memory), else returned."""
    from openpyxl.styles import Font

    form = agg.form
    wb = new_workbook()
    ws = first_sheet(wb)
    ws.title = FORM_SHEET
    lay = compute_layout(form)
    values: dict[str, str | float | None] = {
        i.id: _number(agg.total(i.id)) for i in form.indicators if i.aggregate != Aggregation.NONE
    }
    for ind in form.indicators:
        if ind.aggregate != Aggregation.NONE:
            values[ind.note_id] = note_for(agg, ind.id) or None
    values.update(narrative)
    header = SheetHeader(
        left_top=config.office.name.upper(),
        report_number=f"Số:      /{form.report_code}-{config.office.short_name}",
        date_line=date_line(config.office.place, form.year, config.report_date),
        stamp=f"{stamp_line(form, config.office.unit_code)} {SUMMARY_MARK}",
        signer_lines=config.signer.lines,
        signer_name=config.signer.name,
        recipients=config.recipients,
    )
    render_form_sheet(ws, form, lay, header, inputs=False, values=values)
    if config.office.governing_body:  # as the Word report heads it
        put(ws["A1"], f"{config.office.governing_body.upper()}\n{config.office.name.upper()}")
        ws.row_dimensions[1].height = 34
    unit = {
        "code": config.office.unit_code,
        "name": config.office.name,
        "type": "",
        "group": config.office.place,
    }
    extra: list[tuple[str | int, ...]] = [("kind", ReadingKind.SUMMARY)]
    extra += [
        ("reported", ind.id, agg.reported(ind.id))
        for ind in form.indicators
        if ind.aggregate != Aggregation.NONE
    ]
    extra += [
        ("expected", ind.id, agg.expected(ind.id))
        for ind in form.indicators
        if ind.aggregate != Aggregation.NONE
    ]
    write_identity(wb, form, lay, identity_rows(form, config, unit), extra=extra)
    # the units covered come last (after the cell map), as many as the office has, written fast
    covers = (["covers", code] for code in agg.covered_units())
    fast_rows = {
        ID_SHEET: rows_xml(covers, wb[ID_SHEET].max_row + 1, column_styles(wb)),
    }

    bold = Font(name=FONT_NAME, bold=True)
    fast = {**fast_rows, UNITS_SHEET: _units_sheet(wb, agg, bold)}
    _breakdown_sheet(wb, TYPE_SHEET, agg.by_type, agg, bold)
    _breakdown_sheet(wb, GROUP_SHEET, agg.by_group, agg, bold)
    fast[STATUS_SHEET] = _status_sheet(wb, agg, bold)
    fast[FINDINGS_SHEET] = _findings_sheet(wb, report, bold)
    if agg.status.decisions:
        fast[DECISIONS_SHEET] = _decisions_sheet(wb, agg, bold)
    _charts(wb, agg, bold)
    if agg.last_year is not None:
        from htsd_cli.render.yearbook import add_last_year_sheets

        add_last_year_sheets(wb, agg.last_year, bold)
    buffer = io.BytesIO()
    wb.save(buffer)
    return normalise_package(buffer.getvalue(), fast, out)


def _header(ws: Worksheet, titles: list[str], bold: Font) -> None:
    from openpyxl.styles import Alignment

    for c, title in enumerate(titles, start=1):
        cell = put(ws.cell(row=1, column=c), title)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    ws.freeze_panes = "A2"


def print_setup(
    ws: Worksheet,
    *,
    landscape: bool,
    title_rows: str = "1:1",
    pages_wide: int = 1,
    title_cols: str = "",
) -> None:
    """A4, `pages_wide` pages across (as many down as needed), the heading rows (and columns)
    repeated on every page, gridlines printed, centred."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = pages_wide
    ws.page_setup.fitToHeight = 0
    fit = ws.sheet_properties.pageSetUpPr
    assert fit is not None  # openpyxl gives every sheet's properties one
    fit.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    if title_cols:
        ws.print_title_cols = title_cols
    ws.print_options.gridLines = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6


def _units_sheet(wb: Workbook, agg: Aggregate, bold: Font) -> Iterator[bytes]:
    ws: Worksheet = wb.create_sheet(UNITS_SHEET)
    inds = [i for i in agg.form.indicators if i.aggregate != Aggregation.NONE]
    names = {u.code: u for u in agg.status.units}
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    # row 1: what a clerk reads; row 2: the indicator's id, for formulas and other programs
    _header(ws, ["Mã đơn vị", "Tên đơn vị", "Loại", "Nhóm", *[_short(i) for i in inds]], bold)
    small = Font(name=bold.name, size=8, color="666666")
    for c, ind in enumerate(inds, start=5):
        put(ws.cell(row=2, column=c), ind.id).font = small
        ws.column_dimensions[get_column_letter(c)].width = 14
    ws.row_dimensions[1].height = 96
    ws.freeze_panes = "E3"
    print_setup(
        ws, landscape=True, title_rows="1:2", title_cols="A:B",
        pages_wide=max(1, -(-len(inds) // 12)),
    )  # fmt: skip
    at = {str(code): i for i, code in enumerate(agg.wide.index)}
    matrix = agg.wide.to_numpy()

    def rows() -> Iterator[list[Written]]:  # made as the sheet is written, never all at once
        for rep in sorted(agg.used, key=lambda r: r.unit_code):
            unit = names.get(rep.unit_code)
            head = [
                rep.unit_code,
                rep.unit_name,
                unit.unit_type_label if unit else "",
                unit.group if unit else "",
            ]
            i = at.get(rep.unit_code)
            yield head + ([_number(v) for v in matrix[i].tolist()] if i is not None else [])

    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["C"].width = 16
    return rows_xml(rows(), 3, column_styles(wb, {1: wrap_style(wb)}))


def _short(ind: Indicator) -> str:
    """A column heading: the row's label as a total, without its trailing colon."""
    return str(ind.report_label).rstrip(" :.…")


def _breakdown_sheet(
    wb: Workbook, title: str, table: pd.DataFrame, agg: Aggregate, bold: Font
) -> None:
    from openpyxl.styles import Alignment

    ws: Worksheet = wb.create_sheet(title)
    columns = [str(c) for c in table.columns]
    _header(ws, ["Nội dung", *columns, "Tổng", "Mã chỉ tiêu"], bold)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, ind in enumerate(
        [i for i in agg.form.indicators if i.aggregate != Aggregation.NONE], start=2
    ):
        put(ws.cell(row=r, column=1), _short(ind)).alignment = wrap
        if ind.id in table.index:
            for c, value in enumerate(list(table.loc[ind.id]), start=2):
                ws.cell(row=r, column=c, value=_number(value))
        ws.cell(row=r, column=2 + len(columns), value=_number(agg.total(ind.id)))
        put(ws.cell(row=r, column=3 + len(columns)), ind.id)
    ws.column_dimensions["A"].width = 50
    for c in range(2, 3 + len(columns)):
        ws.column_dimensions[_letter(c)].width = 14
    ws.column_dimensions[_letter(3 + len(columns))].width = 20
    ws.row_dimensions[1].height = 45
    ws.freeze_panes = "B2"
    print_setup(ws, landscape=len(columns) > 4, title_cols="A:A")


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(column))


def _status_sheet(wb: Workbook, agg: Aggregate, bold: Font) -> Iterator[bytes]:
    ws: Worksheet = wb.create_sheet(STATUS_SHEET)
    titles = [
        "Mã đơn vị",
        "Tên đơn vị",
        "Loại",
        "Nhóm",
        "Tình trạng",
        "Nộp muộn",
        "Ngày nhận",
        "Tệp",
        "Lỗi",
        "Lưu ý",
        "Ghi chú",
    ]
    _header(ws, titles, bold)
    for col, width in zip("BEGHK", (36, 16, 16, 30, 60), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, landscape=True)
    wrap = wrap_style(wb)
    return rows_xml(_status_rows(agg), 2, column_styles(wb, {1: wrap, 7: wrap, 10: wrap}))


def _status_rows(agg: Aggregate) -> Iterator[list[Written]]:
    for u in agg.status.units:
        note = "; ".join(u.reasons[:2])
        if u.other_files:
            note = (
                (note + "; " if note else "")
                + "tệp khác: "
                + ", ".join(os.path.basename(p) for p in u.other_files)
            )
        row: list[Written] = [
            u.code,
            u.name,
            u.unit_type_label,
            u.group,
            STATE_LABELS[u.state],
            "Muộn" if u.late else "",
            u.received.strftime("%d/%m/%Y %H:%M") if u.received else "",
            os.path.basename(u.file) if u.file else "",
            u.errors or None,
            u.warnings or None,
            note,
        ]
        yield row
    for rep in agg.status.unmatched:
        reason = next(
            (f.message for f in rep.findings if f.is_error),
            "không thuộc đơn vị nào trong danh sách",
        )
        yield [
            rep.unit_code,
            rep.unit_name,
            "",
            "",
            "Không thuộc danh sách",
            "",
            "",
            os.path.basename(rep.path),
            rep.errors or None,
            rep.warnings or None,
            reason,
        ]


def _findings_sheet(wb: Workbook, report: Report, bold: Font) -> Iterator[bytes]:
    ws: Worksheet = wb.create_sheet(FINDINGS_SHEET)
    _header(ws, ["Tệp", "Đơn vị", "Mức độ", "Ô", "Loại", "Nội dung", "Mã (cho máy)"], bold)
    for col, width in zip("ABCDEFG", (30, 10, 8, 6, 22, 90, 16), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, landscape=True)
    rows = (
        [os.path.basename(f.file), rep.unit_code, "Lỗi" if f.is_error else "Lưu ý", f.cell, f.title,
         f.message, f.code]
        for rep in report.files
        for f in rep.findings
    )  # fmt: skip
    wrap = wrap_style(wb)
    return rows_xml(rows, 2, column_styles(wb, {0: wrap, 5: wrap}))


def _decisions_sheet(wb: Workbook, agg: Aggregate, bold: Font) -> Iterator[bytes]:
    """Every row of the clerk's decisions workbook, as written, with what became of it."""
    from htsd_cli.checks.decisions import COLUMNS

    ws: Worksheet = wb.create_sheet(DECISIONS_SHEET)
    _header(ws, ["Dòng", *COLUMNS, "Kết quả"], bold)
    widths = (6, 30, 14, 16, 10, 12, 7, 16, 12, 10, 30, 50)
    for c, width in enumerate(widths):
        ws.column_dimensions[chr(65 + c)].width = width
    print_setup(ws, landscape=True)
    rows: Iterator[list[Written]] = (
        [d.row, d.file, d.code, d.kind, d.unit, d.sheet, d.cell, d.indicator, d.typed,
         d.read_as, d.reason, o.note if not o.applied else "Đã áp dụng"]
        for o in agg.status.decisions
        for d in (o.decision,)
    )  # fmt: skip
    wrap = wrap_style(wb)
    return rows_xml(rows, 2, column_styles(wb, {10: wrap, 11: wrap}))


def _charts(wb: Workbook, agg: Aggregate, bold: Font) -> None:
    from openpyxl.chart import BarChart, Reference

    ws: Worksheet = wb.create_sheet(CHART_SHEET)
    form = agg.form
    # Participants by class kind: every "people" figure of the section with the most of them.
    people = [i for i in form.indicators if i.kind == Kind.PEOPLE]
    by_section: dict[int, list[Indicator]] = {}
    for ind in people:
        by_section.setdefault(ind.section, []).append(ind)
    section = max(by_section.values(), key=len) if by_section else []
    ws.cell(row=1, column=1, value="Loại lớp").font = bold
    ws.cell(row=1, column=2, value="Số lượt người tham gia").font = bold
    counts = {i.id: i for i in form.indicators if i.kind == Kind.COUNT}
    ids = [i.id for i in form.indicators]
    for r, ind in enumerate(section, start=2):
        before = ids[ids.index(ind.id) - 1]
        label = counts[before].label if before in counts else ind.label
        put(ws.cell(row=r, column=1), label.rstrip(":. ")[:60])
        ws.cell(row=r, column=2, value=_number(agg.total(ind.id)) or 0)
    if section:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Số lượt người tham gia theo loại lớp"
        chart.y_axis.title = "lượt người"
        chart.add_data(
            Reference(ws, min_col=2, min_row=1, max_row=1 + len(section)), titles_from_data=True
        )
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(section)))
        chart.width, chart.height = 24, 13
        ws.add_chart(chart, "E1")
    start = len(section) + 4
    ws.cell(row=start, column=1, value="Loại đơn vị").font = bold
    ws.cell(row=start, column=2, value="Phải nộp").font = bold
    ws.cell(row=start, column=3, value="Hợp lệ").font = bold
    rows = agg.status.breakdown("unit_type_label")
    for r, row in enumerate(rows, start=start + 1):
        put(ws.cell(row=r, column=1), row["name"])
        ws.cell(row=r, column=2, value=row["expected"])
        ws.cell(row=r, column=3, value=row["valid"])
    if rows:
        chart = BarChart()
        chart.title = "Tình hình nộp báo cáo theo loại đơn vị"
        chart.add_data(
            Reference(ws, min_col=2, max_col=3, min_row=start, max_row=start + len(rows)),
            titles_from_data=True,
        )
        chart.set_categories(Reference(ws, min_col=1, min_row=start + 1, max_row=start + len(rows)))
        chart.width, chart.height = 24, 13
        ws.add_chart(chart, f"E{CHART_ROWS + 1}")
    ws.column_dimensions["A"].width = 60
    # each chart on a page of its own, the figures they draw on the first
    from openpyxl.worksheet.pagebreak import Break, ColBreak, RowBreak

    ws.col_breaks = ColBreak()
    ws.col_breaks.append(Break(id=4))
    ws.row_breaks = RowBreak()
    ws.row_breaks.append(Break(id=CHART_ROWS))
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
