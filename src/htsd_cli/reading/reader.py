"""Opening a returned workbook: guard it, open it with python-calamine, and give a read-only view.

Everything here runs inside a worker process (see `isolate.py`) because a hostile file can make
the underlying reader abort the whole process. The guard catches the common cases first so the
user gets a precise message: not a workbook, encrypted, zip bomb, XML entities, absurd sheets.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Container, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from htsd_cli.base.findings import Code
from htsd_cli.campaign.layout import FORM_SHEET, GUIDE_SHEET, ID_SHEET
from htsd_cli.reading.biff import xls_looks
from htsd_cli.reading.guard import (
    ENCRYPTED,
    MAX_ROWS,
    MAX_SHEETS,
    NOT_WORKBOOK,
    RESEND,
    Package,
    Unreadable,
    check_ole,
    check_sheet_content,
    classify_zip,
    count_sheets,
    declared_within_limits,
    read_bytes_guarded,
    sniff,
)
from htsd_cli.reading.parts import (
    MAX_ROWS_READ,
    NO_LOOK,
    CellLook,
    IdSheet,
    NamedCell,
    custom_properties,
    defined_names,
    id_sheet_from_rows,
    ods_formulas,
    ods_looks,
    xlsx_cell,
    xlsx_cell_font,
    xlsx_formula,
    xlsx_formula_cells,
    xlsx_look,
    xlsx_struck_strings,
    xlsx_style_fonts,
    xlsx_style_looks,
)
from htsd_cli.reading.view import Grid, SheetView

if TYPE_CHECKING:
    from python_calamine import CalamineWorkbook

# How well a grid looks like the form: used to find a renamed form sheet among others.
SheetScore = Callable[[Grid], int]
# Whether a grid carries the form (its stamp, or most of its labels): a second copy of it.
CarriesForm = Callable[[Grid], bool]
FURTHER_SHEETS = 10  # sheets looked at besides the form sheet (as many as are scored)
_DECLARED_ROWS_RE = re.compile(rb'<dimension ref="[A-Z]*[0-9]*:?[A-Z]{1,3}([0-9]{1,7})"')


def calamine_errors() -> tuple[type[BaseException], ...]:
    from python_calamine import CalamineError

    return (CalamineError, ValueError, OSError, EOFError, IndexError, OverflowError)


# What a reader's (English) error means, in the words a clerk can pass on to a unit. The
# library's own text never reaches the user: it names parts and attributes nobody has seen.
_REASONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("cannot detect file format",), "không nhận ra đây là loại bảng tính nào"),
    (("boolean",), "một ô kiểu Đúng/Sai mang giá trị không hợp lệ"),
    (("cell 't' attribute", "unknown cell"), "một ô được ghi với kiểu dữ liệu không hợp lệ"),
    (("formula",), "một công thức trong tệp bị hỏng"),
    (("cannot find", "worksheetnotfound", "expecting a worksheet"),
     "tệp khai báo một trang tính nhưng trang đó không có trong tệp"),
    (("zip", "inflate", "invalid block", "invalid code", "invalid distance", "invalid stored",
      "invalid window", "compression", "checksum", "central header"),
     "phần nén bên trong tệp bị hỏng"),
    (("utf-8", "decode", "encoding"), "chữ trong tệp không đúng bảng mã"),
    (("xml", "not closed", "unexpected end", "markup", "attribute", "namespace", "tag"),
     "nội dung bên trong tệp bị cắt cụt hoặc sai cấu trúc"),
)  # fmt: skip


def short_reason(exc: BaseException) -> str:
    """What went wrong, in Vietnamese words (never the reader's English text)."""
    text = f"{exc.__class__.__name__} {exc}".casefold()
    for needles, reason in _REASONS:
        if any(n in text for n in needles):
            return reason
    return "cấu trúc bên trong tệp không đúng chuẩn"


class WorkbookView(SheetView):
    """A view backed by an open calamine workbook and the guarded zip package."""

    def __init__(
        self, path: str, fmt: str, sheet: str, grid: Grid,
        sheet_names: tuple[str, ...], wb: CalamineWorkbook | None, pkg: Package | None,
    ) -> None:  # fmt: skip
        super().__init__(path, fmt, sheet, grid, sheet_names)
        self._wb: CalamineWorkbook | None = wb  # None once closed
        self._pkg = pkg
        self._formula_cells: frozenset[str] | None = None
        self._style_fonts: list[str] | None = None
        self._checked_xml: bytes | None = None
        self._xlsx_looks: _XlsxLooks | None = None
        self._xls_data: bytes | None = None  # an .xls file's bytes: its looks are read from them
        self._owner = True  # closes the workbook; a sibling view of another sheet does not

    def _sheet_xml(self) -> bytes:
        """The form sheet's XML, guarded once (formula and font lookups ask for it per cell)."""
        if self._checked_xml is None:
            if self._pkg is None or self.fmt != "xlsx":
                return b""
            name = self._pkg.sheet_parts.get(self.sheet)
            xml = self._pkg.part(name) if name else b""
            check_sheet_content(xml)
            self._checked_xml = xml
        return self._checked_xml

    def names(self) -> Mapping[str, NamedCell]:
        if self._names is None:
            self._names = {}
            if self._pkg is not None:
                part = "xl/workbook.xml" if self.fmt == "xlsx" else "content.xml"
                with contextlib.suppress(Unreadable):
                    self._names = defined_names(self.fmt, self._pkg.part(part))
        return self._names

    def properties(self) -> Mapping[str, str]:
        if self._properties is None:
            self._properties = {}
            if self._pkg is not None:
                part = "docProps/custom.xml" if self.fmt == "xlsx" else "meta.xml"
                with contextlib.suppress(Unreadable):
                    self._properties = custom_properties(self.fmt, self._pkg.part(part))
        return self._properties

    def id_sheet(self) -> IdSheet:
        if self._id_sheet is None:
            self._id_sheet = IdSheet()
            if ID_SHEET in self.sheet_names and self._wb is not None:
                try:
                    if self._pkg is not None and self.fmt == "xlsx":
                        name = self._pkg.sheet_parts.get(ID_SHEET)
                        check_sheet_content(self._pkg.part(name) if name else b"")
                    # an office's summary lists every unit it covers: a province's thousands,
                    # the country's 70,000 (the guard above bounds what may be there)
                    rows = self._wb.get_sheet_by_name(ID_SHEET).to_python(
                        skip_empty_area=False, nrows=MAX_ROWS
                    )
                    self._id_sheet = id_sheet_from_rows(rows)
                except Unreadable:
                    pass
                except calamine_errors():
                    pass
        return self._id_sheet

    def formula_cells(self) -> Container[str]:
        if self.fmt == "xlsx":  # the cells with a formula in one pass; only these are parsed
            if self._formula_cells is None:
                self._formula_cells = frozenset()
                with contextlib.suppress(Unreadable):
                    self._formula_cells = xlsx_formula_cells(self._sheet_xml())
            return self._formula_cells
        return self._ods_formulas()

    def _ods_formulas(self) -> Mapping[str, tuple[str, str]]:
        if self._formulas is None:
            self._formulas = {}
            if self.fmt == "ods" and self._pkg is not None:
                with contextlib.suppress(Unreadable):
                    self._formulas = ods_formulas(self._pkg.part("content.xml"), self.sheet)
        return self._formulas

    def plain_looks(self) -> bool:
        if self.fmt in ("xls", "ods"):
            return not self._sheet_looks()
        if self._pkg is None or self.fmt != "xlsx":
            return True
        try:
            return not self._xlsx_styles().special
        except Unreadable:
            return True  # `look` gives NO_LOOK when the styles cannot be read

    def _sheet_looks(self) -> Mapping[str, CellLook]:
        """xls and ods: the sheet's struck and date, time or percent cells, read once."""
        if self._looks is None:
            self._looks = {}
            if self.fmt == "xls" and self._xls_data:
                self._looks = xls_looks(self._xls_data, self.sheet)
            elif self.fmt == "ods" and self._pkg is not None:
                with contextlib.suppress(Unreadable, ValueError):  # a number attribute not one
                    content, styles = self._pkg.part("content.xml"), self._pkg.part("styles.xml")
                    self._looks = ods_looks(content, styles, self.sheet)
        return self._looks

    def _xlsx_styles(self) -> _XlsxLooks:
        if self._xlsx_looks is None:
            assert self._pkg is not None
            self._xlsx_looks = _XlsxLooks(self._pkg)
        return self._xlsx_looks

    def _formula(self, ref: str) -> tuple[str, str] | None:
        if self.fmt == "xlsx":
            if ref not in self.formula_cells():
                return None
            with contextlib.suppress(Unreadable):
                cell = xlsx_cell(self._sheet_xml(), ref)
                return xlsx_formula(*cell) if cell else None
            return None
        return self._ods_formulas().get(ref)

    def font_of(self, ref: str) -> str | None:
        """The cell's font, looked up for that cell alone (styles.xml is read once)."""
        if self._pkg is None or self.fmt != "xlsx":
            return None
        with contextlib.suppress(Unreadable):
            if self._style_fonts is None:
                self._style_fonts = xlsx_style_fonts(self._pkg.part("xl/styles.xml"))
            cell = xlsx_cell(self._sheet_xml(), ref)
            return xlsx_cell_font(self._style_fonts, cell[0]) if cell else None
        return None

    def look(self, ref: str, runs: bool = True) -> CellLook:
        """How the cell looks (xlsx: its style and its text's runs, looked up for that cell alone,
        and only when the workbook has a struck font or run, or a date, time or percent format
        at all; ods and xls: the sheet's struck and date, time or percent cells, read once)."""
        if self.fmt in ("xls", "ods"):
            return self._sheet_looks().get(ref, NO_LOOK)
        if self._pkg is None or self.fmt != "xlsx":
            return NO_LOOK
        with contextlib.suppress(Unreadable):
            looks = self._xlsx_styles()
            # a text stored in the cell itself (not among the shared strings) can have struck
            # runs: the sheet is looked at once for any, and only for a text that may have runs
            text = runs and isinstance(self.value(ref), str)
            if not looks.special and not (text and looks.struck_text(self._sheet_xml())):
                return NO_LOOK  # the usual return: nothing in the workbook is struck or a date
            cell = xlsx_cell(self._sheet_xml(), ref)
            return xlsx_look(looks.styles, *cell, looks.strings) if cell else NO_LOOK
        return NO_LOOK

    def further_form_sheets(
        self, carries: CarriesForm, least_rows: int
    ) -> list[tuple[str, Grid | None]]:
        """The other visible sheets that carry the form too (a copy of the form sheet, a sheet
        filled for another unit), each with its values, in the workbook's order; a sheet that
        cannot be read comes with None (the caller says so). Neither the guide sheet of an
        issued workbook nor an xlsx sheet that declares fewer than `least_rows` rows (too few
        to hold the form) is read: most returns have no other sheet, and pay nothing."""
        found: list[tuple[str, Grid | None]] = []
        failures: tuple[type[BaseException], ...] = (Unreadable, *calamine_errors())
        issued = ID_SHEET in self.sheet_names  # then its guide sheet is htsd's own, not read
        wb = self._wb
        assert wb is not None  # asked of an open view
        for name in _visible_sheets(wb)[:FURTHER_SHEETS]:
            if name == self.sheet or (issued and name == GUIDE_SHEET):
                continue
            if self._pkg is not None and self.fmt == "xlsx":
                part = self._pkg.sheet_parts.get(name)
                with contextlib.suppress(Unreadable):
                    head = self._pkg.head(part, 4096) if part else b""
                    declared = _DECLARED_ROWS_RE.search(head)
                    if declared and int(declared.group(1)) < least_rows:
                        continue
            try:
                grid = _grid(self, wb, name)
            except failures:
                found.append((name, None))
                continue
            if carries(grid):
                found.append((name, grid))
        return found

    def sibling(self, sheet: str, grid: Grid) -> WorkbookView:
        """A view of another sheet of the same open workbook (its values `grid`, as
        `further_form_sheets` read them); closing it leaves the workbook open."""
        view = WorkbookView(self.path, self.fmt, sheet, grid, self.sheet_names, self._wb, self._pkg)
        view._owner = False
        view._names, view._properties = self._names, self._properties
        view._xls_data = self._xls_data  # an .xls sheet's looks are read from the same bytes
        return view

    def close(self) -> None:
        if self._wb is not None and self._owner:
            with contextlib.suppress(Exception):
                self._wb.close()
        self._wb = None


class _XlsxLooks:
    """What of an xlsx workbook's styles and strings can make a cell look special."""

    def __init__(self, pkg: Package) -> None:
        self.styles = xlsx_style_looks(pkg.part("xl/styles.xml"))
        self.strings = xlsx_struck_strings(pkg.part("xl/sharedStrings.xml"))
        # a style that strikes or shows a date, or a struck shared string: cells must be looked at
        self.special = bool(self.strings) or any(self.styles)
        self._inline: bool | None = None

    def struck_text(self, sheet_xml: bytes) -> bool:
        """Whether the sheet has a struck run in an inline string (looked for once)."""
        if self._inline is None:
            self._inline = b"<strike" in sheet_xml
        return self._inline


def open_workbook(
    path: Path, score: SheetScore | None = None, data: bytes | None = None
) -> WorkbookView:
    """Open a returned workbook, guard it, and read its form sheet (`data`: its bytes, when the
    caller has read them with `read_bytes_guarded`).

    The form sheet is the sheet named as issued; else the sheet the defined names point to;
    else, among the visible sheets, the one `score` rates best (the first visible one without
    it). Close the view when done. Raises Unreadable.
    """
    if data is None:
        data = read_bytes_guarded(path)
    kind = sniff(data[:4096])
    pkg: Package | None = None
    if kind == "zip":
        pkg = Package(data)
        fmt = classify_zip(pkg)
        sheets = count_sheets(fmt, pkg)
        if sheets > MAX_SHEETS:
            raise Unreadable(
                Code.UNSAFE_FILE,
                f"Tệp có {sheets} trang tính; biểu mẫu chỉ có 3. Hãy gửi đúng tệp biểu mẫu đã phát.",
            )
        # what the reader parses as soon as it opens the workbook goes through the guard first
        opened = ("xl/sharedStrings.xml", "xl/styles.xml", "xl/_rels/workbook.xml.rels")
        for name in opened if fmt == "xlsx" else ("styles.xml", "content.xml"):
            pkg.part(name)
    elif kind == "ole":
        check_ole(data)
        fmt = "xls"
    else:
        resend = "" if kind == "xml2003" else RESEND
        raise Unreadable(Code.UNREADABLE_FILE, NOT_WORKBOOK[kind] + resend)

    from python_calamine import CalamineWorkbook, PasswordError

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        raise Unreadable(Code.ENCRYPTED_FILE, ENCRYPTED) from None
    except calamine_errors() as exc:
        raise Unreadable(
            Code.UNREADABLE_FILE,
            f"Tệp bảng tính bị hỏng, không mở được ({short_reason(exc)})." + RESEND,
        ) from None
    view = WorkbookView(str(path), fmt, "", [], tuple(wb.sheet_names), wb, pkg)
    view._xls_data = data if fmt == "xls" else None
    try:
        view.sheet = _form_sheet(view, wb, score)
        view.grid = _grid(view, wb, view.sheet)
    except PasswordError:
        view.close()
        raise Unreadable(Code.ENCRYPTED_FILE, ENCRYPTED) from None
    except calamine_errors() as exc:
        view.close()
        raise Unreadable(
            Code.UNREADABLE_FILE,
            f"Tệp bảng tính bị hỏng, không đọc được ({short_reason(exc)})." + RESEND,
        ) from None
    except Unreadable:
        view.close()
        raise
    return view


def _visible_sheets(wb: CalamineWorkbook) -> list[str]:
    return [
        str(meta.name)
        for meta in wb.sheets_metadata
        if str(meta.visible).endswith("Visible") and meta.name != ID_SHEET
    ]


def _form_sheet(view: WorkbookView, wb: CalamineWorkbook, score: SheetScore | None) -> str:
    if FORM_SHEET in view.sheet_names:
        return FORM_SHEET
    named = [n.sheet for n in view.names().values() if n.sheet in view.sheet_names]
    if named:
        return max(set(named), key=named.count)
    visible = _visible_sheets(wb) or [str(s) for s in view.sheet_names[:1]]
    if score is None or len(visible) < 2:
        return visible[0] if visible else ""
    best, best_score = visible[0], -1
    for name in visible[:10]:
        points = score(_grid(view, wb, name))
        if points > best_score:
            best, best_score = name, points
    return best


def _grid(view: WorkbookView, wb: CalamineWorkbook, sheet: str) -> Grid:
    if not sheet:
        return []
    if view._pkg is not None and view.fmt == "xlsx":
        name = view._pkg.sheet_parts.get(sheet)
        # the dimension tag comes first: most sheets need no more than a look at it
        if name and not declared_within_limits(view._pkg.head(name, 4096)):
            check_sheet_content(view._pkg.part(name))
    rows: Grid = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=MAX_ROWS_READ)
    return rows
