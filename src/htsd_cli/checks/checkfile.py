"""The checks of one returned file: `check_file` reads it (in a worker process) and checks
every sheet that carries the form; `check_view` is the pure half, the checks of one sheet as a
function of a read-only view, which tests call with a view built from a dict."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from htsd_cli.base.findings import ERROR, FileReport, Finding, ReadingKind
from htsd_cli.base.fsutil import modified
from htsd_cli.campaign.form import Form
from htsd_cli.checks.applies import apply_applicability
from htsd_cli.checks.cells import check_rules, check_values
from htsd_cli.checks.context import Context
from htsd_cli.checks.sheets import sheet_readings, unread_sheet
from htsd_cli.checks.structure import carries_form, check_structure, sheet_score
from htsd_cli.checks.versions import carry_over
from htsd_cli.reading import Unreadable, open_workbook
from htsd_cli.reading.archives import outer, read_item
from htsd_cli.reading.view import SheetView

CHECKS: tuple[Callable[[Context], None], ...] = (check_values, check_rules)


def check_file(
    path: str, form: Form, strict: bool = False, want_names: bool = True, digest: bool = False
) -> FileReport:
    """Read and check one returned file; never raises for a bad file. With `digest`, the
    report carries the SHA-256 of the bytes that were read (for the cache).

    Every sheet that carries the form is read. Copies of the form for the same unit (the same
    stamp and header) are one reading when one copy holds all the others say; else each is
    held. A sheet whose own marks name another unit is a reading of its own. The readings
    besides the one returned are in its `more_sheets`."""
    report = FileReport(path=path, mtime=modified(outer(path)))
    try:
        data, read_digest = read_item(path)  # a file, or a member of an archive
        if digest:
            report.digest = read_digest
        view = open_workbook(Path(path), sheet_score(form), data)
    except Unreadable as exc:
        report.findings.append(Finding(exc.code, ERROR, exc.message, path))
        return report
    report.fmt = view.fmt
    sheets = [(view.sheet, report)]
    try:
        _check_sheet(view, form, strict, want_names, report)
        # a file of another form, or none, has no copy of this one; an office's summary has
        # tables of its own beside its form sheet (by unit type, by group), no further form
        if report.form_id and report.kind != ReadingKind.SUMMARY:
            least = len(form.indicators) // 2
            for sheet, grid in view.further_form_sheets(carries_form(form), least):
                if grid is None:
                    report.findings.append(unread_sheet(path, sheet, view.sheet))
                    continue
                other = FileReport(path=path, mtime=report.mtime, fmt=view.fmt)
                _check_sheet(view.sibling(sheet, grid), form, strict, want_names, other, True)
                sheets.append((sheet, other))
    finally:
        view.close()
    if len(sheets) == 1:
        return report
    readings = sheet_readings(sheets)
    readings[0].more_sheets = readings[1:]
    return readings[0]


def check_view(
    view: SheetView,
    form: Form,
    strict: bool = False,
    want_names: bool = True,
    *,
    report: FileReport | None = None,
    own_sheet: bool = False,
) -> Context:
    """The checks of one sheet, a function of the read-only `view` alone: where the form's
    cells are, each cell, the rules, by the version of `form` the sheet was written in
    (`ctx.form`). Findings and the figures as read go into `report` (a new one for the view's
    path when none is given): `ctx.report`; `ctx.checked` when the form was found and every
    check ran. `own_sheet`: a further sheet, told whose it is by its own marks."""
    if report is None:
        report = FileReport(path=view.path)
    ctx = Context(view, form, strict, report, want_names=want_names, own_sheet=own_sheet)
    if check_structure(ctx):
        for check in CHECKS:
            check(ctx)
        report.values = dict(ctx.values)
        ctx.checked = True
    return ctx


def _check_sheet(
    view: SheetView, form: Form, strict: bool, want_names: bool, report: FileReport,
    own_sheet: bool = False,
) -> None:  # fmt: skip
    """`check_view`, then the figures carried to the current version of the form, and the rows
    the unit type stamped in the workbook does not answer taken out."""
    ctx = check_view(view, form, strict, want_names, report=report, own_sheet=own_sheet)
    if ctx.checked:
        if ctx.form is not form:
            report.values = carry_over(ctx, form)
        apply_applicability([report], form, None)
