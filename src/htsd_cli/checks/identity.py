"""Which form and which unit a workbook says it is, from the marks htsd stamped into it.

The stamp line on the form sheet is read first; the hidden sheet and the document properties
only when the stamp is missing, unit names are wanted (no roster) or the file is an office's
summary. Nothing here writes into the view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from htsd_cli.layout import STAMP_PREFIX, SUMMARY_MARK
from htsd_cli.workbook.view import SheetView

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
        return self.values.get("kind") == "summary"


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
                out["kind"] = "summary"
            if code and not code.startswith("("):
                out["unit_code"] = code
            return out
    return {}


def identify(view: SheetView, want_names: bool) -> Identity:
    """Read the workbook's marks in order of cost, the first source of each key winning."""
    ident = Identity()
    stamp = stamp_line(view)
    if stamp:
        ident.values.update(stamp)
        ident.sources.append("stamp")
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
