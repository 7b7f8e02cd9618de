"""A read-only view of a returned workbook: what every check reads, and nothing else.

`SheetView` is plain data, so a test can build one from a dict of cells. The view that
`open_workbook` returns is the same class, loading its less common parts (defined names,
properties, the hidden identity sheet, fonts, broken formulas, how a cell looks) only when a
check asks.
No check writes into a view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypedDict, Unpack

from htsd_cli.reading.parts import NO_LOOK, CellLook, IdSheet, NamedCell, position

# What a cell holds as python-calamine reads it (every format: xlsx, xls, ods): '' when empty.
# None only in a view a test builds from a dict.
CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None
# A sheet's values, row by row.
Grid = Sequence[Sequence[CellValue]]


class _Parts(TypedDict, total=False):
    """The parts a view built from cells may be given besides its names (SheetView's fields)."""

    _properties: Mapping[str, str] | None
    _id_sheet: IdSheet | None
    _fonts: Mapping[str, str] | None
    _formulas: Mapping[str, tuple[str, str]] | None
    _looks: Mapping[str, CellLook] | None


@dataclass
class SheetView:
    """The form sheet of a workbook (its values as a grid) and the workbook's identity parts."""

    path: str
    fmt: str
    sheet: str
    grid: Grid
    sheet_names: tuple[str, ...] = ()
    _names: Mapping[str, NamedCell] | None = field(default=None, repr=False)
    _properties: Mapping[str, str] | None = field(default=None, repr=False)
    _id_sheet: IdSheet | None = field(default=None, repr=False)
    _fonts: Mapping[str, str] | None = field(default=None, repr=False)
    _formulas: Mapping[str, tuple[str, str]] | None = field(default=None, repr=False)
    _looks: Mapping[str, CellLook] | None = field(default=None, repr=False)

    @classmethod
    def from_cells(
        cls,
        cells: Mapping[str, CellValue],
        *,
        path: str = "test.xlsx",
        sheet: str = "Báo cáo",
        names: Mapping[str, NamedCell] | None = None,
        **parts: Unpack[_Parts],
    ) -> SheetView:
        """A view backed by {A1 address: value}, for tests and small tools."""
        spots = [(position(ref), value) for ref, value in cells.items()]
        height = max((r for (r, _), _ in spots), default=-1) + 1
        width = max((c for (_, c), _ in spots), default=-1) + 1
        grid: list[list[CellValue]] = [[""] * width for _ in range(height)]
        for (r, c), value in spots:
            grid[r][c] = value
        return cls(path, "xlsx", sheet, grid, (sheet,), _names=names or {}, **parts)

    def value(self, ref: str) -> CellValue:
        """The value at an A1 address ('' when empty or outside the data)."""
        row, col = position(ref)
        grid = self.grid
        if 0 <= row < len(grid) and 0 <= col < len(grid[row]):
            return grid[row][col]
        return ""

    def names(self) -> Mapping[str, NamedCell]:
        """The workbook's defined names (empty for formats whose names are not read)."""
        return self._names or {}

    def properties(self) -> Mapping[str, str]:
        """htsd's custom document properties, without the 'htsd_' prefix."""
        return self._properties or {}

    def id_sheet(self) -> IdSheet:
        """The hidden identity sheet (empty when there is none)."""
        return self._id_sheet or IdSheet()

    def font_of(self, ref: str) -> str | None:
        """The font of a cell of the form sheet, when the format tells it."""
        return (self._fonts or {}).get(ref)

    def look(self, ref: str, runs: bool = True) -> CellLook:
        """How a cell of the form sheet looks: struck through, shown as a date, a time or a
        percentage (NO_LOOK when the format does not tell, or nothing is special). `runs`:
        whether the runs of its text may matter (not for an answer picked from a list, which
        is never rich text)."""
        return (self._looks or {}).get(ref, NO_LOOK)

    def _formula(self, ref: str) -> tuple[str, str] | None:
        return (self._formulas or {}).get(ref)

    def formula_cells(self) -> Container[str]:
        """The cells that may hold a formula or an error value: `formula_problem` and
        `formula_of` say nothing of any other (a blank cell outside it is simply blank)."""
        return self._formulas or {}

    def plain_looks(self) -> bool:
        """Whether `look` gives NO_LOOK for every cell whose text can have no runs (a number, an
        answer picked from a list): nothing in the workbook is struck or shown as a date, a
        time or a percentage, so such a cell need not be looked at."""
        return not self._looks

    def formula_problem(self, ref: str) -> str | None:
        """'no-value' for a formula never calculated, the error text (#DIV/0!…) for a formula
        that failed, else None. Readers show both as empty cells."""
        found = self._formula(ref)
        return found[0] or None if found else None

    def formula_of(self, ref: str) -> str:
        """The text of the cell's formula, without '=' ('' when there is none or it is not
        known: xls, or a shared formula's followers)."""
        found = self._formula(ref)
        return found[1] if found else ""

    def close(self) -> None:
        """Release what the view holds open (nothing, for a plain view)."""
