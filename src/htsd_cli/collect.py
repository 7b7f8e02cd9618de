"""`htsd collect`: returns taken from mail into the returns folder, each booked with the time it
really arrived.

Every spreadsheet attachment (also inside a .zip) is saved under a name made of its sender and its
own name, folded to ASCII so that Windows takes it; a file with the same content as one already in
the folder is not saved again; nothing is ever written over. The receipts book gets one line per
saved file (file, arrival time, where that time comes from, sender, subject), so that `status` and
`aggregate` judge lateness by arrival, not by file times that a copy resets.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from htsd_cli.cellsafe import from_csv, to_csv
from htsd_cli.errors import OutputError, os_reason
from htsd_cli.fsutil import atomic_write_bytes
from htsd_cli.mail import Attachment, Mail
from htsd_cli.outputs import FolderLock, digest, sync_folder, write_synced
from htsd_cli.roster import csv_delimiter
from htsd_cli.status import receipts_header
from htsd_cli.stopping import checkpoint, deferred
from htsd_cli.textnorm import nfc, slug
from htsd_cli.workbook.guard import MAX_FILE_BYTES, MAX_UNZIPPED_BYTES

if TYPE_CHECKING:
    from htsd_cli.form import Form
    from htsd_cli.roster import Roster

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
MAX_ZIP_MEMBERS = 500
MAX_RATIO = 200  # unzipped size over packed size beyond which an entry is taken for a bomb
BOOK_COLUMNS = ("tep", "ngay_nhan", "nguon_ngay", "nguoi_gui", "tieu_de")
TIME_FORMAT = "%d/%m/%Y %H:%M:%S"


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
    original: str
    reason: str
    mail: Mail


@dataclass
class Outcome:
    messages: int = 0
    saved: list[Saved] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    without_sheet: list[tuple[Mail, list[str]]] = field(default_factory=list)  # and what it had
    broken: list[Mail] = field(default_factory=list)
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
            "refused": [
                {"original": r.original, "reason": r.reason, **who(r.mail)} for r in self.refused
            ],
            "without_spreadsheet": [
                {**who(m), "attachments": names} for m, names in self.without_sheet
            ],
            "broken": [{**who(m), "problem": m.problem} for m in self.broken],
            "booked_late": self.booked_late,
            "unbooked": self.unbooked,
            "receipts": str(self.book) if self.book else None,
        }


# --- what a message carries -------------------------------------------------------------------------


def _suffix(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def _zip_name(info: zipfile.ZipInfo) -> str:
    """An entry's name as its maker meant it: UTF-8 when flagged, else the raw bytes in UTF-8,
    else Windows-1258 (Vietnamese Windows), never the CP437 mojibake zipfile gives."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            raw = b""
        if raw:
            try:
                name = raw.decode("utf-8")
            except UnicodeDecodeError:
                name = raw.decode("cp1258", errors="replace")
    return nfc(name.replace("\\", "/").rsplit("/", 1)[-1])


def _bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes | None:
    """An entry's bytes, or None when it holds more than `limit` (whatever it declares)."""
    out = io.BytesIO()
    with archive.open(info) as handle:
        while chunk := handle.read(1 << 20):
            if out.tell() + len(chunk) > limit:
                return None
            out.write(chunk)
    return out.getvalue()


def from_zip(att: Attachment) -> tuple[list[Attachment], list[tuple[str, str]], list[str]]:
    """The spreadsheets inside a .zip attachment, what was refused (name, why), and the names of
    the other entries. Only an entry's own name is kept: a path in it never reaches the disk."""
    found: list[Attachment] = []
    refused: list[tuple[str, str]] = []
    others: list[str] = []
    assert att.data is not None
    try:
        archive = zipfile.ZipFile(io.BytesIO(att.data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return [], [(att.name, "tệp nén .zip hỏng, không mở được")], []
    if len(infos) > MAX_ZIP_MEMBERS:
        return (
            [],
            [(att.name, f"tệp nén có quá {MAX_ZIP_MEMBERS} tệp (nghi tệp độc); không mở")],
            [],
        )
    budget = MAX_UNZIPPED_BYTES
    for info in infos:
        if info.is_dir():
            continue
        name = _zip_name(info)
        suffix = _suffix(name)
        if suffix not in SPREADSHEETS:
            others.append(name)
            continue
        where = f"{name} (trong {att.name})"
        if info.flag_bits & 0x1:
            refused.append((where, "tệp nén có mật khẩu; nhờ đơn vị gửi tệp không đặt mật khẩu"))
            continue
        if info.file_size > MAX_FILE_BYTES or (
            info.compress_size and info.file_size / info.compress_size > MAX_RATIO
        ):
            refused.append((where, "kích thước giải nén bất thường (nghi tệp độc); không mở"))
            continue
        try:
            data = _bounded(archive, info, min(MAX_FILE_BYTES, budget))
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            refused.append((where, "hỏng trong tệp nén, không giải nén được"))
            continue
        if data is None:
            refused.append((where, "giải nén ra quá lớn (nghi tệp độc); đã dừng"))
            continue
        budget -= len(data)
        found.append(Attachment(name, data))
    return found, refused, others


# --- the receipts book ------------------------------------------------------------------------------


class Book:
    """The receipts book (CSV). New lines are added to what is there, which stays byte for byte;
    the book is replaced in one step, so a reader sees the old book or the new one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.raw = b""
        self.delimiter = ","
        self.names: set[str] = set()
        self.columns: list[str] = list(BOOK_COLUMNS)
        self.new: list[dict[str, str]] = []
        if not path.exists():
            return
        try:
            self.raw = path.read_bytes()
        except OSError as exc:
            raise OutputError(f"Không đọc được sổ nhận {path}: {os_reason(exc)}.") from exc
        try:
            text = self.raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise OutputError(
                f"Sổ nhận {path} không ở dạng UTF-8, htsd không ghi thêm vào được. Hãy mở bằng "
                "Excel, chọn Lưu thành › CSV UTF-8 (Comma delimited), rồi chạy lại."
            ) from None
        self.delimiter = csv_delimiter(text)
        rows = list(csv.reader(io.StringIO(text), delimiter=self.delimiter))
        if rows:
            header = receipts_header(rows[0])
            if header is None:
                raise OutputError(
                    f"{path}, dòng 1: sổ nhận cần hai cột 'tep' và 'ngay_nhan'; htsd không ghi "
                    "thêm vào sổ có cột khác."
                )
            self.columns = header
            at = self.columns.index("tep")
            self.names = {
                from_csv(r[at].strip()).lower() for r in rows[1:] if len(r) > at and r[at].strip()
            }
            missing = [c for c in BOOK_COLUMNS if c not in self.columns]
            if missing:  # a book with only tep, ngay_nhan (htsd init's): the header grows
                self._extend_header(rows[0], missing)

    def _extend_header(self, header: list[str], missing: list[str]) -> None:
        """Add columns to the first line; every other byte of the book stays as it was."""
        bom = b"\xef\xbb\xbf" if self.raw.startswith(b"\xef\xbb\xbf") else b""
        body = self.raw[len(bom) :]
        end = body.find(b"\n")
        first, rest = (body, b"") if end < 0 else (body[: end + 1], body[end + 1 :])
        ending = first[len(first.rstrip(b"\r\n")) :]
        line = io.StringIO()
        csv.writer(line, delimiter=self.delimiter, lineterminator="").writerow(header + missing)
        self.raw = bom + line.getvalue().encode("utf-8") + ending + rest
        self.columns += missing

    def has(self, name: str) -> bool:
        return name.lower() in self.names

    def add(self, name: str, mail: Mail) -> None:
        self.names.add(name.lower())
        line = {
            "tep": name,
            "ngay_nhan": mail.arrived.strftime(TIME_FORMAT) if mail.arrived else "",
            "nguon_ngay": mail.arrived_how,
            "nguoi_gui": mail.sender,
            "tieu_de": mail.subject,
        }
        # what a sender typed (a subject '=HYPERLINK(…)') never runs when the clerk opens the book
        self.new.append({k: to_csv(v) for k, v in line.items()})

    def write(self) -> None:
        if not self.new:
            return
        text = io.StringIO()
        writer = csv.writer(text, delimiter=self.delimiter, lineterminator="\r\n")
        raw = self.raw
        if not raw:
            raw = b"\xef\xbb\xbf"  # Excel opens Vietnamese CSV right only with the mark
            writer.writerow(self.columns)
        elif not raw.endswith((b"\n", b"\r")):
            raw += b"\r\n"
        for line in self.new:
            writer.writerow([line.get(c, "") for c in self.columns])
        data = raw + text.getvalue().encode("utf-8")
        atomic_write_bytes(self.path, data)
        self.raw, self.new = data, []


# --- saving ----------------------------------------------------------------------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _existing(folder: Path) -> dict[str, str]:
    """Content hash → file name of every spreadsheet already in the returns folder."""
    out: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in SPREADSHEETS and path.is_file() and not path.name.startswith("."):
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
    """Write `data` under `name` or, when that is taken, `name-2`, `name-3` …; never over a file."""
    stem, suffix = os.path.splitext(name)
    tmp = folder / f".htsd-tam-{os.getpid()}-{os.urandom(4).hex()}{suffix}"
    write_synced(tmp, data)
    try:
        for n in range(1, 10_000):
            candidate = name if n == 1 else f"{stem}-{n}{suffix}"
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
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _casefold_taken(folder: Path, name: str) -> bool:
    return any(p.name.lower() == name.lower() for p in folder.iterdir())


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
        sheets: list[Attachment] = []
        others: list[str] = []  # what the clerk may want to look at when nothing is a sheet
        refused_before = len(out.refused)
        for att in mail.attachments:
            suffix = _suffix(att.name)
            if att.data is None:
                out.refused.append(Refused(att.name, att.problem, mail))
            elif suffix in SPREADSHEETS:
                if len(att.data) > MAX_FILE_BYTES:
                    reason = f"tệp quá {MAX_FILE_BYTES // (1024 * 1024)} MB"
                    out.refused.append(Refused(att.name, reason, mail))
                else:
                    sheets.append(att)
            elif suffix == ".zip":
                inside, refused, rest = from_zip(att)
                sheets.extend(inside)
                out.refused.extend(Refused(name, why, mail) for name, why in refused)
                others.append(f"{att.name} ({', '.join(rest)})" if rest else att.name)
            else:
                others.append(att.name)
        if not sheets and len(out.refused) == refused_before:
            out.without_sheet.append((mail, others))
            return
        for att in sheets:
            assert att.data is not None
            self._save(att, mail)

    def _save(self, att: Attachment, mail: Mail) -> None:
        assert att.data is not None
        key = _sha(att.data)
        if key in self.known:
            existing = self.known[key]
            self.outcome.duplicates.append(Duplicate(att.name, existing, mail))
            if not self.book.has(existing) and mail.arrived is not None:  # a stopped run's
                self.book.add(existing, mail)
                self.outcome.booked_late.append(existing)
            return
        name = _place(self.folder, safe_name(mail.sender, att.name), att.data)
        self.known[key] = name
        if mail.arrived is None:  # no date anywhere in the message: the clerk writes it
            self.outcome.unbooked.append(name)
        else:
            self.book.add(name, mail)
        self.outcome.saved.append(Saved(name, att.name, mail))


def collect(
    mails: Iterable[Mail], folder: Path, book: Path, since: dt.date | None = None
) -> Iterator[Outcome]:
    """Take every message; yields the outcome after each one (for a progress display). The book
    is written at the end, and also when the run is stopped, for the files saved so far."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"Không tạo được thư mục {folder}: {os_reason(exc)}.") from exc
    with FolderLock(folder):
        collector = Collector(folder, book)
        try:
            for mail in mails:
                if since is not None and mail.arrived is not None and mail.arrived.date() < since:
                    continue
                with deferred():  # Ctrl-C waits until the message is taken whole
                    collector.take(mail)
                checkpoint("collect-taken", saved=len(collector.outcome.saved))
                yield collector.outcome
        finally:
            with deferred():  # and the book gets every file saved so far
                collector.book.write()
    yield collector.outcome


def attribute(outcome: Outcome, folder: Path, form: Form, roster: Roster | None) -> None:
    """Which unit each saved file belongs to, from the htsd stamp in the workbook (read in the
    guarded worker processes, like any return)."""
    from htsd_cli.validate import check_files

    if not outcome.saved:
        return
    reports = check_files([folder / s.file for s in outcome.saved], form, want_names=True)
    for saved, report in zip(outcome.saved, reports, strict=True):
        if report.unit_code:
            unit = roster.find(report.unit_code) if roster is not None else None
            name = unit.name if unit is not None else report.unit_name
            saved.unit = f"{report.unit_code} · {name}" if name else report.unit_code
