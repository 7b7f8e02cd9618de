"""Returns filled in workbooks issued by earlier versions of htsd keep reading correctly.

The files in tests/compat/<version>/ were made once with that version and are never remade.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from htsd_cli.checks.validate import validate_paths

COMPAT = Path(__file__).resolve().parent / "compat"
RETURNS = sorted(p for p in COMPAT.glob("*/*") if p.suffix in (".xlsx", ".xls", ".ods"))


@pytest.mark.parametrize("path", RETURNS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_old_returns_read_every_figure_as_typed(path, form, roster):
    """Read and checked by their own version of the form, then carried over: a figure whose row
    the unit's type no longer answers is kept aside with a warning (not counted), a number that
    became a yes/no question reads as Có when above 0, with a warning; every other figure is
    the figure typed."""
    from htsd_cli.campaign.form import load_form

    typed = json.loads((path.parent / "typed.json").read_text(encoding="utf-8"))
    unit = path.name.split("-")[0]
    report = validate_paths([path], form, roster)
    [rep] = report.files
    assert rep.valid, [f.message for f in rep.findings]
    assert rep.unit_code == unit.upper()
    kind = roster.find(unit.upper()).unit_type
    old = load_form(Path(form.source).parent / "history" / "htsd-2022-v1.yaml")
    assert old.version < form.version
    values = typed[unit]
    warned = {(f.code, f.indicator) for f in rep.findings}
    assert {code for code, _ in warned} <= {"not-applicable", "older-form"}
    for ind in form.indicators:
        was = old.indicator(ind.id)
        want = values[ind.id]
        if was.kind == "yesno":
            want = want == "Có"
        elif was.kind != "text":
            want = float(want)
        if not ind.applies(kind):
            assert ind.id not in rep.values and ("not-applicable", ind.id) in warned, ind.id
            assert rep.ignored[ind.id] in (str(values[ind.id]), "Có", "Không"), ind.id
        elif ind.kind != was.kind:
            assert rep.values[ind.id] == (want > 0) and ("older-form", ind.id) in warned, ind.id
        else:
            assert rep.values[ind.id] == want, ind.id
    assert rep.texts["chi_dao"] == values["chi_dao"]
    notes = {k: v for k, v in values.items() if k.endswith("_gc")}
    assert {k: rep.texts.get(k) for k in notes} == notes


def test_every_compat_set_is_there():
    assert {p.parent.name for p in RETURNS} >= {"v0.1.0"} and len(RETURNS) >= 4
