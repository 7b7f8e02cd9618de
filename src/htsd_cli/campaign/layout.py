"""Where every part of the form sits on the "Báo cáo" sheet.

One function computes the layout from the form definition; the template writer, the summary
workbook and the label-matching fallback of the reader all use it, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from htsd_cli.campaign.form import Form, Indicator, Section, TextPart

FORM_SHEET = "Báo cáo"
GUIDE_SHEET = "Hướng dẫn"
ID_SHEET = "_htsd"
VALUE_COL = "C"
NOTE_COL = "D"
LABEL_COL = "B"
STAMP_PREFIX = "Mã biểu mẫu:"
NOT_APPLICABLE = "Không áp dụng"  # what an issued workbook says in a row the unit does not answer
SUMMARY_MARK = "· tổng hợp"  # ends the stamp line of an office's summary workbook


@dataclass(frozen=True)
class Row:
    """One row of the form sheet."""

    number: int
    kind: str  # "section", "indicator", "text_heading", "text_body", "heading"
    section: Section | None = None
    indicator: Indicator | None = None
    text: TextPart | None = None
    heading: str = ""


@dataclass
class Layout:
    unit_name_cell: str = "A1"
    report_number_cell: str = "A2"
    date_cell: str = "C3"
    title_row: int = 5
    stamp_cell: str = "A6"
    header_row: int = 0
    first_table_row: int = 0
    last_table_row: int = 0
    signature_row: int = 0
    signer_name_cell: str = ""
    rows: list[Row] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)  # defined name → A1 address


def column_letter(index: int) -> str:
    """0 → 'A', 25 → 'Z', 26 → 'AA'."""
    letters = ""
    while index >= 0:
        letters = chr(65 + index % 26) + letters
        index = index // 26 - 1
    return letters


def label_text(ind: Indicator) -> str:
    """The label as printed in column B: sub-items of a section start with a dash."""
    prefix = "    - " if ind.level == 2 else "- "
    return prefix + ind.label


T = TypeVar("T")


def per_form(compute: Callable[[Form], T]) -> Callable[[Form], T]:
    """Compute something once per form object (forms are not hashable: keyed by identity)."""
    cache: dict[int, tuple[Form, T]] = {}

    def cached(form: Form) -> T:
        hit = cache.get(id(form))
        if hit is not None and hit[0] is form:
            return hit[1]
        value = compute(form)
        cache[id(form)] = (form, value)
        return value

    cached.__doc__ = compute.__doc__
    return cached


@per_form
def compute_layout(form: Form) -> Layout:
    """The layout of a form (computed once per form object)."""
    return _compute(form)


def _compute(form: Form) -> Layout:
    lay = Layout()
    row = 7
    for text in form.texts:
        if text.part == "before_table":
            lay.rows.append(Row(row, "text_heading", text=text))
            lay.rows.append(Row(row + 1, "text_body", text=text))
            lay.cells[text.id] = f"A{row + 1}"
            row += 2
    lay.rows.append(Row(row, "heading", heading=form.table_part_heading))
    lay.rows.append(Row(row + 1, "heading", heading=form.table_heading))
    row += 2
    lay.header_row = row
    row += 1
    lay.first_table_row = row
    for section in form.sections:
        lay.rows.append(Row(row, "section", section=section))
        row += 1
        for ind in section.indicators:
            lay.rows.append(Row(row, "indicator", section=section, indicator=ind))
            lay.cells[ind.id] = f"{VALUE_COL}{row}"
            lay.cells[ind.note_id] = f"{NOTE_COL}{row}"
            row += 1
    lay.last_table_row = row - 1
    for text in form.texts:
        if text.part == "after_table":
            lay.rows.append(Row(row, "text_heading", text=text))
            lay.rows.append(Row(row + 1, "text_body", text=text))
            lay.cells[text.id] = f"A{row + 1}"
            row += 2
    lay.signature_row = row + 1
    lay.signer_name_cell = f"C{row + 5}"
    return lay
