"""`htsd form import`: the year's form drafted from the plan's appendix, as the plan prints it
(tests/tools/plan_docx.py builds it with python-docx), every guess marked for the clerk."""

from __future__ import annotations

import dataclasses

import pytest
from typer.testing import CliRunner

from htsd_cli.base.errors import FormError
from htsd_cli.campaign.form import bundled_templates, load_form
from htsd_cli.campaign.formbook import read_book
from htsd_cli.cli import app
from htsd_cli.formimport import guess, import_plan

from .conftest import FORMS
from .tools.plan_docx import make_plan, seed_rows

runner = CliRunner()
V1 = bundled_templates() / "forms" / "history" / "htsd-2022-v1.yaml"


def _marked(draft, ind) -> bool:
    return ("indicator", ind.id) in draft.marks


def test_the_seed_appendix_imports_as_the_bundled_2022_form(tmp_path):
    """After last year's form (here the bundled one), the plan's rows are its rows: same labels
    in the same order, same kinds; what the plan does not print but a rule needs is kept, marked."""
    bundled = load_form("htsd-2022")
    draft = import_plan(make_plan(tmp_path / "ke-hoach.docx"), bundled)
    form = draft.form
    assert [i.label for i in form.indicators] == [i.label for i in bundled.indicators]
    pairs = list(zip(form.indicators, bundled.indicators, strict=True))
    agree = [a for a, b in pairs if a.kind == b.kind]
    assert len(agree) * 10 >= 9 * len(pairs)
    assert all(_marked(draft, a) for a, b in pairs if a.kind != b.kind)
    assert [i.id for i in form.indicators] == [i.id for i in bundled.indicators]
    assert form.sections == bundled.sections and form.rules == bundled.rules
    assert form.texts == bundled.texts and form.unit_types == bundled.unit_types
    assert (form.title, form.theme, form.period_start, form.period_end, form.deadline) == (
        bundled.title, bundled.theme, bundled.period_start, bundled.period_end, bundled.deadline
    )  # fmt: skip
    assert set(draft.marks) == {("indicator", "s1_so_ke_hoach")}
    assert (form.id, form.version, form.changes) == (bundled.id, bundled.version, bundled.changes)
    assert "quy tắc 's1_so_ke_hoach_khi_co'" in draft.marks[("indicator", "s1_so_ke_hoach")]


def test_words_alone_guess_the_kinds_and_mark_every_guess(tmp_path):
    """With a previous form that shares no row, every kind and unit is guessed from the words:
    they agree with the 2022 form as first written from this appendix (v1) on nine rows in ten,
    and every row says it is a guess."""
    v1 = load_form(V1)
    draft = import_plan(
        make_plan(tmp_path / "ke-hoach.docx"), load_form(FORMS / "htsd-2023-test.yaml")
    )
    printed = [i for i in v1.indicators if i.id != "s1_so_ke_hoach"]  # not in the plan
    form = draft.form
    assert [i.label for i in form.indicators] == [i.label for i in printed]
    assert [i.level for i in form.indicators] == [i.level for i in printed]
    pairs = list(zip(form.indicators, printed, strict=True))
    assert sum(a.kind == b.kind for a, b in pairs) * 10 >= 9 * len(pairs)
    assert all(_marked(draft, a) for a, _ in pairs)
    money = form.indicators[-1]
    assert (money.kind, money.unit) == ("money", "đồng")
    assert (
        "Dòng mới: htsd đoán loại 'tiền', đơn vị tính 'đồng'"
        in draft.marks[("indicator", money.id)]
    )
    split = form.indicators[4]
    assert (
        "tách từ dòng có hai số liệu 'Số tờ báo tường, số bài viết"
        in draft.marks[("indicator", split.id)]
    )
    assert [s.number for s in form.sections] == list(range(1, 9))
    assert all(("section", str(n)) in draft.marks for n in range(1, 9))  # new to that form


@pytest.mark.parametrize(
    ("label", "kind", "unit"),
    [
        ("Số lớp bồi dưỡng cho công nhân lao động:", "count", "lớp"),  # "động" is no "đồng"
        ("Số lượt người tham gia:", "people", "lượt người"),
        ("Số giáo viên được tập huấn:", "people", "người"),
        ("Kinh phí đầu tư thiết bị:", "money", "đồng"),
        ("Có tổ chức lễ khai mạc", "yesno", "đơn vị"),
        ("Số, ngày ban hành kế hoạch", "text", ""),
        ("Số băng rôn, khẩu hiệu:", "count", "cái"),
        ("Số mô hình học tập:", "count", "mô hình"),
        ("Số sân chơi trực tuyến:", "count", "sân"),
    ],
)
def test_a_new_rows_kind_and_unit_come_from_its_words(label, kind, unit):
    found = guess(label)
    assert (found.kind, found.unit) == (kind, unit)


def test_a_changed_plan_imports_as_it_now_reads(tmp_path):
    rows = seed_rows()
    lines_2 = rows[1][1]
    lines_2[1] = "- Số bài viết trên các báo, tạp chí:"  # renamed
    lines_2.append("- Số video, bài đăng trên mạng xã hội:")  # added
    rows[2][1].remove("- Số băng zôn, panô, khẩu hiệu đã thực hiện:")  # removed
    rows.insert(12, ("", ["+ Số lớp kỹ năng số cho người cao tuổi, số người tham gia:....."]))
    rows.append(("9", ["Chuyển đổi số trong nhà trường:", "- Số giáo viên được tập huấn kỹ năng số:",
                       "- Kinh phí đầu tư thiết bị số:....."]))  # fmt: skip
    plan = make_plan(
        tmp_path / "ke-hoach-2025.docx", rows, year=2025, theme="Học tập suốt đời trong kỷ nguyên số",
        week=("29/09/2025", "05/10/2025"), deadline="ngày 10 tháng 10 năm 2025",
    )  # fmt: skip
    bundled = load_form("htsd-2022")
    draft = import_plan(plan, bundled)
    form = draft.form
    assert (form.id, form.version, form.year, form.theme) == (
        "htsd-2025", 1, 2025, "Học tập suốt đời trong kỷ nguyên số",
    )  # fmt: skip
    assert form.title.endswith("NĂM 2025") and form.summary_line.endswith("năm 2025")
    assert (f"{form.period_start:%d/%m/%Y}", f"{form.deadline:%d/%m/%Y}") == (
        "29/09/2025",
        "10/10/2025",
    )
    # renamed: the same row, its new words, marked
    renamed = form.indicator("s2_bai_bao")
    assert renamed.label == "Số bài viết trên các báo, tạp chí:" and _marked(draft, renamed)
    assert "Đổi tên từ 'Số bài viết trên các báo:'" in draft.marks[("indicator", "s2_bai_bao")]
    # added, at its place
    section_2 = [i.label for i in form.sections[1].indicators]
    assert section_2[-1] == "Số video, bài đăng trên mạng xã hội:"
    added = form.sections[1].indicators[-1]
    assert (added.kind, added.unit) == ("count", "video") and _marked(draft, added)
    # removed, and said so
    assert "s3_bang_zon" not in {i.id for i in form.indicators}
    assert [i.id for i in draft.dropped_rows] == ["s3_bang_zon"]
    # a line with two figures: two rows
    labels = [i.label for i in form.sections[4].indicators]
    at = labels.index("Số lớp kỹ năng số cho người cao tuổi")
    assert labels[at + 1] == "số người tham gia:"
    pair = form.sections[4].indicators[at : at + 2]
    assert [(i.kind, i.unit) for i in pair] == [("count", "lớp"), ("people", "người")]
    assert all("tách từ dòng có hai số liệu" in draft.marks[("indicator", i.id)] for i in pair)
    assert pair[0].applies_to == bundled.sections[4].applies_to  # as its section answers
    # a new section
    new = form.sections[-1]
    assert (new.number, new.heading) == (9, "Chuyển đổi số trong nhà trường:")
    assert [(i.kind, i.unit) for i in new.indicators] == [("people", "người"), ("money", "đồng")]
    assert ("section", "9") in draft.marks
    # the rest is the previous form's: every row kept whole keeps its rules
    assert len(form.rules) == len(bundled.rules) and not draft.dropped_rules
    kept = [i for i in form.indicators if i.id in {b.id for b in bundled.indicators}]
    assert all(i == bundled.indicator(i.id) for i in kept if not _marked(draft, i))


def test_import_writes_a_workbook_the_clerk_checks(tmp_path, monkeypatch):
    plan = make_plan(tmp_path / "ke-hoach.docx", year=2025, deadline="ngày 12 tháng 10 năm 2025",
                     week=("01/10/2025", "07/10/2025"))  # fmt: skip
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["form", "import", str(plan), "--form", "htsd-2022"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert (
        f"Đã lập biểu mẫu năm 2025 vào {tmp_path / 'bieu-mau-2025.xlsx'}: 42 dòng số liệu" in said
    )
    book = read_book(tmp_path / "bieu-mau-2025.xlsx")
    assert [i.label for i in book.form.indicators] == [
        i.label for i in load_form("htsd-2022").indicators
    ]
    assert [str(cell) for cell, _ in book.marks] == [
        "trang 'Các dòng', dòng 5, cột M (Cần xem)"  # the row kept for a rule's sake
    ]
    again = runner.invoke(app, ["form", "import", str(plan), "--form", "htsd-2022"])
    assert again.exit_code == 0, again.output  # its own, unchanged file: replaced
    (tmp_path / "bieu-mau-2025.xlsx").write_bytes(b"sua tay")
    again = runner.invoke(app, ["form", "import", str(plan), "--form", "htsd-2022"])
    assert again.exit_code == 1 and "--overwrite" in again.output


def test_a_document_without_the_appendix_table_is_told(tmp_path):
    import docx

    doc = docx.Document()
    doc.add_paragraph("KẾ HOẠCH")
    doc.save(tmp_path / "kh.docx")
    with pytest.raises(FormError) as info:
        import_plan(tmp_path / "kh.docx", load_form("htsd-2022"))
    assert "Không thấy bảng phụ lục trong kh.docx" in str(info.value)
    (tmp_path / "kh.pdf").write_bytes(b"%PDF-1.4")
    result = runner.invoke(
        app, ["form", "import", str(tmp_path / "kh.pdf"), "-o", str(tmp_path / "x.xlsx")]
    )
    assert result.exit_code == 1 and "cần tệp Kế hoạch dạng Word" in result.output


def test_a_plan_saved_by_libreoffice_as_odt_imports_the_same(tmp_path, soffice):
    plan = make_plan(tmp_path / "ke-hoach.docx")
    [odt] = soffice([plan], "odt", tmp_path / "odt")
    bundled = load_form("htsd-2022")
    from_odt = import_plan(odt, bundled).form
    from_docx = import_plan(plan, bundled).form
    assert dataclasses.replace(from_odt, source="") == dataclasses.replace(from_docx, source="")
    assert [p.name for p in odt.parent.iterdir()] == ["ke-hoach.odt"]  # converted elsewhere


def test_in_a_campaigns_folder_the_draft_replaces_the_form_init_wrote(tmp_path, monkeypatch):
    """After `htsd init`, `htsd form import` alone: the previous form is the folder's, the
    draft takes its place while nobody has changed it, and never once they have."""
    work = tmp_path / "dot-2025"
    flags = ["--co-quan", "UBND xã A", "--viet-tat", "UBND", "--dia-danh", "A", "--nguoi-ky", "B",
             "--chuc-vu", "CHỦ TỊCH"]  # fmt: skip
    result = runner.invoke(app, ["init", str(work), "--nam", "2025", *flags])
    assert result.exit_code == 0, result.output
    config = (work / "htsd.toml").read_text(encoding="utf-8")
    plan = make_plan(tmp_path / "kh.docx", year=2025, week=("29/09/2025", "05/10/2025"),
                     deadline="ngày 10 tháng 10 năm 2025")  # fmt: skip
    monkeypatch.chdir(work)
    result = runner.invoke(app, ["form", "import", str(plan)])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert f"Đã lập biểu mẫu năm 2025 vào {work / 'bieu-mau-2025.xlsx'}" in said
    assert "dòng như biểu mẫu htsd-2025" in said
    assert (work / "htsd.toml").read_text(encoding="utf-8") == config  # still its form
    form = load_form(work / "bieu-mau-2025.xlsx")
    assert (form.id, form.year, f"{form.period_start:%d/%m/%Y}") == (
        "htsd-2025",
        2025,
        "29/09/2025",
    )
    import openpyxl

    wb = openpyxl.load_workbook(work / "bieu-mau-2025.xlsx")
    wb["Đợt báo cáo"]["B7"] = "Chủ đề của văn thư"
    wb.save(work / "bieu-mau-2025.xlsx")
    result = runner.invoke(app, ["form", "import", str(plan)])
    assert result.exit_code == 1
    assert "là biểu mẫu đang dùng và đã được sửa sau khi htsd ghi ra" in " ".join(
        result.output.split()
    )
