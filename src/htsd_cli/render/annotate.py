"""Annotated copies of returns: each offending cell highlighted with a comment, plus a list sheet.

The copy is what the clerk sends back to the unit. The unit's own .xlsx/.xlsm is copied as it is;
an .xls or .ods (which openpyxl cannot write) is copied cell by cell into a new .xlsx.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from htsd_cli.base.findings import FileReport, Finding, Report
from htsd_cli.base.outputs import Inputs, OutputSet
from htsd_cli.base.textnorm import slug
from htsd_cli.base.values import show
from htsd_cli.campaign.layout import FORM_SHEET
from htsd_cli.writing.cellsafe import put

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

FINDINGS_SHEET = "Lỗi cần sửa"
ERROR_FILL = "FFC7CE"
WARNING_FILL = "FFEB9C"


@dataclass(frozen=True)
class Annotated:
    source: str
    path: Path | None
    note: str = ""
    removed: bool = False  # `path` is an earlier run's copy, gone: the file has nothing to fix now


def to_fix(rep: FileReport) -> bool:
    """Whether a file has something its unit must fix or the clerk must confirm (an error, a
    held figure): only such a file gets a copy to send back. A file with remarks only has
    nothing to send back."""
    return rep.errors > 0 or bool(rep.held)


def annotate_report(
    report: Report, out_dir: Path, inputs: Inputs | None = None, overwrite: bool = False
) -> list[Annotated]:
    """Write an annotated copy of every file with something to fix (`to_fix`), all together.

    `inputs` are what the run read: the copies never land on them nor in a folder of returns
    (the next run would read them as returns). A file already there is replaced only when htsd
    wrote it, or with `overwrite`.
    """
    out: list[Annotated] = []
    planned: list[tuple[FileReport, str]] = []
    used: set[str] = set()
    for rep in report.files:
        if not to_fix(rep):
            continue
        if not rep.fmt:
            out.append(Annotated(rep.path, None, "không mở được tệp nên không chép được"))
            continue
        stem, name, n = slug(Path(rep.path).stem), "", 1
        while not name or name.casefold() in used:
            name = f"{stem}-can-sua.xlsx" if n == 1 else f"{stem}-can-sua-{n}.xlsx"
            n += 1
        used.add(name.casefold())
        planned.append((rep, name))
    stale = _stale_copies(report, out_dir, used)
    if not planned and not stale:
        return out
    with OutputSet(out_dir, inputs or Inputs(), "bản sao cần sửa", overwrite) as outs:
        outs.claim(name for _, name in planned)
        outs.retire(stale)
        for rep, name in planned:
            try:
                data = _annotated_bytes(rep)
            except Exception:
                out.append(
                    Annotated(
                        rep.path,
                        None,
                        "không chép được: tệp có phần mà thư viện ghi bảng tính không mở được "
                        "(hãy gửi đơn vị danh sách lỗi ở trên)",
                    )
                )
                continue
            target = outs.write(name, data)
            note = "" if rep.fmt in ("xlsx", "xlsm") else f"chép từ tệp .{rep.fmt} sang .xlsx"
            out.append(Annotated(rep.path, target, note))
        outs.commit()
    for gone in outs.retired:
        out.append(Annotated(stale[gone.name], gone, removed=True))
    return out


def _stale_copies(report: Report, out_dir: Path, used: set[str]) -> dict[str, str]:
    """The copies an earlier run wrote in `out_dir` for files of this run that have nothing to
    fix now (name → the file's path), so that no outdated copy is sent back to a unit. Copies
    of files this run did not read are none of its business."""
    try:
        on_disk = {p.name.casefold(): p.name for p in out_dir.iterdir()}
    except OSError:  # no folder yet, or one that cannot be listed: nothing to retire
        return {}
    out: dict[str, str] = {}
    for rep in report.files:
        if to_fix(rep) or not rep.fmt:
            continue
        stem = slug(Path(rep.path).stem)
        for folded, name in on_disk.items():
            if folded in used:
                continue
            if folded == f"{stem}-can-sua.xlsx".casefold() or (
                folded.startswith(f"{stem}-can-sua-".casefold())
                and folded.removesuffix(".xlsx")[len(stem) + 9 :].isdigit()
            ):
                out[name] = rep.path
    return out


def _load_copy(rep: FileReport) -> Workbook:
    from openpyxl import Workbook, load_workbook

    from htsd_cli.reading.archives import read_item

    data, _digest = read_item(rep.path)  # a file, or a member of an archive
    if rep.fmt in ("xlsx", "xlsm"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(data), keep_vba=rep.fmt == "xlsm")
    from python_calamine import CalamineWorkbook

    wb = Workbook()
    wb.remove(wb.worksheets[0])
    with CalamineWorkbook.from_filelike(io.BytesIO(data)) as source:
        for name in source.sheet_names:
            ws: Worksheet = wb.create_sheet(name[:31])
            rows = source.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=1000)
            for r, row in enumerate(rows, start=1):
                for c, value in enumerate(row[:50], start=1):
                    if value != "" and value is not None:
                        put(ws.cell(row=r, column=c), value)
    return wb


def _annotated_bytes(rep: FileReport) -> bytes:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    from htsd_cli.base.textwidth import fit_lines
    from htsd_cli.render.summary import print_setup
    from htsd_cli.writing.package import FONT_NAME, normalise_package

    wb = _load_copy(rep)
    sheet_name = rep.sheet if rep.sheet in wb.sheetnames else FORM_SHEET
    ws = wb[sheet_name] if sheet_name in wb.sheetnames else wb.worksheets[0]
    by_cell: dict[str, list[Finding]] = {}
    for f in rep.findings:
        if f.cell:
            by_cell.setdefault(f.cell, []).append(f)
    for ref, items in by_cell.items():
        cell = ws[ref]
        worst = "error" if any(f.is_error for f in items) else "warning"
        color = ERROR_FILL if worst == "error" else WARNING_FILL
        cell.fill = PatternFill("solid", fgColor=color)
        text = "\n".join(("Lỗi: " if f.is_error else "Lưu ý: ") + f.message for f in items)
        comment = Comment(text, "htsd")
        comment.width = 320
        comment.height = 40 + 40 * len(items)
        cell.comment = comment
    if FINDINGS_SHEET in wb.sheetnames:
        del wb[FINDINGS_SHEET]
    if wb.security is not None:
        wb.security.lockStructure = False
    ls: Worksheet = wb.create_sheet(FINDINGS_SHEET, 0)
    headers = ("Mức độ", "Trang", "Ô", "Chỉ tiêu", "Giá trị đã ghi", "Cần sửa", "Loại lỗi")
    for c, title in enumerate(headers, start=1):
        put(ls.cell(row=1, column=c), title).font = Font(name=FONT_NAME, bold=True)
    for r, f in enumerate(rep.findings, start=2):
        row = (
            "Lỗi" if f.is_error else "Lưu ý",
            f.sheet,
            f.cell,
            f.label,
            show(f.value) if f.value else "",  # a value is quoted short; the message whole
            f.message,
            f.title,
        )
        for c, value in enumerate(row, start=1):
            put(ls.cell(row=r, column=c), value or None).font = Font(name=FONT_NAME)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, cells in enumerate(ls.iter_rows(min_row=2), start=2):
        for cell in cells:
            cell.alignment = wrap
        # a spreadsheet does not grow a row for wrapped text when it opens a file: say how tall
        message, label = str(cells[5].value or ""), str(cells[3].value or "")
        lines = max(
            len(fit_lines(message, 11, "regular", 120)), len(fit_lines(label, 11, "regular", 55))
        )
        ls.row_dimensions[r].height = 15 * lines
    for col, width in zip("ABCDEFG", (8, 10, 6, 32, 16, 70, 18), strict=True):
        ls.column_dimensions[col].width = width
    ls.freeze_panes = "A2"
    print_setup(ls, landscape=True)
    wb.active = 0
    buffer = io.BytesIO()
    wb.save(buffer)
    return normalise_package(buffer.getvalue())  # the same return, the same copy: no save time
