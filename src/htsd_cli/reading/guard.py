"""The guard: what a file must pass before any reader parses it.

A hostile file can make a native reader abort or exhaust memory, so sizes, counts and XML
declarations are measured here first, on the real content and not on what the file declares:
a LibreOffice sheet that declares rows down to 1048576 but holds a few hundred cells is ordinary.
"""

from __future__ import annotations

import functools
import io
import re
import stat as stat_mod
import struct
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path

from htsd_cli.base.errors import os_reason
from htsd_cli.base.findings import Code
from htsd_cli.base.textnorm import format_number
from htsd_cli.reading.parts import position, sheet_part_names

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 150 * 1024 * 1024
MAX_MEMBERS = 3000
MAX_SHEETS = 255


class Unreadable(Exception):
    """The file cannot be read as a workbook; `code` is the finding code."""

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --- format sniffing and the guard -----------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(head: bytes) -> str:
    """'zip', 'ole', or a word for what the bytes look like instead."""
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    if not head.strip():
        return "empty"
    text = head[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table")):
        return "html"
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in head or b"Excel.Sheet" in head:
            return "xml2003"
        return "xml"
    if text.startswith(b"%pdf"):
        return "pdf"
    try:
        head[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "binary"
    return "text"


NOT_WORKBOOK = {
    "empty": "Tệp rỗng (0 byte hoặc chỉ có khoảng trắng).",
    "html": "Tệp là trang web (HTML) được đặt tên như tệp Excel, không phải bảng tính.",
    "xml": "Tệp là văn bản XML, không phải bảng tính Excel/LibreOffice.",
    "xml2003": "Tệp là bảng tính dạng “Bảng tính XML 2003” của Excel, htsd không đọc dạng này. "
    "Hãy mở tệp bằng Excel hoặc LibreOffice, chọn Lưu thành › Sổ làm việc Excel (.xlsx), rồi "
    "gửi lại.",
    "pdf": "Tệp là PDF, không phải bảng tính.",
    "text": "Tệp là văn bản thường (có thể là CSV), không phải bảng tính Excel/LibreOffice.",
    "binary": "Tệp không phải bảng tính (nội dung không nhận ra được hoặc đã hỏng).",
}
RESEND = " Hãy mở biểu mẫu đã phát, điền và lưu lại dạng .xlsx rồi gửi lại."


def read_bytes_guarded(path: Path) -> bytes:
    try:
        st = path.stat()
    except OSError as exc:
        raise Unreadable(Code.UNREADABLE_FILE, f"Không đọc được tệp: {os_reason(exc)}.") from None
    if stat_mod.S_ISDIR(st.st_mode):
        raise Unreadable(Code.UNREADABLE_FILE, "Đây là một thư mục mang tên tệp bảng tính.")
    if not stat_mod.S_ISREG(st.st_mode):
        raise Unreadable(
            Code.UNREADABLE_FILE, "Đây không phải tệp thường (FIFO, thiết bị hoặc socket)."
        )
    if st.st_size > MAX_FILE_BYTES:
        raise Unreadable(
            Code.UNSAFE_FILE,
            f"Tệp quá lớn ({st.st_size // (1024 * 1024)} MB); một báo cáo chỉ khoảng vài chục KB.",
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise Unreadable(Code.UNREADABLE_FILE, f"Không đọc được tệp: {os_reason(exc)}.") from None


# Parts no reader of ours (nor calamine) opens: not worth decompressing.
ENCRYPTED = "Tệp được đặt mật khẩu. Hãy gỡ mật khẩu (Tệp › Thông tin › Bảo vệ) rồi gửi lại."


AES_ENCRYPTED = 99  # the method number WinZip gives a part encrypted with a password


def _unusual_method(method: int) -> str:
    return (
        f"Tệp được nén theo một kiểu mà Excel và LibreOffice không dùng (kiểu nén số {method}; "
        "không phải do đặt mật khẩu), có lẽ do tệp đã qua một chương trình nén khác. Hãy mở "
        "tệp bằng Excel hoặc LibreOffice, lưu lại rồi gửi lại."
    )


def _refuse_unusual_packing(info: _Member | zipfile.ZipInfo) -> None:
    """A password (the encryption flag, or WinZip's AES method) or a compression method that
    spreadsheet programs never write (the reader cannot open it either)."""
    if info.flag_bits & 0x1 or info.compress_type == AES_ENCRYPTED:
        raise Unreadable(Code.ENCRYPTED_FILE, ENCRYPTED)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise Unreadable(Code.UNREADABLE_FILE, _unusual_method(info.compress_type))


class _Member:
    """One part as the zip's central directory lists it (the fields `zipfile.ZipInfo` names)."""

    __slots__ = ("CRC", "compress_size", "compress_type", "file_size", "filename", "flag_bits",
                 "header_offset")  # fmt: skip

    def __init__(self, name: str, flags: int, method: int, crc: int, packed: int, size: int,
                 offset: int) -> None:  # fmt: skip
        self.filename, self.flag_bits, self.compress_type, self.CRC = name, flags, method, crc
        self.compress_size, self.file_size, self.header_offset = packed, size, offset


_END = struct.Struct("<4s4H2LH")  # end of central directory record
_ENTRY = struct.Struct("<4s6H3L5H2L")  # central directory file header
_LOCAL = struct.Struct("<4s5H3L2H")  # local file header
_WIDE = 0xFFFFFFFF  # a 32-bit field that says "see the zip64 record"


def _name(raw: bytes, flags: int) -> str:
    """A part's name as zip records it: UTF-8 when flagged so, else the old DOS code page."""
    return raw.decode("utf-8" if flags & 0x800 else "cp437", "replace")


def _central_directory(data: bytes) -> list[_Member] | None:
    """The parts of an ordinary zip, read straight from its central directory; None for any
    zip that is not plain (zip64, data before the archive, a split archive, an odd record),
    which the standard library then reads."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < _END.size - 1 or len(data) < at + _END.size:
        return None
    _, disk, first_disk, here, count, size, start, _comment = _END.unpack_from(data, at)
    if disk or first_disk or here != count or _WIDE in (size, start) or count == 0xFFFF:
        return None
    if start + size != at or data[at - 20 : at - 16] == b"PK\x06\x07":
        return None  # data before the archive, or a zip64 locator
    members: list[_Member] = []
    pos = start
    for _ in range(count):
        if data[pos : pos + 4] != b"PK\x01\x02" or pos + _ENTRY.size > at:
            return None
        fields = _ENTRY.unpack_from(data, pos)
        flags, method, crc, packed, size = fields[3], fields[4], fields[7], fields[8], fields[9]
        name_len, extra_len, comment_len, offset = fields[10], fields[11], fields[12], fields[16]
        if _WIDE in (packed, size, offset):
            return None
        name = _name(data[pos + _ENTRY.size : pos + _ENTRY.size + name_len], flags)
        members.append(_Member(name, flags, method, crc, packed, size, offset))
        pos += _ENTRY.size + name_len + extra_len + comment_len
    return members if pos == at else None


class Package:
    """A zip package under hard caps: each part is decompressed on demand, never past the
    budget whatever the headers claim, and refused if it declares XML entities.

    An ordinary package (what spreadsheet programs write) is read from its central directory
    with zlib directly; anything else through `zipfile`, which knows every variant."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.zf: zipfile.ZipFile | None = None
        members: list[_Member] | list[zipfile.ZipInfo] | None = _central_directory(data)
        try:
            if members is None:
                self.zf = zipfile.ZipFile(io.BytesIO(data))
                members = self.zf.infolist()
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            raise Unreadable(
                Code.UNREADABLE_FILE,
                "Tệp nén bị hỏng hoặc bị cắt cụt (tải về chưa xong?)." + RESEND,
            ) from None
        if len(members) > MAX_MEMBERS:
            raise Unreadable(
                Code.UNSAFE_FILE, f"Tệp chứa {len(members)} thành phần, quá nhiều cho một báo cáo."
            )
        declared = sum(i.file_size for i in members)
        if declared > MAX_UNZIPPED_BYTES:
            raise Unreadable(
                Code.UNSAFE_FILE,
                f"Tệp giải nén ra tới {declared // (1024 * 1024)} MB (nghi là 'bom nén'); "
                "không mở tệp này.",
            )
        for info in members:
            _refuse_unusual_packing(info)
        self.infos: dict[str, _Member | zipfile.ZipInfo] = {i.filename: i for i in members}
        self.budget = MAX_UNZIPPED_BYTES
        self.parts: dict[str, bytes] = {}

    def _damaged(self, name: str) -> Unreadable:
        return Unreadable(
            Code.UNREADABLE_FILE,
            f"Phần '{name}' bên trong tệp bị hỏng, không giải nén được (tệp tải về chưa "
            "xong hoặc bị sửa bằng chương trình khác)." + RESEND,
        )

    def _read(self, name: str, size: int) -> bytes:
        """Up to `size` decompressed bytes of a part ('' when there is no such part)."""
        info = self.infos.get(name)
        if info is None:
            return b""
        if isinstance(info, _Member):
            return self._inflate(info, size)
        assert self.zf is not None
        try:
            with self.zf.open(info) as handle:
                return handle.read(size)
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            zlib.error,
            EOFError,
            OSError,
            ValueError,
        ):
            raise self._damaged(name) from None
        except NotImplementedError:  # a compression method zipfile cannot read
            raise Unreadable(Code.UNREADABLE_FILE, _unusual_method(info.compress_type)) from None
        except RuntimeError:
            raise Unreadable(Code.ENCRYPTED_FILE, ENCRYPTED) from None

    def _inflate(self, info: _Member, size: int) -> bytes:
        """What `zipfile` does for one part, with the same refusals: the local header must
        match the directory; the output stops at the declared size; a whole part must end
        where its stream ends and match its checksum."""
        data, at = self.data, info.header_offset
        if len(data) < at + _LOCAL.size or data[at : at + 4] != b"PK\x03\x04":
            raise self._damaged(info.filename)
        fields = _LOCAL.unpack_from(data, at)
        flags, name_len, extra_len = fields[2], fields[9], fields[10]
        if _name(data[at + _LOCAL.size : at + _LOCAL.size + name_len], flags) != info.filename:
            raise self._damaged(info.filename)  # the part says it is another than the directory
        start = at + _LOCAL.size + name_len + extra_len
        packed = memoryview(data)[start : start + info.compress_size]
        if len(packed) < info.compress_size:
            raise self._damaged(info.filename)
        whole = size > info.file_size
        want = min(size, info.file_size)
        if info.compress_type == zipfile.ZIP_STORED:
            out, ended = bytes(packed[:want]), True
        else:
            inflater = zlib.decompressobj(-15)
            try:  # a head needs only its bytes; a whole part one more, to catch a lying size
                out = inflater.decompress(packed, info.file_size + 1 if whole else want)
            except zlib.error:
                raise self._damaged(info.filename) from None
            ended = inflater.eof
            if len(out) > info.file_size:  # more than declared: a lying header
                raise self._damaged(info.filename)
            out = out[:want]
        if whole and (not ended or len(out) != info.file_size or zlib.crc32(out) != info.CRC):
            raise self._damaged(info.filename)
        return out

    def head(self, name: str, size: int) -> bytes:
        """The first `size` bytes of a part, decompressed (never more)."""
        chunk = self._read(name, size)
        _refuse_entities(name, chunk)  # a DOCTYPE can only stand before the root element
        return chunk

    def has(self, name: str) -> bool:
        return name in self.infos

    def part(self, name: str) -> bytes:
        if name in self.parts:
            return self.parts[name]
        chunk = self._read(name, self.budget + 1)
        if len(chunk) > self.budget:
            raise Unreadable(
                Code.UNSAFE_FILE,
                "Tệp giải nén ra lớn hơn nhiều so với khai báo (nghi là 'bom nén'); "
                "không mở tệp này.",
            )
        self.budget -= len(chunk)
        _refuse_entities(name, chunk)
        self.parts[name] = chunk
        return chunk

    @functools.cached_property
    def sheet_parts(self) -> Mapping[str, str]:
        """Sheet title → part name (xlsx)."""
        return sheet_part_names(
            self.part("xl/workbook.xml"), self.part("xl/_rels/workbook.xml.rels")
        )


def _refuse_entities(name: str, chunk: bytes) -> None:
    # find() with bounds looks in place: slicing would copy up to 64 KB of every part first
    if chunk.find(b"<!DOCTYPE", 0, 4096) >= 0 or chunk.find(b"<!ENTITY", 0, 65536) >= 0:
        raise Unreadable(
            Code.UNSAFE_FILE,
            f"Tệp chứa khai báo XML không an toàn ({name}: DOCTYPE/ENTITY); không mở tệp này.",
        )


def classify_zip(pkg: Package) -> str:
    if pkg.has("xl/workbook.xml"):
        return "xlsx"
    mimetype = pkg.part("mimetype")
    if mimetype.strip() == b"application/vnd.oasis.opendocument.spreadsheet":
        return "ods"
    if pkg.has("content.xml") and b"office:spreadsheet" in pkg.part("content.xml")[:20000]:
        return "ods"
    if pkg.has("word/document.xml"):
        raise Unreadable(
            Code.UNREADABLE_FILE, "Tệp là văn bản Word (.docx) được đặt tên như tệp Excel." + RESEND
        )
    if pkg.has("ppt/presentation.xml"):
        raise Unreadable(
            Code.UNREADABLE_FILE, "Tệp là trình chiếu PowerPoint, không phải bảng tính."
        )
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        raise Unreadable(Code.UNREADABLE_FILE, "Tệp là văn bản OpenDocument, không phải bảng tính.")
    raise Unreadable(Code.UNREADABLE_FILE, "Tệp là một tệp nén (zip) thường, không phải bảng tính.")


def check_ole(data: bytes) -> None:
    if "EncryptedPackage".encode("utf-16-le") in data or b"E\x00n\x00c\x00r\x00y\x00p\x00t" in data:
        raise Unreadable(
            Code.ENCRYPTED_FILE,
            "Tệp được đặt mật khẩu. Hãy gỡ mật khẩu (Tệp › Thông tin › Bảo vệ) rồi gửi lại.",
        )
    if "Workbook".encode("utf-16-le") not in data and "Book".encode("utf-16-le") not in data:
        raise Unreadable(
            Code.UNREADABLE_FILE,
            "Tệp là tài liệu Office cũ nhưng không phải bảng tính (.xls)." + RESEND,
        )


def count_sheets(fmt: str, pkg: Package) -> int:
    if fmt == "xlsx":
        return pkg.part("xl/workbook.xml").count(b"<sheet ")
    return pkg.part("content.xml").count(b"<table:table ")


_DIMENSION_RE = re.compile(rb'<dimension ref="[A-Z]*[0-9]*:?([A-Z]{1,3})([0-9]{1,7})"')
_CELL_RE = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"[^>]*?(?:/>|>(.*?)</c>)', re.S)
MAX_ROWS = 100_000
MAX_COLS = 1_000
MAX_CELLS = 200_000


def declared_within_limits(head: bytes) -> bool:
    """Whether the sheet's first bytes declare a used range of ordinary size."""
    declared = _DIMENSION_RE.search(head[:4096])
    if not declared:
        return False
    row, col = position(declared.group(1).decode() + declared.group(2).decode())
    return row < MAX_ROWS and col < MAX_COLS


def check_sheet_content(xml: bytes) -> None:
    """Refuse a sheet whose real cells would make the reader allocate an absurd grid.

    The declared used range is only a hint: LibreOffice declares `A1:D1048576` after a row is
    deleted and writes an empty last row, which readers ignore. So when the declaration is
    large or missing, the cells that really hold something are counted and measured.
    """
    if declared_within_limits(xml):
        return
    count = 0
    for m in _CELL_RE.finditer(xml):
        body = m.group(2)
        if not body or not (b"<v" in body or b"<is" in body or b"<f" in body):
            continue  # a styled empty cell: readers skip it
        count += 1
        if count > MAX_CELLS:
            raise Unreadable(
                Code.UNSAFE_FILE,
                f"Một trang tính có hơn {format_number(MAX_CELLS)} ô chứa dữ liệu (một báo cáo chỉ "
                "vài trăm ô); không mở tệp này.",
            )
        ref = m.group(1).decode()
        row, col = position(ref)
        if row >= MAX_ROWS or col >= MAX_COLS:
            raise Unreadable(
                Code.UNSAFE_FILE,
                f"Một trang tính có dữ liệu ở ô {ref}, xa ngoài vùng của một báo cáo (nghi tệp "
                "độc); không mở tệp này.",
            )
