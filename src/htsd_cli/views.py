"""Rich output of the commands: tables, progress bars, summaries (Vietnamese)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from htsd_cli.form import KINDS, Form

PROGRESS_THRESHOLD = 20


@contextmanager
def progress(console: Console, label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar for long work (shown only when there are many items)."""
    if total < PROGRESS_THRESHOLD or not console.is_terminal:
        yield lambda n: None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    with bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def print_form(console: Console, form: Form) -> None:
    console.print(f"[bold]{form.title}[/]")
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
    for section in form.sections:
        table.add_row(str(section.number), "", f"[bold]{section.heading}[/]", "", "")
        for ind in section.indicators:
            table.add_row("", ind.id, ind.label, KINDS[ind.kind], ind.unit)
    console.print(table)
    console.print(
        f"{len(form.indicators)} chỉ tiêu, {len(form.texts)} phần lời, {len(form.rules)} quy tắc."
    )


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
