"""`htsd collect`: returns taken from mail into the returns folder, each booked with the time it
really arrived.

Every attachment of every message is accounted for. A spreadsheet (also inside a .zip or an
Outlook winmail.dat, opened through `archives` as `validate` opens them) is saved under a name
made of its sender and its own name, folded to ASCII so that Windows takes it; a file with the
same content as one already in the folder is not saved again; nothing is ever written over. Every
other attachment is listed with its reason (an archive htsd cannot open with the advice to ask
for the workbook itself), and with its unit where its name or its sender tells. A delivery
report (a bounce of the office's own mail) is never saved: it is listed against the unit whose
address did not take the mail, and recorded beside the receipts book for `status`.

The receipts book gets one line per saved file (file, arrival time, where that time comes from,
sender, subject), so that `status` and `aggregate` judge lateness by arrival, not by file times
that a copy resets. No single message stops a run: one that cannot be read is listed with its
reason; only a failure of the disk (told in Vietnamese, naming the path) stops it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from htsd_cli.base.errors import HtsdError, OutputError, os_reason
from htsd_cli.base.fsutil import atomic_write_bytes
from htsd_cli.base.outputs import STAGING, FolderLock, digest, recover, sync_folder, write_synced
from htsd_cli.base.stopping import checkpoint, deferred
from htsd_cli.base.textnorm import slug
from htsd_cli.intake import receipts
from htsd_cli.intake.mail import DATE_UNREADABLE, Attachment, Mail, short
from htsd_cli.intake.receipts import BOOK_COLUMNS, TIME_FORMAT, receipts_header, units_by_address
from htsd_cli.reading.archives import CANNOT_OPEN, MEMBER, SPREADSHEETS, kind_of, suffix, unpack
from htsd_cli.reading.guard import MAX_FILE_BYTES
from htsd_cli.writing.cellsafe import from_csv

if TYPE_CHECKING:
    from htsd_cli.campaign.form import Form
    from htsd_cli.campaign.roster import Roster, Unit


@dataclass
class Saved:
    file: str  # name in the returns folder
    original: str
    mail: Mail
    unit: str = ""  # "code · name" when the workbook carries an htsd stamp


@dataclass
class Duplicate:
    original: str
    existing: str
    mail: Mail


@dataclass
class Refused:
    """An attachment not taken: a spreadsheet or an archive that cannot be (Outcome.refused),
    or no spreadsheet at all, a photo or a letter (Outcome.listed)."""

    original: str
    reason: str
    mail: Mail
    unit: str = ""  # "code · name", from the attachment's name or the sender's address
    file: str = ""  # kept in the returns folder as this (an archive htsd cannot open)


@dataclass
class Bounced:
    """A delivery report: the office's mail to these addresses did not arrive."""

    mail: Mail
    addresses: list[str]
    units: list[str] = field(default_factory=list)  # "code · name" of each address's unit


@dataclass
class Outcome:
    messages: int = 0
    saved: list[Saved] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    listed: list[Refused] = field(default_factory=list)  # attachments that are no spreadsheet
    without_sheet: list[tuple[Mail, list[str]]] = field(default_factory=list)  # and what it had
    broken: list[Mail] = field(default_factory=list)
    bounces: list[Bounced] = field(default_factory=list)
    undated: list[Mail] = field(default_factory=list)  # a Date header no calendar holds
    booked_late: list[str] = field(default_factory=list)  # saved by an interrupted run, booked now
    unbooked: list[str] = field(default_factory=list)  # saved, but no arrival time to book
    book: Path | None = None

    def to_dict(self) -> dict[str, object]:
        def who(m: Mail) -> dict[str, object]:
            return {
                "where": m.where,
                "sender": m.sender,
                "subject": m.subject,
                "arrived": m.arrived.strftime(TIME_FORMAT) if m.arrived else None,
                "arrived_from": m.arrived_how,
            }

        def item(r: Refused) -> dict[str, object]:
            return {
                "original": r.original,
                "reason": r.reason,
                "unit": r.unit,
                "file": r.file or None,
                **who(r.mail),
            }

        return {
            "messages": self.messages,
            "saved": [
                {"file": s.file, "original": s.original, "unit": s.unit, **who(s.mail)}
                for s in self.saved
            ],
            "duplicates": [
                {"original": d.original, "existing": d.existing, **who(d.mail)}
                for d in self.duplicates
            ],
            "refused": [item(r) for r in self.refused],
            "listed": [item(r) for r in self.listed],
            "without_spreadsheet": [
                {**who(m), "attachments": names} for m, names in self.without_sheet
            ],
            "broken": [{**who(m), "problem": m.problem} for m in self.broken],
            "undelivered": [
                {
                    **who(b.mail),
                    "addresses": b.addresses,
                    "units": b.units,
                    "attachments": [a.name for a in b.mail.attachments],
                }
                for b in self.bounces
            ],
            "date_unreadable": [m.where for m in self.undated],
            "booked_late": self.booked_late,
            "unbooked": self.unbooked,
            "receipts": str(self.book) if self.book else None,
        }


# --- the receipts book ------------------------------------------------------------------------------


class Book:
    """The receipts book (CSV). New lines are added to what is there, which stays byte for byte;
    the book is replaced in one step, so a reader sees the old book or the new one. It is read
    when the run starts (a book htsd cannot add to is refused before any file is saved) and read
    again, under its lock, when the lines are added."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.names: set[str] = set()
        self.new: list[dict[str, str]] = []
        self.bounces: list[receipts.Bounce] = []
        raw, _delimiter, columns = self._read()
        if raw:
            at = columns.index("tep")
            for row in receipts.parse(raw.decode("utf-8-sig"))[1:]:
                if len(row) > at and row[at].strip():
                    self.names.add(from_csv(row[at].strip()).lower())

    def _read(self) -> tuple[bytes, str, list[str]]:
        """The book's bytes as they are now (its header grown to htsd's columns), its
        delimiter and columns."""
        path = self.path
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return b"", ",", list(BOOK_COLUMNS)
        except OSError as exc:
            raise OutputError(f"Không đọc được sổ nhận {path}: {os_reason(exc)}.") from exc
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise OutputError(
                f"Sổ nhận {path} không ở dạng UTF-8, htsd không ghi thêm vào được. Hãy mở bằng "
                "Excel, chọn Lưu thành › CSV UTF-8 (Comma delimited), rồi chạy lại."
            ) from None
        if not text.strip():
            return b"", ",", list(BOOK_COLUMNS)
        delimiter = receipts.header_delimiter(text)
        first = receipts.parse(text.split("\n", 1)[0], delimiter)
        columns = receipts_header(first[0]) if first else None
        if columns is None:
            raise OutputError(
                f"{path}, dòng 1: sổ nhận cần hai cột 'tep' và 'ngay_nhan'; htsd không ghi "
                "thêm vào sổ có cột khác."
            )
        missing = [c for c in BOOK_COLUMNS if c not in columns]
        if missing:  # a book with only tep, ngay_nhan (htsd init's): the header grows
            raw = _extend_header(raw, first[0] + missing, delimiter)
            columns += missing
        return raw, delimiter, columns

    def has(self, name: str) -> bool:
        return name.lower() in self.names

    def add(self, name: str, mail: Mail) -> None:
        self.names.add(name.lower())
        how = mail.arrived_how + (f"; {DATE_UNREADABLE}" if mail.date_unreadable else "")
        self.new.append(
            {
                "tep": name,
                "ngay_nhan": receipts.when_text(mail.arrived),
                "nguon_ngay": how,
                "nguoi_gui": short(mail.sender),
                "tieu_de": short(mail.subject),
            }
        )

    def bounce(self, address: str, mail: Mail) -> None:
        self.bounces.append(
            receipts.Bounce(
                address,
                receipts.when_text(mail.arrived),
                short(mail.sender),
                short(mail.subject),
                short(mail.where),
            )
        )

    def write(self) -> None:
        """Add the new lines to the book as it is now, under its lock (another collect may have
        added lines since this run read it); and the bounces beside it."""
        if not self.new and not self.bounces:
            receipts.tidy(self.path)  # a run killed while writing may have left its lock
            return
        with receipts.writing(self.path):
            if self.new:
                raw, delimiter, columns = self._read()
                rows = [[entry.get(c, "") for c in columns] for entry in self.new]
                atomic_write_bytes(self.path, receipts.appended(raw, columns, rows, delimiter))
                self.new = []
            receipts.add_bounces(self.path, self.bounces)
            self.bounces = []


def _extend_header(raw: bytes, header: list[str], delimiter: str) -> bytes:
    """The book with a new first line; every other byte stays as it was."""
    bom = receipts.BOM if raw.startswith(receipts.BOM) else b""
    body = raw[len(bom) :]
    end = body.find(b"\n")
    first, rest = (body, b"") if end < 0 else (body[: end + 1], body[end + 1 :])
    ending = first[len(first.rstrip(b"\r\n")) :]
    line = receipts.line(header, delimiter).rstrip("\r\n")
    return bom + line.encode("utf-8") + ending + rest


# --- saving ----------------------------------------------------------------------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _existing(folder: Path) -> dict[str, str]:
    """Content hash → file name of every spreadsheet (and archive htsd cannot open) already in
    the returns folder."""
    out: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        kept = path.suffix.lower() in SPREADSHEETS or path.suffix.lower() in CANNOT_OPEN
        if kept and path.is_file() and not path.name.startswith("."):
            with contextlib.suppress(OSError):
                out.setdefault(digest(path), str(path.relative_to(folder)))
    return out


def safe_name(sender: str, original: str) -> str:
    """'thcs.danghai@haian.edu.vn' + 'Báo cáo HTSĐ.xlsx' → 'thcs-danghai-haian-edu-vn__bao-cao-htsd.xlsx'.
    Only a-z, 0-9 and '-' remain, so no name can leave the folder or be refused by Windows."""
    who = slug(sender, 40) if sender else "khong-ro-nguoi-gui"
    stem, suffix = os.path.splitext(original)
    what = slug(stem, 60) if stem.strip() else "tep-dinh-kem"
    return f"{who}__{what}{suffix.lower()}"


def _place(folder: Path, name: str, data: bytes) -> str:
    """Write `data` under `name` or, when that is taken, `name-2`, `name-3` …; never over a file.
    A disk that refuses is told in Vietnamese, naming the path."""
    stem, ext = os.path.splitext(name)
    tmp = folder / f"{STAGING}{os.getpid()}-{os.urandom(4).hex()}{ext}"
    try:
        write_synced(tmp, data)
        for n in range(1, 10_000):
            candidate = name if n == 1 else f"{stem}-{n}{ext}"
            target = folder / candidate
            try:
                os.link(tmp, target)  # fails when the name is taken: nothing is replaced
            except FileExistsError:
                continue
            except OSError:  # a file system without links (FAT, some shares): under our lock
                if target.exists() or _casefold_taken(folder, candidate):
                    continue
                os.replace(tmp, target)
            sync_folder(folder)
            return candidate
        raise OutputError(f"Không đặt được tên cho {name} trong {folder}.")
    except OSError as exc:
        raise OutputError(
            f"Không lưu được tệp {name} vào thư mục {folder}: {os_reason(exc)}. Các tệp đã lưu "
            "trước đó vẫn còn và đã ghi sổ nhận; chạy lại lệnh khi đã xử lý xong."
        ) from exc
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _casefold_taken(folder: Path, name: str) -> bool:
    return any(p.name.lower() == name.lower() for p in folder.iterdir())


def clean_up(folder: Path) -> None:
    """What an interrupted run left in the returns folder: its temporary files (a run killed
    between writing a file and naming it). Call with the folder's lock held."""
    recover(folder)
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name.startswith(STAGING) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


class Collector:
    """Saves the spreadsheets of messages into `folder` and books them in `book`."""

    def __init__(self, folder: Path, book: Path) -> None:
        self.folder = folder
        self.book = Book(book)
        self.known = _existing(folder)
        self.outcome = Outcome(book=book)

    def take(self, mail: Mail) -> None:
        out = self.outcome
        out.messages += 1
        if mail.problem:
            out.broken.append(mail)
            return
        if mail.date_unreadable:
            out.undated.append(mail)
        if mail.undelivered is not None:  # a bounce: the office's own mail came back
            out.bounces.append(Bounced(mail, list(mail.undelivered)))
            for address in mail.undelivered:
                self.book.bounce(address, mail)
            return
        sheets: list[Attachment] = []
        refused_before = len(out.refused)
        for att in mail.attachments:
            self._sort(att, mail, sheets)
        if not sheets and len(out.refused) == refused_before:
            names = [att.name for att in mail.attachments]
            out.without_sheet.append((mail, _with_contents(names, out.listed, mail)))
        for att in sheets:
            self._save(att, mail)

    def _sort(self, att: Attachment, mail: Mail, sheets: list[Attachment]) -> None:
        """A spreadsheet to save, an archive to open, or an attachment listed with its reason."""
        out = self.outcome
        if att.data is None:
            out.refused.append(Refused(att.name, att.problem, mail))
        elif kind_of(att.name, att.data[:8]) not in ("", "zip", "tnef"):
            self._keep(att, mail)
        elif kind_of(att.name, att.data[:8]):
            inside = unpack(att.name, att.data)
            sheets += [Attachment(_own(name), data) for name, data in inside.found]
            out.refused += [Refused(name, why, mail) for name, why in inside.refused]
            out.listed += [Refused(name, why, mail) for name, why in inside.others]
        elif suffix(att.name) in SPREADSHEETS:
            if len(att.data) > MAX_FILE_BYTES:
                reason = f"tệp quá {MAX_FILE_BYTES // (1024 * 1024)} MB"
                out.refused.append(Refused(att.name, reason, mail))
            else:
                sheets.append(att)
        else:
            out.listed.append(Refused(att.name, "không phải bảng tính", mail))

    def _keep(self, att: Attachment, mail: Mail) -> None:
        """An archive htsd cannot open: kept in the returns folder and booked like a return, so
        that `status` shows its unit as having sent something unusable (with the advice) rather
        than as missing; listed here with the same advice."""
        assert att.data is not None
        [(_name, reason)] = unpack(att.name, att.data[:8]).refused
        refused = Refused(att.name, reason, mail)
        self.outcome.refused.append(refused)
        if len(att.data) <= MAX_FILE_BYTES:
            refused.file, _new = self._store(att.name, att.data, mail)

    def _save(self, att: Attachment, mail: Mail) -> None:
        assert att.data is not None
        name, new = self._store(att.name, att.data, mail)
        if new:
            self.outcome.saved.append(Saved(name, att.name, mail))
        else:
            self.outcome.duplicates.append(Duplicate(att.name, name, mail))

    def _store(self, original: str, data: bytes, mail: Mail) -> tuple[str, bool]:
        """Save and book a file unless the folder has its content already: its name there, and
        whether it is new."""
        key = _sha(data)
        if key in self.known:
            existing = self.known[key]
            if not self.book.has(existing) and mail.arrived is not None:  # a stopped run's
                self.book.add(existing, mail)
                self.outcome.booked_late.append(existing)
            return existing, False
        name = _place(self.folder, safe_name(mail.sender, original), data)
        self.known[key] = name
        if mail.arrived is None:  # no date anywhere in the message: the clerk writes it
            self.outcome.unbooked.append(name)
        else:
            self.book.add(name, mail)
        return name, True


def _own(member: str) -> str:
    """A member's own name: 'bao-cao.zip › th02.xlsx' → 'th02.xlsx'."""
    return member.rsplit(MEMBER, 1)[-1]


def _with_contents(names: list[str], listed: list[Refused], mail: Mail) -> list[str]:
    """A message's attachment names, an archive's followed by the names inside it."""
    out = []
    for name in names:
        inside = [
            _own(r.original)
            for r in listed
            if r.mail is mail and r.original.startswith(name + MEMBER)
        ]
        out.append(f"{name} ({', '.join(inside)})" if inside else name)
    return out


def collect(
    mails: Iterable[Mail], folder: Path, book: Path, since: dt.date | None = None
) -> Iterator[Outcome]:
    """Take every message; yields the outcome after each one (for a progress display). The book
    is written at the end, and also when the run is stopped, for the files saved so far. A
    message that cannot be taken is listed as broken with its reason, and the run goes on."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"Không tạo được thư mục {folder}: {os_reason(exc)}.") from exc
    with FolderLock(folder):
        clean_up(folder)
        collector = Collector(folder, book)
        try:
            for mail in mails:
                if since is not None and mail.arrived is not None and mail.arrived.date() < since:
                    continue
                with deferred():  # Ctrl-C waits until the message is taken whole
                    _take_safely(collector, mail)
                checkpoint("collect-taken", saved=len(collector.outcome.saved))
                yield collector.outcome
        finally:
            with deferred():  # and the book gets every file saved so far
                collector.book.write()
    yield collector.outcome


def _take_safely(collector: Collector, mail: Mail) -> None:
    try:
        collector.take(mail)
    except HtsdError:
        raise  # the disk or the folder: every message after this one would fail the same way
    except OSError as exc:
        raise OutputError(
            f"Không ghi được vào thư mục {collector.folder}: {os_reason(exc)}."
        ) from exc
    except Exception as exc:  # this message only: it is listed, the run goes on
        mail.problem = f"không xử lý được thư này ({exc.__class__.__name__}); đã bỏ qua"
        mail.attachments.clear()
        collector.outcome.broken.append(mail)


def attribute(outcome: Outcome, folder: Path, form: Form, roster: Roster | None) -> None:
    """Which unit each saved file belongs to, from the htsd stamp in the workbook (read in the
    guarded worker processes, like any return); the unit of each attachment not taken, from its
    name or its sender's address; the unit of each address a bounce names."""
    from htsd_cli.checks.validate import check_files

    if outcome.saved:
        reports = check_files([folder / s.file for s in outcome.saved], form, want_names=True)
        for saved, report in zip(outcome.saved, reports, strict=True):
            if report.unit_code:
                unit = roster.find(report.unit_code) if roster is not None else None
                name = unit.name if unit is not None else report.unit_name
                saved.unit = f"{report.unit_code} · {name}" if name else report.unit_code
    if roster is None:
        return
    by_address = units_by_address(roster)
    for item in [*outcome.refused, *outcome.listed]:
        unit = roster.named_in(_own(item.original)) or by_address.get(item.mail.sender.lower())
        item.unit = _label(unit)
    for bounce in outcome.bounces:
        bounce.units = [_label(by_address.get(a)) for a in bounce.addresses]


def _label(unit: Unit | None) -> str:
    return f"{unit.code} · {unit.name}" if unit is not None else ""
