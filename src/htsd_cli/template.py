"""`htsd template`: one guarded, print-ready workbook per unit of the roster.

The workbook is built once with openpyxl, holding placeholder tokens where the unit's identity
goes; each unit's file is then that package with the tokens replaced. This keeps issuing at a few
milliseconds per unit and makes every file byte-identical for the same form, config and roster
(fixed document dates and zip timestamps).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from htsd_cli.cellsafe import put as put_value
from htsd_cli.cellsafe import put_row
from htsd_cli.checks.applies import NOT_APPLICABLE
from htsd_cli.config import Config
from htsd_cli.document import date_line
from htsd_cli.findings import Code
from htsd_cli.form import Form, Indicator
from htsd_cli.formulas import CHECK_GUIDE, add_checks
from htsd_cli.layout import (
    FORM_SHEET,
    GUIDE_SHEET,
    ID_SHEET,
    LABEL_COL,
    NOTE_COL,
    STAMP_PREFIX,
    VALUE_COL,
    Layout,
    compute_layout,
    label_text,
)
from htsd_cli.outputs import Inputs, OutputSet
from htsd_cli.package import FIXED_TIME, FONT_NAME, TOKENS, Stamper
from htsd_cli.roster import Roster, Unit
from htsd_cli.textwidth import fit_lines

INPUT_FILL = "FFF9E5"  # pale yellow: "type here"


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


def _styles() -> dict[str, Any]:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="000000")
    return {
        "font": Font(name=FONT_NAME, size=12),
        "bold": Font(name=FONT_NAME, size=12, bold=True),
        "title": Font(name=FONT_NAME, size=13, bold=True),
        "italic": Font(name=FONT_NAME, size=12, italic=True),
        "stamp": Font(name=FONT_NAME, size=9, italic=True, color="666666"),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "input": PatternFill("solid", fgColor=INPUT_FILL),
        "head": PatternFill("solid", fgColor="E8E8E8"),
        "wrap": Alignment(wrap_text=True, vertical="top"),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "right": Alignment(horizontal="right", vertical="center"),
    }


def new_workbook() -> Any:
    """An openpyxl workbook whose default font is Times New Roman (ND 30/2020)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils.indexed_list import IndexedList

    wb = Workbook()
    base = Font(name=FONT_NAME, size=12)
    wb._fonts = IndexedList([base])
    wb._named_styles["Normal"].font = base
    wb.properties.creator = "htsd"
    wb.properties.lastModifiedBy = "htsd"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    return wb


def number_format(ind: Indicator) -> str:
    if ind.kind == "money":
        return '#,##0" đồng"'
    return f'#,##0" {ind.unit}"' if ind.unit else "#,##0"


def render_form_sheet(
    ws: Any,
    form: Form,
    lay: Layout,
    header: SheetHeader,
    *,
    inputs: bool,
    values: dict[str, Any] | None = None,
    unit_type: str = "",
) -> list[str]:
    """Write the form sheet. Returns the addresses of the input cells (unlocked when `inputs`).

    Rows that a unit of `unit_type` does not answer are shaded, locked and say "Không áp dụng".
    """
    from openpyxl.styles import Alignment, Protection

    st = _styles()
    unlocked = Protection(locked=False)
    values = values or {}
    input_cells: list[str] = []

    def put(ref: str, value: Any, font: str = "font", align: Any = None) -> Any:
        c = put_value(ws[ref], value)  # a unit's or office's name is never a formula
        c.font = st[font]
        if align is not None:
            c.alignment = align
        return c

    def make_input(ref: str) -> None:
        c = ws[ref]
        if inputs:
            c.protection = unlocked
            c.fill = st["input"]
        input_cells.append(ref)

    for col, width in zip("ABCD", (6, 62, 20, 26), strict=True):
        ws.column_dimensions[col].width = width

    ws.merge_cells("A1:B1")
    put("A1", header.left_top, "bold", st["center"])
    if header.left_top_is_input:
        make_input("A1")
    ws.merge_cells("A2:B2")
    put("A2", header.report_number, "font", st["center"])
    if inputs:
        make_input("A2")
    ws.merge_cells("C1:D1")
    put("C1", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "bold", st["center"])
    ws.merge_cells("C2:D2")
    put("C2", "Độc lập - Tự do - Hạnh phúc", "bold", st["center"])
    ws.merge_cells("C3:D3")
    put("C3", header.date_line, "italic", st["center"])
    if inputs:
        make_input("C3")
    ws.merge_cells(f"A{lay.title_row}:D{lay.title_row}")
    put(f"A{lay.title_row}", form.title, "title", st["center"])
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
            put(f"A{r}", values.get(row.text.id), "font", st["wrap"])
            ws.row_dimensions[r].height = 90
            make_input(f"A{r}")
        elif row.kind == "section":
            assert row.section is not None
            put(f"A{r}", row.section.number, "bold", st["center"])
            put(f"{LABEL_COL}{r}", row.section.heading, "bold", st["wrap"])
            ws.row_dimensions[r].height = _row_height(row.section.heading)
            for col in "ABCD":
                ws[f"{col}{r}"].border = st["border"]
                ws[f"{col}{r}"].fill = st["head"]
        elif row.kind == "indicator":
            ind = row.indicator
            assert ind is not None
            for col in "ABCD":
                ws[f"{col}{r}"].border = st["border"]
            put(f"{LABEL_COL}{r}", label_text(ind), "font", st["wrap"])
            ws.row_dimensions[r].height = _row_height(label_text(ind))
            if not ind.applies(unit_type):
                put(f"{VALUE_COL}{r}", NOT_APPLICABLE, "italic", st["center"])
                for col in "ABCD":
                    ws[f"{col}{r}"].fill = st["head"]
                continue
            cell = put(f"{VALUE_COL}{r}", values.get(ind.id), "font")
            if ind.numeric:
                cell.number_format = number_format(ind)
                cell.alignment = st["right"]
            elif ind.kind == "yesno" and not inputs:  # a summary counts the units answering "Có"
                cell.number_format = f'#,##0" {ind.unit or "đơn vị"}"'
                cell.alignment = st["right"]
            else:
                cell.alignment = st["center"] if ind.kind == "yesno" else st["wrap"]
            make_input(f"{VALUE_COL}{r}")
            put(f"{NOTE_COL}{r}", values.get(ind.note_id), "font", st["wrap"])
            make_input(f"{NOTE_COL}{r}")
    hr = lay.header_row
    titles = (form.columns[0], form.columns[1], f"{form.columns[2]}, {form.columns[3]}")
    for col, title in zip("ABCD", (*titles, form.columns[4]), strict=True):
        c = put(f"{col}{hr}", title, "bold", st["center"])
        c.border = st["border"]
        c.fill = st["head"]
    ws.row_dimensions[hr].height = 30

    sr = lay.signature_row
    put(f"A{sr}", "Nơi nhận:", "italic")
    for i, recipient in enumerate(header.recipients, start=1):
        ws.merge_cells(f"A{sr + i}:B{sr + i}")
        put(f"A{sr + i}", f"- {recipient}")
    for i, line in enumerate(header.signer_lines):
        ws.merge_cells(f"C{sr + i}:D{sr + i}")
        put(f"C{sr + i}", line, "bold", st["center"])
    name_row = int(lay.signer_name_cell[1:])
    ws.merge_cells(f"C{name_row}:D{name_row}")
    put(lay.signer_name_cell, header.signer_name, "bold", st["center"])
    if inputs:
        make_input(lay.signer_name_cell)

    ws.freeze_panes = f"A{hr + 1}"
    ws.print_title_rows = f"{hr}:{hr}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
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


def _add_validations(ws: Any, form: Form, lay: Layout, unit_type: str = "") -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    groups: dict[str, list[Indicator]] = {}
    for ind in form.applicable(unit_type):
        groups.setdefault(ind.kind, []).append(ind)
    for kind, inds in groups.items():
        if kind in ("count", "people"):
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
            dv.error = "Chỉ ghi một số nguyên không âm (ví dụ 0, 5, 120), không ghi đơn vị tính."
            dv.prompt = "Ghi một số nguyên ≥ 0. Để trống nếu chưa có số liệu; ghi 0 nếu không có."
        elif kind == "money":
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
            dv.error = "Chỉ ghi số tiền bằng đồng (số ≥ 0), không ghi chữ 'đồng'."
            dv.prompt = "Ghi số tiền bằng đồng, ví dụ 1500000."
        elif kind == "yesno":
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


def _who_fills(form: Form, unit_type: str) -> list[tuple[str, str]]:
    """Which sections a unit of this type fills (all, for a blank workbook)."""
    if not unit_type or all(i.applies(unit_type) for i in form.indicators):
        return [("", "Đơn vị điền tất cả các mục của bảng.")]
    label = next((t.label for t in form.unit_types if t.code == unit_type), unit_type)
    whole, part = [], []
    for section in form.sections:
        answered = [i for i in section.indicators if i.applies(unit_type)]
        if len(answered) == len(section.indicators):
            whole.append(str(section.number))
        elif answered:
            part.append(str(section.number))
    lines = [("", f"{label} điền các mục: {', '.join(whole) or '(không có)'}.")]
    if part:
        lines.append(("", f"Ở các mục {', '.join(part)}, chỉ điền các dòng không tô xám."))
    lines.append(
        ("", f"Các dòng tô xám ghi '{NOT_APPLICABLE}' không dành cho {label.lower()}: để nguyên.")
    )
    return lines


def _guide_lines(form: Form, config: Config, unit_type: str = "") -> list[tuple[str, str]]:
    deadline = config.effective_deadline(form)
    send_to = config.office.send_to or config.office.name
    return [
        ("title", "HƯỚNG DẪN ĐIỀN BIỂU MẪU"),
        ("bold", form.title),
        ("", f"Thời gian tổ chức: {form.period_start:%d/%m/%Y} – {form.period_end:%d/%m/%Y}."),
        ("", f"Chủ đề: {form.theme}" if form.theme else ""),
        ("", ""),
        ("bold", "Đơn vị điền những mục nào"),
        *_who_fills(form, unit_type),
        ("", ""),
        ("bold", "Cách điền"),
        ("", f"1. Chỉ gõ vào các ô màu vàng nhạt ở trang '{FORM_SHEET}'. Các ô khác đã được khóa"),
        ("", "   để tránh sửa nhầm (khóa không có mật khẩu)."),
        ("", "2. Mỗi ô chỉ ghi một con số, không ghi kèm đơn vị tính: ghi 5, không ghi '5 lớp'."),
        ("", "3. Ô để trống nghĩa là 'chưa báo cáo'. Nếu không có hoạt động nào, hãy ghi 0."),
        ("", "4. Ô Có/Không: chọn trong danh sách thả xuống."),
        ("", "5. Số tiền ghi bằng đồng, ví dụ 1500000 (không cần dấu chấm)."),
        ("", "6. Cột 'Ghi chú' để giải thích thêm nếu cần."),
        ("", "7. Không đổi tên, không xóa trang tính; không chèn hay xóa dòng, cột."),
        ("", "8. Lưu tệp bằng Excel, LibreOffice hoặc WPS, giữ nguyên tên tệp."),
        ("", ""),
        ("bold", "Tự kiểm tra"),
        *(("", line) for line in CHECK_GUIDE),
        ("", ""),
        ("bold", f"Hạn gửi: {deadline:%d/%m/%Y}"),
        ("", f"Gửi về: {send_to}"),
    ]


GUIDE_TEXT_MM = 150.0  # well within what a column 100 characters wide holds


def _write_guide(wb: Any, form: Form, config: Config, unit_type: str = "") -> None:
    st = _styles()
    ws = wb.create_sheet(GUIDE_SHEET)
    ws.column_dimensions["A"].width = 100
    sizes = {"title": (13, "bold"), "bold": (12, "bold")}
    for i, (style, text) in enumerate(_guide_lines(form, config, unit_type), start=1):
        size, weight = sizes.get(style, (12, "regular"))
        # lines broken here: spreadsheets neither grow a row nor wrap bold text reliably
        lines = fit_lines(text, size, weight, GUIDE_TEXT_MM) if text else [""]
        c = put_value(ws.cell(row=i, column=1), "\n".join(lines) or None)
        c.font = st[style or "font"]
        c.alignment = st["wrap"]
        ws.row_dimensions[i].height = round(size * 1.35 * len(lines), 1)
    ws.protection.sheet = True
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


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
    wb: Any,
    form: Form,
    lay: Layout,
    rows: list[tuple[str, str]],
    sheet: str = FORM_SHEET,
    extra: list[tuple[Any, ...]] | None = None,
) -> None:
    """Stamp the identity in a hidden sheet, custom properties and one defined name per cell."""
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.workbook.defined_name import DefinedName

    ws = wb.create_sheet(ID_SHEET)
    ws.sheet_state = "hidden"
    # the unit's name and group are roster text; the placeholder tokens stamped over with them
    # begin with '@', so their cells carry the quote prefix whatever name is stamped in
    lines = [("htsd", "Trang nhận diện biểu mẫu. Không sửa, không xóa."), *rows, *(extra or [])]
    lines += [("cell", name, ref) for name, ref in lay.cells.items()]
    for r, values in enumerate(lines, start=1):
        put_row(ws, r, values)
    ws.protection.sheet = True
    for key, value in rows:
        wb.custom_doc_props.append(StringProperty(name=f"htsd_{key}", value=value or "-"))
    quoted = "'" + sheet.replace("'", "''") + "'"
    for name, ref in lay.cells.items():
        col = "".join(c for c in ref if c.isalpha())
        row_number = ref[len(col) :]
        wb.defined_names[name] = DefinedName(name, attr_text=f"{quoted}!${col}${row_number}")


def build_template(form: Form, config: Config, blank: bool, unit_type: str = "") -> bytes:
    """The workbook package with placeholder tokens for the unit (or inputs, when blank), for
    units of `unit_type` (every row open when it is empty)."""
    from openpyxl.workbook.protection import WorkbookProtection

    wb = new_workbook()
    ws = wb.active
    ws.title = FORM_SHEET
    lay = compute_layout(form)
    unit = (
        {"code": "", "name": "", "name_upper": "", "type": "", "group": ""}
        if blank
        else dict(TOKENS)
    )
    header = SheetHeader(
        left_top="(Gõ tên đơn vị vào đây)" if blank else unit["name_upper"],
        left_top_is_input=blank,
        report_number=f"Số:      /{form.report_code}-",
        date_line=date_line(config.office.place, form.year),
        stamp=stamp_line(form, unit["code"]),
        signer_lines=("THỦ TRƯỞNG ĐƠN VỊ",),
        signer_name="",
    )
    render_form_sheet(ws, form, lay, header, inputs=True, unit_type=unit_type)
    _add_validations(ws, form, lay, unit_type)
    add_checks(ws, form, lay, unit_type)
    ws.protection.sheet = True
    _write_guide(wb, form, config, unit_type)
    write_identity(wb, form, lay, identity_rows(form, config, unit))
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.title = form.title
    wb.properties.subject = unit["name"] or form.short_title
    wb.properties.keywords = form.id
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Issued:
    path: Path
    unit: Unit | None


def file_name(form: Form, unit: Unit | None) -> str:
    if unit is None:
        return f"{form.id}-mau-trang.xlsx"
    return f"{unit.file_stem}.xlsx"


def issue_workbooks(
    form: Form,
    config: Config,
    roster: Roster | None,
    out_dir: Path,
    progress: Callable[[int, int], None] | None = None,
    overwrite: bool = False,
) -> list[Issued]:
    """Write one workbook per roster unit (or one blank workbook) into `out_dir`, all together.

    A file already there with the name of a form to issue is replaced only when it is a form htsd
    issued and nobody filled (or with `overwrite`): a folder of returns is never emptied.
    """
    from htsd_cli.formbook import keep_issued

    units: list[Unit | None] = list(roster.units) if roster else [None]
    planned: list[tuple[str, Unit | None]] = []
    taken: set[str] = set()
    for unit in units:
        name = file_name(form, unit)
        stem, n = name[: -len(".xlsx")], 2
        while name.casefold() in taken:  # codes that differ only by case or punctuation
            name, n = f"{stem}-{n}.xlsx", n + 1
        taken.add(name.casefold())
        planned.append((name, unit))
    inputs = Inputs([roster.source if roster else None, config.source, form_file(form)])
    keep_issued(form)  # a later change to a form workbook then gets a number of its own
    with OutputSet(
        out_dir, inputs, "biểu mẫu", overwrite, lambda paths: unfilled_forms(paths, form)
    ) as outs:
        outs.claim(name for name, _ in planned)
        stampers: dict[str, Stamper] = {}  # one template per unit type: its rows differ
        issued: list[Issued] = []
        for name, unit in planned:
            kind = form_type(form, unit)
            if kind not in stampers:
                stampers[kind] = Stamper(build_template(form, config, roster is None, kind))
            issued.append(Issued(outs.write(name, stampers[kind].stamp(unit)), unit))
            if progress:
                progress(1, len(units))
        outs.commit()
    return issued


def issue_doubts(form: Form, config: Config, today: dt.date) -> list[str]:
    """Why issuing this form now may well be a mistake: it is another year's, or its deadline
    has passed (empty when neither)."""
    doubts = []
    if config.year is not None and form.year != config.year:
        doubts.append(f"biểu mẫu '{form.id}' là của năm {form.year}, đợt này là năm {config.year}")
    deadline = config.effective_deadline(form)
    if deadline < today:
        doubts.append(f"hạn nộp {deadline:%d/%m/%Y} đã qua")
    return doubts


def may_issue(form: Form, config: Config, today: dt.date, anyway: bool = False) -> str:
    """Whether the form may be issued now: "" when it may; a line to show when it may all the
    same (asked for, or a campaign kept as an example); FormError when it may not (another
    year's form, a deadline passed, guesses in the form workbook nobody has checked)."""
    from htsd_cli.errors import FormError
    from htsd_cli.formbook import unchecked

    marks = unchecked(form)
    if marks:
        shown = "; ".join(f"{cell}: {text}" for cell, text in marks[:8])
        more = f" và {len(marks) - 8} chỗ khác" if len(marks) > 8 else ""
        raise FormError(
            f"Chưa phát biểu mẫu: {Path(form.source).name} còn {len(marks)} chỗ htsd đoán chưa "
            f"được xem (cột 'Cần xem'): {shown}{more}. Hãy xem từng chỗ, sửa nếu cần, xóa chữ ở "
            "cột 'Cần xem' rồi chạy lại."
        )
    doubts = issue_doubts(form, config, today)
    if not doubts:
        return ""
    name = config.source.name if config.source else "htsd.toml"
    if anyway or config.example:
        why = "có --van-phat" if anyway else f"đây là đợt giữ làm mẫu (example = true trong {name})"
        return f"Lưu ý: {'; '.join(doubts)}; vẫn phát vì {why}."
    raise FormError(
        f"Không phát biểu mẫu: {'; '.join(doubts)}. Hãy sửa năm (year), hạn nộp (deadline) trong "
        f"{name} hoặc dùng biểu mẫu của năm nay (htsd init, htsd form import); nếu cố ý phát "
        "biểu mẫu này thì chạy lại với --van-phat."
    )


def form_type(form: Form, unit: Unit | None) -> str:
    """The unit's type as a code of the form ('' when unknown: every row open)."""
    found = form.unit_type(unit.unit_type) if unit is not None else None
    return found.code if found else ""


def form_file(form: Form) -> Path | None:
    """The form definition's file when it is one on disk (not a bundled form)."""
    path = Path(form.source) if form.source else None
    return path if path is not None and path.is_file() else None


def unfilled_forms(paths: list[Path], form: Form) -> set[Path]:
    """Those of `paths` that are forms htsd issued (found by their defined names or identity
    sheet) with no figure and no text filled in: reissuing them loses nothing."""
    from htsd_cli.validate import check_files

    out: set[Path] = set()
    for path, rep in zip(paths, check_files(paths, form), strict=True):
        stamped = rep.located_by in ("names", "id-sheet")
        empty = any(f.code == Code.EMPTY_RETURN for f in rep.findings)
        if stamped and empty and not rep.texts:
            out.add(path)
    return out
