"""A cache of each return's reading, so that a daily re-run reads only what changed.

Kept with the outputs (never in a folder of returns), in SQLite from the standard library. An entry
is keyed by the SHA-256 of the file's bytes and by everything else that can change its reading:
htsd's own code and bundled forms, the form definition, and the options of the check. Entries are
plain JSON (never pickle): a damaged entry is read again from the file, a database that is not
htsd's is left alone and not used.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from htsd_cli.findings import FileReport, Finding

CACHE_NAME = ".htsd-bo-nho.sqlite"
APPLICATION_ID = 0x48545344  # "HTSD": marks the database as htsd's
SCHEMA = "CREATE TABLE IF NOT EXISTS readings (key TEXT PRIMARY KEY, body TEXT NOT NULL)"


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of htsd's source and bundled forms: another version reads afresh."""
    from htsd_cli.form import bundled_templates

    root = Path(__file__).resolve().parent
    sha = hashlib.sha256()
    files = sorted(root.rglob("*.py")) + sorted((bundled_templates() / "forms").rglob("*.yaml"))
    for path in files:
        sha.update(path.name.encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()


def fingerprint(form: Any, *options: object) -> str:
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
    """A reading as JSON, without where the file lies (the same bytes may lie elsewhere). Built
    field by field: dataclasses.asdict deep-copies everything first, five times slower."""
    data: dict[str, Any] = {}
    for name in _REPORT_FIELDS:
        value = getattr(report, name)
        if name == "findings":
            value = [{k: getattr(f, k) for k in _FINDING_FIELDS} for f in value]
        elif isinstance(value, Mapping):
            value = dict(value)
        data[name] = value
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _report(body: str, path: str, mtime: float) -> FileReport:
    data = json.loads(body)
    findings = [Finding(file=path, **f) for f in data.pop("findings")]
    return FileReport(path=path, mtime=mtime, findings=findings, **data)


class ReadCache:
    """Readings by file content. Every failure means "not cached": the file is read again."""

    def __init__(self, path: Path, salt: str) -> None:
        self.salt = salt
        self.db: sqlite3.Connection | None = None
        self.hits = 0
        try:
            if path.exists() and not self._ours(path):
                return  # not htsd's: left alone, not used
            db = sqlite3.connect(path)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(SCHEMA)
            self.db = db
        except (sqlite3.Error, OSError):
            self.db = None

    @staticmethod
    def _ours(path: Path) -> bool:
        try:
            uri = f"{path.absolute().as_uri()}?mode=ro"  # -o tong-hop: a relative folder
            with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
                return bool(db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID)
        except (sqlite3.Error, OSError, ValueError):
            return False

    def key(self, path: Path) -> str | None:
        """The key of the file's bytes as they are now (None when it cannot be read)."""
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return self.key_of(hashlib.sha256(data).hexdigest())

    def key_of(self, digest: str) -> str:
        """The key of bytes whose SHA-256 is `digest` (hex): what a reader process gives for
        the very bytes it read, so that a file changed while it was read is never stored
        under the key of its former bytes."""
        return hashlib.sha256(self.salt.encode() + bytes.fromhex(digest)).hexdigest()

    def empty(self) -> bool:
        """Nothing stored (or no database): a first run need not look each file up."""
        if self.db is None:
            return True
        try:
            return self.db.execute("SELECT 1 FROM readings LIMIT 1").fetchone() is None
        except sqlite3.Error:
            return True

    def get(self, key: str | None, path: str, mtime: float) -> FileReport | None:
        if self.db is None or key is None:
            return None
        try:
            row = self.db.execute("SELECT body FROM readings WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            report = _report(row[0], path, mtime)
        except (sqlite3.Error, ValueError, TypeError, KeyError, AttributeError):
            return None  # damaged: read the file again
        self.hits += 1
        return report

    def put(self, key: str | None, report: FileReport) -> None:
        if self.db is None or key is None:
            return
        with contextlib.suppress(sqlite3.Error):
            self.db.execute(
                "INSERT OR REPLACE INTO readings (key, body) VALUES (?, ?)", (key, _record(report))
            )

    def close(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.commit()
                self.db.close()
            self.db = None
