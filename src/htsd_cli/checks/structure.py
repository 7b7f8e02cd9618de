"""Recognising the form and the unit, and locating every cell with evidence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from htsd_cli.base.errors import FormError
from htsd_cli.base.findings import ERROR, WARNING, Code, ReadingKind
from htsd_cli.base.textnorm import label_key, repair_legacy
from htsd_cli.campaign.form import Form
from htsd_cli.campaign.layout import compute_layout, per_form
from htsd_cli.checks.context import Context
from htsd_cli.checks.identity import identify, stamp_line
from htsd_cli.checks.locate import Problem, form_items, locate
from htsd_cli.reading.view import Grid, SheetView

if TYPE_CHECKING:
    from htsd_cli.reading.reader import CarriesForm, SheetScore

# A problem that leaves one figure unread is an error, except a removed row, which is read as
# "not reported", like a blank cell.
_SEVERITY = {Code.ROW_REMOVED: WARNING, Code.AMBIGUOUS_TEXT: WARNING, Code.SHORT_LABEL: WARNING}


@per_form  # asked once for every file read
def sheet_score(form: Form) -> SheetScore:
    """How many of the form's labels a grid holds: picks a renamed form sheet among others."""
    keys = frozenset(item.key for item in form_items(form))

    def score(grid: Grid) -> int:
        return sum(
            1 for row in grid[:400] for v in row[:8] if isinstance(v, str) and label_key(v) in keys
        )

    return score


def carries_form(form: Form) -> CarriesForm:
    """Whether a further sheet of a workbook carries this form: this form's stamp (any version),
    or, without a stamp, at least half as many of its labels as it has indicators. A sheet
    stamped with another form (last year's, kept for reference) does not."""
    score = sheet_score(form)
    least = len(form.indicators) // 2

    def carries(grid: Grid) -> bool:
        stamp = stamp_line(SheetView("", "", "", grid))
        if stamp:
            return stamp.get("form_id") == form.id
        return bool(score(grid) >= least)

    return carries


def check_structure(ctx: Context) -> bool:
    """Recognise the form and find every cell. False when the file cannot be checked further."""
    view, form, rep = ctx.view, ctx.form, ctx.report
    ident = identify(view, ctx.want_names, ctx.own_sheet)
    found = ident.get("form_id")
    if found and found != form.id:
        year = ident.get("form_year")
        ctx.add(
            Code.WRONG_FORM,
            ERROR,
            f"Tệp là biểu mẫu '{found}'{f' năm {year}' if year else ''}, nhưng đợt này cần biểu "
            f"mẫu '{form.id}' ({form.short_title}). Hãy điền vào biểu mẫu đã phát năm nay.",
            value=found,
        )
        rep.unit_code = ident.get("unit_code")
        return False
    version = ident.get("form_version")
    if found and version and version != str(form.version):
        earlier = form.earlier(int(version)) if version.isdigit() else None
        if earlier is not None:  # read and checked by its own version, then carried over
            ctx.form = form = earlier
        else:
            ctx.add(
                Code.WRONG_FORM,
                WARNING,
                f"Tệp là biểu mẫu '{found}' phiên bản {version}, hiện dùng phiên bản "
                f"{form.version}; kiểm tra lại các ô đã điền.",
            )
    rep.form_id = found
    rep.unit_code = ident.get("unit_code")
    rep.unit_name = ident.get("unit_name")
    rep.unit_type = ident.get("unit_type")
    rep.unit_group = ident.get("unit_group")
    rep.identity_sources = list(dict.fromkeys(ident.sources))
    if ident.is_summary:
        rep.kind, rep.covers, rep.reported = (
            ReadingKind.SUMMARY,
            list(ident.covers),
            dict(ident.reported),
        )
        rep.expected = dict(ident.expected)
        if not rep.covers:  # which units it holds is the evidence against counting one twice
            ctx.add(
                Code.SUMMARY_INCOMPLETE,
                ERROR,
                "Tệp là báo cáo tổng hợp của đơn vị cấp dưới nhưng trang nhận diện không còn danh "
                "sách các đơn vị đã được tổng hợp trong đó, nên không biết đơn vị nào đã được "
                "tính (có thể bị tính hai lần). Hãy xin lại đúng tệp tong-hop.xlsx do htsd tạo, "
                "không sửa.",
            )
    rep.header = _typed_unit_name(view.grid, compute_layout(form).unit_name_cell)
    if not rep.unit_name:
        rep.unit_name = rep.header
    older = () if found else _older_versions(form)  # a table without stamps: any version
    location = locate(view.grid, form, view.sheet, view.names(), ident.cells, bool(found), older)
    if location is None:
        if found:
            ctx.add(
                Code.MISSING_CELL,
                ERROR,
                "Biểu mẫu đã bị sửa cấu trúc (chèn/xóa dòng hoặc trang, đổi nội dung cột), "
                "không tìm thấy các ô số liệu. Hãy điền lại vào biểu mẫu gốc đã phát.",
            )
        else:
            ctx.add(
                Code.UNKNOWN_FORM,
                ERROR,
                f"Không nhận ra biểu mẫu: tệp không có dấu nhận diện của htsd và các dòng "
                f"không khớp biểu mẫu '{form.id}' ({form.short_title}). Hãy điền vào biểu "
                "mẫu đã phát.",
            )
        return False
    if location.form is not None and location.form is not form:
        ctx.add(
            Code.OLDER_FORM,
            WARNING,
            f"Bảng ghi nhãn các dòng theo biểu mẫu '{form.id}' phiên bản {location.form.version}, "
            f"không theo phiên bản {form.version} đang dùng; đã đọc theo phiên bản "
            f"{location.form.version} rồi chuyển số liệu sang phiên bản {form.version}. Lần sau "
            "hãy điền vào biểu mẫu đã phát.",
        )
        ctx.form = form = location.form  # read and checked by its own version, then carried over
    rep.sheet = view.sheet
    rep.located_by = location.method
    rep.cells = location.cells
    for problem in location.problems:
        _report_problem(ctx, problem)
    if any(p.fatal for p in location.problems):
        return False
    if not found:
        ctx.add(
            Code.IDENTITY_BY_LAYOUT,
            WARNING,
            f"Tệp mất các dấu nhận diện (có thể số liệu đã được dán sang tệp mới); đã nhận ra "
            f"biểu mẫu '{form.id}' theo nội dung các dòng. Lần sau hãy điền vào tệp đã phát.",
        )
        rep.form_id = form.id
    return True


@per_form
def _older_versions(form: Form) -> tuple[Form, ...]:
    """The earlier versions of the form kept in its history, newest first (a version whose
    file cannot be read is not tried: `htsd form show` names it; the current one still is)."""
    found = []
    for version in range(form.version - 1, 0, -1):
        try:
            older = form.earlier(version)
        except FormError:
            continue
        if older is not None:
            found.append(older)
    return tuple(found)


def _report_problem(ctx: Context, problem: Problem) -> None:
    severity = _SEVERITY.get(problem.code, ERROR)
    if ctx.strict:
        severity = ERROR
    ind = ctx.form.indicator(problem.indicator) if problem.indicator else None
    ctx.add(problem.code, severity, problem.message, problem.cell, ind)


def _typed_unit_name(grid: Grid, cell: str) -> str:
    """The unit's name as typed at the top left of a copy without marks."""
    from htsd_cli.reading.parts import position

    r, c = position(cell)
    for row in grid[r : r + 4]:
        value = row[c] if c < len(row) else ""
        if isinstance(value, str) and value.strip() and not value.startswith(("(", "Số")):
            return repair_legacy(value.strip())[0]
    return ""
