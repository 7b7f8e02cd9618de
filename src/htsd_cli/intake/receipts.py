"""The receipts book (so-nhan.csv) as htsd reads and writes it, and the list of the office's
mail that did not arrive, kept beside it.

The book is CSV: UTF-8 with its mark (Excel opens Vietnamese right only with it), one fixed
dialect when htsd writes (the delimiter of the book as it is, ',' for a new one; quotes only
where a field needs them, doubled inside). Read back, the delimiter is taken from the header
line alone, never guessed from the lines below, where a sender's subject may hold any number of
semicolons; a book re-saved by Excel with ';' reads the same.

A bounce (a delivery report: the office's mail to a unit did not arrive) is no return and never
goes in the book. It goes in `<book>-thu-khong-den.csv` beside it (address, when the report
came, who sent it, its subject, where it is), so that `status` can tell the clerk which unit
never received the form, whichever mailbox and run found the report.

Both files are written by one process at a time: a lock file beside the book
(`.<book>.htsd-dang-ghi.lock`, the returns folder's kind of lock), taken only for the moment of
writing; the writer reads the file again under the lock and adds its lines to what is there,
so two collects writing one book lose no line.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from htsd_cli.base.errors import OutputError, RosterError, os_reason
from htsd_cli.base.textnorm import fold
from htsd_cli.writing.cellsafe import from_csv, to_csv

if TYPE_CHECKING:
    from htsd_cli.campaign.roster import Roster, Unit

BOOK_COLUMNS = ("tep", "ngay_nhan", "nguon_ngay", "nguoi_gui", "tieu_de")
BOUNCE_COLUMNS = ("dia_chi", "ngay_bao", "nguoi_gui", "tieu_de", "thu")
TIME_FORMAT = "%d/%m/%Y %H:%M:%S"
DELIMITERS = ",;\t"
MAX_FIELD = 1 << 24  # a book written by an older htsd may hold a 140,000-character subject
LOCK_WAIT = 30.0  # seconds a collect waits for another one to finish writing the book
BOM = b"\xef\xbb\xbf"


def header_delimiter(text: str) -> str:
    """The delimiter of a CSV, from its first line only: the one that splits it most."""
    first = text.split("\n", 1)[0]
    counts = {d: next(csv.reader([first], delimiter=d), []).__len__() for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 1 else ","


@contextlib.contextmanager
def _wide_fields() -> Iterator[None]:
    old = csv.field_size_limit(MAX_FIELD)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def parse(text: str, delimiter: str | None = None) -> list[list[str]]:
    """The rows of a book's text (delimiter from its header line unless given)."""
    with _wide_fields():
        return list(csv.reader(io.StringIO(text), delimiter=delimiter or header_delimiter(text)))


def line(fields: list[str], delimiter: str) -> str:
    """One row as htsd writes it: quotes where a field needs them, CR LF at the end, and text a
    spreadsheet would run as a formula (a sender's subject '=HYPERLINK(…)') kept as text."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerow(map(to_csv, fields))
    return out.getvalue()


def appended(raw: bytes, header: list[str], rows: list[list[str]], delimiter: str) -> bytes:
    """A CSV file htsd adds to (`raw`, b"" when there is none yet: it starts with the mark and
    `header`) with `rows` after what is there, which stays byte for byte."""
    if not raw:
        raw = BOM + line(header, delimiter).encode("utf-8")
    elif not raw.endswith((b"\n", b"\r")):
        raw += b"\r\n"
    return raw + "".join(line(row, delimiter) for row in rows).encode("utf-8")


def read_rows(path: Path) -> list[list[str]]:
    """The rows of a receipts book in any encoding Excel saves (for `status`)."""
    from htsd_cli.base.errors import RosterError, read_reason
    from htsd_cli.campaign.roster import decode_text

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RosterError(f"Không đọc được sổ nhận {path}: {read_reason(exc)}.") from exc
    return parse(decode_text(raw))


def book_key(name: str) -> str:
    """A file name as the receipts book is looked up by: lower case, Unicode NFC (a name typed
    into the book in decomposed Unicode, or listed so by macOS, is the same file)."""
    import unicodedata

    return unicodedata.normalize("NFC", name).lower()


def when_text(when: dt.datetime | None) -> str:
    return when.strftime(TIME_FORMAT) if when is not None else ""


# --- one writer at a time ---------------------------------------------------------------------------


@contextlib.contextmanager
def writing(book: Path) -> Iterator[None]:
    """Hold the book's lock (waiting a little for another collect to finish its write), and
    remove what an interrupted writer left beside the book."""
    from htsd_cli.base.outputs import FolderLock

    lock = FolderLock(book.parent, _lock_name(book))
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            book.parent.mkdir(parents=True, exist_ok=True)
            lock.__enter__()
            break
        except OSError as exc:
            raise OutputError(f"Không ghi được sổ nhận {book}: {os_reason(exc)}.") from exc
        except OutputError:
            if not lock.held() or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    try:
        _remove_leftovers(book)
        yield
    finally:
        lock.__exit__()


def _lock_name(book: Path) -> str:
    return f".{book.name}.htsd-dang-ghi.lock"


def tidy(book: Path) -> None:
    """What a writer killed mid-write left beside the book (its lock, a temporary copy),
    removed under the lock when there is any: a run with nothing to add cleans up too."""
    try:
        left = (book.parent / _lock_name(book)).exists() or bool(_leftovers(book))
    except OSError:
        return
    if left:
        with writing(book):
            pass


def _leftovers(book: Path) -> list[str]:
    """The temporary files a write of the book or of its bounces cut off left beside them
    (fsutil.atomic_write_bytes names them `.<name>.<pid>-<random>.tmp`)."""
    prefixes = tuple(f".{name}." for name in (book.name, bounces_path(book).name))
    with os.scandir(book.parent) as entries:
        return [e.path for e in entries if e.name.startswith(prefixes) and e.name.endswith(".tmp")]


def _remove_leftovers(book: Path) -> None:
    """Remove `_leftovers`: only the holder of the lock writes there."""
    with contextlib.suppress(OSError):
        for path in _leftovers(book):
            with contextlib.suppress(OSError):
                os.unlink(path)


# --- mail that did not arrive ------------------------------------------------------------------------


@dataclass(frozen=True)
class Bounce:
    address: str
    when: str  # as written in the file (dd/mm/yyyy hh:mm:ss), '' when unknown
    sender: str = ""
    subject: str = ""
    where: str = ""

    def fields(self) -> list[str]:
        return [self.address, self.when, self.sender, self.subject, self.where]


def bounces_path(book: Path) -> Path:
    return book.with_name(f"{book.stem}-thu-khong-den.csv")


def load_bounces(book: Path | None) -> list[Bounce]:
    """The bounces recorded beside `book` (none when there is no such file, or it is unreadable:
    it only adds a remark to `status`)."""
    if book is None:
        return []
    try:
        raw = bounces_path(book).read_bytes()
    except OSError:
        return []
    return _bounces_in(raw)


def _bounces_in(raw: bytes) -> list[Bounce]:
    """The bounces a file of them holds."""
    from htsd_cli.campaign.roster import decode_text

    rows = parse(decode_text(raw))
    if not rows:
        return []
    header = [h.strip().lower() for h in rows[0]]
    if "dia_chi" not in header:
        return []
    at = {name: header.index(name) for name in BOUNCE_COLUMNS if name in header}

    def cell(row: list[str], name: str) -> str:
        i = at.get(name, -1)
        return from_csv(row[i].strip()) if 0 <= i < len(row) else ""

    return [
        Bounce(*(cell(r, name) for name in BOUNCE_COLUMNS)) for r in rows[1:] if cell(r, "dia_chi")
    ]


def add_bounces(book: Path, new: list[Bounce]) -> None:
    """Add the bounces not recorded yet to the file beside `book` (call under `writing`)."""
    from htsd_cli.base.fsutil import atomic_write_bytes

    if not new:
        return
    path = bounces_path(book)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raw = b""
    except OSError as exc:
        raise OutputError(f"Không đọc được {path}: {os_reason(exc)}.") from exc
    known = set(_bounces_in(raw))
    text = raw.decode("utf-8-sig", errors="replace")
    delimiter = header_delimiter(text) if text.strip() else ","
    added = [b.fields() for b in dict.fromkeys(new) if b not in known]
    if added:
        raw = raw if text.strip() else b""
        atomic_write_bytes(path, appended(raw, list(BOUNCE_COLUMNS), added, delimiter))


def undelivered_text(address: str) -> str:
    """What the clerk reads about a bounce, in `collect` and in `status`."""
    return f"thư gửi tới {address} không đến được"


def units_by_address(roster: Roster) -> dict[str, Unit]:
    """Each e-mail address of the roster (the email column may hold several) → its unit."""
    from htsd_cli.campaign.roster import email_addresses

    out: dict[str, Unit] = {}
    for unit in roster.units:
        for address in email_addresses(unit.email):
            out.setdefault(address, unit)
    return out


def undelivered_by_unit(roster: Roster, bounces: list[Bounce]) -> dict[str, list[str]]:
    """Unit code → what the clerk reads about each bounce of its address (with when it came);
    units that share the address each have it."""
    out: dict[str, list[str]] = {}
    for bounce in bounces:
        said = undelivered_text(bounce.address)
        said += f" (thư báo lỗi gửi lúc {bounce.when})" if bounce.when else ""
        for unit in roster.with_email(bounce.address):
            if said not in out.setdefault(unit.code, []):
                out[unit.code].append(said)
    return out


def receipts_header(row: list[str]) -> list[str] | None:
    """A receipts book's column names, folded ('Ngày nhận' → 'ngay_nhan'); None without the
    two it needs, 'tep' and 'ngay_nhan'."""
    header = [fold(h).replace(" ", "_") for h in row]
    return header if "tep" in header and "ngay_nhan" in header else None


class Receipts(dict[str, dt.datetime]):
    """A receipts book: file name (lower case) → when it was received; and what could not be
    read in it, one sentence per line of the book (the rest of the book still counts); and who
    sent each file (`load_senders`), read from the same lines."""

    def __init__(
        self,
        dates: dict[str, dt.datetime],
        problems: list[str],
        senders: dict[str, str] | None = None,
    ) -> None:
        super().__init__(dates)
        self.problems = problems
        self.senders = senders or {}


def load_receipts(path: Path) -> Receipts:
    """A receipts book: CSV with columns 'tep' (file name) and 'ngay_nhan' (date received). A
    line that cannot be read is told (`Receipts.problems`) and its file has no date: a clerk's
    typing slip in one line never stops `status`."""
    from htsd_cli.base.dates import why_not

    rows = read_rows(path)  # the delimiter from the header line, never from a subject
    if not rows:
        return Receipts({}, [])
    header = receipts_header(rows[0])
    if header is None:
        raise RosterError(f"{path}, dòng 1: sổ nhận cần hai cột 'tep' và 'ngay_nhan'.")
    i_file, i_date = header.index("tep"), header.index("ngay_nhan")
    out: dict[str, dt.datetime] = {}
    problems: list[str] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        name = from_csv(row[i_file].strip()) if i_file < len(row) else ""  # as collect wrote it
        text = row[i_date].strip() if i_date < len(row) else ""
        when = _parse_when(text)
        if not name or not text:
            missing = "tên tệp" if not name else "ngày nhận"
            problems.append(
                f"Sổ nhận {path.name}, dòng {number}: thiếu {missing} (dòng có "
                f"{len(row)} cột, cần cột 'tep' và 'ngay_nhan'); dòng này chưa được tính."
            )
        elif when is None:
            problems.append(
                f"Sổ nhận {path.name}, dòng {number}: {why_not(text)}; tệp {name} coi như chưa "
                "rõ ngày nhận (không xét muộn). Hãy sửa thành dd/mm/yyyy, có thể kèm giờ hh:mm."
            )
        else:
            out[book_key(name)] = when
    return Receipts(out, problems, _senders(rows, header))


def load_senders(path: Path | None) -> dict[str, str]:
    """Who sent each file, from the receipts book's 'nguoi_gui' column (htsd collect writes it;
    a clerk may type 'Tên <địa chỉ>'): file name, lower case → the address, lower case. Empty
    without a book, or a book without the column."""
    if path is None or not path.is_file():
        return {}
    rows = read_rows(path)
    header = receipts_header(rows[0]) if rows else None
    return _senders(rows, header) if header is not None else {}


def _senders(rows: list[list[str]], header: list[str]) -> dict[str, str]:
    """The 'nguoi_gui' column of a receipts book read as `rows` (see `load_senders`)."""
    if "nguoi_gui" not in header:
        return {}
    from email.utils import parseaddr

    i_file, i_from = header.index("tep"), header.index("nguoi_gui")
    out: dict[str, str] = {}
    for row in rows[1:]:
        name = from_csv(row[i_file].strip()) if i_file < len(row) else ""
        sender = parseaddr(from_csv(row[i_from]))[1] if i_from < len(row) else ""
        if name and sender:
            out[book_key(name)] = sender.strip().lower()
    return out


def _parse_when(text: str) -> dt.datetime | None:
    text = text.strip()
    formats = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")
    for fmt in (*formats, "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None
