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
from typing import TYPE_CHECKING

from htsd_cli.base.findings import Code, LocatedBy
from htsd_cli.base.outputs import Inputs, OutputSet
from htsd_cli.base.textwidth import fit_lines
from htsd_cli.campaign.config import Config
from htsd_cli.campaign.form import Form
from htsd_cli.campaign.layout import (
    FORM_SHEET,
    GUIDE_SHEET,
    NOT_APPLICABLE,
    compute_layout,
)
from htsd_cli.campaign.roster import Roster, Unit
from htsd_cli.render.document import date_line
from htsd_cli.render.formsheet import (
    SheetHeader,
    add_validations,
    identity_rows,
    render_form_sheet,
    stamp_line,
    write_identity,
)
from htsd_cli.render.formulas import CHECK_GUIDE, add_checks
from htsd_cli.writing.cellsafe import put as put_value
from htsd_cli.writing.package import TOKENS, Stamper
from htsd_cli.writing.xlstyle import first_sheet, new_workbook, styles

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet


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


def _write_guide(wb: Workbook, form: Form, config: Config, unit_type: str = "") -> None:
    st = styles()
    ws: Worksheet = wb.create_sheet(GUIDE_SHEET)
    ws.column_dimensions["A"].width = 100
    sizes = {"title": (13, "bold"), "bold": (12, "bold")}
    for i, (style, text) in enumerate(_guide_lines(form, config, unit_type), start=1):
        size, weight = sizes.get(style, (12, "regular"))
        # lines broken here: spreadsheets neither grow a row nor wrap bold text reliably
        lines = fit_lines(text, size, weight, GUIDE_TEXT_MM) if text else [""]
        c = put_value(ws.cell(row=i, column=1), "\n".join(lines) or None)
        c.font = st.fonts[style or "font"]
        c.alignment = st.wrap
        ws.row_dimensions[i].height = round(size * 1.35 * len(lines), 1)
    ws.protection.sheet = True
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    fit = ws.sheet_properties.pageSetUpPr
    assert fit is not None  # openpyxl's WorksheetProperties() makes one
    fit.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


def build_template(form: Form, config: Config, blank: bool, unit_type: str = "") -> bytes:
    """The workbook package with placeholder tokens for the unit (or inputs, when blank), for
    units of `unit_type` (every row open when it is empty)."""
    from openpyxl.workbook.protection import WorkbookProtection

    wb = new_workbook()
    ws = first_sheet(wb)
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
    add_validations(ws, form, lay, unit_type)
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
    from htsd_cli.campaign.formbook import keep_issued

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
    from htsd_cli.base.errors import FormError
    from htsd_cli.campaign.formbook import unchecked

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
    from htsd_cli.checks.validate import check_files

    out: set[Path] = set()
    for path, rep in zip(paths, check_files(paths, form), strict=True):
        stamped = rep.located_by in (LocatedBy.NAMES, LocatedBy.ID_SHEET)
        empty = any(f.code == Code.EMPTY_RETURN for f in rep.findings)
        if stamped and empty and not rep.texts:
            out.add(path)
    return out
