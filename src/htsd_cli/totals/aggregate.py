"""Totals of the valid returns with pandas: per indicator, per unit type, per group.

Only the validator's reading is used (no second parser). Every figure stays traceable: the unit ×
indicator table keeps every unit's figures, and every excluded file is listed with its reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from htsd_cli.base.findings import FileReport, ReadingKind, pick
from htsd_cli.campaign.form import Aggregation, Form, Kind
from htsd_cli.campaign.roster import Roster, normalise_code
from htsd_cli.checks.decisions import SET_ASIDE
from htsd_cli.totals.status import HELD, VALID, StatusReport

if TYPE_CHECKING:
    import pandas as pd

    from htsd_cli.checks.yearover import Comparison

SUM_COLUMNS = 6  # indicators summed at once (see `_column_sums`)


@dataclass
class Exclusion:
    path: str
    unit: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "unit": self.unit, "reason": self.reason}


@dataclass
class Aggregate:
    form: Form
    status: StatusReport
    used: list[FileReport]
    totals: pd.DataFrame  # one row per indicator: total and units reporting
    by_type: pd.DataFrame  # indicator × unit type
    by_group: pd.DataFrame  # indicator × group
    wide: pd.DataFrame  # unit × indicator
    excluded: list[Exclusion] = field(default_factory=list)
    ignored: list[dict[str, str]] = field(default_factory=list)  # figures in rows not answered
    expected_by_row: dict[str, int] = field(default_factory=dict)  # units each row applies to
    last_year: Comparison | None = None  # when last year's summary is given
    _totals: dict[str, float | None] = field(default_factory=dict, repr=False)
    _reported: dict[str, int] = field(default_factory=dict, repr=False)
    _answering: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for key, value in self.totals["total"].items():
            self._totals[str(key)] = (
                None if value != value else float(value)
            )  # NaN: nobody reported
        for key, count in self.totals["reported"].items():
            self._reported[str(key)] = int(count)

    def total(self, indicator_id: str) -> float | None:
        return self._totals.get(indicator_id)

    def reported(self, indicator_id: str) -> int:
        return self._reported.get(indicator_id, 0)

    def texts_by_part(self) -> list[tuple[str, list[tuple[str, str, str]]]]:
        """(heading, [(unit code, unit name, text)]) in the form's order: what units wrote.
        Worked out from the readings when asked, not kept: the country's units' words would
        hold about 18 MB for the one time the report lists them."""
        parts: dict[str, list[tuple[str, str, str]]] = {}
        for code, name, items in _unit_texts(self.form, self.used):
            for heading, text in items:
                parts.setdefault(heading, []).append((code, name, text))
        return list(parts.items())

    def answering(self, indicator_id: str) -> int:
        """How many of the units counted answer this row (their valid returns, or an office's
        summary for its own units): a row reported by fewer has blanks worth a note."""
        if not self._answering:
            returns = [rep.unit_type for rep in self.used if rep.kind != ReadingKind.SUMMARY]
            self._answering.update(_units_per_row(self.form, returns))
            for rep in self.used:
                if rep.kind == ReadingKind.SUMMARY:
                    for ind in self.form.indicators:
                        self._answering[ind.id] += rep.expected.get(
                            ind.id, rep.reported.get(ind.id, 0)
                        )
        return self._answering.get(indicator_id, 0)

    def expected(self, indicator_id: str) -> int:
        """How many units answer this row: the roster's units of the types it applies to (an
        office below counts for the units of its own that the row applies to)."""
        return self.expected_by_row.get(indicator_id, 0)

    def covered_units(self) -> list[str]:
        codes: list[str] = []
        for rep in self.used:
            codes.extend(rep.covers if rep.kind == ReadingKind.SUMMARY else [rep.unit_code])
        return codes

    def to_dict(self) -> dict[str, object]:
        counts = self.status.counts()
        return {
            "form_id": self.form.id,
            "summary": {
                **counts,
                "used_files": len(self.used),
                "excluded_files": len(self.excluded),
            },
            "totals": [
                {
                    "indicator": ind.id,
                    "label": ind.label,
                    "section": ind.section,
                    "total": self.total(ind.id),
                    "reported": self.reported(ind.id),
                    "expected": self.expected(ind.id),
                }
                for ind in self.form.indicators
                if ind.aggregate != Aggregation.NONE
            ],
            "used_files": [{"path": r.path, "unit": r.unit_code} for r in self.used],
            "excluded_files": [e.to_dict() for e in self.excluded],
            "status": self.status.to_dict(),
            **({"last_year": self.last_year.to_dict()} if self.last_year is not None else {}),
        }


def _numeric(value: object) -> float | None:
    """A figure as a number: yes/no becomes 1/0 so that a sum counts the units answering "Có"."""
    if value is None:
        return None
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    return None


def aggregate(form: Form, roster: Roster, status: StatusReport) -> Aggregate:
    """Merge the chosen valid return of every unit into totals."""
    import numpy as np
    import pandas as pd

    excluded: list[Exclusion] = []
    used: list[FileReport] = []
    for unit in status.units:
        for other in unit.other_files:
            excluded.append(
                Exclusion(
                    other,
                    unit.code,
                    f"Đơn vị {unit.code} gửi nhiều tệp; dùng tệp {Path(unit.file).name}.",
                )
            )
        if unit.state == VALID and unit.report is not None:
            used.append(unit.report)
        elif unit.report is not None:
            reasons = "; ".join(unit.reasons[:3]) or "tệp không hợp lệ"
            state = "Cần xác nhận" if unit.state == HELD else "Không hợp lệ"
            excluded.append(Exclusion(unit.file, unit.code, f"{state}: {reasons}"))
    for rep in status.set_aside:  # by the clerk's decision
        reason = next((f.message for f in rep.findings if f.code == SET_ASIDE), "")
        excluded.append(Exclusion(rep.path, rep.unit_code or rep.named_for, reason))
    for rep in status.unmatched:
        reason = next((f.message for f in rep.findings if f.is_error), "")
        if not reason:
            reason = (
                f"Mã đơn vị '{rep.unit_code}' không có trong danh sách."
                if rep.unit_code
                else ("Không xác định được đơn vị.")
            )
        excluded.append(Exclusion(rep.path, rep.unit_code, reason))
    used, doubles = _drop_counted_twice(used)
    excluded.extend(doubles)

    indicators = [i for i in form.indicators if i.aggregate != Aggregation.NONE]
    order = [i.id for i in indicators]
    # One row of figures per unit in one float matrix (None becomes NaN), filled row by row in
    # the order of unit codes: no per-cell records, no list of every unit's figures, and no
    # sorted copy of the matrix afterwards.
    matrix = np.full((len(used), len(order)), np.nan)
    offices: dict[int, list[int]] = {}  # an office's summary stands for the units it says answered
    codes, types, groups = [], [], []
    for r, rep in enumerate(sorted(used, key=lambda rep: rep.unit_code)):
        member = roster.find(rep.unit_code)
        codes.append(rep.unit_code)
        types.append(member.unit_type_label if member else rep.unit_type)
        groups.append(member.group if member else rep.unit_group)
        matrix[r] = [_numeric(value) for value in pick(rep.values, order)]
        if rep.kind == ReadingKind.SUMMARY:
            offices[r] = [rep.reported.get(key, 1) for key in order]
    index = pd.Index(codes, name="unit_code")
    wide = pd.DataFrame(matrix, index=index, columns=pd.Index(order, name="indicator"), copy=False)
    totals = pd.DataFrame(index=pd.Index(order, name="indicator"))
    totals["total"] = _column_sums(wide)
    present = ~np.isnan(matrix)
    reported = present.sum(axis=0)
    for r, weights in offices.items():
        reported += present[r] * (np.array(weights) - 1)
    totals["reported"] = pd.Series(reported, index=order).astype(int)
    by_type = _breakdown(wide, types, "unit_type")
    by_group = _breakdown(wide, groups, "group")
    ignored = [
        {"code": rep.unit_code, "name": rep.unit_name, "indicator": key,
         "label": form.indicator(key).label, "value": value}
        for rep in sorted(used, key=lambda r: r.unit_code)
        for key, value in rep.ignored.items()
    ]  # fmt: skip
    return Aggregate(
        form, status, used, totals, by_type, by_group, wide, excluded, ignored,
        _expected_rows(form, roster, used),
    )  # fmt: skip


def _column_sums(wide: pd.DataFrame) -> pd.Series:
    """Each indicator's sum (NaN where nobody reported it), a few columns at a time: pandas
    copies what it sums to blank out the NaNs, and a copy of a country's whole matrix at once
    would be the peak of the run's memory (~28 MB at 70,000 units)."""
    import pandas as pd

    if wide.shape[1] <= SUM_COLUMNS:
        whole: pd.Series = wide.sum(min_count=1)
        return whole
    parts: list[pd.Series] = [
        wide.iloc[:, at : at + SUM_COLUMNS].sum(min_count=1)
        for at in range(0, wide.shape[1], SUM_COLUMNS)
    ]
    joined: pd.Series = pd.concat(parts)
    return joined


def _breakdown(wide: pd.DataFrame, keys: list[str], name: str) -> pd.DataFrame:
    """Indicator × key (unit type or group): the sum of the figures reported, NaN where no unit
    with that key reported the row; keys nobody reported anything under are left out."""
    import pandas as pd

    table = wide.groupby(pd.Index(keys, name=name)).sum(min_count=1).T
    return table.dropna(axis=1, how="all")


def _units_per_row(form: Form, unit_types: list[str]) -> dict[str, int]:
    """Per row of the form, how many of these units (given by their unit type, as a code or a
    label) answer it: counted by type, then each row sums the types it applies to."""
    by_type: dict[str, int] = {}
    for text in unit_types:
        kind = form.unit_type(text) if text else None
        code = kind.code if kind else ""
        by_type[code] = by_type.get(code, 0) + 1
    return {
        ind.id: sum(count for code, count in by_type.items() if ind.applies(code))
        for ind in form.indicators
    }


def _expected_rows(form: Form, roster: Roster, used: list[FileReport]) -> dict[str, int]:
    """Per row, the units that answer it: each roster unit of a type the row applies to; an
    office's summary counts the units of its own the row applies to (as it says)."""
    summaries = {normalise_code(r.unit_code): r for r in used if r.kind == ReadingKind.SUMMARY}
    keys = [normalise_code(u.code) for u in roster.units]
    others = [
        u.unit_type for u, key in zip(roster.units, keys, strict=True) if key not in summaries
    ]
    out = _units_per_row(form, others)
    for office in (summaries[key] for key in keys if key in summaries):
        for ind in form.indicators:
            out[ind.id] += office.expected.get(ind.id, len(office.covers))
    return out


def _drop_counted_twice(used: list[FileReport]) -> tuple[list[FileReport], list[Exclusion]]:
    """A unit inside an office's summary and also sent directly is counted once (in the summary)."""
    inside: dict[str, str] = {}
    for rep in used:
        if rep.kind == ReadingKind.SUMMARY:
            for code in rep.covers:
                inside[normalise_code(code)] = rep.unit_code
    kept: list[FileReport] = []
    dropped: list[Exclusion] = []
    for rep in used:
        office = (
            inside.get(normalise_code(rep.unit_code)) if rep.kind != ReadingKind.SUMMARY else None
        )
        if office:
            dropped.append(
                Exclusion(
                    rep.path,
                    rep.unit_code,
                    f"Đơn vị {rep.unit_code} đã có trong báo cáo tổng hợp của {office}; chỉ tính một lần.",
                )
            )
        else:
            kept.append(rep)
    return kept, dropped


def _unit_answers(form: Form, rep: FileReport, key: str) -> bool:
    """Whether the unit's words in row `key` belong in the report: the row is for its type, and
    the row is not one the unit's own answers leave blank (a plan's number when it has no plan:
    a rule forbids it, or requires it only when the unit answered otherwise)."""
    try:
        row = form.indicator(key)
    except KeyError:
        return True  # a narrative part: every unit writes it
    if not row.applies(rep.unit_type):
        return False
    asked = None
    for rule in form.rules:
        if rule.target != key or rule.when is None:
            continue
        holds = rule.when.holds(rep.values)
        if rule.presence == "forbid" and holds is True:
            return False
        if rule.presence == "require":
            asked = bool(asked) or holds is True
    return asked is not False


def _unit_texts(
    form: Form, used: list[FileReport]
) -> Iterator[tuple[str, str, list[tuple[str, str]]]]:
    """What each unit wrote in its free-text parts and notes, for the report's annex: (code,
    name, [(heading, text)]) unit by unit in the order of their codes, parts in the form's."""
    headings = {t.id: t.heading for t in form.texts}
    for ind in form.indicators:
        headings[ind.note_id] = f"Ghi chú: {ind.label}"
        if ind.kind == Kind.TEXT:
            headings[ind.id] = ind.label
    place = {key: at for at, key in enumerate(headings)}
    owners = {ind.note_id: ind.id for ind in form.indicators}
    written = [ind.id for ind in form.indicators if ind.kind == Kind.TEXT]  # figures held as words
    for rep in sorted(used, key=lambda r: r.unit_code):
        found = {key: text for key, text in rep.texts.items() if text and key in place}
        for key in written:
            value = rep.values.get(key)
            if key not in found and isinstance(value, str) and value:
                found[key] = value
        for key in [k for k in found if not _unit_answers(form, rep, owners.get(k, k))]:
            del found[key]
        if found:
            items = [(headings[key], found[key]) for key in sorted(found, key=place.__getitem__)]
            yield rep.unit_code, rep.unit_name, items


def note_for(agg: Aggregate, indicator_id: str) -> str:
    """Worth a note only when some of the units counted left the row blank (the units missing or
    invalid are said once, above the table)."""
    reported, answering = agg.reported(indicator_id), agg.answering(indicator_id)
    return f"{reported}/{answering} đơn vị có số liệu" if reported < answering else ""
