"""The roster: the units expected to report (CSV as Excel saves it, or an XLSX sheet)."""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from htsd_cli.base.errors import RosterError, read_reason
from htsd_cli.base.textnorm import fold, nfc, slug
from htsd_cli.campaign.form import Form

# Canonical column → accepted headers (compared after folding accents and case).
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("ma_don_vi", "ma don vi", "ma", "code", "unit_code"),
    "name": ("ten_don_vi", "ten don vi", "ten", "name", "unit_name"),
    "unit_type": ("loai_don_vi", "loai don vi", "loai", "type", "unit_type"),
    "group": ("nhom", "group", "phuong", "xa", "phuong/xa"),
}
# Columns a roster may have besides: how to reach the unit, for reminders.
CONTACTS: dict[str, tuple[str, ...]] = {
    "email": ("email", "e_mail", "thu_dien_tu", "thu dien tu"),
    "phone": ("dien_thoai", "dien thoai", "so_dien_thoai", "so dien thoai", "sdt", "phone"),
}
# A unit's code(s) of last year when they changed (several: wards merged), for the comparison
# with last year's summary (yearover.py).
PAST: dict[str, tuple[str, ...]] = {"previous": ("ma_nam_truoc", "ma nam truoc")}
COLUMN_TITLES = {
    "code": "ma_don_vi",
    "name": "ten_don_vi",
    "unit_type": "loai_don_vi",
    "group": "nhom",
}


@dataclass(frozen=True, slots=True)  # no per-unit __dict__: the country's roster has 70,000
class Unit:
    code: str
    name: str
    unit_type: str
    unit_type_label: str
    group: str
    row: int = 0
    email: str = ""
    phone: str = ""
    previous: str = ""  # last year's code(s) of the unit, as typed (comma-separated), if changed

    @property
    def file_stem(self) -> str:
        """The name htsd gives this unit's issued workbook, without '.xlsx' (worked out when
        asked, not kept: a country's roster would hold 70,000 of them)."""
        return f"{slug(self.code, 20)}-{slug(self.name)}"


@dataclass(frozen=True)
class Roster:
    units: tuple[Unit, ...]
    source: Path
    _index: dict[str, Unit] = field(default_factory=dict, compare=False, repr=False)
    _stems: dict[str, tuple[Unit, ...]] = field(default_factory=dict, compare=False, repr=False)
    _issued: dict[str, Unit | None] = field(default_factory=dict, compare=False, repr=False)
    _emails: dict[str, tuple[Unit, ...]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update((normalise_code(u.code), u) for u in self.units)

    def find(self, code: str) -> Unit | None:
        return self._index.get(normalise_code(code))

    def issued_to(self, file_name: str) -> Unit | None:
        """The unit whose issued workbook this file's name is (renamed copies like
        'mn03-…(1).xlsx' or 'mn03-…-can-sua.xlsx' included)."""
        if file_name in self._issued:  # validate, then status, ask for every file
            return self._issued[file_name]
        stem = slug(attached_name(file_name).rsplit(".", 1)[0], 200)
        best: Unit | None = None
        best_length = 0
        cut = stem.find("-")
        while cut > 0:  # each way to read the name as "<code>-<rest>"
            for unit in self._coded(stem[:cut]):
                own = unit.file_stem
                if (stem == own or stem.startswith(own + "-")) and len(own) > best_length:
                    best, best_length = unit, len(own)
            cut = stem.find("-", cut + 1)
        self._issued[file_name] = best
        return best

    def named_in(self, file_name: str) -> Unit | None:
        """The unit a file's name points to: its issued name, else a unit code as the name's
        first word ('THCS05 bao cao (lan 2).xlsx'), when exactly one unit has that code. The
        word is the code as file names write it, else as codes compare ('TH02' is 'TH 02')."""
        issued = self.issued_to(file_name)
        if issued is not None:
            return issued
        given = attached_name(file_name)
        if given != file_name:  # saved by `collect` as '<sender>__<name the unit gave it>'
            return self.named_in(given)
        word = slug(file_name.rsplit(".", 1)[0], 200).split("-")[0]
        found = self._coded(word)
        if not found:
            return self.find(word)
        return found[0] if len(found) == 1 else None

    def _coded(self, word: str) -> tuple[Unit, ...]:
        """The units whose code, as file names write it (`slug`), is `word`. Most codes read
        back to their unit through the code index ('dv0003' is DV0003); only the others
        ('TH 01' written 'th-01') are kept in a table of their own, built once."""
        if not self._stems:
            stems = self._stems
            stems[""] = ()  # built, even if no code needs it
            for member in self.units:
                key = slug(member.code, 20)
                if self.find(key) is not member:
                    stems[key] = (*stems.get(key, ()), member)
        odd = self._stems.get(word, ())
        unit = self.find(word)
        if unit is not None and unit not in odd and slug(unit.code, 20) == word:
            return (*odd, unit)
        return odd

    def with_email(self, address: str) -> tuple[Unit, ...]:
        """The units whose email (the roster's `email` column) is `address` (several when
        units share one, as the centres a ward's official reports for)."""
        if not self._emails:
            self._emails[""] = ()  # built, even if no unit has an email
            for member in self.units:
                for key in email_addresses(member.email):
                    self._emails[key] = (*self._emails.get(key, ()), member)
        return self._emails.get(address.strip().lower(), ()) if address.strip() else ()

    def forget_file_names(self) -> None:
        """Drop what `issued_to` remembers of each file name (one entry per file: the
        country's 70,000), once nothing asks it for the same files again."""
        self._issued.clear()


def email_addresses(text: str) -> list[str]:
    """The addresses in a roster's email cell, lower case: several separated by ';', ',' or
    spaces, each maybe written 'Tên <địa chỉ>'."""
    import re

    return [a.strip("<>") for a in re.split(r"[;,\s]+", text.lower()) if "@" in a]


def attached_name(file_name: str) -> str:
    """The name a file had when it was attached to a mail: `htsd collect` saves it as
    '<sender>__<name>', and the sender is told by the receipts book, not by the name."""
    return file_name.split("__", 1)[1] if "__" in file_name else file_name


# Abbreviations people use in unit names, as folded words.
_NAME_WORDS = {
    "mn": "mam non", "th": "tieu hoc", "thcs": "trung hoc co so", "thpt": "trung hoc pho thong",
    "ubnd": "uy ban nhan dan", "tt": "trung tam", "tthtcd": "trung tam hoc tap cong dong",
    "htcd": "hoc tap cong dong", "p": "phuong", "x": "xa", "q": "quan", "gd": "giao duc",
    "gddt": "giao duc va dao tao", "gd&dt": "giao duc va dao tao", "vh": "van hoa",
    "tdtt": "the duc the thao", "vhtt": "van hoa thong tin", "gdnn": "giao duc nghe nghiep",
    "gdtx": "giao duc thuong xuyen",
}  # fmt: skip


@functools.lru_cache(maxsize=4096)  # the roster's labels and groups; each unit's name is new
def name_key(name: str) -> str:
    """A unit's name as compared: 'Trường MN Cát Bi' and 'trường mầm non cát bi' agree."""
    words = fold(name).replace(".", " ").replace(",", " ").replace("-", " ").split()
    expanded = " ".join(_NAME_WORDS.get(w, w) for w in words).split()
    if expanded[:1] == ["truong"]:
        expanded = expanded[1:]
    return " ".join(expanded)


def normalise_code(code: str) -> str:
    """A unit code as compared: no spaces, capitals, accents dropped (`fold` caches what needs
    it; a plain code costs a few string operations)."""
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


XLSX_WORKS = "Lưu danh sách thành tệp Excel (.xlsx) thì luôn đọc được."


def decode_text(raw: bytes) -> str:
    """Text as Excel and Notepad save it: UTF-16 with its mark ("Unicode Text"), UTF-8 with or
    without mark, else Windows-1258 (Vietnamese Excel's "CSV (Comma delimited)")."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return nfc(raw.decode("cp1258", errors="replace"))


def read_csv_rows(path: Path) -> list[list[str]]:
    """Rows of a CSV or tab-separated text as Excel saves it, in any of its encodings."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RosterError(f"Không đọc được {path}: {read_reason(exc)}. {XLSX_WORKS}") from exc
    text = decode_text(raw)
    reader = csv.reader(io.StringIO(text), delimiter=csv_delimiter(text))
    try:
        return [list(r) for r in reader]
    except csv.Error as exc:  # a stray carriage return or control character inside a field
        raise RosterError(
            f"{path}, dòng {reader.line_num}: có ký tự lạ (xuống dòng giữa chừng hay ký tự điều "
            f"khiển) làm hỏng dòng này. {XLSX_WORKS}"
        ) from exc


def csv_delimiter(text: str) -> str:
    """The separator used most on the first lines (a title line above the table has none):
    Excel writes ',' or, with Vietnamese regional settings, ';'."""
    head = "\n".join(text.splitlines()[:20])
    return max(",;\t", key=head.count) if head.strip() else ","


DATE_CELL = "\x00date:"  # a cell the spreadsheet holds as a date (a code Excel turned into one)


def _read_sheet(path: Path) -> list[list[str]]:
    import datetime as dt

    from python_calamine import CalamineError, CalamineWorkbook

    try:
        with CalamineWorkbook.from_path(str(path)) as wb:
            data = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError) as exc:
        raise RosterError(
            f"Không mở được danh sách đơn vị {path}: tệp hỏng hoặc không phải bảng tính. "
            f"{XLSX_WORKS}"
        ) from exc
    out: list[list[str]] = []
    for row in data:
        cells = []
        for value in row:
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if isinstance(value, (dt.date, dt.datetime)):
                cells.append(DATE_CELL + value.strftime("%d/%m/%Y"))
                continue
            cells.append("" if value is None else str(value))
        out.append(cells)
    return out


def _header_row(rows: list[list[str]]) -> tuple[int, dict[str, int]]:
    """The row that names the columns (a title or blank lines may stand above it) and where
    each column is; an "STT" (row number) column is simply not one of them."""
    best: tuple[int, dict[str, int]] = (0, {})
    for index, row in enumerate(rows[:15]):
        header = [fold(h).replace("-", "_").strip() for h in row]
        positions: dict[str, int] = {}
        for key, aliases in {**COLUMNS, **CONTACTS, **PAST}.items():
            for i, h in enumerate(header):
                if h in aliases or h.replace("_", " ") in aliases:
                    positions[key] = i
                    break
        if len(positions) > len(best[1]):
            best = (index, positions)
        if all(key in positions for key in COLUMNS):
            break
    return best


_DATE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}( 00:00:00)?$")


def _code_problem(code: str, lengths: dict[int, int]) -> str:
    """Why a code is not what the unit typed: a date Excel made of it, or leading zeros lost."""
    if code.startswith(DATE_CELL) or _DATE_LIKE.match(code):
        shown = code.removeprefix(DATE_CELL)
        return (
            f"mã '{shown}' là một ngày tháng: Excel đã tự đổi mã thành ngày. Hãy định dạng cột "
            "mã là Văn bản (Text) rồi gõ lại mã"
        )
    if code.isdigit() and lengths:
        usual = max(lengths, key=lambda n: lengths[n])
        if len(code) < usual and lengths[usual] >= 3:
            return (
                f"mã '{code}' ngắn hơn các mã khác ({usual} chữ số): có lẽ Excel đã bỏ các số 0 "
                "ở đầu. Hãy định dạng cột mã là Văn bản (Text) rồi gõ lại mã"
            )
    return ""


def _build(rows: list[list[str]], path: Path, form: Form) -> Roster:
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise RosterError(f"{path}: danh sách đơn vị trống.")
    head, positions = _header_row(rows)
    missing = [COLUMN_TITLES[k] for k in COLUMNS if k not in positions]
    if missing:
        raise RosterError(
            f"{path}, dòng {head + 1}: thiếu cột {', '.join(missing)}. Dòng tiêu đề phải có các "
            f"cột: {', '.join(COLUMN_TITLES.values())} (hoặc mã đơn vị, tên đơn vị, loại đơn vị, "
            f"nhóm). {XLSX_WORKS}"
        )
    body = [(n, row) for n, row in enumerate(rows[head + 1 :], start=head + 2)]

    def cell(key: str, row: list[str]) -> str:
        i = positions.get(key, -1)
        return nfc(row[i].strip()) if 0 <= i < len(row) else ""

    lengths: dict[int, int] = {}
    for _, row in body:
        code = cell("code", row)
        if code.isdigit() and code.startswith("0"):
            lengths[len(code)] = lengths.get(len(code), 0) + 1
    causes: dict[str, list[int]] = {}  # one message per cause, with the rows it covers
    units: list[Unit] = []
    seen: dict[str, int] = {}
    known_types = ", ".join(t.code for t in form.unit_types)
    # a province's 2,000 units share a few dozen groups: each group's name held once
    groups: dict[str, str] = {}
    for number, row in body:
        code, name = cell("code", row), cell("name", row)
        type_text, group = cell("unit_type", row), cell("group", row)
        group = groups.setdefault(group, group)
        bad_code = _code_problem(code, lengths) if code else ""
        if not code:
            causes.setdefault(f"cột {COLUMN_TITLES['code']}: mã đơn vị để trống", []).append(number)
        elif bad_code:
            causes.setdefault(f"cột {COLUMN_TITLES['code']}: {bad_code}", []).append(number)
        elif normalise_code(code) in seen:
            causes.setdefault(
                f"cột {COLUMN_TITLES['code']}: mã '{code}' trùng với dòng "
                f"{seen[normalise_code(code)]}",
                [],
            ).append(number)
        else:
            seen[normalise_code(code)] = number
        if not name:
            causes.setdefault(f"cột {COLUMN_TITLES['name']}: tên đơn vị để trống", []).append(
                number
            )
        unit_type = form.unit_type(type_text) if type_text else None
        if unit_type is None:
            what = f"loại '{type_text}' không có" if type_text else "loại đơn vị để trống"
            causes.setdefault(
                f"cột {COLUMN_TITLES['unit_type']}: {what}; dùng một trong: {known_types} "
                "(hoặc tên loại, như 'Mầm non', 'UBND phường')",
                [],
            ).append(number)
        if code and name and unit_type and not bad_code:
            units.append(
                Unit(
                    code, name, unit_type.code, unit_type.label, group, number,
                    cell("email", row), cell("phone", row), cell("previous", row),
                )
            )  # fmt: skip
    if not body:
        raise RosterError(
            f"{path}: danh sách chưa có đơn vị nào. Hãy mở tệp và điền mỗi đơn vị một dòng "
            "dưới dòng tiêu đề."
        )
    if causes:
        lines = [f"{path}, {_rows_text(numbers)}, {cause}" for cause, numbers in causes.items()]
        shown = lines[:30]
        more = f"\n… và {len(lines) - 30} lỗi nữa." if len(lines) > 30 else ""
        raise RosterError("Danh sách đơn vị có lỗi:\n" + "\n".join(shown) + more)
    return Roster(tuple(units), path)


def _rows_text(numbers: list[int]) -> str:
    """'dòng 3' or 'dòng 3, 5, 7–40' (runs of consecutive rows shortened)."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs]
    return "dòng " + ", ".join(parts)
