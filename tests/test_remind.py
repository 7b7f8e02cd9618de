"""Chasing units: the list, the messages and the reminder letter that `htsd status --remind`
writes, and a status that stays readable at a province's size."""

from __future__ import annotations

import subprocess

import openpyxl
from typer.testing import CliRunner

from htsd_cli.cli import app

from .conftest import SAMPLE_CONFIG, SAMPLE_ROSTER, SAMPLES

runner = CliRunner()
CHASED = {"UBP04": "invalid", "TTHTCD02": "late", "TTHTCD07": "missing", "MN08": "missing"}


def _status(*extra: str):
    return runner.invoke(
        app,
        ["status", str(SAMPLES / "returns"), "-r", str(SAMPLE_ROSTER), "-c", str(SAMPLE_CONFIG),
         "--as-of", "12/10/2022", *extra],
        terminal_width=140,
    )  # fmt: skip


def test_reminders_name_each_unit_with_its_reason_and_the_deadline(tmp_path, soffice):
    folder = tmp_path / "nhac"
    result = _status("--remind", str(folder))
    assert result.exit_code == 0, result.output
    rows = list(openpyxl.load_workbook(folder / "nhac-nho.xlsx").active.iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} == set(CHASED)
    reasons = {r[0]: r[7] for r in rows[1:]}
    assert "số âm (-50)" in reasons["UBP04"] and reasons["MN08"] == "Chưa nộp báo cáo."
    assert "12/10/2022" in reasons["TTHTCD02"]
    blocks = (folder / "tin-nhan.txt").read_text(encoding="utf-8-sig").split("\n\n")
    assert len(blocks) == len(CHASED)
    for block in blocks:
        code = block.split("(")[1].split(")")[0]
        # as of 12/10 the deadline (10/10) has passed: a new one, five working days on
        assert code in CHASED and "hạn nộp 19/10/2022 (hạn mới)" in block
        assert reasons[code].split(":")[0] in block
    [pdf] = soffice([folder / "cong-van-don-doc.docx"], "pdf", tmp_path / "pdf")
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split()
    )
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO" in text and "V/v đôn đốc nộp báo cáo" in text
    for code in ("UBP04", "TTHTCD07", "MN08"):  # those that must still send
        assert code in text
    assert "Nguyễn Thị Minh Hằng" in text


def test_status_filters_and_writes_the_whole_table(tmp_path):
    result = _status("--only", "chua-nop")
    assert result.exit_code == 0
    assert "TTHTCD07" in result.output and "MN08" in result.output
    assert "MN01" not in result.output and "2/39 đơn vị" in result.output
    out = tmp_path / "bang" / "tinh-hinh.xlsx"
    result = _status("--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert len(rows) == 1 + 39 and rows[0][0] == "Mã"
    bad = _status("--only", "chua-nop,ky-la")
    assert bad.exit_code == 2 and "ky-la" in bad.output


def test_contacts_from_the_roster_reach_the_list(tmp_path, form):
    roster = tmp_path / "ds.csv"
    lines = SAMPLE_ROSTER.read_text(encoding="utf-8-sig").splitlines()
    lines[0] += ",email,dien_thoai"
    lines = [lines[0]] + [
        line + (",mn08@x.vn,0912345678" if line.startswith("MN08,") else ",,") for line in lines[1:]
    ]
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    folder = tmp_path / "nhac"
    result = runner.invoke(
        app,
        ["status", str(SAMPLES / "returns"), "-r", str(roster), "-c", str(SAMPLE_CONFIG),
         "--as-of", "08/10/2022", "--remind", str(folder)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(openpyxl.load_workbook(folder / "nhac-nho.xlsx").active.iter_rows(values_only=True))
    mn08 = next(r for r in rows if r[0] == "MN08")
    assert mn08[4] == "mn08@x.vn" and mn08[5] == "0912345678"
