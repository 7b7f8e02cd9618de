"""`htsd validate`: each kind of mistake is reported at its cell, with its code and a message."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import time
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from htsd_cli.campaign.form import load_form
from htsd_cli.campaign.layout import FORM_SHEET, ID_SHEET, compute_layout
from htsd_cli.campaign.roster import load_roster
from htsd_cli.checks.checkfile import check_file
from htsd_cli.checks.validate import validate_paths
from htsd_cli.cli import app

from .conftest import FORMS, SAMPLE_CONFIG, SAMPLE_ROSTER, full_values, visible

runner = CliRunner()


@pytest.fixture(scope="module")
def cells(form):
    return compute_layout(form).cells


def found(report):
    return [(f.code, f.cell) for f in report.findings]


def test_complete_return_is_clean(filled, form):
    report = check_file(str(filled()), form)
    assert found(report) == []
    assert report.valid and report.unit_code == "THCS03"
    assert report.values["s8_kinh_phi"] == 1_500_000
    assert report.values["s1_ke_hoach"] is True


def test_numbers_typed_as_text(filled, form, cells):
    report = check_file(
        str(filled({"s3_to_roi": "1.200", "s8_kinh_phi": "80.000 đồng", "s5_lop_ksn": " 2 "})), form
    )
    assert found(report) == [("unit-typed", cells["s8_kinh_phi"])]
    assert report.valid
    assert (
        report.values["s3_to_roi"],
        report.values["s8_kinh_phi"],
        report.values["s5_lop_ksn"],
    ) == (1200, 80000, 2)
    assert "80.000 đồng" in report.findings[0].message


def test_blank_is_not_zero(filled, form, cells):
    path = filled({"s2_bai_bao": None, "s2_bao_tuong": 0})
    report = check_file(str(path), form)
    assert found(report) == [("blank-value", cells["s2_bai_bao"])]
    assert report.findings[0].severity == "warning" and report.valid
    assert report.values["s2_bai_bao"] is None and report.values["s2_bao_tuong"] == 0
    strict = check_file(str(path), form, strict=True)
    assert [f.severity for f in strict.findings] == ["error"] and not strict.valid


@pytest.mark.parametrize(
    ("indicator", "value", "code"),
    [
        ("s3_to_roi", -5, "negative-value"),
        ("s3_to_roi", 2.5, "fractional-count"),
        ("s3_to_roi", dt.date(2022, 10, 1), "date-typed"),
        ("s3_to_roi", True, "wrong-type"),
        ("s3_to_roi", "khoảng 5", "not-a-number"),
        ("s3_to_roi", "1.5", "ambiguous-number"),
        ("s3_to_roi", "=1+1", "formula-no-value"),
        ("s3_to_roi", "#DIV/0!", "error-value"),
        ("s1_ke_hoach", "đang xây dựng", "not-yes-no"),
        ("s8_kinh_phi", "1 tỷ 200 triệu", "not-a-number"),
    ],
)
def test_each_mistake_at_its_cell(filled, form, cells, indicator, value, code):
    report = check_file(str(filled({indicator: value})), form)
    assert found(report) == [(code, cells[indicator])]
    finding = report.findings[0]
    assert finding.severity == "error" and not report.valid
    assert finding.sheet == FORM_SHEET and finding.indicator == indicator
    assert finding.label == form.indicator(indicator).label
    assert finding.message.startswith(f"Ô {cells[indicator]} (")


@pytest.mark.parametrize(
    ("indicator", "value", "code", "read"),
    [
        ("s1_ke_hoach", "Đã có", "yes-no-in-words", True),
        ("s1_ke_hoach", "chưa có", "yes-no-in-words", False),
        ("s8_kinh_phi", "80 triệu", "number-in-words", 80_000_000),
        ("s8_kinh_phi", "2,5 triệu đồng", "number-in-words", 2_500_000),
        ("s8_kinh_phi", "500k", "number-in-words", 500_000),
        ("s8_kinh_phi", "80.000.000 đ", "unit-typed", 80_000_000),
    ],
)
def test_words_a_clerk_reads_without_asking(filled, form, cells, indicator, value, code, read):
    """Read with their multiplier or meaning, and a warning that quotes how they were read."""
    plan = {"s1_so_ke_hoach": None} if read is False else {}  # no plan, so no plan number
    report = check_file(str(filled({indicator: value, **plan})), form)
    assert found(report) == [(code, cells[indicator])] and report.valid
    assert report.values[indicator] == read
    assert f"'{value}'" in report.findings[0].message


def test_yes_no_accepts_x_and_lowercase(filled, form):
    report = check_file(str(filled({"s1_ke_hoach": "x"})), form)
    assert report.valid and report.values["s1_ke_hoach"] is True
    report = check_file(str(filled({"s1_ke_hoach": "khong"})), form)
    assert report.valid and report.values["s1_ke_hoach"] is False


def test_legacy_text_is_converted_with_a_warning(filled, form, cells):
    report = check_file(str(filled({"chi_dao": "§· ban hµnh kÕ ho¹ch"})), form)
    assert found(report) == [("legacy-encoding", cells["chi_dao"])]
    assert report.texts["chi_dao"] == "Đã ban hành kế hoạch"


def test_rules_of_the_form(filled, form, cells):
    report = check_file(str(filled({"s5_lop_ksn": 5, "s5_nguoi_ksn": 2})), form)
    assert found(report) == [("rule-violated", cells["s5_nguoi_ksn"])]
    assert [f.rule for f in report.findings] == ["s5_ksn_nguoi_it_nhat_bang_lop"]
    assert "số người tham gia (2) ít hơn số lớp (5)" in report.findings[0].message
    section7 = {i.id: "Không" for i in form.sections[6].indicators}
    centre = filled({**section7, "s7_ho_so": "Có"}, unit="TTHTCD01")
    report = check_file(str(centre), form)
    assert found(report) == [("rule-violated", cells["s7_ho_so"])]
    assert [f.rule for f in report.findings] == ["s7_ho_so_khong_vuot_tong"]
    report = check_file(str(filled({"s5_lop_xmc": 0, "s5_nguoi_xmc": 12})), form)
    assert found(report) == [("rule-violated", cells["s5_lop_xmc"])]
    assert "có 12 người tham gia nhưng số lớp là 0" in report.findings[0].message


def test_rule_with_blank_figure_is_not_checked(filled, form, cells):
    report = check_file(str(filled({"s5_lop_ksn": 5, "s5_nguoi_ksn": None})), form)
    assert found(report) == [("blank-value", cells["s5_nguoi_ksn"])]


def test_empty_return_is_one_error(issued, form):
    report = check_file(str(issued["MN01"]), form)
    assert [f.code for f in report.findings] == ["empty-return"]
    assert not report.valid


def test_return_of_another_form(tmp_path, config, form):
    from htsd_cli.campaign.roster import Roster, Unit
    from htsd_cli.template import issue_workbooks

    other = load_form(FORMS / "htsd-2023-test.yaml")
    roster = Roster((Unit("X1", "Trường Thử", "truong", "Trường học", "Xã A"),), tmp_path / "r.csv")
    [item] = issue_workbooks(other, config, roster, tmp_path)
    report = check_file(str(item.path), form)
    assert [f.code for f in report.findings] == ["wrong-form"]
    assert (
        "'htsd-2023-thu' năm 2023" in report.findings[0].message
        and "'htsd-2022'" in report.findings[0].message
    )


def test_second_form_validates_with_no_code_change(tmp_path, config):
    from htsd_cli.campaign.roster import Roster, Unit
    from htsd_cli.fill import fill_workbook
    from htsd_cli.template import issue_workbooks

    other = load_form(FORMS / "htsd-2023-test.yaml")
    roster = Roster((Unit("X1", "Trường Thử", "truong", "Trường học", "Xã A"),), tmp_path / "r.csv")
    [item] = issue_workbooks(other, config, roster, tmp_path)
    path = tmp_path / "x1.xlsx"
    fill_workbook(
        item.path,
        {"lop_hoc": 4, "hoc_vien": 3, "co_hoi_nghi": "Có", "kinh_phi": 0, "ten_chuong_trinh": ""},
        path,
    )
    report = check_file(str(path), other)
    # kinh_phi is the commune's row: a school's 0 there is set aside, not counted; the rule
    # on the programme's name (a commune's row too) is not judged for a school
    assert sorted((f.code, f.indicator) for f in report.findings) == [
        ("not-applicable", "kinh_phi"),
        ("rule-violated", "hoc_vien"),
    ]
    assert "kinh_phi" not in report.values and report.ignored == {"kinh_phi": "0"}


def _strip_identity(source: Path, target: Path, keep_stamp: bool) -> None:
    """Figures pasted into a new workbook: no hidden sheet, names, properties (or stamp line)."""
    src = openpyxl.load_workbook(source)[FORM_SHEET]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for row in src.iter_rows():
        for c in row:
            if c.value is not None and (keep_stamp or not str(c.value).startswith("Mã biểu mẫu")):
                ws[c.coordinate] = c.value
    wb.save(target)


def test_form_recognised_by_layout_when_every_stamp_is_lost(filled, form, tmp_path):
    pasted = tmp_path / "dan-sang-tep-moi.xlsx"
    _strip_identity(filled({"s3_to_roi": 77}), pasted, keep_stamp=False)
    report = check_file(str(pasted), form)
    assert [f.code for f in report.findings] == ["identity-by-layout"]
    assert report.valid and report.values["s3_to_roi"] == 77


def test_one_stamp_is_enough(filled, form, tmp_path):
    pasted = tmp_path / "chi-con-dong-dau.xlsx"
    _strip_identity(filled({"s3_to_roi": 78}), pasted, keep_stamp=True)
    report = check_file(str(pasted), form)
    assert found(report) == []
    assert report.unit_code == "THCS03" and report.values["s3_to_roi"] == 78


def test_unrelated_workbook_is_unknown_form(tmp_path, form):
    path = tmp_path / "bang-luong.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Họ tên", "Lương"])
    wb.save(path)
    assert [f.code for f in check_file(str(path), form).findings] == ["unknown-form"]


def test_roster_identity_checks(filled, form, tmp_path):
    roster_path = tmp_path / "ds.csv"
    roster_path.write_text(
        "ma_don_vi,ten_don_vi,loai_don_vi,nhom\nTHCS03,Trường THCS Đằng Lâm Mới,thcs,P\n",
        encoding="utf-8",
    )
    roster = load_roster(roster_path, form)
    a = filled(unit="THCS03", name="a.xlsx")
    b = filled(unit="THCS03", name="b.xlsx")
    c = filled(unit="TH01", name="c.xlsx")
    report = validate_paths([a, b, c], form, roster)
    by_file = {Path(r.path).name: sorted(f.code for f in r.findings) for r in report.files}
    assert by_file == {
        "a.xlsx": ["duplicate-unit", "name-mismatch"],
        "b.xlsx": ["duplicate-unit", "name-mismatch"],
        "c.xlsx": ["unknown-unit"],
    }


def test_blank_workbook_is_matched_to_roster_by_typed_name(tmp_path, form, config, roster):
    from htsd_cli.fill import fill_workbook
    from htsd_cli.template import issue_workbooks

    [blank] = issue_workbooks(form, config, None, tmp_path / "blank")
    wb = openpyxl.load_workbook(blank.path)
    wb[FORM_SHEET]["A1"] = "trường mầm non cát bi"
    wb.save(tmp_path / "typed.xlsx")
    fill_workbook(
        tmp_path / "typed.xlsx", full_values(form, unit_type="mam_non"), tmp_path / "typed.xlsx"
    )
    report = validate_paths([tmp_path / "typed.xlsx"], form, roster)
    assert report.files[0].unit_code == "MN01" and report.valid


def test_outlier_is_a_warning_on_that_file_only(filled, form, cells):
    # 0 is an answer ("none"), not an outlier; 300 is far, not so far as to be held (50 times)
    figures = [10, 11, 12, 10, 11, 0, 13, 9, 300]
    paths = [
        filled({"s3_to_roi": v}, unit=f"TH0{i}" if i < 9 else "TH01", name=f"th{i}.xlsx")
        for i, v in enumerate(figures, start=1)
    ]
    report = validate_paths(paths, form)
    outliers = [
        (Path(f.file).name, f.cell) for r in report.files for f in r.findings if f.code == "outlier"
    ]
    assert outliers == [("th9.xlsx", cells["s3_to_roi"])]
    assert all(f.severity == "warning" for r in report.files for f in r.findings)


def test_an_outlier_message_is_written_when_read_and_travels_as_a_plain_finding(
    filled, form, cells
):
    import copy
    import pickle

    from htsd_cli.base.findings import Finding

    paths = [
        filled({"s3_to_roi": v}, unit=f"TH0{i}" if i < 9 else "TH01", name=f"th{i}.xlsx")
        for i, v in enumerate([10, 11, 12, 10, 11, 13, 9, 10, 300], start=1)
    ]
    found = validate_paths(paths, form).files
    (outlier,) = [f for r in found for f in r.findings if f.code == "outlier"]
    cell = cells["s3_to_roi"]
    assert outlier.message == (  # the median of the nine is 11
        f"Ô {cell} (Số lượng tờ rơi đã phát hành): 300 lớn gấp 27 lần mức thường gặp của các "
        "đơn vị cùng loại (11). Kiểm tra lại xem có gõ nhầm không."
    )
    assert (outlier.value, outlier.cell, outlier.indicator) == ("300", cell, "s3_to_roi")
    assert outlier.to_dict()["message"] == outlier.message
    for travelled in (pickle.loads(pickle.dumps(outlier)), copy.copy(outlier)):
        assert type(travelled) is Finding
        assert travelled.to_dict() == outlier.to_dict()


def _cli(*args: str):
    return runner.invoke(app, ["validate", "--config", str(SAMPLE_CONFIG), *args])


def test_json_output_equals_library_report(filled, form, roster, tmp_path):
    good = filled(name="good.xlsx")
    bad = filled({"s3_to_roi": -1}, unit="TH01", name="bad.xlsx")
    result = _cli(str(good), str(bad), "--roster", str(SAMPLE_ROSTER), "--json")
    assert result.exit_code == 1, result.output
    library = validate_paths([good, bad], form, roster).to_dict()
    assert json.loads(result.stdout) == json.loads(json.dumps(library))
    files = json.loads(result.stdout)["files"]
    assert [(f["valid"], f["unit"]["code"]) for f in files] == [(True, "THCS03"), (False, "TH01")]
    assert set(files[1]["findings"][0]) >= {
        "code",
        "severity",
        "file",
        "sheet",
        "cell",
        "indicator",
        "label",
        "value",
        "message",
    }


def test_exit_status(filled):
    assert _cli(str(filled())).exit_code == 0
    assert _cli(str(filled({"s2_bai_bao": None}))).exit_code == 0  # warnings only
    assert _cli(str(filled({"s2_bai_bao": -2}))).exit_code == 1
    assert _cli(str(filled()), "--no-such-option").exit_code == 2
    assert runner.invoke(app, ["validate"]).exit_code == 2


def test_table_output_is_vietnamese(filled):
    result = _cli(str(filled({"s2_bai_bao": -2})))
    assert "Kết quả kiểm tra 1 tệp" in result.output
    assert "Những điểm cần sửa" in result.output and "số âm" in result.output
    assert "0/1 tệp hợp lệ" in result.output


def test_annotated_copy(filled, tmp_path, cells):
    path = filled({"s2_bai_bao": -2, "s3_to_roi": None})
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    out = tmp_path / "gui-lai"
    result = _cli(str(path), "--annotate", str(out))
    assert result.exit_code == 1
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    [copy] = visible(out)
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames[0] == "Lỗi cần sửa"
    ws = wb[FORM_SHEET]
    bad = ws[cells["s2_bai_bao"]]
    assert bad.fill.fgColor.rgb.endswith("FFC7CE") and "số âm" in bad.comment.text
    assert ws[cells["s3_to_roi"]].fill.fgColor.rgb.endswith("FFEB9C")
    listed = [row[2] for row in wb["Lỗi cần sửa"].iter_rows(min_row=2, values_only=True)]
    assert listed == [cells["s2_bai_bao"], cells["s3_to_roi"]]
    assert ID_SHEET in wb.sheetnames  # the unit's own workbook, not a new one


def test_annotated_copy_is_the_same_bytes_every_run(filled, tmp_path):
    """Same return, same copy: no save time in the package (a clerk who runs validate again
    before sending sees no change where nothing changed)."""
    path = filled({"s2_bai_bao": -2})
    copies = []
    for run in ("lan-1", "lan-2"):
        assert _cli(str(path), "--annotate", str(tmp_path / run)).exit_code == 1
        [copy] = visible(tmp_path / run)
        copies.append(copy.read_bytes())
        time.sleep(1.1)  # a save time, if any were written, would differ by a second
    assert copies[0] == copies[1]


def test_an_outdated_copy_goes_once_its_file_is_fixed(filled, tmp_path):
    """The unit fixed its file: the copy an earlier --annotate wrote for it goes, so no old list
    of mistakes is sent back. A copy the clerk edited, and a copy of a file this run did not
    read, stay."""
    folder, out = tmp_path / "ve", tmp_path / "gui-lai"
    folder.mkdir()
    for name in ("truong-a.xlsx", "truong-b.xlsx", "truong-c.xlsx"):
        shutil.copy(filled({"s2_bai_bao": -2}, name=name), folder / name)
    assert _cli(str(folder), "--annotate", str(out)).exit_code == 1
    assert sorted(p.name for p in visible(out)) == [
        "truong-a-can-sua.xlsx", "truong-b-can-sua.xlsx", "truong-c-can-sua.xlsx"
    ]  # fmt: skip
    edited = out / "truong-b-can-sua.xlsx"
    edited.write_bytes(edited.read_bytes() + b"\0")  # the clerk's own change
    for name in ("truong-a.xlsx", "truong-b.xlsx"):  # both fixed
        shutil.copy(filled(name=f"sua-{name}"), folder / name)
    result = _cli(
        str(folder / "truong-a.xlsx"), str(folder / "truong-b.xlsx"), "--annotate", str(out)
    )
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "Đã xóa bản đánh dấu cũ" in said and "truong-a-can-sua.xlsx" in said
    assert sorted(p.name for p in visible(out)) == [
        "truong-b-can-sua.xlsx",
        "truong-c-can-sua.xlsx",
    ]


def test_folders_are_searched_and_lock_files_skipped(filled, tmp_path):
    folder = tmp_path / "nhan"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(filled(), folder / "sub" / "thcs03.XLSX")
    (folder / "~$thcs03.xlsx").write_bytes(b"lock")
    (folder / ".an.xlsx").write_bytes(b"hidden")
    (folder / "ghi-chu.txt").write_text("x", encoding="utf-8")
    result = _cli(str(folder))
    assert result.exit_code == 0, result.output
    assert "1/1 tệp hợp lệ" in result.output
    out = " ".join(result.output.split())
    assert (
        "tệp khóa tạm" in out and "tệp ẩn" in out and "không phải tệp bảng tính (đuôi .txt)" in out
    )


def test_cell_font_is_read_for_legacy_text(filled, form, cells, tmp_path):
    """Text in the all-capitals .VnTimeH font is converted to capitals: the font was read."""
    from openpyxl.styles import Font

    path = filled()
    wb = openpyxl.load_workbook(path)
    ws = wb[FORM_SHEET]
    ws[cells["s2_bai_bao_gc"]] = "tr\u00adêng thcs"
    ws[cells["s2_bai_bao_gc"]].font = Font(name=".VnTimeH")
    ws[cells["s3_to_roi_gc"]] = "tr\u00adêng thcs"  # same text, Unicode font: content decides
    wb.save(tmp_path / "phong-cu.xlsx")
    report = check_file(str(tmp_path / "phong-cu.xlsx"), form)
    assert [(f.code, f.cell) for f in report.findings] == [
        ("legacy-encoding", cells["s2_bai_bao_gc"]),
        ("legacy-encoding", cells["s3_to_roi_gc"]),
    ]
    assert report.texts["s2_bai_bao_gc"] == "TRƯỜNG THCS"
    assert report.texts["s3_to_roi_gc"] == "trường thcs"


def test_the_font_is_looked_up_only_for_text_that_could_be_legacy(filled, form, cells, tmp_path):
    """Unicode-only letters (ư, ơ, đ…) cannot come from a legacy keyboard: such text is kept
    as typed even in a .VnTime cell, and its font is not looked up; Latin-1 look-alikes in the
    same font are converted."""
    from openpyxl.styles import Font

    from htsd_cli.reading.reader import WorkbookView

    path = filled()
    wb = openpyxl.load_workbook(path)
    ws = wb[FORM_SHEET]
    ws[cells["s2_bai_bao_gc"]] = "Trường THCS Đằng Hải"
    ws[cells["s2_bai_bao_gc"]].font = Font(name=".VnTime")
    ws[cells["s3_to_roi_gc"]] = "tr\u00adêng"
    ws[cells["s3_to_roi_gc"]].font = Font(name=".VnTime")
    wb.save(tmp_path / "phong.xlsx")
    asked: list[str] = []
    original = WorkbookView.font_of

    def spy(self: WorkbookView, ref: str) -> str | None:
        asked.append(ref)
        return original(self, ref)

    WorkbookView.font_of = spy  # type: ignore[method-assign]
    try:
        report = check_file(str(tmp_path / "phong.xlsx"), form)
    finally:
        WorkbookView.font_of = original  # type: ignore[method-assign]
    assert asked == [cells["s3_to_roi_gc"]]
    assert report.texts["s2_bai_bao_gc"] == "Trường THCS Đằng Hải"
    assert report.texts["s3_to_roi_gc"] == "trường"
    assert [(f.code, f.cell) for f in report.findings] == [
        ("legacy-encoding", cells["s3_to_roi_gc"])
    ]


def test_formula_cells_are_found_in_every_order_writers_use():
    from htsd_cli.reading.parts import xlsx_cell, xlsx_formula, xlsx_formula_cells

    xml = (
        b'<sheetData><row r="1"><c r="A1" s="2"><f>B1*2</f></c>'
        b'<c r="B1"><v>3</v><f>1+2</f></c><c r="C1" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        b'<c r="D1" t="inlineStr"><is><t>&lt;f&gt; ch\xe1\xbb\xaf</t></is></c>'
        b'<c r="E1" t="e"><v>#NAME?</v></c><c r="F1" s="3"/><c r="A10"><v>1</v></c>'
        b'<c r="G1"><f t="shared" si="0"/><v>4</v></c></row></sheetData>'
    )
    assert xlsx_formula_cells(xml) == {"A1", "B1", "C1", "E1", "G1"}
    found = {ref: xlsx_formula(*xlsx_cell(xml, ref)) for ref in sorted(xlsx_formula_cells(xml))}
    assert found == {
        "A1": ("no-value", "B1*2"),
        "B1": ("", "1+2"),
        "C1": ("#DIV/0!", "1/0"),
        "E1": ("#NAME?", ""),
        "G1": ("", ""),
    }
    assert xlsx_cell(xml, "A1") == (b' s="2"', b"<f>B1*2</f>")
    assert xlsx_cell(xml, "F1") == (b' s="3"', b"")
    assert xlsx_cell(xml, "A") is None and xlsx_formula(b"", b"<v>1</v>") is None


def test_validate_needs_no_configuration_when_the_form_is_named(filled, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no htsd.toml here
    result = runner.invoke(app, ["validate", "--form", "htsd-2022", str(filled())])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["validate", str(filled())])
    assert result.exit_code == 2 and "htsd.toml" in result.output and "--form" in result.output


def test_every_finding_code_has_a_vietnamese_title():
    import re

    from htsd_cli.base.findings import CODES

    src = Path(__file__).resolve().parent.parent / "src" / "htsd_cli"
    used = set()
    for path in src.glob("*.py"):
        used |= set(
            re.findall(
                r'"([a-z]+(?:-[a-z]+)+)",\s*\n?\s*(?:ERROR|WARNING|severity|rule\.severity|ERROR if)',
                path.read_text(encoding="utf-8"),
            )
        )
        used |= set(re.findall(r'Unreadable\(\s*"([a-z-]+)"', path.read_text(encoding="utf-8")))
        # codes are named by their enum member since issue 30 (Code.NEGATIVE_VALUE)
        named = re.findall(r"\bCode\.([A-Z_]+)\b", path.read_text(encoding="utf-8"))
        used |= {name.lower().replace("_", "-") for name in named}
    assert used and used <= set(CODES), used - set(CODES)


def test_a_note_typed_as_a_formula_is_kept_as_words(filled, form):
    from htsd_cli.checks.checkfile import check_file

    # openpyxl stores a value that starts with '=' as a formula with no result: what a
    # spreadsheet program does when a unit starts a note with '='
    path = filled({"chi_dao": "=Tổ chức tốt, 12 buổi"})
    report = check_file(str(path), form)
    assert report.texts["chi_dao"] == "=Tổ chức tốt, 12 buổi"
    [finding] = [f for f in report.findings if f.code == "formula-in-text"]
    assert not finding.is_error and "giữ nguyên dạng chữ" in finding.message


def test_a_note_longer_than_a_cell_is_cut_with_a_warning(filled, form):
    from htsd_cli.checks.cells import MAX_CELL_TEXT
    from htsd_cli.checks.checkfile import check_file

    path = filled({"chi_dao": "Tổ chức. " * 4000})
    report = check_file(str(path), form)
    assert len(report.texts["chi_dao"]) == MAX_CELL_TEXT
    [finding] = [f for f in report.findings if f.code == "text-cut"]
    assert "32.767" in finding.message and "đã bị cắt" in finding.message


def test_a_large_batch_lists_only_the_files_to_look_at():
    args = ["validate", "-c", str(SAMPLE_CONFIG), str(SAMPLE_CONFIG.parent / "returns")]
    data = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    clean = next(Path(f["path"]).name for f in data["files"] if not f["findings"])
    noted = next(Path(f["path"]).name for f in data["files"] if f["findings"])
    short = runner.invoke(app, args, terminal_width=200).output
    full = runner.invoke(app, [*args, "--all"], terminal_width=200).output
    assert short.startswith("37/38 tệp hợp lệ") and "tệp cần xem" in short
    assert clean not in short and noted in short
    assert clean in full


def test_many_warnings_are_counted_by_kind_and_every_error_is_listed(monkeypatch, filled):
    """Past WARNINGS_LISTED warnings, the list would bury the errors: warnings are counted by
    kind (how many, in how many files); every error is still listed; --all lists each."""
    from htsd_cli import views

    monkeypatch.setattr(views, "WARNINGS_LISTED", 2)
    blanks = filled({"s2_bai_bao": None, "s3_to_roi": None, "s2_bao_tuong": None}, name="a.xlsx")
    wrong = filled({"s3_to_roi": -1}, unit="TH01", name="b.xlsx")
    short = " ".join(_cli(str(blanks), str(wrong)).output.split())
    assert "3 lưu ý, theo loại" in short and "Bỏ trống │ 3 │ 1" in short
    assert "số âm" in short and "bỏ trống nghĩa là chưa báo cáo" not in short
    full = " ".join(_cli(str(blanks), str(wrong), "--all").output.split())
    assert "theo loại" not in full and full.count("bỏ trống nghĩa là chưa báo cáo") == 3
    assert "số âm" in full


def test_many_files_with_only_warnings_are_counted_and_files_to_fix_listed(monkeypatch, filled):
    from htsd_cli import views

    monkeypatch.setattr(views, "WARNINGS_LISTED", 1)
    noted = [filled({"s3_to_roi": None}, name=f"luu-y-{i}.xlsx") for i in range(2)]
    wrong = filled({"s3_to_roi": -1}, unit="TH01", name="sai.xlsx")
    short = " ".join(_cli(*map(str, noted), str(wrong)).output.split())
    assert "sai.xlsx" in short and "luu-y-0.xlsx" not in short
    assert "Và 2 tệp hợp lệ chỉ có lưu ý" in short
    full = " ".join(_cli(*map(str, noted), str(wrong), "--all").output.split())
    assert "luu-y-0.xlsx" in full and "luu-y-1.xlsx" in full


def test_figures_behave_as_the_dict_they_replace():
    import copy
    import pickle

    from htsd_cli.base.findings import Figures

    plain = {"b": 2.0, "z": True, "a": None}
    figures = Figures({"a": 0, "b": 1}, plain)
    assert figures == plain and plain == figures and len(figures) == 3
    assert list(figures) == ["a", "b", "z"]  # the index's order, then keys it does not know
    assert copy.deepcopy(figures) == plain and pickle.loads(pickle.dumps(figures)) == plain
    assert figures.pop("b") == 2.0 and "b" not in figures and figures.get("b") is None
    with pytest.raises(KeyError):
        figures["b"]
    del figures["z"]
    assert dict(figures) == {"a": None}


def test_readings_are_folded_as_they_arrive_without_changing_a_figure(form):
    """Equal numbers are held once, a yes/no stays a bool (True == 1.0 must not merge them),
    and the cell map of one template is shared."""
    from htsd_cli.base.findings import FileReport
    from htsd_cli.checks.folding import Folder

    fold = Folder(form)
    ids = [i.id for i in form.indicators]
    cells = {ids[0]: "C14", ids[1]: "C15"}
    first = fold(FileReport("a", values={ids[0]: 1.0, ids[1]: 12.0}, cells=dict(cells)))
    second = fold(FileReport("b", values={ids[0]: True, ids[1]: 12.0}, cells=dict(cells)))
    assert first.values[ids[0]] == 1.0 and type(first.values[ids[0]]) is float
    assert second.values[ids[0]] is True
    assert first.values[ids[1]] is second.values[ids[1]]
    assert first.cells is second.cells and first.cells == cells


def test_folding_keeps_each_word_of_its_own_kind(form):
    """How the cells were found and what a reading is of stay members of their closed sets, and
    a plain word ('' for a unit type not known) stays a plain string: the empty word is equal to
    LocatedBy.NOT_LOCATED, and folding must not give one field the other's."""
    from htsd_cli.base.findings import FileReport, LocatedBy, ReadingKind
    from htsd_cli.checks.folding import Folder

    fold = Folder(form)
    unread = fold(FileReport("a"))  # nothing located: its words are empty
    assert type(unread.located_by) is LocatedBy and type(unread.kind) is ReadingKind
    fold = Folder(form)
    words = {"fmt": "xlsx", "form_id": "f", "unit_type": "t", "unit_group": "g", "sheet": "s"}
    first = fold(FileReport("b", **words))  # located_by '' the first empty word folded
    later = fold(FileReport("c", fmt="xlsx", located_by=LocatedBy.LAYOUT))
    assert type(first.located_by) is LocatedBy
    assert type(later.unit_type) is str and type(later.unit_group) is str


def test_a_few_files_are_read_by_one_process_and_many_by_every_core(monkeypatch, tmp_path, form):
    import os

    import htsd_cli.checks.validate as validate

    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    counts = {n: validate.reading_processes(n) for n in (0, 10, 99, 100, 250, 10_000)}
    assert counts == {0: 1, 10: 1, 99: 1, 100: 2, 250: 3, 10_000: 4}
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # unknown: one
    assert validate.reading_processes(10_000) == 1
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    started = []
    real = validate.run_isolated

    def spy(func, items, workers=None, **kwargs):
        started.append((len(items), workers))
        return real(func, items, workers=workers, **kwargs)

    monkeypatch.setattr(validate, "run_isolated", spy)
    missing = [tmp_path / f"{n}.xlsx" for n in range(3)]
    reports = validate.check_files(missing, form)
    assert started == [(3, 1)]
    assert [r.findings[0].code for r in reports] == ["unreadable-file"] * 3
