"""What a person sees on the printed report: `htsd aggregate --pdf` through LibreOffice, read back
with pdftotext and pdfinfo. Each check is a retouch a clerk would otherwise make before signing."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from htsd_cli.base.textnorm import format_number
from htsd_cli.cli import app

from .conftest import SAMPLE_ROSTER, SAMPLES

runner = CliRunner()
CONFIGS = Path(__file__).resolve().parent / "configs"


def _config(tmp: Path, governing: str, name: str, short: str, authority: str, title: str) -> Path:
    path = tmp / "htsd.toml"
    governing_line = f'governing_body = "{governing}"\n' if governing else ""
    path.write_text(
        f'form = "htsd-2022"\n[office]\n{governing_line}name = "{name}"\nshort_name = "{short}"\n'
        f'place = "Bắc Ninh"\n[report]\ndate = 2022-10-12\nrecipients = ["Lưu: VT."]\n'
        f'[signer]\nauthority = "{authority}"\ntitle = "{title}"\nname = "Nguyễn Văn A"\n',
        encoding="utf-8",
    )
    return path


def _printed(out: Path, config: Path) -> tuple[str, dict]:
    if shutil.which("pdftotext") is None:
        pytest.fail("poppler-utils (pdftotext) is required")
    result = runner.invoke(
        app,
        ["aggregate", str(SAMPLES / "returns"), "-r", str(SAMPLE_ROSTER), "-c", str(config),
         "-n", str(SAMPLES / "loi-van.md"), "-o", str(out), "--pdf", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert str(out / "bao-cao.pdf") in data["outputs"]
    text = subprocess.run(
        ["pdftotext", "-layout", str(out / "bao-cao.pdf"), "-"],
        capture_output=True, text=True, check=True,
    ).stdout.replace("\u00a0", " ")  # fmt: skip
    return text, data


@pytest.fixture(scope="module")
def district(tmp_path_factory, soffice):
    out = tmp_path_factory.mktemp("pdf")
    return _printed(out, SAMPLES / "htsd.toml")


def test_header_lines_are_unbroken(district):
    text, _ = district
    head = text.split("BÁO CÁO")[0]
    lines = [" ".join(line.split()) for line in head.splitlines()]
    for whole in ("ỦY BAN NHÂN DÂN QUẬN HẢI AN", "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO",
                  "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                  "Hải An, ngày 12 tháng 10 năm 2022"):  # fmt: skip
        assert any(whole in line for line in lines), whole
    subject = " ".join(text.split("BÁO CÁO", 1)[1].split("I. Công tác")[0].split())
    assert subject == "Tổng hợp số liệu kết quả tổ chức Tuần lễ hưởng ứng học tập suốt đời năm 2022"
    body = [
        line.split() for line in text.split("BÁO CÁO", 1)[1].split("I. Công tác")[0].splitlines()
    ]
    assert min(len(words) for words in body if words) > 2  # no word left alone on a line


def test_every_value_is_on_one_line(district):
    text, data = district
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for row in data["totals"]:
        if row["total"] is None:
            continue
        number = format_number(row["total"])
        assert any(re.search(rf"(^| ){re.escape(number)} \S", line) for line in lines), row


def test_no_heading_alone_at_the_foot_of_a_page(district):
    text, _ = district
    pages = text.split("\f")
    assert len(pages) > 2
    for page in pages:
        last = [line.strip() for line in page.splitlines() if line.strip()]
        if not last:
            continue
        foot = last[-2] if last[-1].isdigit() else last[-1]  # the page number stands last
        assert not re.match(r"^(\d+|[IVX]+)\. ", foot), foot
        assert not foot.startswith("Phụ lục"), foot


def test_annexes_are_headed_as_annexes(district):
    text, _ = district
    flat = " ".join(text.split())
    assert "Phụ lục I TÌNH HÌNH NỘP BÁO CÁO CỦA CÁC ĐƠN VỊ (Kèm theo Báo cáo số" in flat
    assert "Phụ lục II Ý KIẾN, GHI CHÚ CỦA CÁC ĐƠN VỊ" in flat
    annex = flat.split("Phụ lục I ", 1)[1]
    assert "returns/" not in annex and "samples" not in annex  # file names, not paths
    assert annex.count("UBP04 – ") == 1  # a unit listed once
    assert annex.count("đã ban hành kế hoạch và tổ chức tuần lễ") == 1  # the same words once


@pytest.mark.parametrize(
    ("governing", "name", "short", "left"),
    [
        ("", "Ủy ban nhân dân xã Tiên Du", "UBND", ["ỦY BAN NHÂN DÂN", "XÃ TIÊN DU"]),
        ("", "Ủy ban nhân dân tỉnh Bắc Ninh", "UBND", ["ỦY BAN NHÂN DÂN", "TỈNH BẮC NINH"]),
        ("UBND tỉnh Bắc Ninh", "Sở Giáo dục và Đào tạo", "SGDĐT",
         ["UBND TỈNH BẮC NINH", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"]),
        ("", "Ủy ban nhân dân phường Kinh Bắc", "UBND", ["ỦY BAN NHÂN DÂN", "PHƯỜNG KINH BẮC"]),
    ],
)  # fmt: skip
def test_each_kind_of_issuing_body_heads_its_report(
    tmp_path, soffice, governing, name, short, left
):
    config = _config(tmp_path, governing, name, short, "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    text, _ = _printed(tmp_path / "out", config)
    head = [
        " ".join(line.split()) for line in text.split("BÁO CÁO")[0].splitlines() if line.strip()
    ]
    # the left column's lines, in order, each whole at the start of its printed line
    starts = [line for line in head if not line.startswith(("CỘNG HÒA", "Độc lập", "Bắc Ninh,"))]
    found = [next((i for i, line in enumerate(head) if line.startswith(want)), -1) for want in left]
    assert -1 not in found and found == sorted(found), (left, head)
    assert starts and "QUẬN" not in " ".join(head) and "HẢI AN" not in " ".join(head)
    assert f"/BC-{short}" in " ".join(head)


def test_without_libreoffice_the_pdf_option_says_how_to_get_it(tmp_path, monkeypatch):
    import htsd_cli.render.pdf

    monkeypatch.setattr(htsd_cli.render.pdf, "find_soffice", lambda: None)
    result = runner.invoke(
        app,
        ["aggregate", str(SAMPLES / "returns"), "-r", str(SAMPLE_ROSTER), "-c",
         str(SAMPLES / "htsd.toml"), "-o", str(tmp_path / "out"), "--pdf"],
    )  # fmt: skip
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "Cần LibreOffice để xuất PDF" in text and "libreoffice.org" in text
    assert not (tmp_path / "out").exists()  # said before anything was read or written


def _print_sheet(book: Path, title: str, soffice, tmp: Path) -> tuple[int, str]:
    """One sheet of a workbook printed by LibreOffice: (pages, text)."""
    import openpyxl

    single = openpyxl.load_workbook(book)
    for other in single.sheetnames:
        if other != title:
            del single[other]
    folder = tmp / f"print-{abs(hash((str(book), title)))}"
    folder.mkdir()
    path = folder / "sheet.xlsx"
    single.save(path)
    [pdf] = soffice([path], "pdf", folder)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1)), text


def test_the_issued_guide_and_the_annotated_copy_print_whole(issued, filled, soffice, tmp_path):
    from htsd_cli.campaign.layout import GUIDE_SHEET

    pages, text = _print_sheet(issued["TH02"], GUIDE_SHEET, soffice, tmp_path)
    flat = " ".join(text.split())
    assert pages == 1
    assert "HƯỚNG DẪN ĐIỀN BIỂU MẪU" in flat and "SUỐT ĐỜI NĂM 2022 Thời gian tổ chức" in flat
    bad = filled({"s2_bai_bao": -2, "s5_lop_ksn": 5, "s5_nguoi_ksn": 2})
    out = tmp_path / "gui-lai"
    result = runner.invoke(
        app, ["validate", "-c", str(SAMPLES / "htsd.toml"), str(bad), "--annotate", str(out)]
    )
    assert result.exit_code == 1
    [copy] = out.glob("*.xlsx")
    pages, text = _print_sheet(copy, "Lỗi cần sửa", soffice, tmp_path)
    flat = " ".join(text.split())
    assert pages == 1
    assert "mỗi lớp có ít nhất một người học" in flat  # the whole message, wrapped, not cut
    import openpyxl

    rows = list(openpyxl.load_workbook(copy)["Lỗi cần sửa"].iter_rows(min_row=2, values_only=True))
    rule = next(r for r in rows if r[6] == "Số liệu không khớp nhau")
    assert rule[4] == "2"  # the value written, also for a rule


def test_the_summary_workbook_prints_every_sheet_readably(district, soffice, tmp_path):
    """tong-hop.xlsx through LibreOffice: each sheet on few pages, nothing cut, the charts on
    pages of their own, headings in Vietnamese."""
    import openpyxl

    _, data = district
    book = next(Path(p) for p in data["outputs"] if p.endswith("tong-hop.xlsx"))
    wb = openpyxl.load_workbook(book)
    pages: dict[str, int] = {}
    for index, title in enumerate(wb.sheetnames):
        if wb[title].sheet_state != "visible":
            continue
        single = openpyxl.load_workbook(book)
        for other in single.sheetnames:
            if other != title:
                del single[other]
        path = tmp_path / f"sheet{index}.xlsx"
        single.save(path)
        [pdf] = soffice([path], "pdf", tmp_path / f"pdf{index}")
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
        pages[title] = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        if title == "Lỗi và lưu ý":
            assert "Số âm" in text and "negative-value" in text  # the title, and the code apart
        if title == "Tình hình nộp":
            assert "Trường Mầm non Thành Tô" in " ".join(text.split())  # a name not cut
    assert pages["Báo cáo"] <= 3
    assert pages["Theo loại đơn vị"] <= 2 and pages["Theo nhóm"] <= 2
    assert pages["Tình hình nộp"] <= 3 and pages["Lỗi và lưu ý"] <= 3
    assert pages["Đơn vị x chỉ tiêu"] <= 8
    assert pages["Biểu đồ"] >= 3  # the figures, then each chart on its own page
