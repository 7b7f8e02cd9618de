"""The form as a workbook the clerk edits (formbook): the same form as its YAML, both ways; every
mistake told by sheet, row and column; ids made from labels; a change after issuing numbered as a
new version by itself, the issued one kept and still reading its returns."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from htsd_cli.base.errors import FormError
from htsd_cli.campaign.form import Form, bundled_templates, load_form
from htsd_cli.campaign.formbook import read_book, write_book
from htsd_cli.campaign.formyaml import form_yaml, yaml_notes
from htsd_cli.cli import app

from .conftest import FORMS, SAMPLE_CONFIG, visible

runner = CliRunner()
BUNDLED = sorted((bundled_templates() / "forms").rglob("*.yaml"))
EVERY_FORM = [*BUNDLED, *sorted(FORMS.glob("*.yaml"))]


def _same(a: Form, b: Form) -> None:
    assert dataclasses.replace(a, source="") == dataclasses.replace(b, source="")


@pytest.mark.parametrize("path", EVERY_FORM, ids=lambda p: p.name)
def test_a_yaml_form_becomes_a_workbook_and_back_with_nothing_lost(path, tmp_path):
    original = load_form(path)
    book, back = tmp_path / "bieu-mau.xlsx", tmp_path / "lai.yaml"
    for args in (("convert", str(path), str(book)), ("convert", str(book), str(back))):
        result = runner.invoke(app, ["form", *args])
        assert result.exit_code == 0, result.output
        assert f"Đã ghi {args[-1]}" in result.output
    _same(load_form(book), original)
    _same(load_form(back), original)
    # the reasons written beside the rows travel as the workbook's notes, and back as comments
    notes = yaml_notes(path.read_text(encoding="utf-8"))
    assert read_book(book).notes == notes
    assert yaml_notes(back.read_text(encoding="utf-8")) == notes
    assert write_book(original, notes) == book.read_bytes()  # same form, same bytes


def test_the_bundled_form_workbook_reads_as_the_clerk_sees_it(tmp_path):
    form = load_form("htsd-2022")
    path = tmp_path / "b.xlsx"
    path.write_bytes(write_book(form, yaml_notes((BUNDLED[0]).read_text(encoding="utf-8"))))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:6] == [
        "Đợt báo cáo", "Các dòng", "Quy tắc", "Loại đơn vị", "Phiên bản", "Hướng dẫn",
    ]  # fmt: skip
    rows = [[c.value for c in r] for r in wb["Các dòng"].iter_rows(max_col=12)]
    assert rows[0][:4] == ["TT", "Nội dung", "Loại", "Đơn vị tính"]
    assert rows[1][1:3] == ["I. Công tác chỉ đạo", "phần lời"]
    assert rows[2][:3] == [1, "Kế hoạch tổ chức tuần lễ HTSD", "mục"]
    assert rows[3][1:3] == ["Kế hoạch tổ chức tuần lễ HTSD", "Có/Không"]
    money = next(r for r in rows if r[11] == "s8_kinh_phi")
    assert money[2:4] == ["tiền", "đồng"]
    library = next(r for r in rows if r[1] == "Thư viện:")
    assert library[5] == "mam_non, tieu_hoc, thcs, thpt, gdnn_gdtx"  # who answers the section
    kinds = wb["Các dòng"].data_validations.dataValidation
    assert any("C2:C" in str(v.sqref) and v.type == "list" for v in kinds)
    campaign = {r[0].value: r[1].value for r in wb["Đợt báo cáo"].iter_rows(min_row=2)}
    assert campaign["Năm"] == 2022 and campaign["Hạn nộp"] == dt.datetime(2022, 10, 10)
    assert campaign["Tiền: nhỏ nhất"] == 1000
    assert campaign["Giữ số gấp … lần mức thường gặp"] == 50


# (what, sheet, cell, value typed, the message htsd gives): one mistake at a time in the
# workbook of the test form
MISTAKES = (
    ("loại không có trong danh sách", "Các dòng", "C4", "phần trăm",
     "trang 'Các dòng', dòng 4, cột C (Loại): loại 'phần trăm' không có; chọn một trong: "
     "số đếm, số người, tiền, Có/Không, chữ"),
    ("quy tắc dùng dòng không có", "Quy tắc", "C2", "hoc_sinh",
     "trang 'Quy tắc', dòng 2, cột C (Vế trái): quy tắc 'hoc_vien_it_nhat_bang_lop' dùng chỉ "
     "tiêu 'hoc_sinh' không có trong biểu mẫu"),
    ("mã trùng", "Các dòng", "L5", "lop_hoc",
     "trang 'Các dòng', dòng 5, cột L (Mã): mã 'lop_hoc' bị trùng (đã dùng ở trang 'Các dòng', "
     "dòng 4, cột L (Mã))"),
    ("nội dung để trống", "Các dòng", "B5", None,
     "trang 'Các dòng', dòng 5, cột B (Nội dung): 'Nội dung' đang để trống"),
    ("số không có đơn vị tính", "Các dòng", "D4", None,
     "trang 'Các dòng', dòng 4, cột D (Đơn vị tính): chỉ tiêu 'lop_hoc' là số nên cần "
     "'Đơn vị tính'"),
    ("ngày không đúng", "Đợt báo cáo", "B10", "31/02/2023",
     "trang 'Đợt báo cáo', dòng 10, cột B (Hạn nộp): 'Hạn nộp' phải là một ngày dd/mm/yyyy, "
     "đang là '31/02/2023'"),
    ("mức lạ", "Quy tắc", "F3", "Nặng",
     "trang 'Quy tắc', dòng 3, cột F (Mức): 'Mức' phải là 'Lỗi' hoặc 'Lưu ý'"),
    ("loại đơn vị lạ", "Các dòng", "F9", "truong, thon",
     "trang 'Các dòng', dòng 9, cột F (Đơn vị điền): loại đơn vị 'thon' không có trong trang "
     "'Loại đơn vị' (truong, xa)"),
)  # fmt: skip


@pytest.fixture
def test_book(tmp_path) -> Path:
    path = tmp_path / "bieu-mau.xlsx"
    path.write_bytes(write_book(load_form(FORMS / "htsd-2023-test.yaml")))
    return path


@pytest.mark.parametrize(
    ("what", "sheet", "cell", "value", "message"), MISTAKES, ids=[m[0] for m in MISTAKES]
)
def test_every_mistake_in_the_workbook_names_sheet_row_and_column(
    test_book, what, sheet, cell, value, message
):
    wb = openpyxl.load_workbook(test_book)
    wb[sheet][cell] = value
    wb.save(test_book)
    result = runner.invoke(app, ["form", "show", "--form", str(test_book)])
    assert result.exit_code == 1
    assert f"{test_book}, {message}" in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output


def test_a_section_numbered_in_words_above_a_blank_one_is_said(test_book):
    """TT "x" on a section and none on the next: the first is named, the second is not a crash."""
    wb = openpyxl.load_workbook(test_book)
    ws = wb["Các dòng"]
    sections = [r for r in range(2, ws.max_row + 1) if ws.cell(r, 3).value == "mục"]
    ws.cell(sections[0], 1).value = "x"
    ws.cell(sections[1], 1).value = None
    wb.save(test_book)
    result = runner.invoke(app, ["form", "show", "--form", str(test_book)])
    said = " ".join(result.output.split())
    assert result.exit_code == 1 and "Traceback" not in said and "Lỗi ngoài dự kiến" not in said
    assert f"dòng {sections[0]}, cột A" in said, said


def test_rows_rules_and_types_are_read_in_the_clerks_words(test_book):
    """Drop-down words, symbols typed by hand, unit types named by their label, blank ids."""
    wb = openpyxl.load_workbook(test_book)
    rows, rules = wb["Các dòng"], wb["Quy tắc"]
    assert [c.value for c in rows[9]][:3] == [None, "Tên chương trình", "chữ"]
    rows.insert_rows(6)  # a new row under "Số học viên:", typed by the clerk, id left blank
    typed = (
        "Số học viên nữ:",
        "số người",
        "người",
        2,
        "Trường học",
        0,
        500,
        "Ủy ban nhân dân xã: 50",
    )
    for col, value in zip("BCDEFIJK", typed, strict=True):
        rows[f"{col}6"] = value
    rules["B2"] = "lop_hoc lớn hơn 0"
    rules["D2"] = "≥"
    wb.save(test_book)
    form = read_book(test_book).form
    new = form.indicator("hoc_vien_nu")
    assert (new.kind, new.unit, new.level, new.applies_to) == ("people", "người", 2, ("truong",))
    assert (new.limits.minimum, new.limits.maximum, new.limits.by_type) == (0, 500, (("xa", 50),))
    rule = form.rules[0]
    assert (rule.when.left.ids, rule.when.operator, rule.check.operator) == (
        ("lop_hoc",),
        ">",
        ">=",
    )
    result = runner.invoke(app, ["form", "show", "--form", str(test_book), "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["made_ids"] == [
        {"where": "trang 'Các dòng', dòng 6, cột L (Mã)", "id": "hoc_vien_nu"}
    ]
    row = shown["sections"][0]["indicators"][2]
    assert row["limits"] == {"min": 0, "max": 500, "max_by_type": {"xa": 50}}


def test_an_id_made_from_a_label_stays_when_rows_are_added_around_it(test_book):
    wb = openpyxl.load_workbook(test_book)
    rows = wb["Các dòng"]
    rows["L5"] = None  # "Số học viên:" without its id: made from its words
    wb.save(test_book)
    first = read_book(test_book)
    assert [(str(cell), made) for cell, made in first.made_ids] == [
        ("trang 'Các dòng', dòng 5, cột L (Mã)", "hoc_vien")
    ]
    rows.insert_rows(4, 2)
    for r, label in ((4, "Số lớp buổi tối:"), (5, "Số học viên buổi tối:")):
        rows[f"B{r}"], rows[f"C{r}"], rows[f"D{r}"] = label, "số đếm", "lớp"
    wb.save(test_book)
    ids = [i.id for i in read_book(test_book).form.indicators]
    assert ids[:4] == ["lop_buoi_toi", "hoc_vien_buoi_toi", "lop_hoc", "hoc_vien"]


def test_the_workbook_is_the_form_of_every_command(tmp_path, test_book):
    config = tmp_path / "htsd.toml"
    text = SAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        'form = "htsd-2022"', 'form = "bieu-mau.xlsx"'
    )
    config.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["form", "show", "-c", str(config), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == "htsd-2023-thu"
    result = runner.invoke(
        app, ["template", "-c", str(config), "--mau-trang", "-o", str(tmp_path / "bm")]
    )
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "bm").glob("*.xlsx")] == ["htsd-2023-thu-mau-trang.xlsx"]


def _config(folder: Path, form: str, year: int, example: bool = False) -> Path:
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace('form = "htsd-2022"', f'form = "{form}"').replace(
        "year = 2022", f"year = {year}"
    )
    text = text.replace("example = true\n", "example = true\n" if example else "")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("deadline ="))
    path = folder / "htsd.toml"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _form_of_year(folder: Path, year: int, deadline: dt.date) -> str:
    form = load_form(FORMS / "htsd-2023-test.yaml")
    form = dataclasses.replace(
        form, id=f"thu-{year}", year=year, deadline=deadline, version=1, changes=(), source=""
    )
    (folder / "bieu-mau.xlsx").write_bytes(write_book(form))
    return "bieu-mau.xlsx"


def test_template_refuses_another_years_form_and_a_past_deadline_unless_told(tmp_path):
    today = dt.date.today()
    later = today + dt.timedelta(days=30)
    name = _form_of_year(tmp_path, later.year, later)
    out = ["--mau-trang", "-o", str(tmp_path / "bm")]
    config = _config(tmp_path, name, later.year)
    result = runner.invoke(app, ["template", "-c", str(config), *out])
    assert result.exit_code == 0, result.output
    assert "Lưu ý" not in result.output  # this year's form, on time: nothing to say
    config = _config(tmp_path, name, later.year + 1)
    result = runner.invoke(app, ["template", "-c", str(config), *out])
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert (
        f"Không phát biểu mẫu: biểu mẫu 'thu-{later.year}' là của năm {later.year}, đợt này là "
        f"năm {later.year + 1}." in said
    )
    assert "--van-phat" in said
    result = runner.invoke(app, ["template", "-c", str(config), *out, "--van-phat"])
    assert result.exit_code == 0, result.output
    assert (
        f"Lưu ý: biểu mẫu 'thu-{later.year}' là của năm {later.year}, đợt này là năm "
        f"{later.year + 1}; vẫn phát vì có --van-phat." in " ".join(result.output.split())
    )
    past = today - dt.timedelta(days=400)
    name = _form_of_year(tmp_path, past.year, past)
    config = _config(tmp_path, name, past.year)
    result = runner.invoke(app, ["template", "-c", str(config), *out])
    assert result.exit_code == 1 and f"hạn nộp {past:%d/%m/%Y} đã qua" in result.output
    config = _config(tmp_path, name, past.year, example=True)
    result = runner.invoke(app, ["template", "-c", str(config), *out])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "Lưu ý" in line]
    assert len(lines) == 1 and "đợt giữ làm mẫu (example = true trong htsd.toml)" in " ".join(
        result.output.split()
    )


def test_the_sample_campaign_is_issued_as_an_example(tmp_path):
    result = runner.invoke(
        app, ["template", "-c", str(SAMPLE_CONFIG), "--mau-trang", "-o", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "Lưu ý: hạn nộp 10/10/2022 đã qua; vẫn phát vì đây là đợt giữ làm mẫu" in said


def test_guesses_left_unchecked_stop_the_issue(tmp_path, test_book):
    wb = openpyxl.load_workbook(test_book)
    wb["Các dòng"]["M5"] = "htsd đoán: số người"
    wb.save(test_book)
    config = _config(tmp_path, test_book.name, 2023, example=True)
    out = ["-c", str(config), "--mau-trang", "-o", str(tmp_path / "bm")]
    result = runner.invoke(app, ["template", *out])
    assert result.exit_code == 1 and not (tmp_path / "bm").exists()
    assert (
        "còn 1 chỗ htsd đoán chưa được xem (cột 'Cần xem'): trang 'Các dòng', dòng 5, cột M "
        "(Cần xem): htsd đoán: số người." in " ".join(result.output.split())
    )
    wb["Các dòng"]["M5"] = None
    wb.save(test_book)
    result = runner.invoke(app, ["template", *out])
    assert result.exit_code == 0, result.output


def test_a_change_after_issuing_is_a_new_version_and_old_returns_still_read(tmp_path, test_book):
    from htsd_cli.campaign.config import load_config
    from htsd_cli.checks.checkfile import check_file
    from htsd_cli.fill import fill_workbook
    from htsd_cli.template import issue_workbooks

    config = load_config(_config(tmp_path, test_book.name, 2023, example=True))
    v1 = config.load_form()
    assert v1.version == 2  # as written in the workbook
    [issued] = issue_workbooks(v1, config, None, tmp_path / "bm")
    kept = tmp_path / "lich-su-bieu-mau" / "htsd-2023-thu-v2.xlsx"
    assert kept.is_file()
    fill_workbook(issued.path, {"lop_hoc": 3, "hoc_vien": 40}, tmp_path / "ve.xlsx")
    wb = openpyxl.load_workbook(test_book)
    wb.save(tmp_path / "chep.xlsx")  # saved again, nothing changed: no new version
    assert load_form(tmp_path / "chep.xlsx").version == 2
    wb["Các dòng"]["B4"] = "Số lớp học đã mở:"  # a typo fixed after issuing
    wb.save(test_book)
    v3 = config.load_form()
    assert v3.version == 3 and v3.indicator("lop_hoc").label == "Số lớp học đã mở:"
    assert v3.changes[-1] == (3, "Sửa sau khi đã phát phiên bản 2: sửa dòng lop_hoc.")
    report = check_file(str(tmp_path / "ve.xlsx"), v3, want_names=True)
    assert report.values["lop_hoc"] == 3 and report.values["hoc_vien"] == 40
    assert not [f for f in report.findings if f.severity == "error"]
    issue_workbooks(v3, config, None, tmp_path / "bm", overwrite=True)
    assert [p.name for p in visible(kept.parent)] == [
        "htsd-2023-thu-v2.xlsx", "htsd-2023-thu-v3.xlsx",
    ]  # fmt: skip
    assert config.load_form().version == 3  # as issued: nothing new


def test_a_broken_workbook_is_told_not_thrown(tmp_path):
    path = tmp_path / "hong.xlsx"
    path.write_bytes(b"PK\x03\x04 not a workbook")
    with pytest.raises(FormError) as info:
        load_form(path)
    assert "hong.xlsx" in str(info.value) and ".xlsx" in str(info.value)
    wb = openpyxl.Workbook()
    wb.active.title = "Trang khác"
    wb.save(path)
    with pytest.raises(FormError) as info:
        load_form(path)
    assert "trang 'Đợt báo cáo': không có trang này trong tệp biểu mẫu" in str(info.value)


def test_a_form_written_as_yaml_says_the_same(tmp_path):
    form = load_form(FORMS / "htsd-2023-test.yaml")
    text = form_yaml(form, {("indicator", "lop_hoc"): "Lý do của dòng."})
    assert "      # Lý do của dòng.\n      - {id: lop_hoc," in text
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    _same(load_form(tmp_path / "a.yaml"), form)


def test_a_made_id_stays_as_issued_when_only_the_words_change(tmp_path, test_book):
    """A row the clerk added without an id, issued, then reworded: it keeps its issued id (the
    returns of that version carry over to it); a row reworded beyond recognition is a new row."""
    from htsd_cli.campaign.config import load_config
    from htsd_cli.template import issue_workbooks

    wb = openpyxl.load_workbook(test_book)
    rows = wb["Các dòng"]
    rows["L5"] = None  # "Số học viên:", its id left for htsd to make
    wb.save(test_book)
    config = load_config(_config(tmp_path, test_book.name, 2023, example=True))
    issued = config.load_form()
    assert issued.indicators[1].id == "hoc_vien"
    issue_workbooks(issued, config, None, tmp_path / "bm")
    rows["B5"] = "Số học viên đã tham gia:"
    wb.save(test_book)
    form = config.load_form()
    assert form.indicators[1].id == "hoc_vien" and form.version == 3
    assert form.rules[0].check.left.ids == ("hoc_vien",)  # the rules still name it
    result = runner.invoke(app, ["form", "show", "-c", str(tmp_path / "htsd.toml"), "--json"])
    assert json.loads(result.stdout)["kept_ids"] == [
        {"where": "trang 'Các dòng', dòng 5, cột L (Mã)", "id": "hoc_vien"}
    ]
    rows["B5"] = "Số người khuyết tật được hỗ trợ:"  # another row now: the rule on it is told
    wb.save(test_book)
    with pytest.raises(FormError) as info:
        config.load_form()
    assert (
        "trang 'Quy tắc', dòng 2, cột C (Vế trái): quy tắc 'hoc_vien_it_nhat_bang_lop' dùng chỉ "
        "tiêu 'hoc_vien' không có trong biểu mẫu" in str(info.value)
    )
    wb["Quy tắc"].delete_rows(2)
    wb.save(test_book)
    assert config.load_form().indicators[1].id == "nguoi_khuyet_tat_ho_tro"
