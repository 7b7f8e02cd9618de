"""The form as a workbook a clerk edits in Excel or LibreOffice (the "form workbook").

Sheets: "Đợt báo cáo" (the campaign, one setting a row), "Các dòng" (one row per section heading,
figure and free-text part, in the order the form prints them), "Quy tắc" (rules in words and
drop-downs), "Loại đơn vị", "Phiên bản" (what each version changed) and "Hướng dẫn".

Reading builds from the sheets the same structure the YAML parser checks (`form.build_form`),
each value carrying its cell, so every check is written once and every mistake is told by sheet,
row and column, in the workbook's own headings and drop-down words (`BookWords`). Columns are
found by their heading, not their place: a clerk may move them, and adding a column is one entry
in a table below.

Once `htsd template` has issued a version, a later change to the workbook is numbered as a new
version by itself; the issued versions are kept in `lich-su-bieu-mau/` beside it, where returns
filled in them are read by their own version (`form.Form.earlier`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from htsd_cli.base.dates import parse_date
from htsd_cli.base.errors import FormError
from htsd_cli.base.textnorm import fold
from htsd_cli.campaign.form import (
    BOOK_HISTORY,
    KINDS,
    NEW_ROW,
    NUMERIC_KINDS,
    Form,
    Limits,
    LineDict,
    LineList,
    Problems,
    Rule,
    Where,
    Words,
    build_form,
    default_aggregate,
    excel_name_problem,
)

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

CAMPAIGN_SHEET = "Đợt báo cáo"
ROWS_SHEET = "Các dòng"
RULES_SHEET = "Quy tắc"
TYPES_SHEET = "Loại đơn vị"
VERSIONS_SHEET = "Phiên bản"
GUIDE_SHEET = "Hướng dẫn"
LISTS_SHEET = "Danh mục"  # hidden: the drop-down lists
SHEETS = (CAMPAIGN_SHEET, ROWS_SHEET, RULES_SHEET, TYPES_SHEET, VERSIONS_SHEET)

SECTION_WORD = "mục"
TEXT_WORD = "phần lời"
KIND_WORDS = {
    "count": "số đếm",
    "people": "số người",
    "money": "tiền",
    "yesno": "Có/Không",
    "text": "chữ",
}
AGGREGATE_WORDS = {"sum": "cộng", "count_yes": "đếm số trả lời Có", "none": "không cộng"}
OPERATOR_WORDS = {
    ">=": ">= (lớn hơn hoặc bằng)",
    "<=": "<= (nhỏ hơn hoặc bằng)",
    ">": "> (lớn hơn)",
    "<": "< (nhỏ hơn)",
    "==": "= (bằng)",
    "!=": "≠ (khác)",
    "require": "phải điền",
    "forbid": "phải để trống",
}
SEVERITY_WORDS = {"error": "Lỗi", "warning": "Lưu ý"}
LIST_WORDS = {
    "kind": KIND_WORDS,
    "aggregate": AGGREGATE_WORDS,
    "operator": OPERATOR_WORDS,
    "severity": SEVERITY_WORDS,
}
# more ways people write the same choice (folded): the form's own words, codes, symbols
_SYNONYMS = {
    "kind": {**{fold(v): k for k, v in KINDS.items()}, "so tien": "money", "co khong": "yesno"},
    "operator": {
        "=": "==", "bang": "==", "≥": ">=", "≤": "<=", "≠": "!=", "<>": "!=", "khac": "!=",
        "lon hon hoac bang": ">=", "nho hon hoac bang": "<=", "lon hon": ">", "nho hon": "<",
    },
    "severity": {"loi": "error", "luu y": "warning", "canh bao": "warning"},
    "aggregate": {"dem so don vi tra loi co": "count_yes", "dem": "count_yes"},
}  # fmt: skip


def choose(list_name: str, text: str) -> str:
    """The code a drop-down word (or the code itself, or a usual synonym) stands for; the text
    as typed when it is none of them (the form's checks then say what may be chosen)."""
    key = fold(text)
    words = LIST_WORDS[list_name]
    for code, word in words.items():
        if key in (fold(word), fold(code)):
            return code
    found = _SYNONYMS.get(list_name, {}).get(key)
    if found is None and list_name == "operator":
        found = _SYNONYMS["operator"].get(key.split(" (")[0])
    return found or text


# --- where a value was written ----------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Cell:
    """A place in the form workbook: a sheet, a row (0: the sheet), a column (0: the row)."""

    sheet_order: int
    row: int = 0
    column: int = 0
    sheet: str = field(default="", compare=False)
    header: str = field(default="", compare=False)

    def __str__(self) -> str:
        from htsd_cli.campaign.layout import column_letter

        text = f"trang '{self.sheet}'"
        if self.row:
            text += f", dòng {self.row}"
        if self.column:
            text += f", cột {column_letter(self.column - 1)}"
            if self.header:
                text += f" ({self.header})"
        return text


_KEY_NAMES = {
    "id": "Mã", "label": "Nội dung", "heading": "Nội dung", "number": "TT", "kind": "Loại",
    "unit": "Đơn vị tính", "level": "Cấp", "aggregate": "Cách cộng", "applies_to": "Đơn vị điền",
    "total_label": "Khi cộng ghi là", "min": "Nhỏ nhất", "max": "Lớn nhất", "code": "Mã",
    "aliases": "Cách viết khác", "severity": "Mức", "message": "Lời nhắn", "left": "Vế trái",
    "right": "Vế phải", "operator": "So sánh", "when": "Khi", "part": "Loại",
    "version": "Phiên bản", "year": "Năm", "title": "Tên báo cáo", "short_title": "Tên ngắn",
    "theme": "Chủ đề", "start": "Tuần lễ từ ngày", "end": "Tuần lễ đến ngày",
    "deadline": "Hạn nộp", "report_code": "Ký hiệu báo cáo", "summary_line": "Trích yếu",
    "part_heading": "Tiêu đề phần số liệu", "hold_outliers": "Giữ số gấp … lần mức thường gặp",
    "last_year": "Mã năm trước", "against_last_year": "gấp … lần năm trước",
}  # fmt: skip
_SHEET_KEYS = {
    "unit_types": TYPES_SHEET,
    "changes": VERSIONS_SHEET,
    "sections": ROWS_SHEET,
    "texts": ROWS_SHEET,
    "rules": RULES_SHEET,
}


class BookWords(Words):
    """The form checks' words for the form workbook: cells, headings, drop-down words."""

    def at(self, line: Where) -> str:
        return str(line) if isinstance(line, Cell) else super().at(line)

    def order(self, line: Where) -> Where | tuple[int, int, int]:
        if isinstance(line, Cell):
            return (line.sheet_order, line.row, line.column)
        return (len(SHEETS), int(line or 0), 0)

    def key(self, name: str, gloss: str = "", where: Where | None = None) -> str:
        if isinstance(where, Cell) and where.header:
            return f"'{where.header}'"  # the cell's own heading says it best
        if name in _SHEET_KEYS:
            return f"trang '{_SHEET_KEYS[name]}'"
        if name == "version":
            return f"ô 'Phiên bản' ở trang '{CAMPAIGN_SHEET}'"
        return f"'{_KEY_NAMES.get(name, name)}'"

    def value(self, list_name: str, code: str, gloss: str = "") -> str:
        return f"'{LIST_WORDS.get(list_name, {}).get(code, code)}'"

    def choices(self, list_name: str) -> str:
        return ", ".join(LIST_WORDS[list_name].values())

    def type_name(self, kind: type) -> str:
        if kind is dt.date:
            return "một ngày dd/mm/yyyy"
        return super().type_name(kind)

    def within(self, mapping: LineDict, where: Where) -> Where:
        return where  # the cell itself

    def hint(self, name: str) -> str:
        return ""  # the YAML-only tails ('default' of a max per type) mean nothing here


# --- the sheets' columns --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a sheet: the key it fills, its heading, its width, the prompt shown when a
    cell is chosen, and the drop-down list it offers ("" for none)."""

    key: str
    header: str
    width: int
    prompt: str
    choices: str = ""


CHECK = "check"  # "Cần xem": what htsd guessed, for the clerk to check (then clear)
NOTE = "note"  # "Ghi chú": the clerk's own note, kept with the row

ROW_COLUMNS = (
    Column("number", "TT", 6, "Số thứ tự của mục (chỉ ghi ở dòng mục)."),
    Column("label", "Nội dung", 60, "Như in trên biểu mẫu: tên mục, câu hỏi của dòng, tên phần lời."),
    Column("kind", "Loại", 12, "mục, phần lời, hoặc loại số liệu: số đếm, số người, tiền, Có/Không, chữ.", "kind"),
    Column("unit", "Đơn vị tính", 12, "Ví dụ: lớp, người, lượt người, đồng (cần cho số liệu là số)."),
    Column("level", "Cấp", 6, "2: dòng con của dòng ngay trên (ví dụ số người của lớp).", "level"),
    Column("applies_to", "Đơn vị điền", 28, "Mã loại đơn vị phải điền, cách nhau bằng dấu phẩy; để trống: mọi đơn vị (dòng số liệu: theo mục)."),
    Column("aggregate", "Cách cộng", 18, "Để trống: số thì cộng, Có/Không thì đếm số trả lời Có, chữ thì không cộng.", "aggregate"),
    Column("total_label", "Khi cộng ghi là", 40, "Cách đọc dòng trong báo cáo tổng hợp, nếu khác câu hỏi cho đơn vị."),
    Column("min", "Nhỏ nhất", 10, "Số nhỏ hơn bị giữ lại (không cộng) chờ văn thư xác nhận."),
    Column("max", "Lớn nhất", 10, "Số lớn hơn bị giữ lại (không cộng) chờ văn thư xác nhận."),
    Column("max_by_type", "Lớn nhất theo loại đơn vị", 24, "Ví dụ: mam_non: 50; thcs: 200."),
    Column("id", "Mã", 24, "Tên ô trong tệp phát ra. Để trống: htsd đặt theo nội dung."),
    Column(CHECK, "Cần xem", 36, "Điều htsd đoán. Xem xong thì xóa chữ ở ô này."),
    Column(NOTE, "Ghi chú", 40, "Ghi chú của văn thư (lý do…); htsd không dùng."),
    Column("last_year", "Mã năm trước", 24, "Để so với năm trước: mã dòng này năm trước nếu đã đổi (nhiều mã cách nhau dấu phẩy: các dòng gộp lại; nhiều dòng cùng một mã: dòng đã tách); 'mới' nếu năm trước chưa có. Để trống: cùng mã."),
)  # fmt: skip
RULE_COLUMNS = (
    Column("id", "Mã", 30, "Tên quy tắc (để trống: htsd đặt)."),
    Column("when", "Khi", 30, "Điều kiện để xét quy tắc, ví dụ: s1_ke_hoach = Có (để trống: luôn xét)."),
    Column("left", "Vế trái", 30, "Mã chỉ tiêu và số, cộng trừ được: s8_don_vi + s8_ca_nhan."),
    Column("operator", "So sánh", 22, "Chọn trong danh sách.", "operator"),
    Column("right", "Vế phải", 30, "Mã chỉ tiêu và số (để trống với 'phải điền', 'phải để trống')."),
    Column("severity", "Mức", 8, "Lỗi: tệp không được cộng; Lưu ý: chỉ nhắc.", "severity"),
    Column("message", "Lời nhắn", 60, "Lời nhắn cho đơn vị; {left_value}, {right_value}, {when_value} là các số tìm thấy."),
    Column(CHECK, "Cần xem", 30, "Điều htsd đoán. Xem xong thì xóa chữ ở ô này."),
    Column(NOTE, "Ghi chú", 40, "Ghi chú của văn thư; htsd không dùng."),
)  # fmt: skip
TYPE_COLUMNS = (
    Column("code", "Mã", 16, "Mã loại đơn vị: chữ không dấu, số, dấu gạch dưới."),
    Column("label", "Tên", 36, "Tên loại đơn vị."),
    Column("aliases", "Cách viết khác", 60, "Những cách viết khác trong danh sách đơn vị, cách nhau bằng dấu chấm phẩy."),
    Column(NOTE, "Ghi chú", 40, "Ghi chú của văn thư; htsd không dùng."),
)  # fmt: skip
VERSION_COLUMNS = (
    Column("version", "Phiên bản", 10, "Số phiên bản."),
    Column("text", "Điều đã đổi", 100, "Điều đã đổi ở phiên bản đó."),
)
CAMPAIGN_COLUMNS = (
    Column("name", "Mục", 40, ""),
    Column("value", "Giá trị", 70, ""),
    Column(CHECK, "Cần xem", 36, "Điều htsd đoán. Xem xong thì xóa chữ ở ô này."),
    Column("help", "Giải thích", 70, ""),
)
# (path in the form's structure, the row's name, its explanation)
CAMPAIGN_ROWS = (
    ("id", "Mã biểu mẫu", "Chữ không dấu, số, dấu '-' (ví dụ htsd-nam-nay); in trong mỗi tệp phát ra."),
    ("version", "Phiên bản", "htsd tự tăng khi biểu mẫu đã phát được sửa; không cần sửa tay."),
    ("year", "Năm", "Năm của đợt báo cáo."),
    ("title", "Tên báo cáo", "In đậm ở đầu biểu mẫu, như trong phụ lục."),
    ("short_title", "Tên ngắn", "Dùng trong thư nhắc, công văn đôn đốc."),
    ("theme", "Chủ đề", "Chủ đề năm của Tuần lễ (in ở trang Hướng dẫn của biểu mẫu)."),
    ("period.start", "Tuần lễ từ ngày", "dd/mm/yyyy"),
    ("period.end", "Tuần lễ đến ngày", "dd/mm/yyyy"),
    ("deadline", "Hạn nộp", "dd/mm/yyyy (htsd.toml có thể ghi hạn riêng)."),
    ("report_code", "Ký hiệu báo cáo", "Số: …/BC-… (thường là BC)."),
    ("summary_line", "Trích yếu", "Dòng in dưới chữ BÁO CÁO của báo cáo tổng hợp."),
    ("table.part_heading", "Tiêu đề phần số liệu", "Ví dụ: II. Kết quả cụ thể"),
    ("table.heading", "Tiêu đề bảng số liệu", "Dòng ngay trên bảng số liệu."),
    ("table.columns.0", "Tên cột thứ tự", "Tiêu đề các cột của bảng số liệu."),
    ("table.columns.1", "Tên cột nội dung", ""),
    ("table.columns.2", "Tên cột kết quả", ""),
    ("table.columns.3", "Tên cột số lượng", ""),
    ("table.columns.4", "Tên cột ghi chú", ""),
    *(
        row
        for kind in ("count", "people", "money")
        for row in (
            (f"plausibility.{kind}.min", f"{KIND_WORDS[kind].capitalize()}: nhỏ nhất",
             "Số nhỏ hơn bị giữ lại (không cộng) chờ văn thư xác nhận; để trống: không giới hạn."),
            (f"plausibility.{kind}.max", f"{KIND_WORDS[kind].capitalize()}: lớn nhất",
             "Số lớn hơn bị giữ lại chờ văn thư xác nhận; một dòng có thể ghi giới hạn riêng."),
            (f"plausibility.{kind}.max_by_type", f"{KIND_WORDS[kind].capitalize()}: lớn nhất theo loại đơn vị",
             "Ví dụ: mam_non: 50; thcs: 200."),
        )
    ),
    ("plausibility.hold_outliers", "Giữ số gấp … lần mức thường gặp",
     "Số lớn gấp (hoặc chỉ bằng 1/) bấy nhiêu lần mức thường gặp của các đơn vị cùng loại bị giữ lại, không chỉ là lưu ý; để trống: không giữ."),
    *(
        (f"plausibility.against_last_year.{kind}", f"{KIND_WORDS[kind].capitalize()}: gấp … lần năm trước",
         "Số của đơn vị lớn gấp (hoặc chỉ bằng 1/) bấy nhiêu lần số của chính đơn vị đó năm trước thì được nhắc (vẫn cộng); để trống: 10.")
        for kind in ("count", "people", "money")
    ),
)  # fmt: skip

GUIDE = (
    "Tệp này là biểu mẫu báo cáo: sửa ở đây, không phải sửa chương trình. Lưu lại (dạng .xlsx) rồi "
    "chạy 'htsd form show' để kiểm tra: mỗi lỗi được báo theo trang, dòng, cột.",
    f"Trang '{CAMPAIGN_SHEET}': năm, tên báo cáo, chủ đề, các ngày của Tuần lễ, hạn nộp (ngày gõ "
    "dd/mm/yyyy).",
    f"Trang '{ROWS_SHEET}': mỗi dòng của biểu mẫu theo đúng thứ tự in. Cột Loại: 'mục' cho tiêu đề "
    "mục (số mục ở cột TT), 'phần lời' cho phần viết bằng lời (như I. Công tác chỉ đạo: đặt trước "
    "mục đầu hoặc sau mục cuối), còn lại là một số liệu: số đếm, số người, tiền, Có/Không, chữ.",
    "Cấp 2: dòng con của dòng ngay trên (ví dụ số người tham gia của lớp). Đơn vị điền: mã các loại "
    f"đơn vị phải điền dòng đó, cách nhau bằng dấu phẩy (xem trang '{TYPES_SHEET}'); để trống là mọi "
    "đơn vị (dòng số liệu để trống thì theo mục của nó). Đơn vị khác thấy dòng đó tô xám, khóa.",
    "Nhỏ nhất, Lớn nhất: số ngoài khoảng này bị giữ lại, không cộng, cho tới khi văn thư xác nhận. "
    "Lớn nhất theo loại đơn vị: ví dụ 'mam_non: 50; thcs: 200'.",
    "Mã: tên của ô số liệu trong tệp phát ra. Để trống thì htsd đặt theo nội dung; muốn đổi nội "
    "dung mà giữ nguyên mã thì ghi mã vào ô này (chữ không dấu, số, dấu gạch dưới).",
    "Cần xem: những chỗ htsd đoán (khi lập biểu mẫu từ Kế hoạch). Xem xong thì xóa chữ ở ô đó; "
    "còn chữ thì 'htsd template' chưa phát biểu mẫu.",
    f"Trang '{RULES_SHEET}': Khi (điều kiện, ví dụ s1_ke_hoach = Có), Vế trái, So sánh, Vế phải "
    "(mã chỉ tiêu và số, cộng trừ được: s8_don_vi + s8_ca_nhan), Mức (Lỗi hoặc Lưu ý), Lời nhắn.",
    "Biểu mẫu đã phát ('htsd template') mà sửa lại: htsd tự tăng phiên bản và giữ bản đã phát trong "
    f"thư mục {BOOK_HISTORY}/ bên cạnh tệp này; tệp đơn vị điền trên bản cũ vẫn được đọc đúng.",
)


# --- ids made from labels ---------------------------------------------------------------------------

_STOP_WORDS = frozenset(
    ("so", "luong", "cac", "nhung", "da", "duoc", "cua", "va", "tren", "ve", "theo", "voi",
     "trong", "mot", "la", "cho", "den", "nhu")
)  # fmt: skip
_NUMBERING_RE = re.compile(r"^\s*(?:[IVXLC]+|\d+|[a-zđ])\s*[.)/]\s*", re.IGNORECASE)


def _id_words(text: str) -> list[str]:
    plain = _NUMBERING_RE.sub("", text)
    return [w for w in re.findall(r"[a-z0-9]+", fold(plain)) if w not in _STOP_WORDS]


def make_id(label: str, parent: str = "") -> str:
    """An id made from a row's words (a sub-row's with its parent's): the same label gives the
    same id wherever the row moves, and rows added elsewhere never change it."""
    words = _id_words(label)[:5]
    if parent:
        first = _id_words(parent)[:4]
        words = [*first, *[w for w in _id_words(label) if w not in first][:4]]
    name = "_".join(words)[:60].rstrip("_") or "chi_tieu"
    return "ct_" + name if excel_name_problem(name) else name


# --- writing -------------------------------------------------------------------------------------

Key = tuple[str, str]  # ("indicator", id), ("section", "3"), ("text", id), ("rule", id), …
Written: TypeAlias = "str | int | float | dt.date | None"  # what a cell of the workbook is given


def plain_number(value: float | None) -> int | float | None:
    """A limit as written: 1000, not 1000.0."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _by_type_text(by_type: Iterable[tuple[str, float]]) -> str | None:
    parts = [f"{code}: {plain_number(most)}" for code, most in by_type]
    return "; ".join(parts) or None


def _campaign_values(form: Form) -> dict[str, Written]:
    values: dict[str, Written] = {
        "id": form.id, "version": form.version, "year": form.year, "title": form.title,
        "short_title": form.short_title, "theme": form.theme or None,
        "period.start": form.period_start, "period.end": form.period_end,
        "deadline": form.deadline, "report_code": form.report_code,
        "summary_line": form.summary_line, "table.part_heading": form.table_part_heading,
        "table.heading": form.table_heading,
    }  # fmt: skip
    for i, name in enumerate(form.columns):
        values[f"table.columns.{i}"] = name
    for kind, limits in form.plausibility.by_kind:
        values[f"plausibility.{kind}.min"] = plain_number(limits.minimum)
        values[f"plausibility.{kind}.max"] = plain_number(limits.maximum)
        values[f"plausibility.{kind}.max_by_type"] = _by_type_text(limits.by_type)
    if form.plausibility.hold_outliers:
        values["plausibility.hold_outliers"] = plain_number(form.plausibility.hold_outliers)
    for kind, factor in form.plausibility.against_last_year:
        values[f"plausibility.against_last_year.{kind}"] = plain_number(factor)
    return values


def _limit_cells(limits: Limits) -> dict[str, Written]:
    return {
        "min": plain_number(limits.minimum),
        "max": plain_number(limits.maximum),
        "max_by_type": _by_type_text(limits.by_type),
    }


def _row_records(form: Form) -> Iterator[tuple[Key, dict[str, Written]]]:
    """The rows of "Các dòng" in form order: text parts before the table, the sections and
    their figures, text parts after."""
    for text in form.texts:
        if text.part == "before_table":
            yield ("text", text.id), {"label": text.heading, "kind": TEXT_WORD, "id": text.id}
    for section in form.sections:
        yield (
            ("section", str(section.number)),
            {
                "number": section.number,
                "label": section.heading,
                "kind": SECTION_WORD,
                "applies_to": ", ".join(section.applies_to) or None,
            },
        )
        for ind in section.indicators:
            default = default_aggregate(ind.kind)
            yield (
                ("indicator", ind.id),
                {
                    "label": ind.label,
                    "kind": KIND_WORDS[ind.kind],
                    "unit": ind.unit or None,
                    "level": ind.level,
                    "applies_to": None
                    if ind.applies_to == section.applies_to
                    else ", ".join(ind.applies_to),
                    "aggregate": None
                    if ind.aggregate == default
                    else AGGREGATE_WORDS[ind.aggregate],
                    "total_label": ind.total_label or None,
                    **_limit_cells(ind.limits),
                    "id": ind.id,
                    "last_year": None
                    if ind.last_year is None
                    else ", ".join(ind.last_year) or NEW_ROW,
                },
            )
    for text in form.texts:
        if text.part == "after_table":
            yield ("text", text.id), {"label": text.heading, "kind": TEXT_WORD, "id": text.id}


def _rule_record(rule: Rule) -> dict[str, Written]:
    return {
        "id": rule.id,
        "when": None if rule.when is None else rule.when.written(_SYMBOLS),
        "left": rule.check.left.text if rule.check else rule.target,
        "operator": OPERATOR_WORDS[rule.check.operator if rule.check else rule.presence],
        "right": rule.check.right.text if rule.check else None,
        "severity": SEVERITY_WORDS[rule.severity],
        "message": rule.message,
    }


_SYMBOLS = {"==": "=", "!=": "≠"}  # how a clerk writes a condition


def write_book(
    form: Form,
    notes: dict[Key, str] | None = None,
    marks: dict[Key, str] | None = None,
) -> bytes:
    """The form workbook of `form` (byte for byte the same for the same form), with the
    clerk's notes and the guesses to check (keys as `("indicator", id)`, `("campaign", path)`)."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from htsd_cli.campaign.layout import column_letter
    from htsd_cli.writing.cellsafe import put
    from htsd_cli.writing.package import FONT_NAME, normalise_package
    from htsd_cli.writing.xlstyle import first_sheet, formula_rule, new_workbook

    notes, marks = notes or {}, marks or {}
    wb = new_workbook()
    bold = Font(name=FONT_NAME, size=12, bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    head_fill = PatternFill("solid", fgColor="E8E8E8")
    section_fill = PatternFill("solid", fgColor="F2F2F2")
    check_fill = PatternFill("solid", fgColor="FFE699")

    lists: dict[str, list[str | int]] = {
        "kind": [SECTION_WORD, *KIND_WORDS.values(), TEXT_WORD],
        "level": [1, 2],
        "aggregate": list(AGGREGATE_WORDS.values()),
        "operator": list(OPERATOR_WORDS.values()),
        "severity": list(SEVERITY_WORDS.values()),
    }

    def sheet(title: str, columns: tuple[Column, ...], first: bool = False) -> Worksheet:
        ws = first_sheet(wb) if first else wb.create_sheet(title)
        ws.title = title
        for c, col in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=c, value=col.header)
            cell.font, cell.fill, cell.alignment = bold, head_fill, wrap
            ws.column_dimensions[column_letter(c - 1)].width = col.width
        ws.freeze_panes = "A2"
        ws.page_setup.orientation = "landscape"  # printed to be checked on paper: one page wide
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        fit = ws.sheet_properties.pageSetUpPr
        assert fit is not None  # openpyxl's WorksheetProperties() makes one
        fit.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        return ws

    def put_rows(
        ws: Worksheet, columns: tuple[Column, ...], records: Iterable[Mapping[str, Written]]
    ) -> int:
        r = 1
        for r, record in enumerate(records, start=2):
            lines = 1
            for c, col in enumerate(columns, start=1):
                value = record.get(col.key)
                if value is not None and value != "":
                    cell = put(ws.cell(row=r, column=c), value)  # text never a formula
                    cell.alignment = wrap
                    if isinstance(value, dt.date):
                        cell.number_format = "DD/MM/YYYY"
                    lines = max(lines, -(-len(str(value)) // max(col.width - 2, 1)))
            if lines > 1:  # spreadsheets do not grow rows for wrapped text on opening a file
                ws.row_dimensions[r].height = 16.0 * lines
        return r

    def offer(ws: Worksheet, columns: tuple[Column, ...], last: int) -> None:
        end = max(last, 1) + 500
        for c, col in enumerate(columns, start=1):
            letter = column_letter(c - 1)
            if col.choices:
                index = list(lists).index(col.choices)
                ref = column_letter(index)
                size = len(lists[col.choices]) + 1
                check = DataValidation(
                    type="list", formula1=f"='{LISTS_SHEET}'!${ref}$2:${ref}${size}"
                )
                check.error = f"Chọn {col.header} trong danh sách."
                check.showErrorMessage = True
            else:
                check = DataValidation(type="custom", formula1="TRUE")
            if col.prompt:
                check.prompt = col.prompt[:255]
                check.showInputMessage = True
            check.allow_blank = True
            check.add(f"{letter}2:{letter}{end}")
            ws.add_data_validation(check)
            if col.key == CHECK:
                ws.conditional_formatting.add(
                    f"A2:{column_letter(len(columns) - 1)}{end}",
                    formula_rule(f"LEN(${letter}2)>0", check_fill),
                )

    campaign = sheet(CAMPAIGN_SHEET, CAMPAIGN_COLUMNS, first=True)
    values = _campaign_values(form)
    records = [
        {
            "name": name,
            "value": values.get(path),
            CHECK: marks.get(("campaign", path)),
            "help": help_text,
        }
        for path, name, help_text in CAMPAIGN_ROWS
    ]
    last = put_rows(campaign, CAMPAIGN_COLUMNS, records)
    for r in range(2, last + 1):
        campaign.cell(row=r, column=1).font = bold
    offer(campaign, CAMPAIGN_COLUMNS[:3], last)

    rows = sheet(ROWS_SHEET, ROW_COLUMNS)
    row_records = []
    kinds_of_rows = []
    for key, record in _row_records(form):
        record[CHECK] = marks.get(key)
        record[NOTE] = notes.get(key)
        row_records.append(record)
        kinds_of_rows.append(key[0])
    last = put_rows(rows, ROW_COLUMNS, row_records)
    for r, (kind, record) in enumerate(zip(kinds_of_rows, row_records, strict=True), start=2):
        if kind != "indicator":
            for c in range(1, len(ROW_COLUMNS) + 1):
                rows.cell(row=r, column=c).fill = section_fill
            rows.cell(row=r, column=2).font = bold
        elif record.get("level") == 2:
            rows.cell(row=r, column=2).alignment = Alignment(
                wrap_text=True, vertical="top", indent=2
            )
    offer(rows, ROW_COLUMNS, last)

    rules = sheet(RULES_SHEET, RULE_COLUMNS)
    rule_records = [
        {
            **_rule_record(rule),
            CHECK: marks.get(("rule", rule.id)),
            NOTE: notes.get(("rule", rule.id)),
        }
        for rule in form.rules
    ]
    offer(rules, RULE_COLUMNS, put_rows(rules, RULE_COLUMNS, rule_records))

    types = sheet(TYPES_SHEET, TYPE_COLUMNS)
    type_records = [
        {
            "code": t.code,
            "label": t.label,
            "aliases": "; ".join(t.aliases) or None,
            NOTE: notes.get(("unit_type", t.code)),
        }
        for t in form.unit_types
    ]
    offer(types, TYPE_COLUMNS, put_rows(types, TYPE_COLUMNS, type_records))

    versions = sheet(VERSIONS_SHEET, VERSION_COLUMNS)
    put_rows(versions, VERSION_COLUMNS, [{"version": v, "text": t} for v, t in form.changes])

    guide = wb.create_sheet(GUIDE_SHEET)
    guide.column_dimensions["A"].width = 120
    for r, line in enumerate(GUIDE, start=1):
        cell = guide.cell(row=r, column=1, value=line)
        cell.alignment = wrap

    hidden = wb.create_sheet(LISTS_SHEET)
    hidden.sheet_state = "hidden"
    for c, (name, items) in enumerate(lists.items(), start=1):
        hidden.cell(row=1, column=c, value=name)
        for r, item in enumerate(items, start=2):
            hidden.cell(row=r, column=c, value=item)

    wb.properties.title = form.title
    wb.properties.keywords = form.id
    buffer = io.BytesIO()
    wb.save(buffer)
    return normalise_package(buffer.getvalue())


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Book:
    """A form workbook as read: the form, and what the clerk still has to look at."""

    form: Form
    marks: tuple[tuple[Cell, str], ...] = ()  # guesses not yet checked ("Cần xem" not cleared)
    made_ids: tuple[tuple[Cell, str], ...] = ()  # ids htsd made because the cell was blank
    notes: dict[Key, str] = field(default_factory=dict)
    kept_ids: tuple[tuple[Cell, str], ...] = ()  # made ids kept as issued though the words changed
    typed_version: int = 0  # the version written in the workbook, when htsd numbered it anew


def _plain(value: object) -> object:
    """A cell's value with text stripped and whole numbers as int ("" for an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _text(value: object) -> str:
    value = _plain(value)
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def _number(value: object) -> object:
    """A limit as a number; text as typed when it is none (the form's check says so)."""
    value = _plain(value)
    if isinstance(value, str):
        from htsd_cli.base.values import ValueProblem, parse_vn_number

        try:
            parsed = parse_vn_number(value)
        except ValueProblem:
            return value
        number = parsed.value
        if not parsed.unit_text:
            return int(number) if number.is_integer() else number
        return value
    return value


def _integer(value: object) -> object:
    value = _plain(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def _date(value: object) -> object:
    value = _plain(value)
    if isinstance(value, str):
        return parse_date(value) or value
    return value


class _Sheet:
    """One sheet's rows as values, with the cell of each, found by column heading."""

    def __init__(self, order: int, title: str, rows: list[tuple[object, ...]]) -> None:
        self.order, self.title, self.rows = order, title, rows

    def where(self, row: int = 0, column: int = 0, header: str = "") -> Cell:
        return Cell(self.order, row, column, self.title, header)

    def table(
        self, columns: tuple[Column, ...], problems: Problems, required: tuple[str, ...]
    ) -> Iterator[tuple[int, dict[str, tuple[object, Cell]]]]:
        """Each filled row below the heading row: column key → (value, cell)."""
        wanted = {fold(c.header): c for c in columns}
        head_row, found = 0, {}
        for r, values in enumerate(self.rows[:10], start=1):
            found = {
                wanted[fold(str(v))].key: (c, wanted[fold(str(v))].header)
                for c, v in enumerate(values, start=1)
                if v is not None and fold(str(v)) in wanted
            }
            if len(found) >= 2:
                head_row = r
                break
        headers = {c.key: c.header for c in columns}
        missing = [headers[k] for k in required if k not in found]
        if missing:
            problems.add(
                self.where(head_row or 1),
                f"thiếu cột {', '.join(repr(m) for m in missing)} (dòng tiêu đề phải có các cột: "
                f"{', '.join(c.header for c in columns)})",
            )
            return
        for r in range(head_row + 1, len(self.rows) + 1):
            values = self.rows[r - 1]
            cells = {
                key: (_plain(values[c - 1]) if c <= len(values) else "", self.where(r, c, header))
                for key, (c, header) in found.items()
            }
            if any(v != "" for v, _ in cells.values()):
                yield r, cells


def _open_sheets(path: Path) -> dict[str, _Sheet]:
    import zipfile

    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise FormError(
            f"Không đọc được tệp biểu mẫu {path}: tệp hỏng hoặc không phải bảng tính .xlsx "
            "(hãy mở bằng Excel hoặc LibreOffice và lưu lại dạng .xlsx)."
        ) from exc
    try:
        by_name = {fold(ws.title): ws for ws in wb.worksheets}
        out: dict[str, _Sheet] = {}
        for order, title in enumerate(SHEETS):
            ws = by_name.get(fold(title))
            if ws is not None:
                out[title] = _Sheet(
                    order, title, [tuple(r) for r in ws.iter_rows(values_only=True)]
                )
        return out
    finally:
        wb.close()


def _located(where: Cell, **items: tuple[object, Cell]) -> LineDict:
    """A mapping for the form's checks, each key remembering its cell."""
    out = LineDict()
    out.line = where
    out.key_lines = {}
    for key, (value, cell) in items.items():
        out[key] = value
        out.key_lines[key] = cell
    return out


def _listed(where: Cell, items: Iterable[object] = ()) -> LineList:
    out = LineList(items)
    out.line = where
    return out


class _Reader:
    """Turns the sheets into the structure `form.build_form` checks."""

    def __init__(self, sheets: dict[str, _Sheet], problems: Problems) -> None:
        self.sheets, self.problems = sheets, problems
        self.marks: list[tuple[Cell, str]] = []
        self.made: list[tuple[Cell, str]] = []
        self.made_rows: list[tuple[LineDict, int]] = []  # rows whose id was made, their section
        self.kept_ids: list[tuple[Cell, str]] = []  # ids kept from the version issued
        self.notes: dict[Key, str] = {}
        self.type_names: dict[str, str] = {}  # folded code, label or alias → code

    def sheet(self, title: str) -> _Sheet | None:
        found = self.sheets.get(title)
        if found is None:
            self.problems.add(
                Cell(SHEETS.index(title), sheet=title), "không có trang này trong tệp biểu mẫu"
            )
        return found

    def mark(self, cells: dict[str, tuple[object, Cell]]) -> None:
        text, cell = cells.get(CHECK, ("", None))
        if text != "" and cell is not None:
            self.marks.append((cell, _text(text)))

    def note(self, key: Key, cells: dict[str, tuple[object, Cell]]) -> None:
        text = cells.get(NOTE, ("", None))[0]
        if text != "":
            self.notes[key] = _text(text)

    # the campaign --------------------------------------------------------------------------

    def campaign(self, data: LineDict) -> None:
        ws = self.sheet(CAMPAIGN_SHEET)
        if ws is None:
            return
        by_name = {fold(name): path for path, name, _ in CAMPAIGN_ROWS}
        names = {path: name for path, name, _ in CAMPAIGN_ROWS}
        got: dict[str, tuple[object, Cell]] = {}
        for _r, cells in ws.table(CAMPAIGN_COLUMNS, self.problems, ("name", "value")):
            name, _name_cell = cells["name"]
            path = by_name.get(fold(_text(name)))
            if path is None:
                continue  # a line of the clerk's own: not a setting
            value, cell = cells["value"]
            got[path] = (value, dataclasses.replace(cell, header=names[path]))
            self.mark(cells)
        top = ws.where()

        def put(target: LineDict, key: str, path: str, convert: Callable[[object], object]) -> None:
            if path in got:
                value, cell = got[path]
                target[key] = convert(value) if value != "" else ""
                target.key_lines[key] = cell

        data.line = top
        for key, convert in (
            ("id", _text), ("version", _integer), ("year", _integer), ("title", _text),
            ("short_title", _text), ("theme", _text), ("deadline", _date),
            ("report_code", _text), ("summary_line", _text),
        ):  # fmt: skip
            put(data, key, key, convert)
        for optional in ("short_title", "theme", "report_code", "summary_line"):
            if data.get(optional) == "":
                del data[optional]  # blank: the form's default
        period = _located(top)
        put(period, "start", "period.start", _date)
        put(period, "end", "period.end", _date)
        data["period"], data.key_lines["period"] = period, top
        table = _located(top)
        put(table, "part_heading", "table.part_heading", _text)
        put(table, "heading", "table.heading", _text)
        columns = []
        for i in range(5):
            value, cell = got.get(f"table.columns.{i}", ("", top))
            if value == "":
                self.problems.add(cell, f"thiếu tên cột '{names[f'table.columns.{i}']}'")
            columns.append(_text(value) or "?")
        table["columns"], table.key_lines["columns"] = _listed(top, columns), top
        data["table"], data.key_lines["table"] = table, top
        plausibility = _located(top)
        for kind in sorted(NUMERIC_KINDS):
            limits = _located(top)
            put(limits, "min", f"plausibility.{kind}.min", _number)
            put(limits, "max", f"plausibility.{kind}.max", _number)
            by_type = got.get(f"plausibility.{kind}.max_by_type", ("", top))
            self.limits(limits, by_type)
            for key in ("min", "max"):
                if limits.get(key) == "":
                    del limits[key]
            if limits:
                plausibility[kind], plausibility.key_lines[kind] = limits, top
        put(plausibility, "hold_outliers", "plausibility.hold_outliers", _number)
        if plausibility.get("hold_outliers") == "":
            del plausibility["hold_outliers"]
        against = _located(top)
        for kind in sorted(NUMERIC_KINDS):
            put(against, kind, f"plausibility.against_last_year.{kind}", _number)
            if against.get(kind) == "":
                del against[kind]
        if against:
            plausibility["against_last_year"] = against
            plausibility.key_lines["against_last_year"] = top
        if plausibility:
            data["plausibility"], data.key_lines["plausibility"] = plausibility, top

    def limits(self, target: LineDict, by_type: tuple[object, Cell]) -> None:
        """`max: {default: …, <type>: …}` from the "max per unit type" cell ("mam_non: 50; …")."""
        text, cell = by_type
        if text == "":
            return
        most = _located(cell)
        if "max" in target and target["max"] != "":
            most["default"], most.key_lines["default"] = target["max"], target.key_lines["max"]
        for part in re.split(r"[;\n]", _text(text)):
            if not part.strip():
                continue
            name, colon, number = part.rpartition(":")
            if not colon or not name.strip():
                self.problems.add(
                    cell,
                    f"'{part.strip()}' phải ghi theo dạng 'mã loại đơn vị: số', ví dụ mam_non: 50",
                )
                continue
            code = self.type_code(name)
            most[code], most.key_lines[code] = _number(number), cell
        target["max"], target.key_lines["max"] = most, cell

    # unit types ------------------------------------------------------------------------------

    def unit_types(self, data: LineDict) -> None:
        ws = self.sheet(TYPES_SHEET)
        if ws is None:
            return
        out = _listed(ws.where())
        for r, cells in ws.table(TYPE_COLUMNS, self.problems, ("code", "label")):
            aliases = [a.strip() for a in _text(cells.get("aliases", ("",))[0]).split(";")]
            code, label = _text(cells["code"][0]), _text(cells["label"][0])
            written = [a for a in aliases if a]
            item = _located(
                ws.where(r),
                code=(code, cells["code"][1]),
                label=(label, cells["label"][1]),
                aliases=(written, cells.get("aliases", ("", ws.where(r)))[1]),
            )
            out.append(item)
            self.note(("unit_type", code), cells)
            for name in (code, label, *written):
                if name:
                    self.type_names.setdefault(fold(name), code)
        data["unit_types"], data.key_lines["unit_types"] = out, ws.where()

    def type_code(self, name: str) -> str:
        name = name.strip()
        return self.type_names.get(fold(name), name)

    def applies(self, cells: dict[str, tuple[object, Cell]], target: LineDict) -> None:
        text, cell = cells.get("applies_to", ("", None))
        if text == "" or cell is None:
            return
        codes = [self.type_code(p) for p in re.split(r"[,;\n]", _text(text)) if p.strip()]
        target["applies_to"], target.key_lines["applies_to"] = _listed(cell, codes), cell

    # rows -------------------------------------------------------------------------------------

    def rows(self, data: LineDict) -> None:
        ws = self.sheet(ROWS_SHEET)
        if ws is None:
            return
        sections = _listed(ws.where())
        texts = _listed(ws.where())
        section: LineDict | None = None
        parent = ""
        after_table: list[int] = []  # rows of text parts met after the table began

        def inside() -> None:
            """A text part with table rows after it: the form cannot print it there."""
            if after_table:
                self.problems.add(
                    ws.where(after_table[0]),
                    "phần lời phải đứng trước mục đầu tiên hoặc sau dòng cuối cùng của bảng số liệu",
                )
                after_table.clear()

        for r, cells in ws.table(ROW_COLUMNS, self.problems, ("label", "kind")):
            label, label_cell = cells["label"]
            kind_text, kind_cell = cells["kind"]
            kind = choose("kind", _text(kind_text)) if kind_text != "" else ""
            is_section = fold(_text(kind_text)) == fold(SECTION_WORD) or (
                kind == "" and cells.get("number", ("",))[0] != ""
            )
            if is_section:
                inside()
                number, number_cell = cells.get("number", ("", kind_cell))
                if number == "":  # one after the section above (`section`, the last of `sections`)
                    above = section["number"] if section is not None else 0
                    number = above + 1 if isinstance(above, int) else ""  # "x" above: said there
                section = _located(
                    ws.where(r),
                    number=(_integer(number), number_cell),
                    heading=(_text(label), label_cell),
                    indicators=(_listed(ws.where(r)), ws.where(r)),
                )
                self.applies(cells, section)
                sections.append(section)
                parent = ""
                self.mark(cells)
                self.note(("section", _text(number)), cells)
                continue
            if fold(_text(kind_text)) == fold(TEXT_WORD):
                heading = _text(label)
                tid, id_cell = cells.get("id", ("", kind_cell))
                if tid == "":
                    tid = make_id(heading)
                    self.made.append((id_cell, tid))
                text = _located(
                    ws.where(r),
                    id=(_text(tid), id_cell),
                    part=("before_table" if section is None else "after_table", kind_cell),
                    heading=(heading, label_cell),
                )
                texts.append(text)
                if section is not None:
                    after_table.append(r)
                self.mark(cells)
                self.note(("text", _text(tid)), cells)
                continue
            indicator, made = self.indicator(ws, r, cells, kind, parent)
            if made and section is not None:
                number = section.get("number")
                self.made_rows.append((indicator, number if isinstance(number, int) else 0))
            if indicator.get("level", 1) != 2:
                parent = _text(label)
            if section is None:
                self.problems.add(
                    ws.where(r),
                    "dòng số liệu phải nằm dưới một dòng mục (Loại 'mục'); hãy thêm dòng mục ở trên",
                )
                continue
            inside()
            figures = section["indicators"]
            assert isinstance(figures, LineList)  # made with the section, above
            figures.append(indicator)
            self.mark(cells)
            self.note(("indicator", _text(indicator.get("id", ""))), cells)
        data["sections"], data.key_lines["sections"] = sections, ws.where()
        data["texts"], data.key_lines["texts"] = texts, ws.where()

    def indicator(
        self, ws: _Sheet, r: int, cells: dict[str, tuple[object, Cell]], kind: str, parent: str
    ) -> tuple[LineDict, bool]:
        """A figure's row, and whether htsd made its id."""
        label, label_cell = cells["label"]
        level = _integer(cells.get("level", ("",))[0])
        iid, id_cell = cells.get("id", ("", cells["label"][1]))
        made = iid == "" and label != ""
        if made:
            iid = make_id(_text(label), parent if level == 2 else "")
            self.made.append((id_cell, iid))
        item = _located(
            ws.where(r),
            id=(_text(iid), id_cell),
            label=(_text(label), label_cell),
            kind=(kind, cells["kind"][1]),
        )
        for key, convert in (
            ("unit", _text), ("level", _integer), ("total_label", _text), ("min", _number),
            ("max", _number), ("aggregate", lambda v: choose("aggregate", _text(v))),
        ):  # fmt: skip
            if key in cells:
                value, cell = cells[key]
                item.key_lines[key] = cell  # a blank cell is still where to write
                if value != "":
                    item[key] = convert(value)
        self.applies(cells, item)
        past, past_cell = cells.get("last_year", ("", None))
        if past != "" and past_cell is not None:
            names = [p.strip() for p in re.split(r"[,;\n]", _text(past)) if p.strip()]
            new = len(names) == 1 and fold(names[0]) == fold(NEW_ROW)
            item["last_year"] = NEW_ROW if new else _listed(past_cell, names)
            item.key_lines["last_year"] = past_cell
        if "max_by_type" in cells:
            self.limits(item, cells["max_by_type"])
        return item, made

    # rules ------------------------------------------------------------------------------------

    def rules(self, data: LineDict) -> None:
        ws = self.sheet(RULES_SHEET)
        if ws is None:
            return
        out = _listed(ws.where())
        for r, cells in ws.table(RULE_COLUMNS, self.problems, ("left", "operator")):
            rid, id_cell = cells.get("id", ("", ws.where(r)))
            if rid == "":
                rid = f"quy_tac_{r - 1}"
            item = _located(ws.where(r), id=(_text(rid), id_cell))
            operator_text, operator_cell = cells["operator"]
            operator = choose("operator", _text(operator_text))
            left = cells["left"]
            if operator in ("require", "forbid"):
                item[operator], item.key_lines[operator] = _text(left[0]), left[1]
                right = cells.get("right", ("", None))
                if right[0] != "" and right[1] is not None:
                    self.problems.add(
                        right[1],
                        f"với '{OPERATOR_WORDS[operator]}' thì để trống 'Vế phải' (chỉ ghi mã "
                        "chỉ tiêu ở 'Vế trái')",
                    )
            else:
                item["operator"], item.key_lines["operator"] = operator, operator_cell
                for key in ("left", "right"):
                    value, cell = cells.get(key, ("", ws.where(r)))
                    if value != "":
                        item[key], item.key_lines[key] = _text(value), cell
            when, when_cell = cells.get("when", ("", None))
            if when != "" and when_cell is not None:
                item["when"], item.key_lines["when"] = _condition(_text(when)), when_cell
            for key in ("severity", "message"):
                value, cell = cells.get(key, ("", ws.where(r)))
                text = _text(value)
                item[key] = choose("severity", text) if key == "severity" and text else text
                item.key_lines[key] = cell
            out.append(item)
            self.mark(cells)
            self.note(("rule", _text(rid)), cells)
        data["rules"], data.key_lines["rules"] = out, ws.where()

    def changes(self, data: LineDict) -> None:
        ws = self.sheets.get(VERSIONS_SHEET)
        if ws is None:
            return  # no changes told yet
        out = _located(ws.where())
        for _r, cells in ws.table(VERSION_COLUMNS, self.problems, ("version", "text")):
            version, cell = cells["version"]
            number = _integer(version)
            if not isinstance(number, int):
                self.problems.add(cell, f"'{_text(version)}' không phải số phiên bản (1, 2, …)")
                continue
            out[number], out.key_lines[number] = _text(cells["text"][0]), cells["text"][1]
        if out:
            data["changes"], data.key_lines["changes"] = out, ws.where()


_CONDITION_WORDS = (
    (r"\s+lớn hơn hoặc bằng\s+", " >= "), (r"\s+nhỏ hơn hoặc bằng\s+", " <= "),
    (r"\s+lớn hơn\s+", " > "), (r"\s+nhỏ hơn\s+", " < "), (r"\s+bằng\s+", " == "),
    (r"\s+khác\s+", " != "), ("≥", ">="), ("≤", "<="), ("≠", "!="), ("<>", "!="),
    (r"(?<![<>!=])=(?!=)", "=="),
)  # fmt: skip


def _condition(text: str) -> str:
    """A condition as a clerk writes it ("s1_ke_hoach = Có", "a lớn hơn 0") in the form's
    comparison signs."""
    for pattern, sign in _CONDITION_WORDS:
        text = re.sub(pattern, sign, text, flags=re.IGNORECASE)
    return text


KEEP_ID = 0.6  # how alike a reworded row's words must stay for it to keep its issued id


def _rows(value: object) -> list[LineDict]:
    """The mappings of a list `_Reader` built (the sections, a section's figures, the rules)."""
    assert isinstance(value, list)
    return [row for row in value if isinstance(row, LineDict)]


def _keep_issued_ids(reader: _Reader, data: LineDict, issued: Form) -> None:
    """A row whose id htsd made from its words keeps the id it was issued with when only its
    words changed (a typo fixed): the issued row that is gone, in the same section, at the same
    level, of the same kind, and worded alike. Returns of the issued version then carry over to
    it. Anything less alike is a new row, and the issued one a row removed (both said)."""
    present = {
        str(i.get("id")) for s in _rows(data.get("sections", [])) for i in _rows(s["indicators"])
    }
    gone = [i for i in issued.indicators if i.id not in present]
    renamed: dict[str, str] = {}
    for item, number in reader.made_rows:
        label, made = str(item.get("label", "")), str(item.get("id", ""))
        level = item.get("level", 1)
        alike = [
            (difflib.SequenceMatcher(None, fold(old.label), fold(label)).ratio(), old)
            for old in gone
            if old.section == number and old.level == level and old.kind == item.get("kind")
        ]
        alike = [(ratio, old) for ratio, old in alike if ratio >= KEEP_ID]
        if not alike:
            continue
        _ratio, old = max(alike, key=lambda pair: pair[0])
        gone.remove(old)
        item["id"] = renamed[made] = old.id
        id_cell = item.key_lines["id"]
        assert isinstance(id_cell, Cell)  # `_Reader.indicator` gives every figure's id a cell
        reader.kept_ids.append((id_cell, old.id))
    if not renamed:
        return
    reader.made = [(cell, renamed.get(made, made)) for cell, made in reader.made]
    for rule in _rows(data.get("rules", [])):
        for key in ("when", "left", "right", "require", "forbid"):
            text = rule.get(key)
            if isinstance(text, str):
                rule[key] = re.sub(
                    r"[A-Za-z_][A-Za-z0-9_]*",
                    lambda m: renamed.get(m.group(0), m.group(0)),
                    text,
                )


def read_book(path: Path) -> Book:
    """Read and check a form workbook as typed, without regard to the versions issued. Raises
    FormError naming sheet, row and column of every mistake."""
    return _read(path, with_history=False)[0]


def _read(path: Path, with_history: bool) -> tuple[Book, Form | None]:
    """The workbook and the last version of it issued (when asked and there is one): ids made
    from words are kept as issued."""
    sheets = _open_sheets(path)
    problems = Problems(str(path), BookWords())
    reader = _Reader(sheets, problems)
    data = LineDict()
    data.line, data.key_lines = Cell(0, sheet=CAMPAIGN_SHEET), {}
    reader.unit_types(data)  # first: the other sheets may name types by label
    reader.campaign(data)
    reader.rows(data)
    reader.rules(data)
    reader.changes(data)
    if CAMPAIGN_SHEET not in sheets:
        problems.raise_if_any()
    issued = _latest_issued(path, data.get("id")) if with_history else None
    if issued is not None:
        _keep_issued_ids(reader, data, issued)
    form = build_form(data, problems, str(path))
    book = Book(form, tuple(reader.marks), tuple(reader.made), reader.notes, tuple(reader.kept_ids))
    return book, issued


# --- versions ------------------------------------------------------------------------------------


def same_content(a: Form, b: Form) -> bool:
    """Whether two forms ask and check the same (their numbering and history aside)."""
    return dataclasses.replace(a, version=0, changes=(), source="") == dataclasses.replace(
        b, version=0, changes=(), source=""
    )


def describe_change(old: Form, new: Form) -> str:
    """What changed from an issued version, in a line (for the 'Phiên bản' sheet)."""
    old_rows = {i.id: i for i in old.indicators}
    new_rows = {i.id: i for i in new.indicators}
    old_sections = {s.number: (s.heading, s.applies_to) for s in old.sections}
    parts = []
    for words, ids in (
        ("thêm dòng", [i for i in new_rows if i not in old_rows]),
        ("bỏ dòng", [i for i in old_rows if i not in new_rows]),
        ("sửa dòng", [i for i in new_rows if i in old_rows and new_rows[i] != old_rows[i]]),
        (
            "sửa mục",
            [
                str(s.number)
                for s in new.sections
                if old_sections.get(s.number, (s.heading, s.applies_to))
                != (s.heading, s.applies_to)
            ],
        ),
    ):
        if ids:
            parts.append(f"{words} {', '.join(ids)}")
    for words, changed in (
        ("sửa phần lời", old.texts != new.texts),
        ("sửa quy tắc", old.rules != new.rules),
        ("sửa loại đơn vị", old.unit_types != new.unit_types),
    ):
        if changed:
            parts.append(words)
    rest = dataclasses.replace(
        old, sections=new.sections, texts=new.texts, rules=new.rules, unit_types=new.unit_types
    )
    if not same_content(rest, new):
        parts.append("sửa thông tin đợt báo cáo")
    return f"Sửa sau khi đã phát phiên bản {old.version}: {'; '.join(parts)}."


def _kept(path: Path, form_id: str) -> list[tuple[int, Path]]:
    folder = path.parent / BOOK_HISTORY
    if path.parent.name == BOOK_HISTORY or not folder.is_dir():
        return []
    out = []
    for kept in folder.glob(f"{form_id}-v*.xlsx"):
        number = kept.stem[len(form_id) + 2 :]
        if number.isdigit():
            out.append((int(number), kept))
    return sorted(out)


def _latest_issued(path: Path, form_id: object) -> Form | None:
    """The last version of the form `form_id` in `path` that htsd template issued (kept
    beside it), or None."""
    from htsd_cli.campaign.form import load_form

    if not isinstance(form_id, str) or not form_id:
        return None
    kept = _kept(path, form_id)
    return load_form(kept[-1][1]) if kept else None


def _settle(book: Book, issued: Form | None) -> Book:
    """Number the form anew when it differs from the last version issued."""
    if issued is None:
        return book
    latest = issued.version
    form = book.form
    if same_content(form, issued):
        if form.version == latest:
            return book
        settled = dataclasses.replace(form, version=latest, changes=issued.changes)
    else:
        version = max(form.version, latest + 1)
        changes = dict(form.changes)
        changes.setdefault(version, describe_change(issued, form))
        settled = dataclasses.replace(form, version=version, changes=tuple(sorted(changes.items())))
    return dataclasses.replace(book, form=settled, typed_version=form.version)


_BOOK_CACHE: dict[tuple[str, int, int], Book] = {}


def load_book(path: Path) -> Book:
    """A form workbook, read once per version of its file, numbered after the versions issued."""
    from htsd_cli.base.fsutil import once_per_version

    def read() -> Book:
        return _settle(*_read(path, with_history=True))

    return once_per_version(_BOOK_CACHE, path, read)


def _book_of(form: Form) -> Book | None:
    source = Path(form.source) if form.source else None
    if source is None or source.suffix.lower() != ".xlsx" or not source.is_file():
        return None
    return load_book(source)


def unchecked(form: Form) -> tuple[tuple[Cell, str], ...]:
    """The guesses still marked in a form workbook's "Cần xem" cells (none for a YAML form)."""
    book = _book_of(form)
    return book.marks if book is not None else ()


def made_ids(form: Form) -> tuple[tuple[Cell, str], ...]:
    """The ids htsd made from labels because a form workbook's "Mã" cell was blank."""
    book = _book_of(form)
    return book.made_ids if book is not None else ()


def kept_ids(form: Form) -> tuple[tuple[Cell, str], ...]:
    """The ids made from words that stay as issued though the words changed since."""
    book = _book_of(form)
    return book.kept_ids if book is not None else ()


def keep_issued(form: Form) -> Path | None:
    """Keep the version of a form workbook that is being issued, so that a later change gets a
    new number and returns of this version are read by it. None when there is nothing to keep
    (a YAML form, a version kept already)."""
    from htsd_cli.base.outputs import Inputs, OutputSet

    source = Path(form.source) if form.source else None
    if source is None or source.suffix.lower() != ".xlsx" or source.parent.name == BOOK_HISTORY:
        return None
    target = form.history_file(form.version)
    if target is None or target.exists():
        return None
    notes = load_book(source).notes if source.is_file() else {}
    with OutputSet(target.parent, Inputs([source]), "phiên bản đã phát của biểu mẫu") as outs:
        outs.claim([target.name])
        outs.write(target.name, write_book(form, notes))
        outs.commit()
    return target


def form_notes(form: Form) -> dict[Key, str]:
    """The notes kept with a form: its workbook's "Ghi chú" cells, or its YAML comments."""
    if not form.source:
        return {}
    path = Path(form.source)
    try:
        if path.suffix.lower() == ".xlsx":
            return load_book(path).notes
        from htsd_cli.campaign.formyaml import yaml_notes

        return yaml_notes(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, FormError):
        return {}
