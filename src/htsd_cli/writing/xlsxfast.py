"""Plain data rows written straight into a workbook package.

openpyxl spends about 8 µs on every cell it saves; a province's unit × indicator sheet has
~100,000 cells. Sheets are laid out with openpyxl (headers, widths, panes); their data rows are
then serialised here as plain values and put into the saved package, before `</sheetData>`.
Strings are inline strings, so text from units can never become a formula; text that a
spreadsheet would read as one carries the quote prefix too (see cellsafe).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from htsd_cli.base.textnorm import xml_escape, xml_safe
from htsd_cli.campaign.layout import column_letter
from htsd_cli.writing.cellsafe import FORMULA_STARTS, Written

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

    from htsd_cli.writing.package import Insert


def wrap_style(wb: Workbook) -> int:
    """The index of a cell style that wraps text at the top of its cell (registered in `wb`, so
    that rows serialised here can use it)."""
    from openpyxl.styles import Alignment
    from openpyxl.styles.cell_style import StyleArray

    style = StyleArray()
    # the workbook's style tables are private to openpyxl: its stubs do not declare them
    style.alignmentId = wb._alignments.add(Alignment(wrap_text=True, vertical="top"))  # type: ignore[attr-defined]
    return int(wb._cell_styles.add(style))  # type: ignore[attr-defined]


def column_styles(wb: Workbook, styles: dict[int, int] | None = None) -> dict[int, tuple[int, int]]:
    """Per column (0-based; -1 for the columns not named): the index of its cell style in `wb`
    (`styles`, else the default) and of the same style with the quote prefix, for text that
    would read as a formula. Registered in `wb` now, before it is saved."""
    from openpyxl.styles.cell_style import StyleArray

    def quoted(index: int) -> int:
        style = StyleArray(list(wb._cell_styles[index]))  # type: ignore[attr-defined]
        style.quotePrefix = 1
        return int(wb._cell_styles.add(style))  # type: ignore[attr-defined]

    out = {c: (i, quoted(i)) for c, i in (styles or {}).items()}
    out[-1] = (0, quoted(0))
    return out


ROWS_PER_CHUNK = 500  # rows serialised at a time: a sheet of 70,000 units is never whole


def rows_xml(
    rows: Iterable[Sequence[Written]], first_row: int, styles: dict[int, tuple[int, int]]
) -> Iterator[bytes]:
    """Rows as sheet XML, a chunk of ROWS_PER_CHUNK rows at a time; `styles` (column_styles)
    gives each column the style its cells carry, plain and quote-prefixed."""
    plain = {c: f' s="{i}"' if i else "" for c, (i, _) in styles.items()}
    quoted = {c: f' s="{q}"' for c, (_, q) in styles.items()}
    heads: list[str] = []  # per column: '<c r="B' — the row number and the rest follow
    tails: list[str] = []  # per column: '" s="3"' — the address closed, and its style
    text_tails: list[str] = []  # per column: '" s="4"' — the same for text read as a formula
    out: list[str] = []
    for r, row in enumerate(rows, start=first_row):
        while len(heads) < len(row):
            c = len(heads)
            heads.append(f'<c r="{column_letter(c)}')
            tails.append(f'"{plain.get(c, plain[-1])}')
            text_tails.append(f'"{quoted.get(c, quoted[-1])}')
        number = str(r)
        cells = [f'<row r="{number}">']
        for c, value in enumerate(row):
            if isinstance(value, bool):
                cells.append(f'{heads[c]}{number}{tails[c]} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float)):
                if value == value:  # not NaN; numpy's numbers written as Python's
                    shown = repr(float(value) if isinstance(value, float) else int(value))
                    cells.append(f"{heads[c]}{number}{tails[c]}><v>{shown}</v></c>")
            elif value is not None and value != "":
                text = xml_safe(str(value))
                tail = text_tails[c] if text[:1] in FORMULA_STARTS else tails[c]
                text = xml_escape(text)
                cells.append(
                    f'{heads[c]}{number}{tail} t="inlineStr"><is><t xml:space="preserve">'
                    f"{text}</t></is></c>"
                )
        cells.append("</row>")
        out.append("".join(cells))
        if len(out) >= ROWS_PER_CHUNK:
            yield "".join(out).encode("utf-8")
            out = []
    if out:
        yield "".join(out).encode("utf-8")


def insert_rows(
    members: list[tuple[str, bytes]], sheets: Mapping[str, Iterable[bytes]]
) -> dict[str, Insert]:
    """Where serialised rows go: part name → (the sheet's XML up to the end of its data, the
    rows, the rest), for `package.write_package` to write the rows as they come."""
    from htsd_cli.reading.parts import sheet_part_names

    parts = dict(members)
    names = sheet_part_names(parts["xl/workbook.xml"], parts["xl/_rels/workbook.xml.rels"])
    out: dict[str, Insert] = {}
    for title, rows in sheets.items():
        data = re.sub(rb"<dimension [^>]*/>", b"", parts[names[title]], count=1)
        if b"<sheetData/>" in data:
            head, tail = data.split(b"<sheetData/>", 1)
            out[names[title]] = (head + b"<sheetData>", rows, b"</sheetData>" + tail)
        else:
            head, tail = data.split(b"</sheetData>", 1)
            out[names[title]] = (head, rows, b"</sheetData>" + tail)
    return out
