"""Small parsers of workbook parts: addresses, defined names, properties, fonts, formulas.

Each takes bytes or rows and returns plain data; none opens a file.
"""

from __future__ import annotations

import contextlib
import functools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from htsd_cli.campaign.layout import column_letter

if TYPE_CHECKING:
    from htsd_cli.reading.view import Grid

MAX_ROWS_READ = 400  # rows of the form sheet read: the form has about 70


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


def address(row: int, col: int) -> str:
    """(13, 2) → 'C14'."""
    return f"{column_letter(col)}{row + 1}"


_REF_RE = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _char(m: re.Match[str]) -> str:
    ref = m.group(1)
    if ref in _ENTITIES:
        return _ENTITIES[ref]
    try:
        return chr(int(ref[2:], 16) if ref[1] == "x" else int(ref[1:]))
    except (ValueError, OverflowError):
        return m.group(0)


@functools.lru_cache(maxsize=8192)
def xml_unescape(b: bytes) -> str:
    """Text of an XML attribute or element: the five entities and numeric character references,
    in one pass (so '&amp;#225;' stays '&#225;')."""
    text = b.decode("utf-8", "replace")
    return _REF_RE.sub(_char, text) if "&" in text else text


_ADDR_RE = re.compile(r"^(?:\$?'?(.*?)'?[!.])?\$?([A-Z]{1,3})\$?([0-9]{1,7})$")


@functools.lru_cache(maxsize=8192)
def parse_address(text: str) -> tuple[str, str] | None:
    """ "'Báo cáo'!$C$14" or "$'Báo cáo'.$C$14" → ('Báo cáo', 'C14'); None for anything else."""
    m = _ADDR_RE.match(text.strip())
    if not m:
        return None
    sheet = (m.group(1) or "").replace("''", "'").lstrip("$")
    return sheet, f"{m.group(2)}{m.group(3)}"


@functools.lru_cache(maxsize=16)
def sheet_part_names(workbook_xml: bytes, rels_xml: bytes) -> Mapping[str, str]:
    """Sheet title → part name, from xl/workbook.xml and its relationships (read once for the
    returns of one template, which share both parts; read-only for that reason)."""
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
    return MappingProxyType(out)


# --- defined names and custom properties -------------------------------------------------------------

_CUSTOM_XLSX_RE = re.compile(
    rb'<property[^>]*name="htsd_([a-z_]+)"[^>]*>\s*<vt:lpwstr>([^<]*)</vt:lpwstr>'
)
_CUSTOM_ODS_RE = re.compile(rb'<meta:user-defined meta:name="htsd_([a-z_]+)"[^>]*>([^<]*)<')
_NAMES_XLSX_RE = re.compile(
    rb'<definedName ([^>]*?)\bname="([A-Za-z_][A-Za-z0-9_]*)"([^>]*)>([^<]*)<'
)
_NAMES_ODS_RE = re.compile(
    rb'<table:named-range table:name="([A-Za-z_][A-Za-z0-9_]*)"[^>]*'
    rb'table:cell-range-address="([^"]*)"'
)


@dataclass(frozen=True)
class NamedCell:
    """Where a defined name points: a sheet and an A1 address, or nowhere (#REF!)."""

    sheet: str
    cell: str

    @property
    def removed(self) -> bool:
        return not self.cell


def defined_names(fmt: str, workbook_xml: bytes) -> Mapping[str, NamedCell]:
    """Workbook-level defined names (xlsx: xl/workbook.xml; ods: content.xml)."""
    if fmt == "xlsx":
        return _xlsx_names(workbook_xml)
    return {
        name.decode(): _named(xml_unescape(ref))
        for name, ref in _NAMES_ODS_RE.findall(workbook_xml)
    }


@functools.lru_cache(maxsize=16)
def _xlsx_names(workbook_xml: bytes) -> Mapping[str, NamedCell]:
    """The names of an xl/workbook.xml, read once for all the returns of one template (they
    share the part byte for byte), and read-only for that reason."""
    out: dict[str, NamedCell] = {}
    for before, name, after, ref in _NAMES_XLSX_RE.findall(workbook_xml):
        if b"localSheetId" in before + after:
            continue  # print areas and other names that belong to one sheet
        out[name.decode()] = _named(xml_unescape(ref))
    return MappingProxyType(out)


def _named(ref: str) -> NamedCell:
    parsed = parse_address(ref)
    return NamedCell(*parsed) if parsed else NamedCell("", "")


def custom_properties(fmt: str, xml: bytes) -> dict[str, str]:
    """htsd's custom document properties (docProps/custom.xml or meta.xml), without 'htsd_'."""
    pattern = _CUSTOM_XLSX_RE if fmt == "xlsx" else _CUSTOM_ODS_RE
    props = {key.decode(): xml_unescape(value) for key, value in pattern.findall(xml)}
    return {k: "" if v == "-" else v for k, v in props.items()}


# --- the hidden identity sheet -----------------------------------------------------------------------


@dataclass(frozen=True)
class IdSheet:
    """What the hidden identity sheet holds: identity keys, the cell map, and for an office's
    summary the unit codes it covers and how many units reported each figure."""

    identity: dict[str, str] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)
    covers: tuple[str, ...] = ()
    reported: dict[str, int] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)


def id_sheet_from_rows(rows: Grid) -> IdSheet:
    if not rows or not rows[0] or str(rows[0][0]).strip() != "htsd":
        return IdSheet()
    identity: dict[str, str] = {}
    cells: dict[str, str] = {}
    covers: list[str] = []
    reported: dict[str, int] = {}
    expected: dict[str, int] = {}
    for row in rows[1:]:
        if len(row) < 2:
            continue
        key = str(row[0]).strip()
        if key == "covers":
            covers.append(str(row[1]).strip())
        elif key in ("reported", "expected") and len(row) >= 3 and isinstance(row[2], (int, float)):
            (reported if key == "reported" else expected)[str(row[1]).strip()] = int(row[2])
        elif key == "cell" and len(row) >= 3:
            parsed = parse_address(str(row[2]))
            if parsed:
                cells[str(row[1]).strip()] = parsed[1]
        elif key:
            value = row[1]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            identity[key] = str(value).strip()
    return IdSheet(identity, cells, tuple(covers), reported, expected)


# --- formulas without a value and error values (xlsx and ods) --------------------------------------

_XLSX_FORMULA_RE = re.compile(rb"<f(?: [^>]*)?>([^<]*)</f>")
# Cells that hold a formula (written before or after a cached value) or an error value: one
# pass over the sheet in C, and only the cells asked about are parsed further.
_XLSX_FORMULA_CELL_RE = re.compile(
    rb'<c r="([A-Z]+[0-9]+)"(?:[^>]*t="e"|[^>]*>(?:<v>[^<]*</v>)?<f[ >/])'
)


def xlsx_formula_cells(xml: bytes) -> frozenset[str]:
    """A1 addresses of the cells of a sheet that hold a formula or an error value."""
    if b"<f" not in xml and b't="e"' not in xml:
        return frozenset()
    # decoded at once (a template has a formula in most rows): addresses are ASCII, no spaces
    return frozenset(b" ".join(_XLSX_FORMULA_CELL_RE.findall(xml)).decode().split())


def xlsx_cell(xml: bytes, ref: str) -> tuple[bytes, bytes] | None:
    """(attributes, content) of the cell element at `ref` in a sheet's XML, None without one."""
    start = xml.find(b'<c r="' + ref.encode() + b'"')
    if start < 0:
        return None
    end = xml.find(b">", start)
    if end < 0:
        return None
    attrs = xml[start + len(ref) + 7 : end]
    if attrs.endswith(b"/"):
        return attrs[:-1], b""
    close = xml.find(b"</c>", end)
    return (attrs, xml[end + 1 : close]) if close >= 0 else None


def xlsx_formula(attrs: bytes, body: bytes) -> tuple[str, str] | None:
    """(problem, formula) of one cell: the problem is 'no-value' (a formula never calculated),
    its error text (#DIV/0!…) or '' (a sound formula); the formula is its text without '='
    ('' for a shared formula's followers). None for a cell with neither."""
    formula = _XLSX_FORMULA_RE.search(body)
    text = xml_unescape(formula.group(1)) if formula else ""
    if b't="e"' in attrs:
        v = re.search(rb"<v>([^<]*)</v>", body)
        return (xml_unescape(v.group(1)) if v else "#ERROR", text)
    if b"<f" in body:
        valued = re.search(rb"<v(?: [^>]*)?>[^<]+</v>", body)
        return ("" if valued else "no-value", text)
    return None


def ods_formulas(xml: bytes, sheet: str) -> dict[str, tuple[str, str]]:
    """A1 → (problem, formula), as `xlsx_formula` gives them, for every cell of a sheet of an
    OpenDocument spreadsheet with a formula or an error value."""
    if b'calcext:value-type="error"' not in xml and b"table:formula" not in xml:
        return {}
    t = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    o = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
    c = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
    out: dict[str, tuple[str, str]] = {}
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return {}
    for _, row, col, cell in _ods_cells(root, sheet):
        formula = cell.get(f"{t}formula")
        if formula is not None:
            ref = f"{column_letter(col)}{row}"
            text = formula.split(":", 1)[1] if formula.startswith("of:") else formula
            text = text[1:] if text.startswith("=") else text
            if cell.get(f"{c}value-type") == "error":
                out[ref] = ("".join(cell.itertext()) or "#ERROR", text)
            elif cell.get(f"{o}value-type") is None:
                out[ref] = ("no-value", text)
            else:
                out[ref] = ("", text)
    return out


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _ods_cells(root: ET.Element, sheet: str) -> Iterator[tuple[ET.Element, int, int, ET.Element]]:
    """(table, row from 1, column from 0, cell) for the cells of sheet `sheet` of an OpenDocument
    spreadsheet, within the rows and columns read: repeated rows and cells counted as such."""
    t = _ODS_TABLE
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
                if col < 64 and row <= MAX_ROWS_READ:
                    yield table, row, col, cell
                col += int(cell.get(f"{t}number-columns-repeated", "1"))
            row += reps - 1
            if row > MAX_ROWS_READ:
                break


# --- cell fonts (xlsx) -------------------------------------------------------------------------------

_FONT_BLOCK_RE = re.compile(rb"<fonts[^>]*>(.*?)</fonts>", re.S)
_FONT_RE = re.compile(rb"<font>(.*?)</font>|<font/>", re.S)
_FONT_NAME_RE = re.compile(rb'<name val="([^"]*)"')
_XFS_RE = re.compile(rb"<cellXfs[^>]*>(.*?)</cellXfs>", re.S)
_XF_FONT_RE = re.compile(rb"<xf [^>]*?fontId=\"(\d+)\"|<xf (?![^>]*fontId)[^>]*>")


def xlsx_style_fonts(styles: bytes) -> list[str]:
    """Cell style index → font name, from styles.xml."""
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
    return [fonts[i] if i < len(fonts) else "" for i in xf_fonts]


_STYLE_ATTR_RE = re.compile(rb' s="(\d+)"')


def xlsx_cell_font(style_fonts: Sequence[str], attrs: bytes) -> str | None:
    """The font of a cell, from its attributes and `xlsx_style_fonts`."""
    style = _STYLE_ATTR_RE.search(attrs)
    index = int(style.group(1)) if style else 0
    return style_fonts[index] or None if index < len(style_fonts) else None


# --- how a cell looks: strikethrough and number formats (xlsx, ods) ---------------------------------

DATE, TIME, PERCENT = "date", "time", "percent"


@dataclass(frozen=True)
class CellLook:
    """What a cell's formatting says about its value, beyond what the reader gives: a value struck
    through (the cell's font, or some runs of its text), and a number shown as a date, a time or
    a percentage."""

    struck: bool = False  # the cell's font strikes through whatever it holds
    runs: tuple[
        tuple[str, bool | None], ...
    ] = ()  # rich text: (text, struck; None: the cell's font)
    shows_as: str = ""  # DATE, TIME or PERCENT: what the cell's number format makes of a number
    format_code: str = ""  # that format's code (xlsx), to show the number as the unit saw it
    shown: str = ""  # the text the spreadsheet program showed (ods keeps it beside the value)

    def __bool__(self) -> bool:
        """Whether anything about the cell's look bears on its value."""
        return self.struck or bool(self.runs) or bool(self.shows_as)

    @property
    def struck_parts(self) -> tuple[str, ...]:
        """The struck pieces of the text, in order."""
        return tuple(t for t, s in self.runs if (self.struck if s is None else s) and t.strip())

    @property
    def kept(self) -> str:
        """The text left once the struck runs are taken out."""
        return "".join(t for t, s in self.runs if not (self.struck if s is None else s))


NO_LOOK = CellLook()

# Excel's built-in number formats that show a number as a percentage, a date or a time.
BUILTIN_FORMATS = {
    9: (PERCENT, "0%"), 10: (PERCENT, "0.00%"),
    14: (DATE, "dd/mm/yyyy"), 15: (DATE, "d-mmm-yy"), 16: (DATE, "d-mmm"), 17: (DATE, "mmm-yy"),
    18: (TIME, "h:mm AM/PM"), 19: (TIME, "h:mm:ss AM/PM"), 20: (TIME, "h:mm"),
    21: (TIME, "h:mm:ss"), 22: (DATE, "dd/mm/yyyy h:mm"), 45: (TIME, "mm:ss"),
    46: (TIME, "[h]:mm:ss"), 47: (TIME, "mm:ss.0"),
    **{n: (DATE, "") for n in (*range(27, 37), *range(50, 59))},  # East Asian dates
}  # fmt: skip
_QUOTED_RE = re.compile(r'"[^"]*"|\\.|_.|\*.')
_BRACKET_RE = re.compile(r"\[([^\]]*)\]")


def format_kind(code: str) -> str:
    """DATE, TIME, PERCENT or '' for a number format code ('mm/dd/yy' → DATE, '0.00%' →
    PERCENT, '#,##0" bài"' → ''), judged on its first section, without its quoted text."""
    section = _QUOTED_RE.sub("", code).split(";", 1)[0]
    elapsed = False
    for inner in _BRACKET_RE.findall(section):
        elapsed = elapsed or inner.lower().strip("hms") == ""
    bare = _BRACKET_RE.sub("", section).lower()
    if "%" in bare:
        return PERCENT
    if "general" in bare:
        return ""
    if "y" in bare or "d" in bare:
        return DATE
    if elapsed or "h" in bare or "s" in bare:
        return TIME
    return DATE if "m" in bare else ""


_FONTS_RE = re.compile(rb"<fonts[^>]*>(.*?)</fonts>", re.S)
_FONT_BODY_RE = re.compile(rb"<font>(.*?)</font>|<font/>", re.S)
_STRIKE_ON_RE = re.compile(rb'<strike(?: val="(?:1|true|on)")?\s*/>')
_NUM_FMT_RE = re.compile(rb'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"')
_XF_TAG_RE = re.compile(rb"<xf\b[^>]*>")
_FONT_ID_RE = re.compile(rb'\bfontId="(\d+)"')
_NUM_FMT_ID_RE = re.compile(rb'\bnumFmtId="(\d+)"')


@functools.lru_cache(maxsize=16)
def xlsx_style_looks(styles: bytes) -> tuple[CellLook, ...]:
    """Cell style index → how its font and number format show a value (read once for the returns
    of one template, which share styles.xml byte for byte)."""
    block = _FONTS_RE.search(styles)
    struck_fonts = [
        bool(_STRIKE_ON_RE.search(m.group(1) or b""))
        for m in _FONT_BODY_RE.finditer(block.group(1) if block else b"")
    ]
    codes = {int(i): xml_unescape(c) for i, c in _NUM_FMT_RE.findall(styles)}
    xfs = _XFS_RE.search(styles)
    looks: list[CellLook] = []
    for tag in _XF_TAG_RE.findall(xfs.group(1) if xfs else b""):
        font = _FONT_ID_RE.search(tag)
        fmt = _NUM_FMT_ID_RE.search(tag)
        font_id = int(font.group(1)) if font else 0
        fmt_id = int(fmt.group(1)) if fmt else 0
        struck = font_id < len(struck_fonts) and struck_fonts[font_id]
        if fmt_id in codes:
            kind, code = format_kind(codes[fmt_id]), codes[fmt_id]
        else:
            kind, code = BUILTIN_FORMATS.get(fmt_id, ("", ""))
        looks.append(CellLook(struck, shows_as=kind, format_code=code if kind else ""))
    return tuple(looks)


def xlsx_look(style_looks: Sequence[CellLook], attrs: bytes, body: bytes,
              struck_strings: Mapping[int, tuple[tuple[str, bool | None], ...]]) -> CellLook:  # fmt: skip
    """How one cell looks, from its attributes and content in the sheet's XML, the workbook's
    `xlsx_style_looks` and `xlsx_struck_strings`."""
    style = _STYLE_ATTR_RE.search(attrs)
    index = int(style.group(1)) if style else 0
    look = style_looks[index] if index < len(style_looks) else NO_LOOK
    runs: tuple[tuple[str, bool | None], ...] = ()
    if b't="s"' in attrs and struck_strings:
        v = re.search(rb"<v>\s*(\d+)\s*</v>", body)
        runs = struck_strings.get(int(v.group(1)), ()) if v else ()
    elif b't="inlineStr"' in attrs and b"<strike" in body:
        runs = rich_runs(body)
    if not runs:
        return look
    return CellLook(look.struck, runs, look.shows_as, look.format_code)


_SI_RE = re.compile(rb"<si>(.*?)</si>|<si/>", re.S)
_RUN_RE = re.compile(rb"<r>(.*?)</r>", re.S)
_TEXT_RE = re.compile(rb"<t(?: [^>]*)?>([^<]*)</t>")
_PHONETIC_RE = re.compile(rb"<rPh\b.*?</rPh>", re.S)


def rich_runs(body: bytes) -> tuple[tuple[str, bool | None], ...]:
    """The runs of a rich text (a shared string's <si> or an inline <is>): (text, struck), with
    None for a run that takes the cell's own font."""
    body = _PHONETIC_RE.sub(b"", body)
    runs: list[tuple[str, bool | None]] = []
    for m in _RUN_RE.finditer(body):
        run = m.group(1)
        props = run.split(b"</rPr>", 1)[0] if b"<rPr>" in run else None
        text = "".join(xml_unescape(t) for t in _TEXT_RE.findall(run))
        runs.append((text, bool(_STRIKE_ON_RE.search(props)) if props is not None else None))
    if not runs:  # a plain string: one run in the cell's font
        runs.append(("".join(xml_unescape(t) for t in _TEXT_RE.findall(body)), None))
    return tuple(runs)


def xlsx_struck_strings(sst: bytes) -> dict[int, tuple[tuple[str, bool | None], ...]]:
    """Shared string index → its runs, for the strings with a struck run ({} at once when no
    string has one: the usual case)."""
    if b"<strike" not in sst:
        return {}
    out: dict[int, tuple[tuple[str, bool | None], ...]] = {}
    for index, m in enumerate(_SI_RE.finditer(sst)):
        body = m.group(1) or b""
        if b"<strike" in body:
            runs = rich_runs(body)
            if any(struck for _, struck in runs):
                out[index] = runs
    return out


_ODS_SHOWN_TYPES = {"date": DATE, "time": TIME, "percentage": PERCENT}


def _ods_special(xml: bytes) -> bool:
    """Whether an OpenDocument part may strike something through or show a date, a time or a
    percentage: looked for in its styles, before the body (a few kilobytes), with a count in C
    (LibreOffice writes a line-through of "none" in many styles); a percentage also in the body."""
    body = xml.find(b"<office:body")
    head = xml[:body] if body >= 0 else xml
    for attr in (b'line-through-style="', b'line-through-type="'):
        if head.count(attr) > head.count(attr + b'none"'):
            return True
    if any(b"<number:" + kind + b"-style" in head for kind in (b"date", b"time", b"percentage")):
        return True
    return b'office:value-type="percentage"' in xml


def ods_looks(content: bytes, styles: bytes, sheet: str) -> dict[str, CellLook]:
    """A1 → how the cell looks, for the cells of a sheet of an OpenDocument spreadsheet that are
    struck through (whole or in part) or hold a date, a time or a percentage. Nothing is parsed
    when the document has none of these."""
    if not _ods_special(content):
        return {}
    t = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    o = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
    tx = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
    try:
        root = ET.fromstring(content)
    except ET.ParseError:
        return {}
    struck = _ods_struck_styles(root, styles)
    out: dict[str, CellLook] = {}
    columns: dict[ET.Element, list[str]] = {}  # a table's columns' default cell styles
    for table, row, col, cell in _ods_cells(root, sheet):
        if not len(cell):
            continue  # nothing in it
        if table not in columns:
            columns[table] = []
            for column in table.iter(f"{t}table-column"):
                repeat = min(int(column.get(f"{t}number-columns-repeated", "1")), 64)
                columns[table].extend([column.get(f"{t}default-cell-style-name", "")] * repeat)
        own = columns[table]
        style = cell.get(f"{t}style-name") or (own[col] if col < len(own) else "")
        look = _ods_look(cell, style in struck, struck, o, tx)
        if look:
            out[f"{column_letter(col)}{row}"] = look
    return out


def _ods_look(cell: ET.Element, struck: bool, struck_styles: set[str], o: str, tx: str) -> CellLook:
    shows_as = _ODS_SHOWN_TYPES.get(cell.get(f"{o}value-type", ""), "")
    runs: list[tuple[str, bool | None]] = []
    for n, para in enumerate(cell.iter(f"{tx}p")):
        if n:
            runs.append(("\n", None))
        runs.extend(_ods_runs(para, None, struck_styles, tx))
    some_struck = any(s for _, s in runs)
    if not struck and not some_struck and not shows_as:
        return NO_LOOK
    shown = "".join(text for text, _ in runs)
    return CellLook(struck, tuple(runs) if some_struck else (), shows_as, "", shown)


def _ods_runs(el: ET.Element, inherited: bool | None, struck_styles: set[str], tx: str
              ) -> list[tuple[str, bool | None]]:  # fmt: skip
    """The text of a paragraph or span as runs; a span's style strikes or not, else inherits."""
    runs: list[tuple[str, bool | None]] = []
    if el.text:
        runs.append((el.text, inherited))
    for child in el:
        if child.tag == f"{tx}span":
            name = child.get(f"{tx}style-name", "")
            runs.extend(
                _ods_runs(child, True if name in struck_styles else inherited, struck_styles, tx)
            )
        elif child.tag == f"{tx}s":
            runs.append((" " * int(child.get(f"{tx}c", "1")), inherited))
        elif child.tag in (f"{tx}tab", f"{tx}line-break"):
            runs.append((" ", inherited))
        else:
            runs.extend(_ods_runs(child, inherited, struck_styles, tx))
        if child.tail:
            runs.append((child.tail, inherited))
    return runs


def _ods_struck_styles(root: ET.Element, styles: bytes) -> set[str]:
    """Names of the cell and text styles that strike text through, following each style's
    parents (automatic styles in content.xml, named ones in styles.xml)."""
    st = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
    parents: dict[str, str] = {}
    own: dict[str, bool] = {}
    trees = [root]
    if _ods_special(styles):
        with contextlib.suppress(ET.ParseError):
            trees.append(ET.fromstring(styles))
    for tree in trees:
        for style in tree.iter(f"{st}style"):
            name = style.get(f"{st}name", "")
            parents[name] = style.get(f"{st}parent-style-name", "")
            props = style.find(f"{st}text-properties")
            if props is not None:
                line = props.get(f"{st}text-line-through-style") or props.get(
                    f"{st}text-line-through-type"
                )
                if line is not None:
                    own[name] = line != "none"

    def strikes(name: str, depth: int = 0) -> bool:
        if name in own or not name or depth > 10:
            return own.get(name, False)
        return strikes(parents.get(name, ""), depth + 1)

    return {name for name in parents if strikes(name)}
