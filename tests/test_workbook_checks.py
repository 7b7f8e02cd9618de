"""The workbook checks itself: filled in LibreOffice as a person would, recalculated and saved, its
`so_loi` and status line agree with `htsd validate`'s count of errors, rule by rule."""

from __future__ import annotations

import itertools
from pathlib import Path

import openpyxl
import pytest

from htsd_cli.form import Form, load_form
from htsd_cli.formulas import ERRORS_CELL, FUNCTIONS, STATUS_CELL, functions_used
from htsd_cli.layout import FORM_SHEET
from htsd_cli.roster import Roster, Unit
from htsd_cli.template import issue_workbooks
from htsd_cli.validate import check_file

from .conftest import FORMS, full_values

CANDIDATES = (0, 1, 2, 5, 9, "Có", "Không", None, "Số 5/KH")


def _clean(form: Form, unit_type: str) -> dict[str, object]:
    return dict(full_values(form, unit_type=unit_type))


def _breaking(form: Form, rule, clean: dict[str, object]) -> dict[str, object] | None:
    """Values that break `rule` and no other rule (found by trying a few values per figure, from
    the clean return and from one that answers "Không" everywhere)."""
    ids = list(rule.ids)
    negative = {
        k: ("Không" if form.indicator(k).kind == "yesno" else None)
        if form.indicator(k).kind in ("yesno", "text") else v
        for k, v in clean.items() if k in form._by_id
    }  # fmt: skip
    for base, combo in itertools.product(
        (clean, negative), itertools.product(CANDIDATES, repeat=len(ids))
    ):
        values = dict(base)
        ok = True
        for ind_id, value in zip(ids, combo, strict=True):
            kind = form.indicator(ind_id).kind
            if (kind == "yesno") != (value in ("Có", "Không")) and value is not None:
                ok = False
            if kind == "text" and value not in (None, "Số 5/KH"):
                ok = False
            if kind != "text" and value == "Số 5/KH":
                ok = False
            values[ind_id] = value
        if not ok:
            continue
        read = {k: (v == "Có" if v in ("Có", "Không") else v) for k, v in values.items()}
        broken = [r.id for r in form.rules if r.broken(read)]
        if broken == [rule.id]:
            return values
    return None


def _cases(form: Form, units: dict[str, str]) -> list[tuple[str, str, dict[str, object]]]:
    """(name, unit code, values): clean, every rule broken alone, a negative, text '1.200'."""
    cases = []
    for code, kind in units.items():
        cases.append((f"sach-{code}", code, _clean(form, kind)))
    for rule in form.rules:
        code = next(
            (c for c, k in units.items() if set(rule.ids) <= {i.id for i in form.applicable(k)}),
            None,
        )
        assert code is not None, f"no unit answers every row of {rule.id}"
        values = _breaking(form, rule, _clean(form, units[code]))
        assert values is not None, f"no values break {rule.id} alone"
        cases.append((rule.id, code, values))
    first = next(code for code in units)
    numbers = [i for i in form.applicable(units[first]) if i.kind in ("count", "people")]
    cases.append(("am", first, {**_clean(form, units[first]), numbers[0].id: -3}))
    cases.append(("chu-trong-o-so", first, {**_clean(form, units[first]), numbers[0].id: "1.200"}))
    cases.append(("trong", first, {}))
    return cases


FORMS_UNDER_TEST = {
    "htsd-2022": {"TH01": "tieu_hoc", "TTHTCD01": "tthtcd", "UBP01": "ubnd_phuong"},
    "htsd-2023-test": {"T1": "truong", "X1": "xa"},
}


@pytest.fixture(scope="module")
def filled(tmp_path_factory, config, lo_edit):
    """Every case of both forms, typed into issued workbooks inside LibreOffice and saved."""
    out: dict[str, list[tuple[str, Path, Form]]] = {}
    jobs = []
    for form_name, units in FORMS_UNDER_TEST.items():
        form = load_form(form_name if form_name == "htsd-2022" else FORMS / f"{form_name}.yaml")
        folder = tmp_path_factory.mktemp(form_name)
        roster = Roster(
            tuple(Unit(c, f"Đơn vị {c}", k, k, "X") for c, k in units.items()), folder / "r.csv"
        )
        issued = {i.unit.code: i.path for i in issue_workbooks(form, config, roster, folder / "bm")}
        out[form_name] = []
        for name, code, values in _cases(form, units):
            target = folder / f"{name}.xlsx"
            typed = {k: v for k, v in values.items() if v is not None}
            jobs.append({"open": str(issued[code]), "ops": [["fill", typed], ["recalc"]],
                         "save": [str(target)]})  # fmt: skip
            out[form_name].append((name, target, form))
    lo_edit(jobs)
    return out


@pytest.mark.parametrize("form_name", list(FORMS_UNDER_TEST))
def test_the_workbook_counts_the_errors_validate_finds(filled, form_name):
    for name, path, form in filled[form_name]:
        sheet = openpyxl.load_workbook(path, data_only=True)[FORM_SHEET]
        errors = sum(f.is_error for f in check_file(str(path), form).findings)
        if name == "trong":
            assert sheet[ERRORS_CELL].value == 0
            assert sheet[STATUS_CELL].value.startswith("Chưa có lỗi · còn ")
            continue
        status = sheet[STATUS_CELL].value
        if name == "chu-trong-o-so":
            # a formula cannot read "1.200": the cell is "cần kiểm tra", never taken as zero, and
            # the rules on it wait for validate, which reads it as 1200
            assert "1 ô cần kiểm tra" in status and sheet[ERRORS_CELL].value <= errors
            continue
        assert sheet[ERRORS_CELL].value == errors, (name, status)
        if errors:
            assert status.startswith(f"Biểu mẫu còn {errors} lỗi"), (name, status)
        else:
            assert status.startswith("Chưa có lỗi"), (name, status)
        rule = next((r for r in form.rules if r.id == name), None)
        if rule is not None:
            assert errors == (1 if rule.severity == "error" else 0), name
            messages = " ".join(str(c.value or "") for c in sheet["E"])
            assert rule.message.split("{")[0].strip()[:20] in messages, (name, messages[:200])


def test_formulas_use_only_functions_every_spreadsheet_has(issued):
    wb = openpyxl.load_workbook(issued["TTHTCD01"])
    used = set()
    for row in wb[FORM_SHEET].iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("="):
                used |= functions_used(c.value)
    assert used and used <= FUNCTIONS, used - FUNCTIONS
    assert "so_loi" in wb.defined_names
