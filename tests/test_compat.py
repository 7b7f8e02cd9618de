"""Returns filled in workbooks issued by earlier versions of htsd keep reading correctly.

The files in tests/compat/<version>/ were made once with that version and are never remade.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from htsd_cli.validate import validate_paths

COMPAT = Path(__file__).resolve().parent / "compat"
RETURNS = sorted(p for p in COMPAT.glob("*/*") if p.suffix in (".xlsx", ".xls", ".ods"))


@pytest.mark.parametrize("path", RETURNS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_old_returns_read_every_figure_as_typed(path, form, roster):
    typed = json.loads((path.parent / "typed.json").read_text(encoding="utf-8"))
    unit = path.name.split("-")[0]
    report = validate_paths([path], form, roster)
    [rep] = report.files
    assert rep.valid and rep.findings == [], [f.message for f in rep.findings]
    assert rep.unit_code == unit.upper()
    values = typed[unit]
    for ind in form.indicators:
        want = values[ind.id]
        if ind.kind == "yesno":
            want = want == "Có"
        elif ind.kind != "text":
            want = float(want)
        assert rep.values[ind.id] == want, ind.id
    assert rep.texts["chi_dao"] == values["chi_dao"]
    notes = {k: v for k, v in values.items() if k.endswith("_gc")}
    assert {k: rep.texts.get(k) for k in notes} == notes


def test_every_compat_set_is_there():
    assert {p.parent.name for p in RETURNS} >= {"v0.1.0"} and len(RETURNS) >= 4
