"""Which form and which unit a workbook says it is, from the marks htsd stamped into it; and,
against the roster, whose each reading is by every piece of evidence.

The stamp line on the form sheet is read first; the hidden sheet and the document properties
only when the stamp is missing, unit names are wanted (no roster) or the file is an office's
summary. Nothing here writes into the view.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from htsd_cli.base.findings import FileReport, ReadingKind
from htsd_cli.campaign.layout import STAMP_PREFIX, SUMMARY_MARK
from htsd_cli.campaign.roster import Roster, Unit, name_key
from htsd_cli.intake.receipts import book_key
from htsd_cli.reading.view import SheetView

_STAMP_RE = re.compile(
    re.escape(STAMP_PREFIX) + r"\s*(\S+)\s*·\s*phiên bản\s*(\d+)\s*·\s*Mã đơn vị:\s*(.*)$"
)
STAMP_ROWS = 12


@dataclass
class Identity:
    """What the workbook's own marks say; empty strings where they say nothing."""

    values: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)  # the hidden sheet's cell map
    covers: list[str] = field(default_factory=list)
    reported: dict[str, int] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)

    def get(self, key: str) -> str:
        return self.values.get(key, "")

    @property
    def is_summary(self) -> bool:
        return self.values.get("kind") == ReadingKind.SUMMARY


def stamp_line(view: SheetView) -> dict[str, str]:
    """The stamp line's form id, version, unit code and kind (empty when there is none)."""
    for row in view.grid[:STAMP_ROWS]:
        for value in row:
            if not (isinstance(value, str) and value.startswith(STAMP_PREFIX)):
                continue
            m = _STAMP_RE.match(value.strip())
            if not m:
                continue
            out = {"form_id": m.group(1), "form_version": m.group(2)}
            code = m.group(3).strip()
            if code.endswith(SUMMARY_MARK):
                code = code[: -len(SUMMARY_MARK)].strip()
                out["kind"] = ReadingKind.SUMMARY
            if code and not code.startswith("("):
                out["unit_code"] = code
            return out
    return {}


def identify(view: SheetView, want_names: bool, own_sheet: bool = False) -> Identity:
    """Read the workbook's marks in order of cost, the first source of each key winning. With
    `own_sheet` (a further sheet of the workbook) only the sheet's own stamp: the hidden sheet
    and the properties are the workbook's, and name the unit of its main sheet."""
    ident = Identity()
    stamp = stamp_line(view)
    if stamp:
        ident.values.update(stamp)
        ident.sources.append("stamp")
    if own_sheet:
        return ident
    if want_names or not ident.get("form_id") or ident.is_summary:
        sheet = view.id_sheet()
        for key, value in sheet.identity.items():
            ident.values.setdefault(key, value)
        ident.cells = dict(sheet.cells)
        ident.covers = list(sheet.covers)
        ident.reported = dict(sheet.reported)
        ident.expected = dict(sheet.expected)
        if sheet.identity.get("form_id"):
            ident.sources.append("sheet")
    if not ident.get("form_id"):
        props = view.properties()
        if props.get("form_id"):
            for key, value in props.items():
                ident.values.setdefault(key, value)
            ident.sources.append("properties")
    return ident


class Evidence:
    """The pieces of evidence of whose a reading is, each the roster's unit it names: the file's
    name, the stamp, the name typed at the top of the sheet, the sender of the mail."""

    def __init__(self, roster: Roster, senders: Mapping[str, str] | None) -> None:
        self.roster = roster
        self.senders = senders or {}
        self.by_name: dict[str, list[Unit]] = {}  # built when a name is to be looked up: seldom

    def units_named(self, name: str) -> list[Unit]:
        if not self.by_name:
            for u in self.roster.units:
                self.by_name.setdefault(name_key(u.name), []).append(u)
        return self.by_name.get(name_key(name), [])

    def header_unit(self, header: str) -> Unit | None:
        """The one unit the name typed at the top names: the whole text, else its last line
        (a header names the governing body above the unit, as Nghị định 30 sets it: 'UBND
        PHƯỜNG …' over 'TRUNG TÂM HỌC TẬP CỘNG ĐỒNG …'; the body above is not the unit)."""
        for text in (header, header.splitlines()[-1] if header.strip() else ""):
            found = self.units_named(text) if text.strip() else []
            if len(found) == 1:
                return found[0]
        return None

    def of(self, rep: FileReport) -> list[tuple[str, Unit | tuple[Unit, ...]]]:
        """(what the piece says, the unit it names, or the units of a sender's address)."""
        pieces: list[tuple[str, Unit | tuple[Unit, ...]]] = []
        file_name = os.path.basename(rep.path)
        sheet = f"trang '{rep.sheet}'" if rep.sheet else "tệp"
        stamped = self.roster.find(rep.unit_code) if rep.unit_code else None
        if stamped is not None:
            pieces.append(
                (f"dấu nhận diện htsd trong {sheet} ghi mã {code_and_name(stamped)}", stamped)
            )
        typed = (
            self.header_unit(rep.header) if rep.header and rep.kind != ReadingKind.SUMMARY else None
        )
        if typed is not None:
            pieces.append((f"tên đơn vị ghi ở đầu {sheet} là '{rep.header}' ({typed.code})", typed))
        if rep.other_unit:  # a sheet inside another unit's file: its own marks only
            return pieces
        issued = self.roster.issued_to(file_name)
        named = issued or self.roster.named_in(file_name)
        if named is not None:
            how = "là tên tệp đã phát cho" if issued else "bắt đầu bằng mã"
            pieces.append((f"tên tệp {how} {code_and_name(named)}", named))
        sender = self.senders.get(book_key(file_name), "")
        mailed = self.roster.with_email(sender)
        if mailed:
            codes = ", ".join(u.code for u in mailed)
            pieces.append((f"người gửi {sender} (theo sổ nhận) là email của {codes}", mailed))
        return pieces

    def sent_by(self, rep: FileReport) -> Unit | None:
        """The unit that sent a file, by its name, else by the sender's address (one unit)."""
        file_name = os.path.basename(rep.path)
        named = self.roster.named_in(file_name)
        if named is not None:
            return named
        mailed = self.roster.with_email(self.senders.get(book_key(file_name), ""))
        return mailed[0] if len(mailed) == 1 else None


def code_and_name(unit: Unit) -> str:
    return f"{unit.code} ({unit.name})"


def disagree(pieces: list[tuple[str, Unit | tuple[Unit, ...]]]) -> list[Unit]:
    """The units the pieces name when they do not all name one (empty when they agree): a
    sender's address agrees when the unit is among those using it."""
    named = list(dict.fromkeys(u for _, u in pieces if isinstance(u, Unit)))
    shared = [u for _, u in pieces if isinstance(u, tuple)]
    if len(named) > 1:
        return named
    if named and any(named[0] not in units for units in shared):
        return [*named, *(u for units in shared for u in units if u not in named)]
    return []
