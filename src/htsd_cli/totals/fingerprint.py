"""Everything `htsd aggregate` reads, as one digest kept with its outputs.

When a run's digest is the one kept in the output folder's manifest and the outputs are still
the bytes htsd wrote, the run has nothing to do: it says so and stops, before pandas, openpyxl,
jinja2 or python-docx are imported. So this module imports none of them, and reads every input
as bytes (the returns are hashed, never parsed).

Every input is in the digest, whatever it is: a return's bytes (not only its size and time: a
file copied back with its old time and size still differs), the roster, htsd.toml, the form and
its kept versions, the narrative, the receipts book and the bounces beside it, the clerk's
decisions, the date the status is judged at, whether a PDF is asked for, and htsd itself (its
code, templates and the libraries that write the outputs). An input that cannot be read as bytes
gives no digest: the run then does everything, as before.

`INPUTS` names what the digest covers (fields of the run's `Settings` and parameters of
`pipeline.run_aggregate`) and `NOT_INPUTS` the others, with why; `CONFIG_FILES` and
`CONFIG_NOT_READ` do the same for the files htsd.toml names. tests/test_fingerprint.py fails
when Settings or aggregate gains an input, or htsd.toml a file, that is in neither list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from htsd_cli.campaign.config import Config
    from htsd_cli.campaign.form import Form
    from htsd_cli.campaign.roster import Roster
    from htsd_cli.settings import Receipts

# What decides what aggregate writes (fields of Settings, and run_aggregate's `pdf`): each is in
# the digest.
INPUTS = (
    "returns", "form", "config", "roster", "narrative", "receipts", "decisions", "as_of", "pdf",
    "last_year",
)  # fmt: skip
# The other fields of Settings and parameters of run_aggregate, which change no byte of the
# outputs.
NOT_INPUTS = {
    "settings": "the run's settings: the inputs above are its fields",
    "output": "where the outputs go: the digest is kept there, with them",
    "letter_date": "status --remind only",
    "mailbox": "collect only",
    "ca_file": "collect only",
    "unattributed": "collect only",
    "progress": "what the clerk sees while files are read",
    "overwrite": "whether files htsd did not write may be replaced: not what is written",
    "use_cache": "--no-cache: everything is read again, so a run never stops early with it",
    "reuse": "whether a run may stop early (not with --json, which prints the totals)",
}
# The fields of Config naming files aggregate reads (besides htsd.toml itself, `source`).
CONFIG_FILES = ("roster", "receipts", "narrative", "decisions", "last_year")
# Those it does not read (or reads through a parameter already in INPUTS).
CONFIG_NOT_READ = {
    "returns": "the default of the returns, which are hashed as resolved",
    "output": "the default of `out`",
    "issued": "issued forms: status and template use them, aggregate does not",
    "ca_file": "collect only",
    "source": "htsd.toml itself: hashed",
    "base": "the folder of htsd.toml: paths are resolved from it before they are hashed",
}
# The libraries whose version may change a byte of what aggregate writes.
LIBRARIES = ("python-calamine", "openpyxl", "pandas", "jinja2", "python-docx", "pyyaml")
BLOCK = 1 << 20


class _NoDigest(Exception):
    """An input that cannot be read as bytes: no digest, the run does everything."""


def aggregate_fingerprint(
    *,
    returns: Iterable[Path],
    form: Form,
    config: Config,
    roster: Roster,
    narrative: Path | None,
    receipts: Receipts,
    decisions: Path | None,
    as_of: dt.date | None,
    pdf: bool,
    last_year: Path | None = None,
    today: dt.date | None = None,
) -> str | None:
    """The digest of every input of `htsd aggregate`, as the run's settings resolved them (the
    receipts book: `settings.receipts_book`; the date of the report, else today); None when
    one of them cannot be read. `last_year`: last year's summary as the run reads it (a
    working folder given is its summary file)."""
    from htsd_cli.intake.receipts import bounces_path

    sha = hashlib.sha256()

    def put(*parts: object) -> None:
        for part in parts:
            data = part if isinstance(part, bytes) else repr(part).encode("utf-8")
            sha.update(len(data).to_bytes(8, "little"))
            sha.update(data)

    try:
        put("htsd", _code_identity())
        put("returns")
        for path in returns:
            _tree(Path(path), put)
        put("config", _file(_need(config.source)))
        for name in CONFIG_FILES:
            put(name, _optional(getattr(config, name)))
        put("form", form.id, form.version, _file(_need(Path(form.source) if form.source else None)))
        for kept in _history(Path(form.source)):
            put("kept", kept.name, _file(kept))
        put("roster", _file(_need(roster.source)))
        put("narrative", _optional(narrative))
        book = receipts.place
        put("receipts", receipts.file_times, _optional(book))
        put("bounces", _optional(bounces_path(book) if book is not None else None))
        put("decisions", _optional(decisions))
        put("date", as_of or config.report_date or today or dt.date.today())
        put("pdf", bool(pdf))
        put("last year", _optional(last_year))
    except _NoDigest:
        return None
    return sha.hexdigest()


def _need(path: Path | None) -> Path:
    if path is None:
        raise _NoDigest
    return path


def _file(path: Path) -> bytes:
    """A file's identity: its SHA-256 (its bytes, whatever its time says)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").digest()
    except OSError:
        raise _NoDigest from None


def _optional(path: Path | None) -> bytes:
    """An input that may be absent (then the run reads none either): its digest, or b'-'."""
    if path is None:
        return b"-"
    try:
        if not os.path.exists(path):
            return b"-"
    except OSError:
        raise _NoDigest from None
    return _file(path)


def _history(source: Path) -> list[Path]:
    """Every file kept beside the form in its history folders (each version a return may have
    been filled on: a superset of form.kept_versions, read without parsing the form)."""
    from htsd_cli.campaign.form import BOOK_HISTORY, YAML_HISTORY

    found: list[Path] = []
    for folder in (source.parent / YAML_HISTORY, source.parent / BOOK_HISTORY):
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.is_file())
    return found


class _Put(Protocol):
    """Adds its parts to the digest (aggregate_fingerprint's `put`)."""

    def __call__(self, *parts: object) -> None: ...


def _tree(path: Path, put: _Put) -> None:
    """A return given as a file, or a folder of returns: every entry under it, hidden ones and
    links too (what validate reads and what it reports as skipped), each file by its bytes."""
    try:
        info = os.lstat(path)
    except OSError:
        put("absent", str(path))
        return
    if os.path.islink(path):
        put("link", str(path), os.readlink(path))
        if os.path.isdir(path):
            return  # a link to a folder is reported, never followed
    if os.path.isdir(path):
        put("folder", str(path))
        with os.scandir(path) as entries:
            names = sorted(e.name for e in entries)
        for name in names:
            _tree(path / name, put)
        return
    put("file", str(path), info.st_size, info.st_mtime_ns, _file(path))


def _code_identity() -> bytes:
    """htsd as installed: its version, the bytes of its code and templates, and the versions of
    the libraries that write its outputs."""
    from importlib import metadata

    import htsd_cli
    from htsd_cli.campaign.form import bundled_templates

    sha = hashlib.sha256(htsd_cli.__version__.encode())
    root = Path(htsd_cli.__file__).resolve().parent
    for folder in dict.fromkeys((root, bundled_templates().resolve())):
        for place, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if not name.endswith((".pyc", ".pyo")):
                    full = Path(place) / name
                    sha.update(str(full.relative_to(folder)).encode())
                    sha.update(_file(full))
    for library in LIBRARIES:
        try:
            sha.update(f"{library}={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            sha.update(f"{library}=-".encode())
    return sha.digest()
