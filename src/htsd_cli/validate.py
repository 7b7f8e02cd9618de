"""Checking returned workbooks cell by cell, as a careful clerk would.

`check_file` reads and checks one file (it runs in a worker process); `validate_paths` runs it over
a batch and adds the checks that need the whole batch: roster identity, duplicates and outliers.
Checks are small functions; each returns findings, never raises for bad data.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import statistics
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from htsd_cli.archives import MEMBER, Unpacked, is_archive, list_archive, outer, read_item
from htsd_cli.checks.applies import apply_applicability
from htsd_cli.checks.cells import check_rules, check_values
from htsd_cli.checks.context import Context, where
from htsd_cli.checks.identity import Evidence, code_and_name, disagree
from htsd_cli.checks.plausible import check_plausible, how_far
from htsd_cli.checks.sheets import sheet_readings, unread_sheet
from htsd_cli.checks.structure import carries_form, check_structure, sheet_score
from htsd_cli.checks.versions import carry_over
from htsd_cli.decisions import Decisions, is_set_aside, rows_to_decide
from htsd_cli.findings import (
    ERROR,
    WARNING,
    Figures,
    FileReport,
    Finding,
    Report,
    Skipped,
    pick,
)
from htsd_cli.form import Form, Indicator
from htsd_cli.fsutil import modified
from htsd_cli.isolate import Crash, run_isolated
from htsd_cli.roster import Roster, Unit, name_key
from htsd_cli.values import show
from htsd_cli.workbook import Unreadable, open_workbook
from htsd_cli.workbook.guard import NOT_WORKBOOK, sniff
from htsd_cli.workbook.view import SheetView

if TYPE_CHECKING:
    from htsd_cli.yearover import Past

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
OUTLIER_Z = 3.5
OUTLIER_MIN_PEERS = 8
OUTLIER_RATIO = 3.0  # and at least three times above or below the median
FILES_PER_WORKER = 100  # one more reading process for every 100 files to read, up to the cores


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
        if report.form_id and report.kind != "summary":
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


def _check_sheet(
    view: SheetView, form: Form, strict: bool, want_names: bool, report: FileReport,
    own_sheet: bool = False,
) -> None:  # fmt: skip
    ctx = Context(view, form, strict, report, want_names=want_names, own_sheet=own_sheet)
    if check_structure(ctx):
        for check in CHECKS:
            check(ctx)
        report.values = dict(ctx.values) if ctx.form is form else carry_over(ctx, form)
        apply_applicability([report], form, None)  # by the type stamped in the workbook


# --- batches ---------------------------------------------------------------------------------------


def collect(paths: Iterable[Path]) -> tuple[list[Path], list[Skipped]]:
    """Files to check from files and folders (recursive). Lock and hidden files are skipped;
    so are files not named as workbooks, each with what it is (a PDF, an Excel 2003 XML file),
    and `htsd status` and `aggregate` show them under the unit their name points to. The
    workbooks inside archives (.zip, Outlook's winmail.dat) are listed as members,
    "bao-cao.zip › th02.xlsx", read as `collect` reads them (see archives.py)."""
    paths = list(paths)
    files: list[Path] = []
    skipped: list[Skipped] = []
    packed: list[tuple[int, Path]] = []  # archives, and where their members go in `files`
    roots = [Path(os.path.realpath(p)) for p in paths]
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
                    elif full.is_symlink():
                        target = os.path.realpath(full)
                        skipped.append(
                            Skipped(str(full), f"lối tắt tới thư mục {target}: không đọc theo")
                        )
                    else:
                        kept.append(d)
                dirs[:] = kept
                for name in sorted(names):
                    full = Path(root) / name
                    reason = _skip_reason(name) or _outside(full, roots)
                    if reason:
                        skipped.append(Skipped(str(full), reason))
                    elif not name.lower().endswith(WORKBOOK_SUFFIXES):
                        head = _head(full)
                        if is_archive(name, head):
                            packed.append((len(files), full))
                        else:
                            skipped.append(Skipped(str(full), _foreign_reason(full, head), True))
                    else:
                        files.append(full)
        elif not path.is_dir() and is_archive(path.name, _head(path)):
            packed.append((len(files), path))
        else:
            files.append(path)
    if packed:
        files = _with_members(files, packed, skipped)
    return files, skipped


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(4096)
    except OSError:
        return b""


def _with_members(
    files: list[Path], packed: list[tuple[int, Path]], skipped: list[Skipped]
) -> list[Path]:
    """`files` with the workbooks inside each archive in its place (listed in a guarded worker:
    a hostile winmail.dat can make its parser loop); what cannot be taken is skipped with its
    reason, under the unit the archive's name points to when nothing in it can be read."""
    listings: dict[int, Unpacked] = {}
    for at, result in run_isolated(list_archive, [str(p) for _, p in packed], workers=1):
        if isinstance(result, Crash):
            why = "đọc quá lâu hoặc quá tốn bộ nhớ (nghi tệp độc); không mở"
            result = Unpacked(refused=[(str(packed[at][1]), f"tệp nén {why}")])
        listings[at] = result
    out: list[Path] = []
    start = 0
    for number, (place, archive) in enumerate(packed):
        out += files[start:place]
        start = place
        listing = listings[number]
        out += [Path(member) for member, _ in listing.found]
        if not listing.found:
            reasons = [why for _, why in listing.refused]
            inside = [_own(member) for member, _ in listing.others if member != str(archive)]
            if inside and not reasons:
                reasons = [f"tệp nén không có bảng tính (có: {', '.join(inside)})"]
            reasons = reasons or [why for _, why in listing.others]
            skipped.append(Skipped(str(archive), "; ".join(reasons), foreign=True))
            continue
        skipped += [Skipped(m, why, foreign=True) for m, why in listing.refused]
        skipped += [Skipped(m, why) for m, why in listing.others]
    return out + files[start:]


def _own(member: str) -> str:
    return member.rsplit(MEMBER, 1)[-1]


def _outside(path: Path, roots: list[Path]) -> str:
    """Why a link found in a folder is not followed: it points outside what was given."""
    if not path.is_symlink():
        return ""
    target = Path(os.path.realpath(path))
    if any(target == r or r in target.parents for r in roots):
        return ""
    return f"lối tắt tới tệp {target}, nằm ngoài các thư mục đã chỉ định: không đọc theo"


def _skip_reason(name: str) -> str:
    if name.startswith("~$") or name.startswith(".~lock."):
        return "tệp khóa tạm của Excel/LibreOffice (tệp đang mở)"
    if name.startswith("."):
        return "tệp ẩn"
    return ""


def _foreign_reason(path: Path, head: bytes) -> str:
    """What a file that is not named as a workbook is, from its first bytes."""
    suffix = path.suffix or "(không có đuôi)"
    kind = sniff(head) if head else ""
    if kind == "xml2003":
        return NOT_WORKBOOK[kind]
    what = {"zip": "tệp nén", "ole": "tài liệu Office cũ", "pdf": "tệp PDF"}.get(kind, "")
    return f"không phải tệp bảng tính (đuôi {suffix}{', ' + what if what else ''})"


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
    cache: Any = None,
) -> list[FileReport]:
    """`check_file` over `files` in worker processes, in order; a file that kills or stalls its
    worker gets a report that says so. With a `cache` (cache.ReadCache), a file read before with
    the same bytes, form and code is not read again."""
    results: list[FileReport | None] = [None] * len(files)
    todo: list[int] = []
    look_up = cache is not None and not cache.empty()
    for index, path in enumerate(files):
        if look_up:
            results[index] = cache.look_up(path)
        if results[index] is None:
            todo.append(index)
        elif progress:
            progress(1, len(files))
    func = functools.partial(
        check_file, form=form, strict=strict, want_names=want_names, digest=cache is not None
    )
    fold = _Folder(form)
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
            code = "unreadable-file" if result.reason == "crash" else "unsafe-file"
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


class _Folder:
    """Makes each reading small as it arrives, so that memory does not grow with the size of
    every reading: the cell map, the same for every file issued from one template, is kept once
    and shared (nothing changes a reading's map after it is read); the figures are held as
    `Figures` (one shared index of the form's indicators, a list of values, equal numbers held
    once); the keys of texts are the form's own strings."""

    def __init__(self, form: Form) -> None:
        self.layouts: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
        self.last: dict[str, str] = {}
        self.index = {ind.id: at for at, ind in enumerate(form.indicators)}
        self.numbers: dict[float, float] = {}  # floats only: True == 1.0 must stay a bool
        self.strings: dict[str, str] = {}  # words every reading repeats: format, form, sheet…
        self.sources: dict[tuple[str, ...], list[str]] = {}
        self.keys: dict[str, str] = {}
        for ind in form.indicators:
            self.keys[ind.id] = ind.id
            self.keys[ind.note_id] = ind.note_id
        for part in form.texts:
            self.keys[part.id] = part.id

    def __call__(self, report: FileReport) -> FileReport:
        if report.more_sheets:
            report.more_sheets = [self(rep) for rep in report.more_sheets]
        else:
            report.more_sheets = _NO_SHEETS
        if not report.claimants:
            report.claimants = _NO_COVERS
        keys = self.keys
        for name in _REPEATED:
            word = getattr(report, name)
            setattr(report, name, self.strings.setdefault(word, word))
        sources = report.identity_sources
        report.identity_sources = self.sources.setdefault(tuple(sources), sources)
        if not report.covers:  # a unit's return (an office's summary has them)
            report.covers = _NO_COVERS
        if not report.reported:
            report.reported = _NONE
        if not report.expected:
            report.expected = _NONE
        if not report.ignored:
            report.ignored = _NONE
        if not report.held:
            report.held = _NONE
        if report.cells:
            if report.cells == self.last:  # most files: the map of the file before
                report.cells = self.last
            else:
                cells = {keys.get(k, k): v for k, v in report.cells.items()}
                report.cells = self.layouts.setdefault(tuple(cells.items()), cells)
                self.last = report.cells
        numbers = self.numbers
        values = report.values
        for key, value in values.items():
            if type(value) is float and value == value:
                values[key] = numbers.setdefault(value, value)
        report.values = Figures(self.index, values)
        report.texts = (
            {keys.get(k, k): v for k, v in report.texts.items()} if report.texts else _NONE
        )
        return report


# The fields of a reading that hold one of a few words (format, form, sheet…): held once each.
_REPEATED = ("fmt", "form_id", "unit_type", "unit_group", "sheet", "located_by", "kind")


def _refuse(self: object, *args: object, **kwargs: object) -> Any:
    raise TypeError("a folded reading's shared empty container cannot be changed")


class _EmptyDict(dict[str, Any]):
    """The one empty mapping every folded reading without texts or counts shares: changing it
    would change them all, so it refuses to be changed."""

    __setitem__ = __delitem__ = update = setdefault = pop = popitem = clear = _refuse


class _EmptyList(list[str]):
    """The one empty list of covered units every unit's return shares; it cannot be changed."""

    __setitem__ = __delitem__ = append = extend = insert = remove = pop = clear = _refuse
    __iadd__ = sort = reverse = _refuse


_NO_COVERS = _EmptyList()
_NO_SHEETS: list[FileReport] = _EmptyList()  # type: ignore[assignment]
_NONE = _EmptyDict()


def each_reading(readings: list[FileReport]) -> list[FileReport]:
    """Every reading of a batch: each file's main reading, then those of its further sheets."""
    out: list[FileReport] = []
    for rep in readings:
        out.append(rep)
        if rep.more_sheets:
            out += rep.more_sheets
            rep.more_sheets = _NO_SHEETS
    return out


def validate_paths(
    paths: Iterable[Path],
    form: Form,
    roster: Roster | None = None,
    strict: bool = False,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    meanwhile: Callable[[], None] | None = None,
    cache: Any = None,
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
    files, skipped = collect(paths)
    report = Report(skipped=skipped)
    readings = check_files(files, form, strict, roster is None, progress, workers, meanwhile, cache)
    report.files = each_reading(readings)
    check_batch(report.files, form, roster, decisions, senders, past)
    if decisions is not None:
        report.decisions = decisions.results()
    report.to_decide = rows_to_decide(report.files, decisions)
    return report


def check_batch(
    files: list[FileReport],
    form: Form,
    roster: Roster | None,
    decisions: Decisions | None = None,
    senders: Mapping[str, str] | None = None,
    past: Past | None = None,
) -> None:
    """The checks that need every file: identity against the roster, the rows each unit type
    answers, a unit sending several files, figures far from their peers; the clerk's decisions
    on whose a file is and which to set aside first, on figures last."""
    if decisions is not None:
        decisions.bind(files)
        decisions.set_aside(files)
    if roster is not None:
        check_roster(files, roster, decisions, senders)
    apply_applicability(files, form, roster)
    check_duplicates(files)
    check_plausible(files, form)  # held figures leave the readings before outliers are weighed
    check_outliers(files, form)
    if past is not None:
        past.check(files, form, roster)
    if decisions is not None:
        decisions.settle_figures(files, form)


def _batch_finding(rep: FileReport, code: str, severity: str, message: str, **kw: str) -> None:
    rep.findings.append(Finding(code, severity, message, rep.path, **kw))


def check_roster(
    files: list[FileReport],
    roster: Roster,
    decisions: Decisions | None = None,
    senders: Mapping[str, str] | None = None,
    past: Past | None = None,
) -> None:
    """Identity against the roster: unknown code, mismatching name; a file whose evidence
    (its name, stamp, header, sender) names two units is held, counted for neither until a
    decision says whose it is; blank workbooks are found by the name typed in them. A file of
    another form, or none, is attributed by its name or sender (`named_for`), never by a name
    typed in it."""
    evidence = Evidence(roster, senders)
    main: dict[str, FileReport] = {}  # each file's main reading (the first of its readings)
    for rep in files:
        main.setdefault(rep.path, rep)
        sender = evidence.sent_by(rep) if not rep.other_unit else None
        rep.named_for = sender.code if sender else ""
        if is_set_aside(rep):  # counted for nobody, whatever it says
            continue
        decided = decisions.owner_unit(rep, roster) if decisions is not None else None
        if not rep.form_id:  # not this form: the decision says who sent it
            if decided is not None:
                rep.named_for = rep.unit_code = decided.code
            continue
        if decided is not None:
            _attribute(rep, decided)
            continue
        pieces = evidence.of(rep)
        claimed = disagree(pieces)
        if claimed:
            whose = f"trang '{rep.sheet}'" if rep.other_unit else "tệp này"
            _batch_finding(
                rep,
                "identity-conflict",
                ERROR,
                f"Chưa rõ {whose} là báo cáo của đơn vị nào: "
                + "; ".join(what for what, _ in pieces)
                + ". Chưa tính cho đơn vị nào. Hãy hỏi đơn vị, rồi ghi vào sổ quyết định một dòng "
                "'Tệp của đơn vị' với mã đơn vị đúng (hoặc 'Để riêng').",
                sheet=rep.sheet,
                value=", ".join(u.code for u in claimed),
            )
            rep.claimants = [u.code for u in claimed]
            rep.unit_code = ""
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
            typed = rep.unit_name
            if typed not in ("", unit.name) and name_key(typed) != name_key(unit.name):
                _batch_finding(
                    rep,
                    "name-mismatch",
                    WARNING,
                    f"Tên đơn vị trong tệp là '{rep.unit_name}', nhưng mã {unit.code} trong danh "
                    f"sách là '{unit.name}'. Kiểm tra xem đơn vị có dùng nhầm tệp không.",
                    value=rep.unit_name,
                )
        else:
            alike = evidence.units_named(rep.unit_name) if rep.unit_name else []
            found = alike[0] if len(alike) == 1 else None
            if found is None:
                named_as = (
                    f"tên '{rep.unit_name}' không có trong danh sách"
                    if rep.unit_name
                    else "chưa ghi tên đơn vị"
                )
                _batch_finding(
                    rep,
                    "unknown-unit",
                    ERROR,
                    f"Không xác định được đơn vị: tệp không có mã đơn vị và {named_as}. Hãy ghi "
                    "đúng tên đơn vị ở ô A1 hoặc dùng tệp đã phát.",
                    sheet=rep.sheet,
                    cell="A1",
                    value=rep.unit_name,
                )
                continue
            unit = found
        host = main[rep.path]
        if rep.other_unit and host.unit_code == unit.code and not is_set_aside(host):
            _copies_named_alike(host, rep)
        elif rep.other_unit:
            _batch_finding(
                rep,
                "sheet-other-unit",
                WARNING,
                f"Trang '{rep.sheet}' của tệp {os.path.basename(rep.path)} là báo cáo của "
                f"{code_and_name(unit)}, theo dấu nhận diện và tên đơn vị ghi trong chính trang đó; đã "
                f"tính cho {unit.code}. Nếu không đúng, hãy ghi quyết định vào sổ quyết định.",
                sheet=rep.sheet,
                value=unit.code,
            )
        _attribute(rep, unit)
    for rep in files:
        rep.header = ""  # weighed: not kept for the rest of the run


def _attribute(rep: FileReport, unit: Unit) -> None:
    # the roster's own strings from here on (not one more copy per reading)
    rep.unit_code, rep.unit_name = unit.code, unit.name
    rep.unit_type, rep.unit_group = unit.unit_type, unit.group


def _copies_named_alike(host: FileReport, rep: FileReport) -> None:
    """A further sheet whose marks are written otherwise than the main sheet's (not the same
    words) but name the same unit is a second copy of that unit's form: both are held."""
    names = f"'{host.sheet}', '{rep.sheet}'"
    for held in (host, rep):
        _batch_finding(
            held,
            "sheet-copies-disagree",
            ERROR,
            f"Tệp có hai trang biểu mẫu cùng của đơn vị {host.unit_code}: trang {names}. Chưa "
            "tính trang nào. Hãy hỏi đơn vị trang nào đúng, rồi ghi vào sổ quyết định một dòng "
            "'Để riêng' cho trang sai (ghi tên trang ở cột Trang).",
            sheet=held.sheet,
            value=names,
        )


def check_duplicates(files: list[FileReport]) -> None:
    """A unit that sent several files (each is said; the sheets of one file are not files)."""
    by_code: dict[str, list[FileReport]] = {}
    for rep in files:
        if rep.unit_code and not is_set_aside(rep):
            by_code.setdefault(rep.unit_code, []).append(rep)
    for code, reps in by_code.items():
        paths = list(dict.fromkeys(r.path for r in reps))
        if len(paths) < 2:
            continue
        for rep in reps:
            others = ", ".join(Path(o).name for o in paths if o != rep.path)
            _batch_finding(
                rep,
                "duplicate-unit",
                WARNING,
                f"Đơn vị {code} gửi nhiều tệp: tệp này và {others}. Khi tổng hợp chỉ dùng tệp "
                "nhận sau cùng (theo sổ nhận, không có thì theo thời điểm sửa tệp).",
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
    numeric = [ind for ind in form.indicators if ind.numeric]
    ids = [ind.id for ind in numeric]
    for reps in groups.values():
        if len(reps) < OUTLIER_MIN_PEERS:
            continue
        rows = [pick(r.values, ids) for r in reps]  # each unit's figures read once
        for col, ind in enumerate(numeric):
            pairs = [(r, row[col]) for r, row in zip(reps, rows, strict=True)]
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
                    rep.findings.append(Outlier(rep, ind, v, median))


class Outlier(Finding):
    """A figure far from its peers: a Finding whose message is written when it is read. A
    country's returns can give tens of thousands of these, and their messages, written out,
    would hold about 15 MB for the run; the figure and the median they are worked out from are
    numbers held already. Copied or pickled, it becomes a plain Finding."""

    __slots__ = ("_figure", "_indicator", "_median")
    _figure: float
    _indicator: Indicator
    _median: float

    def __init__(self, rep: FileReport, ind: Indicator, figure: float, median: float) -> None:
        cell = rep.cells.get(ind.id, "")
        held = {
            "code": "outlier", "severity": WARNING, "file": rep.path, "sheet": rep.sheet,
            "cell": cell, "indicator": ind.id, "label": ind.label, "value": show(figure),
            "rule": "", "_indicator": ind, "_figure": figure, "_median": median,
        }  # fmt: skip
        for name, value in held.items():  # a frozen dataclass: set as its own __init__ does
            object.__setattr__(self, name, value)

    @property
    def message(self) -> str:  # the field of Finding, worked out
        figure, median = self._figure, self._median
        return (
            f"{where(self.cell, self._indicator)}: {show(figure)} {how_far(figure, median)} "
            f"mức thường gặp của các đơn vị cùng loại ({show(median)}). Kiểm tra lại xem có "
            "gõ nhầm không."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return Finding, tuple(getattr(self, f.name) for f in dataclasses.fields(Finding))
