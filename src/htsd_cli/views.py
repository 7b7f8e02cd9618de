"""Rich output of the commands: tables, progress bars, summaries (Vietnamese)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from htsd_cli.form import KINDS, Form, Limits
from htsd_cli.textnorm import format_number

PROGRESS_THRESHOLD = 20


class _Bar:
    """A progress bar that appears on the first step, and only for long work on a terminal."""

    def __init__(self, console: Console, label: str) -> None:
        self.console, self.label = console, label
        self.bar: Progress | None = None
        self.task: Any = None
        self.off = False

    def __call__(self, advance: int, total: int) -> None:
        if self.off:
            return
        if self.bar is None:
            if total < PROGRESS_THRESHOLD or not self.console.is_terminal:
                self.off = True
                return
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
    from htsd_cli.formbook import kept_ids, made_ids, unchecked

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
    console.print(table)
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


def print_issued(console: Console, issued: list[Any], out: Path) -> None:
    table = Table(title=f"Đã tạo {len(issued)} biểu mẫu trong {out}")
    table.add_column("Mã đơn vị")
    table.add_column("Tên đơn vị")
    table.add_column("Loại")
    table.add_column("Tệp")
    for item in issued:
        unit = item.unit
        if unit is None:
            table.add_row("—", "(mẫu trắng: đơn vị tự ghi tên)", "—", item.path.name)
        else:
            table.add_row(unit.code, unit.name, unit.unit_type_label, item.path.name)
    console.print(table)


SEVERITY = {"error": "[red]Lỗi[/]", "warning": "[yellow]Lưu ý[/]"}


WARNINGS_LISTED = 100  # more warnings than this are counted by kind unless --all


def print_validation(
    console: Console, report: Any, annotated: list[Any] | None, show_all: bool = False
) -> None:
    """The counts first, then the files with something to fix or look at (every file with
    `show_all`), then each finding."""
    from rich.markup import escape

    valid = sum(r.valid for r in report.files)
    errors = sum(r.errors for r in report.files)
    warnings = sum(r.warnings for r in report.files)
    colour = "green" if report.valid else "red"
    summary = (
        f"[{colour}]{valid}/{len(report.files)} tệp hợp lệ[/] · {errors} lỗi · {warnings} lưu ý"
        + (f" · bỏ qua {len(report.skipped)} tệp" if report.skipped else "")
    )
    console.print(summary)
    shown = [r for r in report.files if show_all or r.findings]
    noted_only = [r for r in shown if r.valid and r.findings]
    hidden = 0
    if not show_all and len(noted_only) > WARNINGS_LISTED:
        # thousands of files with a warning would bury the files that must be fixed
        shown = [r for r in shown if not r.valid]
        hidden = len(noted_only)
    title = f"Kết quả kiểm tra {len(report.files)} tệp"
    if not show_all:
        title += f": {len(shown)} tệp cần xem (cả danh sách: --all)"
    table = Table(title=title)
    table.add_column("Tệp", overflow="fold")
    table.add_column("Hợp lệ", justify="center")
    table.add_column("Đơn vị", overflow="fold")
    table.add_column("Lỗi", justify="right")
    table.add_column("Lưu ý", justify="right")
    for rep in shown:
        unit = " ".join(x for x in (rep.unit_code, rep.unit_name) if x) or "—"
        table.add_row(
            escape(rep.path),
            "[green]✓[/]" if rep.valid else "[red]✗[/]",
            escape(unit),
            str(rep.errors) if rep.errors else "",
            str(rep.warnings) if rep.warnings else "",
        )
    if shown:
        console.print(table)
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
        console.print(kinds)
    if findings:
        ft = Table(title="Những điểm cần sửa", show_lines=True)
        ft.add_column("Tệp", overflow="fold", max_width=28)
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
        console.print(ft)
    for s in report.skipped:
        console.print(f"[dim]Bỏ qua {escape(s.path)}: {escape(s.reason)}[/]")
    if annotated is not None:
        for a in annotated:
            if a.path is None:
                console.print(
                    f"[yellow]Không tạo được bản đánh dấu cho {escape(a.source)}: {a.note}[/]"
                )
            else:
                extra = f" ({a.note})" if a.note else ""
                console.print(f"Bản đánh dấu để gửi lại: {escape(str(a.path))}{extra}")
    console.print(summary)  # again at the end, where the eye lands after a long list


SHOW_ALL_UP_TO = 60  # units: above this, the table shows only those the clerk must chase


def print_status(console: Console, status: Any, only: set[str] | None = None) -> None:
    """Counts first, then by unit type and by group, then the units: all of them in a small
    collection, else (and with --only) just those asked for."""
    from rich.markup import escape

    from htsd_cli.status import STATE_LABELS

    c = status.counts()
    left = status.days_left
    when = (
        f"còn {left} ngày đến hạn"
        if left > 0
        else ("hôm nay là hạn nộp" if left == 0 else f"đã quá hạn {-left} ngày")
    )
    console.print(
        f"[bold]Đã nhận {c['received']}/{c['expected']}[/] · hợp lệ {c['valid']} · không hợp lệ "
        f"{c['invalid']} · chưa nộp {c['missing']} · muộn {c['late']} · {when} · ngày nhận theo "
        f"{status.received_source}"
    )
    for title, key in (("Theo loại đơn vị", "unit_type_label"), ("Theo nhóm", "group")):
        bt = Table(title=title)
        for col in ("", "Phải nộp", "Đã nhận", "Hợp lệ", "Muộn"):
            bt.add_column(col, justify="right" if col else "left")
        for row in status.breakdown(key):
            bt.add_row(
                escape(row["name"]),
                *(str(row[k]) for k in ("expected", "received", "valid", "late")),
            )
        console.print(bt)
    wanted = only
    if wanted is None and len(status.units) > SHOW_ALL_UP_TO:
        wanted = {"missing", "invalid", "late"}
    units = [
        u for u in status.units
        if wanted is None or u.state in wanted or ("late" in wanted and u.late)
    ]  # fmt: skip
    colours = {"valid": "green", "invalid": "red", "missing": "yellow"}
    title = f"Tình hình nộp báo cáo (hạn {status.deadline:%d/%m/%Y})"
    if wanted is not None:
        title += f": {len(units)}/{len(status.units)} đơn vị"
    table = Table(title=title)
    for col in ("Mã", "Đơn vị", "Loại", "Nhóm", "Tình trạng", "Ngày nhận", "Tệp"):
        table.add_column(col, overflow="fold")
    for u in units:
        state = f"[{colours[u.state]}]{STATE_LABELS[u.state]}[/]"
        if u.late:
            state += " [magenta](muộn)[/]"
        if u.errors:
            state += f" · {u.errors} lỗi"
        received = u.received.strftime("%d/%m/%Y %H:%M") if u.received else ""
        if not u.received and u.state != "missing":
            received = "chưa rõ"
        table.add_row(
            u.code,
            escape(u.name),
            escape(u.unit_type_label),
            escape(u.group),
            state,
            received,
            escape(Path(u.file).name) if u.file else "",
        )
    console.print(table)
    if wanted is not None and only is None:
        console.print(
            "Chỉ in các đơn vị chưa nộp, không hợp lệ hoặc muộn; cả bảng: --out tinh-hinh.xlsx."
        )
    for rep in status.unmatched:
        reason = next((f.message for f in rep.findings if f.is_error), "không thuộc danh sách")
        console.print(
            f"[yellow]Tệp không thuộc đơn vị nào trong danh sách: {escape(rep.path)} — {escape(reason)}[/]"
        )


def print_aggregate(console: Console, agg: Any, outputs: Any) -> None:
    from rich.markup import escape

    c = agg.status.counts()
    console.print(
        f"[bold]Tổng hợp {len(agg.used)} báo cáo hợp lệ[/] (đã nhận {c['received']}/{c['expected']} đơn vị; "
        f"chưa nộp {c['missing']}, không hợp lệ {c['invalid']}, muộn {c['late']})."
    )
    if agg.excluded:
        table = Table(title="Tệp không được tính vào tổng")
        table.add_column("Tệp", overflow="fold")
        table.add_column("Lý do", overflow="fold")
        for e in agg.excluded:
            table.add_row(escape(Path(e.path).name), escape(e.reason))
        console.print(table)
    missing = [u.code for u in agg.status.units if u.state == "missing"]
    if missing:
        console.print(f"[yellow]Chưa nộp: {', '.join(missing)}[/]")
    for path in outputs.written:
        console.print(f"Đã ghi {escape(str(path))}")
    if not agg.used:
        console.print(
            "[red]Không có báo cáo hợp lệ nào: chưa có số liệu để tổng hợp, nên không ghi tệp "
            f"nào; các tệp cũ trong {escape(str(outputs.workbook.parent))} (nếu có) giữ nguyên.[/]"
        )


def print_collect(console: Console, outcome: Any, folder: Path) -> None:
    """What `htsd collect` did: counts, the files saved, and every message that needs a look."""

    def when(mail: Any) -> str:
        if mail.arrived is None:
            return "không rõ"
        return f"{mail.arrived:%d/%m/%Y %H:%M}"

    counts = Table(title="Lấy báo cáo từ thư", show_header=False)
    counts.add_column("", style="bold")
    counts.add_column("", justify="right")
    counts.add_row("Thư đã đọc", str(outcome.messages))
    counts.add_row("Tệp đã lưu", str(len(outcome.saved)))
    counts.add_row("Tệp đã có từ trước (bỏ qua)", str(len(outcome.duplicates)))
    counts.add_row("Thư không có bảng tính", str(len(outcome.without_sheet)))
    counts.add_row("Tệp hoặc thư không lấy được", str(len(outcome.refused) + len(outcome.broken)))
    console.print(counts)
    if outcome.saved:
        table = Table(title=f"Đã lưu vào {escape(str(folder))}")
        for name in ("Tệp", "Người gửi", "Thư đến lúc", "Đơn vị (theo dấu htsd)"):
            table.add_column(name)
        for s in outcome.saved:
            table.add_row(
                escape(s.file),
                escape(s.mail.sender),
                f"{when(s.mail)} ({s.mail.arrived_how})" if s.mail.arrived else "không rõ",
                escape(s.unit) if s.unit else "[yellow]không có dấu htsd[/]",
            )
        console.print(table)
    if outcome.duplicates:
        table = Table(title="Đã có từ trước, không lưu lại (cùng nội dung)")
        for name in ("Tệp đính kèm", "Người gửi", "Thư đến lúc", "Trùng với"):
            table.add_column(name)
        for d in outcome.duplicates:
            table.add_row(
                escape(d.original), escape(d.mail.sender), when(d.mail), escape(d.existing)
            )
        console.print(table)
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
        console.print(table)
    if outcome.refused or outcome.broken:
        table = Table(title="Không lấy được")
        for name in ("Thư", "Người gửi", "Tệp", "Lý do"):
            table.add_column(name)
        for r in outcome.refused:
            table.add_row(
                escape(r.mail.where), escape(r.mail.sender), escape(r.original), escape(r.reason)
            )
        for m in outcome.broken:
            table.add_row(escape(m.where), escape(m.sender), "", escape(m.problem))
        console.print(table)
    for name in outcome.booked_late:
        console.print(f"Đã ghi vào sổ nhận tệp lưu từ lần chạy trước bị dừng: {escape(name)}")
    for name in outcome.unbooked:
        console.print(
            f"[yellow]Thư không ghi ngày giờ nào:[/] {escape(name)} đã lưu nhưng chưa vào sổ nhận; "
            "hãy ghi tay ngày nhận vào sổ."
        )
    if outcome.saved or outcome.booked_late:
        console.print(
            f"Đã ghi sổ nhận {escape(str(outcome.book))}. Chạy htsd status với --receipts "
            f"{escape(str(outcome.book))} (hoặc ghi receipts vào htsd.toml) để xét nộp muộn theo ngày thư đến."
        )
