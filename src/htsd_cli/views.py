"""Rich output of the commands: tables, progress bars, summaries (Vietnamese)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from htsd_cli.base.textnorm import format_number
from htsd_cli.campaign.form import KINDS, Form, Limits

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.progress import Progress, TaskID

    from htsd_cli.base.findings import Report
    from htsd_cli.checks.decisions import Outcome, Row
    from htsd_cli.collect import Outcome as Collected
    from htsd_cli.init import Done
    from htsd_cli.intake.mail import Mail
    from htsd_cli.pipeline import Outputs
    from htsd_cli.render.annotate import Annotated
    from htsd_cli.template import Issued
    from htsd_cli.totals.aggregate import Aggregate
    from htsd_cli.totals.status import StatusReport

PROGRESS_THRESHOLD = 20


def shown(path: str | Path) -> str:
    """A path as the clerk reads it: from the working folder when it lies there (the folder
    they are in, where htsd.toml is), else as it is."""
    import os

    text = str(path)
    if not os.path.isabs(text):
        return text
    try:
        relative = os.path.relpath(text)
    except ValueError:  # another drive (Windows)
        return text
    return text if relative == ".." or relative.startswith(".." + os.sep) else relative


def _plain_width(cell: RenderableType, whole: bool) -> int:
    """The width a cell needs: its longest word (words wrap at spaces), or all of it."""
    from rich.cells import cell_len
    from rich.text import Text

    text = cell.plain if isinstance(cell, Text) else Text.from_markup(str(cell)).plain
    if whole:
        return max((cell_len(line) for line in text.splitlines()), default=0)
    return max((cell_len(word) for word in text.split()), default=0)


def _widths(console: Console, table: Table, names: tuple[int, ...]) -> dict[int, int] | None:
    """The width of each column (see `readable`), None when not every word fits."""
    columns = table.columns
    cells = [[column.header, *column._cells] for column in columns]
    need = [
        max(_plain_width(c, bool(column.no_wrap)) for c in cells[i])
        for i, column in enumerate(columns)
    ]
    want = [max(_plain_width(c, True) for c in cells[i]) for i in range(len(columns))]
    room = console.width - (3 * len(columns) + 1)  # borders and padding of a rich box
    others = [i for i in range(len(columns)) if i not in names]
    spare = room - sum(need[i] for i in others)
    if spare < sum(min(need[i], 12) for i in names):
        return None
    widths = {i: need[i] for i in others}
    for i in names:
        widths[i] = max(min(want[i], spare // len(names)), min(need[i], 12))
    spare = room - sum(widths.values())
    while spare > 0:  # what is left, shared among the columns that would take more
        hungry = [i for i in others if widths[i] < want[i]]
        if not hungry:
            break
        share = max(1, spare // len(hungry))
        for i in hungry:
            add = min(share, want[i] - widths[i], spare)
            widths[i] += add
            spare -= add
    return widths


def names_fit(console: Console, table: Table, *names: int) -> bool:
    """Whether the columns `names` can show every name whole on this screen."""
    widths = _widths(console, table, names)
    return widths is not None and all(
        widths[i] >= max((_plain_width(c, True) for c in table.columns[i]._cells), default=0)
        for i in names
    )


def readable(console: Console, table: Table, *names: int) -> Table:
    """A table a clerk can read at any width: text wraps between words, never with '…' nor
    inside a word; the columns `names` (file names, paths) get the width of their longest
    entry, as far as the screen allows once every other column has room for its longest word;
    what room is left goes to the other columns. A name is broken only when it cannot fit on
    the screen at all."""
    for column in table.columns:
        column.overflow = "fold"
    widths = _widths(console, table, names)
    for i, width in (widths or {}).items():  # None: not even every word fits; rich shares
        table.columns[i].width = width
    return table


class _Bar:
    """A progress bar that appears on the first step, and only for long work on a terminal."""

    def __init__(self, console: Console, label: str) -> None:
        self.console, self.label = console, label
        self.bar: Progress | None = None
        self.task: TaskID | None = None  # given with the bar
        self.off = False

    def __call__(self, advance: int, total: int) -> None:
        if self.off:
            return
        if self.bar is None:
            if total < PROGRESS_THRESHOLD or not self.console.is_terminal:
                self.off = True
                return
            from rich.progress import (  # only for long work on a terminal: not at start-up
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        assert self.task is not None  # added with the bar
        self.bar.advance(self.task, advance)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@contextmanager
def progress(console: Console, label: str) -> Iterator[Callable[[int, int], None]]:
    """A step callback `step(advance, total)` for the library's long loops."""
    bar = _Bar(console, label)
    try:
        yield bar
    finally:
        bar.close()


def _limits_text(limits: Limits) -> str:
    """'≥ 1.000; ≤ 500 (mam_non ≤ 50)': a row's plausible range as the clerk reads it."""
    parts = []
    if limits.minimum is not None:
        parts.append(f"≥ {format_number(limits.minimum)}")
    if limits.maximum is not None:
        parts.append(f"≤ {format_number(limits.maximum)}")
    if limits.by_type:
        each = ", ".join(f"{code} ≤ {format_number(most)}" for code, most in limits.by_type)
        parts.append(f"({each})")
    return " ".join(parts)


def print_form(console: Console, form: Form) -> None:
    from htsd_cli.campaign.formbook import kept_ids, made_ids, unchecked

    console.print(f"[bold]{escape(form.title)}[/]")
    console.print(
        f"Mã: {form.id} · phiên bản {form.version} · năm {form.year} · "
        f"thời gian {form.period_start:%d/%m/%Y}–{form.period_end:%d/%m/%Y} · "
        f"hạn nộp {form.deadline:%d/%m/%Y}"
    )
    table = Table(title="Các chỉ tiêu của bảng II.1", show_lines=False)
    table.add_column("Mục", justify="right")
    table.add_column("Mã chỉ tiêu")
    table.add_column("Nội dung")
    table.add_column("Loại")
    table.add_column("Đơn vị tính")
    table.add_column("Đơn vị điền")
    table.add_column("Giới hạn")

    def who(codes: tuple[str, ...]) -> str:
        return ", ".join(codes) if codes else "mọi đơn vị"

    for section in form.sections:
        table.add_row(
            str(section.number), "", f"[bold]{escape(section.heading)}[/]", "", "",
            who(section.applies_to), "",
        )  # fmt: skip
        for ind in section.indicators:
            label = escape(ind.label)
            if ind.total_label:
                label += f"\n[dim](khi cộng: {escape(ind.total_label)})[/]"
            same = ind.applies_to == section.applies_to
            table.add_row(
                "", ind.id, label, KINDS[ind.kind], ind.unit,
                "" if same else who(ind.applies_to), _limits_text(form.limits(ind)),
            )  # fmt: skip
    console.print(readable(console, table))
    console.print(
        f"{len(form.indicators)} chỉ tiêu, {len(form.texts)} phần lời, {len(form.rules)} quy tắc."
    )
    console.print(
        "Loại đơn vị (mã: tên): " + "; ".join(f"{t.code}: {t.label}" for t in form.unit_types)
    )
    by_kind = [
        f"{KINDS[kind]} {_limits_text(limits)}" for kind, limits in form.plausibility.by_kind
    ]
    if form.plausibility.hold_outliers:
        times = format_number(form.plausibility.hold_outliers)
        by_kind.append(f"giữ số gấp {times} lần mức thường gặp của đơn vị cùng loại")
    if by_kind:
        console.print("Giới hạn hợp lý: " + "; ".join(by_kind) + ".")
    for version, text in form.changes:
        console.print(f"[bold]Phiên bản {version}[/]: {escape(text)}")
    made = made_ids(form)
    if made:
        console.print(
            f"Mã htsd tự đặt theo nội dung ({len(made)}); ghi vào cột 'Mã' nếu muốn sửa nội dung "
            "mà giữ nguyên mã: " + "; ".join(f"{cell}: {name}" for cell, name in made)
        )
    kept = kept_ids(form)
    if kept:
        console.print(
            "Dòng đã sửa nội dung sau khi phát vẫn giữ mã đã phát (tệp đơn vị điền trên bản cũ "
            "được chuyển sang đúng dòng): " + "; ".join(f"{cell}: {name}" for cell, name in kept)
        )
    marks = unchecked(form)
    if marks:
        console.print(
            f"[yellow]Còn {len(marks)} chỗ htsd đoán cần xem (cột 'Cần xem'); xem xong thì xóa "
            "chữ ở ô đó:[/]"
        )
        for cell, text in marks:
            console.print(f"  {cell}: {escape(text)}", highlight=False)


def print_init(console: Console, done: Done) -> None:
    """What `htsd init` wrote, what it kept as the clerk left it, what it changed in htsd.toml."""
    for path in done.written:
        console.print(f"Đã ghi {escape(shown(path))}", highlight=False)
    if done.changed:
        console.print(
            f"htsd.toml: đã đổi {escape(', '.join(done.changed))} theo câu trả lời mới; mọi dòng khác "
            "và chú thích giữ nguyên.",
            highlight=False,
        )
    if done.kept:
        console.print(
            "Giữ nguyên (đã có, htsd không ghi đè): "
            + ", ".join(escape(p.name) for p in done.kept)
            + ".",
            highlight=False,
        )


def print_issued(console: Console, issued: list[Issued], out: Path) -> None:
    table = Table(title=f"Đã tạo {len(issued)} biểu mẫu trong {escape(shown(out))}")
    table.add_column("Mã đơn vị")
    table.add_column("Tên đơn vị")
    table.add_column("Loại")
    table.add_column("Tệp")
    for item in issued:
        unit = item.unit
        if unit is None:
            table.add_row("—", "(mẫu trắng: đơn vị tự ghi tên)", "—", item.path.name)
        else:
            table.add_row(
                escape(unit.code), escape(unit.name), escape(unit.unit_type_label),
                escape(item.path.name),
            )  # fmt: skip
    console.print(readable(console, table, 3))


SEVERITY = {"error": "[red]Lỗi[/]", "warning": "[yellow]Lưu ý[/]"}


WARNINGS_LISTED = 100  # more warnings than this are counted by kind unless --all


def print_validation(
    console: Console,
    report: Report,
    annotated: list[Annotated] | None,
    show_all: bool = False,
    book: str = "",
) -> None:
    """The counts first, then the files with something to fix or look at (every file with
    `show_all`), then each finding."""
    files = report.by_file()  # a file with several form sheets is one file, valid as a whole
    valid = sum(all(r.valid for r in readings) for readings in files.values())
    errors = sum(r.errors for r in report.files)
    warnings = sum(r.warnings for r in report.files)
    colour = "green" if report.valid else "red"
    summary = f"[{colour}]{valid}/{len(files)} tệp hợp lệ[/] · {errors} lỗi · {warnings} lưu ý" + (
        f" · bỏ qua {len(report.skipped)} tệp" if report.skipped else ""
    )
    console.print(summary)
    listed = [r for r in report.files if show_all or r.findings]
    noted_only = [r for r in listed if r.valid and r.findings]
    hidden = 0
    if not show_all and len(noted_only) > WARNINGS_LISTED:
        # thousands of files with a warning would bury the files that must be fixed
        listed = [r for r in listed if not r.valid]
        hidden = len(noted_only)
    title = f"Kết quả kiểm tra {len(files)} tệp"
    if not show_all:
        title += f": {len(listed)} tệp cần xem (cả danh sách: --all)"
    table = Table(title=title)
    table.add_column("Tệp", overflow="fold")
    table.add_column("Hợp lệ", justify="center")
    table.add_column("Đơn vị", overflow="fold")
    table.add_column("Lỗi", justify="right")
    table.add_column("Lưu ý", justify="right")
    for rep in listed:
        unit = " ".join(x for x in (rep.unit_code, rep.unit_name) if x) or "—"
        sheet = f" (trang {rep.sheet})" if len(files[rep.path]) > 1 else ""
        table.add_row(
            escape(shown(rep.path) + sheet),
            "[green]✓[/]" if rep.valid else "[red]✗[/]",
            escape(unit),
            str(rep.errors) if rep.errors else "",
            str(rep.warnings) if rep.warnings else "",
        )
    if listed:
        console.print(readable(console, table, 0))
    if hidden:
        console.print(f"Và {hidden} tệp hợp lệ chỉ có lưu ý (xem từng tệp: --all hoặc --json).")
    findings = [f for rep in report.files for f in rep.findings]
    warnings_only = [f for f in findings if not f.is_error]
    if not show_all and len(warnings_only) > WARNINGS_LISTED:
        # every error in full; so many warnings are counted by kind (--all lists each one)
        findings = [f for f in findings if f.is_error]
        kinds = Table(
            title=f"{len(warnings_only)} lưu ý, theo loại (từng lưu ý: --all hoặc --json)"
        )
        kinds.add_column("Loại lưu ý")
        kinds.add_column("Số lượng", justify="right")
        kinds.add_column("Số tệp", justify="right")
        for code in dict.fromkeys(f.code for f in warnings_only):
            same = [f for f in warnings_only if f.code == code]
            kinds.add_row(escape(same[0].title), str(len(same)), str(len({f.file for f in same})))
        console.print(readable(console, kinds))
    if findings:
        ft = Table(title="Những điểm cần sửa", show_lines=True)
        ft.add_column("Tệp")
        ft.add_column("Ô")
        ft.add_column("Mức độ")
        ft.add_column("Nội dung", overflow="fold")
        for f in findings:
            ft.add_row(
                escape(Path(f.file).name),
                f"{escape(f.sheet)}!{f.cell}" if f.cell else "",
                SEVERITY[f.severity],
                escape(f.message),
            )
        console.print(readable(console, ft, 0))
    for s in report.skipped:
        console.print(f"[dim]Bỏ qua {escape(shown(s.path))}: {escape(s.reason)}[/]")
    print_decisions(console, report.decisions, report.to_decide, book)
    if annotated is not None:
        print_annotated(console, report, annotated)
    console.print(summary)  # again at the end, where the eye lands after a long list


def print_annotated(console: Console, report: Report, annotated: list[Annotated]) -> None:
    """Each copy written to send back, then how many, and that files without anything to fix
    got none."""
    from htsd_cli.render.annotate import to_fix

    for a in annotated:
        if a.removed and a.path is not None:
            console.print(
                f"Đã xóa bản đánh dấu cũ {escape(shown(a.path))}: tệp {escape(shown(a.source))} "
                "nay không còn gì cần sửa.",
                highlight=False,
            )
        elif a.path is None:
            console.print(
                f"[yellow]Không tạo được bản đánh dấu cho {escape(shown(a.source))}: {a.note}[/]"
            )
        else:
            extra = f" ({a.note})" if a.note else ""
            console.print(f"Bản đánh dấu để gửi lại: {escape(shown(a.path))}{extra}")
    written = sum(a.path is not None and not a.removed for a in annotated)
    files = report.by_file()
    clean = sum(not any(to_fix(r) for r in readings) for readings in files.values())
    console.print(
        f"Đã ghi {written} bản đánh dấu (chỉ cho tệp có lỗi hoặc số liệu cần xác nhận); "
        f"{clean}/{len(files)} tệp không có gì cần sửa nên không có bản đánh dấu.",
        highlight=False,
    )


def print_decisions(console: Console, outcomes: list[Outcome], rows: list[Row], book: str) -> None:
    """What became of the clerk's decisions (those not applied, with why), then one row of
    the decisions workbook for each file or figure still held, written as they are (cells
    separated by tabs: pasted into Excel, the row fills the columns)."""
    from htsd_cli.checks.decisions import DECISIONS_NAME

    book = book or DECISIONS_NAME
    if outcomes:
        applied = sum(o.applied for o in outcomes)
        console.print(
            f"Sổ quyết định {escape(book)}: {len(outcomes)} dòng, đã áp dụng {applied}"
            + (f", chưa áp dụng {len(outcomes) - applied}:" if applied < len(outcomes) else ".")
        )
        for o in outcomes:
            if not o.applied:
                d = o.decision
                console.print(
                    f"[yellow]- dòng {d.row} ({escape(d.file) or 'chưa ghi tệp'}, "
                    f"{escape(d.kind) or 'chưa chọn quyết định'}): "
                    f"{escape(o.note)}[/]"
                )
    held = [row for row in rows if not row.counted]
    if held:
        console.print(
            f"[bold]Cần xác nhận {len(held)} chỗ[/] (chưa tính cho đến khi có quyết định). Mỗi "
            f"dòng dưới đây là một dòng của sổ quyết định {escape(book)}, các ô cách nhau bằng "
            "dấu Tab: chép dán vào ô cột A của một dòng trống, chọn Quyết định (ghi Đọc là, Lý "
            "do nếu cần), lưu, rồi chạy lại."
        )
        console.file.write("".join(row.tsv() + "\n" for row in held))
        console.file.flush()
    counted = [row for row in rows if row.counted]
    if counted:
        console.print(
            f"[bold]Khác xa năm trước {len(counted)} chỗ[/] (vẫn được tính). Đã hỏi lại và số "
            f"đúng thì chép dòng tương ứng dưới đây vào sổ quyết định {escape(book)}, chọn 'Giữ "
            "như đã gõ' để không nhắc nữa; sai thì chọn 'Đọc là' và ghi số đúng."
        )
        console.file.write("".join(row.tsv() + "\n" for row in counted))
        console.file.flush()


SHOW_ALL_UP_TO = 60  # units: above this, the table shows only those the clerk must chase


def print_status(
    console: Console, status: StatusReport, only: set[str] | None = None, book: str = ""
) -> None:
    """Counts first, then by unit type and by group, then the units: all of them in a small
    collection, else (and with --only) just those asked for."""
    from htsd_cli.totals.status import MISSING, STATE_LABELS

    c = status.counts()
    left = status.days_left
    when = (
        f"còn {left} ngày đến hạn"
        if left > 0
        else ("hôm nay là hạn nộp" if left == 0 else f"đã quá hạn {-left} ngày")
    )
    held = f" · cần xác nhận {c['held']}" if c["held"] else ""
    console.print(
        f"[bold]Đã nhận {c['received']}/{c['expected']}[/] · hợp lệ {c['valid']}{held} · không "
        f"hợp lệ {c['invalid']} · chưa nộp {c['missing']} · muộn {c['late']} · {when} · ngày "
        f"nhận theo {status.received_source}"
    )
    for said in status.book_problems:
        console.print(f"[yellow]{escape(said)}[/]", highlight=False)
    if status.received_later:
        names = [Path(p).name for p in status.received_later]
        some = ", ".join(names[:8]) + (f" và {len(names) - 8} tệp khác" if len(names) > 8 else "")
        console.print(
            f"Tính đến ngày {status.as_of:%d/%m/%Y}: {len(names)} tệp nhận sau ngày đó chưa được "
            f"tính ({escape(some)}).",
            highlight=False,
        )
    for title, key in (("Theo loại đơn vị", "unit_type_label"), ("Theo nhóm", "group")):
        bt = Table(title=title)
        for col in ("", "Phải nộp", "Đã nhận", "Hợp lệ", "Muộn"):
            bt.add_column(col, justify="right" if col else "left")
        for counts in status.breakdown(key):
            bt.add_row(
                escape(counts["name"]),
                *(str(counts[k]) for k in ("expected", "received", "valid", "late")),
            )
        console.print(readable(console, bt))
    wanted = only
    if wanted is None and len(status.units) > SHOW_ALL_UP_TO:
        wanted = {"missing", "invalid", "held", "late"}
    units = [
        u for u in status.units
        if wanted is None or u.state in wanted or ("late" in wanted and u.late)
    ]  # fmt: skip
    colours = {"valid": "green", "invalid": "red", "missing": "yellow", "held": "cyan"}
    title = f"Tình hình nộp báo cáo (hạn {status.deadline:%d/%m/%Y})"
    if wanted is not None:
        title += f": {len(units)}/{len(status.units)} đơn vị"
    rows = []
    for u in units:
        state = f"[{colours[u.state]}]{STATE_LABELS[u.state]}[/]"
        if u.late:
            state += " [magenta](muộn)[/]"
        if u.errors:
            state += f" · {u.errors} lỗi"
        received = u.received.strftime("%d/%m/%Y %H:%M") if u.received else ""
        if not u.received and u.state != MISSING:
            received = "chưa rõ"
        rows.append({
            "Mã": escape(u.code), "Đơn vị": escape(u.name), "Loại": escape(u.unit_type_label),
            "Nhóm": escape(u.group), "Tình trạng": state, "Ngày nhận": received,
            "Tệp": escape(Path(u.file).name) if u.file else "",
        })  # fmt: skip
    # on a narrow screen the unit type and the group give way (the tables above count by
    # them): the file's name stays whole
    for dropped in ((), ("Loại",), ("Loại", "Nhóm")):
        columns = [c for c in rows[0] if c not in dropped] if rows else []
        table = Table(title=title)
        for col in columns:
            table.add_column(col, no_wrap=col == "Mã")
        for row in rows:
            table.add_row(*(row[c] for c in columns))
        if not rows or names_fit(console, table, columns.index("Tệp")):
            break
    console.print(readable(console, table, *([columns.index("Tệp")] if rows else [])))
    if wanted is not None and only is None:
        console.print(
            "Chỉ in các đơn vị chưa nộp, không hợp lệ, cần xác nhận hoặc muộn; cả bảng: --out "
            "tinh-hinh.xlsx."
        )
    for u in status.units:
        for said in u.undelivered:  # every unit, shown or not: it may never have had the form
            console.print(f"[yellow]{u.code} {escape(u.name)}: {escape(said)}.[/]")
    for rep in status.unmatched:
        reason = next((f.message for f in rep.findings if f.is_error), "không thuộc danh sách")
        console.print(
            f"[yellow]Tệp không thuộc đơn vị nào trong danh sách: {escape(shown(rep.path))} — {escape(reason)}[/]"
        )
    for rep in status.set_aside:
        console.print(f"[dim]Để riêng theo quyết định: {escape(shown(rep.path))}[/]")
    print_decisions(console, status.decisions, status.to_decide, book)


def print_aggregate(console: Console, agg: Aggregate, outputs: Outputs, book: str = "") -> None:
    from htsd_cli.totals.status import MISSING

    c = agg.status.counts()
    held = f", cần xác nhận {c['held']}" if c["held"] else ""
    console.print(
        f"[bold]Tổng hợp {len(agg.used)} báo cáo hợp lệ[/] (đã nhận {c['received']}/{c['expected']} đơn vị; "
        f"chưa nộp {c['missing']}, không hợp lệ {c['invalid']}{held}, muộn {c['late']})."
    )
    if agg.excluded:
        table = Table(title="Tệp không được tính vào tổng")
        table.add_column("Tệp")
        table.add_column("Lý do")
        for e in agg.excluded:
            table.add_row(escape(Path(e.path).name), escape(e.reason))
        console.print(readable(console, table, 0))
    missing = [u.code for u in agg.status.units if u.state == MISSING]
    if missing:
        console.print(f"[yellow]Chưa nộp: {', '.join(missing)}[/]")
    print_decisions(console, agg.status.decisions, agg.status.to_decide, book)
    for path in outputs.written:
        console.print(f"Đã ghi {escape(shown(path))}", highlight=False)
    for note in outputs.notes:
        console.print(f"[yellow]{escape(note)}[/]")
    if outputs.unfinished:
        console.print(f"[yellow]{escape(unfinished_line(outputs))}[/]", highlight=False)
    if not agg.used:
        console.print(
            "[red]Không có báo cáo hợp lệ nào: chưa có số liệu để tổng hợp, nên không ghi tệp "
            f"nào; các tệp cũ trong {escape(shown(outputs.workbook.parent))} (nếu có) giữ nguyên.[/]"
        )


def unfinished_line(outputs: Outputs) -> str:
    """Which parts of the report are not yet written, and where to write them."""
    from htsd_cli.render.narrative import UNFINISHED

    parts = "; ".join(f"'{heading}'" for heading in outputs.unfinished)
    where = outputs.narrative.name if outputs.narrative is not None else "tệp lời văn (--narrative)"
    return (
        f"Báo cáo chưa ký được: {len(outputs.unfinished)} phần chưa viết, in '{UNFINISHED}': "
        f"{parts}. Hãy viết vào {where} rồi chạy lại htsd aggregate."
    )


def print_collect(console: Console, outcome: Collected, folder: Path) -> None:
    """What `htsd collect` did: counts, the files saved, and every attachment and message that
    needs a look, each with its reason and, where known, its unit."""
    from htsd_cli.intake.receipts import undelivered_text

    def when(mail: Mail) -> str:
        if mail.arrived is None:
            return "không rõ"
        return f"{mail.arrived:%d/%m/%Y %H:%M}"

    def unit(text: str) -> str:
        return escape(text) if text else "[dim]không rõ[/]"

    alone = {id(m) for m, _names in outcome.without_sheet}  # shown with their message
    listed = [r for r in outcome.listed if id(r.mail) not in alone]
    counts = Table(title="Lấy báo cáo từ thư", show_header=False)
    counts.add_column("", style="bold")
    counts.add_column("", justify="right")
    counts.add_row("Thư đã đọc", str(outcome.messages))
    counts.add_row("Tệp đã lưu", str(len(outcome.saved)))
    counts.add_row("Tệp đã có từ trước (bỏ qua)", str(len(outcome.duplicates)))
    counts.add_row("Thư không có bảng tính", str(len(outcome.without_sheet)))
    counts.add_row("Tệp hoặc thư không lấy được", str(len(outcome.refused) + len(outcome.broken)))
    counts.add_row("Tệp đính kèm khác (không phải bảng tính)", str(len(outcome.listed)))
    counts.add_row("Thư báo không gửi được (không lưu)", str(len(outcome.bounces)))
    console.print(counts)
    if outcome.saved:
        table = Table(title=f"Đã lưu vào {escape(shown(folder))}")
        for name in ("Tệp", "Người gửi", "Thư đến lúc", "Đơn vị (theo dấu htsd)"):
            table.add_column(name)
        for s in outcome.saved:
            table.add_row(
                escape(s.file),
                escape(s.mail.sender),
                f"{when(s.mail)} ({s.mail.arrived_how})" if s.mail.arrived else "không rõ",
                escape(s.unit) if s.unit else "[yellow]không có dấu htsd[/]",
            )
        console.print(readable(console, table, 0))
    if outcome.duplicates:
        table = Table(title="Đã có từ trước, không lưu lại (cùng nội dung)")
        for name in ("Tệp đính kèm", "Người gửi", "Thư đến lúc", "Trùng với"):
            table.add_column(name)
        for d in outcome.duplicates:
            table.add_row(
                escape(d.original), escape(d.mail.sender), when(d.mail), escape(d.existing)
            )
        console.print(readable(console, table, 0, 3))
    if outcome.bounces:
        table = Table(
            title="Thư của cơ quan không đến được đơn vị (thư báo lỗi gửi; không lưu tệp nào)"
        )
        for name in ("Thư", "Báo lúc", "Không đến được", "Đơn vị"):
            table.add_column(name)
        for b in outcome.bounces:
            pairs = list(zip(b.addresses, b.units or [""] * len(b.addresses), strict=False))
            said = [undelivered_text(a) for a, _u in pairs] or [
                "thư báo lỗi gửi không ghi địa chỉ nào; hãy mở thư để xem"
            ]
            table.add_row(
                escape(b.mail.where),
                when(b.mail),
                escape("; ".join(said)),
                unit("; ".join(u for _a, u in pairs if u)),
            )
        console.print(readable(console, table, 0))
    if outcome.without_sheet:
        table = Table(title="Thư không có bảng tính (hãy xem: đơn vị gửi ảnh, tệp Word…?)")
        for name in ("Thư", "Người gửi", "Tiêu đề", "Thư đến lúc", "Tệp đính kèm"):
            table.add_column(name)
        for m, names in outcome.without_sheet:
            table.add_row(
                escape(m.where),
                escape(m.sender),
                escape(m.subject),
                when(m),
                escape(", ".join(names)) or "không có",
            )
        console.print(readable(console, table, 0))
    if outcome.refused or outcome.broken:
        table = Table(title="Không lấy được")
        for name in ("Thư", "Người gửi", "Tệp", "Lý do", "Đơn vị"):
            table.add_column(name)
        for r in outcome.refused:
            kept = f" (đã lưu vào thư mục báo cáo: {r.file})" if r.file else ""
            table.add_row(
                escape(r.mail.where),
                escape(r.mail.sender),
                escape(r.original),
                escape(r.reason + kept),
                unit(r.unit),
            )
        for m in outcome.broken:
            table.add_row(escape(m.where), escape(m.sender), "", escape(m.problem), "")
        console.print(readable(console, table, 0, 2))
    if listed:
        table = Table(title="Tệp đính kèm khác, không lưu (không phải bảng tính)")
        for name in ("Thư", "Người gửi", "Tệp", "Lý do", "Đơn vị"):
            table.add_column(name)
        for r in listed:
            table.add_row(
                escape(r.mail.where),
                escape(r.mail.sender),
                escape(r.original),
                escape(r.reason),
                unit(r.unit),
            )
        console.print(readable(console, table, 0, 2))
    for m in outcome.undated:
        used = f"dùng giờ theo {m.arrived_how}" if m.arrived else "chưa rõ giờ thư đến"
        console.print(
            f"[yellow]Thư {escape(m.where)}:[/] ngày gửi không đọc được (tiêu đề Date hỏng); {used}."
        )
    for name in outcome.booked_late:
        console.print(f"Đã ghi vào sổ nhận tệp lưu từ lần chạy trước bị dừng: {escape(name)}")
    for name in outcome.unbooked:
        console.print(
            f"[yellow]Thư không ghi ngày giờ nào:[/] {escape(name)} đã lưu nhưng chưa vào sổ nhận; "
            "hãy ghi tay ngày nhận vào sổ."
        )
    if outcome.saved or outcome.booked_late:
        console.print(
            f"Đã ghi sổ nhận {escape(shown(str(outcome.book)))}. Chạy htsd status với --receipts "
            f"{escape(shown(str(outcome.book)))} (hoặc ghi receipts vào htsd.toml) để xét nộp muộn theo ngày thư đến."
        )


def print_unchanged(console: Console, outputs: Outputs) -> None:
    """The line of a re-run that found its inputs as they were and the outputs untouched."""
    folder = outputs.workbook.parent
    console.print(
        f"Không có gì thay đổi từ lần tổng hợp trước: các tệp trong {escape(shown(folder))} giữ "
        "nguyên (muốn đọc lại mọi tệp và ghi lại: thêm --no-cache).",
        highlight=False,
    )
