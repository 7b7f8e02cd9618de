"""Who has sent, who has not, whose file is unusable, who is late: one row per roster unit."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from htsd_cli.base.findings import ERROR, HELD_CODES, WARNING, Code, FileReport, Finding, Report
from htsd_cli.base.fsutil import modified
from htsd_cli.base.values import show
from htsd_cli.base.words import Word
from htsd_cli.campaign.form import Form
from htsd_cli.campaign.roster import Roster, normalise_code
from htsd_cli.checks.decisions import SET_ASIDE, Outcome, Row, is_set_aside
from htsd_cli.intake.receipts import book_key
from htsd_cli.reading.archives import outer


class State(Word):
    """Where a unit stands."""

    VALID = "valid"
    INVALID = "invalid"
    MISSING = "missing"
    # what was sent waits for the clerk's decision (whose it is, a figure to confirm): the
    # clerk has to act, not the unit, so it is neither reminded nor counted as invalid
    HELD = "held"


VALID, INVALID, MISSING, HELD = State.VALID, State.INVALID, State.MISSING, State.HELD
STATE_LABELS = {VALID: "Hợp lệ", INVALID: "Không hợp lệ", MISSING: "Chưa nộp", HELD: "Cần xác nhận"}


class Breakdown(TypedDict):
    """The counts of one unit type or group (`StatusReport.breakdown`)."""

    name: str
    expected: int
    received: int
    valid: int
    late: int


@dataclass(slots=True)  # one per unit: the country has 70,000
class UnitStatus:
    code: str
    name: str
    unit_type: str
    unit_type_label: str
    group: str
    state: State = MISSING
    file: str = ""
    received: dt.datetime | None = None
    late: bool = False
    when_known: bool = True  # False: no receipts book line, and file times not to be trusted
    errors: int = 0
    warnings: int = 0
    other_files: Sequence[str] = ()  # assigned whole, never appended to: () costs nothing
    reasons: Sequence[str] = ()
    undelivered: Sequence[str] = ()  # the office's mail to the unit that came back (bounces)
    report: FileReport | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "unit_type": self.unit_type,
            "group": self.group,
            "state": self.state,
            "file": self.file,
            "received": self.received.isoformat(sep=" ") if self.received else None,
            "late": self.late,
            "received_known": self.when_known,
            "errors": self.errors,
            "warnings": self.warnings,
            "other_files": list(self.other_files),
            "reasons": list(self.reasons),
            "undelivered": list(self.undelivered),
        }


@dataclass
class StatusReport:
    deadline: dt.date
    as_of: dt.date
    received_source: str
    units: list[UnitStatus]
    unmatched: list[FileReport]
    set_aside: list[FileReport] = field(default_factory=list)  # by the clerk's decision
    decisions: list[Outcome] = field(default_factory=list)  # as in findings.Report
    to_decide: list[Row] = field(default_factory=list)
    book_problems: list[str] = field(default_factory=list)  # lines of the receipts book not read
    received_later: list[str] = field(default_factory=list)  # files received after `as_of`
    counted_by: dt.date | None = None  # --as-of: only what was received by that day counts

    @property
    def days_left(self) -> int:
        return (self.deadline - self.as_of).days

    def counts(self) -> dict[str, int]:
        return {
            "expected": len(self.units),
            "received": sum(u.state != MISSING for u in self.units),
            "valid": sum(u.state == VALID for u in self.units),
            "held": sum(u.state == HELD for u in self.units),
            "invalid": sum(u.state == INVALID for u in self.units),
            "missing": sum(u.state == MISSING for u in self.units),
            "late": sum(u.late for u in self.units),
        }

    def breakdown(self, key: str) -> list[Breakdown]:
        """Counts per unit type ('unit_type_label') or per group ('group')."""
        rows: dict[str, Breakdown] = {}
        for u in self.units:
            name = getattr(u, key) or "—"
            row = rows.setdefault(
                name, {"name": name, "expected": 0, "received": 0, "valid": 0, "late": 0}
            )
            row["expected"] += 1
            row["received"] += u.state != MISSING
            row["valid"] += u.state == VALID
            row["late"] += u.late
        return list(rows.values())

    def to_dict(self) -> dict[str, object]:
        return {
            "deadline": self.deadline.isoformat(),
            "as_of": self.as_of.isoformat(),
            "days_left": self.days_left,
            "received_time_source": self.received_source,
            "summary": self.counts(),
            "by_unit_type": self.breakdown("unit_type_label"),
            "by_group": self.breakdown("group"),
            "units": [u.to_dict() for u in self.units],
            "unmatched_files": [
                {
                    "path": r.path,
                    "unit_code": r.unit_code,
                    "reasons": [f.message for f in r.findings if f.is_error][:3],
                }
                for r in self.unmatched
            ],
            "set_aside_files": [r.path for r in self.set_aside],
            "decisions": [d.to_dict() for d in self.decisions],
            "to_decide": [r.to_dict() for r in self.to_decide],
            "receipts_problems": list(self.book_problems),
            "received_after_as_of": list(self.received_later),
        }


def note_undelivered(status: StatusReport, undelivered: dict[str, list[str]]) -> None:
    """Tell, against each unit, that the office's mail to it did not arrive (receipts.py keeps
    the bounces `collect` found beside the receipts book)."""
    for unit in status.units:
        unit.undelivered = undelivered.get(unit.code, ()) or ()


def received_at(rep: FileReport, receipts: dict[str, dt.datetime] | None) -> dt.datetime | None:
    """When a file arrived, to order a unit's files: the receipts book's date, else the file's
    modification time."""
    return booked_at(rep, receipts) or (dt.datetime.fromtimestamp(rep.mtime) if rep.mtime else None)


def booked_at(rep: FileReport, receipts: dict[str, dt.datetime] | None) -> dt.datetime | None:
    """The date the receipts book gives a file (None when there is no book or no line)."""
    if receipts is None:
        return None
    return receipts.get(book_key(os.path.basename(outer(rep.path))))  # an archive's own line


def build_status(
    report: Report,
    roster: Roster,
    deadline: dt.date,
    as_of: dt.date,
    receipts: dict[str, dt.datetime] | None = None,
    receipts_name: str = "",
    form: Form | None = None,
    file_times: bool = False,
    counted_by: dt.date | None = None,
) -> StatusReport:
    """One row per roster unit; the file of a unit received last is the one that counts.

    A file that names no unit of the roster in its marks but whose name (its issued name, or its
    code as first word) or sender is a unit's is that unit's "sent, not usable" file. A file
    whose evidence names two units is held: each of them, having sent nothing else, waits for
    the clerk's decision ("Cần xác nhận"). A file decided to be another unit's than the one it
    was issued to counts for that unit, and the first is shown as having sent another unit's
    file. A file the clerk set aside counts for nobody. With `counted_by` (status --as-of), a
    file received after that day (by the receipts book, or its file time when asked) is left
    out: as of that day it had not arrived.
    """
    by_code: dict[str, list[FileReport]] = {}
    unusable: dict[str, list[FileReport]] = {}
    misfiled: dict[str, list[FileReport]] = {}
    claimed: dict[str, list[FileReport]] = {}
    aside: dict[str, list[FileReport]] = {}
    unmatched: list[FileReport] = []
    set_aside: list[FileReport] = []
    known = {normalise_code(u.code) for u in roster.units}
    foreign = [
        FileReport(
            s.path,
            findings=[Finding(Code.NOT_A_WORKBOOK, ERROR, _sentence(s.reason), s.path)],
            mtime=modified(s.path),  # ordered among the unit's files like a workbook
        )
        for s in report.skipped
        if s.foreign
    ]
    for rep in foreign:
        owner = roster.named_in(Path(rep.path).name)
        rep.named_for = owner.code if owner else ""
    later: list[str] = []
    for rep in [*report.files, *foreign]:
        if counted_by is not None:
            when = received_at(rep, receipts) if file_times else booked_at(rep, receipts)
            if when is not None and when.date() > counted_by:
                later.append(rep.path)
                continue
        key = normalise_code(rep.unit_code) if rep.unit_code else ""
        named = normalise_code(rep.named_for) if rep.named_for else ""
        if is_set_aside(rep):
            set_aside.append(rep)
            if key or named:
                aside.setdefault(key or named, []).append(rep)
        elif rep.claimants:
            for code in rep.claimants:
                claimed.setdefault(normalise_code(code), []).append(rep)
        elif key and key in known:
            by_code.setdefault(key, []).append(rep)
            issued = roster.issued_to(os.path.basename(rep.path))
            if issued is not None and normalise_code(issued.code) != key and not rep.other_unit:
                misfiled.setdefault(normalise_code(issued.code), []).append(rep)
        elif named and named in known:
            unusable.setdefault(named, []).append(rep)
        else:
            unmatched.append(rep)
    units: list[UnitStatus] = []
    for unit in roster.units:
        status = UnitStatus(unit.code, unit.name, unit.unit_type, unit.unit_type_label, unit.group)
        key = normalise_code(unit.code)
        files = by_code.get(key, [])
        spare = unusable.get(key, [])
        if files:
            chosen = choose(files, receipts)
            compare_resends(chosen, [r for r in files if r.path != chosen.path], receipts, form)
            _attach(status, chosen, receipts, deadline, file_times)
            status.other_files = _others(files + spare, chosen)
        elif spare:
            chosen = choose(spare, receipts)
            _attach(status, chosen, receipts, deadline, file_times)
            status.other_files = _others(spare, chosen)
        elif claimed.get(key):  # a file that may be this unit's: not late on its account
            _attach(status, choose(claimed[key], receipts), receipts, deadline, file_times)
            status.late = False
        elif misfiled.get(key):
            rep = misfiled[key][0]
            status.state, status.file = INVALID, rep.path
            status.received = received_at(rep, receipts) if file_times else booked_at(rep, receipts)
            status.when_known = status.received is not None
            status.reasons = [
                f"Đã gửi tệp {Path(rep.path).name} nhưng tệp mang dấu nhận diện của đơn vị "
                f"{rep.unit_code}; số liệu trong tệp được tính cho {rep.unit_code}."
            ]
        elif aside.get(key):
            rep = aside[key][0]
            status.state, status.file = INVALID, rep.path
            status.received = received_at(rep, receipts) if file_times else booked_at(rep, receipts)
            status.when_known = status.received is not None
            status.reasons = [f.message for f in rep.findings if f.code == SET_ASIDE][:1]
        units.append(status)
    roster.forget_file_names()  # validate and this were the two asking for each file
    unlisted = "thời điểm sửa tệp" if file_times else "chưa rõ, không xét muộn"
    if receipts is not None:
        source = f"sổ nhận {receipts_name} (tệp không có trong sổ: {unlisted})"
    elif file_times:
        source = "thời điểm sửa tệp (theo yêu cầu; tệp chép lại thì thời điểm này đổi)"
    else:
        source = "chưa có sổ nhận: chưa rõ ngày nhận, không xét nộp muộn"
    return StatusReport(
        deadline, as_of, source, units, unmatched, set_aside, report.decisions, report.to_decide,
        list(getattr(receipts, "problems", [])), list(dict.fromkeys(later)), counted_by,
    )  # fmt: skip


def _others(files: list[FileReport], chosen: FileReport) -> Sequence[str]:
    """The unit's other files (not the chosen file's other sheets), each once."""
    return list(dict.fromkeys(r.path for r in files if r.path != chosen.path)) or ()


def _sentence(reason: str) -> str:
    text = reason[0].upper() + reason[1:]
    return text if text.endswith(".") else text + "."


def _attach(
    status: UnitStatus,
    chosen: FileReport,
    receipts: dict[str, dt.datetime] | None,
    deadline: dt.date,
    file_times: bool = False,
) -> None:
    status.report = chosen
    status.file = chosen.path
    errors = [f for f in chosen.findings if f.is_error]
    held = bool(errors) and all(f.code in HELD_CODES for f in errors)
    status.state = VALID if not errors else HELD if held else INVALID
    status.errors, status.warnings = chosen.errors, chosen.warnings
    # lateness by the receipts book; by file times only when asked (a copy resets them)
    status.received = received_at(chosen, receipts) if file_times else booked_at(chosen, receipts)
    status.when_known = status.received is not None
    status.late = status.received is not None and status.received.date() > deadline
    status.reasons = [f.message for f in chosen.findings if f.is_error][:5] or ()


def choose(files: Iterable[FileReport], receipts: dict[str, dt.datetime] | None) -> FileReport:
    """The file received last (receipts book first, then the file's own time), valid or not:
    a unit's latest word stands, and an older file is never counted in its place."""
    ordered = sorted(
        files, key=lambda r: (received_at(r, receipts) or dt.datetime.min, r.path), reverse=True
    )
    return ordered[0]


def _differences(a: FileReport, b: FileReport, form: Form | None) -> list[str]:
    labels = {i.id: i.label.rstrip(" :") for i in form.indicators} if form else {}
    out = []
    for key in sorted(set(a.values) | set(b.values)):
        x, y = a.values.get(key), b.values.get(key)
        if x != y:
            label = labels.get(key, key)
            out.append(f"{label}: {show(x) if x is not None else 'trống'} và "
                       f"{show(y) if y is not None else 'trống'}")  # fmt: skip
    return out


def compare_resends(
    chosen: FileReport,
    others: list[FileReport],
    receipts: dict[str, dt.datetime] | None,
    form: Form | None,
) -> None:
    """Say when a unit's files disagree and their order is unknown or only a day apart."""
    when = received_at(chosen, receipts)
    for other in others:
        if not other.values or not chosen.values:
            continue
        diff = _differences(chosen, other, form)
        if not diff:
            continue
        then = received_at(other, receipts)
        shown = "; ".join(diff[:5]) + (
            f"; và {len(diff) - 5} số liệu khác" if len(diff) > 5 else ""
        )
        names = f"{Path(chosen.path).name} và {Path(other.path).name}"
        if when is None or then is None or when == then:
            chosen.findings.append(
                Finding(
                    Code.RESENT_ORDER_UNKNOWN,
                    ERROR,
                    f"Đơn vị {chosen.unit_code} gửi hai tệp {names} có số liệu khác nhau ({shown}) "
                    "mà không biết tệp nào gửi sau. Hãy hỏi đơn vị tệp nào đúng, rồi ghi ngày giờ "
                    "nhận vào sổ nhận hoặc bỏ tệp kia ra khỏi thư mục.",
                    chosen.path,
                    value=Path(other.path).name,
                )
            )
        elif when.date() == then.date():
            chosen.findings.append(
                Finding(
                    Code.RESENT_DIFFERS,
                    WARNING,
                    f"Đơn vị {chosen.unit_code} gửi lại trong cùng ngày: dùng tệp "
                    f"{Path(chosen.path).name} (nhận lúc {when:%H:%M}), không dùng "
                    f"{Path(other.path).name} (lúc {then:%H:%M}); số liệu khác nhau: {shown}. "
                    "Kiểm tra với đơn vị nếu cần.",
                    chosen.path,
                    value=Path(other.path).name,
                )
            )
