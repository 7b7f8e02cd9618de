"""The form sheet as issued (and as the summary workbook repeats it for the office above): the
header, the table of the form's rows, the validations of the cells to type in, and the hidden
identity sheet with its defined names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from htsd_cli.campaign.config import Config
from htsd_cli.campaign.form import Form, Indicator, Kind
from htsd_cli.campaign.layout import (
    FORM_SHEET,
    ID_SHEET,
    LABEL_COL,
    NOT_APPLICABLE,
    NOTE_COL,
    STAMP_PREFIX,
    VALUE_COL,
    Layout,
    label_text,
)
from htsd_cli.writing.cellsafe import put as put_value
from htsd_cli.writing.cellsafe import put_row
from htsd_cli.writing.xlstyle import styles

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Alignment
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet


@dataclass(frozen=True)
class SheetHeader:
    """The identity lines printed at the top and bottom of the form sheet."""

    left_top: str
    report_number: str
    date_line: str
    stamp: str
    signer_lines: tuple[str, ...]
    signer_name: str
    recipients: tuple[str, ...] = ()
    left_top_is_input: bool = False


def stamp_line(form: Form, unit_code: str) -> str:
    code = unit_code or "(chưa có)"
    return f"{STAMP_PREFIX} {form.id} · phiên bản {form.version} · Mã đơn vị: {code}"


def number_format(ind: Indicator) -> str:
    if ind.kind == Kind.MONEY:
        return '#,##0" đồng"'
    return f'#,##0" {ind.unit}"' if ind.unit else "#,##0"


def render_form_sheet(
    ws: Worksheet,
    form: Form,
    lay: Layout,
    header: SheetHeader,
    *,
    inputs: bool,
    values: Mapping[str, str | float | None] | None = None,
    unit_type: str = "",
) -> list[str]:
    """Write the form sheet. Returns the addresses of the input cells (unlocked when `inputs`).

    Rows that a unit of `unit_type` does not answer are shaded, locked and say "Không áp dụng".
    """
    from openpyxl.styles import Alignment, Protection

    st = styles()
    unlocked = Protection(locked=False)
    values = values or {}
    input_cells: list[str] = []

    def put(
        ref: str, value: str | float | None, font: str = "font", align: Alignment | None = None
    ) -> Cell:
        c: Cell = put_value(ws[ref], value)  # a unit's or office's name is never a formula
        c.font = st.fonts[font]
        if align is not None:
            c.alignment = align
        return c

    def make_input(ref: str) -> None:
        c = ws[ref]
        if inputs:
            c.protection = unlocked
            c.fill = st.input
        input_cells.append(ref)

    for col, width in zip("ABCD", (6, 62, 20, 26), strict=True):
        ws.column_dimensions[col].width = width

    ws.merge_cells("A1:B1")
    put("A1", header.left_top, "bold", st.center)
    if header.left_top_is_input:
        make_input("A1")
    ws.merge_cells("A2:B2")
    put("A2", header.report_number, "font", st.center)
    if inputs:
        make_input("A2")
    ws.merge_cells("C1:D1")
    put("C1", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "bold", st.center)
    ws.merge_cells("C2:D2")
    put("C2", "Độc lập - Tự do - Hạnh phúc", "bold", st.center)
    ws.merge_cells("C3:D3")
    put("C3", header.date_line, "italic", st.center)
    if inputs:
        make_input("C3")
    ws.merge_cells(f"A{lay.title_row}:D{lay.title_row}")
    put(f"A{lay.title_row}", form.title, "title", st.center)
    ws.row_dimensions[lay.title_row].height = 36
    ws.merge_cells(f"{lay.stamp_cell}:D{lay.stamp_cell[1:]}")
    put(lay.stamp_cell, header.stamp, "stamp", Alignment(horizontal="center"))

    for row in lay.rows:
        r = row.number
        if row.kind == "heading":
            ws.merge_cells(f"A{r}:D{r}")
            put(f"A{r}", row.heading, "bold")
        elif row.kind == "text_heading":
            assert row.text is not None
            ws.merge_cells(f"A{r}:D{r}")
            put(f"A{r}", row.text.heading, "bold")
        elif row.kind == "text_body":
            assert row.text is not None
            ws.merge_cells(f"A{r}:D{r}")
            put(f"A{r}", values.get(row.text.id), "font", st.wrap)
            ws.row_dimensions[r].height = 90
            make_input(f"A{r}")
        elif row.kind == "section":
            assert row.section is not None
            put(f"A{r}", row.section.number, "bold", st.center)
            put(f"{LABEL_COL}{r}", row.section.heading, "bold", st.wrap)
            ws.row_dimensions[r].height = _row_height(row.section.heading)
            for col in "ABCD":
                ws[f"{col}{r}"].border = st.border
                ws[f"{col}{r}"].fill = st.head
        elif row.kind == "indicator":
            ind = row.indicator
            assert ind is not None
            for col in "ABCD":
                ws[f"{col}{r}"].border = st.border
            put(f"{LABEL_COL}{r}", label_text(ind), "font", st.wrap)
            ws.row_dimensions[r].height = _row_height(label_text(ind))
            if not ind.applies(unit_type):
                put(f"{VALUE_COL}{r}", NOT_APPLICABLE, "italic", st.center)
                for col in "ABCD":
                    ws[f"{col}{r}"].fill = st.head
                continue
            cell = put(f"{VALUE_COL}{r}", values.get(ind.id), "font")
            if ind.numeric:
                cell.number_format = number_format(ind)
                cell.alignment = st.right
            elif ind.kind == Kind.YESNO and not inputs:  # a summary counts the units answering "Có"
                cell.number_format = f'#,##0" {ind.unit or "đơn vị"}"'
                cell.alignment = st.right
            else:
                cell.alignment = st.center if ind.kind == Kind.YESNO else st.wrap
            make_input(f"{VALUE_COL}{r}")
            put(f"{NOTE_COL}{r}", values.get(ind.note_id), "font", st.wrap)
            make_input(f"{NOTE_COL}{r}")
    hr = lay.header_row
    titles = (form.columns[0], form.columns[1], f"{form.columns[2]}, {form.columns[3]}")
    for col, title in zip("ABCD", (*titles, form.columns[4]), strict=True):
        c = put(f"{col}{hr}", title, "bold", st.center)
        c.border = st.border
        c.fill = st.head
    ws.row_dimensions[hr].height = 30

    sr = lay.signature_row
    put(f"A{sr}", "Nơi nhận:", "italic")
    for i, recipient in enumerate(header.recipients, start=1):
        ws.merge_cells(f"A{sr + i}:B{sr + i}")
        put(f"A{sr + i}", f"- {recipient}")
    for i, line in enumerate(header.signer_lines):
        ws.merge_cells(f"C{sr + i}:D{sr + i}")
        put(f"C{sr + i}", line, "bold", st.center)
    name_row = int(lay.signer_name_cell[1:])
    ws.merge_cells(f"C{name_row}:D{name_row}")
    put(lay.signer_name_cell, header.signer_name, "bold", st.center)
    if inputs:
        make_input(lay.signer_name_cell)

    ws.freeze_panes = f"A{hr + 1}"
    ws.print_title_rows = f"{hr}:{hr}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    fit = ws.sheet_properties.pageSetUpPr
    assert fit is not None  # openpyxl's WorksheetProperties() makes one
    fit.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = 0.8
    ws.page_margins.right = 0.5
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = 0.6
    ws.print_area = f"A1:D{name_row}"
    return input_cells


def _row_height(text: str, chars_per_line: int = 66) -> float:
    """Spreadsheets do not grow rows for wrapped text on their own when opening a file."""
    lines = max(1, -(-len(text) // chars_per_line))
    return 16.0 * lines


def add_validations(ws: Worksheet, form: Form, lay: Layout, unit_type: str = "") -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    groups: dict[str, list[Indicator]] = {}
    for ind in form.applicable(unit_type):
        groups.setdefault(ind.kind, []).append(ind)
    for kind, inds in groups.items():
        if kind in (Kind.COUNT, Kind.PEOPLE):
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
            dv.error = "Chỉ ghi một số nguyên không âm (ví dụ 0, 5, 120), không ghi đơn vị tính."
            dv.prompt = "Ghi một số nguyên ≥ 0. Để trống nếu chưa có số liệu; ghi 0 nếu không có."
        elif kind == Kind.MONEY:
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
            dv.error = "Chỉ ghi số tiền bằng đồng (số ≥ 0), không ghi chữ 'đồng'."
            dv.prompt = "Ghi số tiền bằng đồng, ví dụ 1500000."
        elif kind == Kind.YESNO:
            dv = DataValidation(type="list", formula1='"Có,Không"')
            dv.error = "Chọn Có hoặc Không trong danh sách."
            dv.prompt = "Chọn Có hoặc Không."
        else:
            dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="1000")
            dv.error = "Nội dung dài quá 1000 ký tự."
            dv.prompt = "Ghi ngắn gọn."
        dv.allow_blank = True
        dv.showErrorMessage = True
        dv.showInputMessage = True
        dv.errorTitle = "Giá trị không hợp lệ"
        dv.promptTitle = "Hướng dẫn"
        for ind in inds:
            dv.add(lay.cells[ind.id])
        ws.add_data_validation(dv)


def identity_rows(form: Form, config: Config | None, unit: dict[str, str]) -> list[tuple[str, str]]:
    """Key/value rows of the hidden identity sheet (and of the custom document properties)."""
    return [
        ("form_id", form.id),
        ("form_version", str(form.version)),
        ("form_year", str(form.year)),
        ("unit_code", unit["code"]),
        ("unit_name", unit["name"]),
        ("unit_type", unit["type"]),
        ("unit_group", unit["group"]),
        ("office", config.office.name if config else ""),
    ]


def write_identity(
    wb: Workbook,
    form: Form,
    lay: Layout,
    rows: list[tuple[str, str]],
    sheet: str = FORM_SHEET,
    extra: Sequence[tuple[str | int, ...]] | None = None,
) -> None:
    """Stamp the identity in a hidden sheet, custom properties and one defined name per cell."""
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.workbook.defined_name import DefinedName

    ws: Worksheet = wb.create_sheet(ID_SHEET)
    ws.sheet_state = "hidden"
    # the unit's name and group are roster text; the placeholder tokens stamped over with them
    # begin with '@', so their cells carry the quote prefix whatever name is stamped in
    lines = [("htsd", "Trang nhận diện biểu mẫu. Không sửa, không xóa."), *rows, *(extra or [])]
    lines += [("cell", name, ref) for name, ref in lay.cells.items()]
    for r, values in enumerate(lines, start=1):
        put_row(ws, r, values)
    ws.protection.sheet = True
    for key, value in rows:
        # the stubs leave out the workbook's custom properties (openpyxl 3.1 has them)
        wb.custom_doc_props.append(StringProperty(name=f"htsd_{key}", value=value or "-"))  # type: ignore[attr-defined]
    quoted = "'" + sheet.replace("'", "''") + "'"
    for name, ref in lay.cells.items():
        col = "".join(c for c in ref if c.isalpha())
        row_number = ref[len(col) :]
        wb.defined_names[name] = DefinedName(name, attr_text=f"{quoted}!${col}${row_number}")
