"""Finding the returns: the workbooks to read under the files and folders given, each archive's
workbooks as members, and what is left aside with why (lock files, hidden files, links leading
outside, files that are no workbook)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from htsd_cli.base.findings import Skipped
from htsd_cli.base.isolate import Crash, run_isolated
from htsd_cli.reading.archives import MEMBER, Unpacked, is_archive, list_archive
from htsd_cli.reading.guard import NOT_WORKBOOK, sniff

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


def find_returns(paths: Iterable[Path]) -> tuple[list[Path], list[Skipped]]:
    """Files to check from files and folders (recursive). Lock and hidden files are skipped;
    so are files not named as workbooks, each with what it is (a PDF, an Excel 2003 XML file),
    and `htsd status` and `aggregate` show them under the unit their name points to. The
    workbooks inside archives (.zip, Outlook's winmail.dat) are listed as members,
    "bao-cao.zip › th02.xlsx", read as `collect` reads them (see archives.py)."""
    paths = list(paths)
    files: list[Path] = []
    skipped: list[Skipped] = []
    packed: list[tuple[int, Path]] = []  # archives, and where their members go in `files`
    roots = [Path(os.path.realpath(p)) for p in paths]
    for path in paths:
        if path.is_dir() and path.suffix.lower() not in WORKBOOK_SUFFIXES:
            for root, dirs, names in os.walk(path):
                dirs.sort()
                kept = []
                for d in dirs:
                    full = Path(root) / d
                    if d.startswith("."):
                        skipped.append(Skipped(str(full), "thư mục ẩn"))
                    elif d.lower().endswith(WORKBOOK_SUFFIXES):
                        files.append(full)
                    elif full.is_symlink():
                        target = os.path.realpath(full)
                        skipped.append(
                            Skipped(str(full), f"lối tắt tới thư mục {target}: không đọc theo")
                        )
                    else:
                        kept.append(d)
                dirs[:] = kept
                for name in sorted(names):
                    full = Path(root) / name
                    reason = _skip_reason(name) or _outside(full, roots)
                    if reason:
                        skipped.append(Skipped(str(full), reason))
                    elif not name.lower().endswith(WORKBOOK_SUFFIXES):
                        head = _head(full)
                        if is_archive(name, head):
                            packed.append((len(files), full))
                        else:
                            skipped.append(Skipped(str(full), _foreign_reason(full, head), True))
                    else:
                        files.append(full)
        elif not path.is_dir() and is_archive(path.name, _head(path)):
            packed.append((len(files), path))
        else:
            files.append(path)
    if packed:
        files = _with_members(files, packed, skipped)
    return files, skipped


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(4096)
    except OSError:
        return b""


def _with_members(
    files: list[Path], packed: list[tuple[int, Path]], skipped: list[Skipped]
) -> list[Path]:
    """`files` with the workbooks inside each archive in its place (listed in a guarded worker:
    a hostile winmail.dat can make its parser loop); what cannot be taken is skipped with its
    reason, under the unit the archive's name points to when nothing in it can be read."""
    listings: dict[int, Unpacked] = {}
    for at, result in run_isolated(list_archive, [str(p) for _, p in packed], workers=1):
        if isinstance(result, Crash):
            why = "đọc quá lâu hoặc quá tốn bộ nhớ (nghi tệp độc); không mở"
            result = Unpacked(refused=[(str(packed[at][1]), f"tệp nén {why}")])
        listings[at] = result
    out: list[Path] = []
    start = 0
    for number, (place, archive) in enumerate(packed):
        out += files[start:place]
        start = place
        listing = listings[number]
        out += [Path(member) for member, _ in listing.found]
        if not listing.found:
            reasons = [why for _, why in listing.refused]
            inside = [_own(member) for member, _ in listing.others if member != str(archive)]
            if inside and not reasons:
                reasons = [f"tệp nén không có bảng tính (có: {', '.join(inside)})"]
            reasons = reasons or [why for _, why in listing.others]
            skipped.append(Skipped(str(archive), "; ".join(reasons), foreign=True))
            continue
        skipped += [Skipped(m, why, foreign=True) for m, why in listing.refused]
        skipped += [Skipped(m, why) for m, why in listing.others]
    return out + files[start:]


def _own(member: str) -> str:
    return member.rsplit(MEMBER, 1)[-1]


def _outside(path: Path, roots: list[Path]) -> str:
    """Why a link found in a folder is not followed: it points outside what was given."""
    if not path.is_symlink():
        return ""
    target = Path(os.path.realpath(path))
    if any(target == r or r in target.parents for r in roots):
        return ""
    return f"lối tắt tới tệp {target}, nằm ngoài các thư mục đã chỉ định: không đọc theo"


def _skip_reason(name: str) -> str:
    if name.startswith("~$") or name.startswith(".~lock."):
        return "tệp khóa tạm của Excel/LibreOffice (tệp đang mở)"
    if name.startswith("."):
        return "tệp ẩn"
    return ""


def _foreign_reason(path: Path, head: bytes) -> str:
    """What a file that is not named as a workbook is, from its first bytes."""
    suffix = path.suffix or "(không có đuôi)"
    kind = sniff(head) if head else ""
    if kind == "xml2003":
        return NOT_WORKBOOK[kind]
    what = {"zip": "tệp nén", "ole": "tài liệu Office cũ", "pdf": "tệp PDF"}.get(kind, "")
    return f"không phải tệp bảng tính (đuôi {suffix}{', ' + what if what else ''})"
