"""Small file helpers: a file's time, read a definition once per version of its file, and
atomic output of one file (for helpers such as `fill`; commands write through `outputs`)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from htsd_cli.base.errors import OutputError, os_reason

T = TypeVar("T")


def modified(path: str | Path) -> float:
    """A file's modification time (seconds), 0.0 when it cannot be had (gone, no access)."""
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


def once_per_version(cache: dict[tuple[str, int, int], T], path: Path, read: Callable[[], T]) -> T:
    """`read()` the first time a version of `path` is asked for (by path, time and size); the
    same object after that. A command asks for its configuration and form from several places."""
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError:
        return read()  # the reader says what is wrong with the file
    if key not in cache:
        cache[key] = read()
    return cache[key]


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a reader sees the old file or the whole new one, never half.

    The temporary file is created with the usual permissions (the umask applies, and it is never
    changed), flushed and fsync'ed before the rename; the folder is synced after.
    """
    from htsd_cli.base.outputs import sync_folder, write_synced

    tmp = path.parent / f".{path.name}.{os.getpid()}-{os.urandom(4).hex()}.tmp"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_synced(tmp, data)
        os.replace(tmp, path)
        sync_folder(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(f"Không ghi được tệp {path}: {os_reason(exc)}.") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def find_path(path: Path) -> Path | None:
    """`path` as it is on disk, its names compared in Unicode NFC: some keyboards type 'ệ' as
    'e' and two combining marks, a name that looks the same as the folder's but is other bytes
    (macOS may also hand back decomposed names). None when nothing there has that name."""
    if os.path.lexists(path):
        return path
    parts = path.parts
    found = Path(parts[0]) if path.is_absolute() else Path(".")
    for part in parts[1:] if path.is_absolute() else parts:
        step = found / part
        if os.path.lexists(step):
            found = step
            continue
        from htsd_cli.base.textnorm import nfc

        wanted = nfc(part)
        try:
            names = [n for n in os.listdir(found) if nfc(n) == wanted]
        except OSError:
            return None
        if len(names) != 1:  # none, or two names alike but for their bytes: not a guess to make
            return None
        found = found / names[0]
    return found if path.is_absolute() else Path(os.path.relpath(found))
