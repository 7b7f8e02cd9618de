"""Reading a returned workbook: guard it, open it with python-calamine, find the form's cells.

Everything here runs inside a worker process (see `isolate.py`) because a hostile file can make
the underlying reader abort the whole process. The guard catches the common cases first so the
user gets a precise message: not a workbook, encrypted, zip bomb, XML entities, too many sheets.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from htsd_cli.errors import os_reason
from htsd_cli.layout import FORM_SHEET, ID_SHEET, STAMP_PREFIX, SUMMARY_MARK, column_letter

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 150 * 1024 * 1024
MAX_MEMBERS = 3000
MAX_SHEETS = 255
MAX_ROWS_READ = 400
CellValue = Any


class Unreadable(Exception):
    """The file cannot be read as a workbook; `code` is the finding code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class RawReturn:
    """What a workbook holds, before any check: identity, and the value of each named cell."""

    path: str
    fmt: str
    sheet: str = ""
    identity: dict[str, str] = field(default_factory=dict)
    identity_sources: list[str] = field(default_factory=list)
    covers: list[str] = field(default_factory=list)  # summaries: the unit codes they include
    reported: dict[str, int] = field(default_factory=dict)  # summaries: units behind each figure
    grid: list[list[CellValue]] = field(default_factory=list)
    sheet_names: list[str] = field(default_factory=list)
    _wb: Any = field(default=None, repr=False, compare=False)
    _pkg: Package | None = field(default=None, repr=False, compare=False)
    _id_cells: dict[str, str] | None = field(default=None, repr=False, compare=False)
    _fonts: dict[str, str] | None = field(default=None, repr=False, compare=False)
    _broken: dict[str, str] | None = field(default=None, repr=False, compare=False)

    def guard_sheet(self, sheet: str) -> bytes:
        """Pass a sheet's part through the guard before the reader parses it (xlsx)."""
        if self._pkg is None or self.fmt != "xlsx":
            return b""
        name = self._pkg.sheet_parts.get(sheet)
        xml = self._pkg.part(name) if name else b""
        _check_dimensions(xml)
        return xml

    def load_identity_sheet(self) -> dict[str, str]:
        """Identity from the hidden sheet (into .identity); returns its cell map."""
        if self._id_cells is not None:
            return self._id_cells
        self._id_cells = {}
        if ID_SHEET in self.sheet_names and self._wb is not None:
            try:
                self.guard_sheet(ID_SHEET)
                self._id_cells = _read_identity_sheet(self._wb, self)
            except Unreadable:
                self._id_cells = {}
            except _calamine_errors():
                self._id_cells = {}
        return self._id_cells

    def formula_problem(self, address: str) -> str | None:
        """'no-value' for a formula never calculated, the error text (#DIV/0!…) for a formula
        that failed, else None. The reader shows both as empty cells, so this is only asked for
        empty cells, and the sheet is searched the first time it is asked."""
        if self._broken is None:
            self._broken = {}
            try:
                if self.fmt == "xlsx":
                    self._broken = _xlsx_broken_formulas(self.guard_sheet(self.sheet))
                elif self.fmt == "ods" and self._pkg is not None:
                    self._broken = _ods_broken_formulas(self._pkg.part("content.xml"), self.sheet)
            except Unreadable:
                self._broken = {}
        return self._broken.get(address)

    def font_of(self, address: str) -> str | None:
        """The font name of a cell of the form sheet (xlsx only; None when unknown)."""
        if self._pkg is None or self.fmt != "xlsx":
            return None
        if self._fonts is None:
            try:
                self._fonts = _cell_fonts(self._pkg, self.guard_sheet(self.sheet))
            except Unreadable:
                self._fonts = {}
        return self._fonts.get(address)

    def load_names(self) -> dict[str, str]:
        """Identity from document properties (into .identity); returns the defined names."""
        if self._pkg is None:
            return {}
        try:
            return _props_and_names(self.fmt, self._pkg, self)
        except Unreadable:
            return {}

    def close(self) -> None:
        if self._wb is not None:
            with contextlib.suppress(Exception):
                self._wb.close()
            self._wb = None


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
        return "xml"
    if text.startswith(b"%pdf"):
        return "pdf"
    try:
        head[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "binary"
    return "text"


_NOT_WORKBOOK = {
    "empty": "Tệp rỗng (0 byte hoặc chỉ có khoảng trắng).",
    "html": "Tệp là trang web (HTML) được đặt tên như tệp Excel, không phải bảng tính.",
    "xml": "Tệp là văn bản XML, không phải bảng tính Excel/LibreOffice.",
    "pdf": "Tệp là PDF, không phải bảng tính.",
    "text": "Tệp là văn bản thường (có thể là CSV), không phải bảng tính Excel/LibreOffice.",
    "binary": "Tệp không phải bảng tính (nội dung không nhận ra được hoặc đã hỏng).",
}
_RESEND = " Hãy mở biểu mẫu đã phát, điền và lưu lại dạng .xlsx rồi gửi lại."


def read_bytes_guarded(path: Path) -> bytes:
    try:
        st = path.stat()
    except OSError as exc:
        raise Unreadable("unreadable-file", f"Không đọc được tệp: {os_reason(exc)}.") from None
    import stat as stat_mod

    if stat_mod.S_ISDIR(st.st_mode):
        raise Unreadable("unreadable-file", "Đây là một thư mục mang tên tệp bảng tính.")
    if not stat_mod.S_ISREG(st.st_mode):
        raise Unreadable(
            "unreadable-file", "Đây không phải tệp thường (FIFO, thiết bị hoặc socket)."
        )
    if st.st_size > MAX_FILE_BYTES:
        raise Unreadable(
            "unsafe-file",
            f"Tệp quá lớn ({st.st_size // (1024 * 1024)} MB); một báo cáo chỉ khoảng vài chục KB.",
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise Unreadable("unreadable-file", f"Không đọc được tệp: {os_reason(exc)}.") from None


# Parts no reader of ours (nor calamine) opens: not worth decompressing.
_ENCRYPTED = "Tệp được đặt mật khẩu. Hãy gỡ mật khẩu (Tệp › Thông tin › Bảo vệ) rồi gửi lại."


class Package:
    """A zip package under hard caps: each part is decompressed on demand, never past the
    budget whatever the headers claim, and refused if it declares XML entities."""

    def __init__(self, data: bytes) -> None:
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            raise Unreadable(
                "unreadable-file", "Tệp nén bị hỏng hoặc bị cắt cụt (tải về chưa xong?)." + _RESEND
            ) from None
        if len(infos) > MAX_MEMBERS:
            raise Unreadable(
                "unsafe-file", f"Tệp chứa {len(infos)} thành phần, quá nhiều cho một báo cáo."
            )
        declared = sum(i.file_size for i in infos)
        if declared > MAX_UNZIPPED_BYTES:
            raise Unreadable(
                "unsafe-file",
                f"Tệp giải nén ra tới {declared // (1024 * 1024)} MB (nghi là 'bom nén'); "
                "không mở tệp này.",
            )
        self.infos = {i.filename: i for i in infos}
        self.budget = MAX_UNZIPPED_BYTES
        self.parts: dict[str, bytes] = {}

    def head(self, name: str, size: int) -> bytes:
        """The first `size` bytes of a part, decompressed (never more)."""
        info = self.infos.get(name)
        if info is None:
            return b""
        try:
            with self.zf.open(info) as handle:
                chunk = handle.read(size)
            _refuse_entities(name, chunk)  # a DOCTYPE can only stand before the root element
            return chunk
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
            raise Unreadable(
                "unreadable-file", f"Tệp nén bị hỏng ({exc.__class__.__name__})." + _RESEND
            ) from None
        except RuntimeError:
            raise Unreadable("encrypted-file", _ENCRYPTED) from None

    def has(self, name: str) -> bool:
        return name in self.infos

    def part(self, name: str) -> bytes:
        if name in self.parts:
            return self.parts[name]
        info = self.infos.get(name)
        if info is None:
            return b""
        try:
            with self.zf.open(info) as handle:
                chunk = handle.read(self.budget + 1)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
            raise Unreadable(
                "unreadable-file", f"Tệp nén bị hỏng ({exc.__class__.__name__})." + _RESEND
            ) from None
        except RuntimeError:
            raise Unreadable("encrypted-file", _ENCRYPTED) from None
        if len(chunk) > self.budget:
            raise Unreadable(
                "unsafe-file",
                "Tệp giải nén ra lớn hơn nhiều so với khai báo (nghi là 'bom nén'); "
                "không mở tệp này.",
            )
        self.budget -= len(chunk)
        _refuse_entities(name, chunk)
        self.parts[name] = chunk
        return chunk

    @functools.cached_property
    def sheet_parts(self) -> dict[str, str]:
        """Sheet title → part name (xlsx)."""
        return sheet_part_names(
            self.part("xl/workbook.xml"), self.part("xl/_rels/workbook.xml.rels")
        )


def _refuse_entities(name: str, chunk: bytes) -> None:
    if b"<!DOCTYPE" in chunk[:4096] or b"<!ENTITY" in chunk[:65536]:
        raise Unreadable(
            "unsafe-file",
            f"Tệp chứa khai báo XML không an toàn ({name}: DOCTYPE/ENTITY); không mở tệp này.",
        )


def sheet_part_names(workbook_xml: bytes, rels_xml: bytes) -> dict[str, str]:
    """Sheet title → part name, from xl/workbook.xml and its relationships."""
    targets = dict(re.findall(rb'Id="([^"]+)"[^>]*Target="([^"]+)"', rels_xml))
    targets.update({k: v for v, k in re.findall(rb'Target="([^"]+)"[^>]*Id="([^"]+)"', rels_xml)})
    out: dict[str, str] = {}
    for tag in re.findall(rb"<sheet [^>]*>", workbook_xml):
        name = re.search(rb'name="([^"]*)"', tag)
        rid = re.search(rb'r:id="([^"]*)"', tag)
        if name and rid and rid.group(1) in targets:
            target = targets[rid.group(1)].decode().lstrip("/")
            out[xml_unescape(name.group(1))] = (
                target if target.startswith("xl/") else "xl/" + target
            )
    return out


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
            "unreadable-file", "Tệp là văn bản Word (.docx) được đặt tên như tệp Excel." + _RESEND
        )
    if pkg.has("ppt/presentation.xml"):
        raise Unreadable("unreadable-file", "Tệp là trình chiếu PowerPoint, không phải bảng tính.")
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        raise Unreadable("unreadable-file", "Tệp là văn bản OpenDocument, không phải bảng tính.")
    raise Unreadable("unreadable-file", "Tệp là một tệp nén (zip) thường, không phải bảng tính.")


def _check_ole(data: bytes) -> None:
    if "EncryptedPackage".encode("utf-16-le") in data or b"E\x00n\x00c\x00r\x00y\x00p\x00t" in data:
        raise Unreadable(
            "encrypted-file",
            "Tệp được đặt mật khẩu. Hãy gỡ mật khẩu (Tệp › Thông tin › Bảo vệ) rồi gửi lại.",
        )
    if "Workbook".encode("utf-16-le") not in data and "Book".encode("utf-16-le") not in data:
        raise Unreadable(
            "unreadable-file",
            "Tệp là tài liệu Office cũ nhưng không phải bảng tính (.xls)." + _RESEND,
        )


def _count_sheets(fmt: str, pkg: Package) -> int:
    if fmt == "xlsx":
        return pkg.part("xl/workbook.xml").count(b"<sheet ")
    return pkg.part("content.xml").count(b"<table:table ")


# --- identity stamps --------------------------------------------------------------------------------

_STAMP_RE = re.compile(
    re.escape(STAMP_PREFIX) + r"\s*(\S+)\s*·\s*phiên bản\s*(\d+)\s*·\s*Mã đơn vị:\s*(.*)$"
)
_CUSTOM_XLSX_RE = re.compile(
    rb'<property[^>]*name="htsd_([a-z_]+)"[^>]*>\s*<vt:lpwstr>([^<]*)</vt:lpwstr>'
)
_CUSTOM_ODS_RE = re.compile(rb'<meta:user-defined meta:name="htsd_([a-z_]+)"[^>]*>([^<]*)<')
_NAMES_XLSX_RE = re.compile(rb'<definedName [^>]*?\bname="([A-Za-z_][A-Za-z0-9_]*)"[^>]*>([^<]*)<')
_NAMES_ODS_RE = re.compile(
    rb'<table:named-range table:name="([A-Za-z_][A-Za-z0-9_]*)"[^>]*'
    rb'table:cell-range-address="([^"]*)"'
)
_ADDR_RE = re.compile(r"^(?:\$?'?(.*?)'?[!.])?\$?([A-Z]{1,3})\$?([0-9]{1,7})$")


def xml_unescape(b: bytes) -> str:
    from xml.sax.saxutils import unescape

    return unescape(b.decode("utf-8", "replace"), {"&quot;": '"', "&apos;": "'"})


def _parse_address(text: str) -> tuple[str, str] | None:
    m = _ADDR_RE.match(text.strip())
    if not m:
        return None
    sheet = (m.group(1) or "").replace("''", "'").lstrip("$")
    return sheet, f"{m.group(2)}{m.group(3)}"


def _props_and_names(fmt: str, pkg: Package, raw: RawReturn) -> dict[str, str]:
    """Custom properties into raw.identity; defined names returned as name → A1 address."""
    props: dict[str, str] = {}
    if fmt == "xlsx":
        for key, value in _CUSTOM_XLSX_RE.findall(pkg.part("docProps/custom.xml")):
            props[key.decode()] = xml_unescape(value)
        names_src = _NAMES_XLSX_RE.findall(pkg.part("xl/workbook.xml"))
    else:
        for key, value in _CUSTOM_ODS_RE.findall(pkg.part("meta.xml")):
            props[key.decode()] = xml_unescape(value)
        names_src = _NAMES_ODS_RE.findall(pkg.part("content.xml"))
    if props.get("form_id"):
        for key, value in props.items():
            raw.identity.setdefault(key, "" if value == "-" else value)
        raw.identity_sources.append("properties")
    names: dict[str, str] = {}
    for name, ref in names_src:
        parsed = _parse_address(xml_unescape(ref))
        if parsed:
            raw.sheet = raw.sheet or parsed[0]
            names[name.decode()] = parsed[1]
    return names


# --- formulas without a value and error values (xlsx and ods) --------------------------------------

_XLSX_CELL_RE = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)


def _xlsx_broken_formulas(xml: bytes) -> dict[str, str]:
    if b"<f>" not in xml and b"<f " not in xml and b't="e"' not in xml:
        return {}
    out: dict[str, str] = {}
    for ref, attrs, body in _XLSX_CELL_RE.findall(xml):
        body = body or b""
        if b't="e"' in attrs:
            v = re.search(rb"<v>([^<]*)</v>", body)
            out[ref.decode()] = xml_unescape(v.group(1)) if v else "#ERROR"
        elif b"<f" in body and not re.search(rb"<v(?: [^>]*)?>[^<]+</v>", body):
            out[ref.decode()] = "no-value"
    return out


def _ods_broken_formulas(xml: bytes, sheet: str) -> dict[str, str]:
    if b'calcext:value-type="error"' not in xml and b"table:formula" not in xml:
        return {}
    t = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    o = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
    c = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
    out: dict[str, str] = {}
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return {}
    for table in root.iter(f"{t}table"):
        if table.get(f"{t}name") != sheet:
            continue
        row = 0
        for row_el in table.iter(f"{t}table-row"):
            row += 1
            reps = int(row_el.get(f"{t}number-rows-repeated", "1"))
            col = 0
            for cell in row_el:
                if cell.tag not in (f"{t}table-cell", f"{t}covered-table-cell"):
                    continue
                ncols = int(cell.get(f"{t}number-columns-repeated", "1"))
                if cell.get(f"{t}formula") is not None and col < 64 and row <= MAX_ROWS_READ:
                    ref = f"{column_letter(col)}{row}"
                    if cell.get(f"{c}value-type") == "error":
                        out[ref] = "".join(cell.itertext()) or "#ERROR"
                    elif cell.get(f"{o}value-type") is None:
                        out[ref] = "no-value"
                col += ncols
            row += reps - 1
            if row > MAX_ROWS_READ:
                break
    return out


# --- reading ---------------------------------------------------------------------------------------


def _calamine_errors() -> tuple[type[BaseException], ...]:
    from python_calamine import CalamineError

    return (CalamineError, ValueError, OSError, EOFError, IndexError, OverflowError)


def read_return(path: Path) -> RawReturn:
    """Open a returned workbook, guard it, and read the form sheet and its stamp line.

    The workbook stays open (close it with `raw.close()`): the hidden identity sheet, the
    defined names and the document properties are read only when the caller needs them.
    Raises Unreadable.
    """
    data = read_bytes_guarded(path)
    kind = sniff(data[:4096])
    pkg: Package | None = None
    if kind == "zip":
        pkg = Package(data)
        fmt = classify_zip(pkg)
        sheets = _count_sheets(fmt, pkg)
        if sheets > MAX_SHEETS:
            raise Unreadable(
                "unsafe-file",
                f"Tệp có {sheets} trang tính; biểu mẫu chỉ có 3. Hãy gửi đúng tệp biểu mẫu đã phát.",
            )
        # what the reader parses as soon as it opens the workbook goes through the guard first
        opened = ("xl/sharedStrings.xml", "xl/styles.xml", "xl/_rels/workbook.xml.rels")
        for name in opened if fmt == "xlsx" else ("styles.xml", "content.xml"):
            pkg.part(name)
    elif kind == "ole":
        _check_ole(data)
        fmt = "xls"
    else:
        raise Unreadable("unreadable-file", _NOT_WORKBOOK[kind] + _RESEND)

    from python_calamine import CalamineWorkbook, PasswordError

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        raise Unreadable("encrypted-file", _ENCRYPTED) from None
    except _calamine_errors() as exc:
        raise Unreadable(
            "unreadable-file", f"Tệp bảng tính bị hỏng, không mở được ({_short(exc)})." + _RESEND
        ) from None
    raw = RawReturn(path=str(path), fmt=fmt, _wb=wb, _pkg=pkg)
    try:
        raw.sheet_names = list(wb.sheet_names)
        raw.sheet = FORM_SHEET if FORM_SHEET in raw.sheet_names else _first_sheet(wb)
        if pkg is not None and fmt == "xlsx":
            # the dimension tag comes first: no need to decompress the whole sheet for it
            _check_dimensions(pkg.head(pkg.sheet_parts.get(raw.sheet, ""), 4096))
        raw.grid = _grid(wb, raw.sheet)
    except PasswordError:
        raw.close()
        raise Unreadable("encrypted-file", _ENCRYPTED) from None
    except _calamine_errors() as exc:
        raw.close()
        raise Unreadable(
            "unreadable-file", f"Tệp bảng tính bị hỏng, không đọc được ({_short(exc)})." + _RESEND
        ) from None
    except Unreadable:
        raw.close()
        raise
    _read_stamp_line(raw)
    return raw


_FONT_BLOCK_RE = re.compile(rb"<fonts[^>]*>(.*?)</fonts>", re.S)
_FONT_RE = re.compile(rb"<font>(.*?)</font>|<font/>", re.S)
_FONT_NAME_RE = re.compile(rb'<name val="([^"]*)"')
_XFS_RE = re.compile(rb"<cellXfs[^>]*>(.*?)</cellXfs>", re.S)
_XF_FONT_RE = re.compile(rb"<xf [^>]*?fontId=\"(\d+)\"|<xf (?![^>]*fontId)[^>]*>")
_CELL_STYLE_RE = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*? s="(\d+)"')


def _cell_fonts(pkg: Package, sheet_xml: bytes) -> dict[str, str]:
    """A1 address → font name, from the sheet's style indexes and styles.xml (xlsx)."""
    styles = pkg.part("xl/styles.xml")
    block = _FONT_BLOCK_RE.search(styles)
    fonts = []
    for m in _FONT_RE.finditer(block.group(1) if block else b""):
        name = _FONT_NAME_RE.search(m.group(1) or b"")
        fonts.append(xml_unescape(name.group(1)) if name else "")
    xfs_block = _XFS_RE.search(styles)
    xf_fonts = [
        int(m.group(1)) if m.group(1) else 0
        for m in _XF_FONT_RE.finditer(xfs_block.group(1) if xfs_block else b"")
    ]
    out: dict[str, str] = {}
    for ref, style in _CELL_STYLE_RE.findall(sheet_xml):
        index = int(style)
        if index < len(xf_fonts) and xf_fonts[index] < len(fonts):
            out[ref.decode()] = fonts[xf_fonts[index]]
    return out


_DIMENSION_RE = re.compile(rb'<dimension ref="[A-Z]*[0-9]*:?([A-Z]{1,3})([0-9]{1,7})"')
MAX_ROWS = 100_000
MAX_COLS = 1_000


def _check_dimensions(xml: bytes) -> None:
    """Refuse a sheet that declares an absurd used range before the reader allocates it."""
    m = _DIMENSION_RE.search(xml[:4096])
    if m:
        last = m.group(1).decode() + m.group(2).decode()
        row, col = position(last)
        if col >= MAX_COLS or row >= MAX_ROWS:
            raise Unreadable(
                "unsafe-file",
                f"Một trang tính khai báo vùng dữ liệu tới ô {last} (quá lớn cho một báo cáo); "
                "không mở tệp này.",
            )


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    return text[:160]


def _first_sheet(wb: Any) -> str:
    for meta in wb.sheets_metadata:
        if str(meta.visible).endswith("Visible") and meta.name != ID_SHEET:
            return str(meta.name)
    return str(wb.sheet_names[0]) if wb.sheet_names else ""


def _grid(wb: Any, sheet: str) -> list[list[CellValue]]:
    if not sheet:
        return []
    rows: list[list[CellValue]] = wb.get_sheet_by_name(sheet).to_python(
        skip_empty_area=False, nrows=MAX_ROWS_READ
    )
    return rows


def _read_identity_sheet(wb: Any, raw: RawReturn) -> dict[str, str]:
    if ID_SHEET not in wb.sheet_names:
        return {}
    rows = wb.get_sheet_by_name(ID_SHEET).to_python(skip_empty_area=False, nrows=2000)
    if not rows or str(rows[0][0]).strip() != "htsd":
        return {}
    cells: dict[str, str] = {}
    for row in rows[1:]:
        if len(row) < 2:
            continue
        key = str(row[0]).strip()
        if key == "covers":
            raw.covers.append(str(row[1]).strip())
        elif key == "reported" and len(row) >= 3 and isinstance(row[2], (int, float)):
            raw.reported[str(row[1]).strip()] = int(row[2])
        elif key == "cell" and len(row) >= 3:
            parsed = _parse_address(str(row[2]))
            if parsed:
                cells[str(row[1]).strip()] = parsed[1]
        elif key:
            value = row[1]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            raw.identity[key] = str(value).strip()
    if raw.identity.get("form_id"):
        raw.identity_sources.append("sheet")
    return cells


def _read_stamp_line(raw: RawReturn) -> None:
    for row in raw.grid[:12]:
        for value in row:
            if isinstance(value, str) and value.startswith(STAMP_PREFIX):
                m = _STAMP_RE.match(value.strip())
                if not m:
                    continue
                code = m.group(3).strip()
                if code.endswith(SUMMARY_MARK):
                    code = code[: -len(SUMMARY_MARK)].strip()
                    raw.identity.setdefault("kind", "summary")
                raw.identity.setdefault("form_id", m.group(1))
                raw.identity.setdefault("form_version", m.group(2))
                if code and not code.startswith("("):
                    raw.identity.setdefault("unit_code", code)
                raw.identity_sources.append("stamp")
                return


@functools.lru_cache(maxsize=4096)
def position(address: str) -> tuple[int, int]:
    """'C14' → (13, 2): zero-based row and column; (-1, -1) for anything else."""
    m = re.match(r"^([A-Z]{1,3})([0-9]+)$", address)
    if not m:
        return -1, -1
    col = 0
    for ch in m.group(1):
        col = col * 26 + (ord(ch) - 64)
    return int(m.group(2)) - 1, col - 1


def cell_value(raw: RawReturn, address: str) -> CellValue:
    """The value at an A1 address of the form sheet ('' when empty or outside the data)."""
    row, col = position(address)
    grid = raw.grid
    if 0 <= row < len(grid) and 0 <= col < len(grid[row]):
        return grid[row][col]
    return ""
