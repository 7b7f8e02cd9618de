"""The openpyxl kit every workbook htsd writes starts from: a workbook whose default font is the
one Nghị định 30 asks for, with fixed document dates (same inputs, same bytes), and the styles of
the form sheet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from htsd_cli.writing.package import FIXED_TIME, FONT_NAME

if TYPE_CHECKING:
    from openpyxl.formatting.rule import Rule
    from openpyxl.styles import Alignment, Border, Font, PatternFill
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

INPUT_FILL = "FFF9E5"  # pale yellow: "type here"


@dataclass(frozen=True)
class Styles:
    """The styles of the form sheet and its guide."""

    fonts: dict[str, Font]  # by name: "font" (plain), "bold", "title", "italic", "stamp"
    border: Border
    input: PatternFill
    head: PatternFill
    wrap: Alignment
    center: Alignment
    right: Alignment


def styles() -> Styles:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="000000")
    return Styles(
        fonts={
            "font": Font(name=FONT_NAME, size=12),
            "bold": Font(name=FONT_NAME, size=12, bold=True),
            "title": Font(name=FONT_NAME, size=13, bold=True),
            "italic": Font(name=FONT_NAME, size=12, italic=True),
            "stamp": Font(name=FONT_NAME, size=9, italic=True, color="666666"),
        },
        border=Border(left=thin, right=thin, top=thin, bottom=thin),
        input=PatternFill("solid", fgColor=INPUT_FILL),
        head=PatternFill("solid", fgColor="E8E8E8"),
        wrap=Alignment(wrap_text=True, vertical="top"),
        center=Alignment(horizontal="center", vertical="center", wrap_text=True),
        right=Alignment(horizontal="right", vertical="center"),
    )


def new_workbook() -> Workbook:
    """An openpyxl workbook whose default font is Times New Roman (ND 30/2020)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils.indexed_list import IndexedList

    wb = Workbook()
    base = Font(name=FONT_NAME, size=12)
    # openpyxl keeps the default font in private tables its stubs do not declare
    wb._fonts = IndexedList([base])  # type: ignore[attr-defined]
    wb._named_styles["Normal"].font = base  # type: ignore[attr-defined]
    wb.properties.creator = "htsd"
    wb.properties.lastModifiedBy = "htsd"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    return wb


def first_sheet(wb: Workbook) -> Worksheet:
    """The sheet a new workbook opens with (openpyxl's `active`, which may be any kind of sheet
    or none)."""
    from openpyxl.worksheet.worksheet import Worksheet

    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook's one sheet is a worksheet
    return ws


def formula_rule(formula: str, fill: PatternFill) -> Rule:
    """A conditional format that fills the cells where `formula` holds (openpyxl's FormulaRule,
    which its stubs leave untyped)."""
    from openpyxl.formatting.rule import FormulaRule

    rule: Rule = FormulaRule(formula=[formula], fill=fill)  # type: ignore[no-untyped-call]
    return rule
