"""A cache of each return's reading, so that a daily re-run reads only what changed.

Kept with the outputs (never in a folder of returns), in SQLite from the standard library. An entry
is keyed by the SHA-256 of the file's bytes and by everything else that can change its reading:
htsd's own code and bundled forms, the form definition, and the options of the check. Entries are
plain JSON (never pickle): a damaged entry is read again from the file, a database that is not
htsd's is left alone and not used.

The cache proves itself rather than being trusted: each entry is bound to its file (size,
modification time and the digest of the bytes) and signed (HMAC-SHA256) with a key kept outside
the output folder, in the user's own application-data folder: an entry edited by anybody, or by
any program, no longer matches its signature and the file is read again. The cache file is used
only when it is a plain file of the output folder itself: never through a symbolic link (or a
Windows junction) nor a second name (hard link) for a file elsewhere.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import hmac
import json
import os
import sqlite3
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from htsd_cli.base.findings import Code, FileReport, Finding, LocatedBy, ReadingKind, Severity
from htsd_cli.reading.archives import content_digest, outer

if TYPE_CHECKING:
    from htsd_cli.campaign.form import Form

CACHE_NAME = ".htsd-bo-nho.sqlite"
APPLICATION_ID = 0x48545344  # "HTSD": marks the database as htsd's
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS signed ("
    "key TEXT NOT NULL, size INTEGER NOT NULL, mtime REAL NOT NULL, body TEXT NOT NULL, "
    "mac TEXT NOT NULL, PRIMARY KEY (key, size, mtime))"
)
OLD_TABLES = ("readings",)  # unsigned entries of earlier versions: never read, dropped
DATA_DIR_ENV = "HTSD_DATA_DIR"  # another folder for htsd's own data (tests use one of theirs)
KEY_NAME = "khoa-bo-nho.bin"
KEY_BYTES = 32
COMPANIONS = ("-journal", "-wal", "-shm")  # the files SQLite keeps beside a database
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # none on Windows: links are looked for before opening


def data_dir() -> Path:
    """htsd's folder in the user's own application data (%LOCALAPPDATA%\\htsd on Windows,
    ~/Library/Application Support/htsd on macOS, ~/.local/share/htsd elsewhere)."""
    chosen = os.environ.get(DATA_DIR_ENV)
    if chosen:
        return Path(chosen)
    import platformdirs

    return Path(platformdirs.user_data_dir("htsd", appauthor=False))


def signing_key() -> bytes | None:
    """The key the cache's entries are signed with, made on first use and readable by the user
    alone (a key file of the wrong size is replaced); None when it can be neither read nor made:
    the cache is then not used."""
    folder = data_dir()
    path = folder / KEY_NAME
    with contextlib.suppress(OSError):
        key = path.read_bytes()
        if len(key) == KEY_BYTES:
            return key
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = folder / f".{KEY_NAME}.{os.getpid()}-{os.urandom(4).hex()}.tmp"
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0), 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(os.urandom(KEY_BYTES))
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp, path)  # never over a key another run made meanwhile
            except FileExistsError:
                if path.stat().st_size != KEY_BYTES:
                    os.replace(tmp, path)
            except OSError:  # no hard links on this file system (FAT)
                os.replace(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == KEY_BYTES else None


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of htsd's source and bundled forms: another version reads afresh."""
    from htsd_cli.campaign.form import bundled_templates

    root = Path(__file__).resolve().parents[1]  # the whole package, from its checks/ folder
    sha = hashlib.sha256()
    files = sorted(root.rglob("*.py")) + sorted((bundled_templates() / "forms").rglob("*.yaml"))
    for path in files:
        sha.update(path.name.encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()


def fingerprint(form: Form, *options: object) -> str:
    """What, besides the file, decides a reading: the code, the form and the check's options."""
    sha = hashlib.sha256(code_fingerprint().encode())
    source = Path(form.source) if getattr(form, "source", "") else None
    if source is not None and source.is_file():
        sha.update(source.read_bytes())
        for old in form.kept_versions():
            sha.update(old.read_bytes())
    sha.update(repr((form.id, form.version, options)).encode())
    return sha.hexdigest()


_REPORT_FIELDS = tuple(
    f.name for f in dataclasses.fields(FileReport) if f.name not in ("path", "mtime", "digest")
)
_FINDING_FIELDS = tuple(f.name for f in dataclasses.fields(Finding) if f.name != "file")


def _record(report: FileReport) -> str:
    """A reading as JSON, without where the file lies (the same bytes may lie elsewhere)."""
    return json.dumps(_fields(report), ensure_ascii=False, sort_keys=True)


def _fields(report: FileReport) -> dict[str, object]:
    """A reading's fields as plain data, its further sheets' readings within. Built field by
    field: dataclasses.asdict deep-copies everything first, five times slower."""
    data: dict[str, object] = {}
    for name in _REPORT_FIELDS:
        value: object = getattr(report, name)
        if name == "findings":
            value = [{k: getattr(f, k) for k in _FINDING_FIELDS} for f in report.findings]
        elif name == "more_sheets":
            value = [_fields(more) for more in report.more_sheets]
        elif isinstance(value, Mapping):
            value = dict(value)
        data[name] = value
    return data


def _report(body: str, path: str, mtime: float) -> FileReport:
    return _from_fields(json.loads(body), path, mtime)


# `data`: a signed entry's JSON as _fields wrote it. Each value has its field's own type
# (FileReport's and Finding's fields, by name), which json.loads cannot tell the type checker.
def _from_fields(data: dict[str, Any], path: str, mtime: float) -> FileReport:  # parsed JSON
    findings = [
        Finding(Code(f.pop("code")), Severity(f.pop("severity")), file=path, **f)
        for f in data.pop("findings")
    ]
    more = [_from_fields(more, path, mtime) for more in data.pop("more_sheets", [])]
    data["kind"] = ReadingKind(data.get("kind", ReadingKind.RETURN))
    data["located_by"] = LocatedBy(data.get("located_by", LocatedBy.NOT_LOCATED))
    return FileReport(path=path, mtime=mtime, findings=findings, more_sheets=more, **data)


class ReadCache:
    """Readings by file content, signed. Every failure means "not cached": the file is read
    again. `refused` says why the cache file was left alone ('' when it is used or absent)."""

    def __init__(self, path: Path, salt: str) -> None:
        self.salt = salt
        self.db: sqlite3.Connection | None = None
        self.hits = 0
        self.refused = ""
        secret = signing_key()
        if secret is None:
            return  # nowhere to keep a key: every file is read, as with --no-cache
        self._secret = secret
        try:
            self.db = _open_safely(path)
        except _Refused as exc:
            self.refused = (
                f"Không dùng bộ nhớ đệm {path}: {exc}. htsd không ghi gì qua đó và đọc lại mọi "
                "tệp báo cáo; xóa nó đi thì lần sau htsd tạo bộ nhớ đệm mới."
            )
        except (sqlite3.Error, OSError):
            self.db = None

    def look_up(self, path: Path) -> FileReport | None:
        """The reading of the file as it is now, when one is stored for these very bytes, this
        size and modification time, and its signature holds. Of a member of an archive
        ("x.zip › th02.xlsx"), the archive's."""
        if self.db is None:
            return None
        where = outer(str(path))  # a member of an archive: its archive's bytes and its name
        try:
            before = os.stat(where)
            data = Path(where).read_bytes()
        except OSError:
            return None
        size, mtime = len(data), before.st_mtime
        if size != before.st_size:
            return None  # being written: read it again
        key = self.key_of(content_digest(str(path), where, data))
        try:
            row = self.db.execute(
                "SELECT body, mac FROM signed WHERE key = ? AND size = ? AND mtime = ?",
                (key, size, mtime),
            ).fetchone()
            if row is None or not hmac.compare_digest(row[1], self._mac(key, size, mtime, row[0])):
                return None  # not stored, or not as htsd stored it: read the file again
            report = _report(row[0], str(path), mtime)
        except (sqlite3.Error, ValueError, TypeError, KeyError, AttributeError):
            return None  # damaged: read the file again
        self.hits += 1
        return report

    def key_of(self, digest: str) -> str:
        """The key of bytes whose SHA-256 is `digest` (hex): what a reader process gives for
        the very bytes it read, so that a file changed while it was read is never stored
        under the key of its former bytes."""
        return hashlib.sha256(self.salt.encode() + bytes.fromhex(digest)).hexdigest()

    def _mac(self, key: str, size: int, mtime: float, body: str) -> str:
        message = json.dumps([key, size, mtime, body], ensure_ascii=False).encode("utf-8")
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def empty(self) -> bool:
        """Nothing stored (or no database): a first run need not look each file up."""
        if self.db is None:
            return True
        try:
            return self.db.execute("SELECT 1 FROM signed LIMIT 1").fetchone() is None
        except sqlite3.Error:
            return True

    def store(self, report: FileReport) -> None:
        """Keep a reading made in a worker under the digest of the bytes it read, bound to the
        file's size and time; not when the file changed after the worker looked at it."""
        if self.db is None or not report.digest:
            return
        try:
            now = os.stat(outer(report.path))
        except OSError:
            return
        if now.st_mtime != report.mtime:
            return  # changed meanwhile: the next run reads it again
        key, body = self.key_of(report.digest), _record(report)
        mac = self._mac(key, now.st_size, report.mtime, body)
        with contextlib.suppress(sqlite3.Error):
            self.db.execute(
                "INSERT OR REPLACE INTO signed (key, size, mtime, body, mac) VALUES (?, ?, ?, ?, ?)",
                (key, now.st_size, report.mtime, body, mac),
            )

    def close(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.commit()
                self.db.close()
            self.db = None


class _Refused(Exception):
    """The cache file is not one htsd may open (the message says why, in Vietnamese)."""


def _link_problem(info: os.stat_result) -> str:
    """Why a file found under the cache's name may not be used as the cache ('' when it may)."""
    reparse = getattr(stat, "FILE_ATTRIBUTE_REPARSE_POINT", 0x400)
    if stat.S_ISLNK(info.st_mode) or getattr(info, "st_file_attributes", 0) & reparse:
        return "là một lối tắt (liên kết) tới nơi khác"
    if not stat.S_ISREG(info.st_mode):
        return "không phải của một tệp thường (mà của một thư mục hay thiết bị)"
    if info.st_nlink > 1:
        return "là tên thứ hai của một tệp ở nơi khác (liên kết cứng)"
    return ""


def _open_safely(path: Path) -> sqlite3.Connection | None:
    """The cache database at `path`, opened only as a plain file of its folder; None when the
    file there is another program's database (left alone). Raises _Refused for a link.

    POSIX: the file is opened with O_NOFOLLOW and SQLite is then checked to have the very same
    file (SQLite itself opens its journal without following links). Windows has no O_NOFOLLOW:
    the name and its journal's are checked not to be links or junctions just before opening,
    and the file again after; a link made in between, by a program racing htsd inside the
    output folder, is not caught there."""
    for name in (path.name, *(path.name + c for c in COMPANIONS)):
        try:
            info = os.lstat(path.parent / name)
        except FileNotFoundError:
            continue
        problem = _link_problem(info)
        if problem:
            whose = "tên này" if name == path.name else f"tên nhật ký {name} bên cạnh"
            raise _Refused(f"{whose} {problem}")
    flags = os.O_RDWR | os.O_CREAT | NOFOLLOW | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as exc:
        if os.path.islink(path):  # made a link since it was looked at
            raise _Refused("tên này là một lối tắt (liên kết) tới nơi khác") from exc
        raise
    try:
        opened = os.fstat(fd)
        problem = _link_problem(opened)
        if problem:
            raise _Refused(f"tên này {problem}")
        if opened.st_size and not _ours(path):
            return None  # not htsd's: left alone, not used
        db = sqlite3.connect(path)
        try:
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for table in OLD_TABLES:
                db.execute(f"DROP TABLE IF EXISTS {table}")
            db.execute(SCHEMA)
            db.commit()
            now = os.lstat(path)
            if (now.st_dev, now.st_ino) != (opened.st_dev, opened.st_ino):
                raise _Refused("tên này được đặt cho một tệp khác trong lúc mở")
        except BaseException:
            db.close()
            raise
        return db
    finally:
        os.close(fd)


def _ours(path: Path) -> bool:
    try:
        uri = f"{path.absolute().as_uri()}?mode=ro"  # -o tong-hop: a relative folder
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            return bool(db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID)
    except (sqlite3.Error, OSError, ValueError):
        return False
