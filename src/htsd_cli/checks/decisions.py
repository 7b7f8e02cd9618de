"""The clerk's decisions, kept beside the returns in one workbook the clerk edits (quyet-dinh.xlsx).

When htsd doubts (whose a file is, which copy of a sheet counts, whether a figure is what the
unit meant) it holds the file or the figure (findings.HELD_CODES) and prints, for each, one row of
this workbook. The clerk pastes the row, picks a decision, and every later run applies it:

- "Tệp của đơn vị": the file (or its sheet named in "Trang") is the report of unit "Mã đơn vị";
- "Giữ như đã gõ": the held figure is counted as typed (`FileReport.held` holds what that is);
  on a figure counted with a warning of CONFIRMABLE_CODES (far from the unit's own last year),
  the warning is confirmed and silenced;
- "Đọc là": the figure is read as the number in "Đọc là" (any figure with a finding), and the
  form's rules are judged again with it;
- "Để riêng": the file (or its sheet) is set aside, not counted.

A decision names the file by its name and by "Mã tệp", the first 12 hex digits of the SHA-256 of
its bytes: a file that has changed since is not decided, and the decision is reported instead of
applied (so is a figure whose cell no longer holds what "Đã gõ" says). Returns are never modified;
decisions are applied to each run's readings, after the read cache.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from htsd_cli.base.errors import ConfigError
from htsd_cli.base.findings import CONFIRMABLE_CODES, HELD_CODES, WARNING, Code, FileReport, Finding
from htsd_cli.base.fsutil import modified
from htsd_cli.base.textnorm import fold
from htsd_cli.base.values import ValueProblem, parse_vn_number, read_yes_no, show
from htsd_cli.campaign.form import Form, Kind
from htsd_cli.campaign.roster import Roster, Unit

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from htsd_cli.reading.view import CellValue, Grid

DECISIONS_NAME = "quyet-dinh.xlsx"
SHEET = "Quyết định"
COLUMNS = (
    "Tệp", "Mã tệp", "Quyết định", "Mã đơn vị", "Trang", "Ô", "Chỉ tiêu", "Đã gõ", "Đọc là",
    "Lý do",
)  # fmt: skip
OWNER, AS_TYPED, READ_AS, ASIDE = "Tệp của đơn vị", "Giữ như đã gõ", "Đọc là", "Để riêng"
KINDS = (OWNER, AS_TYPED, READ_AS, ASIDE)
CODE_LENGTH = 12
HEADER_ROWS = 10  # the header may stand below a title or a blank line or two
SET_ASIDE = Code.SET_ASIDE


@dataclass(frozen=True, kw_only=True)
class Place:
    """What a row of the decisions workbook is about: a file (by its name and its code), and
    the unit, sheet and figure where it names them."""

    file: str
    code: str
    unit: str = ""
    sheet: str = ""
    cell: str = ""
    indicator: str = ""
    typed: str = ""  # the figure as typed in the cell, as a message quotes it


@dataclass(frozen=True, kw_only=True)
class Decision(Place):
    """One row of the decisions workbook."""

    row: int
    kind: str
    value: CellValue = None  # what "Đọc là" holds, as the workbook holds it
    reason: str = ""

    @property
    def read_as(self) -> str:
        """What 'Đọc là' holds, as a message quotes it ('' when empty)."""
        return "" if self.value is None else show(self.value)

    def to_dict(self) -> dict[str, object]:
        return {
            "row": self.row, "file": self.file, "code": self.code, "decision": self.kind,
            "unit": self.unit, "sheet": self.sheet, "cell": self.cell,
            "indicator": self.indicator, "typed": self.typed, "read_as": self.read_as,
            "reason": self.reason,
        }  # fmt: skip


@dataclass
class Outcome:
    """What became of a decision: applied, or why not (a sentence for the clerk)."""

    decision: Decision
    applied: bool = False
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        return {**self.decision.to_dict(), "applied": self.applied, "note": self.note}


@dataclass(frozen=True, kw_only=True)
class Row(Place):
    """A held file or figure, as the row of the decisions workbook that would settle it."""

    why: str = ""  # the held finding's title (not a column: said beside the rows)
    counted: bool = False  # a warning on a figure counted all the same (CONFIRMABLE_CODES)

    def cells(self) -> list[str]:
        """The row's cells in the workbook's order. A cell Excel would turn into a number or a
        date when pasted (a code of digits, '3/5', '80.000') starts with an apostrophe, which
        keeps it as typed (and which htsd drops when it reads the workbook)."""

        def kept(text: str) -> str:
            return "'" + text if text else ""

        return [
            self.file, kept(self.code), "", kept(self.unit), self.sheet, self.cell,
            self.indicator, kept(self.typed), "", "",
        ]  # fmt: skip

    def tsv(self) -> str:
        """The row as pasted into Excel: cells separated by tabs (none may hold a tab or a line
        break, or it would spill into the next cell or row)."""
        return "\t".join(" ".join(c.split()) for c in self.cells())

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {**dict(zip(COLUMNS, self.cells(), strict=True)), "held": self.why}
        return out | {"counted": True} if self.counted else out


def file_code(path: str) -> str | None:
    """The first 12 hex digits of the SHA-256 of a file's bytes (None when it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()[:CODE_LENGTH]
    except OSError:
        return None


def is_set_aside(rep: FileReport) -> bool:
    """Whether a decision set this reading aside (it is then counted for nobody)."""
    return any(f.code == SET_ASIDE for f in rep.findings)


# --- reading the workbook ------------------------------------------------------------------------


_KEYS = {fold(title): key for title, key in zip(COLUMNS, (
    "file", "code", "kind", "unit", "sheet", "cell", "indicator", "typed", "value", "reason",
), strict=True)}  # fmt: skip
_KINDS = {fold(kind): kind for kind in KINDS}


def _text(value: object) -> str:
    """A cell as text: numbers without '.0', an apostrophe kept from a pasted row dropped."""
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return show(value)
    text = " ".join(str(value).split())
    return text[1:].strip() if text.startswith("'") else text


def _code(value: object) -> str:
    """'Mã tệp' as written; a code of digits that Excel made a number gets its zeros back."""
    if isinstance(value, float) and value.is_integer() and 0 <= value < 16**CODE_LENGTH:
        return f"{int(value):0{CODE_LENGTH}d}"
    return _text(value).lower()


def load_decisions(path: Path | None) -> Decisions | None:
    """The decisions workbook named in htsd.toml (None when none is named or it is not there
    yet). A row htsd cannot use is kept with the reason, to be reported; a workbook that cannot
    be read at all is a ConfigError."""
    if path is None or not path.exists():
        return None
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        with CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes())) as wb:
            names = list(wb.sheet_names)
            sheet = SHEET if SHEET in names else names[0]
            rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=100_000)
    except OSError as exc:
        from htsd_cli.base.errors import os_reason

        raise ConfigError(
            f"Không đọc được sổ quyết định {path}: {os_reason(exc)}. Nếu tệp đang mở trong "
            "Excel, hãy lưu và đóng tệp rồi chạy lại."
        ) from None
    except (CalamineError, ValueError, IndexError, EOFError) as exc:
        raise ConfigError(
            f"Không mở được sổ quyết định {path}: tệp hỏng hoặc không phải bảng tính .xlsx "
            f"({exc.__class__.__name__}). Hãy mở bằng Excel, lưu lại thành .xlsx rồi chạy lại."
        ) from None
    return parse_decisions(rows, path.name)


def parse_decisions(rows: Grid, name: str = DECISIONS_NAME) -> Decisions:
    """The decisions in rows of cells: a header row naming the columns (in any order), then
    one decision a row; blank rows are skipped."""
    header_at, columns = -1, {}
    for at, row in enumerate(rows[:HEADER_ROWS]):
        found = {_KEYS[fold(_text(v))]: c for c, v in enumerate(row) if fold(_text(v)) in _KEYS}
        if "file" in found and "kind" in found:
            header_at, columns = at, found
            break
    book = Decisions(name)
    if header_at < 0:
        if any(_text(v) for row in rows for v in row):
            raise ConfigError(
                f"Sổ quyết định {name}: không thấy dòng tiêu đề có các cột "
                f"{', '.join(COLUMNS)}. Hãy dùng tệp htsd init đã tạo."
            )
        return book
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        raw = {key: row[c] if c < len(row) else None for key, c in columns.items()}
        if not any(_text(v) for v in raw.values()):
            continue
        book.add(_decision(number, raw))
    return book


def _decision(number: int, raw: Mapping[str, CellValue]) -> Decision | Outcome:
    """A row as a decision, or, when it cannot be one, as an outcome saying why."""
    kind = _KINDS.get(fold(_text(raw.get("kind"))), "")
    decision = Decision(
        row=number, file=_text(raw.get("file")), code=_code(raw.get("code")),
        kind=kind or _text(raw.get("kind")), unit=_text(raw.get("unit")),
        sheet=_text(raw.get("sheet")), cell=_text(raw.get("cell")).upper(),
        indicator=_text(raw.get("indicator")), typed=_text(raw.get("typed")),
        value=None if _text(raw.get("value")) == "" else raw.get("value"),
        reason=_text(raw.get("reason")),
    )  # fmt: skip
    problem = ""
    if not decision.file:
        problem = "thiếu tên tệp (cột Tệp)"
    elif not decision.kind:
        problem = f"chưa chọn Quyết định (một trong: {', '.join(KINDS)})"
    elif not kind:
        problem = f"Quyết định '{decision.kind}' không rõ; hãy chọn một trong: {', '.join(KINDS)}"
    elif not decision.code:
        problem = "thiếu Mã tệp: hãy chép cả dòng htsd in ra, có Mã tệp"
    elif kind == OWNER and not decision.unit:
        problem = "'Tệp của đơn vị' cần Mã đơn vị của đơn vị đúng"
    elif kind in (AS_TYPED, READ_AS) and not (decision.indicator or decision.cell):
        problem = f"'{kind}' cần ô (cột Ô) hoặc mã chỉ tiêu (cột Chỉ tiêu) của số liệu"
    elif kind == READ_AS and decision.value is None:
        problem = "'Đọc là' cần con số ghi ở cột Đọc là"
    if problem:
        return Outcome(decision, False, f"Chưa áp dụng: {problem}.")
    return decision


# --- applying them ------------------------------------------------------------------------------


@dataclass
class Decisions:
    """The decisions of one workbook, and what became of each in this run."""

    name: str
    items: list[Decision] = field(default_factory=list)
    outcomes: dict[int, Outcome] = field(default_factory=dict)
    _bound: dict[int, list[FileReport]] = field(default_factory=dict, repr=False)
    _owners: dict[int, Decision] = field(default_factory=dict, repr=False)
    _codes: dict[str, str | None] = field(default_factory=dict, repr=False)

    def add(self, item: Decision | Outcome) -> None:
        if isinstance(item, Outcome):
            self.outcomes[item.decision.row] = item
        else:
            self.items.append(item)

    def results(self) -> list[Outcome]:
        """Every row's outcome, in the workbook's order (a row matched no reading: said so)."""
        for d in self.items:
            self.outcomes.setdefault(d.row, Outcome(d, False, "Chưa áp dụng."))
        return [self.outcomes[row] for row in sorted(self.outcomes)]

    def where(self, d: Decision) -> str:
        return f"dòng {d.row} của {self.name}"

    def _said(self, d: Decision, applied: bool, note: str) -> None:
        self.outcomes[d.row] = Outcome(d, applied, note)

    def code_of(self, path: str) -> str | None:
        if path not in self._codes:
            self._codes[path] = file_code(path)
        return self._codes[path]

    def bind(self, files: list[FileReport]) -> None:
        """Match each decision to the readings of its file, by the file's name and its bytes
        (Mã tệp); a file changed since the decision is reported on the file, not decided."""
        by_name: dict[str, list[FileReport]] = {}
        for rep in files:
            by_name.setdefault(os.path.basename(rep.path).casefold(), []).append(rep)
        for d in self.items:
            wanted = d.file.replace("\\", "/")
            named = [
                rep for rep in by_name.get(wanted.rsplit("/", 1)[-1].casefold(), [])
                if "/" not in wanted
                or rep.path.replace("\\", "/").casefold().endswith("/" + wanted.casefold())
            ]  # fmt: skip
            if not named:
                self._said(d, False, f"Chưa áp dụng: không có tệp nào tên '{d.file}' trong các "
                           "thư mục báo cáo (tệp đã bị xóa hay đổi tên?).")  # fmt: skip
                continue
            same = [rep for rep in named if self._unchanged(rep, d.code)]
            if not same:
                rep = named[0]
                now = self.code_of(rep.path) or "?"
                self._stale(
                    d, rep, f"tệp {os.path.basename(rep.path)} đã thay đổi từ khi ghi quyết "
                    f"định (Mã tệp nay là {now}, quyết định ghi {d.code})",
                )  # fmt: skip
                continue
            if d.sheet:
                same = [rep for rep in same if rep.sheet.casefold() == d.sheet.casefold()]
                if not same:
                    self._said(d, False, f"Chưa áp dụng: tệp {d.file} không có trang biểu mẫu "
                               f"nào tên '{d.sheet}'.")  # fmt: skip
                    continue
            elif d.kind == OWNER:  # the file's own sheets, not a sheet another unit filled
                same = [rep for rep in same if not rep.other_unit] or same[:1]
            self._bound[d.row] = same
            if d.kind == OWNER:
                for rep in same:
                    self._own(d, rep)

    def _unchanged(self, rep: FileReport, code: str) -> bool:
        """The file still holds the bytes the decision was made on, and it has not changed
        since this run read it."""
        return self.code_of(rep.path) == code and modified(rep.path) == rep.mtime

    def _stale(self, d: Decision, rep: FileReport, why: str) -> None:
        note = f"Không áp dụng: {why}. Hãy xem lại rồi sửa hoặc xóa dòng này."
        self._said(d, False, note)
        rep.findings.append(
            Finding(
                Code.DECISION_STALE,
                WARNING,
                f"Quyết định ở {self.where(d)} ({d.kind}) không còn khớp: {why}; chưa áp dụng. "
                "Hãy xem lại rồi sửa hoặc xóa dòng đó.",
                rep.path,
                sheet=rep.sheet if d.cell else "",
                cell=d.cell,
                indicator=d.indicator,
                value=d.typed,
            )
        )

    def _own(self, d: Decision, rep: FileReport) -> None:
        """One more 'Tệp của đơn vị' for a reading: two that name different units cancel
        each other (neither is guessed right)."""
        before = self._owners.get(id(rep))
        if before is None or before.row == d.row:
            self._owners[id(rep)] = d
        elif fold(before.unit).upper() != fold(d.unit).upper():
            note = (
                f"Chưa áp dụng: dòng {before.row} và dòng {d.row} ghi tệp "
                f"{os.path.basename(rep.path)} là của hai đơn vị khác nhau ({before.unit}, "
                f"{d.unit}); hãy giữ một dòng."
            )
            self._said(before, False, note)
            self._said(d, False, note)
            self._owners[id(rep)] = Decision(row=0, file=d.file, code=d.code, kind="")  # neither
        else:
            self._said(d, False, f"Chưa áp dụng: trùng với dòng {before.row}.")

    def owner_unit(self, rep: FileReport, roster: Roster) -> Unit | None:
        """The unit a 'Tệp của đơn vị' decision says this reading is of (None when there is
        none, or its code is not in the roster: said). A reading of this form is told so; a
        file of another form, or none, is only shown as sent by that unit."""
        d = self._owners.get(id(rep))
        if d is None or not d.row:
            return None
        unit = roster.find(d.unit)
        if unit is None:
            self._said(d, False, f"Chưa áp dụng: mã đơn vị '{d.unit}' không có trong danh sách "
                       f"đơn vị ({roster.source.name}).")  # fmt: skip
            return None
        if not rep.form_id:
            self._said(d, True, f"Đã áp dụng: tệp không dùng được, nhưng được ghi là {unit.code} "
                       "đã gửi.")  # fmt: skip
            return unit
        whose = f"trang '{rep.sheet}' của tệp" if rep.other_unit else "tệp"
        rep.findings.append(
            Finding(
                Code.DECIDED,
                WARNING,
                f"Tính {whose} cho {unit.code} ({unit.name}) theo quyết định ở "
                f"{self.where(d)}{_because(d)}.",
                rep.path,
                sheet=rep.sheet,
                value=unit.code,
            )
        )
        self._said(d, True, f"Đã áp dụng: tính cho {unit.code}.")
        return unit

    def set_aside(self, files: list[FileReport]) -> None:
        """'Để riêng': the readings are set aside. A sheet chosen by 'Tệp của đơn vị' among
        copies that disagree sets the other copies aside; copies reduced to one are no longer
        held."""
        for d in self.items:
            reps = self._bound.get(d.row, [])
            if d.kind == ASIDE and reps:
                what = "Tệp" if not d.sheet else "Trang '{}' của tệp"
                for rep in reps:
                    self._put_aside(rep, f"{what.format(rep.sheet)} để riêng, không tính, theo "
                                    f"quyết định ở {self.where(d)}{_because(d)}.")  # fmt: skip
                self._said(d, True, "Đã áp dụng: để riêng, không tính.")
            elif d.kind == OWNER and d.sheet and reps:
                for rep in reps:
                    for other in _copies_of(rep, files):
                        self._put_aside(other, f"Trang '{other.sheet}' để riêng, không tính: "
                                        f"quyết định ở {self.where(d)} chọn trang '{rep.sheet}'.")  # fmt: skip
        groups: dict[tuple[str, str], list[FileReport]] = {}
        for rep in files:
            for f in rep.findings:
                if f.code == Code.SHEET_COPIES_DISAGREE:
                    groups.setdefault((rep.path, f.value), []).append(rep)
        for (_, names), reps in groups.items():
            left = [rep for rep in reps if not is_set_aside(rep)]
            if len(left) == 1 and len(reps) > 1:
                rep = left[0]
                rep.findings = [f for f in rep.findings if f.code != Code.SHEET_COPIES_DISAGREE]
                rep.findings.append(
                    Finding(
                        Code.DECIDED,
                        WARNING,
                        f"Tệp có các trang {names} khác nhau; theo quyết định của cán bộ, chỉ "
                        f"tính trang '{rep.sheet}', các trang kia để riêng.",
                        rep.path,
                        sheet=rep.sheet,
                    )
                )

    def _put_aside(self, rep: FileReport, message: str) -> None:
        if not is_set_aside(rep):
            rep.findings.append(Finding(SET_ASIDE, WARNING, message, rep.path, sheet=rep.sheet))

    def settle_figures(self, files: list[FileReport], form: Form) -> None:
        """'Giữ như đã gõ' and 'Đọc là', after every other check of the batch (a figure held
        against its peers is held by then)."""
        for d in self.items:
            if d.kind not in (AS_TYPED, READ_AS) or d.row not in self._bound:
                continue
            candidates = self._bound[d.row]
            target = None
            for rep in candidates:
                ind_id = _figure(rep, form, d)
                if ind_id:
                    target = (rep, ind_id)
                    break
            if target is None:
                self._said(d, False, f"Chưa áp dụng: tệp {d.file} không có ô "
                           f"{d.cell or d.indicator} nào là số liệu của biểu mẫu.")  # fmt: skip
                continue
            self._settle(d, *target, form)

    def _settle(self, d: Decision, rep: FileReport, ind_id: str, form: Form) -> None:
        ind = form.indicator(ind_id)
        cell = rep.cells.get(ind_id, "") or d.cell
        if d.cell and rep.cells.get(ind_id) and d.cell != rep.cells[ind_id]:
            self._said(d, False, f"Chưa áp dụng: chỉ tiêu {ind_id} ở ô {rep.cells[ind_id]}, "
                       f"không phải ô {d.cell}; hãy sửa cột Ô hoặc Chỉ tiêu.")  # fmt: skip
            return
        own = [f for f in rep.findings if f.indicator == ind_id and f.code not in _NOT_FIGURE]
        kind = form.unit_type(rep.unit_type) if rep.unit_type else None
        if ind_id in rep.ignored or (kind is not None and not ind.applies(kind.code)):
            self._said(d, False, f"Chưa áp dụng: dòng '{ind.label.rstrip(' :')}' không dành cho "
                       f"{kind.label.lower() if kind else 'loại đơn vị này'}, nên không tính dù "
                       "đọc thế nào.")  # fmt: skip
            return
        read = rep.values.get(ind_id) if ind_id in rep.values else rep.held.get(ind_id)
        now = own[0].value if own else _shown(read)
        if d.typed and not _same(d.typed, now):
            self._stale(d, rep, f"ô {cell} nay ghi '{now}', không còn là '{d.typed}'")
            return
        confirms = ind_id in rep.values and any(f.code in CONFIRMABLE_CODES for f in own)
        if d.kind == AS_TYPED and ind_id not in rep.held and confirms:
            value = rep.values[ind_id]  # counted already: the warnings on it are confirmed
            done = f"giữ số đã gõ {_shown(value)}"
        elif d.kind == AS_TYPED:
            if ind_id not in rep.held:
                self._said(d, False, f"Chưa áp dụng: số liệu ô {cell} không bị giữ lại chờ xác "
                           "nhận; 'Giữ như đã gõ' chỉ dùng cho số liệu đang chờ (dùng 'Đọc là' "
                           "để đọc một con số khác).")  # fmt: skip
                return
            value = rep.held[ind_id]
            if value is None:
                self._said(d, False, f"Chưa áp dụng: ô {cell} không đọc được con số nào; hãy "
                           "dùng 'Đọc là' với con số đúng.")  # fmt: skip
                return
            done = f"giữ số đã gõ {_shown(value)}"
        else:
            try:
                value = _read_as(d.value, ind.kind, ind.whole)
            except ValueError as problem:
                self._said(d, False, f"Chưa áp dụng: Đọc là '{_shown(d.value)}' {problem}.")
                return
            done = f"đọc là {_shown(value)}"
        from htsd_cli.checks.context import where

        if ind_id in rep.held:
            rep.held.pop(ind_id)
        rep.values[ind_id] = value
        rep.findings = [f for f in rep.findings if f not in own]
        rep.findings.append(
            Finding(
                Code.DECIDED,
                WARNING,
                f"{where(cell, ind)}: {done} theo quyết định ở {self.where(d)}{_because(d)}.",
                rep.path,
                rep.sheet,
                cell,
                ind_id,
                ind.label,
                now,
            )
        )
        _judge_again(rep, form, ind_id)
        self._said(d, True, f"Đã áp dụng: {done}.")


_NOT_FIGURE = frozenset({Code.RULE_VIOLATED, Code.DECIDED, Code.DECISION_STALE})


def _because(d: Decision) -> str:
    return f" (lý do: {d.reason})" if d.reason else ""


def _copies_of(rep: FileReport, files: Iterable[FileReport]) -> list[FileReport]:
    """The other sheets of the same file held with `rep` as copies that disagree."""
    names = {f.value for f in rep.findings if f.code == Code.SHEET_COPIES_DISAGREE}
    return [
        other for other in files
        if other is not rep and other.path == rep.path
        and any(f.code == Code.SHEET_COPIES_DISAGREE and f.value in names for f in other.findings)
    ]  # fmt: skip


def _figure(rep: FileReport, form: Form, d: Decision) -> str:
    """The indicator a decision names in this reading ('' when it names none)."""
    ids = {ind.id for ind in form.indicators}
    if d.indicator:
        return d.indicator if d.indicator in ids else ""
    found = [key for key, ref in rep.cells.items() if ref == d.cell and key in ids]
    return found[0] if found else ""


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "Có" if value else "Không"
    return "" if value is None else show(value)


def _same(decided: str, now: str) -> bool:
    """What the decision says was typed is what the cell holds (a number Excel reformatted
    when the row was pasted still agrees)."""
    if fold(decided) == fold(now):
        return True
    try:
        return parse_vn_number(decided).value == parse_vn_number(now).value
    except ValueProblem:
        return False


def _read_as(value: object, kind: str, whole: bool) -> bool | str | float:
    """The figure a clerk wrote in 'Đọc là', for a row of this kind; ValueError saying why not."""
    if kind == Kind.YESNO:
        try:
            return read_yes_no(value)[0]
        except ValueProblem:
            raise ValueError("không phải Có hoặc Không") from None
    if kind == Kind.TEXT:
        return _text(value)
    if isinstance(value, (bool, dt.date, dt.datetime)):
        raise ValueError("không phải một con số")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        try:
            number = parse_vn_number(_text(value)).value
        except ValueProblem:
            raise ValueError("không phải một con số") from None
    if number < 0:
        raise ValueError("là số âm")
    if whole and not number.is_integer():
        raise ValueError("không phải số nguyên")
    return number


def _judge_again(rep: FileReport, form: Form, ind_id: str) -> None:
    """The form's rules that use a decided figure, judged again with it (not those using a row
    the unit does not answer: they were never judged)."""
    from htsd_cli.checks.cells import check_rules
    from htsd_cli.checks.context import Context
    from htsd_cli.reading.view import SheetView

    unit_type = form.unit_type(rep.unit_type) if rep.unit_type else None
    outside = {i.id for i in form.indicators if unit_type and not i.applies(unit_type.code)}
    again = {r.id for r in form.rules if ind_id in r.ids and not (outside & set(r.ids))}
    if not again:
        return
    rep.findings = [
        f for f in rep.findings if not (f.code == Code.RULE_VIOLATED and f.rule in again)
    ]
    judged = FileReport(rep.path, cells=rep.cells, kind=rep.kind, sheet=rep.sheet)
    view = SheetView(rep.path, rep.fmt, rep.sheet, [])
    check_rules(Context(view, form, False, judged, values=dict(rep.values)))
    rep.findings += [f for f in judged.findings if f.rule in again]


# --- rows to decide ------------------------------------------------------------------------------


def rows_to_decide(files: list[FileReport], decisions: Decisions | None = None) -> list[Row]:
    """One row of the decisions workbook for each held file or figure, to paste and complete
    (and for each figure counted with a warning that 'Giữ như đã gõ' confirms)."""
    code_of = decisions.code_of if decisions is not None else functools.cache(file_code)
    rows: list[Row] = []
    for rep in files:
        held = [f for f in rep.findings if f.code in HELD_CODES or f.code in CONFIRMABLE_CODES]
        if not held or is_set_aside(rep):
            continue
        code = code_of(rep.path) or ""
        name = os.path.basename(rep.path)
        seen: set[str] = set()
        for f in held:
            if f.indicator in seen:
                continue
            seen.add(f.indicator)
            figure = {"unit": rep.unit_code, "cell": f.cell, "indicator": f.indicator,
                      "typed": f.value} if f.indicator else {}  # fmt: skip
            rows.append(
                Row(file=name, code=code, sheet=rep.sheet, why=f.title,
                    counted=f.code in CONFIRMABLE_CODES, **figure)
            )  # fmt: skip
    return rows


# --- the workbook htsd init makes ----------------------------------------------------------------


GUIDE = (
    "Sổ quyết định: mỗi dòng là một quyết định của cán bộ tổng hợp về một tệp hay một số liệu "
    'mà htsd chưa dám tính ("cần xác nhận"). htsd không bao giờ sửa tệp của đơn vị.',
    "Cách ghi: htsd validate và htsd status in sẵn mỗi chỗ cần xác nhận một dòng (các ô cách nhau "
    "bằng dấu Tab). Chép dòng đó, dán vào ô cột A của một dòng trống ở trang 'Quyết định', rồi "
    "chọn Quyết định trong danh sách và ghi Đọc là, Lý do nếu cần.",
    "Tệp của đơn vị: tệp (hoặc trang ghi ở cột Trang) là báo cáo của đơn vị có Mã đơn vị ghi ở "
    "cột Mã đơn vị.",
    "Giữ như đã gõ: tính số liệu đúng như đơn vị đã gõ (với số khác xa năm trước: số đã được "
    "hỏi lại là đúng, không nhắc nữa).",
    "Đọc là: tính số liệu là con số ghi ở cột Đọc là (ghi Lý do, ví dụ đã hỏi lại đơn vị qua "
    "điện thoại).",
    "Để riêng: không tính tệp (hoặc trang ghi ở cột Trang).",
    "Mã tệp và Đã gõ cho biết quyết định được ghi với tệp nào: nếu đơn vị gửi lại tệp khác, "
    "quyết định cũ không được áp dụng và htsd báo ra để cán bộ xem lại.",
)


def decisions_workbook() -> bytes:
    """The empty decisions workbook: its columns, a list to pick each decision from, the code
    columns kept as text (so Excel keeps a code of digits as typed), and a short guide."""
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from htsd_cli.writing.package import FONT_NAME, normalise_package
    from htsd_cli.writing.xlstyle import first_sheet, new_workbook

    wb = new_workbook()
    ws = first_sheet(wb)
    ws.title = SHEET
    bold = Font(name=FONT_NAME, bold=True)
    widths = (34, 16, 18, 12, 14, 8, 18, 16, 12, 40)
    for c, (title, width) in enumerate(zip(COLUMNS, widths, strict=True), start=1):
        ws.cell(row=1, column=c, value=title).font = bold
        ws.column_dimensions[chr(64 + c)].width = width
    for column in "BDH":  # Mã tệp, Mã đơn vị, Đã gõ: text, never a number or a date
        ws.column_dimensions[column].number_format = "@"
    ws.freeze_panes = "A2"
    listing = DataValidation(type="list", formula1='"' + ",".join(KINDS) + '"')
    listing.error = "Chọn một quyết định trong danh sách."
    listing.prompt = "Chọn: " + "; ".join(KINDS) + "."
    listing.showErrorMessage = listing.showInputMessage = True
    listing.add("C2:C5000")
    ws.add_data_validation(listing)
    guide: Worksheet = wb.create_sheet("Hướng dẫn")
    for line in GUIDE:
        guide.append([line])
    guide.column_dimensions["A"].width = 120
    buffer = io.BytesIO()
    wb.save(buffer)
    return normalise_package(buffer.getvalue())
