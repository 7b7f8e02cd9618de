"""This year beside last year: last year's summary workbook (tong-hop.xlsx) read back, its rows
matched to this year's form, the totals and each unit's figures compared, and a unit's figure
far from its own of last year flagged.

Last year's summary carries all that is needed: its form id and version and the rows it totals
(hidden sheet `_htsd`), the totals (the form sheet, at the cells the same sheet names), and each
unit's figures by indicator id (sheet "Đơn vị x chỉ tiêu", row 2). Rows are matched by id; this
year's form may say a row was called otherwise last year (`last_year: old_id`), merges rows of
last year (`last_year: [a, b]`), was split from one (several rows naming the same id), or is new
(`last_year: mới`). Nothing is compared that cannot be matched: such rows are said, not guessed.
Units are matched by code; the roster's `ma_nam_truoc` names last year's code(s) of a unit that
changed (several: units merged, their figures of last year added up).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from htsd_cli.base.errors import ConfigError
from htsd_cli.base.findings import WARNING, Code, FileReport, Finding, ReadingKind
from htsd_cli.base.textnorm import format_number
from htsd_cli.campaign.form import NOTE_SUFFIX, Form, Indicator
from htsd_cli.campaign.layout import FORM_SHEET, ID_SHEET, VALUE_COL
from htsd_cli.reading.parts import position

if TYPE_CHECKING:
    from htsd_cli.campaign.roster import Roster
    from htsd_cli.reading.view import CellValue, Grid
    from htsd_cli.render.document import Row, Section
    from htsd_cli.totals.aggregate import Aggregate

SUMMARY_NAME = "tong-hop.xlsx"
UNITS_SHEET = "Đơn vị x chỉ tiêu"  # summary.UNITS_SHEET (summary imports pandas-heavy code)
FIRST_FIGURE_COLUMN = 4  # units sheet: code, name, type, group, then the figures

SAME, RENAMED, MERGED, SPLIT, NEW, UNMATCHED = (
    "same", "renamed", "merged", "split", "new", "unmatched",
)  # fmt: skip
COMPARED = frozenset({SAME, RENAMED, MERGED})  # one row of this year against last year's
NEW_WORD = "mới"  # what the report shows for a row new this year

AGAINST_LAST_YEAR = Code.AGAINST_LAST_YEAR
ZERO_AFTER_LAST_YEAR = Code.ZERO_AFTER_LAST_YEAR
# a unit's zero is noted only when its figure of last year was at least this much
MUCH_LAST_YEAR: dict[str, float] = {"count": 10, "people": 50, "money": 1_000_000}


# --- last year's summary -------------------------------------------------------------------------


@dataclass
class LastYear:
    """What last year's summary workbook says: its form, its rows, totals and units' figures."""

    source: Path
    form_id: str = ""
    form_version: str = ""
    year: str = ""
    ids: list[str] = field(default_factory=list)  # the rows it totals, in its form's order
    labels: dict[str, str] = field(default_factory=dict)
    totals: dict[str, float | None] = field(default_factory=dict)
    units: dict[str, dict[str, float]] = field(default_factory=dict)  # code key → id → figure
    unit_names: dict[str, str] = field(default_factory=dict)  # code key → (code, name) shown
    gaps: list[str] = field(default_factory=list)  # what an older summary lacks, in words

    @property
    def name(self) -> str:
        """How the report names last year: 'năm <its year>' (or the file, when the year is unknown)."""
        return f"năm {self.year}" if self.year else f"năm trước ({self.source.name})"

    def figure(self, codes: Iterable[str], ids: Iterable[str]) -> float | None:
        """The figures of last year's units `codes` in rows `ids`, added up; None when any of
        them did not report the row (a part missing would make the sum a guess)."""
        total = 0.0
        for code in codes:
            figures = self.units.get(_key(code))
            if figures is None:
                return None
            for ind_id in ids:
                value = figures.get(ind_id)
                if value is None:
                    return None
                total += value
        return total


def _key(code: str) -> str:
    from htsd_cli.campaign.roster import normalise_code

    return normalise_code(code)


def summary_path(path: Path) -> Path:
    """Last year's summary: the workbook given, or in the working folder given, the one its
    htsd.toml writes (`output`), else tong-hop.xlsx there or in its folder tong-hop/."""
    if not path.is_dir():
        return path
    candidates = [path / SUMMARY_NAME]
    config = path / "htsd.toml"
    if config.is_file():
        from htsd_cli.base.errors import HtsdError
        from htsd_cli.campaign.config import load_config

        try:
            output = load_config(config).output
        except HtsdError:
            output = None
        if output is not None:
            candidates.insert(0, output / SUMMARY_NAME)
    candidates.append(path / "tong-hop" / SUMMARY_NAME)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"Thư mục {path} không có tệp tổng hợp năm trước ({SUMMARY_NAME}, tìm ở: "
        f"{', '.join(str(c) for c in candidates)}). Hãy chỉ thẳng tệp tong-hop.xlsx năm trước."
    )


def load_last_year(path: Path) -> LastYear:
    """Last year's summary workbook (or working folder): ConfigError when it cannot be read or
    is not a summary htsd wrote."""
    path = summary_path(path)
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        with CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes())) as wb:
            names = list(wb.sheet_names)
            sheets = {
                name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
                for name in (ID_SHEET, FORM_SHEET, UNITS_SHEET)
                if name in names
            }
    except (OSError, CalamineError, ValueError, IndexError, EOFError) as exc:
        raise ConfigError(f"Không đọc được tệp tổng hợp năm trước {path}: {_why(exc)}.") from None
    return read_summary(path, sheets)


def _why(exc: Exception) -> str:
    """Why last year's summary cannot be read, in Vietnamese."""
    from htsd_cli.base.errors import os_reason

    if isinstance(exc, OSError):
        return os_reason(exc)
    return f"tệp hỏng hoặc không phải bảng tính .xlsx ({exc.__class__.__name__})"


def read_summary(path: Path, sheets: Mapping[str, Grid]) -> LastYear:
    """Last year from the rows of its summary's sheets (`_htsd`, the form sheet, the units)."""
    stamp = sheets.get(ID_SHEET)
    if not stamp:
        raise ConfigError(
            f"{path} không phải tệp tổng hợp do htsd ghi (không có trang nhận diện {ID_SHEET}); "
            "hãy dùng tệp tong-hop.xlsx mà htsd aggregate ghi năm trước."
        )
    keys: dict[str, str] = {}
    cells: dict[str, str] = {}
    ids: list[str] = []
    for row in stamp:
        head = [_cell_text(v) for v in row[:3]] + ["", "", ""]
        if head[0] == "cell":
            cells[head[1]] = head[2]
        elif head[0] == "reported" and head[1] not in ids:
            ids.append(head[1])
        elif head[0] and head[0] not in keys:
            keys[head[0]] = head[1]
    if keys.get("kind") != "summary":
        raise ConfigError(
            f"{path} là biểu mẫu của một đơn vị, không phải tệp tổng hợp; hãy dùng tệp "
            "tong-hop.xlsx mà htsd aggregate ghi năm trước."
        )
    last = LastYear(
        path, keys.get("form_id", ""), keys.get("form_version", ""), keys.get("form_year", "")
    )
    sheet = sheets.get(FORM_SHEET) or []
    units = sheets.get(UNITS_SHEET) or []
    unit_ids = [_cell_text(v) for v in units[1][FIRST_FIGURE_COLUMN:]] if len(units) > 1 else []
    if not ids:  # a summary from before the rows were stamped: the units sheet names them
        ids = [i for i in unit_ids if i]
    if not ids:  # nor those: the figures of the form sheet, at the cells its stamp names
        ids = [
            name for name, ref in cells.items()
            if ref.startswith(VALUE_COL) and not name.endswith(NOTE_SUFFIX)
            and _figure(_at(sheet, ref)) is not None
        ]  # fmt: skip
        last.gaps.append(
            "không ghi các dòng được cộng: so với các ô có số của trang "
            f"'{FORM_SHEET}' ({len(ids)} dòng)"
        )
    last.ids = ids
    for ind_id in ids:
        ref = cells.get(ind_id, "")
        value, label = _at(sheet, ref), _at(sheet, "B" + ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        last.totals[ind_id] = _figure(value)
        last.labels[ind_id] = _label(label) or ind_id
        if not ref:
            last.gaps.append(f"không thấy ô tổng của dòng {ind_id}")
    if not unit_ids:
        last.gaps.append(
            f"không có số liệu từng đơn vị (trang '{UNITS_SHEET}' có mã chỉ tiêu ở dòng 2): chỉ "
            "so sánh được tổng, không so được từng đơn vị"
        )
    for row in units[2:]:
        code = _cell_text(row[0]) if row else ""
        if not code:
            continue
        figures = {}
        for at, ind_id in enumerate(unit_ids, start=FIRST_FIGURE_COLUMN):
            value = _figure(row[at]) if at < len(row) else None
            if ind_id and value is not None:
                figures[ind_id] = value
        last.units[_key(code)] = figures
        last.unit_names[_key(code)] = f"{code} – {_cell_text(row[1])}" if len(row) > 1 else code
    if not last.form_id:
        last.gaps.append("không ghi mã biểu mẫu")
    return last


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _figure(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _at(rows: Grid, ref: str) -> CellValue:
    """The value at an A1 reference in a sheet's rows (None when outside them)."""
    row, column = position(ref)
    if row < 0 or column < 0 or row >= len(rows) or column >= len(rows[row]):
        return None
    return rows[row][column]


def _label(value: object) -> str:
    """A row's label as the summary prints it ('- Số bài viết trên các báo:'), without the dash
    and the colon."""
    return _cell_text(value).strip(" -").rstrip(" :.…")


# --- this year's rows against last year's ---------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """How one row of this year's form stands to last year's rows."""

    indicator: Indicator
    how: str  # SAME, RENAMED, MERGED, SPLIT, NEW or UNMATCHED
    past: tuple[str, ...] = ()  # last year's ids it continues
    note: str = ""  # why it is not compared row to row, in words

    @property
    def compared(self) -> bool:
        return self.how in COMPARED


@dataclass
class Matching:
    """This year's rows matched to last year's, with what could not be matched."""

    last: LastYear
    rows: dict[str, Match]
    dropped: list[str]  # last year's ids that no row of this year continues
    splits: dict[str, list[str]]  # last year's id → this year's rows split from it


def match_rows(form: Form, last: LastYear) -> Matching:
    """Match every row this year totals to last year's rows, as the form declares."""
    inds = [i for i in form.indicators if i.aggregate != "none"]
    known = set(last.ids)
    claims: dict[str, list[str]] = {}  # last year's id → this year's rows continuing it
    named: dict[str, tuple[str, ...]] = {}
    rows: dict[str, Match] = {}
    for ind in inds:
        if ind.last_year == ():
            rows[ind.id] = Match(ind, NEW)
            continue
        names = ind.last_year if ind.last_year is not None else (ind.id,)
        absent = [n for n in names if n not in known]
        if ind.last_year is None and absent:
            rows[ind.id] = Match(ind, NEW)
            continue
        if absent:
            rows[ind.id] = Match(
                ind, UNMATCHED, names,
                f"biểu mẫu ghi mã năm trước {', '.join(absent)} nhưng tệp tổng hợp {last.name} "
                "không có dòng mã đó",
            )  # fmt: skip
            continue
        named[ind.id] = names
        for name in names:
            claims.setdefault(name, []).append(ind.id)
    splits = {name: ids for name, ids in claims.items() if len(ids) > 1}
    for ind in inds:
        if ind.id not in named:
            continue
        names = named[ind.id]
        shared = [n for n in names if n in splits]
        if shared and len(names) > 1:
            rows[ind.id] = Match(
                ind, UNMATCHED, names,
                f"vừa gộp các dòng {', '.join(names)} vừa chia dòng {', '.join(shared)} với "
                "dòng khác",
            )  # fmt: skip
        elif shared:
            others = [_row_label(form, i) for i in splits[shared[0]] if i != ind.id]
            rows[ind.id] = Match(
                ind, SPLIT, names,
                f"tách từ dòng '{last.labels.get(shared[0], shared[0])}' {last.name} (cùng với "
                f"{'; '.join(others)})",
            )  # fmt: skip
        elif len(names) > 1:
            rows[ind.id] = Match(ind, MERGED, names)
        else:
            rows[ind.id] = Match(ind, SAME if names[0] == ind.id else RENAMED, names)
    dropped = [i for i in last.ids if i not in claims]
    return Matching(last, rows, dropped, splits)


def _row_label(form: Form, ind_id: str) -> str:
    return form.indicator(ind_id).report_label.strip(" -").rstrip(" :.…")


# --- the comparison ------------------------------------------------------------------------------


def change_text(now: float | None, before: float | None) -> str:
    """'+12,5 %', '-3 %', 'không đổi', or the difference when last year's was 0 ('+150')."""
    if now is None or before is None:
        return ""
    if now == before:
        return "không đổi"
    if before == 0:
        return f"+{format_number(now)}"
    percent = round((now - before) / before * 100, 1)
    sign = "+" if percent > 0 else "-"
    return f"{sign}{format_number(abs(percent), 1)} %"


def percent(now: float | None, before: float | None) -> float | None:
    """The change in per cent (None when last year's was 0 or either is unknown)."""
    if now is None or before is None or before == 0:
        return None
    return (now - before) / before * 100


@dataclass(frozen=True)
class RowComparison:
    """One row this year beside last year (as the report and the workbook show it)."""

    indicator: Indicator
    how: str
    now: float | None
    before: float | None  # None when not compared
    last_label: str  # what last year called it (its rows, when merged)
    note: str  # a row not compared: why

    @property
    def last_text(self) -> str:
        """'Năm trước': the figure, or 'mới' for a new row, or '' when not compared."""
        if self.how == NEW:
            return NEW_WORD
        return format_number(self.before) if self.before is not None else ""

    @property
    def change_text(self) -> str:
        if self.how in COMPARED:
            return change_text(self.now, self.before)
        return ""

    @property
    def percent(self) -> float | None:
        return percent(self.now, self.before)


@dataclass(frozen=True)
class UnitComparison:
    """One unit's figure this year beside its own of last year."""

    code: str
    name: str
    past_codes: tuple[str, ...]
    indicator: Indicator
    now: float | None
    before: float | None

    @property
    def change_text(self) -> str:
        return change_text(self.now, self.before)

    @property
    def percent(self) -> float | None:
        return percent(self.now, self.before)


@dataclass
class Comparison:
    """This year's totals and units beside last year's, with what could not be compared."""

    matching: Matching
    rows: dict[str, RowComparison]
    units: list[UnitComparison]
    notes: list[str]  # what could not be matched, each a sentence
    units_new: list[str]  # this year's units with nothing of last year ("code – name")
    units_gone: list[str]  # last year's units no unit of this year continues

    @property
    def last(self) -> LastYear:
        return self.matching.last

    def to_dict(self) -> dict[str, object]:
        """What `htsd aggregate --json` says of last year: each row and unit compared."""
        last = self.last
        return {
            "source": str(last.source), "form_id": last.form_id,
            "form_version": last.form_version, "year": last.year,
            "rows": [
                {"indicator": key, "how": row.how, "last_year_ids": list(self.matching.rows[key].past),
                 "total": row.now, "last_year": row.before, "change_percent": row.percent,
                 "note": row.note}
                for key, row in self.rows.items()
            ],
            "dropped": self.matching.dropped,
            "units": [
                {"unit": u.code, "last_year_units": list(u.past_codes), "indicator": u.indicator.id,
                 "value": u.now, "last_year": u.before, "change_percent": u.percent}
                for u in self.units
            ],
            "units_new": self.units_new, "units_gone": self.units_gone, "notes": self.notes,
        }  # fmt: skip

    def largest(self, count: int = 10) -> list[UnitComparison]:
        """The unit figures that changed most, in per cent (both years non-zero)."""
        moved = [u for u in self.units if u.percent is not None and u.now]
        moved.sort(key=lambda u: (-abs(u.percent or 0), u.code, u.indicator.id))
        return moved[:count]


def past_codes(code: str, roster: Roster | None) -> tuple[str, ...]:
    """Last year's code(s) of a unit: the roster's `ma_nam_truoc`, else its own code."""
    unit = roster.find(code) if roster is not None else None
    if unit is not None and unit.previous.strip():
        codes = [c.strip() for c in re.split(r"[,;]", unit.previous) if c.strip()]
        if codes:
            return tuple(codes)
    return (code,)


def compare(
    form: Form,
    last: LastYear,
    totals: Mapping[str, float | None],
    unit_figures: Iterable[tuple[str, str, Mapping[str, float | None]]],
    roster: Roster | None,
) -> Comparison:
    """This year's `totals` (id → total) and `unit_figures` ((code, name, id → figure) of each
    unit counted) beside last year's."""
    matching = match_rows(form, last)
    rows: dict[str, RowComparison] = {}
    notes: list[str] = [f"Tệp tổng hợp {last.name}: {gap}." for gap in last.gaps]
    for ind_id, m in matching.rows.items():
        before = None
        if m.compared:
            parts = [last.totals.get(i) for i in m.past]
            before = None if any(p is None for p in parts) else sum(p or 0 for p in parts)
        labels = [last.labels.get(i, i) for i in m.past]
        rows[ind_id] = RowComparison(
            m.indicator, m.how, totals.get(ind_id), before, "; ".join(labels), m.note
        )
        if m.how == UNMATCHED:
            notes.append(f"Dòng '{_row_label(form, ind_id)}': {m.note}; không so sánh.")
    for name, ids in matching.splits.items():
        if any(matching.rows[i].how != SPLIT for i in ids):
            continue  # a part not matchable: said above, no sum of the parts
        parts_now = [totals.get(i) for i in ids]
        was = last.totals.get(name)
        if any(v is None for v in parts_now) or was is None:
            continue
        together = sum(v or 0 for v in parts_now)
        split = "; ".join(_row_label(form, i) for i in ids)
        notes.append(
            f"Dòng '{last.labels.get(name, name)}' {last.name} ({format_number(was)}) nay tách "
            f"thành: {split}; cộng lại {format_number(together)} ({change_text(together, was)})."
        )
    for name in matching.dropped:
        total = last.totals.get(name)
        shown = f" ({format_number(total)})" if total is not None else ""
        notes.append(
            f"Dòng '{last.labels.get(name, name)}' {last.name}{shown} không còn trong biểu mẫu "
            "năm nay."
        )
    units: list[UnitComparison] = []
    continued: set[str] = set()
    fresh: list[str] = []
    compared = [m for m in matching.rows.values() if m.compared]
    for code, unit_name, figures in unit_figures:
        codes = past_codes(code, roster)
        keys = [_key(c) for c in codes]
        if not any(k in last.units for k in keys):
            fresh.append(f"{code} – {unit_name}")
            continue
        continued.update(keys)
        for m in compared:
            this = figures.get(m.indicator.id)
            that = last.figure(codes, m.past)
            if this is None and that is None:
                continue
            units.append(UnitComparison(code, unit_name, codes, m.indicator, this, that))
    if roster is not None:  # a unit of the roster that has not sent yet still continues its own
        for member in roster.units:
            continued.update(_key(c) for c in past_codes(member.code, roster))
    gone = [last.unit_names[k] for k in last.units if k not in continued]
    return Comparison(matching, rows, units, notes, fresh, gone)


# --- a unit against its own past (a check of the batch) -------------------------------------------


@dataclass
class Past:
    """Last year, matched to this year's form, for the check of each unit against its own past
    (validate's batch checks run it before the clerk's decisions are applied)."""

    last: LastYear
    matching: Matching

    @classmethod
    def of(cls, form: Form, last: LastYear) -> Past:
        return cls(last, match_rows(form, last))

    def check(self, files: list[FileReport], form: Form, roster: Roster | None) -> None:
        """A figure more than the form's factor away from the unit's own of last year (both
        non-zero) is a warning naming both; a zero where last year's was much is noted. The
        figure is counted all the same (holding is the form's plausibility rule)."""
        plausible = form.plausibility
        rows = [m for m in self.matching.rows.values() if m.compared and m.indicator.numeric]
        for rep in files:
            if rep.kind == ReadingKind.SUMMARY or not rep.unit_code or not rep.values:
                continue
            codes = past_codes(rep.unit_code, roster)
            for m in rows:
                ind = m.indicator
                value = _figure(rep.values.get(ind.id))
                if value is None:
                    continue
                before = self.last.figure(codes, m.past)
                if before is None:
                    continue
                factor = plausible.last_year_factor(ind.kind)
                if value and before and (value > factor * before or value * factor < before):
                    self._warn(rep, ind, AGAINST_LAST_YEAR, value, before, codes)
                elif not value and before >= MUCH_LAST_YEAR.get(ind.kind, 0) > 0:
                    self._warn(rep, ind, ZERO_AFTER_LAST_YEAR, 0.0, before, codes)

    def _warn(
        self, rep: FileReport, ind: Indicator, code: Code, value: float, before: float,
        codes: tuple[str, ...],
    ) -> None:  # fmt: skip
        from htsd_cli.base.values import show
        from htsd_cli.checks.context import where
        from htsd_cli.checks.plausible import how_far

        cell = rep.cells.get(ind.id, "")
        whose = (
            "của chính đơn vị" if codes == (rep.unit_code,) else f"của {', '.join(codes)} cộng lại"
        )
        shown, was = format_number(value), format_number(before)
        if code == AGAINST_LAST_YEAR:
            said = f"{shown} {how_far(value, before)} số {was} {self.last.name} {whose}"
        else:
            said = f"0, trong khi {self.last.name} là {was} ({whose})"
        message = (
            f"{where(cell, ind)}: {said}. Số liệu vẫn được tính; kiểm tra lại xem có gõ nhầm "
            "không. Nếu đúng, ghi 'Giữ như đã gõ' cho ô này trong sổ quyết định để không nhắc nữa."
        )
        finding = Finding(
            code, WARNING, message, rep.path, sheet=rep.sheet, cell=cell, indicator=ind.id,
            label=ind.label, value=show(value),
        )  # fmt: skip
        rep.findings.append(finding)


def compare_aggregate(agg: Aggregate, last: LastYear, roster: Roster | None) -> Comparison:
    """The comparison of an aggregate's totals and units (as counted) with last year's."""
    inds = [i.id for i in agg.form.indicators if i.aggregate != "none"]
    totals = {ind_id: agg.total(ind_id) for ind_id in inds}
    at = {str(code): i for i, code in enumerate(agg.wide.index)}
    matrix = agg.wide.to_numpy()
    columns = [str(c) for c in agg.wide.columns]

    def figures() -> Iterable[tuple[str, str, dict[str, float | None]]]:
        for rep in sorted(agg.used, key=lambda r: r.unit_code):
            row = at.get(rep.unit_code)
            if row is None:
                continue
            values = matrix[row].tolist()
            yield (
                rep.unit_code,
                rep.unit_name,
                {
                    ind_id: (None if v != v else float(v))  # NaN: not reported
                    for ind_id, v in zip(columns, values, strict=True)
                },
            )

    return compare(agg.form, last, totals, figures(), roster)


LAST_COLUMNS = ("Năm trước", "Tăng, giảm")  # the report's columns beside this year's figures


@dataclass(frozen=True)
class ReportYear:
    """What the report says beside last year: the two columns of each figure, and under the
    table what the columns are and what could not be compared (document.ReportContext holds
    it; the Markdown template reads `last_year.last(row)` and `last_year.change(row)`)."""

    name: str  # 'năm <năm>'
    file: str
    units: int  # units counted last year (0: not known)
    form: str  # last year's form id and version
    columns: tuple[str, str]
    notes: tuple[str, ...]
    rows: Mapping[str, tuple[str, str]]  # row id → (Năm trước, Tăng, giảm)
    sections: Mapping[int, tuple[str, str]]  # a section whose heading carries its first figure

    def last(self, line: Row | Section) -> str:
        """'Năm trước' of a row of the table (or of a section carrying its first figure)."""
        return self._pair(line)[0]

    def change(self, line: Row | Section) -> str:
        """'Tăng, giảm' of a row of the table (or of a section carrying its first figure)."""
        return self._pair(line)[1]

    def _pair(self, line: Row | Section) -> tuple[str, str]:
        if hasattr(line, "id"):
            return self.rows.get(line.id, ("", ""))
        return self.sections.get(line.number, ("", "")) if line.value else ("", "")


def report_fields(
    comparison: Comparison | None, firsts: Mapping[int, str] | None = None
) -> ReportYear | None:
    """What the report says beside last year (None without last year); `firsts`: the sections
    whose heading carries their first figure, and that figure's row id."""
    if comparison is None:
        return None
    last = comparison.last
    notes = list(comparison.notes)
    if comparison.units_new:
        notes.append(
            f"Đơn vị không có số liệu {last.name} ({len(comparison.units_new)}): "
            f"{', '.join(comparison.units_new)}."
        )
    if comparison.units_gone:
        notes.append(
            f"Đơn vị có trong tổng hợp {last.name} nhưng năm nay không có đơn vị nào tiếp nối "
            f"({len(comparison.units_gone)}): {', '.join(comparison.units_gone)}."
        )
    rows = {key: (row.last_text, row.change_text) for key, row in comparison.rows.items()}
    return ReportYear(
        name=last.name,
        file=last.source.name,
        units=len(last.units),
        form=f"{last.form_id} phiên bản {last.form_version}" if last.form_id else "",
        columns=LAST_COLUMNS,
        notes=tuple(notes),
        rows=rows,
        sections={n: rows.get(key, ("", "")) for n, key in (firsts or {}).items()},
    )
