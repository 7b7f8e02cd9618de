"""Fill an issued workbook programmatically (sample returns, benchmarks and tests use it).

Cells are addressed by the workbook's defined names, exactly as any other tool would.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl.cell import _CellSetValue


def fill_workbook(
    source: Path, values: Mapping[str, _CellSetValue], target: Path | None = None
) -> bytes:
    """Return (and optionally write) a copy of `source` with each named cell set to its value."""
    from openpyxl import load_workbook

    wb = load_workbook(source)
    for name, value in values.items():
        defined = wb.defined_names.get(name)
        if defined is None:
            raise KeyError(f"no defined name {name!r} in {source}")
        for sheet, ref in defined.destinations:
            wb[sheet][ref.replace("$", "")].value = value
    buffer = io.BytesIO()
    wb.save(buffer)
    from htsd_cli.writing.package import normalise_package

    data = normalise_package(buffer.getvalue())
    if target is not None:
        from htsd_cli.base.fsutil import atomic_write_bytes

        atomic_write_bytes(target, data)
    return data
