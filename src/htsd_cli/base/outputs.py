"""Writing outputs so that nothing a clerk has is ever lost.

- An output never lands on an input file, nor in a folder being read (the next run would read
  its own output as a return).
- A file already there is replaced only when htsd wrote it and nobody changed it since (the
  folder's manifest holds the SHA-256 of every file htsd wrote there), when the caller recognises
  it as its own (an unfilled form htsd issued), or with --overwrite. Never silently.
- A run writes all its outputs into a staging folder inside the target folder, then switches
  them in together under a journal. When a switch fails (a file open in Word on Windows, a full
  disk) the old set is put back at once; when the process is killed mid-switch, the next run that
  writes there finds the journal and puts the old set back before anything else. Leftover staging
  folders and temporary files of earlier runs are removed the same way.
- One run at a time per folder: a lock file names the process holding it; the lock of a process
  that no longer exists is taken over.
- Every file is flushed and fsync'ed before the rename that publishes it, the folder after.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import socket
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from htsd_cli.base.errors import OutputError, os_reason
from htsd_cli.base.stopping import checkpoint, deferred

MANIFEST = ".htsd-da-ghi.json"  # name → SHA-256 of each file htsd wrote in this folder
LOCK = ".htsd-dang-ghi.lock"
STAGING = ".htsd-tam-"  # staging folders: <prefix><pid>-<random>
NEW, OLD, JOURNAL, DONE, WORK = "moi", "cu", "nhat-ky.json", "xong", "tam"
STALE_UNREADABLE_LOCK = 60.0  # seconds: an empty lock file nobody can be seen holding is abandoned
BINARY = getattr(os, "O_BINARY", 0)


# --- what a run reads --------------------------------------------------------------------------------


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:
        return False


def _same(a: Path, b: Path) -> bool:
    """Whether two existing paths are one file or folder, as the file system sees it (links
    followed; case ignored where the file system ignores it)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def is_within(path: Path, folder: Path) -> bool:
    """Whether `path` (which may not exist yet) is `folder` or lies somewhere inside it."""
    if not _exists(folder):
        return False
    path = Path(os.path.abspath(path))
    return any(_same(c, folder) for c in (path, *path.parents) if _exists(c))


class Inputs:
    """The files a run reads, the folders it reads returns from (recursively), and the folders
    of returns given one by one (the next run may well read that folder, or `*.xlsx` in it)."""

    def __init__(
        self,
        files: Iterable[Path | None] = (),
        folders: Iterable[Path] = (),
        file_folders: Iterable[Path] = (),
    ) -> None:
        self.files = [f for f in files if f is not None and _exists(f)]
        self.folders = [f for f in folders if _exists(f)]
        self.file_folders = [f for f in file_folders if _exists(f)]

    @classmethod
    def reading(cls, paths: Iterable[Path], other_files: Iterable[Path | None] = ()) -> Inputs:
        """Returns given as files and folders, and the other files the run reads."""
        files: list[Path | None] = list(other_files)
        folders: list[Path] = []
        file_folders: list[Path] = []
        for path in paths:
            if path.is_dir():
                folders.append(path)
            else:
                files.append(path)
                file_folders.append(Path(os.path.abspath(path)).parent)
        return cls(files, folders, file_folders)

    def refuse_folder(self, out: Path, what: str) -> None:
        """Refuse an output folder that is (or lies in) a folder of returns."""
        exact = [f for f in self.file_folders if _exists(out) and _same(out, f)]
        for folder in [*exact, *self.folders]:
            if is_within(out, folder):
                here = "chính là" if _exists(out) and _same(out, folder) else "nằm trong"
                instead = Path(os.path.abspath(folder)).parent / _suggested(what)
                raise OutputError(
                    f"Thư mục ghi {what} ({out}) {here} thư mục đang đọc báo cáo ({folder}): "
                    "lần chạy sau sẽ đọc lại chính các tệp này như báo cáo của đơn vị. "
                    f"Hãy ghi vào một thư mục khác, ví dụ: {instead}"
                )

    def collides(self, target: Path) -> Path | None:
        if not _exists(target):
            return None
        return next((f for f in self.files if _same(f, target)), None)


WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10)
}


def windows_problem(name: str) -> str:
    """Why Windows would refuse `name` as a file name ('' when it takes it)."""
    if any(c in name for c in '<>:"/\\|?*') or any(ord(c) < 32 for c in name):
        return 'có ký tự Windows không cho dùng trong tên tệp (< > : " / \\ | ? *)'
    if name.endswith((" ", ".")):
        return "kết thúc bằng dấu chấm hoặc khoảng trắng"
    if name.split(".")[0].strip().upper() in WINDOWS_RESERVED:
        return "trùng một tên Windows dành riêng (CON, PRN, AUX, NUL, COM1…, LPT1…)"
    return ""


def _suggested(what: str) -> str:
    return {"biểu mẫu": "bieu-mau", "bản sao cần sửa": "can-sua"}.get(what, "tong-hop")


# --- the lock ----------------------------------------------------------------------------------------


def _process_started(pid: int) -> float | None:
    """When the process `pid` started, or None when there is no such (live) process."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return float(process.create_time())
    except (psutil.Error, OSError):
        return None


# Windows locks byte ranges, and a locked byte cannot be read: one far past the lock's text
LOCK_BYTE = 1 << 20
EMPTY_LOCK_PAUSE = 0.2  # seconds: a run that has just made its lock file writes it within this


def _os_lock(fd: int, wait: bool) -> bool | None:
    """Take the operating system's lock on an open lock file: True when taken (the system lets
    it go when the process ends, however it ends), False when another process holds it, None
    when this file system cannot tell (some network shares)."""
    try:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, LOCK_BYTE, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES, errno.EDEADLK):
            return False
        return None
    return True


def _os_unlock(fd: int) -> None:
    with contextlib.suppress(OSError):
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, LOCK_BYTE, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_UN)


class _Lock:
    """One run at a time per folder. The lock file names its process (pid, start time, host)
    and, while the run lasts, is held with the operating system's own file lock: a lock file
    left by a run that died, even before it could write its name (killed, or a full disk), is
    known at once to be nobody's."""

    def __init__(self, folder: Path, name: str = LOCK) -> None:
        self.path = folder / name
        self.mine = ""
        self._fd: int | None = None

    def acquire(self) -> None:
        started = _process_started(os.getpid()) or 0.0
        self.mine = json.dumps({"pid": os.getpid(), "started": started, "host": _host()})
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_RDWR | BINARY, 0o666)
            except FileExistsError:
                if self._stale():
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(self.path)
                    continue
                raise OutputError(self._held_message()) from None
            except OSError as exc:
                raise OutputError(
                    f"Không ghi được vào thư mục {self.path.parent}: {os_reason(exc)}."
                ) from exc
            _os_lock(fd, wait=True)  # another run looking at it lets go at once
            checkpoint("lock-created")
            try:
                data = self.mine.encode("utf-8")
                if os.write(fd, data) != len(data):
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))
                os.fsync(fd)
            except OSError as exc:
                os.close(fd)
                with contextlib.suppress(OSError):
                    os.unlink(self.path)
                raise OutputError(
                    f"Không ghi được tệp khóa {self.path}: {os_reason(exc)}. Chưa ghi tệp nào; "
                    "hãy giải phóng chỗ trên ổ đĩa (hoặc chọn thư mục khác) rồi chạy lại."
                ) from exc
            self._fd = fd
            hide(self.path)
            return
        raise OutputError(self._held_message())

    def _holder(self) -> dict[str, object] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _held(self) -> bool | None:
        """Whether a live process holds the lock file (None: this file system cannot tell)."""
        try:
            fd = os.open(self.path, os.O_RDWR)
        except OSError:
            return None
        try:
            taken = _os_lock(fd, wait=False)
            if taken:
                _os_unlock(fd)
            return None if taken is None else not taken
        finally:
            os.close(fd)

    def _stale(self) -> bool:
        holder = self._holder()
        if holder is None:  # being written this instant, or its run died before writing it
            held = self._held()
            if held is None:  # cannot tell here: abandoned once it is old enough
                try:
                    return time.time() - self.path.stat().st_mtime > STALE_UNREADABLE_LOCK
                except OSError:
                    return True
            if held:
                return False
            time.sleep(EMPTY_LOCK_PAUSE)  # a run that has just made it writes it meanwhile
            holder = self._holder()
            if holder is None:
                return self._held() is False
        if holder.get("host") != _host():
            return False  # another machine on a shared folder: it cannot be checked from here
        pid, started = holder.get("pid"), holder.get("started")
        if not isinstance(pid, int) or not isinstance(started, (int, float)):
            return True
        alive = _process_started(pid)
        return alive is None or abs(alive - started) > 1.0

    def _held_message(self) -> str:
        holder = self._holder()
        if holder is None and self._held():
            return (
                f"Thư mục {self.path.parent} đang được một lần chạy htsd khác ghi (lần chạy đó "
                "chưa ghi được số tiến trình vào tệp khóa, có thể vì ổ đĩa đã đầy). Hãy đợi lần "
                "chạy đó xong rồi chạy lại."
            )
        if holder is None:
            return (
                f"Thư mục {self.path.parent} đang bị khóa, nhưng tệp khóa {self.path} trống: một "
                "lần chạy htsd khác vừa bắt đầu, hoặc đã dừng khi ổ đĩa đầy (ổ đĩa này không cho "
                "biết tiến trình nào giữ khóa). htsd tự gỡ khóa trống sau "
                f"{STALE_UNREADABLE_LOCK:.0f} giây; nếu chắc chắn không còn lần chạy nào, xóa tệp "
                "đó rồi chạy lại ngay."
            )
        who = f" (tiến trình số {holder['pid']})" if "pid" in holder else ""
        return (
            f"Thư mục {self.path.parent} đang được một lần chạy htsd khác ghi{who}. Hãy đợi lần "
            f"chạy đó xong rồi chạy lại. Nếu chắc chắn không còn lần chạy nào, xóa tệp {self.path}."
        )

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            _os_unlock(fd)
            os.close(fd)  # first: Windows removes no file a process has open
        try:
            if self.path.read_text(encoding="utf-8") == self.mine:
                os.unlink(self.path)
        except OSError:
            pass


class FolderLock:
    """The lock of a folder held for a `with` block (for commands that add files to a folder
    rather than replace a set: `collect`); `name` locks one file of the folder instead (the
    receipts book)."""

    def __init__(self, folder: Path, name: str = LOCK) -> None:
        self._lock = _Lock(folder, name)

    def held(self) -> bool:
        """Whether a live process holds the lock now (what a refusal to take it means)."""
        return _exists(self._lock.path) and not self._lock._stale()

    def __enter__(self) -> FolderLock:
        self._lock.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._lock.release()


def _host() -> str:
    try:
        return socket.gethostname()
    except OSError:
        return ""


# --- durable files -----------------------------------------------------------------------------------


def write_synced(path: Path, data: bytes) -> None:
    """Create `path` (it must not exist), write, flush and fsync. Permissions follow the umask."""
    with open_synced(path) as handle:
        handle.write(data)


@contextlib.contextmanager
def open_synced(path: Path) -> Iterator[BinaryIO]:
    """Create `path` (it must not exist) for writing; flushed and fsynced when the block ends
    without an error. Permissions follow the umask."""
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o666)
    with os.fdopen(fd, "wb") as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


def hide(path: Path) -> None:
    """Mark htsd's bookkeeping files hidden on Windows (a leading dot hides them elsewhere)."""
    if os.name != "nt":
        return
    import ctypes

    windll = getattr(ctypes, "windll", None)
    if windll is not None:
        windll.kernel32.SetFileAttributesW(str(path), 0x2)  # FILE_ATTRIBUTE_HIDDEN


def sync_folder(path: Path) -> None:
    """Make renames in `path` durable (POSIX; Windows has no handle on a folder to sync)."""
    if os.name == "nt":
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


# --- switching a set in, and putting the old set back ---------------------------------------------------


def _journal(staging: Path) -> dict[str, list[str]] | None:
    try:
        data = json.loads((staging / JOURNAL).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return {
        "names": [str(n) for n in data.get("names", [])],
        "had": [str(n) for n in data.get("had", [])],
    }


def _put_back(folder: Path, staging: Path) -> None:
    """Undo a switch that did not finish: the old files go back, files new to the folder go."""
    journal = _journal(staging)
    if journal is not None and not (staging / DONE).exists():
        had = set(journal["had"])
        for name in journal["names"]:
            old, new, target = staging / OLD / name, staging / NEW / name, folder / name
            if _exists(old):
                os.replace(old, target)
            elif name not in had and not _exists(new):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(target)
        sync_folder(folder)
    shutil.rmtree(staging, ignore_errors=True)


def recover(folder: Path, names: Iterable[str] = ()) -> None:
    """Clean up after runs that stopped: interrupted switches are undone, staging folders and
    the temporary files of earlier versions (.<name>.*.tmp) removed. Call with the lock held."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    wanted = {f".{n}." for n in names}
    for entry in entries:
        if entry.name.startswith(STAGING) and entry.is_dir(follow_symlinks=False):
            try:
                _put_back(folder, Path(entry.path))
            except OSError as exc:
                raise OutputError(
                    f"Lần chạy trước bị dừng giữa chừng và không khôi phục được các tệp cũ trong "
                    f"{folder}: {os_reason(exc)}. Các tệp cũ vẫn còn trong {entry.path}."
                ) from exc
        elif entry.name.endswith(".tmp") and any(entry.name.startswith(w) for w in wanted):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _read_manifest(folder: Path) -> dict[str, str]:
    return _manifest_body(folder)[0]


def _manifest_body(folder: Path) -> tuple[dict[str, str], str]:
    """(name → SHA-256 of each file htsd wrote here, the digest of the inputs of the run that
    wrote them last, '' when it kept none)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = data.get("files", {}) if isinstance(data, dict) else {}
        inputs = data.get("inputs", "") if isinstance(data, dict) else ""
        return {str(k): str(v) for k, v in files.items()}, str(inputs)
    except (OSError, ValueError, AttributeError):
        return {}, ""


def unchanged_since_written(path: Path) -> bool:
    """Whether htsd wrote `path` and nobody has changed it since (its folder's manifest holds
    the file's digest): replacing it loses nothing."""
    recorded = _read_manifest(path.parent).get(path.name)
    try:
        return bool(recorded) and digest(path) == recorded
    except OSError:
        return False


class OutputSet:
    """The outputs of one run in one folder, switched in together or not at all.

    with OutputSet(folder, inputs, "báo cáo tổng hợp") as outs:
        outs.claim(names)         # refuses before any work if a name may not be written
        outs.write(name, data)    # into the staging folder
        outs.commit()             # all in, or the old set stays
    """

    def __init__(
        self,
        folder: Path,
        inputs: Inputs,
        what: str,
        overwrite: bool = False,
        replaceable: Callable[[list[Path]], set[Path]] | None = None,
    ) -> None:
        self.folder = folder
        self.inputs = inputs
        self.what = what
        self.overwrite = overwrite
        self.replaceable = replaceable
        self.names: list[str] = []
        self.staging: Path | None = None
        self.committed = False
        self._lock = _Lock(folder)
        self._locked = False
        self._manifest: dict[str, str] = {}
        self._inputs = ""  # the digest of the inputs of the run that wrote the set here last
        self._digests: dict[str, str] = {}
        self._created: list[Path] = []
        self._scratch: list[Path] = []
        self._retiring: list[str] = []
        self.retired: list[Path] = []  # files of an earlier run removed at commit (`retire`)

    def __enter__(self) -> OutputSet:
        folder = self.folder
        if _exists(folder) and not folder.is_dir():
            raise OutputError(f"{folder} là một tệp, không phải thư mục: hãy chọn thư mục khác.")
        self.inputs.refuse_folder(folder, self.what)
        absolute = Path(os.path.abspath(folder))
        self._created = [p for p in (absolute, *absolute.parents) if not _exists(p)]
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"Không tạo được thư mục {folder}: {os_reason(exc)}.") from exc
        self._lock.acquire()
        self._locked = True
        try:
            recover(folder, ())
            self._manifest, self._inputs = _manifest_body(folder)
        except BaseException:
            self._release()
            raise
        return self

    def scratch(self, name: str) -> Path:
        """A file of htsd's own beside the outputs (a cache): kept, except that a run that made
        the folder and wrote nothing leaves no folder behind."""
        self._scratch.append(self.folder / name)
        return self.folder / name

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self.staging is not None and not self.committed:
                shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            self._release()
        if not self.committed and self._created:  # folders this run made for nothing go again
            for scratch in self._scratch:
                with contextlib.suppress(OSError):
                    scratch.unlink()
            for path in self._created:
                try:
                    path.rmdir()
                except OSError:
                    break

    def _release(self) -> None:
        if self._locked:
            self._lock.release()
            self._locked = False

    def claim(self, names: Iterable[str]) -> None:
        """Check every name before any work: on an input, a folder, or a file htsd may not
        replace, nothing is written and the message lists them all."""
        names = list(names)
        recover(self.folder, names)
        blocked: list[str] = []
        unknown: list[Path] = []
        folded: dict[str, str] = {}
        for name in names:
            problem = windows_problem(name)
            if problem:
                raise OutputError(f"Không ghi được tệp '{name}': tên {problem}.")
            if name.casefold() in folded and folded[name.casefold()] != name:
                raise OutputError(
                    f"Hai tệp '{folded[name.casefold()]}' và '{name}' chỉ khác nhau chữ hoa, chữ "
                    "thường: trên Windows và macOS chúng là một tệp."
                )
            folded[name.casefold()] = name
            target = self.folder / name
            source = self.inputs.collides(target)
            if source is not None:
                raise OutputError(
                    f"Tệp kết quả {target} chính là tệp đang đọc ({source}). Hãy ghi vào một "
                    f"thư mục khác, ví dụ: {Path(os.path.abspath(self.folder)) / _suggested(self.what)}"
                )
            if target.is_dir():
                raise OutputError(
                    f"Không ghi được {target}: ở đó đang có một thư mục cùng tên. Hãy đổi tên thư "
                    "mục đó hoặc chọn thư mục ghi khác."
                )
            if _exists(target) and not self._ours(name, target):
                unknown.append(target)
        if unknown and not self.overwrite:
            known = self.replaceable(unknown) if self.replaceable else set()
            blocked = [p.name for p in unknown if p not in known]
        if blocked:
            shown = ", ".join(blocked[:8]) + (
                f" và {len(blocked) - 8} tệp khác" if len(blocked) > 8 else ""
            )
            raise OutputError(
                f"Không ghi {self.what}: trong {self.folder} đã có {len(blocked)} tệp trùng tên mà htsd "
                f"không ghi ra hoặc đã được sửa sau khi ghi ({shown}). htsd không bao giờ ghi đè "
                "những tệp này. Hãy ghi vào một thư mục khác (ví dụ: "
                f"{Path(os.path.abspath(self.folder)).parent / _suggested(self.what)}), hoặc nếu "
                "chắc chắn muốn thay chúng, chạy lại với --overwrite."
            )
        self.names.extend(n for n in names if n not in self.names)

    def unchanged(self, inputs: str | None) -> bool:
        """Whether the outputs claimed are here as the last run wrote them from inputs whose
        digest is `inputs` (fingerprint.py): then a run with the same inputs has nothing to do."""
        if not inputs or inputs != self._inputs or not self.names:
            return False
        return all(self._ours(name, self.folder / name) for name in self.names)

    def _ours(self, name: str, target: Path) -> bool:
        recorded = self._manifest.get(name)
        if not recorded:
            return False
        try:
            return digest(target) == recorded
        except OSError:
            return False

    def write(self, name: str, data: bytes) -> Path:
        """Stage one output (a name claimed before); it appears in the folder at `commit`."""
        digest = hashlib.sha256(data).hexdigest()
        return self._stage(name, lambda handle: handle.write(data), digest)

    def write_with(self, name: str, produce: Callable[[BinaryIO], object]) -> Path:
        """Stage one output that `produce` writes into the file it is given, as it makes it (a
        country's summary workbook is never whole in memory); it appears at `commit`."""
        return self._stage(name, produce, "")

    def _stage(self, name: str, produce: Callable[[BinaryIO], object], digest: str) -> Path:
        """Write a claimed output into the staging folder; its digest is read back from the
        file when the bytes were not in hand."""
        if name not in self.names:
            raise ValueError(f"output {name!r} was not claimed")
        try:
            path = self._staging() / NEW / name
            with open_synced(path) as handle:
                produce(handle)
            if not digest:
                with path.open("rb") as handle:
                    digest = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError as exc:
            raise OutputError(
                f"Không ghi được tệp {self.folder / name}: {os_reason(exc)}. Các tệp cũ vẫn giữ nguyên."
            ) from exc
        self._digests[name] = digest
        return self.folder / name

    def _staging(self) -> Path:
        if self.staging is None:
            staging = self.folder / f"{STAGING}{os.getpid()}-{os.urandom(4).hex()}"
            (staging / NEW).mkdir(parents=True)
            hide(staging)
            self.staging = staging
        return self.staging

    def workspace(self) -> Path:
        """A private folder for this run's temporary files (a PDF conversion's), inside the
        staging folder: gone with it on every way out, and removed by the next run that
        writes here after a kill or a power cut."""
        try:
            folder = self._staging() / WORK
            folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"Không tạo được thư mục tạm trong {self.folder}: {os_reason(exc)}. Các tệp cũ "
                "vẫn giữ nguyên."
            ) from exc
        return folder

    def retire(self, names: Iterable[str]) -> None:
        """Outputs of an earlier run this run no longer makes: removed once the new set is in,
        each only if htsd wrote it and nobody has changed it since (a copy the clerk edited
        stays). A run stopped before that leaves them, as before."""
        self._retiring.extend(n for n in names if n not in self.names)

    def _retire_now(self) -> None:
        for name in self._retiring:
            target = self.folder / name
            if self._ours(name, target):
                with contextlib.suppress(OSError):
                    target.unlink()
                    self.retired.append(target)

    def commit(self, inputs: str | None = None) -> list[Path]:
        """Switch every staged output in; on failure the old set is put back. `inputs`: the
        digest of what the run read (fingerprint.py), kept to tell a later run with the same
        inputs that it has nothing to do."""
        staging = self.staging
        if staging is None:
            self._retire_now()
            return []
        names = [n for n in self.names if n in self._digests]
        manifest = {n: d for n, d in self._manifest.items() if _exists(self.folder / n)}
        manifest.update(self._digests)
        body: dict[str, object] = {"files": dict(sorted(manifest.items()))}
        if inputs:
            body["inputs"] = inputs
        with deferred():
            try:
                write_synced(
                    staging / NEW / MANIFEST,
                    json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8"),
                )
                hide(staging / NEW / MANIFEST)
                order = [*names, MANIFEST]
                had = [n for n in order if _exists(self.folder / n)]
                (staging / OLD).mkdir()
                write_synced(
                    staging / JOURNAL, json.dumps({"names": order, "had": had}).encode("utf-8")
                )
                sync_folder(staging)
                for i, name in enumerate(order, start=1):
                    checkpoint(f"publish-{i}")
                    target = self.folder / name
                    if name in had:
                        os.replace(target, staging / OLD / name)
                    os.replace(staging / NEW / name, target)
                sync_folder(self.folder)
                (staging / DONE).touch()
            except OSError as exc:
                failed = exc.filename2 or exc.filename or ""
                with contextlib.suppress(OSError):
                    _put_back(self.folder, staging)
                self.staging = None
                raise OutputError(_switch_failed(self.folder, Path(failed).name, exc)) from exc
            except BaseException:
                with contextlib.suppress(OSError):
                    _put_back(self.folder, staging)
                self.staging = None
                raise
            self.committed = True
            shutil.rmtree(staging, ignore_errors=True)
        self._retire_now()
        return [self.folder / n for n in names]


def _switch_failed(folder: Path, name: str, exc: OSError) -> str:
    busy = isinstance(exc, PermissionError) and os.name == "nt"
    why = (
        "tệp đang mở trong một chương trình khác (Word, Excel?); hãy đóng tệp rồi chạy lại"
        if busy
        else os_reason(exc)
    )
    which = f" {name}" if name else ""
    return f"Không thay được tệp{which} trong {folder}: {why}. Các tệp cũ vẫn giữ nguyên."
