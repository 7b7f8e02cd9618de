"""`htsd template`: configuration and roster errors, and the issued workbook's guards and identity."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from htsd_cli.base.errors import ConfigError
from htsd_cli.campaign.config import load_config
from htsd_cli.campaign.layout import FORM_SHEET, GUIDE_SHEET, ID_SHEET, compute_layout
from htsd_cli.campaign.roster import load_roster
from htsd_cli.cli import app

from .conftest import FORMS, SAMPLE_CONFIG, SAMPLE_ROSTER, visible

runner = CliRunner()
HEADER = "ma_don_vi,ten_don_vi,loai_don_vi,nhom\n"


def _template(*args: str):
    return runner.invoke(app, ["template", "--config", str(SAMPLE_CONFIG), *args])


def test_sample_roster_issues_one_workbook_per_unit(tmp_path, roster):
    result = _template("--roster", str(SAMPLE_ROSTER), "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    files = [p.name for p in visible(tmp_path)]
    assert len(files) == len(roster.units) == 39
    assert "thcs02-truong-thcs-dang-hai.xlsx" in files
    assert all(name.isascii() and " " not in name for name in files)
    assert "Đã tạo 39 biểu mẫu" in result.output


def test_issuing_is_deterministic(tmp_path):
    for run in ("a", "b"):
        assert (
            _template("--roster", str(SAMPLE_ROSTER), "--out", str(tmp_path / run)).exit_code == 0
        )
    for path in visible(tmp_path / "a"):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_workbook_guards(issued, form):
    wb = openpyxl.load_workbook(issued["THCS02"])
    assert wb.sheetnames == [FORM_SHEET, GUIDE_SHEET, ID_SHEET]
    ws = wb[FORM_SHEET]
    assert ws.protection.sheet is True and not ws.protection.password
    layout = compute_layout(form)
    answered = form.applicable("thcs")
    assert 0 < len(answered) < len(form.indicators)
    inputs = {layout.cells[i.id] for i in answered} | {layout.cells[i.note_id] for i in answered}
    inputs |= {layout.cells[t.id] for t in form.texts}
    for ref in inputs:
        assert ws[ref].protection.locked is False, ref
    for ind in form.indicators:
        if ind not in answered:  # a row a lower-secondary school does not answer
            cell = ws[layout.cells[ind.id]]
            assert cell.protection.locked is True and cell.value == "Không áp dụng", ind.id
            assert ws[layout.cells[ind.note_id]].protection.locked is True, ind.id
            assert cell.fill.fgColor.rgb.endswith("E8E8E8"), ind.id
    for ref in ("A1", "C1", "B20", f"B{layout.header_row}", layout.stamp_cell):
        assert ws[ref].protection.locked is True, ref
    assert wb[ID_SHEET].sheet_state == "hidden"
    assert wb.security.lockStructure


def test_data_validation_per_kind(issued, form):
    ws = openpyxl.load_workbook(issued["THCS02"])[FORM_SHEET]
    layout = compute_layout(form)
    by_cell = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            by_cell[rng.coord] = dv
    whole = by_cell[layout.cells["s5_lop_ksn"]]
    assert (whole.type, whole.operator, whole.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert "số nguyên" in whole.error and whole.showErrorMessage
    money = by_cell[layout.cells["s8_kinh_phi"]]
    assert (money.type, money.formula1) == ("decimal", "0")
    yesno = by_cell[layout.cells["s1_ke_hoach"]]
    assert (yesno.type, yesno.formula1) == ("list", '"Có,Không"')
    answered = {i.id for i in form.applicable("thcs")}
    for ind in form.indicators:
        assert (layout.cells[ind.id] in by_cell) == (ind.id in answered), ind.id


def test_each_unit_type_gets_its_own_rows_and_guide(issued, form):
    layout = compute_layout(form)
    seen = {}
    for code, unit_type in (("MN01", "mam_non"), ("UBP01", "ubnd_phuong"), ("TTHTCD01", "tthtcd")):
        wb = openpyxl.load_workbook(issued[code])
        ws = wb[FORM_SHEET]
        open_rows = {
            i.id for i in form.indicators if ws[layout.cells[i.id]].protection.locked is False
        }
        assert open_rows == {i.id for i in form.applicable(unit_type)}, code
        seen[code] = open_rows
        guide = " ".join(str(c.value) for c in wb[GUIDE_SHEET]["A"] if c.value)
        assert "điền các mục" in guide and "Không áp dụng" in guide, code
    assert "s7_tthtcd" in seen["TTHTCD01"] and "s7_tthtcd" not in seen["UBP01"]
    assert "s6_co_thu_vien" in seen["MN01"] and "s5_lop_xmc" not in seen["MN01"]


def test_a_blank_workbook_keeps_every_row_open(tmp_path, form):
    result = _template("--out", str(tmp_path), "--mau-trang")
    assert result.exit_code == 0, result.output
    [path] = visible(tmp_path)
    ws = openpyxl.load_workbook(path)[FORM_SHEET]
    layout = compute_layout(form)
    assert all(ws[layout.cells[i.id]].protection.locked is False for i in form.indicators)


def test_identity_is_stamped_four_ways(issued, form):
    path = issued["TH03"]
    wb = openpyxl.load_workbook(path)
    ws = wb[FORM_SHEET]
    assert ws["A6"].value == f"Mã biểu mẫu: htsd-2022 · phiên bản {form.version} · Mã đơn vị: TH03"
    assert ws["A1"].value == "TRƯỜNG TIỂU HỌC ĐẰNG HẢI"
    ident = {
        r[0].value: r[1].value for r in wb[ID_SHEET].iter_rows(min_row=2) if r[0].value != "cell"
    }
    assert ident["form_id"] == "htsd-2022" and ident["unit_code"] == "TH03"
    assert ident["unit_name"] == "Trường Tiểu học Đằng Hải"
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["htsd_form_id"] == "htsd-2022" and props["htsd_unit_code"] == "TH03"
    layout = compute_layout(form)
    for ind in form.indicators:
        dests = list(wb.defined_names[ind.id].destinations)
        assert dests == [
            (FORM_SHEET, "$" + layout.cells[ind.id][0] + "$" + layout.cells[ind.id][1:])
        ]


def test_print_setup_and_fonts(issued):
    wb = openpyxl.load_workbook(issued["MN01"])
    ws = wb[FORM_SHEET]
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows is not None and ws.freeze_panes is not None
    assert ws.column_dimensions["B"].width >= 50
    fonts = {ws[ref].font.name for ref in ("A1", "A5", "B20", "C20")}
    assert fonts == {"Times New Roman"}
    with zipfile.ZipFile(issued["MN01"]) as zf:
        styles = zf.read("xl/styles.xml").decode()
    assert "Calibri" not in styles


def test_guide_sheet_tells_blank_from_zero_and_the_deadline(issued):
    ws = openpyxl.load_workbook(issued["MN01"])[GUIDE_SHEET]
    text = "\n".join(str(c.value) for c in ws["A"] if c.value)
    assert "để trống nghĩa là 'chưa báo cáo'" in text and "hãy ghi 0" in text
    assert "Hạn gửi: 10/10/2022" in text
    assert "pgd.haian@haiphong.edu.vn" in text


def test_blank_workbook_without_roster(tmp_path):
    result = _template("--out", str(tmp_path), "--mau-trang")
    assert result.exit_code == 0, result.output
    [path] = visible(tmp_path)
    ws = openpyxl.load_workbook(path)[FORM_SHEET]
    assert ws["A1"].protection.locked is False
    assert "chưa có" in ws["A6"].value


def test_second_form_goes_through_template(tmp_path):
    args = ("--form", str(FORMS / "htsd-2023-test.yaml"), "--roster", str(tmp_path / "r.csv"))
    result = _template(*args, "--out", str(tmp_path / "out"))
    assert result.exit_code == 1  # roster missing: nothing written
    (tmp_path / "r.csv").write_text(HEADER + "X1,Trường Thử Nghiệm,truong,Xã A\n", encoding="utf-8")
    result = _template(*args, "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    [path] = visible(tmp_path / "out")
    wb = openpyxl.load_workbook(path)
    assert "hoc_vien" in wb.defined_names
    assert wb[FORM_SHEET]["A5"].value.startswith(
        "BÁO CÁO KẾT QUẢ TUẦN LỄ HỌC TẬP SUỐT ĐỜI NĂM 2023"
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            HEADER + "A1,Trường A,thcs,P1\nA1,Trường B,thcs,P1\n",
            "dòng 3, cột ma_don_vi: mã 'A1' trùng với dòng 2",
        ),
        (HEADER + "A1,,thcs,P1\n", "dòng 2, cột ten_don_vi: tên đơn vị để trống"),
        (
            HEADER + "A1,Trường A,truong_dai_hoc,P1\n",
            "dòng 2, cột loai_don_vi: loại 'truong_dai_hoc' không có",
        ),
        ("ma_don_vi,ten_don_vi,nhom\nA1,Trường A,P1\n", "dòng 1: thiếu cột loai_don_vi"),
    ],
)
def test_bad_roster_names_row_and_column_and_writes_nothing(tmp_path, body, expected):
    bad = tmp_path / "ds.csv"
    bad.write_text(body, encoding="utf-8")
    out = tmp_path / "out"
    result = _template("--roster", str(bad), "--out", str(out))
    assert result.exit_code == 1
    assert expected in " ".join(result.output.split())
    assert not out.exists() or not any(out.iterdir())


def test_roster_accepts_bom_labels_and_xlsx(tmp_path, form):
    csv_path = tmp_path / "ds.csv"
    csv_path.write_text(
        "Mã đơn vị;Tên đơn vị;Loại đơn vị;Nhóm\r\nX1;Trường Mầm non A;Trường mầm non;P1\r\n",
        encoding="utf-8-sig",
    )
    [unit] = load_roster(csv_path, form).units
    assert (unit.code, unit.unit_type, unit.group) == ("X1", "mam_non", "P1")
    wb = openpyxl.Workbook()
    wb.active.append(["ma_don_vi", "ten_don_vi", "loai_don_vi", "nhom"])
    wb.active.append([101, "Trường B", "thcs", "P2"])
    wb.save(tmp_path / "ds.xlsx")
    [unit] = load_roster(tmp_path / "ds.xlsx", form).units
    assert (unit.code, unit.name) == ("101", "Trường B")


def test_config_errors_name_the_key(tmp_path):
    path = tmp_path / "htsd.toml"
    text = SAMPLE_CONFIG.read_text(encoding="utf-8").replace('place = "Hải An"', 'plase = "Hải An"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "[office] mục 'plase' không được biết" in str(info.value)
    assert "[office] thiếu mục bắt buộc 'place'" in str(info.value)


def test_missing_config_is_explained(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["template", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2  # a usage error: the command lacks what it needs
    assert "Không tìm thấy htsd.toml" in result.output and str(tmp_path) in result.output
    result = runner.invoke(app, ["template", "-c", str(tmp_path / "khong-co.toml")])
    assert result.exit_code == 2 and "khong-co.toml" in result.output


def test_config_in_working_folder_is_used(tmp_path, monkeypatch):
    monkeypatch.chdir(SAMPLE_CONFIG.parent)
    result = runner.invoke(app, ["template", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert len(visible(tmp_path)) == 39  # the roster named in htsd.toml
    result = runner.invoke(app, ["template", "--out", str(tmp_path / "trang"), "--mau-trang"])
    assert [p.name for p in visible(tmp_path / "trang")] == ["htsd-2022-mau-trang.xlsx"]


def test_nothing_in_code_names_a_place_or_year():
    src = Path(__file__).resolve().parent.parent / "src"
    for path in src.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for word in ("Hải An", "hai-an", "2022", "Hải Phòng"):
            assert word not in text, f"{path.name} mentions {word}"


def test_codes_that_fold_to_the_same_file_name_get_distinct_files(tmp_path):
    roster = tmp_path / "ds.csv"
    roster.write_text(HEADER + "A-1,Trường A,thcs,P1\nA_1,Trường A,thcs,P1\n", encoding="utf-8")
    result = _template("--roster", str(roster), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert [p.name for p in visible(tmp_path / "out")] == [
        "a-1-truong-a-2.xlsx",
        "a-1-truong-a.xlsx",
    ]
