"""A collection from `htsd init` onward, with no path typed twice: init, fill the roster,
template, returns arrive, status, aggregate; then the folder is copied elsewhere and still works.

And next year without a programmer: a 2025 campaign made by `htsd init`, its form corrected as a
workbook in LibreOffice, issued, returned (filled in LibreOffice), checked, followed and totalled;
2025 everywhere, and not one file of the source tree touched. Then the form is corrected once more
after issuing: a new version by itself, and the returns already in still read."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from htsd_cli.cli import app
from htsd_cli.fill import fill_workbook

from .conftest import ROOT, full_values, visible

runner = CliRunner()
OFFICE = [
    "--co-quan", "Ủy ban nhân dân xã Tiên Du", "--chu-quan", "", "--viet-tat", "UBND",
    "--dia-danh", "Tiên Du", "--noi-nhan", "ubnd@tiendu.vn", "--nguoi-ky", "Lê Văn Bình",
    "--chuc-vu", "CHỦ TỊCH",
]  # fmt: skip
FLAGS = [*OFFICE, "--form", "htsd-2022", "--nam", "2022"]
UNITS = [
    ("MN01", "Trường Mầm non Tiên Du", "Trường mầm non", "Xã Tiên Du", "mn@x.vn", "0901"),
    ("TH01", "Trường Tiểu học Tiên Du", "Trường tiểu học", "Xã Tiên Du", "", ""),
    ("TTHTCD01", "Trung tâm học tập cộng đồng xã Tiên Du", "Trung tâm học tập cộng đồng",
     "Xã Tiên Du", "", "0902"),
]  # fmt: skip


def _in(folder: Path, *args: str):
    import os

    old = Path.cwd()
    os.chdir(folder)
    try:
        return runner.invoke(app, list(args), terminal_width=120)
    finally:
        os.chdir(old)


def test_init_then_every_command_without_options(tmp_path, form):
    work = tmp_path / "htsd-2022"
    result = runner.invoke(app, ["init", str(work), *FLAGS])
    assert result.exit_code == 0, result.output
    assert "Việc tiếp theo" in result.output
    names = [p.name for p in visible(work)]
    assert names == sorted(
        ["bao-cao-ve", "bieu-mau", "danh-sach-don-vi.xlsx", "htsd.toml", "loi-van.md",
         "quyet-dinh.xlsx", "so-nhan.csv", "tong-hop"]
    )  # fmt: skip
    config = (work / "htsd.toml").read_text(encoding="utf-8")
    assert 'roster = "danh-sach-don-vi.xlsx"' in config and "[office]" in config
    assert "year = 2022\n" in config and 'form = "htsd-2022"' in config  # the year's own form
    # the clerk's decisions: named before the first table, so it is a key of its own
    assert config.index('decisions = "quyet-dinh.xlsx"') < config.index("[office]")
    book = openpyxl.load_workbook(work / "quyet-dinh.xlsx")
    sheet = book["Quyết định"]
    assert [c.value for c in sheet[1]] == [
        "Tệp", "Mã tệp", "Quyết định", "Mã đơn vị", "Trang", "Ô", "Chỉ tiêu", "Đã gõ", "Đọc là",
        "Lý do",
    ]  # fmt: skip
    [listing] = sheet.data_validations.dataValidation
    assert [str(r) for r in listing.sqref.ranges] == ["C2:C5000"]
    assert listing.formula1 == '"Tệp của đơn vị,Giữ như đã gõ,Đọc là,Để riêng"'
    assert sheet.column_dimensions["B"].number_format == "@"  # a code of digits stays as pasted
    assert "Tab" in " ".join(str(r[0].value) for r in book["Hướng dẫn"].iter_rows())
    assert not any(w in config for w in ("Folder", "roster of", "path"))  # comments in Vietnamese
    # once the clerk has edited a file, a second init keeps it: no option to look for
    (work / "htsd.toml").write_text(config + "# sửa tay\n", encoding="utf-8")
    again = runner.invoke(app, ["init", str(work), *FLAGS])
    assert again.exit_code == 0 and "--overwrite" not in again.output, again.output
    assert (work / "htsd.toml").read_text(encoding="utf-8") == config + "# sửa tay\n"
    # the clerk fills the roster in Excel: the unit types come from its list
    wb = openpyxl.load_workbook(work / "danh-sach-don-vi.xlsx")
    assert [str(r) for r in wb["Danh sách"].data_validations.dataValidation[0].sqref.ranges] == [
        "C2:C5000"
    ]
    for row in UNITS:
        wb["Danh sách"].append(list(row))
    wb.save(work / "danh-sach-don-vi.xlsx")

    result = _in(work, "template")  # a campaign of 2022: its deadline has passed
    assert result.exit_code == 1 and "hạn nộp 10/10/2022 đã qua" in result.output
    result = _in(work, "template", "--van-phat")
    assert result.exit_code == 0, result.output
    assert "Lưu ý: hạn nộp 10/10/2022 đã qua; vẫn phát vì có --van-phat." in result.output
    issued = sorted((work / "bieu-mau").glob("*.xlsx"))
    assert len(issued) == 3
    for path in issued[:2]:  # two units send their returns; the centre does not
        unit = path.name.split("-")[0].upper()
        kind = next(form.unit_type(r[2]).code for r in UNITS if r[0] == unit)
        fill_workbook(path, full_values(form, unit_type=kind), work / "bao-cao-ve" / path.name)
    result = _in(work, "status", "--json")
    assert result.exit_code == 0, result.output
    assert '"missing": 1' in result.stdout and "chưa có sổ nhận" not in result.stdout
    result = _in(work, "aggregate")
    assert result.exit_code == 0, result.output
    assert (work / "tong-hop" / "bao-cao.docx").exists()

    moved = tmp_path / "chep" / "dot-2022"
    shutil.copytree(work, moved)
    result = _in(moved.parent, "aggregate", "-c", str(moved / "htsd.toml"), "--overwrite")
    assert result.exit_code == 0, result.output
    assert (moved / "tong-hop" / "tong-hop.xlsx").exists()


def test_init_run_again_completes_an_older_htsd_toml_and_refuses_a_wrong_kind(tmp_path):
    """An htsd.toml from before the signature block (no [signer]) is completed, not refused; a
    value of the wrong kind is said with its line, and nothing is written."""
    work = tmp_path / "dot-2025"
    dates = ["--tu-ngay", "29/09/2025", "--den-ngay", "05/10/2025", "--han-nop", "10/10/2025"]
    assert runner.invoke(app, ["init", str(work), "--nam", "2025", *dates, *OFFICE]).exit_code == 0
    config = work / "htsd.toml"
    text = config.read_text(encoding="utf-8")
    start = text.index("\n[signer]")
    end = text.find("\n[", start + 1)
    older = text[:start] + (text[end:] if end != -1 else "\n")
    assert "[signer]" not in older
    config.write_text(older, encoding="utf-8")
    again = runner.invoke(app, ["init", str(work), "--nguoi-ky", "Trần Thị Hoa"])
    assert again.exit_code == 0, again.output
    assert 'name = "Trần Thị Hoa"' in config.read_text(encoding="utf-8")
    wrong = config.read_text(encoding="utf-8").replace('name = "Trần Thị Hoa"', "name = 5")
    config.write_text(wrong, encoding="utf-8")
    refused = runner.invoke(app, ["init", str(work), "--nguoi-ky", "Lê Văn Bình"])
    said = " ".join(refused.output.split())
    assert refused.exit_code == 1 and "[signer] 'name' phải là" in said and "dòng " in said
    assert config.read_text(encoding="utf-8") == wrong


def test_init_run_again_keeps_the_answers_and_the_comments(tmp_path):
    work = tmp_path / "dot-2025"
    dates = ["--tu-ngay", "29/09/2025", "--den-ngay", "05/10/2025", "--han-nop", "10/10/2025"]
    first = runner.invoke(app, ["init", str(work), "--nam", "2025", *dates, *OFFICE])
    assert first.exit_code == 0, first.output
    config = work / "htsd.toml"
    text = config.read_text(encoding="utf-8")
    edited = text.replace('name = "Lê Văn Bình"', 'name = "Lê Văn Bình"  # ký thay từ tháng 9')
    edited = edited.replace('returns = "bao-cao-ve"', 'returns = "D:/bao cao"') + "# của tôi\n"
    config.write_text(edited, encoding="utf-8")
    roster = work / "danh-sach-don-vi.xlsx"
    wb = openpyxl.load_workbook(roster)
    wb["Danh sách"].append(list(UNITS[0]))
    wb.save(roster)
    filled = roster.read_bytes()

    # nothing typed: every question is asked with the answer already there, nothing changes
    again = runner.invoke(app, ["init", str(work)])
    assert again.exit_code == 0, again.output
    said = " ".join(again.output.split())
    assert config.read_text(encoding="utf-8") == edited and roster.read_bytes() == filled
    assert "Giữ nguyên (đã có, htsd không ghi đè): htsd.toml, danh-sach-don-vi.xlsx" in said
    assert "Biểu mẫu: giữ nguyên bieu-mau-2025.xlsx như đang có." in said
    assert "--overwrite" not in said

    # a new deadline and a new signer: those two lines change, the rest stays as the clerk left it
    third = runner.invoke(
        app, ["init", str(work), "--han-nop", "12/10/2025", "--nguoi-ky", "Trần Thị Hoa"]
    )
    assert third.exit_code == 0, third.output
    assert "htsd.toml: đã đổi deadline, [signer] name theo câu trả lời mới" in " ".join(
        third.output.split()
    )
    expected = edited.replace("deadline = 2025-10-10", "deadline = 2025-10-12").replace(
        'name = "Lê Văn Bình"', 'name = "Trần Thị Hoa"'
    )
    assert config.read_text(encoding="utf-8") == expected  # the comment on that line kept too
    assert roster.read_bytes() == filled

    # another week: the form workbook is the clerk's, so init says where to change it
    week = runner.invoke(app, ["init", str(work), "--tu-ngay", "30/09/2025"])
    assert week.exit_code == 0, week.output
    assert "hãy mở bieu-mau-2025.xlsx bằng Excel, sửa ở trang đó rồi lưu" in " ".join(
        week.output.split()
    )
    other_year = runner.invoke(app, ["init", str(work), "--nam", "2026"])
    assert other_year.exit_code == 1
    assert "htsd init dot-2026 --nam 2026" in " ".join(other_year.output.split())
    config.write_text(expected + "x = [\n", encoding="utf-8")
    broken = runner.invoke(app, ["init", str(work)])
    assert broken.exit_code == 1 and "sửa dòng bị lỗi rồi chạy lại htsd init" in " ".join(
        broken.output.split()
    )
    assert config.read_text(encoding="utf-8") == expected + "x = [\n"


def test_answers_with_quotes_and_line_breaks_stay_one_value(tmp_path):
    """An office name pasted with a line break, a quote and a backslash: htsd.toml still reads,
    each answer as typed, and no line of it becomes a key of its own."""
    import tomllib

    office = 'Phòng "GD"\nyear = 1999'
    work = tmp_path / "dot"
    flags = [a if a != "Ủy ban nhân dân xã Tiên Du" else office for a in FLAGS]
    flags = [a if a != "UBND" else "P\\GD\t" for a in flags]
    result = runner.invoke(app, ["init", str(work), *flags])
    assert result.exit_code == 0, result.output
    data = tomllib.loads((work / "htsd.toml").read_text(encoding="utf-8"))
    assert data["year"] == 2022
    assert data["office"]["name"] == office and data["office"]["short_name"] == "P\\GD\t"


def test_a_command_without_its_setting_says_where_to_put_it(tmp_path):
    result = _in(tmp_path, "aggregate")
    assert result.exit_code == 2
    assert "thiếu báo cáo" in result.output and "htsd init" in result.output


THEME = "Học tập suốt đời trong kỷ nguyên số"


def _source_tree() -> dict[str, tuple[int, int]]:
    """Every file htsd ships or is tested with, by its time and size."""
    out = {}
    for top in ("src", "templates", "samples", "tests/forms", "tests/compat"):
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                stat = path.stat()
                out[str(path.relative_to(ROOT))] = (stat.st_mtime_ns, stat.st_size)
    return out


def roster_and_issue(work: Path, units: list[tuple[str, ...]]):
    """The clerk fills the roster of an init'ed folder in Excel, then issues the forms."""
    wb = openpyxl.load_workbook(work / "danh-sach-don-vi.xlsx")
    for unit in units:
        wb["Danh sách"].append(list(unit))
    wb.save(work / "danh-sach-don-vi.xlsx")
    result = _in(work, "template", "--van-phat")
    assert result.exit_code == 0, result.output
    return result


def _row_of(ws, label: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == label)


def _texts(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    return "\n".join(
        str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value
    )


def test_a_2025_campaign_from_init_to_the_report(tmp_path, lo_edit):
    before = _source_tree()
    work = tmp_path / "dot-2025"
    result = runner.invoke(
        app,
        ["init", str(work), "--nam", "2025", "--tu-ngay", "29/09/2025", "--den-ngay",
         "05/10/2025", "--han-nop", "10/10/2025", "--ngay-bao-cao", "15/10/2025", *OFFICE],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "Biểu mẫu năm 2025: đã chép biểu mẫu htsd-2022 của năm 2022" in said
    assert "bieu-mau-2025.xlsx" in said and "htsd form import KE-HOACH.docx" in said
    config = (work / "htsd.toml").read_text(encoding="utf-8")
    assert "year = 2025\n" in config and 'form = "bieu-mau-2025.xlsx"' in config
    assert "deadline = 2025-10-10\n" in config and "date = 2025-10-15\n" in config

    # the clerk corrects the form in LibreOffice: the theme, a reworded row, a new row, a limit
    book = work / "bieu-mau-2025.xlsx"
    rows = openpyxl.load_workbook(book)["Các dòng"]
    reworded = _row_of(rows, "Số bài viết trên các báo:")
    after = _row_of(rows, "số bài viết liên quan đến chuyển đổi số và học tập suốt đời") + 1
    leaflets = _row_of(rows, "Số lượng tờ rơi đã phát hành:") + 1  # one row lower once inserted
    edited = tmp_path / "sua.xlsx"
    lo_edit([{
        "open": str(book),
        "ops": [
            ["on_sheet", "Đợt báo cáo"], ["set", "B7", THEME],
            ["on_sheet", "Các dòng"], ["set", f"B{reworded}", "Số bài viết trên báo in, báo điện tử:"],
            ["insert_rows", after, 1],
            ["rows", f"B{after}", [["Số video, bài đăng trên mạng xã hội:", "số đếm", "video"]]],
            ["set", f"J{leaflets}", 100000],
        ],
        "save": [str(edited)],
    }])  # fmt: skip
    shutil.copyfile(edited, book)  # "Save" over the workbook, as the clerk does
    shown = _in(work, "form", "show", "--json")
    assert shown.exit_code == 0, shown.output
    form_data = json.loads(shown.stdout)
    assert (form_data["id"], form_data["version"], form_data["theme"]) == ("htsd-2025", 1, THEME)
    labels = [i["label"] for i in form_data["sections"][1]["indicators"]]
    assert labels[0] == "Số bài viết trên báo in, báo điện tử:"
    assert labels[-1] == "Số video, bài đăng trên mạng xã hội:"
    assert form_data["made_ids"] == [
        {"where": f"trang 'Các dòng', dòng {after}, cột L (Mã)", "id": "video_bai_dang_mang_xa"}
    ]

    result = roster_and_issue(work, UNITS)
    late = dt.date.today() > dt.date(2025, 10, 10)
    assert ("hạn nộp 10/10/2025 đã qua; vẫn phát vì có --van-phat" in result.output) == late
    issued = sorted((work / "bieu-mau").glob("*.xlsx"))
    assert len(issued) == 3
    for path in issued:
        text = _texts(path)
        assert "NĂM 2025" in text and "Hạn gửi: 10/10/2025" in text and THEME in text
        assert "2022" not in text

    # two units fill their forms in LibreOffice and send them back; the centre does not
    from htsd_cli.campaign.form import load_form

    form = load_form(book)
    types = {unit[0]: unit[2] for unit in UNITS}
    jobs = []
    for path in issued[:2]:
        code = path.name.split("-")[0].upper()
        values = full_values(form, unit_type=form.unit_type(types[code]).code)
        jobs.append({"open": str(path), "ops": [["fill", values]],
                     "save": [str(work / "bao-cao-ve" / path.name)]})  # fmt: skip
    lo_edit(jobs)
    result = _in(work, "validate")
    assert result.exit_code == 0, result.output
    assert "2/2 tệp hợp lệ" in result.output
    result = _in(work, "status", "--json", "--as-of", "08/10/2025")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    assert (summary["received"], summary["valid"], summary["missing"]) == (2, 2, 1)
    result = _in(work, "aggregate")
    assert result.exit_code == 0, result.output
    report = (work / "tong-hop" / "bao-cao.md").read_text(encoding="utf-8")
    assert "suốt đời năm 2025**" in report and "ngày 15 tháng 10 năm 2025" in report
    assert "2022" not in report
    assert "Số video, bài đăng trên mạng xã hội:" in report
    import docx

    document = docx.Document(str(work / "tong-hop" / "bao-cao.docx"))
    words = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        c.text for t in document.tables for r in t.rows for c in r.cells
    )
    assert "2025" in words and "2022" not in words
    assert "2022" not in _texts(work / "tong-hop" / "tong-hop.xlsx")

    # a typo fixed after issuing: version 2 by itself, the returns of version 1 still count
    wb = openpyxl.load_workbook(book)
    wb["Các dòng"][f"B{after}"] = "Số video, bài viết đăng trên mạng xã hội:"
    wb.save(book)
    result = _in(work, "form", "show")
    assert "phiên bản 2" in result.output and "Sửa sau khi đã phát phiên bản 1" in result.output
    assert (work / "lich-su-bieu-mau" / "htsd-2025-v1.xlsx").is_file()
    result = _in(work, "validate", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["valid_files"] == 2
    result = _in(work, "aggregate", "--json")
    assert result.exit_code == 0, result.output
    totals = {t["indicator"]: t for t in json.loads(result.stdout)["totals"]}
    assert totals["video_bai_dang_mang_xa"]["total"] == 6  # read by version 1, carried over
    assert totals["video_bai_dang_mang_xa"]["label"] == "Số video, bài viết đăng trên mạng xã hội:"
    assert _source_tree() == before


def test_init_run_again_at_a_terminal_offers_the_answers_already_given(tmp_path):
    """At a terminal (a pseudo-terminal here), every question shows the folder's answer as its
    default: Enter keeps it."""
    pty = pytest.importorskip("pty")  # POSIX: the Windows console is another thing
    work = tmp_path / "dot-2025"
    dates = ["--tu-ngay", "29/09/2025", "--den-ngay", "05/10/2025", "--han-nop", "10/10/2025"]
    first = runner.invoke(app, ["init", str(work), "--nam", "2025", *dates, *OFFICE])
    assert first.exit_code == 0, first.output
    before = (work / "htsd.toml").read_text(encoding="utf-8")
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb"}
    process = subprocess.Popen(
        [sys.executable, "-m", "htsd_cli", "init", str(work)],
        stdin=slave, stdout=slave, stderr=slave, env=env,
    )  # fmt: skip
    os.close(slave)
    os.write(master, b"\n" * 20)  # Enter at every question
    said = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the other end closed: the command has ended
            break
        if not chunk:
            break
        said += chunk
    assert process.wait(timeout=120) == 0, said.decode("utf-8", "replace")
    os.close(master)
    text = said.decode("utf-8")
    for question in (
        "Năm của đợt báo cáo [2025]", "Hạn đơn vị nộp báo cáo (dd/mm/yyyy) [10/10/2025]",
        "Tên cơ quan thu báo cáo [Ủy ban nhân dân xã Tiên Du]", "Địa danh ghi ở dòng ngày tháng [Tiên Du]",
        "Chức vụ người ký [CHỦ TỊCH]", "Họ tên người ký [Lê Văn Bình]",
    ):  # fmt: skip
        assert question in text, text
    assert (work / "htsd.toml").read_text(encoding="utf-8") == before


def test_checking_htsd_toml_leaves_what_was_read_as_it_was():
    """The kind check takes an older one-line signer `authority` as a list of one line without
    changing the data it was given (init offers that data again as the answers given before)."""
    from htsd_cli.campaign.config import wrong_kinds

    text = '[signer]\nauthority = "KT. TRƯỞNG PHÒNG"\ntitle = "PHÓ TRƯỞNG PHÒNG"\nname = "A"\n'
    data = tomllib.loads(text)
    assert wrong_kinds(data, text) == []
    assert data == tomllib.loads(text)
