"""What the clerk sends to units that have not reported, are late, or must fix their file:
a list (xlsx), one short message per unit to paste into e-mail or Zalo, and a reminder letter
(công văn đôn đốc) laid out as the report is."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from htsd_cli.base.outputs import Inputs, OutputSet
from htsd_cli.base.textwidth import office_lines
from htsd_cli.campaign.config import Config
from htsd_cli.campaign.form import Form
from htsd_cli.render.document import LetterContext, date_line
from htsd_cli.render.plain import plain_words
from htsd_cli.render.signature import filing_line, signature_block
from htsd_cli.totals.status import INVALID, MISSING, StatusReport, UnitStatus
from htsd_cli.writing.cellsafe import Written, put

LIST_NAME = "nhac-nho.xlsx"
MESSAGES_NAME = "tin-nhan.txt"
LETTER_NAME = "cong-van-don-doc.docx"


@dataclass(frozen=True)
class Reminder:
    unit: UnitStatus
    email: str
    phone: str
    what: str  # what is wrong, in a sentence
    ask: str  # what the unit should do


def reminders(status: StatusReport, emails: dict[str, tuple[str, str]]) -> list[Reminder]:
    """Units missing, whose file must be fixed, or late, in the roster's order."""
    out = []
    for u in status.units:
        email, phone = emails.get(u.code, ("", ""))
        if u.state == MISSING:
            what, ask = "Chưa nộp báo cáo.", "Xin gửi báo cáo"
        elif u.state == INVALID:
            reason = u.reasons[0] if u.reasons else "tệp không hợp lệ"
            more = f" (và {len(u.reasons) - 1} lỗi khác)" if len(u.reasons) > 1 else ""
            what = f"Tệp {Path(u.file).name} chưa dùng được: {reason.rstrip('.')}{more}."
            ask = "Xin sửa và gửi lại báo cáo"
        elif u.late and u.received is not None:
            what = f"Đã nộp muộn (nhận ngày {u.received:%d/%m/%Y})."
            ask = "Lần sau xin gửi báo cáo đúng hạn"
        else:
            continue
        out.append(Reminder(u, email, phone, what, ask))
    return out


def message(r: Reminder, form: Form, config: Config, deadline_text: str) -> str:
    send_to = config.office.send_to or config.office.name
    return (
        f"Kính gửi {r.unit.name} ({r.unit.code}),\n"
        f"{config.office.name} nhắc về báo cáo {form.short_title}: {r.what}\n"
        f"{r.ask} về {send_to}; hạn nộp {deadline_text}.\n"
        "Trân trọng."
    )


def table_workbook(
    title: str, heads: tuple[str, ...], rows: Sequence[Sequence[Written]], widths: tuple[int, ...]
) -> bytes:
    """One sheet: bold headings, wrapped cells, frozen heading row, printed landscape on A4."""
    from openpyxl.styles import Alignment, Font

    from htsd_cli.campaign.layout import column_letter
    from htsd_cli.render.summary import print_setup
    from htsd_cli.writing.package import FONT_NAME, normalise_package
    from htsd_cli.writing.xlstyle import first_sheet, new_workbook

    wb = new_workbook()
    ws = first_sheet(wb)
    ws.title = title
    bold = Font(name=FONT_NAME, bold=True)
    for c, head in enumerate(heads, start=1):
        put(ws.cell(row=1, column=c), head).font = bold
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            put(ws.cell(row=r, column=c), value).alignment = wrap  # units' words stay text
    for c, width in enumerate(widths):
        ws.column_dimensions[column_letter(c)].width = width
    ws.freeze_panes = "A2"
    print_setup(ws, landscape=True)
    buffer = io.BytesIO()
    wb.save(buffer)
    return normalise_package(buffer.getvalue())


def _list_workbook(items: list[Reminder]) -> bytes:
    from htsd_cli.totals.status import STATE_LABELS

    rows = [
        (i.unit.code, i.unit.name, i.unit.unit_type_label, i.unit.group, i.email, i.phone,
         STATE_LABELS[i.unit.state] + (" (muộn)" if i.unit.late else ""), i.what)
        for i in items
    ]  # fmt: skip
    heads = ("Mã", "Đơn vị", "Loại", "Nhóm", "Email", "Điện thoại", "Tình trạng", "Việc cần làm")
    return table_workbook("Nhắc nộp", heads, rows, (10, 34, 20, 18, 24, 13, 14, 60))


WORKING_DAYS = 5  # a new deadline, when the letter gives none: five working days after it


def working_days_after(day: dt.date, count: int) -> dt.date:
    """The day `count` working days (Monday to Friday) after `day`."""
    while count:
        day += dt.timedelta(days=1)
        count -= day.weekday() < 5
    return day


@dataclass(frozen=True)
class LetterDates:
    """The letter's date (None: left blank, to write by hand) and the deadline it gives: the
    one given, else the form's while it has not passed, else five working days after the
    letter (None when the letter has no date: counted from the day it is signed)."""

    date: dt.date | None
    deadline: dt.date | None
    new: bool  # the deadline is a new one

    @classmethod
    def settle(
        cls, date: dt.date | None, deadline: dt.date, given: dt.date | None = None
    ) -> LetterDates:
        if given is not None:
            return cls(date, given, given != deadline)
        if date is not None and date <= deadline:
            return cls(date, deadline, False)
        return cls(date, working_days_after(date, WORKING_DAYS) if date else None, True)

    def deadline_text(self) -> str:
        if self.deadline is None:
            return f"trong {WORKING_DAYS:02d} ngày làm việc kể từ ngày ký công văn này"
        return f"chậm nhất ngày {self.deadline:%d/%m/%Y}"


def _unit_line(item: Reminder) -> str:
    """What a unit must do, in words (no file names or cells: the letter is read on paper)."""
    u = item.unit
    if u.state == MISSING:
        return f"{u.code} – {u.name}: chưa nộp báo cáo;"
    # what is wrong, its first sentence: how to fix it is the unit's own form's to say
    reason = plain_words(u.reasons[0]).split(". ")[0].rstrip(".") if u.reasons else "tệp hỏng"
    more = f" (và {len(u.reasons) - 1} lỗi khác)" if len(u.reasons) > 1 else ""
    return f"{u.code} – {u.name}: báo cáo chưa dùng được, {reason[:1].lower()}{reason[1:]}{more};"


def letter_context(
    items: list[Reminder], status: StatusReport, config: Config, form: Form, dates: LetterDates
) -> LetterContext:
    deadline = f"{status.deadline:%d/%m/%Y}"
    chased = [i for i in items if i.unit.state in (MISSING, INVALID)]
    units = [_unit_line(i) for i in chased]
    if units:
        units[-1] = units[-1].rstrip(";") + "."
    send_to = config.office.send_to or config.office.name
    when = f"Đến ngày {dates.date:%d/%m/%Y}" if dates.date else "Đến nay"
    passed = dates.date is not None and dates.date > status.deadline
    was = "là" if not passed else "đã hết vào"
    new = " (hạn mới)" if dates.new else ""
    year = dates.date.year if dates.date else form.year
    return LetterContext(
        governing_body=config.office.governing_body.upper(),
        office_lines=tuple(office_lines(config.office.name.upper())),
        number_line=f"Số:      /{config.office.short_name}",
        subject_under_number=f"V/v đôn đốc nộp báo cáo {form.short_title}",
        date_line=date_line(config.office.place, year, dates.date),
        subject=f"Đôn đốc nộp báo cáo {form.short_title}",
        addressee="Các đơn vị có tên dưới đây",
        body=(
            f"Hạn nộp báo cáo {form.short_title} {was} ngày {deadline}. {when}, "
            f"{config.office.name} chưa nhận được báo cáo dùng được của {len(units)} đơn vị sau:",
        ),
        units=tuple(units),
        closing=(
            f"Đề nghị các đơn vị trên gửi (hoặc sửa và gửi lại) báo cáo theo biểu mẫu đã phát về "
            f"{send_to}, {dates.deadline_text()}{new}. Đơn vị đã gửi trước khi nhận được công văn "
            "này xin bỏ qua."
        ),
        recipients=("Như trên;", filing_line(config.recipients)),
        signer=signature_block(config.signer),
    )


def write_reminders(
    folder: Path,
    status: StatusReport,
    config: Config,
    form: Form,
    contacts: dict[str, tuple[str, str]],
    inputs: Inputs,
    overwrite: bool = False,
    dates: LetterDates | None = None,
) -> tuple[list[Reminder], list[Path]]:
    """The three files, switched in together; none when nobody needs a reminder. `dates`: the
    letter's date and deadline (by default the status's date, and the deadline it settles)."""
    from htsd_cli.render.docx_report import render_letter

    items = reminders(status, contacts)
    if not items:
        return items, []
    dates = dates or LetterDates.settle(status.as_of, status.deadline)
    deadline = dates.deadline_text()  # the messages say the date alone, new or not
    if dates.deadline is not None:
        deadline = f"{dates.deadline:%d/%m/%Y}" + (" (hạn mới)" if dates.new else "")
    texts = "\n\n".join(message(i, form, config, deadline) for i in items) + "\n"
    with OutputSet(folder, inputs, "thư nhắc", overwrite) as outs:
        outs.claim((LIST_NAME, MESSAGES_NAME, LETTER_NAME))
        outs.write(LIST_NAME, _list_workbook(items))
        outs.write(MESSAGES_NAME, texts.encode("utf-8-sig"))  # Notepad opens it as Unicode
        outs.write(LETTER_NAME, render_letter(letter_context(items, status, config, form, dates)))
        written = outs.commit()
    return items, written


def status_workbook(status: StatusReport) -> bytes:
    """The full status table as a workbook (a province's 2,000 rows do not fit a screen)."""
    from htsd_cli.totals.status import STATE_LABELS

    rows = []
    for u in status.units:
        received = (
            f"{u.received:%d/%m/%Y %H:%M}"
            if u.received
            else ("" if u.state == MISSING else "chưa rõ")
        )
        rows.append((
            u.code, u.name, u.unit_type_label, u.group, STATE_LABELS[u.state],
            "Muộn" if u.late else "", received, Path(u.file).name if u.file else "",
            "; ".join(u.reasons[:2]),
        ))  # fmt: skip
    heads = ("Mã", "Đơn vị", "Loại", "Nhóm", "Tình trạng", "Muộn", "Ngày nhận", "Tệp", "Lý do")
    return table_workbook("Tình hình nộp", heads, rows, (10, 34, 20, 18, 14, 7, 16, 30, 60))
