"""Archives that carry returns: a .zip, Outlook's winmail.dat (TNEF), and the kinds htsd cannot
open (.rar, .7z), named with the advice to send the workbook itself.

`collect` opens them in a mail, and `validate`, `status` and `aggregate` open them in the returns
folder, both through `unpack`: the same limits on size, count and packing, the same names. A
member is named after its archive, "bao-cao.zip › th02.xlsx" (nested: "winmail.dat › nen.zip ›
th02.xlsx"), in every message and as the path of its reading; `read_item` gives the bytes of such
a path, unpacking again as it was listed. Only a member's own name is kept: a path inside an
archive never reaches the disk.

tnefparse walks counts that the file declares (a hostile winmail.dat can make it loop for hours
or fill the memory), so a TNEF file is only ever unpacked in a guarded worker process.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from htsd_cli.base.findings import Code
from htsd_cli.base.textnorm import nfc
from htsd_cli.reading.guard import (
    MAX_FILE_BYTES,
    MAX_UNZIPPED_BYTES,
    Unreadable,
    read_bytes_guarded,
)

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
MEMBER = " › "  # between an archive's name and a member's: "bao-cao.zip › th02.xlsx"
MAX_MEMBERS = 500
MAX_RATIO = 200  # unzipped size over packed size beyond which an entry is taken for a bomb
MAX_DEPTH = 3  # an archive inside an archive inside an archive, no deeper
MAX_TNEF_OBJECTS = 2000  # a winmail.dat has a few dozen; tnefparse copies the rest at each one

_TNEF_MAGIC = b"\x78\x9f\x3e\x22"
_RAR_MAGIC = b"Rar!\x1a\x07"
_7Z_MAGIC = b"7z\xbc\xaf\x27\x1c"
# what htsd cannot open, by its name or its first bytes: (kind, what the clerk calls it)
CANNOT_OPEN = {
    ".rar": "RAR",
    ".7z": "7-Zip",
    ".gz": "gzip",
    ".tgz": "gzip",
    ".tar": "tar",
    ".bz2": "bzip2",
    ".xz": "xz",
    ".cab": "cab",
    ".arj": "ARJ",
}


def ask_for_workbook(kind: str) -> str:
    """Why an archive htsd cannot open is not read, and what the clerk does about it."""
    return (
        f"tệp nén {kind}, htsd không mở được; hãy nhờ đơn vị gửi chính tệp bảng tính (.xlsx), "
        "không nén"
    )


@dataclass
class Unpacked:
    """What an archive holds: spreadsheets (name, bytes), what could not be taken (name, why),
    and the names of the other members (name, what it is). Names are full member paths."""

    found: list[tuple[str, bytes]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    others: list[tuple[str, str]] = field(default_factory=list)

    def names(self) -> Unpacked:
        """The same without the bytes (what a listing carries between processes)."""
        return Unpacked([(n, b"") for n, _ in self.found], self.refused, self.others)


def suffix(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def kind_of(name: str, head: bytes) -> str:
    """'zip', 'tnef', the name of an archive kind htsd cannot open ('RAR', '7-Zip', …), or ''
    (not an archive: a workbook, a photo, a document)."""
    if head.startswith(_TNEF_MAGIC):
        return "tnef"
    if head.startswith(_RAR_MAGIC):
        return "RAR"
    if head.startswith(_7Z_MAGIC):
        return "7-Zip"
    own = suffix(name)
    if own == ".zip":
        return "zip"
    if own == ".dat" and _own_name(name).lower().startswith("winmail"):
        return "tnef"  # by its name: a damaged one is told as such
    return CANNOT_OPEN.get(own, "")


def _own_name(name: str) -> str:
    return name.rsplit(MEMBER, 1)[-1].replace("\\", "/").rsplit("/", 1)[-1]


def is_archive(name: str, head: bytes) -> bool:
    return bool(kind_of(name, head))


def unpack(
    name: str, data: bytes, isolated: bool = False, only: str = "", depth: int = 0
) -> Unpacked:
    """The members of the archive `name` (its bytes `data`). A TNEF file is opened in a guarded
    worker unless `isolated` says this already is one. With `only`, just that member (and the
    archives on its way) is unpacked; the others are still named."""
    kind = kind_of(name, data[:8])
    if kind and kind not in ("zip", "tnef"):
        return Unpacked(refused=[(name, ask_for_workbook(kind))])
    if not kind:
        return Unpacked(others=[(name, "không phải bảng tính")])
    if depth >= MAX_DEPTH:
        return Unpacked(refused=[(name, "tệp nén lồng trong tệp nén quá nhiều tầng; không mở")])
    if kind == "zip":
        out = _from_zip(name, data, only)
    else:
        out = _from_tnef(name, data) if isolated else _tnef_isolated(name, data)
    result = Unpacked(refused=list(out.refused))
    for member, content in out.found:  # archives inside the archive are opened in turn
        if suffix(member) in SPREADSHEETS:
            result.found.append((member, content))
        elif not only or only == member or only.startswith(member + MEMBER):
            inner = unpack(member, content, isolated, only, depth + 1)
            result.found += inner.found
            result.refused += inner.refused
            result.others += inner.others
    result.others += out.others
    return result


def _unique(name: str, used: set[str]) -> str:
    """A member's own name, made unique within its archive: 'th02.xlsx', then 'th02 (2).xlsx'."""
    stem, ext = os.path.splitext(name)
    label, n = name, 1
    while label.lower() in used:
        n += 1
        label = f"{stem} ({n}){ext}"
    used.add(label.lower())
    return label


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


def _wanted(member: str) -> bool:
    """Whether a member is taken out: a spreadsheet, or an archive (which may hold one, or is
    named with the advice to send the workbook itself)."""
    return suffix(member) in SPREADSHEETS or bool(kind_of(member, b""))


def _from_zip(name: str, data: bytes, only: str = "") -> Unpacked:
    out = Unpacked()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return Unpacked(refused=[(name, "tệp nén .zip hỏng, không mở được")])
    if len(infos) > MAX_MEMBERS:
        return Unpacked(
            refused=[(name, f"tệp nén có quá {MAX_MEMBERS} tệp (nghi tệp độc); không mở")]
        )
    if any(i.filename == "[Content_Types].xml" or i.filename == "mimetype" for i in infos):
        return Unpacked(found=[(f"{name}{MEMBER}{_renamed(_own_name(name), infos)}", data)])
    budget = MAX_UNZIPPED_BYTES
    used: set[str] = set()
    for info in infos:
        if info.is_dir():
            continue
        member = f"{name}{MEMBER}{_unique(_zip_name(info), used)}"
        if not _wanted(member):
            out.others.append((member, "không phải bảng tính"))
            continue
        if only and only != member and not only.startswith(member + MEMBER):
            out.found.append((member, b""))  # named as listed, not unpacked
            continue
        if info.flag_bits & 0x1:
            out.refused.append(
                (member, "tệp nén có mật khẩu; nhờ đơn vị gửi tệp không đặt mật khẩu")
            )
            continue
        if info.file_size > MAX_FILE_BYTES or (
            info.compress_size and info.file_size / info.compress_size > MAX_RATIO
        ):
            out.refused.append((member, "kích thước giải nén bất thường (nghi tệp độc); không mở"))
            continue
        try:
            content = _bounded(archive, info, min(MAX_FILE_BYTES, budget))
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            out.refused.append((member, "hỏng trong tệp nén, không giải nén được"))
            continue
        if content is None:
            out.refused.append((member, "giải nén ra quá lớn (nghi tệp độc); đã dừng"))
            continue
        budget -= len(content)
        out.found.append((member, content))
    return out


def _renamed(name: str, infos: list[zipfile.ZipInfo]) -> str:
    """A workbook package sent under a .zip name: read as the workbook it is."""
    excel = any(i.filename.startswith("xl/") for i in infos)
    return os.path.splitext(name)[0] + (".xlsx" if excel else ".ods")


def _tnef_objects(data: bytes) -> int:
    """How many attributes a TNEF stream declares, counted as tnefparse walks them."""
    count, at = 0, 6
    while at + 12 < len(data):
        length = int.from_bytes(data[at + 5 : at + 9], "little")
        at += min(len(data) - at, length + 11)
        count += 1
        if count > MAX_TNEF_OBJECTS:
            break
    return count


def _from_tnef(name: str, data: bytes) -> Unpacked:
    """Outlook's winmail.dat through tnefparse: its attachments by their long file names."""
    if len(data) > MAX_FILE_BYTES or _tnef_objects(data) > MAX_TNEF_OBJECTS:
        return Unpacked(refused=[(name, "winmail.dat bất thường (nghi tệp độc); không mở")])
    try:
        from tnefparse import TNEF

        parsed = TNEF(data, do_checksum=False)
        attachments = [(_tnef_name(a), a.data) for a in parsed.attachments]
    except Exception:  # a damaged stream: the library raises whatever it meets
        return Unpacked(refused=[(name, "winmail.dat (thư Outlook) hỏng, không mở được")])
    out = Unpacked()
    used: set[str] = set()
    for own, content in attachments:
        own = nfc(" ".join(_own_name(own).split())) or "tep-dinh-kem"
        member = f"{name}{MEMBER}{_unique(own, used)}"
        if not isinstance(content, bytes):
            out.refused.append((member, "tệp đính kèm lồng trong thư khác (mở bằng Outlook)"))
        elif _wanted(member):
            out.found.append((member, content))
        else:
            out.others.append((member, "không phải bảng tính"))
    if not attachments:
        out.others.append((name, "thư Outlook (winmail.dat) không có tệp đính kèm"))
    return out


class _TnefAttachment(Protocol):
    """What _tnef_name asks of a tnefparse attachment (tnefparse has no types; its long file
    name is what the stream holds, not always a str)."""

    def long_filename(self) -> object: ...


def _tnef_name(attachment: _TnefAttachment) -> str:
    """An attachment's long name (Unicode in MAPI), else its short title in UTF-8 or, as a
    Vietnamese Outlook writes it, Windows-1258."""
    try:
        name = attachment.long_filename()
    except Exception:  # a title that is not UTF-8: tnefparse decodes it as if it were
        name = ""
    if isinstance(name, str) and name.strip("\x00"):
        return name.strip("\x00")
    raw = getattr(attachment, "_name", b"")
    if isinstance(raw, bytes):
        try:
            return raw.decode("utf-8").strip("\x00")
        except UnicodeDecodeError:
            return raw.decode("cp1258", errors="replace").strip("\x00")
    return str(raw or "")


def _unpack_in_worker(job: tuple[str, bytes]) -> Unpacked:
    return unpack(job[0], job[1], isolated=True)


def _tnef_isolated(name: str, data: bytes) -> Unpacked:
    from htsd_cli.base.isolate import Crash, run_isolated

    for _, result in run_isolated(_unpack_in_worker, [(name, data)], workers=1):
        if isinstance(result, Crash):
            return Unpacked(
                refused=[
                    (name, "winmail.dat đọc quá lâu hoặc quá tốn bộ nhớ (nghi tệp độc); không mở")
                ]
            )
        assert isinstance(result, Unpacked)
        return result
    return Unpacked()


# --- archives in the returns folder ------------------------------------------------------------


def outer(path: str) -> str:
    """The file on disk a listed item lies in: the archive of a member, else the path itself."""
    if MEMBER not in path or os.path.lexists(path):
        return path
    at = path.find(MEMBER)
    while at >= 0:  # the folders above may have the mark in their names too
        if os.path.isfile(path[:at]):
            return path[:at]
        at = path.find(MEMBER, at + 1)
    return path


def list_archive(path: str) -> Unpacked:
    """What an archive in the returns folder holds, without the bytes (run it in a worker)."""
    try:
        data = read_bytes_guarded(Path(path))
    except Unreadable as exc:
        return Unpacked(refused=[(path, exc.message)])
    return unpack(path, data, isolated=True).names()


def content_digest(path: str, archive: str, data: bytes) -> str:
    """The SHA-256 (hex) that names a listed item's content for the read cache: a file's own
    bytes, or for a member its archive's bytes (`data`) and its name."""
    sha = hashlib.sha256(data)
    if archive == path:
        return sha.hexdigest()
    member = path[len(archive) :]
    return hashlib.sha256(sha.digest() + member.encode("utf-8")).hexdigest()


def read_item(path: str) -> tuple[bytes, str]:
    """The bytes of a listed item and its `content_digest`: a file, or a member of an archive
    ("x.zip › th02.xlsx") unpacked again as `list_archive` found it. Raises Unreadable."""
    archive = outer(path)
    data = read_bytes_guarded(Path(archive))
    if archive == path:
        return data, content_digest(path, archive, data)
    found = unpack(archive, data, isolated=True, only=path)
    for member, content in found.found:
        if member == path:
            return content, content_digest(path, archive, data)
    why = next((reason for member, reason in found.refused if member == path), "")
    raise Unreadable(
        Code.UNREADABLE_FILE,
        f"Không lấy được tệp này ra khỏi tệp nén {os.path.basename(archive)}"
        + (f": {why}." if why else " (tệp nén đã đổi từ khi liệt kê)."),
    )
