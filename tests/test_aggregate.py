"""`htsd status` and `htsd aggregate` on the bundled samples, roll-up, and safe outputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from htsd_cli.base.textnorm import format_number
from htsd_cli.campaign.layout import FORM_SHEET, compute_layout
from htsd_cli.cli import app

from .conftest import SAMPLE_CONFIG, SAMPLE_ROSTER, SAMPLES

runner = CliRunner()
RETURNS = SAMPLES / "returns"
CONFIGS = Path(__file__).resolve().parent / "configs"


def _run(*args: str):
    return runner.invoke(app, [*args])


def _on_samples(command: str, *args: str):
    """`htsd COMMAND` on the bundled returns, with the sample roster and configuration."""
    return _run(command, str(RETURNS), "-r", str(SAMPLE_ROSTER), "-c", str(SAMPLE_CONFIG), *args)


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("tong-hop")
    result = _on_samples(
        "aggregate",
        "--narrative",
        str(SAMPLES / "loi-van.md"),
        "--out",
        str(out),
        "--json",
    )
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)


def independent_totals(form) -> dict[str, float]:
    """Totals computed from what samples/make_returns.py wrote, without htsd's reader."""
    figures = json.loads((SAMPLES / "sample-figures.json").read_text(encoding="utf-8"))
    chosen: dict[str, dict] = {}
    for entry in figures.values():
        if not entry["valid"]:
            continue
        current = chosen.get(entry["unit"])
        if current is None or entry["received"] > current["received"]:
            chosen[entry["unit"]] = entry
    totals: dict[str, float] = {}
    for ind in form.indicators:
        if ind.aggregate == "none":
            continue
        # only units whose type the row applies to (the form's applicability table)
        values = [e["values"].get(ind.id) for e in chosen.values() if ind.applies(e["type"])]
        if ind.kind == "yesno":
            totals[ind.id] = sum(v == "Có" for v in values)
        else:
            totals[ind.id] = sum(float(v) for v in values if v is not None)
    return totals


def test_status_reports_missing_late_invalid_and_duplicated():
    result = _on_samples(
        "status",
        "--as-of",
        "2022-10-12",  # the last day the receipts book records: everything has arrived
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    units = {u["code"]: u for u in data["units"]}
    assert sorted(c for c, u in units.items() if u["state"] == "missing") == ["MN08", "TTHTCD07"]
    assert [c for c, u in units.items() if u["state"] == "invalid"] == ["UBP04"]
    assert [c for c, u in units.items() if u["late"]] == ["TTHTCD02"]
    assert [c for c, u in units.items() if u["other_files"]] == ["THCS05"]
    assert Path(units["THCS05"]["file"]).name == "THCS05 bao cao HTSD (lan 2).xlsx"
    assert data["summary"] == {
        "expected": 39,
        "received": 37,
        "valid": 36,
        "held": 0,
        "invalid": 1,
        "missing": 2,
        "late": 1,
    }
    assert data["days_left"] == -2 and "so-nhan.csv" in data["received_time_source"]
    by_type = {row["name"]: row for row in data["by_unit_type"]}
    assert by_type["Trường mầm non"]["expected"] == 8 and by_type["Trường mầm non"]["received"] == 7


def test_status_table_in_vietnamese():
    result = _on_samples(
        "status",
        "--as-of",
        "2022-10-12",
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Tình hình nộp báo cáo" in text and "Chưa nộp" in text and "(muộn)" in text
    assert "đã quá hạn 2 ngày" in text


def test_status_without_receipts_does_not_guess_lateness(tmp_path, issued, filled):
    """A copied file has today's time: without a receipts book, nobody is "late by 1,500 days";
    the clerk may still ask for file times."""
    path = filled(unit="TH01", name="th01.xlsx")
    config = tmp_path / "htsd.toml"
    config.write_text(
        SAMPLE_CONFIG.read_text(encoding="utf-8").replace('receipts = "so-nhan.csv"\n', ""),
        encoding="utf-8",
    )
    result = _run("status", str(path), "-r", str(SAMPLE_ROSTER), "-c", str(config), "--json")
    data = json.loads(result.stdout)
    assert "chưa có sổ nhận" in data["received_time_source"]
    th01 = {u["code"]: u for u in data["units"]}["TH01"]
    assert th01["late"] is False and th01["received"] is None and th01["received_known"] is False
    result = _run(
        "status", str(path), "-r", str(SAMPLE_ROSTER), "-c", str(config), "--receipts", "mtime",
        "--json",
    )  # fmt: skip
    data = json.loads(result.stdout)
    assert data["received_time_source"].startswith("thời điểm sửa tệp")
    assert {u["code"]: u["late"] for u in data["units"]}["TH01"] is True  # modified today


def test_totals_equal_independent_sums(sample_run, form, roster):
    _, data = sample_run
    expected = independent_totals(form)
    got = {row["indicator"]: row["total"] for row in data["totals"]}
    assert got == pytest.approx(expected)
    # totals a district could send upward: no count above the units that can hold it
    types = [u.unit_type for u in roster.units]
    for row in data["totals"]:
        ind = form.indicator(row["indicator"])
        assert row["expected"] == sum(ind.applies(t) for t in types), ind.id
        assert row["reported"] <= row["expected"], ind.id
        if ind.kind == "yesno":
            assert row["total"] <= row["reported"], ind.id
    assert data["summary"]["used_files"] == 36
    reasons = {Path(e["path"]).name: e["reason"] for e in data["excluded_files"]}
    assert "số âm" in reasons["ubp04-uy-ban-nhan-dan-phuong-dang-lam.xlsx"]
    assert "gửi nhiều tệp" in reasons["THCS05 bao cao HTSD (lan 1).xlsx"]


def test_blank_is_not_counted_as_reported(sample_run):
    _, data = sample_run
    reported = {row["indicator"]: row["reported"] for row in data["totals"]}
    assert reported["s2_tin_truyen_hinh"] == 35 and reported["s2_bai_bao"] == 36


def test_summary_workbook_layout_and_sheets(sample_run, form):
    out, data = sample_run
    wb = openpyxl.load_workbook(out / "tong-hop.xlsx")
    assert wb.sheetnames[0] == FORM_SHEET
    for name in (
        "Đơn vị x chỉ tiêu",
        "Theo loại đơn vị",
        "Theo nhóm",
        "Tình hình nộp",
        "Lỗi và lưu ý",
        "Biểu đồ",
    ):
        assert name in wb.sheetnames
    ws = wb[FORM_SHEET]
    cells = compute_layout(form).cells
    totals = {row["indicator"]: row["total"] for row in data["totals"]}
    assert ws[cells["s3_to_roi"]].value == totals["s3_to_roi"]
    assert ws["A1"].value == "ỦY BAN NHÂN DÂN QUẬN HẢI AN\nPHÒNG GIÁO DỤC VÀ ĐÀO TẠO"
    units = wb["Đơn vị x chỉ tiêu"]
    assert (
        units["E1"].value == "Kế hoạch tổ chức tuần lễ HTSD" and units["E2"].value == "s1_ke_hoach"
    )
    findings = list(wb["Lỗi và lưu ý"].iter_rows(min_row=2, values_only=True))
    assert findings and all(r[4] and not r[4].isascii() for r in findings)  # titles in Vietnamese
    for sheet in [s for s in wb.worksheets if s.sheet_state == "visible"]:  # print settings
        assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4, sheet.title
    assert len(wb["Biểu đồ"]._charts) == 2
    status = [r for r in wb["Tình hình nộp"].iter_rows(min_row=2, values_only=True)]
    assert {r[0]: r[4] for r in status}["MN08"] == "Chưa nộp"
    units = wb["Đơn vị x chỉ tiêu"]
    assert units.max_row == 2 + 36


def test_markdown_report_has_every_section_and_figure(sample_run, form):
    out, data = sample_run
    md = (out / "bao-cao.md").read_text(encoding="utf-8")
    assert "# BÁO CÁO" in md and "Hải An, ngày 12 tháng 10 năm 2022" in md
    for section in form.sections:
        assert section.heading in md
    for text in form.texts:
        assert f"## {text.heading}" in md
    for row in data["totals"]:
        ind = form.indicator(row["indicator"])
        unit = (ind.unit or "đơn vị") if ind.kind == "yesno" else ind.unit
        value = f"{format_number(row['total'])} {unit} |"
        # a section of one figure carries it on its own heading line
        assert f"- {ind.report_label} | {value}" in md or f"{ind.report_label}** | {value}" in md
    assert any(row["total"] >= 1000 for row in data["totals"])  # so the dot grouping is exercised
    assert "Phòng Giáo dục và Đào tạo đã tham mưu" in md
    assert "TTHTCD07" in md and "MN08" in md
    assert "CẦN ĐIỀN" not in md
    assert "Đã xây dựng kế hoạch và tổ chức lễ phát động" in md  # converted from TCVN3


def test_markdown_without_narrative_marks_places_to_fill(tmp_path, bare_config):
    result = _run(
        "aggregate", str(RETURNS), "-r", str(SAMPLE_ROSTER), "-c", str(bare_config), "-o",
        str(tmp_path / "out"),
    )  # fmt: skip
    tmp_path = tmp_path / "out"
    assert result.exit_code == 0
    md = (tmp_path / "bao-cao.md").read_text(encoding="utf-8")
    assert md.count("CẦN ĐIỀN") == 3


def test_narrative_with_unknown_heading_is_refused(tmp_path):
    bad = tmp_path / "loi-van.md"
    bad.write_text("# I. Công tác chỉ đạo\nx\n# IV. Phần lạ\ny\n", encoding="utf-8")
    result = _on_samples(
        "aggregate",
        "-n",
        str(bad),
        "-o",
        str(tmp_path / "o"),
    )
    assert result.exit_code == 1
    assert "loi-van.md, dòng 3" in " ".join(result.output.split())
    assert not (tmp_path / "o").exists()


def test_unit_text_cannot_break_markdown_or_become_a_formula(tmp_path, filled, form, config):
    from htsd_cli.fill import fill_workbook
    from htsd_cli.template import issue_workbooks

    from .conftest import full_values

    hostile = filled(
        {"chi_dao": "# Tiêu đề giả\n| a | b |\n[link](http://x) <b>"}, unit="TH01", name="th01.xlsx"
    )
    [blank] = issue_workbooks(form, config, None, tmp_path / "blank")
    wb = openpyxl.load_workbook(blank.path)
    name_cell = wb[FORM_SHEET]["A1"]
    name_cell.value = '=HYPERLINK("http://x","bấm")'
    name_cell.data_type = "s"  # typed as text by the unit
    wb.save(tmp_path / "la.xlsx")
    fill_workbook(
        tmp_path / "la.xlsx", full_values(form, unit_type="mam_non"), tmp_path / "la.xlsx"
    )
    out = tmp_path / "out"
    result = _run(
        "aggregate",
        str(hostile),
        str(tmp_path / "la.xlsx"),
        "-r",
        str(SAMPLE_ROSTER),
        "-c",
        str(SAMPLE_CONFIG),
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    md = (out / "bao-cao.md").read_text(encoding="utf-8")
    assert "\n# Tiêu đề giả" not in md and "\\# Tiêu đề giả" in md
    assert "\\| a \\| b \\|" in md and "\\[link\\](http://x) \\<b\\>" in md
    summary = openpyxl.load_workbook(out / "tong-hop.xlsx")
    cells = [
        c
        for ws in summary.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")
    ]
    assert cells, "the unit's text should appear in the completeness sheet"
    assert all(c.data_type == "s" for c in cells)


def test_outputs_are_deterministic(tmp_path):
    for run in ("a", "b"):
        assert _on_samples("aggregate", "-o", str(tmp_path / run)).exit_code == 0
    for name in ("tong-hop.xlsx", "bao-cao.md", "bao-cao.docx"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_failure_while_rendering_writes_nothing(tmp_path, monkeypatch):
    import htsd_cli.render.summary

    def boom(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(htsd_cli.render.summary, "build_summary_workbook", boom)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        from htsd_cli.campaign.config import load_config
        from htsd_cli.campaign.roster import load_roster
        from htsd_cli.pipeline import run_aggregate
        from htsd_cli.settings import of_aggregate

        config = load_config(SAMPLE_CONFIG)
        form = config.load_form()
        run_aggregate(of_aggregate(config, form, load_roster(SAMPLE_ROSTER, form), [RETURNS], out))
    assert not out.exists() or list(out.iterdir()) == []


def test_interrupted_write_leaves_whole_files_and_no_temporaries(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert _on_samples("aggregate", "-o", str(out)).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    import htsd_cli.base.outputs as outputs

    real_replace = outputs.os.replace
    calls = {"n": 0}

    def interrupted(src, dst):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real_replace(src, dst)

    monkeypatch.setattr(outputs.os, "replace", interrupted)
    narrative = SAMPLES / "loi-van.md"
    # --no-cache: a run that writes (with the same inputs, a re-run has nothing to write)
    result = _on_samples("aggregate", "-o", str(out), "-n", str(narrative), "--no-cache")
    assert result.exit_code != 0
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(after) == set(before)  # no temporary file left behind
    assert after["bao-cao.md"] == before["bao-cao.md"]  # the old report, whole


def test_exit_status_when_no_valid_return(tmp_path, issued, bare_config):
    result = _run(
        "aggregate",
        str(issued["MN01"]),
        "-r",
        str(SAMPLE_ROSTER),
        "-c",
        str(SAMPLE_CONFIG),
        "-o",
        str(tmp_path),
    )
    assert result.exit_code == 1
    assert "Không có báo cáo hợp lệ nào" in result.output
    assert (
        _run("aggregate", str(RETURNS), "-c", str(bare_config), "-o", str(tmp_path)).exit_code == 2
    )  # no roster, on the command line or in htsd.toml


def test_roll_up_one_level_up(sample_run, tmp_path, form):
    """The office's tong-hop.xlsx re-aggregates to the same totals; a unit counted twice is caught."""
    out, data = sample_run
    inbox = tmp_path / "so"
    inbox.mkdir()
    shutil.copy(out / "tong-hop.xlsx", inbox / "phong-gd-hai-an.xlsx")
    direct = next(p for p in RETURNS.iterdir() if p.name.startswith("thcs03"))
    shutil.copy(direct, inbox / direct.name)
    roster = tmp_path / "ds-phong.csv"
    roster.write_text(
        "ma_don_vi,ten_don_vi,loai_don_vi,nhom\nPGDĐT,Phòng GD&ĐT quận Hải An,phong_gd,Hải An\n"
        "PGD-KHAC,Phòng GD&ĐT quận Khác,phong_gd,Khác\nTHCS03,Trường THCS Đằng Lâm,thcs,Hải An\n",
        encoding="utf-8",
    )
    up = tmp_path / "tong-hop-so"
    result = _run(
        "aggregate",
        str(inbox),
        "-r",
        str(roster),
        "-c",
        str(CONFIGS / "so-gd.toml"),
        "-o",
        str(up),
        "--json",
    )
    assert result.exit_code == 0, result.output
    upper = json.loads(result.stdout)
    assert {row["indicator"]: row["total"] for row in upper["totals"]} == {
        row["indicator"]: row["total"] for row in data["totals"]
    }
    assert {row["indicator"]: row["reported"] for row in upper["totals"]} == {
        row["indicator"]: row["reported"] for row in data["totals"]
    }
    reasons = [e["reason"] for e in upper["excluded_files"]]
    assert any("THCS03" in r and "chỉ tính một lần" in r for r in reasons)
    assert [u["code"] for u in upper["status"]["units"] if u["state"] == "missing"] == ["PGD-KHAC"]


def _roll_up(inbox: Path, tmp_path: Path) -> dict:
    roster = tmp_path / "ds-phong.csv"
    roster.write_text(
        "ma_don_vi,ten_don_vi,loai_don_vi,nhom\nPGDĐT,Phòng GD&ĐT quận Hải An,phong_gd,Hải An\n"
        "THCS03,Trường THCS Đằng Lâm,thcs,Hải An\n",
        encoding="utf-8",
    )
    out = tmp_path / "tong-hop-so"
    args = ["aggregate", str(inbox), "-r", str(roster), "-c", str(CONFIGS / "so-gd.toml")]
    result = _run(*args, "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_an_office_summary_covering_thousands_of_units_is_read_whole(sample_run, tmp_path):
    """A province's summary lists thousands of units it covers, once before its other marks
    (as earlier versions wrote it). Reading only its first 2,000 rows lost the covered units
    past them (THCS03, sent directly too, was counted twice) and how many units reported each
    row. Every row is read now, and the covered units are written last."""
    from htsd_cli.campaign.layout import ID_SHEET
    from htsd_cli.reading.reader import open_workbook

    out, data = sample_run
    inbox = tmp_path / "so"
    inbox.mkdir()
    wb = openpyxl.load_workbook(out / "tong-hop.xlsx")
    ids = wb[ID_SHEET]
    keys = [row[0].value for row in ids.iter_rows()]
    assert keys.index("covers") > keys.index("cell"), "new files list covered units last"
    first_mark = keys.index("kind") + 2  # rows are 1-based: the row after 'kind'
    ids.insert_rows(first_mark, amount=2500)
    for r in range(first_mark, first_mark + 2500):
        ids.cell(row=r, column=1, value="covers")
        ids.cell(row=r, column=2, value=f"XA{r:05d}")
    wb.save(inbox / "so-tong-hop-tinh.xlsx")
    sheet = open_workbook(inbox / "so-tong-hop-tinh.xlsx").id_sheet()
    assert len(sheet.covers) == 2500 + len(data["used_files"]) and "THCS03" in sheet.covers
    assert len(sheet.reported) == len(data["totals"]) and len(sheet.cells) > 40
    direct = next(p for p in RETURNS.iterdir() if p.name.startswith("thcs03"))
    shutil.copy(direct, inbox / direct.name)
    upper = _roll_up(inbox, tmp_path)
    reasons = [e["reason"] for e in upper["excluded_files"]]
    assert any("THCS03" in r and "chỉ tính một lần" in r for r in reasons)
    assert {row["indicator"]: row["total"] for row in upper["totals"]} == {
        row["indicator"]: row["total"] for row in data["totals"]
    }


def test_an_office_summary_without_its_covered_units_is_refused(sample_run, tmp_path, form):
    """Without the list of units it holds, a summary's totals could count a unit twice: refused."""
    from htsd_cli.campaign.layout import ID_SHEET
    from htsd_cli.checks.checkfile import check_file

    out, _ = sample_run
    wb = openpyxl.load_workbook(out / "tong-hop.xlsx")
    ids = wb[ID_SHEET]
    for row in reversed(range(1, ids.max_row + 1)):
        if ids.cell(row=row, column=1).value == "covers":
            ids.delete_rows(row)
    wb.save(tmp_path / "tong-hop-thieu.xlsx")
    report = check_file(str(tmp_path / "tong-hop-thieu.xlsx"), form)
    assert report.kind == "summary" and not report.valid
    assert [f.code for f in report.findings if f.is_error] == ["summary-incomplete"]
    assert check_file(str(out / "tong-hop.xlsx"), form).valid


def test_libreoffice_opens_the_summary_workbook(sample_run, soffice, tmp_path):
    """LibreOffice reads every sheet, the directly written data rows included."""
    from python_calamine import CalamineWorkbook

    out, data = sample_run
    [ods] = soffice([out / "tong-hop.xlsx"], "ods", tmp_path)
    with CalamineWorkbook.from_path(str(ods)) as wb:
        units = wb.get_sheet_by_name("Đơn vị x chỉ tiêu").to_python()
        status = wb.get_sheet_by_name("Tình hình nộp").to_python()
    assert len(units) == 2 + data["summary"]["used_files"]
    assert [row[0] for row in status[1:]] == [u["code"] for u in data["status"]["units"]]


def test_receipts_book_saved_with_semicolons(tmp_path):
    """Excel in a Vietnamese locale saves CSV with ';': the receipts book reads like the roster."""
    from htsd_cli.intake.receipts import load_receipts

    book = tmp_path / "so-nhan.csv"
    book.write_text("Tệp;Ngày nhận\r\nth01.xlsx;09/10/2022 08:30\r\n", encoding="utf-8-sig")
    assert {k: v.isoformat() for k, v in load_receipts(book).items()} == {
        "th01.xlsx": "2022-10-09T08:30:00"
    }


def _chosen_figures() -> dict[str, dict]:
    """The return counted for each unit, from what samples/make_returns.py wrote."""
    figures = json.loads((SAMPLES / "sample-figures.json").read_text(encoding="utf-8"))
    chosen: dict[str, dict] = {}
    for entry in figures.values():
        current = chosen.get(entry["unit"])
        if entry["valid"] and (current is None or entry["received"] > current["received"]):
            chosen[entry["unit"]] = entry
    return chosen


def _number(value) -> float:
    return float(value == "Có") if isinstance(value, str) else float(value)


def test_breakdown_and_unit_sheets_hold_the_right_figures(sample_run, form, roster):
    """Each cell of 'Theo loại đơn vị' is the sum over the units of that type; each cell of
    'Đơn vị x chỉ tiêu' is that unit's own figure under that indicator's column."""
    out, _ = sample_run
    wb = openpyxl.load_workbook(out / "tong-hop.xlsx")
    chosen = _chosen_figures()
    labels = {u.code: u.unit_type_label for u in roster.units}
    by_type = wb["Theo loại đơn vị"]
    heads = [c.value for c in by_type[1]]
    id_col = heads.index("Mã chỉ tiêu")
    checked = 0
    for row in by_type.iter_rows(min_row=2, values_only=True):
        ind = form.indicator(row[id_col])
        for col, label in enumerate(heads[1:-2], start=1):
            want = sum(
                _number(e["values"][ind.id])
                for code, e in chosen.items()
                if labels[code] == label and e["values"].get(ind.id) is not None
            )
            assert (row[col] or 0) == want, (ind.id, label)
            checked += 1
        assert row[id_col - 1] == sum(
            _number(e["values"][ind.id])
            for e in chosen.values()
            if e["values"].get(ind.id) is not None
        )
    assert checked > 100
    units = wb["Đơn vị x chỉ tiêu"]
    ids = [c.value for c in units[2]]
    for row in units.iter_rows(min_row=3, values_only=True):
        figures = chosen[row[0]]["values"]
        for col, indicator in enumerate(ids[4:], start=4):
            if figures.get(indicator) is not None:
                assert row[col] == _number(figures[indicator]), (row[0], indicator)
            else:
                assert row[col] is None, (row[0], indicator)


def test_the_configured_deadline_decides_who_is_late(tmp_path):
    config = tmp_path / "htsd.toml"
    text = SAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        "deadline = 2022-10-10", "deadline = 2022-10-12"
    )
    text = text.replace('receipts = "so-nhan.csv"', f'receipts = "{SAMPLES / "so-nhan.csv"}"')
    config.write_text(text.replace('roster = "roster.csv"', f'roster = "{SAMPLE_ROSTER}"'), "utf-8")
    result = _run("status", str(RETURNS), "-c", str(config), "--as-of", "12/10/2022", "--json")
    data = json.loads(result.stdout)
    assert data["deadline"] == "2022-10-12"
    late = {u["code"] for u in data["units"] if u["late"]}
    assert "TTHTCD02" not in late  # received 12/10: on time by the configured deadline
    result = _on_samples("status", "--as-of", "12/10/2022", "--json")
    assert "TTHTCD02" in {u["code"] for u in json.loads(result.stdout)["units"] if u["late"]}


def test_two_offices_summaries_add_up_units_answering_and_covered(form, tmp_path):
    """One level up, two offices' summaries: each row's units answering and units reporting
    are the sums of what each office says; an office whose summary (an earlier version's)
    gives no units-per-row counts its reporting units for both; a figure an office's summary
    holds without saying how many reported it counts as one; the units the upper summary
    covers are the units inside each office's summary, not the offices."""
    import datetime as dt

    from htsd_cli.base.findings import FileReport, Report
    from htsd_cli.campaign.roster import load_roster
    from htsd_cli.totals.aggregate import aggregate
    from htsd_cli.totals.status import build_status

    roster_csv = tmp_path / "ds.csv"
    roster_csv.write_text(
        "ma_don_vi,ten_don_vi,loai_don_vi,nhom\nPGD-A,Phòng A,phong_gd,A\n"
        "PGD-B,Phòng B,phong_gd,B\nTHCS09,Trường THCS Chín,thcs,A\n"
        "MN10,Trường Mầm non Mười,mam_non,A\n",
        encoding="utf-8",
    )
    roster = load_roster(roster_csv, form)
    rows = [i.id for i in form.indicators if i.aggregate != "none"]
    first, second = rows[0], rows[1]

    def summary(code: str, covers: list[str], reported: dict, expected: dict) -> FileReport:
        return FileReport(
            f"{code}.xlsx", form_id=form.id, unit_code=code, unit_type="phong_gd",
            sheet=FORM_SHEET, kind="summary", covers=covers, reported=reported,
            expected=expected, values={first: 10.0, second: 4.0},
        )  # fmt: skip

    a = summary("PGD-A", ["MN1", "MN2", "TH1"], {first: 3, second: 2}, {first: 3, second: 1})
    b = summary("PGD-B", ["MN7", "TH8"], {first: 2}, {})  # no counts per row: older version
    direct = FileReport(
        "thcs09.xlsx", form_id=form.id, unit_code="THCS09", unit_type="thcs",
        sheet=FORM_SHEET, values={first: 1.0},
    )  # fmt: skip
    untyped = FileReport(  # a workbook whose stamp names no unit type answers every row
        "mn10.xlsx", form_id=form.id, unit_code="MN10", sheet=FORM_SHEET, values={first: 2.0}
    )
    status = build_status(
        Report(files=[a, b, direct, untyped]), roster, dt.date(2022, 10, 15),
        dt.date(2022, 10, 20),
    )  # fmt: skip
    agg = aggregate(form, roster, status)
    assert agg.total(first) == 23 and agg.total(second) == 8
    assert agg.reported(first) == 3 + 2 + 1 + 1  # what each says, plus the schools' returns
    assert agg.reported(second) == 2 + 1  # office B holds the figure without a count: one
    assert agg.answering(first) == 3 + 2 + 1 + 1  # B: its reporting units stand in
    assert agg.answering(second) == 1 + 0 + 1 + 1
    only_some = next(i for i in form.indicators if i.applies_to and not i.applies("thcs"))
    assert agg.answering(only_some.id) == 1  # the untyped return only, not the THCS
    assert sorted(agg.covered_units()) == ["MN1", "MN10", "MN2", "MN7", "TH1", "TH8", "THCS09"]


def test_the_summary_workbook_written_as_it_is_made_is_the_one_made_in_memory(tmp_path):
    import hashlib
    import io

    from htsd_cli.base.outputs import MANIFEST
    from htsd_cli.campaign.config import load_config
    from htsd_cli.campaign.roster import load_roster
    from htsd_cli.pipeline import run_status
    from htsd_cli.render.summary import build_summary_workbook
    from htsd_cli.settings import of_status
    from htsd_cli.totals.aggregate import aggregate

    config = load_config(SAMPLE_CONFIG)
    form = config.load_form()
    roster = load_roster(SAMPLE_ROSTER, form)
    report, status = run_status(
        of_status(config, form, roster, [RETURNS], as_of=config.report_date)
    )
    agg = aggregate(form, roster, status)
    whole = build_summary_workbook(agg, config, report, {})
    streamed = io.BytesIO()
    assert build_summary_workbook(agg, config, report, {}, streamed) == b""
    assert streamed.getvalue() == whole and whole.startswith(b"PK")
    # and through the command: the record of what htsd wrote keeps the digest of the file
    assert _on_samples("aggregate", "-o", str(tmp_path / "out")).exit_code == 0
    written = (tmp_path / "out" / "tong-hop.xlsx").read_bytes()
    assert openpyxl.load_workbook(io.BytesIO(written))[FORM_SHEET].max_row > 40
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text(encoding="utf-8"))["files"]
    assert manifest["tong-hop.xlsx"] == hashlib.sha256(written).hexdigest()


def test_totals_do_not_copy_the_whole_matrix_at_once():
    """pandas copies what it sums (to blank out the NaNs): summed whole, a country's 70,000 ×
    42 matrix was copied at once, the peak of the run's memory. A few columns at a time, the
    copy is a fraction of it."""
    import tracemalloc

    import numpy as np
    import pandas as pd

    from htsd_cli.totals.aggregate import _column_sums

    matrix = np.arange(20_000 * 42, dtype=float).reshape(20_000, 42)
    matrix[::7] = np.nan
    wide = pd.DataFrame(matrix, copy=False)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        sums = _column_sums(wide)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak < matrix.nbytes / 3, (
        f"{peak:,} bytes at the peak for a {matrix.nbytes:,}-byte matrix"
    )
    assert sums.equals(wide.sum(min_count=1))
