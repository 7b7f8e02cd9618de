"""Plain data rows written straight into a workbook package.

openpyxl spends about 8 µs on every cell it saves; a province's unit × indicator sheet has
~100,000 cells. Sheets are laid out with openpyxl (headers, widths, panes); their data rows are
then serialised here as plain values and put into the saved package, before `</sheetData>`.
Strings are inline strings, so text from units can never become a formula.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape

from htsd_cli.layout import column_letter
from htsd_cli.textnorm import xml_safe


def wrap_style(wb: Any) -> int:
    """The index of a cell style that wraps text at the top of its cell (registered in `wb`, so
    that rows serialised here can use it)."""
    from openpyxl.styles import Alignment
    from openpyxl.styles.cell_style import StyleArray

    style = StyleArray()
    style.alignmentId = wb._alignments.add(Alignment(wrap_text=True, vertical="top"))
    return int(wb._cell_styles.add(style))


def rows_xml(
    rows: Iterable[list[Any]], first_row: int, styles: dict[int, int] | None = None
) -> bytes:
    """Rows as sheet XML; `styles` gives a column (0-based) the style index its cells carry."""
    letters: dict[int, str] = {}
    marks = {c: f' s="{i}"' for c, i in (styles or {}).items()}
    out: list[str] = []
    for r, row in enumerate(rows, start=first_row):
        cells = []
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            letter = letters.get(c) or letters.setdefault(c, column_letter(c))
            ref = f'{letter}{r}"{marks.get(c, "")}'  # the address, closed, and its style
            if isinstance(value, bool):
                cells.append(f'<c r="{ref} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float)):
                if value != value:  # NaN
                    continue
                cells.append(f'<c r="{ref}><v>{value!r}</v></c>')
            else:
                text = escape(xml_safe(str(value)))
                cells.append(
                    f'<c r="{ref} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
                )
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    return "".join(out).encode("utf-8")


def add_rows(members: list[tuple[str, bytes]], sheets: dict[str, bytes]) -> list[tuple[str, bytes]]:
    """Put serialised rows at the end of each named sheet's data (package members in order)."""
    from htsd_cli.workbook.parts import sheet_part_names

    parts = dict(members)
    names = sheet_part_names(parts["xl/workbook.xml"], parts["xl/_rels/workbook.xml.rels"])
    wanted = {names[title]: rows for title, rows in sheets.items()}
    out = []
    for name, data in members:
        if name in wanted:
            rows = wanted[name]
            if b"<sheetData/>" in data:
                data = data.replace(b"<sheetData/>", b"<sheetData>" + rows + b"</sheetData>", 1)
            else:
                data = data.replace(b"</sheetData>", rows + b"</sheetData>", 1)
            data = re.sub(rb"<dimension [^>]*/>", b"", data, count=1)
        out.append((name, data))
    return out
