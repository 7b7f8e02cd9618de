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
from pathlib import Path

from htsd_cli.checks.cells import check_rules, check_values
from htsd_cli.checks.context import Context, where
from htsd_cli.checks.structure import check_structure, sheet_score
from htsd_cli.findings import ERROR, WARNING, FileReport, Finding, Report, Skipped
from htsd_cli.form import Form
from htsd_cli.isolate import Crash, run_isolated
from htsd_cli.roster import Roster
from htsd_cli.textnorm import fold
from htsd_cli.values import show
from htsd_cli.workbook import Unreadable, open_workbook

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
OUTLIER_Z = 3.5
OUTLIER_MIN_PEERS = 8
OUTLIER_RATIO = 3.0  # and at least three times above or below the median


CHECKS: tuple[Callable[[Context], None], ...] = (check_values, check_rules)


def check_file(path: str, form: Form, strict: bool = False, want_names: bool = True) -> FileReport:
    """Read and check one returned file; never raises for a bad file."""
    report = FileReport(path=path)
    with contextlib.suppress(OSError):
        report.mtime = os.stat(path).st_mtime
    try:
        view = open_workbook(Path(path), sheet_score(form))
    except Unreadable as exc:
        report.findings.append(Finding(exc.code, ERROR, exc.message, path))
        return report
    report.fmt = view.fmt
    ctx = Context(view, form, strict, report, want_names=want_names)
    try:
        if check_structure(ctx):
            for check in CHECKS:
                check(ctx)
            report.values = dict(ctx.values)
    finally:
        view.close()
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
                        f"{where(cell, ind)}: {show(v)} khác xa các đơn vị cùng loại (trung vị "
                        f"{show(median)}). Kiểm tra lại xem có gõ nhầm không.",
                        sheet=rep.sheet,
                        cell=cell,
                        indicator=ind.id,
                        label=ind.label,
                        value=show(v),
                    )
