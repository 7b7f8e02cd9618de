"""A clerk's day without dead ends: each mistake a clerk makes (a date that no calendar has, a
bad line in the receipts book, a path with spaces typed without quotes, a folder typed in
decomposed Unicode, the Vietnamese name of a command) gets a message that says what to do, and
status as of a day counts only what had arrived by then. (`init` run again: test_init.py.)"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

from typer.testing import CliRunner

from htsd_cli.cli import app

from .conftest import SAMPLE_CONFIG, SAMPLE_ROSTER, SAMPLES

runner = CliRunner()
RETURNS = SAMPLES / "returns"


def _said(result) -> str:
    return " ".join(result.output.replace("│", " ").split())  # a usage error comes in a box


def _status(*args: str):
    return runner.invoke(
        app, ["status", "-r", str(SAMPLE_ROSTER), "-c", str(SAMPLE_CONFIG), *args],
        terminal_width=120,
    )  # fmt: skip


def test_status_as_of_a_day_counts_only_what_had_arrived_by_then():
    book = {
        line.split('",')[0].strip('"'): line.rsplit(",", 1)[1]
        for line in (SAMPLES / "so-nhan.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    }
    day = dt.date(2022, 10, 8)
    later = sorted(
        n for n, w in book.items() if dt.datetime.strptime(w[:10], "%d/%m/%Y").date() > day
    )
    result = _status(str(RETURNS), "--as-of", "08/10/2022", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert sorted(Path(p).name for p in data["received_after_as_of"]) == later
    units = {u["code"]: u for u in data["units"]}
    assert not any(u["late"] for u in units.values())  # nothing late two days before the deadline
    assert units["TTHTCD02"]["state"] == "missing"  # received on 12/10: not yet as of 08/10
    # THCS05 sent twice: as of 08/10 only its first file had arrived
    assert Path(units["THCS05"]["file"]).name == "THCS05 bao cao HTSD (lan 1).xlsx"
    assert data["summary"]["received"] == 39 - 2 - len(later) + 1  # THCS05's second file
    table = _said(_status(str(RETURNS), "--as-of", "08/10/2022"))
    assert "muộn 0 · còn 2 ngày đến hạn" in table
    assert f"Tính đến ngày 08/10/2022: {len(later)} tệp nhận sau ngày đó chưa được tính" in table


def test_a_bad_line_in_the_receipts_book_is_told_and_the_rest_is_read(tmp_path):
    lines = (SAMPLES / "so-nhan.csv").read_text(encoding="utf-8-sig").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith('"ubp07'))
    lines[at] = lines[at].replace("05/10/2022", "31/09/2022")
    lines.insert(3, '"mn99.xlsx"')  # a short row: a file name and no date
    book = tmp_path / "so-nhan.csv"
    book.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _status(str(RETURNS), "--receipts", str(book), "--as-of", "12/10/2022")
    assert result.exit_code == 0, result.output
    said = _said(result)
    assert (
        "Sổ nhận so-nhan.csv, dòng 4: thiếu ngày nhận (dòng có 1 cột, cần cột 'tep' và "
        "'ngay_nhan'); dòng này chưa được tính." in said
    )
    assert (
        f"Sổ nhận so-nhan.csv, dòng {at + 2}: ngày '31/09/2022 14:15' không có thật: tháng 9 chỉ có "
        "30 ngày; tệp ubp07-uy-ban-nhan-dan-phuong-nam-hai.xlsx coi như chưa rõ ngày nhận" in said
    )
    data = json.loads(
        _status(str(RETURNS), "--receipts", str(book), "--as-of", "12/10/2022", "--json").stdout
    )
    units = {u["code"]: u for u in data["units"]}
    assert units["TTHTCD02"]["late"] is True  # the rest of the book still dates the files
    assert units["UBP07"]["received"] is None and units["UBP07"]["state"] == "valid"
    assert len(data["receipts_problems"]) == 2


def test_impossible_dates_are_explained(tmp_path):
    for typed, why in (
        ("31/9/2025", "tháng 9 chỉ có 30 ngày"),
        ("29/02/2025", "năm 2025 không nhuận, tháng 2 chỉ có 28 ngày"),
        ("2025-13-01", "không có tháng 13 (tháng từ 1 đến 12)"),
    ):
        result = _status(str(RETURNS), "--as-of", typed)
        assert result.exit_code == 2
        assert f"Ngày '{typed}' ở --as-of không có thật: {why}." in _said(result)
    config = tmp_path / "htsd.toml"
    config.write_text(
        SAMPLE_CONFIG.read_text(encoding="utf-8").replace(
            "deadline = 2022-10-10", "deadline = 2022-09-31"
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["status", str(RETURNS), "-c", str(config)], terminal_width=120)
    assert result.exit_code == 1
    assert (
        "deadline = 2022-09-31 không phải ngày có thật (tháng 9 chỉ có 30 ngày); ghi "
        "năm-tháng-ngày, ví dụ 2025-10-10" in _said(result)
    )


def test_a_broken_htsd_toml_in_the_working_folder_is_said_not_skipped(tmp_path, monkeypatch):
    (tmp_path / "htsd.toml").write_text("year = 2025\ndeadline = 2025-02-29\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate"], terminal_width=120)
    assert result.exit_code == 1
    assert "năm 2025 không nhuận, tháng 2 chỉ có 28 ngày" in _said(result)
    assert "htsd init tạo sẵn" not in _said(result)


def test_a_path_with_spaces_typed_without_quotes_is_said_once(tmp_path, monkeypatch):
    folder = tmp_path / "Báo cáo về"
    folder.mkdir()
    shutil.copy(next(RETURNS.glob("mn01-*.xlsx")), folder)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        app, ["validate", "-f", "htsd-2022", "Báo", "cáo", "về"], terminal_width=120
    )
    assert result.exit_code == 2
    said = _said(result)
    assert said == (
        'Lỗi: đường dẫn có dấu cách phải gõ trong ngoặc kép; không có ngoặc, "Báo cáo về" bị '
        'hiểu thành 3 tệp riêng (Báo, cáo, về). Hãy gõ lại: htsd validate "Báo cáo về"'
    )
    assert "không có tệp" not in said
    # a command taking one path: the pieces after the first are extra, and the hint is the same
    extra = runner.invoke(app, ["init", "Đợt", "2025"], terminal_width=120)
    assert extra.exit_code == 2 and "hãy gõ cả đường dẫn trong ngoặc kép" in _said(extra)


def test_a_folder_typed_in_decomposed_unicode_is_found(tmp_path, monkeypatch):
    folder = tmp_path / unicodedata.normalize("NFC", "Báo cáo về")
    folder.mkdir()
    shutil.copy(next(RETURNS.glob("mn01-*.xlsx")), folder)
    monkeypatch.chdir(tmp_path)
    typed = unicodedata.normalize("NFD", "Báo cáo về")
    assert typed != folder.name and not Path(typed).exists()
    result = runner.invoke(app, ["validate", "-f", "htsd-2022", typed], terminal_width=120)
    assert result.exit_code == 0, result.output
    assert "1/1 tệp hợp lệ" in result.output


def test_commands_answer_to_their_vietnamese_names():
    for alias, command in (("tong-hop", "aggregate"), ("kiem-tra", "validate"),
                           ("tinh-hinh", "status"), ("khoi-tao", "init"),
                           ("phat-bieu-mau", "template"), ("lay-thu", "collect")):  # fmt: skip
        result = runner.invoke(app, [alias, "-h"], terminal_width=120)
        assert result.exit_code == 0, result.output
        own = runner.invoke(app, [command, "-h"], terminal_width=120)
        assert _said(result).replace(f"htsd {alias} ", f"htsd {command} ") == _said(own)
    listed = runner.invoke(app, ["-h"], terminal_width=120).output
    assert "kiem-tra" not in listed and "khoi-tao" not in listed  # one name each in the help
    result = runner.invoke(app, ["tonghop"], terminal_width=120)
    assert result.exit_code == 2
    assert "Không có lệnh 'tonghop'. Có phải ý bạn là tong-hop?" in _said(result)


def test_annotated_copies_only_for_files_with_something_to_fix(filled, tmp_path):
    folder = tmp_path / "nhan"
    folder.mkdir()
    filled({"s2_bai_bao": -2}, unit="THCS03", name="nhan/thcs03.xlsx")  # an error
    filled({"s3_to_roi": None}, unit="TH01", name="nhan/th01.xlsx")  # a remark only
    filled(unit="MN01", name="nhan/mn01.xlsx")  # nothing at all
    out = tmp_path / "can-sua"
    result = runner.invoke(
        app,
        ["validate", str(folder), "-r", str(SAMPLE_ROSTER), "-c", str(SAMPLE_CONFIG),
         "--annotate", str(out)],
        terminal_width=120,
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "thcs03-can-sua.xlsx"
    ]
    assert (
        "Đã ghi 1 bản đánh dấu (chỉ cho tệp có lỗi hoặc số liệu cần xác nhận); 2/3 tệp không "
        "có gì cần sửa nên không có bản đánh dấu." in _said(result)
    )


def test_tables_at_120_columns_keep_whole_file_names_and_paths_from_the_working_folder(tmp_path):
    """Run as the clerk runs it, in a console 120 columns wide, inside the working folder."""
    work = tmp_path / "dot"
    shutil.copytree(SAMPLES, work, ignore=shutil.ignore_patterns("tong-hop", "out*", "nhac-nho"))
    env = {**os.environ, "COLUMNS": "120", "TERM": "dumb"}

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "htsd_cli", *args], cwd=work, env=env, capture_output=True,
            text=True, encoding="utf-8",
        )  # fmt: skip
        assert done.returncode in (0, 1), done.stderr
        assert "--json" in args or all(len(line) <= 120 for line in done.stdout.splitlines())
        return done.stdout

    names = sorted(p.name for p in (work / "returns").iterdir())
    checked = run("validate")
    status = run("status", "--as-of", "12/10/2022")
    assert "…" not in checked + status
    rows = [line for line in checked.splitlines() if "returns/" in line]
    assert rows and str(work) not in checked  # paths from the working folder, not absolute
    for line in rows:  # every path whole, on one line
        assert line.split("│")[1].strip().removeprefix("returns/") in names
    listed = [line.split("│")[-2].strip() for line in status.splitlines() if "│" in line]
    whole = [name for name in names if name in listed]
    assert len(whole) == 37, listed  # each unit's file, whole on its line
    data = json.loads(run("status", "--as-of", "12/10/2022", "--json"))
    words = {w for u in data["units"] for w in f"{u['name']} {u['group']}".split()}
    cells = [line.split("│") for line in status.splitlines()]
    unit_rows = [c for c in cells if len(c) == 8 and c[1].strip() != "Mã"]
    assert len(unit_rows) > 39  # names wrapped over several lines
    for row in unit_rows:  # words never broken: each piece of a name or group is a whole word
        assert set((row[2] + row[3]).split()) <= words, row
        assert re.fullmatch(r"(\d\d/\d\d/\d{4})?\s*(\d\d:\d\d)?", row[5].strip()), row


def _options() -> set[str]:
    """Every long option of every command (and of htsd itself)."""
    from typer.main import get_command

    found = {"--help"}  # click adds it to each command when asked

    def walk(command) -> None:
        for param in command.params:
            found.update(o for o in (*param.opts, *param.secondary_opts) if o.startswith("--"))
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(get_command(app))
    return found


OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*[a-z]")


def test_every_option_a_message_suggests_exists():
    """No message leads the clerk to an option that does not exist: every '--option' in the
    agreed messages, and in any text of the source (messages, help), is one of htsd's."""
    import ast

    root = Path(__file__).resolve().parent.parent
    golden = (root / "tests" / "golden" / "messages.txt").read_text(encoding="utf-8")
    said = {m: "tests/golden/messages.txt" for m in OPTION.findall(golden)}
    for path in sorted((root / "src" / "htsd_cli").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and " " in text:  # a sentence, not another program's argument
                said.update((m, path.name) for m in OPTION.findall(text))
    assert len(said) > 10
    assert {m: where for m, where in said.items() if m not in _options()} == {}
