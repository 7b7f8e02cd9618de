"""Checking returned workbooks cell by cell, as a careful clerk would.

`check_file` reads and checks one file (it runs in a worker process); `validate_paths` runs it over
a batch and adds the checks that need the whole batch: roster identity, duplicates and outliers.
Checks are small functions; each returns findings, never raises for bad data.
"""

from __future__ import annotations

import contextlib
import functools
import os
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from htsd_cli.findings import ERROR, WARNING, FileReport, Finding, Report, Skipped
from htsd_cli.form import Form, Indicator
from htsd_cli.isolate import Crash, run_isolated
from htsd_cli.layout import column_letter, compute_layout, label_text
from htsd_cli.reader import RawReturn, Unreadable, cell_value, position, read_return
from htsd_cli.roster import Roster
from htsd_cli.textnorm import fold, repair_legacy
from htsd_cli.values import (
    ValueProblem,
    is_blank,
    is_date_like,
    is_error_text,
    parse_vn_number,
    parse_yes_no,
    show,
)

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
OUTLIER_Z = 3.5
OUTLIER_MIN_PEERS = 8
OUTLIER_RATIO = 3.0  # and at least three times above or below the median


@dataclass
class Context:
    """What the per-file checks share."""

    raw: RawReturn
    form: Form
    strict: bool
    report: FileReport
    values: dict[str, Any] = field(default_factory=dict)
    want_names: bool = True  # read unit names from the file (no roster to give them)

    def add(
        self,
        code: str,
        severity: str,
        message: str,
        cell: str = "",
        ind: Indicator | None = None,
        value: object = "",
        rule: str = "",
    ) -> None:
        self.report.findings.append(
            Finding(
                code=code,
                severity=severity,
                message=message,
                file=self.report.path,
                sheet=self.raw.sheet if cell else "",
                cell=cell,
                indicator=ind.id if ind else "",
                label=ind.label if ind else "",
                value="" if value == "" or value is None else show(value),
                rule=rule,
            )
        )


def _where(cell: str, ind: Indicator) -> str:
    return f"Ô {cell} ({label_text(ind).strip(' -')})"


# --- per-file checks --------------------------------------------------------------------------------


def check_identity(ctx: Context) -> bool:
    """Recognise the form and find every cell. False when the file cannot be checked further.

    The stamp line on the form sheet is read first; the hidden sheet, the defined names and the
    document properties only when the stamp is missing, the names of units are wanted (no
    roster) or the file is an office's summary. Cells come from the form's layout when its labels
    are where they should be, else from the defined names or the hidden sheet (whichever still
    matches the labels), else from a search by label.
    """
    raw, form, rep = ctx.raw, ctx.form, ctx.report
    ident = raw.identity
    sheet_cells: dict[str, str] = {}
    if ctx.want_names or not ident.get("form_id") or ident.get("kind") == "summary":
        sheet_cells = raw.load_identity_sheet()
    names: dict[str, str] | None = None
    if not ident.get("form_id"):
        names = raw.load_names()
    found = ident.get("form_id", "")
    if found and found != form.id:
        year = ident.get("form_year", "")
        ctx.add(
            "wrong-form",
            ERROR,
            f"Tệp là biểu mẫu '{found}'{f' năm {year}' if year else ''}, nhưng đợt này cần biểu "
            f"mẫu '{form.id}' ({form.short_title}). Hãy điền vào biểu mẫu đã phát năm nay.",
            value=found,
        )
        return False
    if found and ident.get("form_version") and ident["form_version"] != str(form.version):
        ctx.add(
            "wrong-form",
            WARNING,
            f"Tệp là biểu mẫu '{found}' phiên bản {ident['form_version']}, hiện dùng phiên bản "
            f"{form.version}; kiểm tra lại các ô đã điền.",
        )
    rep.form_id = found or ""
    rep.unit_code = ident.get("unit_code", "")
    rep.unit_name = ident.get("unit_name", "")
    rep.unit_type = ident.get("unit_type", "")
    rep.unit_group = ident.get("unit_group", "")
    rep.identity_sources = list(dict.fromkeys(raw.identity_sources))
    if ident.get("kind") == "summary":
        rep.kind, rep.covers, rep.reported = "summary", list(raw.covers), dict(raw.reported)
    layout = compute_layout(form)
    if not rep.unit_name:
        typed = cell_value(raw, layout.unit_name_cell)
        if isinstance(typed, str) and typed.strip() and not typed.startswith("("):
            rep.unit_name = repair_legacy(typed.strip())[0]
    cells = _matching_map(ctx, layout.cells, sheet_cells, names) if found else None
    if cells is None:
        cells = locate_by_labels(raw, form)
        if cells is None:
            if found:
                ctx.add(
                    "missing-cell",
                    ERROR,
                    "Biểu mẫu đã bị sửa cấu trúc (chèn/xóa dòng hoặc trang, đổi nội dung cột), "
                    "không tìm thấy các ô số liệu. Hãy điền lại vào biểu mẫu gốc đã phát.",
                )
            else:
                ctx.add(
                    "unknown-form",
                    ERROR,
                    f"Không nhận ra biểu mẫu: tệp không có dấu nhận diện của htsd và các dòng "
                    f"không khớp biểu mẫu '{form.id}' ({form.short_title}). Hãy điền vào biểu "
                    "mẫu đã phát.",
                )
            return False
        if not found:
            ctx.add(
                "identity-by-layout",
                WARNING,
                f"Tệp mất các dấu nhận diện (có thể số liệu đã được dán sang tệp mới); đã nhận ra "
                f"biểu mẫu '{form.id}' theo nội dung các dòng. Lần sau hãy điền vào tệp đã phát.",
            )
            rep.form_id = form.id
    rep.cells = cells
    rep.sheet = raw.sheet
    return True


def _matching_map(
    ctx: Context,
    layout_cells: dict[str, str],
    sheet_cells: dict[str, str],
    names: dict[str, str] | None,
) -> dict[str, str] | None:
    """The first cell map whose label cells still hold the form's labels."""
    raw, form = ctx.raw, ctx.form
    if _labels_agree(raw, form, layout_cells):
        return layout_cells
    if names is None:
        names = raw.load_names()  # defined names move with inserted rows
    for candidate in (names, sheet_cells or raw.load_identity_sheet()):
        complete = bool(candidate) and all(i.id in candidate for i in form.indicators)
        if complete and _labels_agree(raw, form, candidate):
            return {**layout_cells, **candidate}
    return None


def _labels_agree(raw: RawReturn, form: Form, cells: dict[str, str]) -> bool:
    """Whether the cell left of each value cell still holds the indicator's label."""
    hits = 0
    grid = raw.grid
    for ind in form.indicators:
        row, col = position(cells.get(ind.id, ""))
        if col < 1 or row >= len(grid) or col > len(grid[row]):
            continue
        label = grid[row][col - 1]
        hits += isinstance(label, str) and _label_key(label) == _label_key(ind.label)
    return hits >= 0.9 * len(form.indicators)


def _find_row(table: list[list[tuple[str, int]]], want: str, start: int) -> tuple[int, int] | None:
    for r in range(start, len(table)):
        for key, col in table[r]:
            if key == want:
                return r, col
    return None


@functools.lru_cache(maxsize=4096)
def _label_key(text: str) -> str:
    return fold(text).strip(" -+:.…").rstrip(".:")


def locate_by_labels(raw: RawReturn, form: Form) -> dict[str, str] | None:
    """Find each indicator's row by its label, in form order. None when too few match.

    The printed label ("- Kế hoạch …") is tried before the bare one, because a section heading
    may repeat the label of its only figure.
    """
    rows = [
        [
            (fold(v).rstrip(" :.…"), c) if isinstance(v, str) else ("", c)
            for c, v in enumerate(row[:4])
        ]
        for row in raw.grid
    ]
    bare = [[(_label_key(key), c) for key, c in row] for row in rows]
    out: dict[str, str] = {}
    start = 0
    for ind in form.indicators:
        for table, want in (
            (rows, fold(label_text(ind)).rstrip(" :.…")),
            (bare, _label_key(ind.label)),
        ):
            hit = _find_row(table, want, start)
            if hit is not None:
                r, col = hit
                out[ind.id] = f"{column_letter(col + 1)}{r + 1}"
                out[ind.note_id] = f"{column_letter(col + 2)}{r + 1}"
                start = r + 1
                break
    for text in form.texts:
        want = _label_key(text.heading)
        for r, row in enumerate(bare):
            if any(key == want for key, _ in row):
                out[text.id] = f"A{r + 2}"
                break
    matched = sum(1 for i in form.indicators if i.id in out)
    return out if matched >= 0.8 * len(form.indicators) else None


def check_values(ctx: Context) -> None:
    """Read every figure by indicator and report what a unit must fix."""
    cells, raw = ctx.report.cells, ctx.raw
    figures = [i for i in ctx.form.indicators if i.kind != "text"]
    empty = all(
        is_blank(cell_value(raw, cells.get(i.id, "")))
        and raw.formula_problem(cells.get(i.id, "")) is None
        for i in figures
    )
    if empty:  # one finding for the whole return, not one per cell
        ctx.add(
            "empty-return",
            ERROR,
            "Tệp chưa điền số liệu nào: mọi ô Kết quả đều bỏ trống. Hãy điền số liệu rồi gửi lại.",
        )
    for ind in ctx.form.indicators:
        cell = cells.get(ind.id, "")
        ctx.values[ind.id] = None if empty and ind.kind != "text" else _read_value(ctx, ind, cell)
        note = cells.get(ind.note_id)
        if note:
            text = _read_text(ctx, note, ind)
            if text:
                ctx.report.texts[ind.note_id] = text
    for part in ctx.form.texts:
        ref = cells.get(part.id)
        if ref:
            text = _read_text(ctx, ref, None, part.heading)
            if text:
                ctx.report.texts[part.id] = text


def _read_value(ctx: Context, ind: Indicator, cell: str) -> Any:
    raw_value = cell_value(ctx.raw, cell)
    broken = ctx.raw.formula_problem(cell) if is_blank(raw_value) else None
    where = _where(cell, ind)
    if broken == "no-value":
        ctx.add(
            "formula-no-value",
            ERROR,
            f"{where}: có công thức nhưng chưa có kết quả. Hãy mở tệp bằng Excel hoặc "
            "LibreOffice, lưu lại rồi gửi lại (hoặc ghi thẳng con số).",
            cell,
            ind,
        )
        return None
    if broken or is_error_text(raw_value):
        ctx.add(
            "error-value",
            ERROR,
            f"{where}: công thức báo lỗi {broken or raw_value}. Hãy sửa công thức hoặc ghi con số.",
            cell,
            ind,
            broken or raw_value,
        )
        return None
    if is_blank(raw_value):
        what = "Có hoặc Không" if ind.kind == "yesno" else "0 nếu không có"
        if ind.kind == "text":
            return None
        ctx.add(
            "blank-value",
            ERROR if ctx.strict else WARNING,
            f"{where}: bỏ trống nghĩa là chưa báo cáo. Hãy ghi số liệu ({what}).",
            cell,
            ind,
        )
        return None
    if ind.kind == "text":
        return _read_text(ctx, cell, ind)
    if ind.kind == "yesno" and ctx.report.kind == "summary":
        # a summary holds the number of units that answered "Có"
        return _read_number(ctx, ind, cell, raw_value)
    if ind.kind == "yesno":
        try:
            return parse_yes_no(raw_value)
        except ValueProblem:
            ctx.add(
                "not-yes-no",
                ERROR,
                f"{where}: ghi '{show(raw_value)}'; chỉ được chọn Có hoặc Không.",
                cell,
                ind,
                raw_value,
            )
            return None
    return _read_number(ctx, ind, cell, raw_value)


def _read_number(ctx: Context, ind: Indicator, cell: str, raw_value: Any) -> float | None:
    where = _where(cell, ind)
    if isinstance(raw_value, bool) or is_date_like(raw_value):
        kind = "giá trị đúng/sai" if isinstance(raw_value, bool) else "ngày giờ"
        ctx.add(
            "wrong-type",
            ERROR,
            f"{where}: ô chứa {kind} ({show(raw_value)}), cần một con số "
            f"({ind.unit}). Hãy xóa định dạng ngày và ghi lại con số.",
            cell,
            ind,
            raw_value,
        )
        return None
    if isinstance(raw_value, (int, float)):
        value = float(raw_value)
    else:
        text = str(raw_value)
        try:
            parsed = parse_vn_number(text)
        except ValueProblem as problem:
            ctx.add(
                problem.code,
                ERROR,
                f"{where}: '{show(text)}' {problem.message}. Hãy ghi một con số, ví dụ 1200.",
                cell,
                ind,
                text,
            )
            return None
        assert isinstance(parsed.value, float)
        value = parsed.value
        if parsed.unit_text:
            ctx.add(
                "unit-typed",
                WARNING,
                f"{where}: ghi '{show(text)}', đã đọc là {show(value)}. Chỉ ghi con số, không "
                "ghi đơn vị tính.",
                cell,
                ind,
                text,
            )
    if value < 0:
        ctx.add(
            "negative-value",
            ERROR,
            f"{where}: số âm ({show(raw_value)}). Hãy ghi số không âm (0 nếu không có).",
            cell,
            ind,
            raw_value,
        )
        return None
    if ind.whole and not value.is_integer():
        ctx.add(
            "fractional-count",
            ERROR,
            f"{where}: {show(raw_value)} không phải số nguyên; số {ind.unit} phải là số nguyên.",
            cell,
            ind,
            raw_value,
        )
        return None
    return value


def _read_text(ctx: Context, cell: str, ind: Indicator | None, heading: str = "") -> str:
    value = cell_value(ctx.raw, cell)
    if is_blank(value):
        return ""
    raw_text = show(value) if not isinstance(value, str) else value.strip()
    # the cell's font decides when it names a legacy font; plain ASCII needs no look
    font = ctx.raw.font_of(cell) if not raw_text.isascii() else None
    text, legacy = repair_legacy(raw_text, font)
    if legacy:
        where = _where(cell, ind) if ind else f"Ô {cell} ({heading})"
        name = "TCVN3 (.VnTime)" if legacy == "tcvn3" else "VNI"
        ctx.add(
            "legacy-encoding",
            WARNING,
            f"{where}: chữ gõ bằng bảng mã {name}, đã chuyển sang Unicode: '{show(text)}'. "
            "Lần sau hãy gõ bằng bảng mã Unicode (phông Times New Roman).",
            cell,
            ind,
            value,
        )
    return text


def check_rules(ctx: Context) -> None:
    """Every cross-field rule of the form."""
    for rule in ctx.form.rules:
        if rule.when is not None and rule.when.holds(ctx.values) is not True:
            continue
        if rule.check.holds(ctx.values) is not False:
            continue
        first = rule.check.left.ids[0] if rule.check.left.ids else rule.check.right.ids[0]
        ind = ctx.form.indicator(first)
        cell = ctx.report.cells.get(first, "")
        when_value = rule.when.left.evaluate(ctx.values) if rule.when else None
        message = rule.message.format(
            left_value=show(rule.check.left.evaluate(ctx.values)),
            right_value=show(rule.check.right.evaluate(ctx.values)),
            when_value=show(when_value) if when_value is not None else "",
        )
        # In a summary, blanks left by some units can make a sum break a rule: warn only.
        severity = WARNING if ctx.report.kind == "summary" else rule.severity
        ctx.add(
            "rule-violated",
            severity,
            f"{_where(cell, ind)}: {message}",
            cell,
            ind,
            rule=rule.id,
        )


CHECKS: tuple[Callable[[Context], None], ...] = (check_values, check_rules)


def check_file(path: str, form: Form, strict: bool = False, want_names: bool = True) -> FileReport:
    """Read and check one returned file; never raises for a bad file."""
    report = FileReport(path=path)
    with contextlib.suppress(OSError):
        report.mtime = os.stat(path).st_mtime
    try:
        raw = read_return(Path(path))
    except Unreadable as exc:
        report.findings.append(Finding(exc.code, ERROR, exc.message, path))
        return report
    report.fmt = raw.fmt
    ctx = Context(raw, form, strict, report, want_names=want_names)
    try:
        if check_identity(ctx):
            for check in CHECKS:
                check(ctx)
            report.values = dict(ctx.values)
    finally:
        raw.close()
    return report


# --- batches ---------------------------------------------------------------------------------------


def collect(paths: Iterable[Path]) -> tuple[list[Path], list[Skipped]]:
    """Files to check from files and folders (recursive); lock and hidden files are skipped."""
    files: list[Path] = []
    skipped: list[Skipped] = []
    for path in paths:
        if path.is_dir() and path.suffix.lower() not in WORKBOOK_SUFFIXES:
            for root, dirs, names in os.walk(path):
                dirs.sort()
                kept = []
                for d in dirs:
                    full = Path(root) / d
                    if d.startswith("."):
                        skipped.append(Skipped(str(full), "thư mục ẩn"))
                    elif d.lower().endswith(WORKBOOK_SUFFIXES):
                        files.append(full)
                    else:
                        kept.append(d)
                dirs[:] = kept
                for name in sorted(names):
                    full = Path(root) / name
                    reason = _skip_reason(name)
                    if reason:
                        skipped.append(Skipped(str(full), reason))
                    else:
                        files.append(full)
        else:
            files.append(path)
    return files, skipped


def _skip_reason(name: str) -> str:
    if name.startswith("~$") or name.startswith(".~lock."):
        return "tệp khóa tạm của Excel/LibreOffice (tệp đang mở)"
    if name.startswith("."):
        return "tệp ẩn"
    if not name.lower().endswith(WORKBOOK_SUFFIXES):
        suffix = Path(name).suffix or "(không có đuôi)"
        return f"không phải tệp bảng tính (đuôi {suffix})"
    return ""


_CRASH_MESSAGES = {
    "timeout": "Đọc tệp quá {detail} mà chưa xong (tệp quá lớn hoặc bị làm hỏng); đã bỏ qua tệp này.",
    "memory": "Tệp cần quá nhiều bộ nhớ để đọc (kích thước khai báo bất thường, nghi tệp độc); "
    "đã bỏ qua tệp này.",
    "crash": "Trình đọc bảng tính dừng đột ngột khi đọc tệp này (tệp hỏng); đã bỏ qua tệp này.",
}


def validate_paths(
    paths: Iterable[Path],
    form: Form,
    roster: Roster | None = None,
    strict: bool = False,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> Report:
    """Check every workbook under `paths` and the batch as a whole.

    `meanwhile` runs in a thread while the files are read (see isolate.run_isolated).
    """
    files, skipped = collect(paths)
    report = Report(skipped=skipped)
    results: list[FileReport | None] = [None] * len(files)
    func = functools.partial(check_file, form=form, strict=strict, want_names=roster is None)
    import python_calamine  # noqa: F401 - loaded once here, before the workers are forked

    for index, result in run_isolated(
        func, [str(p) for p in files], workers=workers, meanwhile=meanwhile
    ):
        if isinstance(result, Crash):
            message = _CRASH_MESSAGES[result.reason].format(detail=result.detail)
            code = "unreadable-file" if result.reason == "crash" else "unsafe-file"
            result = FileReport(
                str(files[index]), findings=[Finding(code, ERROR, message, str(files[index]))]
            )
        results[index] = result
        if progress:
            progress(1, len(files))
    report.files = [r for r in results if r is not None]
    if roster is not None:
        check_roster(report.files, roster)
    check_duplicates(report.files)
    check_outliers(report.files, form)
    return report


def _batch_finding(rep: FileReport, code: str, severity: str, message: str, **kw: str) -> None:
    rep.findings.append(Finding(code, severity, message, rep.path, **kw))


def check_roster(files: list[FileReport], roster: Roster) -> None:
    """Identity against the roster: unknown code, mismatching name; fill in blank workbooks."""
    by_name = {fold(u.name): u for u in roster.units}
    for rep in files:
        if not rep.form_id:
            continue
        if rep.unit_code:
            unit = roster.find(rep.unit_code)
            if unit is None:
                _batch_finding(
                    rep,
                    "unknown-unit",
                    ERROR,
                    f"Mã đơn vị '{rep.unit_code}' không có trong danh sách đơn vị "
                    f"({roster.source.name}). Hãy dùng đúng tệp đã phát cho đơn vị mình.",
                    value=rep.unit_code,
                )
                continue
            if rep.unit_name and fold(rep.unit_name) != fold(unit.name):
                _batch_finding(
                    rep,
                    "name-mismatch",
                    WARNING,
                    f"Tên đơn vị trong tệp là '{rep.unit_name}', nhưng mã {unit.code} trong danh "
                    f"sách là '{unit.name}'. Kiểm tra xem đơn vị có dùng nhầm tệp không.",
                    value=rep.unit_name,
                )
        else:
            found = by_name.get(fold(rep.unit_name)) if rep.unit_name else None
            if found is None:
                shown = f"'{rep.unit_name}'" if rep.unit_name else "(để trống)"
                _batch_finding(
                    rep,
                    "unknown-unit",
                    ERROR,
                    f"Không xác định được đơn vị: tệp không có mã đơn vị và tên {shown} không có "
                    "trong danh sách. Hãy ghi đúng tên đơn vị ở ô A1 hoặc dùng tệp đã phát.",
                    sheet=rep.sheet,
                    cell="A1",
                    value=rep.unit_name,
                )
                continue
            unit = found
        rep.unit_code, rep.unit_name = unit.code, unit.name
        rep.unit_type, rep.unit_group = unit.unit_type, unit.group


def check_duplicates(files: list[FileReport]) -> None:
    by_code: dict[str, list[FileReport]] = {}
    for rep in files:
        if rep.unit_code:
            by_code.setdefault(rep.unit_code, []).append(rep)
    for code, reps in by_code.items():
        if len(reps) < 2:
            continue
        for rep in reps:
            others = ", ".join(Path(o.path).name for o in reps if o is not rep)
            _batch_finding(
                rep,
                "duplicate-unit",
                WARNING,
                f"Đơn vị {code} gửi nhiều tệp: tệp này và {others}. Khi tổng hợp chỉ dùng tệp "
                "hợp lệ mới nhất.",
                value=code,
            )


def check_outliers(files: list[FileReport], form: Form) -> None:
    """A figure far from its peers of the same unit type is a warning, never an error: a
    modified z-score above 3.5 among at least 8 peers, a non-zero value, and at least three
    times above or below the median."""
    groups: dict[str, list[FileReport]] = {}
    for rep in files:
        if rep.values and rep.unit_type:
            groups.setdefault(rep.unit_type, []).append(rep)
    for reps in groups.values():
        if len(reps) < OUTLIER_MIN_PEERS:
            continue
        for ind in form.indicators:
            if not ind.numeric:
                continue
            pairs = [(r, r.values.get(ind.id)) for r in reps]
            numbers = [(r, float(v)) for r, v in pairs if isinstance(v, (int, float))]
            if len(numbers) < OUTLIER_MIN_PEERS:
                continue
            values = [v for _, v in numbers]
            median = statistics.median(values)
            mad = statistics.median(abs(v - median) for v in values)
            if mad == 0:
                continue
            for rep, v in numbers:
                z = 0.6745 * (v - median) / mad
                # 0 means "none", a real answer; a typo is usually a factor off (1200 for 12)
                far = v >= OUTLIER_RATIO * median or v * OUTLIER_RATIO <= median
                if abs(z) > OUTLIER_Z and v > 0 and far:
                    cell = rep.cells.get(ind.id, "")
                    _batch_finding(
                        rep,
                        "outlier",
                        WARNING,
                        f"{_where(cell, ind)}: {show(v)} khác xa các đơn vị cùng loại (trung vị "
                        f"{show(median)}). Kiểm tra lại xem có gõ nhầm không.",
                        sheet=rep.sheet,
                        cell=cell,
                        indicator=ind.id,
                        label=ind.label,
                        value=show(v),
                    )
