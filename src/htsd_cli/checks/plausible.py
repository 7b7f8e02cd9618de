"""Whether a figure can be real, by what the form declares (contract 3): below the floor of its
kind ("80" đồng of prize money), above what a unit of its type can hold, or extremely far from
its peers of the same type (`hold_outliers`). Such a figure is held for the clerk, never counted
silently (contract 1), and the message says what the unit probably meant ("80: có phải 80.000?").

These checks run in the batch step: a unit's type is final only once the roster is checked.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterator, Sequence

from htsd_cli.base.findings import ERROR, Code, FileReport, Finding, ReadingKind, pick
from htsd_cli.base.textnorm import format_number
from htsd_cli.base.values import show
from htsd_cli.campaign.form import Form, Indicator, Limits
from htsd_cli.checks.context import where

PEERS_AT_LEAST = 8  # fewer figures of the same type say nothing about what is usual
# '3/5' typed on a computer set to English is the date 5 March: its serial number (46086 in
# 2026) is what the cell then holds. A figure that is the serial of a date near the campaign or
# near the day the file was saved is named as such.
_EPOCH = dt.date(1899, 12, 30)
DECIDE = "Số liệu này chưa được cộng: văn thư xác nhận trong tệp quyết định, hoặc đề nghị đơn vị sửa lại."


def check_plausible(files: list[FileReport], form: Form) -> None:
    """Hold the figures the form's plausibility declares impossible, then those extremely far
    from their peers of the same unit type."""
    numeric = [ind for ind in form.indicators if ind.numeric]
    limited = [(ind, form.limits(ind)) for ind in numeric if form.limits(ind)]
    if limited:
        for rep in files:
            if rep.values:
                _beyond_limits(rep, form, limited)
    if form.plausibility.hold_outliers:
        _far_from_peers(files, form, numeric, form.plausibility.hold_outliers)


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
        return float(value)
    return None


def _beyond_limits(
    rep: FileReport, form: Form, limited: Sequence[tuple[Indicator, Limits]]
) -> None:
    for ind, limits in limited:
        value = _number(rep.values.get(ind.id))
        if not value:  # 0 is "none", a real answer; a blank is not a figure
            continue
        low = limits.minimum
        # an office's summary holds totals: a unit's maximum says nothing about them
        high = limits.maximum_for(rep.unit_type) if rep.kind != ReadingKind.SUMMARY else None
        if low is not None and value < low:
            hint = _thousands_hint(value, low)
            _hold(
                rep, ind, Code.IMPLAUSIBLE_LOW, value,
                f"{where(rep.cells.get(ind.id, ''), ind)}: {show(value)}{_unit(ind)} là quá nhỏ để "
                f"có thật (dưới {format_number(low)}{_unit(ind)}).{hint} {DECIDE}",
            )  # fmt: skip
        elif high is not None and value > high:
            kind = _type_label(form, rep.unit_type)
            _hold(
                rep, ind, Code.IMPLAUSIBLE_HIGH, value,
                f"{where(rep.cells.get(ind.id, ''), ind)}: {format_number(value, 2)}{_unit(ind)} là "
                f"quá lớn với một {kind or 'đơn vị'} (tối đa {format_number(high)})."
                f"{_date_hint(value, rep, form)} {DECIDE}",
            )  # fmt: skip


def peer_figures(
    files: list[FileReport], numeric: Sequence[Indicator], *, summaries: bool
) -> Iterator[tuple[str, Indicator, list[tuple[FileReport, float]]]]:
    """Each unit type's figures of each numeric row, unit by unit, where at least
    PEERS_AT_LEAST units of the type gave one (fewer say nothing about what is usual); an
    office's summary is among the peers only with `summaries`. What both peer checks weigh
    (this module's held outliers, checks.outliers' warnings)."""
    groups: dict[str, list[FileReport]] = {}
    for rep in files:
        if rep.values and rep.unit_type and (summaries or rep.kind != ReadingKind.SUMMARY):
            groups.setdefault(rep.unit_type, []).append(rep)
    ids = [ind.id for ind in numeric]
    for unit_type, reps in groups.items():
        if len(reps) < PEERS_AT_LEAST:
            continue
        rows = [pick(r.values, ids) for r in reps]  # each unit's figures read once
        for col, ind in enumerate(numeric):
            numbers = [(r, v) for r, row in zip(reps, rows, strict=True)
                       if (v := _number(row[col])) is not None]  # fmt: skip
            if len(numbers) >= PEERS_AT_LEAST:
                yield unit_type, ind, numbers


def _far_from_peers(
    files: list[FileReport], form: Form, numeric: list[Indicator], times: float
) -> None:
    for unit_type, ind, numbers in peer_figures(files, numeric, summaries=False):
        median = statistics.median(v for _, v in numbers)
        if median <= 0:
            continue  # most units report none: how far "some" is cannot be measured
        for rep, value in numbers:
            if value >= times * median:
                hint = _date_hint(value, rep, form) or _meant(value / 1000, median, times)
            elif 0 < value * times <= median:
                hint = _meant(value * 1000, median, times)
            else:
                continue
            kind = _type_label(form, unit_type)
            _hold(
                rep, ind, Code.OUTLIER_HELD, value,
                f"{where(rep.cells.get(ind.id, ''), ind)}: {format_number(value, 2)}"
                f"{_unit(ind)} {how_far(value, median)} mức thường gặp của "
                f"{'các ' + kind.lower() if kind else 'các đơn vị cùng loại'} "
                f"({format_number(median, 2)}). Khác xa như vậy thường là gõ nhầm.{hint} {DECIDE}",
            )  # fmt: skip


def how_far(value: float, usual: float) -> str:
    """'lớn gấp 12 lần' or 'chỉ bằng 1/12': how far a figure is from what peers usually report."""
    if value >= usual:
        times = value / usual if usual else 0
        return f"lớn gấp {show(round(times))} lần" if times else "lớn hơn nhiều so với"
    return f"chỉ bằng 1/{show(round(usual / value))}"


def _hold(rep: FileReport, ind: Indicator, code: Code, value: float, message: str) -> None:
    """Take the figure out of the reading (it goes into no total) and say why (contract 1)."""
    del rep.values[ind.id]
    rep.held = {**rep.held, ind.id: value}  # the shared empty mapping is never changed
    rep.findings.append(
        Finding(
            code, ERROR, message, rep.path, sheet=rep.sheet, cell=rep.cells.get(ind.id, ""),
            indicator=ind.id, label=ind.label, value=show(value),
        )
    )  # fmt: skip


def _unit(ind: Indicator) -> str:
    return f" {ind.unit}" if ind.unit else ""


def _type_label(form: Form, unit_type: str) -> str:
    found = form.unit_type(unit_type) if unit_type else None
    return found.label.lower() if found else ""


def _thousands_hint(value: float, floor: float) -> str:
    """' Có phải 80.000?' for 80 below a floor of 1.000: '80.000' typed on a computer set to
    English is the number 80."""
    meant = round(value * 1000, 6)
    if meant < floor or not meant.is_integer():
        return ""
    return (
        f" Có phải {format_number(meant)}? (máy tính đặt kiểu số tiếng Anh đọc "
        f"'{format_number(meant)}' thành {show(value)}.)"
    )


def _meant(guess: float, median: float, times: float) -> str:
    """' Có phải 1.200?' when a factor of a thousand brings the figure among its peers."""
    if not guess.is_integer() or not (median / times < guess < median * times):
        return ""
    return f" Có phải {format_number(guess)}?"


def _date_hint(value: float, rep: FileReport, form: Form) -> str:
    """' Đây là số của ngày 05/03/2026…' when the figure is the serial number of
    a date near the campaign or near the day the file was saved."""
    if not value.is_integer():
        return ""
    try:
        day = _EPOCH + dt.timedelta(days=int(value))
    except OverflowError:
        return ""
    years = {form.year, form.period_start.year}
    if rep.mtime:
        years.add(dt.datetime.fromtimestamp(rep.mtime).year)
    if not min(years) - 1 <= day.year <= max(years) + 1:
        return ""
    return (
        f" Đây là số của ngày {day.strftime('%d/%m/%Y')}: có phải đơn vị gõ "
        f"'{day.month}/{day.day}' hay '{day.day}/{day.month}' và bảng tính hiểu thành ngày?"
    )
