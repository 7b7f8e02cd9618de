"""bao-cao.docx laid out per Nghị định 30/2020/NĐ-CP: read back with python-docx, printed by LibreOffice."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from typer.testing import CliRunner

from htsd_cli.base.textnorm import format_number
from htsd_cli.cli import app

from .conftest import SAMPLE_CONFIG, SAMPLE_ROSTER, SAMPLES

runner = CliRunner()
CONFIGS = Path(__file__).resolve().parent / "configs"


def _aggregate(out: Path, config: Path) -> dict:
    result = runner.invoke(
        app,
        [
            "aggregate",
            str(SAMPLES / "returns"),
            "-r",
            str(SAMPLE_ROSTER),
            "-c",
            str(config),
            "-n",
            str(SAMPLES / "loi-van.md"),
            "-o",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("docx")
    data = _aggregate(out, SAMPLE_CONFIG)
    return out / "bao-cao.docx", data


def _runs(paragraph):
    return [r for r in paragraph.runs if r.text.strip()]


def _size(run, doc) -> float:
    return (run.font.size or doc.styles["Normal"].font.size).pt


def _find(doc, text):
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    if p.text.strip() == text:
                        return p
    for p in doc.paragraphs:
        if p.text.strip() == text:
            return p
    raise AssertionError(f"no paragraph {text!r}")


def test_page_and_margins(report):
    doc = Document(str(report[0]))
    s = doc.sections[0]
    assert abs(s.page_width - Mm(210)) < Mm(1) and abs(s.page_height - Mm(297)) < Mm(1)
    assert Mm(20) <= s.top_margin <= Mm(25) and Mm(20) <= s.bottom_margin <= Mm(25)
    assert Mm(30) <= s.left_margin <= Mm(35) and Mm(15) <= s.right_margin <= Mm(20)


def test_times_new_roman_everywhere(report):
    doc = Document(str(report[0]))
    assert doc.styles["Normal"].font.name == "Times New Roman"
    rfonts = doc.styles["Normal"].element.rPr.rFonts
    assert rfonts.get(qn("w:eastAsia")) == "Times New Roman"
    names = {r.font.name for p in doc.paragraphs for r in p.runs if r.text.strip()}
    names |= {
        r.font.name
        for t in doc.tables
        for row in t.rows
        for c in row.cells
        for p in c.paragraphs
        for r in p.runs
        if r.text.strip()
    }
    assert names <= {"Times New Roman", None}


def test_header_block(report):
    doc = Document(str(report[0]))
    header = doc.tables[0]
    borders = header._tbl.tblPr.find(qn("w:tblBorders"))
    assert borders is not None and all(e.get(qn("w:val")) == "nil" for e in borders)
    gov = _find(doc, "ỦY BAN NHÂN DÂN QUẬN HẢI AN")
    office = _find(doc, "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO")
    assert 12 <= _size(_runs(gov)[0], doc) <= 13 and not _runs(gov)[0].bold
    assert _runs(office)[0].bold and 12 <= _size(_runs(office)[0], doc) <= 13
    nation = _find(doc, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert _runs(nation)[0].bold and 12 <= _size(_runs(nation)[0], doc) <= 13
    motto = _find(doc, "Độc lập - Tự do - Hạnh phúc")
    assert _runs(motto)[0].bold and 13 <= _size(_runs(motto)[0], doc) <= 14
    date = _find(doc, "Hải An, ngày 12 tháng 10 năm 2022")
    assert _runs(date)[0].italic
    assert _find(doc, "Số:       /BC-PGDĐT")
    left, right = header.rows[0].cells
    rules = [
        p
        for cell in (left, right)
        for p in cell.paragraphs
        if p._p.pPr is not None and p._p.pPr.find(qn("w:pBdr")) is not None
    ]
    assert len(rules) == 2  # a short rule under the office and under the motto


def test_title_and_body(report):
    doc = Document(str(report[0]))
    title = _find(doc, "BÁO CÁO")
    assert _runs(title)[0].bold and title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    subject = "Tổng hợp số liệu kết quả tổ chức Tuần lễ hưởng ứng học tập suốt đời năm 2022"
    texts = [p.text for p in doc.paragraphs]
    after = texts[texts.index("BÁO CÁO") + 1 :][:4]
    lines = after[: next(i for i, t in enumerate(after) if not t)]
    assert " ".join(lines) == subject and len(lines) == 2  # even lines, no word left alone
    assert min(len(line) for line in lines) > len(subject) / 3
    for line in lines:
        summary = _find(doc, line)
        assert _runs(summary)[0].bold and summary.alignment == WD_ALIGN_PARAGRAPH.CENTER
        assert summary.paragraph_format.keep_with_next
    body = next(
        p for p in doc.paragraphs if p.text.startswith("Phòng Giáo dục và Đào tạo đã tham mưu")
    )
    assert body.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert Mm(10) <= body.paragraph_format.first_line_indent <= Mm(12.7)
    assert body.paragraph_format.space_after >= Pt(6)
    spacing = doc.styles["Normal"].paragraph_format.line_spacing
    assert 1.0 <= spacing <= 1.5
    assert 13 <= _size(_runs(body)[0], doc) <= 14


def test_results_table(report):
    doc_path, data = report
    doc = Document(str(doc_path))
    table = doc.tables[1]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [" ".join(c.text.split()) for c in table.rows[0].cells] == [
        "TT",
        "Nội dung hoạt động",
        "Kết quả, Số lượng",
        "Ghi chú",
    ]
    assert table._tbl.tblPr.find(qn("w:tblStyle")).get(qn("w:val")) in ("TableGrid", "Table Grid")
    values = {
        row.cells[1].text.strip(): row.cells[2]
        for row in table.rows[1:]
        if row.cells[2].text.strip()
    }
    cell = values["- Số lượng tờ rơi đã phát hành:"]
    assert cell.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    total = next(r["total"] for r in data["totals"] if r["indicator"] == "s3_to_roi")
    assert cell.text == f"{format_number(total)}\u00a0tờ" and "." in cell.text  # never wraps
    notes = [row.cells[3].text for row in table.rows[1:] if row.cells[3].text]
    assert notes and all("đơn vị có số liệu" in n for n in notes)
    assert len(notes) < len(table.rows) / 2  # only where fewer units reported than answer
    for row in table.rows:
        assert row._tr.trPr.find(qn("w:cantSplit")) is not None


def test_recipients_and_signature(report):
    doc = Document(str(report[0]))
    label = _find(doc, "Nơi nhận:")
    run = _runs(label)[0]
    assert run.bold and run.italic and _size(run, doc) == 12
    first = _find(doc, "- Sở GD&ĐT (để báo cáo);")
    assert _size(_runs(first)[0], doc) == 11
    for text in ("KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "Nguyễn Thị Minh Hằng"):
        assert _runs(_find(doc, text))[0].bold
    sign_table = doc.tables[2]
    left, right = sign_table.rows[0].cells
    assert (
        left.paragraphs[0].text == "Nơi nhận:"
        and right.paragraphs[-1].text == "Nguyễn Thị Minh Hằng"
    )
    assert sum(1 for p in right.paragraphs if not p.text.strip()) >= 3  # room to sign


def test_page_numbers_from_page_two(report):
    doc = Document(str(report[0]))
    s = doc.sections[0]
    assert s.different_first_page_header_footer
    header_xml = s.header._element.xml
    assert "PAGE" in header_xml and s.header.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert "PAGE" not in s.first_page_header._element.xml


def _pdf_text(docx: Path, soffice, tmp: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("poppler-utils (pdftotext) is required")
    [pdf] = soffice([docx], "pdf", tmp)
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_libreoffice_prints_it(report, soffice, tmp_path):
    doc_path, data = report
    text = _pdf_text(doc_path, soffice, tmp_path)
    flat = " ".join(text.split())
    assert "BÁO CÁO" in flat and "Tổng hợp số liệu kết quả tổ chức Tuần lễ" in flat
    assert "Hải An, ngày 12 tháng 10 năm 2022" in flat
    for row in data["totals"]:
        if row["total"] and row["total"] >= 1000:
            assert format_number(row["total"]) in flat, row["indicator"]
    pages = [
        [line.strip() for line in page.splitlines() if line.strip()] for page in text.split("\f")
    ]
    assert pages[0][0] != "1"  # no number on the first page
    assert pages[1][0] == "2" and pages[2][0] == "3"  # then centred at the top
    assert pages[1][1].startswith("TT") and "Ghi chú" in pages[1][1]  # the table header repeats


def test_another_configuration_a_2025_commune(tmp_path, soffice):
    _aggregate(tmp_path, CONFIGS / "xa-2025.toml")
    doc = Document(str(tmp_path / "bao-cao.docx"))
    # a commune committee heads its own document: no governing body, the body then its place
    assert _find(doc, "ỦY BAN NHÂN DÂN") and _find(doc, "XÃ TIÊN DU")
    header = doc.tables[0].rows[0].cells[0].text
    assert "TỈNH" not in header
    assert _find(doc, "Số: 27/BC-UBND") and _find(doc, "Tiên Du, ngày 05 tháng 10 năm 2022")
    assert _find(doc, "TM. ỦY BAN NHÂN DÂN") and _find(doc, "Lê Văn Bình")
    text = " ".join(_pdf_text(tmp_path / "bao-cao.docx", soffice, tmp_path).split())
    assert "Tiên Du, ngày 05 tháng 10 năm 2022" in text
    header = text.split("BÁO CÁO")[0]
    assert "Hải An" not in header and "QUẬN" not in header
