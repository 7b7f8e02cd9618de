"""Every cell and field htsd writes holds text as text: nothing a unit, a mail sender or a roster
typed ever runs as a formula in a workbook or CSV file htsd writes.

A spreadsheet reads text beginning with '=', '+', '-', '@' (and tab, carriage return, and their
full-width forms, which some keyboards type) as the start of a formula: '=HYPERLINK(...)' in a
unit's name would become a live link, '=cmd|...' an attempt to run a program (the OWASP list
for CSV injection). So:
- in a workbook such text is stored as a string cell, with the "quote prefix" Excel itself sets
  when one types an apostrophe first: opening the cell to edit it does not turn it into a formula;
- in a CSV file it gets a leading apostrophe (what Excel and LibreOffice show as text), and
  `from_csv` takes it off again when htsd reads its own file back.
The form's own formulas (formulas.py) are the only formulas htsd writes.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeAlias, TypeGuard

from htsd_cli.base.textnorm import xml_safe

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell, MergedCell
    from openpyxl.worksheet.worksheet import Worksheet

# What htsd puts in a cell: text, a number, a yes/no, a date or time, or nothing.
Written: TypeAlias = (
    str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None
)

FORMULA_STARTS = frozenset("=+-@\t\r\n\0＝＋－＠")
QUOTE = "'"


def risky(text: str) -> bool:
    """Whether a spreadsheet would read `text` as (the start of) a formula."""
    return text[:1] in FORMULA_STARTS


def put(cell: Cell | MergedCell, value: Written) -> Cell:
    """Store `value` in an openpyxl cell, text as text (without the control characters a
    workbook cannot hold); the cell is returned, to be styled."""
    if not _holds_values(cell):  # what openpyxl itself says when one writes into it
        raise AttributeError("'MergedCell' object attribute 'value' is read-only")
    if isinstance(value, str):
        value = xml_safe(value)
    cell.value = value
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        cell.data_type = "s"  # openpyxl takes a string beginning with '=' for a formula
        cell.quotePrefix = True
    return cell


def _holds_values(cell: Cell | MergedCell) -> TypeGuard[Cell]:
    """Whether a value can be put in `cell` (a cell merged into another holds none)."""
    return not isinstance(cell, _merged_cell())


@functools.cache  # put is called for every cell: the class is looked up once
def _merged_cell() -> type[MergedCell]:
    from openpyxl.cell.cell import MergedCell

    return MergedCell


def put_row(ws: Worksheet, row: int, values: Iterable[Written]) -> None:
    """`put` each of `values` along one row of `ws`, from column A."""
    for column, value in enumerate(values, start=1):
        put(ws.cell(row=row, column=column), value)


def append(ws: Worksheet, values: Iterable[Written]) -> None:
    """openpyxl's `ws.append`, each value `put`."""
    from openpyxl.cell.cell import Cell

    ws.append(
        [put(Cell(ws, row=1, column=1), value) for value in values]
    )  # append places each cell


def to_csv(value: str) -> str:
    """A CSV field a spreadsheet shows as the text it is: a leading apostrophe before text that
    would read as a formula, and before an apostrophe that would otherwise be taken off again."""
    if value[:1] in FORMULA_STARTS or (
        value[:1] == QUOTE and value.lstrip(QUOTE)[:1] in FORMULA_STARTS
    ):
        return QUOTE + value
    return value


def from_csv(field: str) -> str:
    """The text `to_csv` was given (a field htsd did not write comes back as it is, unless it
    is an apostrophe before formula text, which Excel also shows without the apostrophe)."""
    if field[:1] == QUOTE and field.lstrip(QUOTE)[:1] in FORMULA_STARTS:
        return field[1:]
    return field
