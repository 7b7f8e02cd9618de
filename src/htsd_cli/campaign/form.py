"""The report form as data: loading, checking and querying a form definition (YAML).

A form file is the single source for the template writer, the validator, the aggregator and the
reports. Loading checks it completely and reports every mistake as "file, line, what is wrong".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeAlias, TypeVar

import yaml

from htsd_cli.base.errors import FormError, read_reason
from htsd_cli.base.findings import Figure, Severity
from htsd_cli.base.words import Word

if TYPE_CHECKING:
    from htsd_cli.campaign.formbook import Cell


class Kind(Word):
    """What an indicator's cell holds."""

    COUNT = "count"
    PEOPLE = "people"
    MONEY = "money"
    YESNO = "yesno"
    TEXT = "text"


class Aggregation(Word):
    """How an indicator is totalled over the units."""

    SUM = "sum"
    COUNT_YES = "count_yes"  # the units answering "Có"
    NONE = "none"  # not totalled: words


KINDS: dict[str, str] = {
    Kind.COUNT: "số đếm",
    Kind.PEOPLE: "số người",
    Kind.MONEY: "số tiền (đồng)",
    Kind.YESNO: "Có/Không",
    Kind.TEXT: "chữ",
}
NUMERIC_KINDS = frozenset({Kind.COUNT, Kind.PEOPLE, Kind.MONEY})
LAST_YEAR_FACTOR = 10.0  # a unit's figure ten times its own of last year (or 1/10) is worth a look
NEW_ROW = "mới"  # `last_year: mới`: a row that has no row of last year
WHOLE_KINDS = frozenset({Kind.COUNT, Kind.PEOPLE})
AGGREGATES = set(Aggregation)
SEVERITIES = set(Severity)
OPERATORS = {">=", "<=", ">", "<", "==", "!="}
TEXT_PARTS = {"before_table", "after_table"}
NOTE_SUFFIX = "_gc"
YAML_SUFFIXES = (".yaml", ".yml")
BOOK_SUFFIX = ".xlsx"  # a form workbook (formbook)
# Where the versions of a form already issued are kept, beside the form file: by hand for a YAML
# form; by `htsd template` for a form workbook, which then numbers later changes by itself.
YAML_HISTORY = "history"
BOOK_HISTORY = "lich-su-bieu-mau"

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CELL_LIKE_RE = re.compile(r"^[A-Za-z]{1,3}[0-9]+$")
_R1C1_LIKE_RE = re.compile(r"^[Rr][0-9]*([Cc][0-9]*)?$|^[Cc][0-9]*$")
_TOKEN_RE = re.compile(
    r"\s*(>=|<=|==|!=|>|<|\+|-|Có|Không|[A-Za-z_][A-Za-z0-9_]*|[0-9]+(?:\.[0-9]+)?)"
)
YES_NO_WORDS = {"Có": 1.0, "Không": 0.0}  # a yes/no figure compares as 1 or 0


def default_aggregate(kind: str) -> Aggregation:
    """How a row of this kind is totalled unless the form says otherwise."""
    if kind == Kind.YESNO:
        return Aggregation.COUNT_YES
    return Aggregation.NONE if kind == Kind.TEXT else Aggregation.SUM


def excel_name_problem(name: str) -> str | None:
    """Why `name` cannot be an Excel defined name, or None when it can."""
    if not _NAME_RE.match(name):
        return "chỉ được dùng chữ cái không dấu, chữ số và dấu gạch dưới, không bắt đầu bằng chữ số"
    if _CELL_LIKE_RE.match(name) or _R1C1_LIKE_RE.match(name):
        return "có dạng giống địa chỉ ô (như C14 hoặc R1C1), Excel không nhận làm tên"
    if name.lower() in {"true", "false"}:
        return "trùng với giá trị logic của Excel"
    if len(name) > 255:
        return "dài quá 255 ký tự"
    return None


@dataclass(frozen=True)
class Limits:
    """What is plausible for a figure, from the form: a figure below `minimum` or above the
    maximum for the unit's type is held out of the totals until the clerk confirms it."""

    minimum: float | None = None
    maximum: float | None = None  # for every unit type not named in `by_type`
    by_type: tuple[tuple[str, float], ...] = ()  # (unit-type code, maximum)

    def maximum_for(self, unit_type: str) -> float | None:
        """The largest plausible figure for a unit of this type."""
        for code, most in self.by_type:
            if code == unit_type:
                return most
        return self.maximum

    def __bool__(self) -> bool:
        return self.minimum is not None or self.maximum is not None or bool(self.by_type)


NO_LIMITS = Limits()


@dataclass(frozen=True)
class Plausibility:
    """The form's defaults for what is plausible: limits per kind of figure (an indicator's own
    `min`/`max` replace them), and how many times its peers' median a figure may be before it is
    held rather than only warned about (0: never held)."""

    by_kind: tuple[tuple[str, Limits], ...] = ()
    hold_outliers: float = 0.0
    # (kind, factor): a unit's figure this many times its own of last year, or 1/that, is a
    # warning (yearover.py); kinds not named take LAST_YEAR_FACTOR
    against_last_year: tuple[tuple[str, float], ...] = ()

    def for_kind(self, kind: str) -> Limits:
        for name, limits in self.by_kind:
            if name == kind:
                return limits
        return NO_LIMITS

    def last_year_factor(self, kind: str) -> float:
        """How many times its own figure of last year a unit's figure may be before a warning."""
        return dict(self.against_last_year).get(kind, LAST_YEAR_FACTOR)


@dataclass(frozen=True)
class Indicator:
    """One figure (or one free-text answer) of table II.1."""

    id: str
    label: str
    kind: Kind
    unit: str
    aggregate: Aggregation
    section: int
    level: int = 1
    applies_to: tuple[str, ...] = ()  # unit-type codes that answer this row; () = every unit
    total_label: str = ""  # how the row reads as a total (report), when not as the unit's question
    limits: Limits = NO_LIMITS  # the row's own plausible range (else the form's for its kind)
    # the ids of last year's rows this row continues (`last_year` in the form): None when not
    # said (the same id), () when the row is new, several when it merges them; rows naming the
    # same one row of last year were split from it
    last_year: tuple[str, ...] | None = None

    def applies(self, unit_type: str) -> bool:
        """Whether a unit of this type answers the row (an unknown type answers every row)."""
        return not self.applies_to or not unit_type or unit_type in self.applies_to

    @property
    def report_label(self) -> str:
        return self.total_label or self.label

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    @property
    def whole(self) -> bool:
        return self.kind in WHOLE_KINDS

    @property
    def note_id(self) -> str:
        """Defined name of the row's "Ghi chú" cell."""
        return self.id + NOTE_SUFFIX


@dataclass(frozen=True)
class Section:
    number: int
    heading: str
    indicators: tuple[Indicator, ...]
    applies_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class TextPart:
    """A free-text part of the report (I. Công tác chỉ đạo, II.2, III)."""

    id: str
    part: str
    heading: str


@dataclass(frozen=True)
class UnitType:
    code: str
    label: str
    aliases: tuple[str, ...] = ()  # how people write it too: "Mầm non", "THCS", "UBND phường"


@dataclass(frozen=True)
class Expr:
    """A sum of indicator values and constants, e.g. ``s8_don_vi + s8_ca_nhan``."""

    text: str
    terms: tuple[tuple[int, str | None, float], ...]

    @functools.cached_property
    def ids(self) -> tuple[str, ...]:
        return tuple(ref for _, ref, _ in self.terms if ref is not None)

    def evaluate(self, values: Mapping[str, Figure | None]) -> float | None:
        """The value, or None when a figure it uses is blank or unreadable."""
        total = 0.0
        for sign, ref, const in self.terms:
            if ref is None:
                total += sign * const
                continue
            value = values.get(ref)
            if value is None or isinstance(value, str):
                return None
            total += sign * float(value)
        return total


@dataclass(frozen=True)
class Comparison:
    left: Expr
    operator: str
    right: Expr

    def holds(self, values: Mapping[str, Figure | None]) -> bool | None:
        """True or False, or None when a figure it needs is missing."""
        a = self.left.evaluate(values)
        b = self.right.evaluate(values)
        if a is None or b is None:
            return None
        return _compare(a, self.operator, b)

    def written(self, signs: Mapping[str, str] | None = None) -> str:
        """The comparison as a form writes it ("s8_don_vi + s8_ca_nhan >= 1"); `signs` spells
        an operator otherwise ("==" as "=" for a clerk)."""
        operator = (signs or {}).get(self.operator, self.operator)
        return f"{self.left.text} {operator} {self.right.text}"


def _compare(a: float, op: str, b: float) -> bool:
    if op == ">=":
        return a >= b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    if op == "<":
        return a < b
    if op == "==":
        return a == b
    return a != b


PRESENCE = {"require": "phải được điền", "forbid": "phải để trống"}


@dataclass(frozen=True)
class Rule:
    """A cross-field check: ``check`` must hold whenever ``when`` (if any) holds.

    A presence rule has no comparison: ``require`` asks that a row be filled, ``forbid`` that it
    stay blank (for example the plan's number when the unit answered that it has no plan)."""

    id: str
    check: Comparison | None
    severity: Severity
    message: str
    when: Comparison | None = None
    presence: str = ""  # "require" or "forbid", with `target`
    target: str = ""

    @functools.cached_property
    def ids(self) -> tuple[str, ...]:
        ids = list(self.check.left.ids + self.check.right.ids) if self.check else [self.target]
        if self.when is not None:
            ids += [i for i in self.when.left.ids + self.when.right.ids if i not in ids]
        return tuple(dict.fromkeys(ids))

    @property
    def first(self) -> str:
        """The indicator a finding of this rule points at."""
        return self.ids[0]

    def broken(self, values: Mapping[str, Figure | None]) -> bool:
        """Whether the rule applies (its condition holds) and is not met. A blank figure in a
        comparison or in the condition means the rule is not judged (blanks are reported alone)."""
        if self.when is not None and self.when.holds(values) is not True:
            return False
        if self.check is not None:
            return self.check.holds(values) is False
        filled = values.get(self.target) not in (None, "")
        return filled if self.presence == "forbid" else not filled


@dataclass(frozen=True)
class Form:
    """A complete report form definition."""

    id: str
    version: int
    year: int
    title: str
    short_title: str
    theme: str
    period_start: dt.date
    period_end: dt.date
    deadline: dt.date
    report_code: str
    summary_line: str
    unit_types: tuple[UnitType, ...]
    texts: tuple[TextPart, ...]
    table_part_heading: str
    table_heading: str
    columns: tuple[str, ...]
    sections: tuple[Section, ...]
    rules: tuple[Rule, ...]
    source: str = ""
    changes: tuple[tuple[int, str], ...] = ()  # (version, what changed in it), newest last
    plausibility: Plausibility = Plausibility()
    # derived, each form its own (never handed on by dataclasses.replace: a changed copy would
    # otherwise add its rows to the original's)
    _by_id: dict[str, Indicator] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    _types_by_key: dict[str, UnitType] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        self._by_id.update({i.id: i for s in self.sections for i in s.indicators})

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(self._by_id.values())

    def indicator(self, indicator_id: str) -> Indicator:
        return self._by_id[indicator_id]

    def limits(self, ind: Indicator) -> Limits:
        """What is plausible for this row: its own limits, else the form's for its kind."""
        if not ind.numeric:
            return NO_LIMITS
        return ind.limits or self.plausibility.for_kind(ind.kind)

    def applicable(self, unit_type: str) -> tuple[Indicator, ...]:
        """The rows a unit of this type answers."""
        return tuple(i for i in self.indicators if i.applies(unit_type))

    def history_file(self, version: int) -> Path | None:
        """Where version `version` of this form is kept (None for a bundled or in-memory form
        without a file): `history/<id>-v<N>.yaml` beside a YAML form, `lich-su-bieu-mau/<id>-v<N>.xlsx`
        beside a form workbook."""
        if not self.source:
            return None
        path = Path(self.source)
        if path.suffix.lower() == BOOK_SUFFIX:
            return path.parent / BOOK_HISTORY / f"{self.id}-v{version}{BOOK_SUFFIX}"
        return path.parent / YAML_HISTORY / f"{self.id}-v{version}.yaml"

    def kept_versions(self) -> list[Path]:
        """The files of every kept version of this form (what else decides how a return of an
        older version reads)."""
        where = self.history_file(self.version)
        if where is None or not where.parent.is_dir():
            return []
        return sorted(where.parent.glob(f"{self.id}-v*{where.suffix}"))

    def earlier(self, version: int) -> Form | None:
        """The definition of an earlier version of this form, kept beside it (None when it is
        not kept)."""
        if version == self.version:
            return None
        path = self.history_file(version)
        if path is None or not path.is_file():
            return None
        old = load_form(path)
        return old if old.id == self.id and old.version == version else None

    def unit_type(self, text: str) -> UnitType | None:
        """The unit type named by `text` (its code or its label, any case or accents)."""

        if not self._types_by_key:
            for t in self.unit_types:
                for name in (t.code, t.label, *t.aliases):
                    self._types_by_key.setdefault(_type_key(name), t)
        return self._types_by_key.get(_type_key(text))


def _type_key(text: str) -> str:
    from htsd_cli.base.textnorm import fold

    return " ".join(fold(text).replace("_", " ").replace("-", " ").replace(".", " ").split())


# --- loading -------------------------------------------------------------------------------------


# Where a value of a form definition was written: a line of a YAML file, or a cell of the form
# workbook (formbook.Cell); `Words.at` shows either.
Where: TypeAlias = "int | Cell"


class LineDict(dict[object, object]):
    """A mapping of a form definition that knows where it and each of its keys were written.
    Its keys and values are as YAML or a cell gives them: the checks below look at each."""

    line: Where = 0
    key_lines: dict[object, Where]


class LineList(list[object]):
    line: Where = 0


# libyaml's parser when PyYAML was built with it (ten times faster), the Python one otherwise;
# the type checker sees the Python one (the same constructors and resolver)
if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):
    """A safe YAML loader that remembers the line of every mapping, key and list."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):  # `[x]: 1`: no mapping holds a list (a table, a set)
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "tên mục phải là chữ hoặc số, không phải danh sách hay bảng",
                key_node.start_mark,
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


class _NoSuchDate(yaml.constructor.ConstructorError):
    """A date shaped as YAML writes dates that no calendar has (2023-02-30)."""


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> dt.date | dt.datetime:
    """A date (or date and time) as YAML reads it; one no calendar has said with its line, not
    YAML's own ValueError."""
    try:
        value: dt.date | dt.datetime = loader.construct_yaml_timestamp(node)
    except ValueError:
        from htsd_cli.base.dates import impossible

        written = str(node.value)
        why = impossible(written) or "không phải ngày giờ có thật"
        raise _NoSuchDate(
            None,
            None,
            f"ngày {written} không có thật ({why}); ghi năm-tháng-ngày, ví dụ 2025-10-10",
            node.start_mark,
        ) from None
    return value


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


_TYPE_NAMES: dict[type, str] = {
    str: "một đoạn chữ",
    int: "một số nguyên",
    dt.date: "một ngày dạng YYYY-MM-DD",
    list: "một danh sách",
    dict: "một bảng khóa: giá trị",
}
_CHOICES = {
    "kind": ", ".join(KINDS),
    "aggregate": ", ".join(sorted(AGGREGATES)),
    "operator": ", ".join(sorted(OPERATORS)),
}


class Words:
    """How the mistakes of a form definition name their place, its keys and the values of its
    closed lists. A YAML file is told by line, in its own keys; the form workbook (formbook)
    overrides these to name sheet, row and column in its own headings and drop-down words, so
    that the checks below are written once for both."""

    def at(self, line: Where) -> str:
        return f"dòng {line}"

    def order(self, line: Where) -> Where | tuple[int, int, int]:
        """How mistakes are sorted: by line (a YAML file), by sheet, row, column (formbook)."""
        return line

    def key(self, name: str, gloss: str = "", where: Where | None = None) -> str:
        """How a key is named; `where` is where its value was written, when there is one."""
        return f"'{name}'" + (f" ({gloss})" if gloss else "")

    def value(self, list_name: str, code: str, gloss: str = "") -> str:
        return f"'{code}'" + (f" ({gloss})" if gloss else "")

    def choices(self, list_name: str) -> str:
        return _CHOICES[list_name]

    def type_name(self, kind: type) -> str:
        return _TYPE_NAMES.get(kind, str(kind))

    def within(self, mapping: LineDict, where: Where) -> Where:
        """Where to point for something inside one of `mapping`'s values (written at `where`):
        a YAML file points at the mapping's first line, as it always has."""
        return mapping.line

    def hint(self, name: str) -> str:
        """A tail that only makes sense in this way of writing a form."""
        return {"max-default": "; ghi 'default' cho mọi loại khác"}.get(name, "")


class Problems:
    """Collects the mistakes of one form file, each with where it is."""

    def __init__(self, source: str, words: Words | None = None) -> None:
        self.source = source
        self.words = words or Words()
        self.items: list[tuple[Where, str]] = []

    def add(self, line: Where, message: str) -> None:
        self.items.append((line, message))

    def raise_if_any(self) -> None:
        if self.items:
            order = self.words.order
            found = sorted(set(self.items), key=lambda item: (order(item[0]), item[1]))
            lines = [f"{self.source}, {self.words.at(line)}: {msg}" for line, msg in found]
            raise FormError("Tệp biểu mẫu có lỗi:\n" + "\n".join(lines))


def _line(mapping: object, key: object) -> Where:
    if isinstance(mapping, LineDict):
        return mapping.key_lines.get(key, mapping.line)
    return mapping.line if isinstance(mapping, LineList) else 0


_T = TypeVar("_T")


def _get(
    m: LineDict, key: str, kind: type[_T], problems: Problems, required: bool = True
) -> _T | None:
    words = problems.words
    if key not in m:
        if required:
            problems.add(m.line, f"thiếu mục bắt buộc {words.key(key)}")
        return None
    value = m[key]
    where = _line(m, key)
    if isinstance(value, str) and not value.strip():
        problems.add(where, f"{words.key(key, where=where)} đang để trống")
        return None
    # a switch is no number; a date with a time (YAML reads `2023-10-08 12:00:00` so) no date
    wrong = (kind is int and isinstance(value, bool)) or (
        kind is dt.date and isinstance(value, dt.datetime)
    )
    if wrong or not isinstance(value, kind):
        want = words.type_name(kind)
        shown = repr(str(value)) if isinstance(value, dt.datetime) else repr(value)
        problems.add(where, f"{words.key(key, where=where)} phải là {want}, đang là {shown}")
        return None
    return value


def _unknown_keys(
    m: Mapping[object, object], allowed: set[str], problems: Problems, where: str
) -> None:
    for key in m:
        if key not in allowed:
            problems.add(
                _line(m, key),
                f"mục '{key}' không được biết trong {where} "
                f"(các mục hợp lệ: {', '.join(sorted(allowed))})",
            )


def parse_expr(text: str) -> Expr:
    """Parse ``a + b - 2``; raises ValueError with a Vietnamese message."""
    tokens = _tokens(text)
    terms: list[tuple[int, str | None, float]] = []
    sign = 1
    expect_term = True
    for tok in tokens:
        if expect_term:
            if tok in "+-" and tok:
                sign = -sign if tok == "-" else sign
                continue
            if tok in OPERATORS:
                raise ValueError(
                    f"biểu thức '{text}' có phép so sánh ở chỗ cần một chỉ tiêu hay số"
                )
            if tok in YES_NO_WORDS:
                terms.append((sign, None, YES_NO_WORDS[tok]))
            elif tok[0].isdigit():
                terms.append((sign, None, float(tok)))
            else:
                terms.append((sign, tok, 0.0))
            sign = 1
            expect_term = False
        else:
            if tok not in ("+", "-"):
                raise ValueError(f"biểu thức '{text}' thiếu dấu + hoặc - trước '{tok}'")
            sign = -1 if tok == "-" else 1
            expect_term = True
    if expect_term:
        raise ValueError(f"biểu thức '{text}' không trọn vẹn")
    return Expr(text=text.strip(), terms=tuple(terms))


def parse_comparison(text: str) -> Comparison:
    """Parse ``a + b > 0``; raises ValueError with a Vietnamese message."""
    tokens = _tokens(text)
    ops = [i for i, t in enumerate(tokens) if t in OPERATORS]
    if len(ops) != 1:
        raise ValueError(
            f"điều kiện '{text}' phải có đúng một phép so sánh ({', '.join(sorted(OPERATORS))})"
        )
    i = ops[0]
    if i == 0 or i == len(tokens) - 1:
        raise ValueError(f"điều kiện '{text}' không trọn vẹn (thiếu một vế của phép so sánh)")
    return Comparison(
        left=parse_expr(" ".join(tokens[:i])),
        operator=tokens[i],
        right=parse_expr(" ".join(tokens[i + 1 :])),
    )


def _tokens(text: str) -> list[str]:
    pos = 0
    out: list[str] = []
    text = str(text)
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN_RE.match(text, pos)
        if not m:
            raise ValueError(f"không hiểu '{text[pos:].strip()}' trong biểu thức '{text}'")
        out.append(m.group(1))
        pos = m.end()
    if not out:
        raise ValueError("biểu thức đang để trống")
    return out


def bundled_templates() -> Path:
    """The folder of bundled templates: inside the installed wheel, or the source tree's."""
    packaged = Path(str(resources.files("htsd_cli"))) / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "templates"  # from src/htsd_cli/campaign/


def bundled_form_ids() -> list[str]:
    return sorted(p.stem for p in (bundled_templates() / "forms").glob("*.yaml"))


def bundled_forms() -> list[Form]:
    """The forms that come with htsd, oldest year first."""
    return sorted((load_form(i) for i in bundled_form_ids()), key=lambda f: (f.year, f.id))


def _is_form_file(path: Path) -> bool:
    return path.suffix.lower() in (*YAML_SUFFIXES, BOOK_SUFFIX)


def resolve_form_path(ref: str | Path, base: Path | None = None) -> Path:
    """A form reference is a path to a form file (YAML or form workbook) or the id of a
    bundled form."""
    candidate = Path(ref)
    if base is not None and not candidate.is_absolute():
        relative = base / candidate
        if _is_form_file(relative) and relative.is_file():
            return relative
    if _is_form_file(candidate):
        if candidate.is_file():
            return candidate
        raise FormError(f"Không tìm thấy tệp biểu mẫu {candidate}.")
    bundled = bundled_templates() / "forms" / f"{ref}.yaml"
    if bundled.is_file():
        return bundled
    known = ", ".join(bundled_form_ids()) or "(không có)"
    raise FormError(
        f"Không có biểu mẫu '{ref}'. Hãy ghi đường dẫn tới tệp .yaml, .xlsx hoặc một mã có sẵn: "
        f"{known}."
    )


_FORM_CACHE: dict[tuple[str, int, int], Form] = {}


def load_form(ref: str | Path, base: Path | None = None) -> Form:
    """Load and check a form definition (by path or bundled id). Raises FormError."""
    from htsd_cli.base.fsutil import once_per_version

    path = resolve_form_path(ref, base)
    if path.suffix.lower() == BOOK_SUFFIX:
        from htsd_cli.campaign.formbook import load_book

        return load_book(path).form

    def read() -> Form:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise FormError(f"Không đọc được tệp biểu mẫu {path}: {read_reason(exc)}.") from exc
        return parse_form(text, str(path))

    return once_per_version(_FORM_CACHE, path, read)


def read_located(text: str) -> object:
    """YAML text as mappings and lists that know their lines (raises yaml.YAMLError)."""
    data: object = yaml.load(text, Loader=_Loader)
    return data


def parse_form(text: str, source: str = "<biểu mẫu>") -> Form:
    """Parse the YAML text of a form definition. Raises FormError listing every mistake."""
    try:
        data = read_located(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(exc, "problem", None) or str(exc)
        said = problem if isinstance(exc, _NoSuchDate) else f"sai cú pháp YAML ({problem})"
        raise FormError(f"Tệp biểu mẫu có lỗi:\n{source}, dòng {line}: {said}") from exc
    problems = Problems(source)
    if isinstance(data, LineDict):
        return build_form(data, problems, source)
    problems.add(1, "tệp biểu mẫu phải là một bảng khóa: giá trị (id, year, title, sections…)")
    problems.raise_if_any()
    raise AssertionError("raise_if_any raised: a problem was just added")


class _Claim(Protocol):
    """Takes a name for a cell of the form (a figure's, its note's, a text part's)."""

    def __call__(self, name: str, line: Where, figure: bool = True) -> None: ...


def build_form(data: LineDict, problems: Problems, source: str) -> Form:
    allowed = {
        "id", "version", "year", "title", "short_title", "theme", "period", "deadline",
        "report_code", "summary_line", "unit_types", "texts", "table", "sections", "rules",
        "changes", "plausibility",
    }  # fmt: skip
    _unknown_keys(data, allowed, problems, "biểu mẫu")
    form_id = _get(data, "id", str, problems)
    if form_id is not None and not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", form_id):
        where = _line(data, "id")
        problems.add(
            where,
            f"{problems.words.key('id', where=where)} chỉ gồm chữ không dấu, chữ số, '-', '_' hoặc '.'",
        )
    version = _get(data, "version", int, problems)
    year = _get(data, "year", int, problems)
    title = _get(data, "title", str, problems)
    short_title = _get(data, "short_title", str, problems, required=False) or title
    theme = _get(data, "theme", str, problems, required=False) or ""
    deadline = _get(data, "deadline", dt.date, problems)
    report_code = _get(data, "report_code", str, problems, required=False) or "BC"
    summary_line = _get(data, "summary_line", str, problems, required=False) or ""
    if not summary_line and title:
        summary_line = default_summary_line(title)
    period = _get(data, "period", dict, problems)
    start = end = None
    if isinstance(period, LineDict):
        _unknown_keys(period, {"start", "end"}, problems, "period")
        start = _get(period, "start", dt.date, problems)
        end = _get(period, "end", dt.date, problems)
        if start and end and end < start:
            problems.add(
                period.line,
                f"ngày kết thúc {problems.words.key('end')} đứng trước ngày bắt đầu "
                f"{problems.words.key('start')}",
            )

    names: dict[str, Where] = {}
    not_figures: set[str] = set()  # the names of note cells and text parts

    def claim(name: str, line: Where, figure: bool = True) -> None:
        why = excel_name_problem(name)
        if why:
            problems.add(line, f"mã '{name}' không dùng làm tên ô Excel được: {why}")
        if name in names:
            problems.add(line, f"mã '{name}' bị trùng (đã dùng ở {problems.words.at(names[name])})")
        else:
            names[name] = line
            if not figure:
                not_figures.add(name)

    unit_types = _unit_types(data, problems)
    type_codes = {t.code for t in unit_types}
    texts = _texts(data, problems, claim)
    table = _get(data, "table", dict, problems)
    part_heading = heading = ""
    columns: tuple[str, ...] = ()
    if isinstance(table, LineDict):
        _unknown_keys(table, {"part_heading", "heading", "columns"}, problems, "table")
        part_heading = _get(table, "part_heading", str, problems) or ""
        heading = _get(table, "heading", str, problems) or ""
        cols = _get(table, "columns", list, problems)
        if cols is not None:
            if len(cols) != 5 or not all(isinstance(c, str) for c in cols):
                problems.add(
                    _line(table, "columns"),
                    "'columns' phải có 5 tên cột: TT, nội dung, kết quả, số lượng, ghi chú",
                )
            else:
                columns = tuple(cols)
    sections = _sections(data, problems, claim, type_codes)
    indicators = {i.id: i for s in sections for i in s.indicators}
    rules = _rules(data, problems, indicators, not_figures)
    changes = _changes(data, problems, version)
    plausibility = _plausibility(data, problems, type_codes)
    problems.raise_if_any()
    # a required value is None only where a problem was added (and raised just above)
    assert form_id is not None and version is not None and year is not None
    assert title is not None and short_title is not None and deadline is not None
    assert start is not None and end is not None
    return Form(
        id=form_id,
        version=version,
        year=year,
        title=title,
        short_title=short_title,
        theme=theme,
        period_start=start,
        period_end=end,
        deadline=deadline,
        report_code=report_code,
        summary_line=summary_line,
        unit_types=unit_types,
        texts=texts,
        table_part_heading=part_heading,
        table_heading=heading,
        columns=columns,
        sections=sections,
        rules=rules,
        source=source,
        changes=changes,
        plausibility=plausibility,
    )


def default_summary_line(title: str) -> str:
    """ "BÁO CÁO TỔNG HỢP …" → "Tổng hợp …": the document type is printed on its own line."""
    rest = re.sub(r"^\s*BÁO CÁO\s*", "", title)
    return rest[:1].upper() + rest[1:].lower() if rest else title


def _changes(
    data: LineDict, problems: Problems, version: int | None
) -> tuple[tuple[int, str], ...]:
    """`changes: {2: "what changed"}`: what each version changed, shown by `htsd form show`."""
    raw = _get(data, "changes", dict, problems, required=False) or {}
    out: list[tuple[int, str]] = []
    for key, text in raw.items():
        if not isinstance(key, int) or isinstance(key, bool) or not isinstance(text, str):
            problems.add(_line(raw, key), "mỗi dòng 'changes' là <phiên bản>: <điều đã đổi>")
        elif version is not None and key > version:
            problems.add(
                _line(raw, key),
                f"{problems.words.key('changes')} nói tới phiên bản {key}, sau "
                f"{problems.words.key('version')}",
            )
        else:
            out.append((key, text.strip()))
    return tuple(sorted(out))


def _number(m: Mapping[object, object], key: object, problems: Problems) -> float | None:
    value = m.get(key)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)  # YAML's .nan compares false with every figure: no limit
        or value < 0
    ):
        where = _line(m, key)
        problems.add(
            where,
            f"{problems.words.key(str(key), where=where)} phải là một số không âm, đang là {value!r}",
        )
        return None
    return float(value)


def _limits(m: LineDict, problems: Problems, type_codes: set[str]) -> Limits:
    """`min: 1000` and `max: 500` or `max: {default: 500, mam_non: 50}` of a row or a kind."""
    minimum = _number(m, "min", problems)
    maximum: float | None = None
    by_type: list[tuple[str, float]] = []
    raw = m.get("max")
    if isinstance(raw, LineDict):
        for code in raw:
            most = _number(raw, code, problems)
            if code == "default":
                maximum = most
            elif code not in type_codes:
                problems.add(
                    _line(raw, code),
                    f"loại đơn vị '{code}' không có trong {problems.words.key('unit_types')} "
                    f"({', '.join(sorted(type_codes))})" + problems.words.hint("max-default"),
                )
            elif most is not None:
                by_type.append((str(code), most))
    else:
        maximum = _number(m, "max", problems)
    if minimum is not None and maximum is not None and maximum < minimum:
        problems.add(
            _line(m, "max"), f"{problems.words.key('max')} nhỏ hơn {problems.words.key('min')}"
        )
    return Limits(minimum, maximum, tuple(by_type))


def _plausibility(data: LineDict, problems: Problems, type_codes: set[str]) -> Plausibility:
    """`plausibility: {money: {min: 1000}, count: {max: …}, hold_outliers: 50}`."""
    raw = _get(data, "plausibility", dict, problems, required=False)
    if raw is None:
        return Plausibility()
    _unknown_keys(
        raw, {*NUMERIC_KINDS, "hold_outliers", "against_last_year"}, problems, "plausibility"
    )
    by_kind: list[tuple[str, Limits]] = []
    for kind in sorted(NUMERIC_KINDS):
        if kind not in raw:
            continue
        item = raw[kind]
        if not isinstance(item, LineDict):
            problems.add(_line(raw, kind), f"'{kind}' là một bảng min, max, ví dụ {{min: 1000}}")
            continue
        _unknown_keys(item, {"min", "max"}, problems, f"plausibility.{kind}")
        by_kind.append((kind, _limits(item, problems, type_codes)))
    hold = _number(raw, "hold_outliers", problems) or 0.0
    if 0 < hold <= 1:
        problems.add(
            _line(raw, "hold_outliers"),
            f"{problems.words.key('hold_outliers')} là số lần, lớn hơn 1",
        )
        hold = 0.0
    return Plausibility(tuple(by_kind), hold, _against_last_year(raw, problems))


def _against_last_year(
    raw: Mapping[object, object], problems: Problems
) -> tuple[tuple[str, float], ...]:
    """`against_last_year: {count: 10, money: 10}`: factors per kind, each more than 1."""
    item = raw.get("against_last_year")
    if item is None:
        return ()
    if not isinstance(item, LineDict):
        problems.add(
            _line(raw, "against_last_year"),
            f"{problems.words.key('against_last_year')} là một bảng số lần theo loại số liệu, "
            "ví dụ {count: 10, money: 10}",
        )
        return ()
    _unknown_keys(item, set(NUMERIC_KINDS), problems, "plausibility.against_last_year")
    out: list[tuple[str, float]] = []
    for kind in sorted(NUMERIC_KINDS):
        factor = _number(item, kind, problems)
        if factor is not None and factor <= 1:
            problems.add(
                _line(item, kind),
                f"'{kind}' của {problems.words.key('against_last_year')}: số lần phải lớn hơn 1",
            )
        elif factor is not None:
            out.append((kind, factor))
    return tuple(out)


def _applies_to(
    m: LineDict, problems: Problems, type_codes: set[str], inherited: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """The unit-type codes of `applies_to` (a list), or `inherited` when there is none."""
    if "applies_to" not in m:
        return inherited
    raw = m["applies_to"]
    if not isinstance(raw, list) or not raw or not all(isinstance(c, str) for c in raw):
        problems.add(
            _line(m, "applies_to"),
            "'applies_to' là danh sách mã loại đơn vị, ví dụ [thcs, tieu_hoc]",
        )
        return inherited
    for code in raw:
        if code not in type_codes:
            problems.add(
                _line(m, "applies_to"),
                f"loại đơn vị '{code}' không có trong {problems.words.key('unit_types')} "
                f"({', '.join(sorted(type_codes))})",
            )
    return tuple(dict.fromkeys(raw))


def _unit_types(data: LineDict, problems: Problems) -> tuple[UnitType, ...]:
    raw = _get(data, "unit_types", list, problems)
    out: list[UnitType] = []
    for item in raw or []:
        if not isinstance(item, LineDict):
            problems.add(getattr(raw, "line", 0), "mỗi loại đơn vị phải có 'code' và 'label'")
            continue
        _unknown_keys(item, {"code", "label", "aliases"}, problems, "unit_types")
        code = _get(item, "code", str, problems)
        label = _get(item, "label", str, problems)
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            problems.add(_line(item, "aliases"), "'aliases' là danh sách các cách viết khác")
            aliases = []
        if code and label:
            if any(t.code == code for t in out):
                problems.add(item.line, f"loại đơn vị '{code}' bị trùng")
            out.append(UnitType(code, label, tuple(aliases)))
    return tuple(out)


def _texts(data: LineDict, problems: Problems, claim: _Claim) -> tuple[TextPart, ...]:
    raw = _get(data, "texts", list, problems, required=False) or []
    out: list[TextPart] = []
    for item in raw:
        if not isinstance(item, LineDict):
            problems.add(_line(raw, ""), "mỗi phần lời phải có 'id', 'part' và 'heading'")
            continue
        _unknown_keys(item, {"id", "part", "heading"}, problems, "texts")
        tid = _get(item, "id", str, problems)
        part = _get(item, "part", str, problems)
        heading = _get(item, "heading", str, problems)
        if part is not None and part not in TEXT_PARTS:
            problems.add(
                _line(item, "part"),
                f"'part' phải là một trong {', '.join(sorted(TEXT_PARTS))}, đang là '{part}'",
            )
        if tid:
            claim(tid, _line(item, "id"), figure=False)
        if tid and part and heading:
            out.append(TextPart(tid, part, heading))
    return tuple(out)


def _sections(
    data: LineDict, problems: Problems, claim: _Claim, type_codes: set[str]
) -> tuple[Section, ...]:
    raw = _get(data, "sections", list, problems)
    out: list[Section] = []
    for item in raw or []:
        if not isinstance(item, LineDict):
            problems.add(_line(raw, ""), "mỗi mục phải có 'number', 'heading' và 'indicators'")
            continue
        _unknown_keys(item, {"number", "heading", "indicators", "applies_to"}, problems, "sections")
        section_types = _applies_to(item, problems, type_codes)
        number = _get(item, "number", int, problems)
        heading = _get(item, "heading", str, problems)
        if number is not None and any(s.number == number for s in out):
            problems.add(_line(item, "number"), f"mục số {number} bị trùng")
        raw_inds = _get(item, "indicators", list, problems)
        inds: list[Indicator] = []
        for ind in raw_inds or []:
            if not isinstance(ind, LineDict):
                problems.add(_line(raw_inds, ""), "mỗi chỉ tiêu phải là một bảng id, label, kind…")
                continue
            built = _indicator(ind, number or 0, problems, claim)
            if built is not None:
                limits = _limits(ind, problems, type_codes)
                if limits and not built.numeric:
                    problems.add(
                        _line(ind, "min" if "min" in ind else "max"),
                        f"chỉ tiêu '{built.id}' không phải số nên không có "
                        f"{problems.words.key('min')}, {problems.words.key('max')}",
                    )
                built = dataclasses.replace(
                    built,
                    applies_to=_applies_to(ind, problems, type_codes, section_types),
                    limits=limits,
                )
                inds.append(built)
        if raw_inds is not None and not raw_inds:
            problems.add(_line(item, "indicators"), f"mục {number} chưa có chỉ tiêu nào")
        if number is not None and heading:
            out.append(Section(number, heading, tuple(inds), section_types))
    return tuple(out)


def _indicator(ind: LineDict, section: int, problems: Problems, claim: _Claim) -> Indicator | None:
    _unknown_keys(
        ind,
        {
            "id", "label", "kind", "unit", "aggregate", "level", "applies_to", "total_label",
            "min", "max", "last_year",
        },
        problems,
        "một chỉ tiêu",
    )  # fmt: skip
    iid = _get(ind, "id", str, problems)
    label = _get(ind, "label", str, problems)
    kind = _get(ind, "kind", str, problems)
    if kind is not None and kind not in KINDS:
        problems.add(
            _line(ind, "kind"),
            f"loại '{kind}' không có; chọn một trong: {problems.words.choices('kind')}",
        )
        kind = None
    default_agg = default_aggregate(kind or "")
    aggregate = _get(ind, "aggregate", str, problems, required=False) or default_agg
    if aggregate not in AGGREGATES:
        problems.add(
            _line(ind, "aggregate"),
            f"cách cộng '{aggregate}' không có; chọn một trong: "
            f"{problems.words.choices('aggregate')}",
        )
        aggregate = default_agg  # the form is refused: what the rest of the checks assume
    elif kind is not None and aggregate != default_agg and kind in (Kind.YESNO, Kind.TEXT):
        problems.add(
            _line(ind, "aggregate"),
            f"chỉ tiêu loại {problems.words.value('kind', kind)} chỉ cộng theo cách "
            f"{problems.words.value('aggregate', default_agg)}",
        )
    elif kind in NUMERIC_KINDS and aggregate != Aggregation.SUM:
        problems.add(
            _line(ind, "aggregate"),
            f"chỉ tiêu là số chỉ cộng theo cách {problems.words.value('aggregate', 'sum')}",
        )
    unit = ind.get("unit", "")
    if not isinstance(unit, str):
        problems.add(_line(ind, "unit"), "'unit' phải là một đoạn chữ (ví dụ: lớp, người, đồng)")
        unit = ""
    if kind in NUMERIC_KINDS and not unit:
        problems.add(
            _line(ind, "unit"),
            f"chỉ tiêu '{iid}' là số nên cần {problems.words.key('unit', 'đơn vị tính')}",
        )
    level = ind.get("level", 1)
    if level not in (1, 2) or isinstance(level, bool):
        problems.add(_line(ind, "level"), f"{problems.words.key('level')} phải là 1 hoặc 2")
        level = 1
    if iid:
        claim(iid, _line(ind, "id"))
        claim(iid + NOTE_SUFFIX, _line(ind, "id"), figure=False)
    total_label = ind.get("total_label", "")
    if not isinstance(total_label, str):
        problems.add(_line(ind, "total_label"), "'total_label' phải là một đoạn chữ")
        total_label = ""
    if not (iid and label and kind):
        return None
    return Indicator(
        iid, label, Kind(kind), unit, Aggregation(aggregate), section, level,
        total_label=total_label, last_year=_last_year_ids(ind, problems),
    )  # fmt: skip


def _last_year_ids(ind: LineDict, problems: Problems) -> tuple[str, ...] | None:
    """`last_year`: the id of last year's row (renamed), a list of them (merged), or 'mới'."""
    if "last_year" not in ind:
        return None
    raw = ind["last_year"]
    if raw == NEW_ROW or raw == []:
        return ()
    names = raw if isinstance(raw, list) else [raw]
    written = [n for n in names if isinstance(n, str) and n.strip()]
    if not names or len(written) != len(names):
        problems.add(
            _line(ind, "last_year"),
            f"{problems.words.key('last_year')} là mã dòng năm trước, danh sách các mã (các dòng "
            f"gộp lại), hoặc '{NEW_ROW}'",
        )
        return None
    return tuple(dict.fromkeys(n.strip() for n in written))


def _rules(
    data: LineDict, problems: Problems, indicators: dict[str, Indicator], not_figures: set[str]
) -> tuple[Rule, ...]:
    raw = _get(data, "rules", list, problems, required=False) or []
    out: list[Rule] = []
    for item in raw:
        if not isinstance(item, LineDict):
            problems.add(
                _line(raw, ""), "mỗi quy tắc phải có id, left, operator, right, severity, message"
            )
            continue
        _unknown_keys(
            item,
            {"id", "when", "left", "operator", "right", "require", "forbid", "severity", "message"},
            problems,
            "một quy tắc",
        )
        rule = _rule(item, problems, indicators, not_figures, out)
        if rule is not None:
            out.append(rule)
    return tuple(out)


def _rule(
    item: LineDict,
    problems: Problems,
    indicators: dict[str, Indicator],
    not_figures: set[str],
    earlier: list[Rule],
) -> Rule | None:
    rid = _get(item, "id", str, problems)
    if rid and any(r.id == rid for r in earlier):
        problems.add(_line(item, "id"), f"quy tắc '{rid}' bị trùng")
    severity = _get(item, "severity", str, problems)
    if severity is not None and severity not in SEVERITIES:
        words = problems.words
        problems.add(
            _line(item, "severity"),
            f"{words.key('severity')} phải là {words.value('severity', 'error')} hoặc "
            f"{words.value('severity', 'warning')}",
        )
        severity = None
    message = _get(item, "message", str, problems)
    presence = [k for k in PRESENCE if k in item]
    compared = [k for k in ("left", "operator", "right") if k in item]
    operator: str | None = None
    sides: dict[str, Expr] = {}
    target = ""
    if (presence and compared) or len(presence) > 1:
        problems.add(
            item.line,
            f"quy tắc '{rid}' chỉ dùng một trong: so sánh (left, operator, right), 'require' "
            "hoặc 'forbid'",
        )
        return None
    if presence:
        target = str(item[presence[0]]).strip()
        if target not in indicators:
            hint = " (đây là ô ghi chú/phần lời)" if target in not_figures else ""
            problems.add(
                _line(item, presence[0]),
                f"quy tắc '{rid}' dùng chỉ tiêu '{target}' không có trong biểu mẫu{hint}",
            )
            target = ""
    else:
        operator = _get(item, "operator", str, problems)
        if operator is not None and operator not in OPERATORS:
            problems.add(
                _line(item, "operator"),
                f"phép so sánh '{operator}' không có; dùng một trong "
                f"{problems.words.choices('operator')}",
            )
            operator = None
        for key in ("left", "right"):
            if key not in item:
                problems.add(item.line, f"thiếu mục bắt buộc {problems.words.key(key)}")
                continue
            try:
                sides[key] = parse_expr(str(item[key]))
            except ValueError as exc:
                problems.add(_line(item, key), str(exc))
    when = None
    if "when" in item:
        try:
            when = parse_comparison(str(item["when"]))
        except ValueError as exc:
            problems.add(_line(item, "when"), str(exc))
    used = [(key, e.ids) for key, e in sides.items()]
    if when is not None:
        used += [("when", when.left.ids), ("when", when.right.ids)]
    for key, ids in used:
        where = problems.words.within(item, _line(item, key))
        for ref in ids:
            if ref not in indicators:
                hint = " (đây là ô ghi chú/phần lời)" if ref in not_figures else ""
                problems.add(
                    where,
                    f"quy tắc '{rid}' dùng chỉ tiêu '{ref}' không có trong biểu mẫu{hint}",
                )
            elif indicators[ref].kind == Kind.TEXT:
                problems.add(
                    where,
                    f"quy tắc '{rid}' so sánh chỉ tiêu chữ '{ref}'; với ô chữ chỉ dùng được "
                    f"{problems.words.value('operator', 'require', 'phải điền')} hoặc "
                    f"{problems.words.value('operator', 'forbid', 'phải để trống')}",
                )
    if message:
        try:
            message.format(left_value=0, right_value=0, when_value=0)
        except (KeyError, IndexError, ValueError) as exc:
            problems.add(
                _line(item, "message"),
                f"lời nhắn chỉ được dùng {{left_value}}, {{right_value}}, {{when_value}} ({exc})",
            )
    if not (rid and severity and message):
        return None
    if presence:
        if not target:
            return None
        return Rule(rid, None, Severity(severity), message, when, presence[0], target)
    if operator and len(sides) == 2:
        return Rule(
            rid,
            Comparison(sides["left"], operator, sides["right"]),
            Severity(severity),
            message,
            when,
        )
    return None
