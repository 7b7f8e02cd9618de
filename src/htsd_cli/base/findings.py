"""Validation findings and reports: plain data, printed by the CLI and serialised by --json."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Final, TypeVar, overload

from htsd_cli.base.words import Word

if TYPE_CHECKING:
    from htsd_cli.checks.decisions import Outcome, Row


class Severity(Word):
    """An error keeps the file (or the figure) from being counted as it stands; a warning is
    something to look at."""

    ERROR = "error"
    WARNING = "warning"


ERROR = Severity.ERROR
WARNING = Severity.WARNING


class Code(Word):
    """Every finding code with its Vietnamese title (`title_vi`). Codes are stable: scripts
    may rely on them. A member is the string it stands for (JSON and f-strings show it as is)."""

    title_vi: str

    def __new__(cls, value: str, title_vi: str = "") -> Code:
        member = str.__new__(cls, value)
        member._value_ = value
        member.title_vi = title_vi
        return member

    UNREADABLE_FILE = "unreadable-file", "Không đọc được tệp"
    ENCRYPTED_FILE = "encrypted-file", "Tệp có mật khẩu"
    UNSAFE_FILE = "unsafe-file", "Tệp không an toàn"
    WRONG_FORM = "wrong-form", "Sai biểu mẫu"
    UNKNOWN_FORM = "unknown-form", "Không nhận ra biểu mẫu"
    IDENTITY_BY_LAYOUT = "identity-by-layout", "Mất dấu nhận diện"
    MISSING_CELL = "missing-cell", "Thiếu ô"
    ROW_REMOVED = "row-removed", "Dòng bị xóa"
    ROW_OUT_OF_ORDER = "row-out-of-order", "Dòng sai vị trí"
    AMBIGUOUS_ROW = "ambiguous-row", "Dòng trùng nhau"
    LOCATORS_DISAGREE = "locators-disagree", "Không chắc ô số liệu"
    VALUE_COLUMN_UNKNOWN = "value-column-unknown", "Không rõ cột số liệu"
    AMBIGUOUS_TEXT = "ambiguous-text", "Lời văn không rõ ô"
    SHORT_LABEL = "short-label", "Nhãn dòng ghi tắt"
    NOT_A_NUMBER = "not-a-number", "Không phải số"
    AMBIGUOUS_NUMBER = "ambiguous-number", "Số viết không rõ"
    UNIT_TYPED = "unit-typed", "Ghi kèm đơn vị tính"
    NUMBER_IN_WORDS = "number-in-words", "Số ghi kèm chữ"
    YES_NO_IN_WORDS = "yes-no-in-words", "Có/Không ghi bằng lời"
    BLANK_VALUE = "blank-value", "Bỏ trống"
    EMPTY_RETURN = "empty-return", "Chưa điền số liệu"
    FORMULA_IN_TEXT = "formula-in-text", "Lời văn ghi như công thức"
    NOT_APPLICABLE = "not-applicable", "Dòng không dành cho đơn vị"
    OLDER_FORM = "older-form", "Biểu mẫu phiên bản cũ"
    TEXT_CUT = "text-cut", "Lời văn quá dài, đã cắt"
    NEGATIVE_VALUE = "negative-value", "Số âm"
    FRACTIONAL_COUNT = "fractional-count", "Số lẻ"
    WRONG_TYPE = "wrong-type", "Sai kiểu dữ liệu"
    ERROR_VALUE = "error-value", "Ô báo lỗi công thức"
    FORMULA_NO_VALUE = "formula-no-value", "Công thức chưa có giá trị"
    NOT_YES_NO = "not-yes-no", "Không phải Có/Không"
    LEGACY_ENCODING = "legacy-encoding", "Phông chữ cũ (TCVN3/VNI)"
    RULE_VIOLATED = "rule-violated", "Số liệu không khớp nhau"
    UNKNOWN_UNIT = "unknown-unit", "Đơn vị không có trong danh sách"
    NOT_A_WORKBOOK = "not-a-workbook", "Không phải bảng tính"
    NAME_MISMATCH = "name-mismatch", "Tên đơn vị không khớp"
    IDENTITY_CONFLICT = "identity-conflict", "Chưa rõ tệp của đơn vị nào"
    SHEET_COPY = "sheet-copy", "Trang biểu mẫu chép thêm"
    SHEET_COPIES_DISAGREE = "sheet-copies-disagree", "Các trang biểu mẫu khác nhau"
    SHEET_OTHER_UNIT = "sheet-other-unit", "Trang của đơn vị khác"
    DECIDED = "decided", "Theo quyết định của cán bộ"
    DECISION_STALE = "decision-stale", "Quyết định không còn khớp tệp"
    SET_ASIDE = "set-aside", "Tệp để riêng"
    RESENT_DIFFERS = "resent-differs", "Gửi lại với số liệu khác"
    RESENT_ORDER_UNKNOWN = "resent-order-unknown", "Không rõ tệp nào gửi sau"
    DUPLICATE_UNIT = "duplicate-unit", "Một đơn vị gửi nhiều tệp"
    SUMMARY_INCOMPLETE = "summary-incomplete", "Tệp tổng hợp thiếu danh sách đơn vị"
    OUTLIER = "outlier", "Số liệu khác thường"
    STRUCK_VALUE = "struck-value", "Số bị gạch ngang"
    STRUCK_PART = "struck-part", "Một phần bị gạch ngang"
    DATE_TYPED = "date-typed", "Ô số hiện thành ngày, giờ"
    PERCENT_TYPED = "percent-typed", "Ô số hiện thành phần trăm"
    VALUE_IN_NOTE = "value-in-note", "Số liệu ghi ở cột Ghi chú"
    FOOTNOTE_MARK = "footnote-mark", "Số kèm dấu chú thích"
    YES_NO_MARK = "yes-no-mark", "Có/Không ghi bằng dấu"
    AMOUNT_IN_WORDS = "amount-in-words", "Số tiền kèm chữ"
    AMOUNT_WORDS_DIFFER = "amount-words-differ", "Số và chữ không khớp"
    IMPLAUSIBLE_LOW = "implausible-low", "Số nhỏ khó có thật"
    IMPLAUSIBLE_HIGH = "implausible-high", "Số lớn khó có thật"
    OUTLIER_HELD = "outlier-held", "Khác xa các đơn vị cùng loại"
    AGAINST_LAST_YEAR = "against-last-year", "Khác xa năm trước"
    ZERO_AFTER_LAST_YEAR = "zero-after-last-year", "Bằng 0, năm trước có số"


# Every finding code with its Vietnamese title, for those who look a code up by its string.
CODES: dict[str, str] = {code.value: code.title_vi for code in Code}


class ReadingKind(Word):
    """What a reading is of: a unit's return, or an office's summary (tong-hop.xlsx) one level
    up."""

    RETURN = "return"
    SUMMARY = "summary"


class LocatedBy(Word):
    """How the form's cells were found in a sheet."""

    NOT_LOCATED = ""
    NAMES = "names"  # the defined names of an issued workbook
    ID_SHEET = "id-sheet"  # the cell map in its hidden identity sheet
    LAYOUT = "layout"  # where the issued form puts them
    LABELS = "labels"  # by the labels of the rows, read as evidence


# Codes of the findings that hold a figure or a file for the clerk to decide ("cần xác nhận"):
# htsd doubts and does not guess, so the figure (or the file) is not counted until a line of the
# clerk's decisions file settles it. They are errors: a held file is not counted as it stands.
HELD_CODES: frozenset[Code] = frozenset(
    {
        # what one cell says (checks/cells.py, checks/plausible.py)
        Code.STRUCK_VALUE,
        Code.VALUE_IN_NOTE,
        Code.AMOUNT_WORDS_DIFFER,
        Code.IMPLAUSIBLE_LOW,
        Code.IMPLAUSIBLE_HIGH,
        Code.OUTLIER_HELD,
        # whose the file is, and which of its sheets (checks/identity.py, checks/sheets.py)
        Code.IDENTITY_CONFLICT,
        Code.SHEET_COPIES_DISAGREE,
    }
)

# Codes of warnings on a figure that is counted all the same, which a clerk's "Giữ như đã gõ"
# confirms (and silences): a unit's figure far from its own of last year (yearover.py).
CONFIRMABLE_CODES: frozenset[Code] = frozenset({Code.AGAINST_LAST_YEAR, Code.ZERO_AFTER_LAST_YEAR})


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing to fix (error) or to look at (warning), located as precisely as possible."""

    code: Code
    severity: Severity
    message: str
    file: str
    sheet: str = ""
    cell: str = ""
    indicator: str = ""
    label: str = ""
    value: str = ""
    rule: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def title(self) -> str:
        return CODES.get(self.code, self.code)

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "title": self.title}


# What a reading holds for one row of the form: a number (float; an office's summary counts the
# units that answered yes), a yes/no answer (bool) or a text (str). Where nothing was read (a
# blank, an error, a row not located) a reading holds None.
Figure = float | bool | str

_T = TypeVar("_T")


class _Absent(Enum):
    """The mark of a key `Figures` does not hold (None is a figure's value: nothing read)."""

    ABSENT = "absent"


class Figures(MutableMapping[str, Figure | None]):
    """A reading's figures, held compactly once it has arrived in the parent process: the keys
    are one index shared by every reading of the form, the values a list in that order; a key
    the index does not know goes to a small dict of its own. Behaves as the dict it replaces."""

    __slots__ = ("_extra", "_index", "_values")
    _ABSENT: Final = _Absent.ABSENT

    def __init__(self, index: dict[str, int], items: Mapping[str, Figure | None]) -> None:
        self._index = index
        # exactly as long: no spare room
        values: list[Figure | _Absent | None] = [Figures._ABSENT] * len(index)
        extra: dict[str, Figure | None] | None = None
        for key, value in items.items():
            at = index.get(key)
            if at is not None:
                values[at] = value
            else:
                extra = extra if extra is not None else {}
                extra[key] = value
        self._values = values
        self._extra = extra

    def __getitem__(self, key: str) -> Figure | None:
        at = self._index.get(key)
        if at is None:
            if self._extra is None:
                raise KeyError(key)
            return self._extra[key]
        value = self._values[at]
        if value is Figures._ABSENT:
            raise KeyError(key)
        return value

    @overload
    def get(self, key: str, default: None = None) -> Figure | None: ...
    @overload
    def get(self, key: str, default: _T) -> Figure | _T | None: ...
    def get(self, key: str, default: object = None) -> object:  # the dict's speed, not Mapping's
        at = self._index.get(key)
        if at is None:
            return self._extra.get(key, default) if self._extra is not None else default
        value = self._values[at]
        return default if value is Figures._ABSENT else value

    def pick(self, keys: Sequence[str]) -> list[Figure | None]:
        """The values of `keys` in that order, None for those not held (`map(get, keys)` at a
        quarter of the cost: the totals ask this for every unit)."""
        index, values, absent, extra = self._index, self._values, Figures._ABSENT, self._extra
        out: list[Figure | None] = []
        for key in keys:
            at = index.get(key)
            value = values[at] if at is not None else (extra or {}).get(key, absent)
            out.append(None if value is absent else value)
        return out

    def __contains__(self, key: object) -> bool:
        return self.get(key, Figures._ABSENT) is not Figures._ABSENT  # type: ignore[call-overload]

    def __setitem__(self, key: str, value: Figure | None) -> None:
        at = self._index.get(key)
        if at is not None:
            self._values[at] = value
        else:
            if self._extra is None:
                self._extra = {}
            self._extra[key] = value

    def __delitem__(self, key: str) -> None:
        at = self._index.get(key)
        if at is not None and self._values[at] is not Figures._ABSENT:
            self._values[at] = Figures._ABSENT
        elif self._extra is not None and key in self._extra:
            del self._extra[key]
        else:
            raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        values = self._values
        yield from (key for key, at in self._index.items() if values[at] is not Figures._ABSENT)
        if self._extra:
            yield from self._extra

    def __len__(self) -> int:
        held = sum(v is not Figures._ABSENT for v in self._values)
        return held + (len(self._extra) if self._extra else 0)

    def __repr__(self) -> str:
        return repr(dict(self))

    # copies and pickles keep the absent marker out
    def __reduce__(self) -> tuple[type[Figures], tuple[dict[str, int], dict[str, Figure | None]]]:
        return Figures, (self._index, dict(self))


def pick(values: Mapping[str, Figure | None], keys: Sequence[str]) -> list[Figure | None]:
    """The values of `keys` in that order, None for those not held: `Figures.pick` when the
    reading has been folded, else one `get` each."""
    return values.pick(keys) if isinstance(values, Figures) else [values.get(k) for k in keys]


@dataclass(slots=True)  # no per-object __dict__: a province holds thousands of these
class FileReport:
    """The result of reading and checking one returned file."""

    path: str
    fmt: str = ""
    form_id: str = ""
    unit_code: str = ""
    unit_name: str = ""
    unit_type: str = ""
    unit_group: str = ""
    identity_sources: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    values: MutableMapping[str, Figure | None] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)
    sheet: str = ""
    named_for: str = ""  # the unit the file's name points to (issued name or code), if any
    located_by: LocatedBy = LocatedBy.NOT_LOCATED
    mtime: float = 0.0
    kind: ReadingKind = ReadingKind.RETURN
    covers: list[str] = field(default_factory=list)
    reported: dict[str, int] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)  # a summary: units each row applies to
    ignored: dict[str, str] = field(default_factory=dict)  # figures typed in rows not answered
    # figures held for the clerk (a finding of HELD_CODES says why): indicator id → what would be
    # counted if the clerk confirms it as typed (None when nothing can be read from the cell)
    held: dict[str, Figure | None] = field(default_factory=dict)
    digest: str = ""  # SHA-256 of the bytes read, when a cache asked for it (then dropped)
    # the unit's name as typed at the top of the form sheet: one piece of evidence of whose the
    # reading is, weighed against the stamp, the file's name and the sender (then dropped)
    header: str = ""
    # the file's other sheets that carry the form, each read on its own (a copy of the form
    # that disagrees with this one, a sheet filled for another unit); unfolded into the batch
    more_sheets: list[FileReport] = field(default_factory=list)
    # a further sheet whose own marks name another unit than the file's main sheet: only the
    # sheet's own stamp and header tell whose it is, not the file's name or its sender
    other_unit: bool = False
    # the units a held file may be of (its evidence disagrees): none is shown as reported by it
    claimants: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(f.is_error for f in self.findings)

    @property
    def errors(self) -> int:
        return sum(f.is_error for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(not f.is_error for f in self.findings)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "valid": self.valid,
            "format": self.fmt,
            "kind": self.kind,
            "form_id": self.form_id,
            "unit": {
                "code": self.unit_code,
                "name": self.unit_name,
                "type": self.unit_type,
                "group": self.unit_group,
            },
            "sheet": self.sheet,
            "located_by": self.located_by,
            "errors": self.errors,
            "warnings": self.warnings,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class Skipped:
    path: str
    reason: str
    foreign: bool = False  # a file that is no workbook (not a lock or hidden file)


@dataclass
class Report:
    """The result of validating a batch of files."""

    files: list[FileReport] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # the clerk's decisions (decisions.Outcome: applied, or why not) and the rows still to
    # decide (decisions.Row: one per held file or figure), when a decisions workbook is named
    decisions: list[Outcome] = field(default_factory=list)
    to_decide: list[Row] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return all(f.valid for f in self.files)

    def by_file(self) -> dict[str, list[FileReport]]:
        """The readings of each file (several when it holds several sheets of the form)."""
        out: dict[str, list[FileReport]] = {}
        for rep in self.files:
            out.setdefault(rep.path, []).append(rep)
        return out

    def to_dict(self) -> dict[str, object]:
        files = self.by_file()
        return {
            "valid": self.valid,
            "files": [f.to_dict() for f in self.files],
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "decisions": [d.to_dict() for d in self.decisions],
            "to_decide": [r.to_dict() for r in self.to_decide],
            "summary": {
                "files": len(files),
                "valid_files": sum(all(r.valid for r in reps) for reps in files.values()),
                "readings": len(self.files),
                "errors": sum(f.errors for f in self.files),
                "warnings": sum(f.warnings for f in self.files),
                "skipped": len(self.skipped),
            },
        }
