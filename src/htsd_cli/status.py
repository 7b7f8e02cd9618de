"""Who has sent, who has not, whose file is unusable, who is late: one row per roster unit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from htsd_cli.errors import RosterError
from htsd_cli.findings import FileReport, Report
from htsd_cli.roster import Roster, normalise_code, read_csv_rows
from htsd_cli.textnorm import fold

VALID, INVALID, MISSING = "valid", "invalid", "missing"
STATE_LABELS = {VALID: "Hợp lệ", INVALID: "Không hợp lệ", MISSING: "Chưa nộp"}


@dataclass
class UnitStatus:
    code: str
    name: str
    unit_type: str
    unit_type_label: str
    group: str
    state: str = MISSING
    file: str = ""
    received: dt.datetime | None = None
    late: bool = False
    errors: int = 0
    warnings: int = 0
    other_files: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    report: FileReport | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "unit_type": self.unit_type,
            "group": self.group,
            "state": self.state,
            "file": self.file,
            "received": self.received.isoformat(sep=" ") if self.received else None,
            "late": self.late,
            "errors": self.errors,
            "warnings": self.warnings,
            "other_files": self.other_files,
            "reasons": self.reasons,
        }


@dataclass
class StatusReport:
    deadline: dt.date
    as_of: dt.date
    received_source: str
    units: list[UnitStatus]
    unmatched: list[FileReport]

    @property
    def days_left(self) -> int:
        return (self.deadline - self.as_of).days

    def counts(self) -> dict[str, int]:
        return {
            "expected": len(self.units),
            "received": sum(u.state != MISSING for u in self.units),
            "valid": sum(u.state == VALID for u in self.units),
            "invalid": sum(u.state == INVALID for u in self.units),
            "missing": sum(u.state == MISSING for u in self.units),
            "late": sum(u.late for u in self.units),
        }

    def breakdown(self, key: str) -> list[dict[str, Any]]:
        """Counts per unit type ('unit_type_label') or per group ('group')."""
        rows: dict[str, dict[str, Any]] = {}
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

    def to_dict(self) -> dict[str, Any]:
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
        }


def load_receipts(path: Path) -> dict[str, dt.datetime]:
    """A receipts book: CSV with columns 'tep' (file name) and 'ngay_nhan' (date received)."""
    rows = read_csv_rows(path)
    if not rows:
        return {}
    header = [fold(h).replace(" ", "_") for h in rows[0]]
    try:
        i_file, i_date = header.index("tep"), header.index("ngay_nhan")
    except ValueError:
        raise RosterError(f"{path}, dòng 1: sổ nhận cần hai cột 'tep' và 'ngay_nhan'.") from None
    out: dict[str, dt.datetime] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        name = row[i_file].strip() if i_file < len(row) else ""
        when = _parse_when(row[i_date] if i_date < len(row) else "")
        if not name or when is None:
            raise RosterError(
                f"{path}, dòng {number}: cần tên tệp và ngày nhận dạng dd/mm/yyyy (có thể kèm giờ hh:mm)."
            )
        out[name.lower()] = when
    return out


def _parse_when(text: str) -> dt.datetime | None:
    text = text.strip()
    for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def received_at(rep: FileReport, receipts: dict[str, dt.datetime] | None) -> dt.datetime | None:
    if receipts is not None:
        return receipts.get(Path(rep.path).name.lower())
    return dt.datetime.fromtimestamp(rep.mtime) if rep.mtime else None


def build_status(
    report: Report,
    roster: Roster,
    deadline: dt.date,
    as_of: dt.date,
    receipts: dict[str, dt.datetime] | None = None,
    receipts_name: str = "",
) -> StatusReport:
    """One row per roster unit; the newest valid file of a unit is the one that counts."""
    by_code: dict[str, list[FileReport]] = {}
    unmatched: list[FileReport] = []
    known = {normalise_code(u.code) for u in roster.units}
    for rep in report.files:
        key = normalise_code(rep.unit_code) if rep.unit_code else ""
        if key and key in known:
            by_code.setdefault(key, []).append(rep)
        else:
            unmatched.append(rep)
    units: list[UnitStatus] = []
    for unit in roster.units:
        status = UnitStatus(unit.code, unit.name, unit.unit_type, unit.unit_type_label, unit.group)
        files = by_code.get(normalise_code(unit.code), [])
        if files:
            chosen = choose(files, receipts)
            status.report = chosen
            status.file = chosen.path
            status.state = VALID if chosen.valid else INVALID
            status.errors, status.warnings = chosen.errors, chosen.warnings
            status.received = received_at(chosen, receipts)
            status.late = status.received is not None and status.received.date() > deadline
            status.other_files = [r.path for r in files if r is not chosen]
            status.reasons = [f.message for f in chosen.findings if f.is_error][:5]
        units.append(status)
    source = f"sổ nhận {receipts_name}" if receipts is not None else "thời điểm sửa tệp"
    return StatusReport(deadline, as_of, source, units, unmatched)


def choose(files: Iterable[FileReport], receipts: dict[str, dt.datetime] | None) -> FileReport:
    """The newest valid file; when none is valid, the newest file."""
    ordered = sorted(
        files, key=lambda r: (received_at(r, receipts) or dt.datetime.min, r.path), reverse=True
    )
    return next((r for r in ordered if r.valid), ordered[0])
