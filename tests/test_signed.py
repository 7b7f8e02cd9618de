"""Signed as it comes out: a ward's 2025 campaign from `htsd init` to the report and the reminder
letter, printed through LibreOffice and read back from the PDF as the clerk would check them
before signing: the signature and recipients of Nghị định 30, no draft text but "CẦN ĐIỀN" where
a part is unwritten, bold headings, annexes in plain words, a reminder with a new deadline."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from htsd_cli.campaign.config import load_config
from htsd_cli.campaign.form import load_form
from htsd_cli.cli import app
from htsd_cli.render import signature as sig
from htsd_cli.render.remind import LetterDates, working_days_after

from .conftest import full_values
from .test_init import _in, roster_and_issue

runner = CliRunner()
WARD = [
    "--nam", "2025", "--tu-ngay", "29/09/2025", "--den-ngay", "05/10/2025", "--han-nop",
    "10/10/2025", "--ngay-bao-cao", "15/10/2025", "--chu-de", "Học tập suốt đời",
    "--co-quan", "Ủy ban nhân dân phường Hòa Bình", "--chu-quan", "", "--viet-tat", "UBND",
    "--dia-danh", "Hòa Bình", "--noi-nhan", "Văn phòng UBND phường, email vanthu@hoabinh.gov.vn",
    "--nguoi-ky", "Lê Văn Bình",
]  # fmt: skip
UNITS = [
    ("MN01", "Trường Mầm non Hoa Sen", "Trường mầm non", "Phường Hòa Bình"),
    ("TH01", "Trường Tiểu học Hòa Bình", "Trường tiểu học", "Phường Hòa Bình"),
    ("TTHTCD01", "Trung tâm học tập cộng đồng phường Hòa Bình", "Trung tâm học tập cộng đồng",
     "Phường Hòa Bình"),
    ("THCS01", "Trường THCS Hòa Bình", "Trường THCS", "Phường Hòa Bình"),
]  # fmt: skip
DEPUTY_LINES = ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
CELL_REF = re.compile(r"\b[Ôô] \$?[A-Z]{1,3}\$?\d+\b")
FILE_NAME = re.compile(r"\.(xlsx|xls|ods|csv)\b")


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.replace("\u00a0", " ")


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


def _at(lines: list[str], wanted: str) -> int:
    return next(n for n, line in enumerate(lines) if wanted in line)


@pytest.mark.parametrize(
    ("office", "governing", "how", "lines", "reports_to"),
    [
        ("Ủy ban nhân dân phường Hòa Bình", "", sig.DEPUTY, DEPUTY_LINES,
         ["Sở Giáo dục và Đào tạo (để báo cáo);"]),
        ("UBND xã Tiên Du", "", sig.HEAD, ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
         ["Sở Giáo dục và Đào tạo (để báo cáo);"]),
        ("Ủy ban nhân dân tỉnh Bắc Ninh", "", sig.DEPUTY, DEPUTY_LINES,
         ["Bộ Giáo dục và Đào tạo (để báo cáo);"]),
        ("Phòng Giáo dục và Đào tạo", "UBND quận Hải An", sig.DEPUTY,
         ["KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG"],
         ["Sở Giáo dục và Đào tạo (để báo cáo);", "UBND quận Hải An (để báo cáo);"]),
        ("Sở Giáo dục và Đào tạo", "Ủy ban nhân dân tỉnh Bắc Ninh", sig.HEAD, ["GIÁM ĐỐC"],
         ["Bộ Giáo dục và Đào tạo (để báo cáo);", "Ủy ban nhân dân tỉnh Bắc Ninh (để báo cáo);"]),
        ("Trường Tiểu học Hòa Bình", "UBND phường Hòa Bình", sig.DEPUTY,
         ["KT. HIỆU TRƯỞNG", "PHÓ HIỆU TRƯỞNG"], ["UBND phường Hòa Bình (để báo cáo);"]),
    ],
)  # fmt: skip
def test_each_office_signs_and_reports_as_decree_30_sets_out(
    office, governing, how, lines, reports_to
):
    kind = sig.office_kind(office, governing)
    title = sig.default_title(kind, how)
    authority = sig.authority_lines(kind, how, title, kind.collective)
    assert [*authority, title] == lines
    assert list(sig.default_recipients(kind, "VHXH")) == [*reports_to, "Lưu: VT, VHXH."]


def test_recipients_typed_loosely_print_as_decree_30_sets_out():
    typed = ["- Sở GD&ĐT (để báo cáo)", "", "UBND tỉnh (để báo cáo);", "Lưu: VT, VHXH;"]
    assert sig.recipient_lines(typed, "UBND") == (
        "Sở GD&ĐT (để báo cáo);", "UBND tỉnh (để báo cáo);", "Lưu: VT, VHXH.",
    )  # fmt: skip
    assert sig.recipient_lines(["Sở GD&ĐT"], "UBND") == ("Sở GD&ĐT;", "Lưu: VT, UBND.")


def test_the_reminder_s_filing_line_is_read_as_the_recipients_are():
    """The letter's "Lưu" line is the one recipient_lines finds, ending in '.', whatever an
    edited htsd.toml left at its end (';', nothing, a dash in front)."""
    assert sig.filing_line(["Sở GD&ĐT;", "Lưu: VT, VHXH."]) == "Lưu: VT, VHXH."
    assert sig.filing_line(["Sở GD&ĐT;", "- Lưu: VT, VHXH;"]) == "Lưu: VT, VHXH."
    assert sig.filing_line(["Sở GD&ĐT", "Lưu: VT, VHXH"]) == "Lưu: VT, VHXH."
    assert sig.filing_line(["Sở GD&ĐT;"]) == "Lưu: VT."
    assert sig.filing_line([]) == "Lưu: VT."


def test_a_new_deadline_counts_working_days_from_the_letter_never_the_clock():
    thursday = dt.date(2025, 10, 16)
    assert working_days_after(thursday, 5) == dt.date(2025, 10, 23)  # Fri, Mon–Thu
    assert working_days_after(dt.date(2025, 10, 11), 1) == dt.date(2025, 10, 13)  # Sat → Mon
    due = dt.date(2025, 10, 10)
    assert LetterDates.settle(thursday, due) == LetterDates(thursday, dt.date(2025, 10, 23), True)
    early = dt.date(2025, 10, 8)
    assert LetterDates.settle(early, due) == LetterDates(early, due, False)  # not passed yet
    given = dt.date(2025, 10, 20)
    assert LetterDates.settle(thursday, due, given).deadline == given
    undated = LetterDates.settle(None, due)
    assert undated.deadline is None
    assert undated.deadline_text() == "trong 05 ngày làm việc kể từ ngày ký công văn này"


def test_an_unknown_way_of_signing_is_refused_with_the_words_that_work(tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "w"), *WARD, "--cach-ky", "chu-tich"])
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert "--cach-ky chu-tich: ghi truong (người đứng đầu ký) hoặc pho (cấp phó ký thay)" in said
    assert not (tmp_path / "w").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal is a POSIX thing")
def test_init_at_a_terminal_asks_who_signs_and_who_receives(tmp_path):
    import pty

    folder = tmp_path / "dot-2025"
    main, child = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", "from htsd_cli.cli import main; main()", "init", str(folder)],
        stdin=child, stdout=child, stderr=child, close_fds=True,
        env={**os.environ, "COLUMNS": "200", "TERM": "dumb"},
    )  # fmt: skip
    os.close(child)
    seen = b""

    def answer(prompt: str, reply: str) -> None:
        nonlocal seen
        end = time.monotonic() + 60
        while prompt.encode() not in seen:
            assert time.monotonic() < end, seen.decode(errors="replace")
            seen += os.read(main, 4096)
        seen = seen[seen.index(prompt.encode()) + len(prompt.encode()) :]
        os.write(main, reply.encode() + b"\r")

    try:
        for prompt, reply in (
            ("Năm của đợt báo cáo", "2025"),
            ("Tuần lễ từ ngày", "29/09/2025"),
            ("Tuần lễ đến ngày", "05/10/2025"),
            ("Hạn đơn vị nộp báo cáo", "10/10/2025"),
            ("Ngày của báo cáo tổng hợp", "15/10/2025"),
            ("Chủ đề Tuần lễ", ""),
            ("Tên cơ quan thu báo cáo", "Ủy ban nhân dân phường Hòa Bình"),
            ("Cơ quan chủ quản", ""),
            ("Tên viết tắt", "UBND"),
            ("Địa danh", "Hòa Bình"),
            ("gửi báo cáo về đâu", "vanthu@hoabinh.gov.vn"),
            ("Ai ký", "3"),  # neither: asked again
            ("Gõ 1 (người đứng đầu ký) hoặc 2", "1"),
            ("Ký thay mặt tập thể", ""),  # the committee's own: TM. ỦY BAN NHÂN DÂN
            ("Chức vụ người ký", ""),
            ("Họ tên người ký", "Lê Văn Bình"),
            ("Nơi nhận báo cáo", "Sở Giáo dục và Đào tạo (để báo cáo); UBND tỉnh (để báo cáo)"),
        ):
            answer(prompt, reply)
        assert process.wait(timeout=120) == 0
    finally:
        process.kill()
        os.close(main)
    config = load_config(folder / "htsd.toml")
    assert config.signer.lines == ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    assert config.signer.name == "Lê Văn Bình"
    assert config.recipients == (
        "Sở Giáo dục và Đào tạo (để báo cáo);", "UBND tỉnh (để báo cáo);", "Lưu: VT, UBND.",
    )  # fmt: skip


@pytest.fixture(scope="module")
def ward(tmp_path_factory, lo_edit):
    """A ward's 2025 campaign: init through flags (a deputy signs for the committee), four
    units, three returns made in LibreOffice (one with a negative figure, one answering it has no
    plan yet writing a plan number, one writing 0 in rows not for it), one unit silent."""
    work = tmp_path_factory.mktemp("signed") / "dot-2025"
    result = runner.invoke(app, ["init", str(work), *WARD, "--cach-ky", "pho"])
    assert result.exit_code == 0, result.output
    roster_and_issue(work, UNITS)
    form = load_form(work / "bieu-mau-2025.xlsx")
    issued = {p.name.split("-")[0].upper(): p for p in (work / "bieu-mau").glob("*.xlsx")}
    kinds = {code: form.unit_type(kind).code for code, _, kind, _ in UNITS}
    values = {code: full_values(form, unit_type=kinds[code]) for code in ("MN01", "TH01")}
    values["MN01"]["s1_so_ke_hoach"] = "Số 12/KH-MN ngày 20/9"
    values["TH01"]["s3_to_roi"] = -40  # a negative count: the return cannot be used
    centre = full_values(form, unit_type=kinds["TTHTCD01"])
    centre.update(s1_ke_hoach="Không", s1_so_ke_hoach="Số 99/KH-TT ngày 1/9")
    values["MN01"]["ke_hoach_tiep_theo"] = "Duy trì thư viện số và câu lạc bộ đọc sách của trường."
    centre["ke_hoach_tiep_theo"] = "Mở thêm lớp tin học cho người cao tuổi tại nhà văn hóa khu phố."
    not_for_kindergarten = {"s5_lop_xmc": 0, "s5_nguoi_xmc": 0}
    assert not any(form.indicator(i).applies(kinds["MN01"]) for i in not_for_kindergarten)
    jobs = [
        {"open": str(issued["MN01"]),
         "ops": [["fill", values["MN01"]], ["unprotect"], ["fill", not_for_kindergarten]]},
        {"open": str(issued["TH01"]), "ops": [["fill", values["TH01"]]]},
        {"open": str(issued["TTHTCD01"]), "ops": [["fill", centre]]},
    ]  # fmt: skip
    for job in jobs:
        job["save"] = [str(work / "bao-cao-ve" / Path(str(job["open"])).name)]
    lo_edit(jobs)
    return work, form


def test_init_writes_who_signs_and_who_receives_as_commented_keys(ward):
    work, _ = ward
    config = load_config(work / "htsd.toml")
    assert list(config.signer.lines) == DEPUTY_LINES
    assert config.recipients == ("Sở Giáo dục và Đào tạo (để báo cáo);", "Lưu: VT, UBND.")
    text = (work / "htsd.toml").read_text(encoding="utf-8")
    assert "# Nơi nhận, in ở cuối báo cáo" in text and "# Người ký. Các dòng in đậm" in text


@pytest.fixture(scope="module")
def report(ward, soffice):
    work, _ = ward
    result = _in(work, "aggregate", "--pdf")
    assert result.exit_code == 0, result.output
    return work, result.output, _pdf_text(work / "tong-hop" / "bao-cao.pdf")


def test_the_report_is_signed_by_the_committee_and_sent_to_the_body_above(report):
    _, _, text = report
    lines = _lines(text)
    where = [_at(lines, line) for line in DEPUTY_LINES]
    assert where == sorted(set(where))  # in order, each on its line
    assert _at(lines, "Lê Văn Bình") > where[-1]
    receiving = _at(lines, "Nơi nhận:")
    assert _at(lines, "- Sở Giáo dục và Đào tạo (để báo cáo);") == receiving + 1
    assert _at(lines, "- Lưu: VT, UBND.") == receiving + 2


def test_an_unwritten_part_prints_to_fill_in_and_aggregate_names_it(report):
    work, output, text = report
    assert "(Viết lời văn phần này.)" not in text
    assert text.count("CẦN ĐIỀN") == 3
    said = " ".join(output.split())
    assert (
        "Báo cáo chưa ký được: 3 phần chưa viết, in 'CẦN ĐIỀN': 'I. Công tác chỉ đạo'; '2. "
        "Những thuận lợi và khó khăn.'; 'III. Kế hoạch tiếp theo'. Hãy viết vào loi-van.md "
        "rồi chạy lại htsd aggregate." in said
    )
    document = docx.Document(str(work / "tong-hop" / "bao-cao.docx"))
    marks = [r for p in document.paragraphs for r in p.runs if r.text == "CẦN ĐIỀN"]
    assert len(marks) == 3
    assert all(
        r.bold and r.font.highlight_color == docx.enum.text.WD_COLOR_INDEX.YELLOW for r in marks
    )
    markdown = (work / "tong-hop" / "bao-cao.md").read_text(encoding="utf-8")
    assert markdown.count("**<mark>CẦN ĐIỀN</mark>**") == 3


def test_headings_are_bold_and_not_stretched(report):
    work, _, _ = report
    document = docx.Document(str(work / "tong-hop" / "bao-cao.docx"))
    headings = [
        p for p in document.paragraphs
        if p.text.startswith(("I. Công tác", "II. Kết quả", "1. Các kết quả", "III. Kế hoạch"))
        and p.style.name == "Normal"  # not the annex's lists
    ]  # fmt: skip
    assert len(headings) == 4
    for p in headings:
        assert all(r.bold for r in p.runs), p.text
        assert p.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.LEFT, p.text


def test_annexes_say_in_plain_words_only_what_applies(report):
    _, _, text = report
    annexes = " ".join(text.split("Phụ lục I", 1)[1].split())
    assert not CELL_REF.search(annexes) and not FILE_NAME.search(annexes)
    assert "Số lượng tờ rơi đã phát hành: số âm (-40)" in annexes  # the row's words
    assert "xóa mù chữ" not in annexes  # a 0 in a row not for the unit says nothing
    assert "MN01: Số 12/KH-MN ngày 20/9" in annexes
    assert "99/KH-TT" not in annexes  # the centre answered it has no plan
    assert "ngày nhận theo sổ nhận của cơ quan" in annexes and "so-nhan" not in annexes
    plans = _lines(text.split("Phụ lục II", 1)[1].split("III. Kế hoạch tiếp theo", 1)[1])
    items = [line for line in plans if line.startswith("- ")]  # part III a list, as I and II
    assert items[0].startswith("- Duy trì thư viện số") and "(MN01 –" in " ".join(plans)
    assert items[1].startswith("- Mở thêm lớp tin học")


@pytest.fixture(scope="module")
def letter(ward, soffice):
    work, _ = ward
    result = _in(work, "status", "--as-of", "16/10/2025", "--remind", "nhac-nho")
    assert result.exit_code == 0, result.output
    path = work / "nhac-nho" / "cong-van-don-doc.docx"
    [pdf] = soffice([path], "pdf", work / "pdf")
    return work, path, _pdf_text(pdf), pdf


def _word_heights(pdf: Path) -> dict[str, float]:
    """Each word's printed height (pt) from pdftotext's bounding boxes: the same font at the
    same size prints as tall."""
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    found = re.findall(
        r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', boxes
    )
    return {word: round(float(bottom) - float(top), 1) for top, bottom, word in found}


def test_the_reminder_gives_a_new_deadline_in_plain_words(letter):
    _, _, text, _ = letter
    said = " ".join(text.split())
    assert "Hòa Bình, ngày 16 tháng 10 năm 2025" in said
    assert "đã hết vào ngày 10/10/2025. Đến ngày 16/10/2025" in said
    assert "chậm nhất ngày 23/10/2025 (hạn mới)" in said  # five working days after the 16th
    assert "trước khi nhận được công văn này xin bỏ qua" in said and "sau ngày" not in said
    assert "TH01 – Trường Tiểu học Hòa Bình: báo cáo chưa dùng được, số lượng tờ rơi" in said
    assert "THCS01 – Trường THCS Hòa Bình: chưa nộp báo cáo" in said
    assert not CELL_REF.search(said) and not FILE_NAME.search(said)
    lines = _lines(text)
    where = [_at(lines, line) for line in DEPUTY_LINES]
    assert where == sorted(where)
    assert _at(lines, "- Như trên;") < _at(lines, "- Lưu: VT, UBND.")


def test_the_reminder_sets_its_list_as_its_body_and_never_justifies_an_address(letter):
    _, path, _, pdf = letter
    heights = _word_heights(pdf)
    assert heights["THCS01"] == heights["TH01"] == heights["Hạn"] == heights["Đề"]  # 14 pt all
    document = docx.Document(str(path))
    body = [p for p in document.paragraphs if p.text.startswith(("Hạn nộp", "- ", "Đề nghị"))]
    assert len(body) == 4  # the sentence, two units, the closing
    for p in body:
        assert {r.font.size.pt for r in p.runs} == {14.0}, p.text
        assert p.paragraph_format.first_line_indent == body[0].paragraph_format.first_line_indent
    [address] = [p for p in body if "@" in p.text]
    assert address.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.LEFT


def test_the_letter_is_dated_by_the_report_date_or_given_a_deadline_never_the_clock(ward):
    work, _ = ward
    result = _in(work, "status", "--remind", "nhac-2")
    assert result.exit_code == 0, result.output
    words = "\n".join(
        p.text for p in docx.Document(str(work / "nhac-2" / "cong-van-don-doc.docx")).paragraphs
    )
    assert "Đến ngày 15/10/2025" in words and "chậm nhất ngày 22/10/2025" in words
    result = _in(work, "status", "--as-of", "16/10/2025", "--han-moi", "20/10/2025", "--remind",
                 "nhac-3")  # fmt: skip
    assert result.exit_code == 0, result.output
    words = "\n".join(
        p.text for p in docx.Document(str(work / "nhac-3" / "cong-van-don-doc.docx")).paragraphs
    )
    assert "chậm nhất ngày 20/10/2025 (hạn mới)" in words
    messages = (work / "nhac-3" / "tin-nhan.txt").read_text(encoding="utf-8-sig")
    assert "hạn nộp 20/10/2025 (hạn mới)" in messages


def test_a_written_narrative_leaves_nothing_to_fill_in(ward):
    work, form = ward
    parts = [f"# {t.heading}\n\nĐã viết phần {n}.\n" for n, t in enumerate(form.texts)]
    (work / "loi-van-xong.md").write_text("\n".join(parts), encoding="utf-8")
    result = _in(work, "aggregate", "-n", "loi-van-xong.md", "-o", "tong-hop-2")
    assert result.exit_code == 0, result.output
    assert "chưa ký được" not in result.output
    markdown = (work / "tong-hop-2" / "bao-cao.md").read_text(encoding="utf-8")
    assert "CẦN ĐIỀN" not in markdown and "Đã viết phần 0." in markdown
