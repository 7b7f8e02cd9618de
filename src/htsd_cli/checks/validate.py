"""Validating a batch: every return found is read and checked in worker processes (or taken from
the read cache), folded as it arrives, then the batch is checked as a whole.

The steps live in their own modules: `returns` finds the files, `checkfile` reads and checks one,
`folding` keeps the readings small, `batch` holds the checks that need every file.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from htsd_cli.base.findings import ERROR, Code, FileReport, Finding, Report
from htsd_cli.base.isolate import Crash, run_isolated
from htsd_cli.campaign.form import Form
from htsd_cli.campaign.roster import Roster
from htsd_cli.checks.batch import check_batch
from htsd_cli.checks.checkfile import check_file
from htsd_cli.checks.decisions import Decisions, rows_to_decide
from htsd_cli.checks.folding import Folder, each_reading
from htsd_cli.reading.returns import find_returns

if TYPE_CHECKING:
    from htsd_cli.checks.cache import ReadCache
    from htsd_cli.checks.yearover import Past

FILES_PER_WORKER = 100  # one more reading process for every 100 files to read, up to the cores


_CRASH_MESSAGES = {
    "timeout": "Đọc tệp quá {detail} mà chưa xong (tệp quá lớn hoặc bị làm hỏng); đã bỏ qua tệp này.",
    "memory": "Tệp cần quá nhiều bộ nhớ để đọc (kích thước khai báo bất thường, nghi tệp độc); "
    "đã bỏ qua tệp này.",
    "crash": "Trình đọc bảng tính dừng đột ngột khi đọc tệp này (tệp hỏng); đã bỏ qua tệp này.",
}


def check_files(
    files: list[Path],
    form: Form,
    strict: bool = False,
    want_names: bool = True,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    meanwhile: Callable[[], None] | None = None,
    cache: ReadCache | None = None,
) -> list[FileReport]:
    """`check_file` over `files` in worker processes, in order; a file that kills or stalls its
    worker gets a report that says so. With a `cache` (cache.ReadCache), a file read before with
    the same bytes, form and code is not read again."""
    results: list[FileReport | None] = [None] * len(files)
    todo: list[int] = []
    look_up = cache if cache is not None and not cache.empty() else None
    for index, path in enumerate(files):
        if look_up is not None:
            results[index] = look_up.look_up(path)
        if results[index] is None:
            todo.append(index)
        elif progress:
            progress(1, len(files))
    func = functools.partial(
        check_file, form=form, strict=strict, want_names=want_names, digest=cache is not None
    )
    fold = Folder(form)
    for cached in results:
        if cached is not None:
            fold(cached)
    for at, result in run_isolated(
        func,
        [str(files[i]) for i in todo],
        workers=workers or reading_processes(len(todo)),
        meanwhile=meanwhile,
    ):
        index = todo[at]
        if isinstance(result, Crash):
            message = _CRASH_MESSAGES[result.reason].format(detail=result.detail)
            code = Code.UNREADABLE_FILE if result.reason == "crash" else Code.UNSAFE_FILE
            result = FileReport(
                str(files[index]), findings=[Finding(code, ERROR, message, str(files[index]))]
            )
        elif cache is not None:  # a crash or a time-out may not happen twice: only readings
            cache.store(result)  # are kept
        result.digest = ""
        named = str(files[index])
        for one in (result, *result.more_sheets):
            if one.path == named:  # the string the parent holds already, not a copy of it
                one.path = named
        results[index] = fold(result)
        if progress:
            progress(1, len(files))
    return [r for r in results if r is not None]


def reading_processes(files: int) -> int:
    """How many processes read `files` files: one more for every FILES_PER_WORKER, up to the
    cores (starting a process costs about what reading a hundred files does)."""
    return max(1, min(os.cpu_count() or 1, 1 + files // FILES_PER_WORKER))


def validate_paths(
    paths: Iterable[Path],
    form: Form,
    roster: Roster | None = None,
    strict: bool = False,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    meanwhile: Callable[[], None] | None = None,
    cache: ReadCache | None = None,
    decisions: Decisions | None = None,
    senders: Mapping[str, str] | None = None,
    past: Past | None = None,
) -> Report:
    """Check every workbook under `paths` and the batch as a whole, then apply the clerk's
    `decisions`; `senders` (file name, lower case → the address it came from, from the
    receipts book) is one more piece of evidence of whose each file is; `past` (last year's
    summary, yearover.py) checks each unit's figures against its own of last year.

    `meanwhile` runs in a thread while the files are read (see isolate.run_isolated).
    """
    files, skipped = find_returns(paths)
    report = Report(skipped=skipped)
    readings = check_files(files, form, strict, roster is None, progress, workers, meanwhile, cache)
    report.files = each_reading(readings)
    check_batch(report.files, form, roster, decisions, senders, past)
    if decisions is not None:
        report.decisions = decisions.results()
    report.to_decide = rows_to_decide(report.files, decisions)
    return report
