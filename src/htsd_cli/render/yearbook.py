"""The summary workbook's sheets beside last year (only when last year's summary is given): each
row this year and last year, each unit's figures beside its own of last year, and a chart of the
largest changes. Every cell goes through cellsafe.put."""

from __future__ import annotations

from typing import TYPE_CHECKING

from htsd_cli.checks.yearover import COMPARED, NEW, Comparison, UnitComparison
from htsd_cli.writing.cellsafe import Written, put

if TYPE_CHECKING:
    from openpyxl.styles import Font
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

ROWS_SHEET = "So với năm trước"
UNITS_SHEET = "Đơn vị so với năm trước"
LARGEST = 10  # unit figures in the chart of the largest changes

_HOW = {
    "same": "",
    "renamed": "đổi tên, mã năm trước: {past}",
    "merged": "gộp các dòng năm trước: {past}",
    "split": "",
    "new": "dòng mới",
    "unmatched": "",
}


def _number(value: float | None) -> int | float | None:
    if value is None or value != value:
        return None
    return int(value) if float(value).is_integer() else round(value, 2)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def add_last_year_sheets(wb: Workbook, comparison: Comparison, bold: Font) -> None:
    """The two sheets beside last year, after the summary's own."""
    from htsd_cli.render.summary import print_setup

    _rows_sheet(wb, comparison, bold)
    _units_sheet(wb, comparison, bold)
    for title in (ROWS_SHEET, UNITS_SHEET):
        print_setup(wb[title], landscape=True)


def _heading(ws: Worksheet, titles: list[str], widths: list[int], bold: Font) -> None:
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    for c, (title, width) in enumerate(zip(titles, widths, strict=True), start=1):
        cell = put(ws.cell(row=1, column=c), title)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "A2"


def _rows_sheet(wb: Workbook, comparison: Comparison, bold: Font) -> None:
    ws: Worksheet = wb.create_sheet(ROWS_SHEET)
    last = comparison.last
    titles = [
        "Nội dung", "Mã chỉ tiêu", "Năm nay", last.name.capitalize(), "Tăng, giảm",
        "Tăng, giảm (%)", "Dòng năm trước", "Ghi chú",
    ]  # fmt: skip
    _heading(ws, titles, [50, 20, 14, 14, 14, 12, 40, 50], bold)
    r = 2
    for row in comparison.rows.values():
        ind = row.indicator
        compared = row.how in COMPARED and row.before is not None
        change = None
        if compared and row.now is not None and row.before is not None:
            change = row.now - row.before
        past = ", ".join(comparison.matching.rows[ind.id].past)
        note = row.note or _HOW[row.how].format(past=past)
        values = [
            ind.report_label.strip(" -").rstrip(" :.…"), ind.id, _number(row.now),
            _number(row.before) if compared else ("mới" if row.how == NEW else None),
            _number(change), _rounded(row.percent) if compared else None,
            row.last_label if row.how != NEW else "", note,
        ]  # fmt: skip
        for c, value in enumerate(values, start=1):
            put(ws.cell(row=r, column=c), value)
        r += 1
    if comparison.notes:
        r += 1
        put(ws.cell(row=r, column=1), "Những điều cần biết:").font = bold
        for note in comparison.notes:
            r += 1
            put(ws.cell(row=r, column=1), note)


def _units_sheet(wb: Workbook, comparison: Comparison, bold: Font) -> None:
    from openpyxl.chart import BarChart, Reference

    ws: Worksheet = wb.create_sheet(UNITS_SHEET)
    last = comparison.last
    titles = [
        "Mã đơn vị", "Tên đơn vị", "Mã năm trước", "Nội dung", "Mã chỉ tiêu", "Năm nay",
        last.name.capitalize(), "Tăng, giảm", "Tăng, giảm (%)",
    ]  # fmt: skip
    _heading(ws, titles, [12, 36, 16, 50, 20, 14, 14, 14, 12], bold)
    for r, unit in enumerate(comparison.units, start=2):
        for c, value in enumerate(_unit_row(unit), start=1):
            put(ws.cell(row=r, column=c), value)
    largest = comparison.largest(LARGEST)
    if not largest:
        return
    # the chart's own figures, to the right of the table: what it draws can be read too
    first = 12
    put(ws.cell(row=1, column=first), "Thay đổi lớn nhất (đơn vị – nội dung)").font = bold
    put(ws.cell(row=1, column=first + 1), "Tăng, giảm (%)").font = bold
    for r, unit in enumerate(largest, start=2):
        label = f"{unit.code} – {unit.indicator.report_label.strip(' -').rstrip(' :.…')}"
        put(ws.cell(row=r, column=first), label[:60])
        put(ws.cell(row=r, column=first + 1), _rounded(unit.percent))
    chart = BarChart()
    chart.type = "bar"
    chart.title = f"Thay đổi lớn nhất so với {last.name} (%)"
    chart.add_data(
        Reference(ws, min_col=first + 1, min_row=1, max_row=1 + len(largest)),
        titles_from_data=True,
    )
    chart.set_categories(Reference(ws, min_col=first, min_row=2, max_row=1 + len(largest)))
    chart.width, chart.height = 24, 13
    ws.add_chart(chart, f"L{len(largest) + 4}")


def _unit_row(unit: UnitComparison) -> list[Written]:
    change = unit.now - unit.before if unit.now is not None and unit.before is not None else None
    return [
        unit.code, unit.name, ", ".join(unit.past_codes),
        unit.indicator.report_label.strip(" -").rstrip(" :.…"), unit.indicator.id,
        _number(unit.now), _number(unit.before), _number(change), _rounded(unit.percent),
    ]  # fmt: skip
