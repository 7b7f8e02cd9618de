"""Atomic output of one file (for helpers such as `fill`); commands write through `outputs`."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from htsd_cli.errors import OutputError, os_reason


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a reader sees the old file or the whole new one, never half.

    The temporary file is created with the usual permissions (the umask applies, and it is never
    changed), flushed and fsync'ed before the rename; the folder is synced after.
    """
    from htsd_cli.outputs import sync_folder, write_synced

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
