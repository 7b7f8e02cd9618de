"""The roster: the units expected to report (CSV as Excel saves it, or an XLSX sheet)."""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass, field
from pathlib import Path

from htsd_cli.errors import RosterError, read_reason
from htsd_cli.form import Form
from htsd_cli.textnorm import fold, nfc, slug

# Canonical column → accepted headers (compared after folding accents and case).
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("ma_don_vi", "ma don vi", "ma", "code", "unit_code"),
    "name": ("ten_don_vi", "ten don vi", "ten", "name", "unit_name"),
    "unit_type": ("loai_don_vi", "loai don vi", "loai", "type", "unit_type"),
    "group": ("nhom", "group", "phuong", "xa", "phuong/xa"),
}
COLUMN_TITLES = {
    "code": "ma_don_vi",
    "name": "ten_don_vi",
    "unit_type": "loai_don_vi",
    "group": "nhom",
}


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    unit_type: str
    unit_type_label: str
    group: str
    row: int = 0

    @property
    def file_stem(self) -> str:
        """The name htsd gives this unit's issued workbook, without '.xlsx'."""
        return f"{slug(self.code, 20)}-{slug(self.name)}"


@dataclass(frozen=True)
class Roster:
    units: tuple[Unit, ...]
    source: Path
    _index: dict[str, Unit] = field(default_factory=dict, compare=False, repr=False)
    _stems: dict[str, list[Unit]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update((normalise_code(u.code), u) for u in self.units)

    def find(self, code: str) -> Unit | None:
        return self._index.get(normalise_code(code))

    def issued_to(self, file_name: str) -> Unit | None:
        """The unit whose issued workbook this file's name is (renamed copies like
        'mn03-…(1).xlsx' or 'mn03-…-can-sua.xlsx' included)."""
        if not self._stems:
            for unit in self.units:
                self._stems.setdefault(slug(unit.code, 20), []).append(unit)
        stem = slug(file_name.rsplit(".", 1)[0], 200)
        best: Unit | None = None
        cut = stem.find("-")
        while cut > 0:  # each way to read the name as "<code>-<rest>"
            for unit in self._stems.get(stem[:cut], ()):
                own = unit.file_stem
                if (stem == own or stem.startswith(own + "-")) and (
                    best is None or len(own) > len(best.file_stem)
                ):
                    best = unit
            cut = stem.find("-", cut + 1)
        return best

    def named_in(self, file_name: str) -> Unit | None:
        """The unit a file's name points to: its issued name, else a unit code as the name's
        first word ('THCS05 bao cao (lan 2).xlsx'), when exactly one unit has that code."""
        issued = self.issued_to(file_name)
        if issued is not None:
            return issued
        first = slug(file_name.rsplit(".", 1)[0], 200).split("-")[0]
        found = [u for u in self.units if slug(u.code, 20) == first]
        return found[0] if len(found) == 1 else None


# Abbreviations people use in unit names, as folded words.
_NAME_WORDS = {
    "mn": "mam non", "th": "tieu hoc", "thcs": "trung hoc co so", "thpt": "trung hoc pho thong",
    "ubnd": "uy ban nhan dan", "tt": "trung tam", "tthtcd": "trung tam hoc tap cong dong",
    "htcd": "hoc tap cong dong", "p": "phuong", "x": "xa", "q": "quan", "gd": "giao duc",
    "gddt": "giao duc va dao tao", "gd&dt": "giao duc va dao tao", "vh": "van hoa",
    "tdtt": "the duc the thao", "vhtt": "van hoa thong tin", "gdnn": "giao duc nghe nghiep",
    "gdtx": "giao duc thuong xuyen",
}  # fmt: skip


@functools.lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """A unit's name as compared: 'Trường MN Cát Bi' and 'trường mầm non cát bi' agree."""
    words = fold(name).replace(".", " ").replace(",", " ").replace("-", " ").split()
    expanded = " ".join(_NAME_WORDS.get(w, w) for w in words).split()
    if expanded[:1] == ["truong"]:
        expanded = expanded[1:]
    return " ".join(expanded)


@functools.lru_cache(maxsize=65536)
def normalise_code(code: str) -> str:
    return fold(code).replace(" ", "").upper()


def load_roster(path: Path, form: Form) -> Roster:
    """Read and check a roster. Raises RosterError naming the row and column of every mistake."""
    if not path.is_file():
        raise RosterError(f"Không tìm thấy danh sách đơn vị {path}.")
    suffix = path.suffix.lower()
    rows = (
        _read_sheet(path) if suffix in (".xlsx", ".xlsm", ".xls", ".ods") else read_csv_rows(path)
    )
    return _build(rows, path, form)


def read_csv_rows(path: Path) -> list[list[str]]:
    """Rows of a CSV as Excel saves it: UTF-8 with or without BOM, ',' ';' or tab separated."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RosterError(f"Không đọc được {path}: {read_reason(exc)}.") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(
            f"{path}: tệp không ở dạng UTF-8. Trong Excel hãy lưu bằng 'CSV UTF-8 (Comma delimited)'."
        ) from None
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text), dialect)]


def _read_sheet(path: Path) -> list[list[str]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        with CalamineWorkbook.from_path(str(path)) as wb:
            data = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError) as exc:
        raise RosterError(
            f"Không mở được danh sách đơn vị {path}: tệp hỏng hoặc không phải bảng tính."
        ) from exc
    out: list[list[str]] = []
    for row in data:
        cells = []
        for value in row:
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            cells.append("" if value is None else str(value))
        out.append(cells)
    return out


def _build(rows: list[list[str]], path: Path, form: Form) -> Roster:
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise RosterError(f"{path}: danh sách đơn vị trống.")
    header = [fold(h).replace("-", "_") for h in rows[0]]
    positions: dict[str, int] = {}
    for key, aliases in COLUMNS.items():
        for i, h in enumerate(header):
            if h in aliases or h.replace("_", " ") in aliases:
                positions[key] = i
                break
    missing = [COLUMN_TITLES[k] for k in COLUMNS if k not in positions]
    if missing:
        raise RosterError(
            f"{path}, dòng 1: thiếu cột {', '.join(missing)}. "
            f"Dòng đầu phải có các cột: {', '.join(COLUMN_TITLES.values())}."
        )
    problems: list[str] = []
    units: list[Unit] = []
    seen: dict[str, int] = {}
    known_types = ", ".join(t.code for t in form.unit_types)
    for number, row in enumerate(rows[1:], start=2):

        def cell(key: str, row: list[str] = row) -> str:
            i = positions[key]
            return nfc(row[i].strip()) if i < len(row) else ""

        code, name, type_text, group = cell("code"), cell("name"), cell("unit_type"), cell("group")
        where = f"{path}, dòng {number}"
        if not code:
            problems.append(f"{where}, cột {COLUMN_TITLES['code']}: mã đơn vị để trống")
        elif normalise_code(code) in seen:
            problems.append(
                f"{where}, cột {COLUMN_TITLES['code']}: mã '{code}' trùng với dòng "
                f"{seen[normalise_code(code)]}"
            )
        else:
            seen[normalise_code(code)] = number
        if not name:
            problems.append(f"{where}, cột {COLUMN_TITLES['name']}: tên đơn vị để trống")
        unit_type = form.unit_type(type_text) if type_text else None
        if unit_type is None:
            what = f"loại '{type_text}' không có" if type_text else "loại đơn vị để trống"
            problems.append(
                f"{where}, cột {COLUMN_TITLES['unit_type']}: {what}; dùng một trong: {known_types}"
            )
        if code and name and unit_type:
            units.append(Unit(code, name, unit_type.code, unit_type.label, group, number))
    if problems:
        shown = problems[:50]
        more = f"\n… và {len(problems) - 50} lỗi nữa." if len(problems) > 50 else ""
        raise RosterError("Danh sách đơn vị có lỗi:\n" + "\n".join(shown) + more)
    return Roster(tuple(units), path)
