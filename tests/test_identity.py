"""Whose each return is, which of its sheets count, and the clerk's decisions that settle a doubt.

Returns are made inside LibreOffice (UNO) as units make them: the form sheet copied and the copy
filled, another unit's sheet copied into a school's workbook, a copy retitled for another unit,
last year's blank form, a workbook sent under another unit's name or by another unit's address,
a unit's name typed over. Every counted figure must be the one its unit meant; whatever htsd
doubts is held, named by sheet and cell, until a row of the decisions workbook (made from the
rows htsd prints, as a clerk pastes them) settles it; then the totals are the intended sums.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from htsd_cli.base.findings import HELD_CODES
from htsd_cli.campaign.form import parse_form
from htsd_cli.campaign.layout import compute_layout
from htsd_cli.campaign.roster import load_roster
from htsd_cli.checks.decisions import (
    ASIDE,
    COLUMNS,
    OWNER,
    READ_AS,
    decisions_workbook,
    file_code,
    load_decisions,
)  # fmt: skip
from htsd_cli.checks.validate import validate_paths
from htsd_cli.intake.receipts import load_senders
from htsd_cli.totals.status import HELD, INVALID, MISSING, VALID, build_status

from .conftest import SAMPLE_CONFIG, SAMPLE_ROSTER
from .test_evidence import expected, typed_values

EMAILS = {"MN05": "mn05@haian.edu.vn", "MN07": "mn07@haian.edu.vn", "MN08": "mn08@haian.edu.vn"}
SEEDS = {
    "MN01": 21, "MN02": 22, "TH01": 23, "TH02": 24, "TH03": 25, "TH04": 26, "MN05": 27,
    "MN04": 28, "MN07": 29, "TH05": 30, "TH07": 31,
}  # fmt: skip
MAIN, COPY = "Báo cáo", "Báo cáo (2)"


@pytest.fixture(scope="module")
def units(tmp_path_factory, form):
    """The sample roster, with an email for a few units (as the receipts book names senders)."""
    rows = list(csv.reader(io.StringIO(SAMPLE_ROSTER.read_text(encoding="utf-8-sig"))))
    rows[0].append("email")
    for row in rows[1:]:
        row.append(EMAILS.get(row[0], ""))
    path = tmp_path_factory.mktemp("ds") / "danh-sach.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return load_roster(path, form)


def meant(form, units, code: str) -> dict[str, object]:
    """What the unit `code` typed: every row its type answers, each figure its own."""
    return typed_values(form, SEEDS[code], units.find(code).unit_type)


@pytest.fixture(scope="module")
def made(tmp_path_factory, lo_edit, issued, form, config, units):
    """Every return, made in one LibreOffice session, in one folder with its receipts book:
    name of the case → path of the return."""
    from htsd_cli.template import issue_workbooks

    returns = tmp_path_factory.mktemp("bao-cao-ve")
    src = tmp_path_factory.mktemp("nguon")
    cells = compute_layout(form).cells

    def values(code: str, **changed: object) -> dict[str, object]:
        return {**meant(form, units, code), **changed}

    def at_cells(typed: dict[str, object]) -> dict[str, object]:
        return {cells[k]: v for k, v in typed.items()}

    def title(code: str) -> str:
        return units.find(code).name.upper()

    last_year = parse_form(
        (Path(form.source)).read_text(encoding="utf-8").replace("id: htsd-2022", "id: htsd-2021")
        .replace("year: 2022", "year: 2021"),
        "htsd-2021.yaml",
    )  # fmt: skip
    [blank] = issue_workbooks(last_year, config, None, src / "nam-ngoai")
    paths = {
        "mot-phan": returns / issued["MN01"].name,
        "khac-nhau": returns / issued["MN02"].name,
        "trang-don-vi-khac": returns / issued["TH01"].name,
        "trang-sai": returns / issued["TH03"].name,
        "nam-truoc": returns / "bao-cao-tuan-le-hoc-tap.xlsx",
        "ten-tep": returns / issued["MN03"].name,
        "nguoi-gui": returns / issued["MN07"].name,
        "ten-dau-trang": returns / issued["TH05"].name,
        "chu": returns / issued["TH07"].name,
        "ten-tep-lan-2": src / "ten-tep-lan-2.xlsx",
    }
    whole = values("MN01")
    half = dict(list(whole.items())[: len(whole) // 2])
    rest = {k: v for k, v in whole.items() if k not in half}
    jobs: list[dict[str, object]] = [
        # MN01 filled half the form, copied the sheet and finished the copy
        {"open": str(issued["MN01"]), "ops": [
            ["fill", half], ["copy_sheet", MAIN, COPY, 1], ["on_sheet", COPY], ["unprotect"],
            ["cells", at_cells(rest)]], "save": [str(paths["mot-phan"])]},
        # MN02 filled the form, copied it and changed one figure in the copy
        {"open": str(issued["MN02"]), "ops": [
            ["fill", values("MN02")], ["copy_sheet", MAIN, COPY, 1], ["on_sheet", COPY],
            ["unprotect"], ["cells", at_cells({"s3_to_roi": 500})]],
         "save": [str(paths["khac-nhau"])]},
        # TH01's workbook also holds TH02's sheet, copied from TH02's own workbook
        {"open": str(issued["TH02"]), "ops": [["fill", values("TH02")]],
         "save": [str(src / "th02.xlsx")]},
        {"open": str(issued["TH01"]), "ops": [
            ["fill", values("TH01")], ["import_sheet", str(src / "th02.xlsx"), MAIN, "TH02", 1]],
         "save": [str(paths["trang-don-vi-khac"])]},
        # TH03 copied its own sheet, titled the copy for TH04 and typed TH04's figures there
        {"open": str(issued["TH03"]), "ops": [
            ["fill", values("TH03")], ["copy_sheet", MAIN, "TH04", 1], ["on_sheet", "TH04"],
            ["unprotect"], ["set", "A1", title("TH04")], ["cells", at_cells(values("TH04"))]],
         "save": [str(paths["trang-sai"])]},
        # MN05 filled last year's blank form, its header naming another unit, sent by mail
        {"open": str(blank.path), "ops": [
            ["fill", values("MN05")], ["unprotect"], ["set", "A1", title("MN06")]],
         "save": [str(paths["nam-truoc"])]},
        # MN04's workbook, filled and sent under the name htsd gave MN03's (twice: see stale)
        {"open": str(issued["MN04"]), "ops": [["fill", values("MN04")]],
         "save": [str(paths["ten-tep"])]},
        {"open": str(issued["MN04"]), "ops": [["fill", values("MN04", s3_to_roi=77)]],
         "save": [str(paths["ten-tep-lan-2"])]},
        # MN07's own workbook, sent from MN08's address
        {"open": str(issued["MN07"]), "ops": [["fill", values("MN07")]],
         "save": [str(paths["nguoi-gui"])]},
        # TH05's workbook with TH06's name typed over its own at the top
        {"open": str(issued["TH05"]), "ops": [
            ["fill", values("TH05")], ["unprotect"], ["set", "A1", title("TH06")]],
         "save": [str(paths["ten-dau-trang"])]},
        # TH07 wrote a figure in words
        {"open": str(issued["TH07"]), "ops": [["fill", values("TH07", s3_to_roi="mười hai")]],
         "save": [str(paths["chu"])]},
    ]  # fmt: skip
    lo_edit(jobs)
    book = returns.parent / f"{returns.name}-so-nhan.csv"
    book.write_text(
        "tep,ngay_nhan,nguon_ngay,nguoi_gui,tieu_de\r\n"
        f"{paths['nam-truoc'].name},06/10/2022 08:00,máy chủ thư,{EMAILS['MN05']},Báo cáo\r\n"
        f"{paths['nguoi-gui'].name},06/10/2022 09:00,máy chủ thư,"
        f"Nguyễn Văn A <{EMAILS['MN08'].upper()}>,Báo cáo\r\n",
        encoding="utf-8",
    )
    return {**paths, "returns": returns, "book": book}


@pytest.fixture(scope="module")
def checked(made, form, units):
    """The folder checked without decisions: file name → its readings."""
    report = validate_paths([made["returns"]], form, units, senders=load_senders(made["book"]))
    by_name: dict[str, list] = {}
    for rep in report.files:
        by_name.setdefault(Path(rep.path).name, []).append(rep)
    return report, by_name


def _counted(rep, form, want):
    """Every figure read is the figure meant, and nothing else is counted."""
    got = {k: rep.values.get(k) for k in want if rep.values.get(k) is not None}
    assert got == expected(form, want)
    assert not set(rep.values) - set(want) - {k for k, v in rep.values.items() if v is None}


def _only(readings, sheet):
    [rep] = [r for r in readings if r.sheet == sheet]
    return rep


def test_a_half_done_copy_is_left_for_the_whole_one_and_said(checked, made, form, units):
    _, by_name = checked
    [rep] = by_name[made["mot-phan"].name]
    assert rep.sheet == COPY and rep.unit_code == "MN01" and rep.valid
    _counted(rep, form, meant(form, units, "MN01"))
    [note] = [f for f in rep.findings if f.code == "sheet-copy"]
    assert f"'{MAIN}'" in note.message and f"'{COPY}'" in note.message and not note.is_error


def test_copies_that_disagree_are_both_held_naming_the_sheets_and_cell(checked, made, form):
    _, by_name = checked
    readings = by_name[made["khac-nhau"].name]
    assert sorted(r.sheet for r in readings) == [MAIN, COPY]
    cell = compute_layout(form).cells["s3_to_roi"]
    for rep in readings:
        [held] = [f for f in rep.findings if f.is_error]
        assert held.code == "sheet-copies-disagree" and held.code in HELD_CODES
        assert held.sheet == rep.sheet and f"'{MAIN}', '{COPY}'" in held.message
        assert f"ô {cell}: " in held.message and "500" in held.message


def test_a_sheet_of_another_unit_counts_for_it_when_its_own_marks_agree(checked, made, form, units):
    _, by_name = checked
    readings = by_name[made["trang-don-vi-khac"].name]
    own, other = _only(readings, MAIN), _only(readings, "TH02")
    assert own.unit_code == "TH01" and own.valid and not own.findings
    _counted(own, form, meant(form, units, "TH01"))
    assert other.unit_code == "TH02" and other.valid and other.other_unit
    _counted(other, form, meant(form, units, "TH02"))
    [told] = other.findings
    assert told.code == "sheet-other-unit" and told.sheet == "TH02" and "TH02" in told.message


def test_a_sheet_whose_own_marks_disagree_is_held(checked, made, form, units):
    _, by_name = checked
    readings = by_name[made["trang-sai"].name]
    own, other = _only(readings, MAIN), _only(readings, "TH04")
    assert own.unit_code == "TH03" and own.valid
    _counted(own, form, meant(form, units, "TH03"))
    [held] = [f for f in other.findings if f.is_error]
    assert held.code == "identity-conflict" and held.sheet == "TH04"
    assert "trang 'TH04'" in held.message and "ghi mã TH03" in held.message
    assert "(TH04)" in held.message  # the name typed at the top of the copy
    assert other.unit_code == "" and other.claimants == ["TH03", "TH04"]


@pytest.mark.parametrize(
    ("case", "pieces", "claimants"),
    [
        ("ten-tep", ("ghi mã MN04", "tệp đã phát cho MN03"), ["MN04", "MN03"]),
        ("nguoi-gui", ("ghi mã MN07", "người gửi mn08@haian.edu.vn"), ["MN07", "MN08"]),
        ("ten-dau-trang", ("ghi mã TH05", "(TH06)", "tệp đã phát cho TH05"), ["TH05", "TH06"]),
    ],
)
def test_identity_that_disagrees_is_held_naming_each_piece(checked, made, case, pieces, claimants):
    _, by_name = checked
    [rep] = by_name[made[case].name]
    [held] = [f for f in rep.findings if f.is_error]
    assert held.code == "identity-conflict" and held.sheet == MAIN
    assert all(p in held.message for p in pieces), held.message
    assert rep.claimants == claimants and rep.unit_code == ""


def test_held_files_wait_for_the_clerk_and_last_years_form_is_the_senders(
    checked, made, form, units
):
    """Neither unit named by a held file is shown as reported, nor reminded; last year's form
    is attributed by its sender (not by the name typed in its header) and refused."""
    from htsd_cli.render.remind import reminders

    report, _ = checked
    status = build_status(report, units, form.deadline, dt.date(2022, 10, 8), None, "", form)
    state = {u.code: u.state for u in status.units}
    for code in ("MN03", "MN04", "MN07", "MN08", "TH06", "MN02", "TH04"):
        assert state[code] == HELD, code
    assert state["TH05"] == HELD
    assert state["MN05"] == INVALID and state["MN06"] == MISSING
    [mn05] = [u for u in status.units if u.code == "MN05"]
    assert "htsd-2021" in mn05.reasons[0]
    assert state["TH07"] == INVALID  # a figure in words: the unit's to fix, or the clerk's to read
    for code in ("MN01", "TH01", "TH02", "TH03"):
        assert state[code] == VALID, code
    reminded = {r.unit.code for r in reminders(status, {})}
    assert not reminded & {c for c, s in state.items() if s == HELD}
    assert {"MN05", "TH07", "MN06"} <= reminded


def _decisions_book(path: Path, rows: list[list[object]]) -> Path:
    """The workbook `htsd init` makes, with rows added as a clerk adds them in Excel."""
    path.write_bytes(decisions_workbook())
    wb = openpyxl.load_workbook(path)
    for row in rows:
        wb["Quyết định"].append(row)
    wb.save(path)
    return path


def _decide(rows, case_name: str, kind: str, unit: str = "", sheet: str = "") -> list[object]:
    """The printed row of a held case, pasted and completed by the clerk."""
    [row] = [r for r in rows if r.file == case_name and (not sheet or r.sheet == sheet)]
    cells = row.cells()
    cells[2] = kind
    if unit:
        cells[3] = unit
    return cells


def test_the_clerks_decisions_settle_every_held_case_and_the_totals_are_the_sums_meant(
    checked, made, form, units, config, tmp_path
):
    from htsd_cli.totals.aggregate import aggregate

    report, _ = checked
    rows = report.to_decide
    assert {(r.file, r.sheet) for r in rows} == {
        (made["khac-nhau"].name, MAIN), (made["khac-nhau"].name, COPY),
        (made["trang-sai"].name, "TH04"), (made["ten-tep"].name, MAIN),
        (made["nguoi-gui"].name, MAIN), (made["ten-dau-trang"].name, MAIN),
    }  # fmt: skip
    assert all(len(r.tsv().split("\t")) == len(COLUMNS) for r in rows)
    word = compute_layout(form).cells["s3_to_roi"]
    book = _decisions_book(
        tmp_path / "quyet-dinh.xlsx",
        [
            _decide(rows, made["khac-nhau"].name, ASIDE, sheet=MAIN),
            _decide(rows, made["trang-sai"].name, OWNER, "TH04"),
            _decide(rows, made["ten-tep"].name, OWNER, "MN04"),
            _decide(rows, made["nguoi-gui"].name, OWNER, "MN07"),
            _decide(rows, made["ten-dau-trang"].name, OWNER, "TH05"),
            # a figure in words is no held figure: the clerk writes the row by hand
            [made["chu"].name, file_code(str(made["chu"])), READ_AS, "TH07", MAIN, word,
             "s3_to_roi", "mười hai", 12, "Đã hỏi lại qua điện thoại"],
        ],
    )  # fmt: skip
    decisions = load_decisions(book)
    settled = validate_paths(
        [made["returns"]], form, units, decisions=decisions, senders=load_senders(made["book"])
    )
    assert [(o.decision.row, o.applied) for o in settled.decisions] == [
        (n, True) for n in range(2, 8)
    ], [o.note for o in settled.decisions]
    assert settled.to_decide == []
    status = build_status(settled, units, form.deadline, dt.date(2022, 10, 8), None, "", form)
    agg = aggregate(form, units, status)
    counted = {rep.unit_code: rep for rep in agg.used}
    intended = {
        code: meant(form, units, code)
        for code in ("MN01", "MN02", "TH01", "TH02", "TH03", "TH04", "MN04", "MN07", "TH05", "TH07")
    }
    intended["MN02"]["s3_to_roi"] = 500  # the copy counts, the sheet set aside does not
    intended["TH07"]["s3_to_roi"] = 12
    assert sorted(counted) == sorted(intended)
    for code, want in intended.items():
        _counted(counted[code], form, want)
    for ind in form.indicators:
        if ind.aggregate == "none":
            continue
        figures = [expected(form, want).get(ind.id) for want in intended.values()]
        figures = [float(v) for v in figures if v is not None]  # type: ignore[arg-type]
        assert agg.total(ind.id) == (sum(figures) if figures else None), ind.id
    state = {u.code: u.state for u in status.units}
    assert state["MN03"] == INVALID and state["MN08"] == MISSING and state["TH06"] == MISSING
    decided = {f.code for rep in agg.used for f in rep.findings}
    assert "decided" in decided and not decided & HELD_CODES


def test_a_decision_on_a_file_that_changed_is_reported_not_applied(made, form, units, tmp_path):
    folder = tmp_path / "ve"
    folder.mkdir()
    sent = folder / made["ten-tep"].name
    shutil.copy(made["ten-tep"], sent)
    book = _decisions_book(
        tmp_path / "quyet-dinh.xlsx",
        [[sent.name, file_code(str(sent)), OWNER, "MN04", MAIN]],
    )
    shutil.copy(made["ten-tep-lan-2"], sent)  # the unit sent its file again, another figure
    report = validate_paths([folder], form, units, decisions=load_decisions(book))
    [outcome] = report.decisions
    assert not outcome.applied and "đã thay đổi" in outcome.note
    [rep] = report.files
    codes = [f.code for f in rep.findings]
    assert "identity-conflict" in codes and "decision-stale" in codes and rep.unit_code == ""
    [stale] = [f for f in rep.findings if f.code == "decision-stale"]
    assert "dòng 2 của quyet-dinh.xlsx" in stale.message
    [row] = report.to_decide
    assert row.code == file_code(str(sent)) != outcome.decision.code


def test_validate_prints_each_held_case_as_a_row_to_paste(made, units, tmp_path):
    """`htsd validate` in a working folder: the rows come out with tabs between the cells, a
    code of digits kept as text; `status` says "Cần xác nhận" and prints the same rows."""
    from htsd_cli.cli import app

    work = tmp_path / "dot"
    work.mkdir()
    shutil.copytree(made["returns"], work / "returns")
    shutil.copy(made["book"], work / "so-nhan.csv")
    shutil.copy(units.source, work / "danh-sach.csv")
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace('roster = "roster.csv"', 'roster = "danh-sach.csv"')
    assert 'decisions = "quyet-dinh.xlsx"' in text  # as htsd init writes it
    (work / "htsd.toml").write_text(text, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["validate", "-c", str(work / "htsd.toml")])
    assert result.exit_code == 1
    pasted = [line for line in result.stdout.splitlines() if line.count("\t") == len(COLUMNS) - 1]
    assert len(pasted) == 6
    first = pasted[0].split("\t")
    assert first[1].startswith("'") and len(first[1]) == 13  # "'" + 12 hex digits
    assert "Cần xác nhận 6 chỗ" in result.stdout
    result = runner.invoke(app, ["status", "-c", str(work / "htsd.toml"), "--as-of", "08/10/2022"])
    assert result.exit_code == 0, result.output
    assert "Cần xác nhận 6 chỗ" in result.stdout and "cần xác nhận 8" in result.stdout
    assert len([ln for ln in result.stdout.splitlines() if "\t" in ln]) == 6
    # --json says the same, for programs; --only can-xac-nhan lists the units waiting
    data = json.loads(
        runner.invoke(app, ["validate", "-c", str(work / "htsd.toml"), "--json"]).stdout
    )
    assert [row["Mã tệp"] for row in data["to_decide"]] == [line.split("\t")[1] for line in pasted]
    assert data["summary"]["files"] == 9 and data["summary"]["readings"] == 12
    result = runner.invoke(
        app, ["status", "-c", str(work / "htsd.toml"), "--only", "can-xac-nhan", "--json"]
    )
    held = {u["code"] for u in json.loads(result.stdout)["units"] if u["state"] == "held"}
    assert held == {"MN02", "MN03", "MN04", "MN07", "MN08", "TH04", "TH05", "TH06"}
    result = runner.invoke(app, ["status", "-c", str(work / "htsd.toml"), "--only", "can-xac-nhan"])
    shown = {line.split()[1] for line in result.stdout.splitlines() if line.startswith("│ ")}
    assert {code for code in shown if code[:2] in ("MN", "TH")} == held


def test_confirming_a_held_figure_counts_it_and_judges_the_rules_again(
    filled, form, roster, monkeypatch
):
    """'Giữ như đã gõ' counts what `FileReport.held` says would be counted; 'Đọc là' reads
    another number; either way the form's rules are judged again with the figure decided."""
    from htsd_cli.base.findings import ERROR, Finding
    from htsd_cli.checks import decisions as module
    from htsd_cli.checks.decisions import AS_TYPED, parse_decisions

    monkeypatch.setattr(module, "HELD_CODES", HELD_CODES | {"implausible"})
    path = filled({"s5_lop_cmnv": 4, "s5_nguoi_cmnv": 30}, unit="THCS03")
    report = validate_paths([path], form, roster)
    [rep] = report.files
    cells = compute_layout(form).cells
    # as a plausibility check holds a figure (contract 1): out of values, into held
    rep.held = {"s5_nguoi_cmnv": 30.0}
    del rep.values["s5_nguoi_cmnv"]
    rep.findings.append(Finding("implausible", ERROR, "…", rep.path, "Báo cáo",
                                cells["s5_nguoi_cmnv"], "s5_nguoi_cmnv", value="30"))  # fmt: skip
    [row] = module.rows_to_decide([rep])
    assert (row.cell, row.indicator, row.typed) == (cells["s5_nguoi_cmnv"], "s5_nguoi_cmnv", "30")
    code = file_code(str(path))
    book = parse_decisions([
        list(COLUMNS),
        [path.name, code, AS_TYPED, "", "", row.cell, "", "'30"],
        [path.name, code, READ_AS, "", "", cells["s5_lop_cmnv"], "", "4", 40, "gõ thiếu số 0"],
    ])  # fmt: skip
    book.bind([rep])
    book.settle_figures([rep], form)
    assert [o.applied for o in book.results()] == [True, True]
    assert rep.values["s5_nguoi_cmnv"] == 30 and "s5_nguoi_cmnv" not in rep.held
    assert rep.values["s5_lop_cmnv"] == 40
    # 30 people in 40 classes breaks a rule, judged again with the figures decided
    broken = [f for f in rep.findings if f.code == "rule-violated"]
    assert [f.rule for f in broken] == ["s5_cmnv_nguoi_it_nhat_bang_lop"]
    assert "(30)" in broken[0].message and "(40)" in broken[0].message
    assert [f.code for f in rep.findings if f.indicator in ("s5_nguoi_cmnv", "s5_lop_cmnv")
            and f.code != "rule-violated"] == ["decided", "decided"]  # fmt: skip


def test_a_decision_that_cannot_be_applied_says_why(filled, form, roster):
    from htsd_cli.checks.decisions import AS_TYPED, parse_decisions

    path = filled({"s3_to_roi": 9}, unit="THCS03")
    code = file_code(str(path))
    cell = compute_layout(form).cells["s3_to_roi"]
    book = parse_decisions([
        ["Danh sách quyết định"],  # a title above the header
        list(COLUMNS),
        [path.name, code, "", "", "", cell],
        [path.name, code, "Giữ nguyên", "", "", cell],
        [path.name, "", READ_AS, "", "", cell, "", "9", 5],
        [path.name, code, READ_AS, "", "", cell, "", "8", 5],
        [path.name, code, READ_AS, "", "", cell, "", "9", "năm"],
        [path.name, code, AS_TYPED, "", "", cell],
        ["khong-co.xlsx", code, ASIDE],
        [path.name, code, OWNER, "KHONG-CO"],
        [path.name, code, ASIDE, "", "Trang khác"],
    ])  # fmt: skip
    report = validate_paths([path], form, roster, decisions=book)
    notes = {o.decision.row: o.note for o in report.decisions}
    assert not any(o.applied for o in report.decisions)
    assert "chưa chọn Quyết định" in notes[3]
    assert "'Giữ nguyên' không rõ" in notes[4]
    assert "thiếu Mã tệp" in notes[5]
    assert "nay ghi '9', không còn là '8'" in notes[6]
    assert "không phải một con số" in notes[7]
    assert "không bị giữ lại" in notes[8]
    assert "không có tệp nào tên 'khong-co.xlsx'" in notes[9]
    assert "'KHONG-CO' không có trong danh sách" in notes[10]
    assert "không có trang biểu mẫu nào tên 'Trang khác'" in notes[11]
    [rep] = report.files
    assert rep.values["s3_to_roi"] == 9 and rep.valid
    assert [f.code for f in rep.findings] == ["decision-stale"]


def test_a_configuration_names_the_decisions_workbook_beside_it(tmp_path):
    from htsd_cli.campaign.config import load_config

    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    (tmp_path / "htsd.toml").write_text(
        text.replace('decisions = "quyet-dinh.xlsx"', 'decisions = "qd.xlsx"'),
        encoding="utf-8",
    )
    loaded = load_config(tmp_path / "htsd.toml")
    assert loaded.decisions == tmp_path / "qd.xlsx"
    assert load_decisions(loaded.decisions) is None  # not made yet: nothing to apply
    assert dataclasses.replace(loaded, decisions=None).decisions is None


def test_decisions_apply_after_the_read_cache_and_reach_every_output(
    made, form, units, config, tmp_path, monkeypatch
):
    """`aggregate` twice over the same returns, the second time reading every file from the
    cache: a decisions workbook written between the runs is applied (the cache holds readings,
    never decisions, and keeps the further sheets of a file); removed again, the file is held
    again. The Word report, the Markdown and tong-hop.xlsx list every decision."""
    import docx

    from htsd_cli.checks.cache import ReadCache
    from htsd_cli.pipeline import run_aggregate
    from htsd_cli.settings import of_aggregate

    hits: list[int] = []
    get = ReadCache.look_up

    def counted_get(self, *args):
        found = get(self, *args)
        hits.append(found is not None)
        return found

    monkeypatch.setattr(ReadCache, "look_up", counted_get)
    folder = tmp_path / "ve"
    folder.mkdir()
    for case in ("ten-tep", "trang-don-vi-khac", "chu"):
        shutil.copy(made[case], folder / made[case].name)
    settings = dataclasses.replace(config, decisions=tmp_path / "quyet-dinh.xlsx", receipts=None)
    first, _ = run_aggregate(of_aggregate(settings, form, units, [folder], tmp_path / "out"))
    assert sorted(r.unit_code for r in first.used) == ["TH01", "TH02"] and not any(hits)
    sent = folder / made["ten-tep"].name
    _decisions_book(
        settings.decisions,
        [[sent.name, file_code(str(sent)), OWNER, "MN04", "", "", "", "", "", "gọi điện hỏi"]],
    )
    hits.clear()
    second, outputs = run_aggregate(of_aggregate(settings, form, units, [folder], tmp_path / "out"))
    assert hits and all(hits)  # every file read from the cache
    assert sorted(r.unit_code for r in second.used) == ["MN04", "TH01", "TH02"]
    _counted(
        next(r for r in second.used if r.unit_code == "MN04"), form, meant(form, units, "MN04")
    )
    name = next(u.name for u in units.units if u.code == "MN04")
    line = f"MN04 – {name}: tệp của đơn vị MN04; lý do: gọi điện hỏi — đã áp dụng (sổ quyết định, dòng 2)."
    assert line in outputs.markdown.read_text(encoding="utf-8")
    words = "\n".join(p.text for p in docx.Document(str(outputs.docx)).paragraphs)
    assert line in words
    book = openpyxl.load_workbook(outputs.workbook, read_only=True)
    rows = list(book["Quyết định"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Dòng", "Tệp", "Mã tệp", "Quyết định")
    assert rows[1][:5] == (2, sent.name, file_code(str(sent)), OWNER, "MN04")
    assert rows[1][-1] == "Đã áp dụng"
    # the summary, read one level up: its tables by unit type and by group are no form sheets
    from htsd_cli.checks.checkfile import check_file

    summary = check_file(str(outputs.workbook), form, want_names=False)
    assert summary.kind == "summary" and summary.sheet == "Báo cáo" and not summary.more_sheets
    settings.decisions.unlink()
    third, _ = run_aggregate(of_aggregate(settings, form, units, [folder], tmp_path / "out"))
    assert sorted(r.unit_code for r in third.used) == ["TH01", "TH02"]
    assert {u.code for u in third.status.units if u.state == HELD} == {"MN03", "MN04"}


def test_the_name_at_the_top_is_the_units_not_its_governing_bodys(roster):
    """A header names the governing body above the unit (Nghị định 30): the body is never
    taken for the unit, even when the body is a unit of the roster too."""
    from htsd_cli.checks.identity import Evidence

    evidence = Evidence(roster, {})
    centre = "UBND PHƯỜNG CÁT BI\nTRUNG TÂM HỌC TẬP CỘNG ĐỒNG PHƯỜNG CÁT BI"
    assert evidence.header_unit(centre).code == "TTHTCD01"
    assert evidence.header_unit("ỦY BAN NHÂN DÂN PHƯỜNG CÁT BI\nTRUNG TÂM HTCĐ") is None
    assert evidence.header_unit("Trường MN Cát Bi").code == "MN01"
    assert evidence.header_unit("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO") is None
