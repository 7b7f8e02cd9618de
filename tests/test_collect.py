"""`htsd collect`: returns taken from mail, each booked with the time it really arrived.

One corpus of messages, built here the way mail programs write them (attachment names in RFC 2231
and RFC 2047, in UTF-8 and Windows-1258, a zip, a resend, a message without a spreadsheet, hostile
ones), goes through every kind of source: a real IMAP server (dovecot) on the loopback address, a
folder of .eml files, an .mbox and a Maildir; one Outlook .msg through extract-msg.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import functools
import getpass
import hashlib
import imaplib
import io
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from htsd_cli.intake.imap import utf7_folder

from .conftest import SAMPLE_CONFIG, SAMPLE_ROSTER, SAMPLES, missing_tool
from .test_roster import to_cp1258
from .tools.msgfile import write_msg
from .tools.tnef import winmail

RETURNS = SAMPLES / "returns"
ICT = dt.timezone(dt.timedelta(hours=7))
TZ_ENV = "Asia/Ho_Chi_Minh"  # the tzdata package (.ci/run) names it; extract-msg needs a name
PASSWORD = "mat-khau-thu"
VIET_USER, VIET_PASSWORD = "hieu.truong@haian.edu.vn", "Phượng-Vĩ-Đỏ-Thắm"
FOLDER_33 = "Hộp thư 33"  # under INBOX, on a server whose separator is "."


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2022, 10, day, hour, minute, tzinfo=ICT)


def sample(name: str) -> bytes:
    return (RETURNS / name).read_bytes()


# --- the corpus -----------------------------------------------------------------------------------


@dataclass
class Letter:
    key: str
    sender: str
    subject: str
    arrived: dt.datetime
    parts: list[bytes] = field(default_factory=list)
    sent: dt.datetime | None = None  # the Date header, from the sender's clock
    raw_body: bytes | None = None  # a hand-made body (nesting) instead of parts

    def mime(self, received: bool) -> bytes:
        boundary = f"=_htsd_{self.key}"
        subject = "=?UTF-8?B?" + base64.b64encode(self.subject.encode()).decode() + "?="
        head = [
            f"From: {self.sender}",
            "To: phonggd@haian.edu.vn",
            f"Subject: {subject}",
            f"Date: {(self.sent or self.arrived).strftime('%a, %d %b %Y %H:%M:%S %z')}",
            f"Message-ID: <{self.key}@haian.edu.vn>",
            "MIME-Version: 1.0",
        ]
        if received:
            head.insert(
                0,
                "Received: from mx.haian.edu.vn by mail.haian.edu.vn; "
                + self.arrived.strftime("%a, %d %b %Y %H:%M:%S %z"),
            )
        if self.raw_body is not None:
            return ("\r\n".join(head) + "\r\n").encode() + self.raw_body
        head.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
        body = [b"--" + boundary.encode() + b"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"]
        body.append("Kính gửi Phòng GD&ĐT, đơn vị gửi báo cáo.\r\n".encode())
        for part in self.parts:
            body.append(b"--" + boundary.encode() + b"\r\n" + part)
        body.append(b"--" + boundary.encode() + b"--\r\n")
        return ("\r\n".join(head) + "\r\n\r\n").encode() + b"".join(body)


def part(disposition: bytes, data: bytes, ctype: str = "application/octet-stream") -> bytes:
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (
        f"Content-Type: {ctype}\r\nContent-Transfer-Encoding: base64\r\n".encode()
        + b"Content-Disposition: attachment; "
        + disposition
        + b"\r\n\r\n"
        + encoded
    )


def rfc2231(name: str, charset: str = "UTF-8") -> bytes:
    raw = name.encode() if charset == "UTF-8" else to_cp1258(name)
    return f"filename*={charset}''{urllib.parse.quote(raw)}".encode()


def rfc2047(name: str, charset: str = "UTF-8") -> bytes:
    if charset == "UTF-8":
        return f'filename="=?UTF-8?B?{base64.b64encode(name.encode()).decode()}?="'.encode()
    quoted = urllib.parse.quote(to_cp1258(name), safe="").replace("%", "=")
    return f'filename="=?windows-1258?Q?{quoted}?="'.encode()


def a_zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, (2022, 10, 9, 8, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def nested(depth: int, inner: bytes) -> bytes:
    body = inner
    for level in range(depth):
        b = f"lvl{level}".encode()
        body = (
            b'Content-Type: multipart/mixed; boundary="' + b + b'"\r\n\r\n--' + b + b"\r\n" + body
        )
        body += b"\r\n--" + b + b"--\r\n"
    return body


SHEET_A = sample("thcs01-truong-thcs-cat-bi.xlsx")
BOMB = b"\0" * (60 * 1024 * 1024)


@functools.cache
def corpus() -> tuple[Letter, ...]:
    """Every message, in the order they reach the mailbox. EXPECTED below is what is kept."""
    return (
        Letter(
            "a",
            "Trường THCS Cát Bi <thcs.catbi@haian.edu.vn>",
            "Báo cáo HTSĐ",
            at(5, 9),
            [part(rfc2231("Báo cáo HTSĐ THCS Cát Bi.xlsx"), SHEET_A)],
        ),
        Letter(
            "b",
            "mn.danghai@haian.edu.vn",
            "BC tuần lễ HTSĐ",
            at(6, 10, 15),
            [part(rfc2047("Mầm non Đằng Hải.xls"), sample("mn03-truong-mam-non-dang-hai.xls"))],
        ),
        Letter(
            "c",
            "THCS Đằng Hải <thcs.danghai@haian.edu.vn>",
            "Báo cáo",
            at(7, 14),
            [
                part(
                    rfc2231("Báo cáo Đằng Hải.ods", "windows-1258"),
                    sample("thcs02-truong-thcs-dang-hai.ods"),
                )
            ],
        ),
        Letter(  # the sender's clock says the 10th; the server took it on the 12th: late
            "d",
            "th.catbi@haian.edu.vn",
            "Báo cáo HTSĐ trường Tiểu học Cát Bi",
            at(12, 8),
            [
                part(
                    rfc2047("Tiểu học Cát Bi.xlsx", "windows-1258"),
                    sample("th01-truong-tieu-hoc-cat-bi.xlsx"),
                )
            ],
            sent=at(10, 16),
        ),
        Letter(
            "e",
            "th.danggiang@haian.edu.vn",
            "Gửi báo cáo (tệp nén)",
            at(8, 8),
            [
                part(
                    b'filename="bao-cao.zip"',
                    a_zip(
                        [
                            (
                                "Tiểu học Đằng Giang.xlsx",
                                sample("th02-truong-tieu-hoc-dang-giang.xlsx"),
                            ),
                            (
                                "../../thoat-ra/th03.xlsx",
                                sample("th03-truong-tieu-hoc-dang-hai.xlsx"),
                            ),
                            ("ghi-chu.txt", "Ghi chú".encode()),
                        ]
                    ),
                    "application/zip",
                )
            ],
        ),
        Letter(  # the same file again: skipped
            "f",
            "Trường THCS Cát Bi <thcs.catbi@haian.edu.vn>",
            "Gửi lại báo cáo HTSĐ",
            at(8, 9),
            [part(rfc2231("Báo cáo HTSĐ THCS Cát Bi (gửi lại).xlsx"), SHEET_A)],
        ),
        Letter("g", "ubnd.danggiang@haian.edu.vn", "Xin gia hạn nộp báo cáo", at(8, 10)),
        Letter(
            "h",
            "mn.catbi@haian.edu.vn",
            "Báo cáo (ảnh chụp)",
            at(8, 11),
            [
                part(
                    b'filename="anh-bao-cao.jpg"',
                    b"\xff\xd8\xff\xe0 not really a photo",
                    "image/jpeg",
                ),
                part(b'filename="bao-cao.docx"', b"PK\x03\x04 a word file"),
            ],
        ),
        Letter(  # a zip bomb: 60 MB of zeros packed into a few kilobytes
            "i",
            "la.mat@example.com",
            "Báo cáo",
            at(8, 12),
            [part(b'filename="bao-cao-nen.zip"', a_zip([("bom.xlsx", BOMB)]), "application/zip")],
        ),
        Letter(  # 60 parts inside parts
            "j",
            "la.mat@example.com",
            "Báo cáo lồng",
            at(8, 13),
            raw_body=nested(60, part(b'filename="sau.xlsx"', SHEET_A + b"x")),
        ),
        Letter(  # a path in the attachment's name, and a name Windows reserves
            "k",
            "th.danglam@haian.edu.vn",
            "Báo cáo HTSĐ",
            at(9, 8),
            [
                part(
                    b'filename="..\\\\..\\\\Windows\\\\con.xlsx"',
                    sample("th04-truong-tieu-hoc-dang-lam.xlsx"),
                )
            ],
        ),
        Letter(  # base64 cut short: the attachment is broken in transit
            "l",
            "th.donghai1@haian.edu.vn",
            "Báo cáo",
            at(9, 9),
            [
                b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
                b'Content-Disposition: attachment; filename="hong.xlsx"\r\n\r\nUEsDB\r\n'
            ],
        ),
        Letter(  # two versions under one name: the second is kept beside the first
            "m1",
            "thcs.thanhto@haian.edu.vn",
            "Báo cáo HTSĐ",
            at(7, 9, 30),
            [part(rfc2231("Báo cáo HTSĐ.xlsx"), sample("THCS05 bao cao HTSD (lan 1).xlsx"))],
        ),
        Letter(
            "m2",
            "thcs.thanhto@haian.edu.vn",
            "Báo cáo HTSĐ (sửa)",
            at(9, 8, 15),
            [part(rfc2231("Báo cáo HTSĐ.xlsx"), sample("THCS05 bao cao HTSD (lan 2).xlsx"))],
        ),
    )


# what each kept file must hold, and when it arrived (local time of the clerk's computer)
EXPECTED = {
    "thcs-catbi-haian-edu-vn__bao-cao-htsd-thcs-cat-bi.xlsx": (SHEET_A, at(5, 9)),
    "mn-danghai-haian-edu-vn__mam-non-dang-hai.xls": (
        sample("mn03-truong-mam-non-dang-hai.xls"),
        at(6, 10, 15),
    ),
    "thcs-danghai-haian-edu-vn__bao-cao-dang-hai.ods": (
        sample("thcs02-truong-thcs-dang-hai.ods"),
        at(7, 14),
    ),
    "th-catbi-haian-edu-vn__tieu-hoc-cat-bi.xlsx": (
        sample("th01-truong-tieu-hoc-cat-bi.xlsx"),
        at(12, 8),
    ),
    "th-danggiang-haian-edu-vn__tieu-hoc-dang-giang.xlsx": (
        sample("th02-truong-tieu-hoc-dang-giang.xlsx"),
        at(8, 8),
    ),
    "th-danggiang-haian-edu-vn__th03.xlsx": (
        sample("th03-truong-tieu-hoc-dang-hai.xlsx"),
        at(8, 8),
    ),
    "th-danglam-haian-edu-vn__windows-con.xlsx": (
        sample("th04-truong-tieu-hoc-dang-lam.xlsx"),
        at(9, 8),
    ),
    "thcs-thanhto-haian-edu-vn__bao-cao-htsd.xlsx": (
        sample("THCS05 bao cao HTSD (lan 1).xlsx"),
        at(7, 9, 30),
    ),
    "thcs-thanhto-haian-edu-vn__bao-cao-htsd-2.xlsx": (
        sample("THCS05 bao cao HTSD (lan 2).xlsx"),
        at(9, 8, 15),
    ),
}


# the mailbox as a clerk's really is (issue 33): a workbook beside a .rar, Outlook's winmail.dat,
# the office's own mail bounced back with the blank form
RAR = b"Rar!\x1a\x07\x01\x00" + b"\x00" * 64  # what WinRAR writes first
BLANK_FORM = sample("th08-truong-tieu-hoc-thanh-to.xlsx")  # never saved: it came back


def bounce_body(recipient: str, original: bytes) -> bytes:
    """A delivery status report (RFC 3464) as Postfix writes one, the original attached."""
    return (
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"\r\n\r\n'
        b"--dsn\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"This is the mail system at host mail.haian.edu.vn. Your message could not be "
        b"delivered to one or more recipients.\r\n"
        b"--dsn\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mail.haian.edu.vn\r\n\r\n"
        b"Final-Recipient: rfc822; " + recipient.encode() + b"\r\n"
        b"Action: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 <" + recipient.encode() + b">: User unknown\r\n\r\n"
        b"--dsn\r\nContent-Type: message/rfc822\r\n\r\n" + original + b"\r\n--dsn--\r\n"
    )


@functools.cache
def corpus_33() -> tuple[Letter, ...]:
    form_sent = Letter(
        "goc",
        "Phòng GD&ĐT <phonggd@haian.edu.vn>",
        "Biểu mẫu báo cáo HTSĐ",
        at(3, 8),
        [part(b'filename="mn08-truong-mam-non-thanh-to.xlsx"', BLANK_FORM)],
    ).mime(received=False)
    return (
        Letter(  # the ward's own workbook, and its centre's return in a .rar
            "r",
            "UBND phường Nam Hải <ubnd.namhai@haian.edu.vn>",
            "Báo cáo HTSĐ phường Nam Hải và TTHTCĐ",
            at(6, 9),
            [
                part(
                    b'filename="ubp07-uy-ban-nhan-dan-phuong-nam-hai.xlsx"',
                    sample("ubp07-uy-ban-nhan-dan-phuong-nam-hai.xlsx"),
                ),
                part(b'filename="tthtcd07-trung-tam-hoc-tap-cong-dong-phuong-nam-hai.rar"', RAR),
            ],
        ),
        Letter(  # Outlook's rich text: the return inside winmail.dat, with the signature's logo
            "w",
            "mn.namhai@haian.edu.vn",
            "Báo cáo HTSĐ Mầm non Nam Hải",
            at(7, 15, 30),
            [
                part(
                    b'filename="winmail.dat"',
                    winmail(
                        [
                            (
                                "Báo cáo HTSĐ Mầm non Nam Hải.xlsx",
                                sample("mn07-truong-mam-non-nam-hai.xlsx"),
                            ),
                            ("logo trường.png", b"\x89PNG\r\n\x1a\n"),
                        ]
                    ),
                    "application/ms-tnef",
                )
            ],
        ),
        Letter(  # the form sent to Mầm non Thành Tô came back: the address is wrong
            "x",
            "Mail Delivery System <MAILER-DAEMON@mail.haian.edu.vn>",
            "Undelivered Mail Returned to Sender",
            at(3, 8, 1),
            raw_body=bounce_body("mn.thanhto@haian.edu.vn", form_sent),
        ),
    )


EMAILS = {
    "UBP07": "ubnd.namhai@haian.edu.vn",
    "MN07": "mn.namhai@haian.edu.vn",
    "MN08": "mn.thanhto@haian.edu.vn",
    "TTHTCD07": "tthtcd.namhai@haian.edu.vn",
}


def roster_with_emails(tmp_path: Path) -> Path:
    """The sample roster with the email column a clerk fills."""
    rows = list(csv.reader(SAMPLE_ROSTER.read_text(encoding="utf-8-sig").splitlines()))
    out = [[*rows[0], "email"], *([*r, EMAILS.get(r[0], "")] for r in rows[1:])]
    path = tmp_path / "danh-sach.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(out)
    return path


# --- running htsd ---------------------------------------------------------------------------------


def htsd(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "htsd_cli", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "TZ": TZ_ENV, **(env or {})},
        stdin=subprocess.DEVNULL,  # never a terminal: htsd must not wait for a password
        timeout=300,
    )


def collect(source: str, out: Path, book: Path, *extra: str, env=None) -> dict:
    result = htsd(
        "collect", source, "-o", str(out), "--receipts", str(book), "-c", str(SAMPLE_CONFIG),
        "--json", *extra, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def check_outcome(summary: dict, out: Path, book: Path, how: str) -> None:
    """Files byte for byte, the receipts book, and every message accounted for."""
    saved = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    assert sorted(saved) == sorted(EXPECTED)
    for name, (data, _when) in EXPECTED.items():
        assert saved[name] == data, name
    assert summary["messages"] == len(corpus())
    assert [d["original"] for d in summary["duplicates"]] == [
        "Báo cáo HTSĐ THCS Cát Bi (gửi lại).xlsx"
    ]
    assert [d["existing"] for d in summary["duplicates"]] == [
        "thcs-catbi-haian-edu-vn__bao-cao-htsd-thcs-cat-bi.xlsx"
    ]
    without = {m["subject"]: m["attachments"] for m in summary["without_spreadsheet"]}
    assert without == {
        "Xin gia hạn nộp báo cáo": [],
        "Báo cáo (ảnh chụp)": ["anh-bao-cao.jpg", "bao-cao.docx"],
    }
    refused = {r["original"]: r["reason"] for r in summary["refused"]}
    assert set(refused) == {"bao-cao-nen.zip › bom.xlsx", "hong.xlsx"}
    assert "nghi tệp độc" in refused["bao-cao-nen.zip › bom.xlsx"]
    assert "hỏng khi gửi" in refused["hong.xlsx"]
    # every other attachment is listed with its reason, and its unit where the sender tells
    listed = {r["original"]: (r["reason"], r["unit"]) for r in summary["listed"]}
    assert listed == {
        "bao-cao.zip › ghi-chu.txt": ("không phải bảng tính", ""),
        "anh-bao-cao.jpg": ("không phải bảng tính", ""),
        "bao-cao.docx": ("không phải bảng tính", ""),
    }
    assert [m["subject"] for m in summary["broken"]] == ["Báo cáo lồng"]
    assert "lồng nhau quá" in summary["broken"][0]["problem"]
    # nothing outside the returns folder
    assert not (out.parent / "thoat-ra").exists() and not (out.parent / "Windows").exists()
    # the receipts book: one line per saved file, with the arrival time and where it comes from
    with book.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["tep"] for r in rows] == [s["file"] for s in summary["saved"]]
    assert sorted(r["tep"] for r in rows) == sorted(EXPECTED)
    for row in rows:
        assert row["ngay_nhan"] == EXPECTED[row["tep"]][1].strftime("%d/%m/%Y %H:%M:%S"), row
        assert row["nguon_ngay"] == how
    by_file = {r["tep"]: r for r in rows}
    late = by_file["th-catbi-haian-edu-vn__tieu-hoc-cat-bi.xlsx"]
    assert late["nguoi_gui"] == "th.catbi@haian.edu.vn"
    assert late["tieu_de"] == "Báo cáo HTSĐ trường Tiểu học Cát Bi"
    # the units, from the htsd stamp in each workbook
    units = {s["file"]: s["unit"] for s in summary["saved"]}
    assert units["th-catbi-haian-edu-vn__tieu-hoc-cat-bi.xlsx"].startswith("TH01 · ")
    assert units["thcs-danghai-haian-edu-vn__bao-cao-dang-hai.ods"].startswith("THCS02 · ")


def check_status(out: Path, book: Path) -> None:
    """`htsd status` then dates each return by its arrival: only the Cát Bi primary school's
    return, sent on time by its own clock but taken in by the server on the 12th, is late."""
    result = htsd(
        "status", str(out), "-r", str(SAMPLE_ROSTER), "-c", str(SAMPLE_CONFIG),
        "--receipts", str(book), "--as-of", "15/10/2022", "--json",
    )  # fmt: skip
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    units = {u["code"]: u for u in report["units"]}
    received = {c: u["received"] for c, u in units.items() if u["received"]}
    assert received["TH01"] == "2022-10-12 08:00:00"
    assert received["THCS01"] == "2022-10-05 09:00:00"
    late = sorted(c for c, u in units.items() if u["late"])
    assert late == ["TH01"]
    assert units["THCS05"]["file"].endswith("bao-cao-htsd-2.xlsx")  # the later version counts


def check_again_is_quiet(source: str, out: Path, book: Path, env=None) -> None:
    before = (tree_digest(out), book.read_bytes())
    again = collect(source, out, book, env=env)
    assert again["saved"] == [] and len(again["duplicates"]) == len(EXPECTED) + 1
    assert (tree_digest(out), book.read_bytes()) == before


# --- file sources ---------------------------------------------------------------------------------


def write_eml(folder: Path) -> Path:
    folder.mkdir()
    for n, letter in enumerate(corpus(), 1):
        (folder / f"{n:02d}-{letter.key}.eml").write_bytes(letter.mime(received=True))
    return folder


def write_mbox(path: Path) -> Path:
    with path.open("wb") as handle:
        for letter in corpus():
            local = letter.arrived.astimezone(ICT).replace(tzinfo=None)
            handle.write(f"From sender@haian.edu.vn {local:%a %b %d %H:%M:%S %Y}\n".encode())
            raw = letter.mime(received=False).replace(b"\r\n", b"\n")
            lines = [b">" + ln if ln.startswith(b"From ") else ln for ln in raw.split(b"\n")]
            handle.write(b"\n".join(lines) + b"\n\n")
    return path


def write_maildir(folder: Path) -> Path:
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True)
    for n, letter in enumerate(corpus()):
        stamp = int(letter.arrived.timestamp())
        sub = "cur" if n % 2 else "new"
        suffix = ":2,S" if sub == "cur" else ""
        (folder / sub / f"{stamp}.M{n}P1.mail.haian.edu.vn{suffix}").write_bytes(
            letter.mime(received=False)
        )
    (folder / "tmp" / "999.M0P0.half-delivered").write_bytes(b"From: x\r\n")
    return folder


@pytest.mark.parametrize(
    "kind,how",
    [("eml", "tiêu đề Received"), ("mbox", "dòng From của mbox"), ("maildir", "máy chủ thư")],
)
def test_collect_from_mail_files(tmp_path, kind, how):
    source = {
        "eml": lambda: write_eml(tmp_path / "thu"),
        "mbox": lambda: write_mbox(tmp_path / "hop-thu.mbox"),
        "maildir": lambda: write_maildir(tmp_path / "Maildir"),
    }[kind]()
    before = tree_digest(source) if source.is_dir() else {"": source.read_bytes()}
    out, book = tmp_path / "bao-cao", tmp_path / "so-nhan.csv"
    summary = collect(str(source), out, book)
    check_outcome(summary, out, book, how)
    check_status(out, book)
    check_again_is_quiet(str(source), out, book)
    after = tree_digest(source) if source.is_dir() else {"": source.read_bytes()}
    assert after == before  # the mail is only read


def test_outlook_msg(tmp_path):
    """An Outlook .msg through extract-msg: its delivery time, not its Date, is the arrival."""
    folder = tmp_path / "outlook"
    folder.mkdir()
    data = sample("th01-truong-tieu-hoc-cat-bi.xlsx")
    (folder / "bao-cao.msg").write_bytes(
        write_msg(
            "Trường Tiểu học Cát Bi <th.catbi@haian.edu.vn>",
            "Báo cáo HTSĐ",
            at(12, 8),
            [("Báo cáo HTSĐ Cát Bi.xlsx", data), ("ghi-chu.txt", b"abc")],
            sent=at(10, 16),
        )
    )
    (folder / "hong.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    out, book = tmp_path / "bao-cao", tmp_path / "so-nhan.csv"
    summary = collect(str(folder), out, book)
    [saved] = summary["saved"]
    assert saved["file"] == "th-catbi-haian-edu-vn__bao-cao-htsd-cat-bi.xlsx"
    assert (out / saved["file"]).read_bytes() == data
    assert saved["arrived"] == "12/10/2022 08:00:00"
    assert saved["arrived_from"] == "thời điểm nhận của Outlook"
    [broken] = summary["broken"]
    assert broken["where"] == "hong.msg" and "không đọc được tệp Outlook .msg" in broken["problem"]


def test_a_plain_outlook_item_gives_its_files(tmp_path):
    """An .msg of class "IPM" (an item that is not a mail, as some programs save one): no sender
    is read, its files are saved all the same, not reported as a broken file."""
    folder = tmp_path / "outlook"
    folder.mkdir()
    data = sample("th01-truong-tieu-hoc-cat-bi.xlsx")
    (folder / "muc.msg").write_bytes(
        write_msg("", "Báo cáo HTSĐ", at(12, 8), [("Cát Bi.xlsx", data)], message_class="IPM")
    )
    out, book = tmp_path / "bao-cao", tmp_path / "so-nhan.csv"
    summary = collect(str(folder), out, book)
    assert summary["broken"] == []
    [saved] = summary["saved"]
    assert (out / saved["file"]).read_bytes() == data


def test_collect_refuses_to_write_into_the_mail(tmp_path):
    source = write_maildir(tmp_path / "Maildir")
    before = tree_digest(source)
    result = htsd("collect", str(source), "-o", str(source / "bao-cao"), "-c", str(SAMPLE_CONFIG))
    assert result.returncode == 1 and "nơi chứa thư" in result.stderr
    assert tree_digest(source) == before


def test_receipts_book_kept_and_extended(tmp_path):
    """A book the clerk typed keeps its lines and its separator; its header gains the columns
    it lacks (sender, subject, where the time comes from); new lines follow."""
    book = tmp_path / "so-nhan.csv"
    typed = b"tep;ngay_nhan\r\ntruong-a.xlsx;03/10/2022 08:00\r\n"
    book.write_bytes(typed)
    folder = tmp_path / "thu"
    folder.mkdir()
    letter = corpus()[0]
    (folder / "a.eml").write_bytes(letter.mime(received=True))
    out = tmp_path / "bao-cao"
    collect(str(folder), out, book)
    data = book.read_bytes()
    header = b"tep;ngay_nhan;nguon_ngay;nguoi_gui;tieu_de\r\n"
    assert data.startswith(header + typed[typed.index(b"\n") + 1 :])  # only the header grew
    assert data[len(header) + len(typed) - len("tep;ngay_nhan\r\n") :].decode() == (
        "thcs-catbi-haian-edu-vn__bao-cao-htsd-thcs-cat-bi.xlsx;05/10/2022 09:00:00;"
        "tiêu đề Received;thcs.catbi@haian.edu.vn;Báo cáo HTSĐ\r\n"
    )
    cp1258 = tmp_path / "so-nhan-1258.csv"
    cp1258.write_bytes(to_cp1258("tep,ngay_nhan\r\nTrường A.xlsx,03/10/2022\r\n"))
    result = htsd(
        "collect",
        str(folder),
        "-o",
        str(tmp_path / "khac"),
        "--receipts",
        str(cp1258),
        "-c",
        str(SAMPLE_CONFIG),
    )
    assert result.returncode == 1 and "CSV UTF-8" in result.stderr
    assert not (tmp_path / "khac").exists() or not any((tmp_path / "khac").iterdir())


def test_names_never_overwrite(tmp_path):
    """A file of the clerk's own under the name an attachment would take is never replaced."""
    out = tmp_path / "bao-cao"
    out.mkdir()
    mine = out / "thcs-catbi-haian-edu-vn__bao-cao-htsd-thcs-cat-bi.xlsx"
    mine.write_bytes(b"the clerk's own file")
    folder = tmp_path / "thu"
    folder.mkdir()
    (folder / "a.eml").write_bytes(corpus()[0].mime(received=True))
    summary = collect(str(folder), out, tmp_path / "so-nhan.csv")
    assert mine.read_bytes() == b"the clerk's own file"
    assert summary["saved"][0]["file"] == "thcs-catbi-haian-edu-vn__bao-cao-htsd-thcs-cat-bi-2.xlsx"


# --- a real IMAP server ----------------------------------------------------------------------------


@dataclass
class Server:
    port: int
    cert: Path
    root: Path

    def address(self, folder: str = "INBOX") -> str:
        return f"imaps://van.thu%40haian.edu.vn@127.0.0.1:{self.port}/{urllib.parse.quote(folder)}"

    def env(self) -> dict[str, str]:
        return {"SSL_CERT_FILE": str(self.cert), "HTSD_MAT_KHAU": PASSWORD}

    def client(self) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=str(self.cert))
        conn = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=context)
        conn.login("van.thu@haian.edu.vn", PASSWORD)
        return conn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def dovecot():
    exe = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
    )
    if exe is None:
        missing_tool("dovecot (Debian package dovecot-imapd)")
    # dovecot's own users must reach the folder: pytest's temporary folders are private (0700)
    root = Path(tempfile.mkdtemp(prefix="htsd-dovecot-"))
    os.chmod(root, 0o755)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    if os.geteuid() == 0:  # dovecot never runs its logins or mail access as root
        internal, login, uid = "dovecot", "dovenull", "dovecot"
    else:
        internal = login = uid = getpass.getuser()
    home = root / "home"
    home.mkdir()
    if os.geteuid() == 0:
        shutil.chown(home, "dovecot", "dovecot")
    (root / "passwd").write_text(
        f"van.thu@haian.edu.vn:{{PLAIN}}{PASSWORD}::::::\n"
        f"{VIET_USER}:{{PLAIN}}{VIET_PASSWORD}::::::\n",
        encoding="utf-8",
    )
    port = _free_port()
    (root / "dovecot.conf").write_text(
        f"""base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
auth_mechanisms = plain
auth_failure_delay = 0
disable_plaintext_auth = no
default_internal_user = {internal}
default_internal_group = {internal}
default_login_user = {login}
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={uid} home={home}/%n
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""
    )
    # the daemon keeps the descriptors it is given: a pipe here would never close
    with (root / "start.log").open("w") as log:
        started = subprocess.run(
            [exe, "-c", str(root / "dovecot.conf")],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
    assert started.returncode == 0, (root / "start.log").read_text()
    server = Server(port, root / "cert.pem", root)
    deadline = time.monotonic() + 20
    while True:
        try:
            server.client().logout()
            break
        except (OSError, imaplib.IMAP4.error):
            if time.monotonic() > deadline:
                raise AssertionError((root / "dovecot.log").read_text()) from None
            time.sleep(0.2)
    conn = server.client()
    conn.create('"' + "B&AOE-o c&AOE-o HTS&ARA-" + '"')  # "Báo cáo HTSĐ" in modified UTF-7
    for letter in corpus():
        for folder in ("INBOX", '"B&AOE-o c&AOE-o HTS&ARA-"'):
            status, _ = conn.append(folder, None, letter.arrived, letter.mime(received=False))
            assert status == "OK"
    _, listed = conn.list('""', '""')
    assert b'"."' in listed[0], listed  # the server separates levels with "."
    sub = '"' + utf7_folder(f"INBOX.{FOLDER_33}") + '"'
    conn.create(sub)
    for letter in corpus_33():
        status, _ = conn.append(sub, None, letter.arrived, letter.mime(received=False))
        assert status == "OK"
    conn.logout()
    yield server
    subprocess.run(
        [exe, "-c", str(root / "dovecot.conf"), "stop"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    shutil.rmtree(root, ignore_errors=True)


def server_state(server: Server, folder: str = "INBOX") -> list[bytes]:
    conn = server.client()
    conn.select(folder, readonly=True)
    _, data = conn.fetch("1:*", "(UID FLAGS)")
    conn.logout()
    return [d for d in data if isinstance(d, bytes)]


def test_collect_from_imap(dovecot, tmp_path):
    before = server_state(dovecot)
    assert len(before) == len(corpus())
    out, book = tmp_path / "bao-cao", tmp_path / "so-nhan.csv"
    summary = collect(dovecot.address(), out, book, env=dovecot.env())
    check_outcome(summary, out, book, "máy chủ thư")
    check_status(out, book)
    check_again_is_quiet(dovecot.address(), out, book, env=dovecot.env())
    assert server_state(dovecot) == before  # nothing deleted, moved, or marked read
    assert all(b"\\Seen" not in line for line in before)


def test_imap_folder_with_vietnamese_name_and_since(dovecot, tmp_path):
    out, book = tmp_path / "bao-cao", tmp_path / "so-nhan.csv"
    summary = collect(
        dovecot.address("Báo cáo HTSĐ"), out, book, "--since", "09/10/2022", env=dovecot.env()
    )
    assert summary["messages"] == 4  # k, l, m2 (the 9th) and d (the 12th)
    assert sorted(s["file"] for s in summary["saved"]) == [
        "th-catbi-haian-edu-vn__tieu-hoc-cat-bi.xlsx",
        "th-danglam-haian-edu-vn__windows-con.xlsx",
        "thcs-thanhto-haian-edu-vn__bao-cao-htsd.xlsx",
    ]


def test_imap_refusals_are_messages(dovecot, tmp_path):
    out = tmp_path / "bao-cao"
    cases = [
        ({**dovecot.env(), "HTSD_MAT_KHAU": "sai"}, dovecot.address(), "không nhận tên đăng nhập"),
        ({"HTSD_MAT_KHAU": PASSWORD}, dovecot.address(), "Chứng chỉ bảo mật"),  # not trusted
        (dovecot.env(), dovecot.address("Khong Co"), "không có thư mục 'Khong Co'"),
        (dovecot.env(), f"imaps://a:b@127.0.0.1:{dovecot.port}/INBOX", "Không ghi mật khẩu"),
        ({"HTSD_MAT_KHAU": ""}, dovecot.address(), "Cần mật khẩu"),
        (dovecot.env(), f"imaps://x@127.0.0.1:{_free_port()}/INBOX", "Không kết nối được"),
    ]
    for env, address, says in cases:
        result = htsd("collect", address, "-o", str(out), "-c", str(SAMPLE_CONFIG), env=env)
        assert result.returncode == 1, (address, result.stdout, result.stderr)
        assert says in " ".join(result.stderr.split()), (says, result.stderr)
        assert "Traceback" not in result.stderr
        assert PASSWORD not in result.stdout + result.stderr


def test_mailbox_from_configuration(tmp_path):
    """`mailbox` in htsd.toml (a path relative to it) lets the clerk type only `htsd collect`; a
    password written into an address there is refused."""
    write_eml(tmp_path / "thu")
    config = tmp_path / "htsd.toml"
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    text = "\n".join(
        line
        for line in text.splitlines()
        if not line.startswith(("returns", "receipts", "mailbox"))
    )
    config.write_text(
        'mailbox = "thu"\nreturns = "bao-cao"\nreceipts = "so-nhan.csv"\n' + text, encoding="utf-8"
    )
    result = htsd("collect", "-c", str(config), "--json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["saved"]) == len(EXPECTED)
    assert sorted(p.name for p in (tmp_path / "bao-cao").iterdir() if p.name[0] != ".") == sorted(
        EXPECTED
    )
    assert (tmp_path / "so-nhan.csv").exists()
    config.write_text(
        'mailbox = "imaps://a:bi-mat@mail.haian.edu.vn/INBOX"\n' + text, encoding="utf-8"
    )
    result = htsd("collect", "-c", str(config), "-o", str(tmp_path / "khac"))
    assert result.returncode == 1 and "Không ghi mật khẩu" in result.stderr
    assert "bi-mat" not in result.stderr


def test_a_file_saved_by_a_stopped_run_is_booked_next_time(tmp_path):
    """A run stopped between saving a file and writing the book: the next run finds the file
    already there (same content), does not save it twice, and books it with its arrival."""
    out = tmp_path / "bao-cao"
    out.mkdir()
    name = "thcs-catbi-haian-edu-vn__bao-cao-htsd-thcs-cat-bi.xlsx"
    (out / name).write_bytes(SHEET_A)
    folder = tmp_path / "thu"
    folder.mkdir()
    (folder / "a.eml").write_bytes(corpus()[0].mime(received=True))
    book = tmp_path / "so-nhan.csv"
    summary = collect(str(folder), out, book)
    assert summary["saved"] == [] and summary["booked_late"] == [name]
    with book.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["tep"], r["ngay_nhan"]) for r in rows] == [(name, "05/10/2022 09:00:00")]


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT to a child")
def test_ctrl_c_keeps_the_book_whole(tmp_path):
    """Ctrl-C after the first message: exit 130, the file saved so far is in the book; the next
    run takes the rest, and the book names every file once."""
    import signal

    source = write_eml(tmp_path / "thu")
    out, book, ready = tmp_path / "bao-cao", tmp_path / "so-nhan.csv", tmp_path / "ready.json"
    env = {**os.environ, "TZ": TZ_ENV, "HTSD_TEST_STOP_AT": f"collect-taken=wait:{ready}"}
    args = [sys.executable, "-m", "htsd_cli", "collect", str(source), "-o", str(out)]
    args += ["--receipts", str(book), "-c", str(SAMPLE_CONFIG)]
    child = subprocess.Popen(
        args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.02)
    assert json.loads(ready.read_text())["saved"] == 1
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130 and b"Traceback" not in err
    with book.open(encoding="utf-8-sig", newline="") as handle:
        assert [r["tep"] for r in csv.DictReader(handle)] == [
            "thcs-catbi-haian-edu-vn__bao-cao-htsd-thcs-cat-bi.xlsx"
        ]
    summary = collect(str(source), out, book)
    assert len(summary["saved"]) == len(EXPECTED) - 1
    with book.open(encoding="utf-8-sig", newline="") as handle:
        assert sorted(r["tep"] for r in csv.DictReader(handle)) == sorted(EXPECTED)


def test_message_without_any_date_is_saved_not_booked(tmp_path):
    """No Received, no Date: the file is kept, the book gets no line with an empty date (status
    would refuse the book), and the clerk is told to write the date by hand."""
    folder = tmp_path / "thu"
    folder.mkdir()
    raw = corpus()[0].mime(received=False)
    raw = b"\r\n".join(ln for ln in raw.split(b"\r\n") if not ln.startswith(b"Date:"))
    (folder / "a.eml").write_bytes(raw)
    out, book = tmp_path / "bao-cao", tmp_path / "so-nhan.csv"
    summary = collect(str(folder), out, book)
    name = "thcs-catbi-haian-edu-vn__bao-cao-htsd-thcs-cat-bi.xlsx"
    assert [s["file"] for s in summary["saved"]] == [name] and summary["unbooked"] == [name]
    assert (out / name).read_bytes() == SHEET_A and not book.exists()
    shown = htsd(
        "collect",
        str(folder),
        "-o",
        str(tmp_path / "khac"),
        "--receipts",
        str(book),
        "-c",
        str(SAMPLE_CONFIG),
    )
    assert "ghi tay ngày nhận" in " ".join(shown.stdout.split())


def test_zip_entry_names_as_windows_writes_them():
    """Windows' own zip writes names in the code page (1258 for Vietnamese) without the UTF-8
    flag; the name comes back in Vietnamese, and only the entry's own name is kept."""
    from htsd_cli.reading.archives import unpack

    raw = to_cp1258("thư mục/Báo cáo Đằng Hải.xlsx")
    placeholder = b"x" * len(raw)
    data = a_zip([(placeholder.decode(), SHEET_A), ("../../ra-ngoai.ods", b"PK\x03\x04")])
    data = data.replace(placeholder, raw)
    inside = unpack("nen.zip", data)
    assert inside.found == [
        ("nen.zip › Báo cáo Đằng Hải.xlsx", SHEET_A),
        ("nen.zip › ra-ngoai.ods", b"PK\x03\x04"),
    ]
    assert inside.refused == [] and inside.others == []


def test_a_zip_without_spreadsheets_shows_what_it_holds(tmp_path):
    """A unit that zipped a PDF: the message is listed with the zip and the names inside it."""
    letter = Letter(
        "z",
        "th.namhai@haian.edu.vn",
        "Báo cáo (nén)",
        at(9, 10),
        [part(b'filename="ho-so.zip"', a_zip([("Báo cáo.pdf", b"%PDF-1.4")]), "application/zip")],
    )
    folder = tmp_path / "thu"
    folder.mkdir()
    (folder / "z.eml").write_bytes(letter.mime(received=True))
    summary = collect(str(folder), tmp_path / "bao-cao", tmp_path / "so-nhan.csv")
    assert [m["attachments"] for m in summary["without_spreadsheet"]] == [
        ["ho-so.zip (Báo cáo.pdf)"]
    ]
    assert summary["saved"] == [] and summary["refused"] == []


# --- the mailbox as a clerk's really is (issue 33) -------------------------------------------------


def status_of(out: Path, book: Path, roster: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return htsd(
        "status", str(out), "-r", str(roster), "-c", str(SAMPLE_CONFIG), "--receipts", str(book),
        "--as-of", "15/10/2022", *extra,
    )  # fmt: skip


def test_every_attachment_accounted_for_and_bounces_told(dovecot, tmp_path):
    """A workbook beside a .rar, a return inside winmail.dat, the office's form bounced back; from
    a server trusted through --ca-file only (no SSL_CERT_FILE), its folder typed with "/" on a
    server that separates levels with ".". What is saved, what is listed, what status shows."""
    before = server_state(dovecot, '"' + utf7_folder(f"INBOX.{FOLDER_33}") + '"')
    roster = roster_with_emails(tmp_path)
    out, book = tmp_path / "bao-cao", tmp_path / "so-nhan.csv"
    address = dovecot.address(f"INBOX/{FOLDER_33}")
    env = {"HTSD_MAT_KHAU": PASSWORD}
    summary = collect(
        address, out, book, "--ca-file", str(dovecot.cert), "-r", str(roster), env=env
    )
    assert summary["messages"] == 3
    ward = "ubnd-namhai-haian-edu-vn__ubp07-uy-ban-nhan-dan-phuong-nam-hai.xlsx"
    school = "mn-namhai-haian-edu-vn__bao-cao-htsd-mam-non-nam-hai.xlsx"
    kept_rar = "ubnd-namhai-haian-edu-vn__tthtcd07-trung-tam-hoc-tap-cong-dong-phuong-nam-hai.rar"
    units = {s["file"]: s["unit"] for s in summary["saved"]}
    assert units == {
        ward: "UBP07 · Ủy ban nhân dân phường Nam Hải",
        school: "MN07 · Trường Mầm non Nam Hải",
    }
    assert (out / ward).read_bytes() == sample("ubp07-uy-ban-nhan-dan-phuong-nam-hai.xlsx")
    assert (out / school).read_bytes() == sample("mn07-truong-mam-non-nam-hai.xlsx")
    # the .rar: named with its unit and the advice, kept for status and for the clerk's own eyes
    [rar] = summary["refused"]
    assert rar["original"] == "tthtcd07-trung-tam-hoc-tap-cong-dong-phuong-nam-hai.rar"
    assert rar["unit"] == "TTHTCD07 · Trung tâm học tập cộng đồng phường Nam Hải"
    assert "RAR, htsd không mở được" in rar["reason"]
    assert "gửi chính tệp bảng tính" in rar["reason"]
    assert rar["file"] == kept_rar and (out / kept_rar).read_bytes() == RAR
    # the rest of the winmail.dat, with the unit its sender's address tells
    assert [(r["original"], r["reason"], r["unit"]) for r in summary["listed"]] == [
        ("winmail.dat › logo trường.png", "không phải bảng tính", "MN07 · Trường Mầm non Nam Hải")
    ]
    # the bounce: nothing of it saved, the unit that never got the form named
    [bounce] = summary["undelivered"]
    assert bounce["addresses"] == ["mn.thanhto@haian.edu.vn"]
    assert bounce["units"] == ["MN08 · Trường Mầm non Thành Tô"]
    assert bounce["attachments"] == ["mn08-truong-mam-non-thanh-to.xlsx"]
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        [ward, school, kept_rar]
    )
    with book.open(encoding="utf-8-sig", newline="") as handle:
        assert sorted(r["tep"] for r in csv.DictReader(handle)) == sorted([ward, school, kept_rar])
    beside = (tmp_path / "so-nhan-thu-khong-den.csv").read_text(encoding="utf-8-sig")
    assert beside.splitlines()[1].startswith("mn.thanhto@haian.edu.vn,03/10/2022 08:01:00,")
    # status: the .rar's unit sent something unusable; the bounced unit never got the form
    report = json.loads(status_of(out, book, roster, "--json").stdout)
    by_code = {u["code"]: u for u in report["units"]}
    assert by_code["UBP07"]["state"] == by_code["MN07"]["state"] == "valid"
    assert by_code["TTHTCD07"]["state"] == "invalid"
    assert "htsd không mở được" in by_code["TTHTCD07"]["reasons"][0]
    assert by_code["TTHTCD07"]["received"] == "2022-10-06 09:00:00"
    assert by_code["MN08"]["state"] == "missing"
    assert by_code["MN08"]["undelivered"] == [
        "thư gửi tới mn.thanhto@haian.edu.vn không đến được (thư báo lỗi gửi lúc 03/10/2022 "
        "08:01:00)"
    ]
    assert [c for c, u in by_code.items() if u["undelivered"]] == ["MN08"]
    shown = " ".join(status_of(out, book, roster).stdout.split())
    assert (
        "MN08 Trường Mầm non Thành Tô: thư gửi tới mn.thanhto@haian.edu.vn không đến được" in shown
    )
    # and what the clerk reads from collect itself
    again = htsd(
        "collect", address, "-o", str(tmp_path / "lan-2"), "--receipts", str(tmp_path / "s2.csv"),
        "-c", str(SAMPLE_CONFIG), "-r", str(roster), "--ca-file", str(dovecot.cert), env=env,
    )  # fmt: skip
    told = " ".join(again.stdout.split())
    assert again.returncode == 0, again.stderr
    assert "thư gửi tới mn.thanhto@haian.edu.vn không đến được" in told
    assert "MN08 · Trường Mầm non Thành Tô" in told and "TTHTCD07 · Trung tâm" in told
    assert server_state(dovecot, '"' + utf7_folder(f"INBOX.{FOLDER_33}") + '"') == before


def test_a_servers_own_certificate(dovecot, tmp_path):
    """Refused without it, saying how to trust it; trusted by --ca-file (PEM or Windows' DER
    .cer) or by ca_file in htsd.toml; another certificate or a file that is none is refused."""
    env = {"HTSD_MAT_KHAU": PASSWORD}
    out = tmp_path / "bao-cao"

    def run(*extra: str, config: Path = SAMPLE_CONFIG) -> subprocess.CompletedProcess[str]:
        return htsd(
            "collect", dovecot.address(), "-o", str(out), "--receipts", str(tmp_path / "s.csv"),
            "-c", str(config), "--json", *extra, env=env,
        )  # fmt: skip

    refused = run()
    said = " ".join(refused.stderr.split())
    assert refused.returncode == 1 and "--ca-file" in said and 'ca_file = "' in said, said
    assert "chứng chỉ tự ký" in said and not out.exists()
    der = tmp_path / "may-chu.cer"
    subprocess.run(
        ["openssl", "x509", "-in", str(dovecot.cert), "-outform", "der", "-out", str(der)],
        check=True,
    )
    assert run("--ca-file", str(der)).returncode == 0
    assert len(list(out.glob("*.xlsx"))) + len(list(out.glob("*.ods"))) + len(
        list(out.glob("*.xls"))
    ) == len(EXPECTED)
    shutil.copy(dovecot.cert, tmp_path / "chung-chi.pem")
    config = tmp_path / "htsd.toml"
    config.write_text(
        'ca_file = "chung-chi.pem"\n' + SAMPLE_CONFIG.read_text(encoding="utf-8"), encoding="utf-8"
    )
    by_config = run(config=config)
    assert by_config.returncode == 0, by_config.stderr
    assert len(json.loads(by_config.stdout)["duplicates"]) == len(EXPECTED) + 1
    other = tmp_path / "khac.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout",
         str(tmp_path / "khac.key"), "-out", str(other), "-subj", "/CN=127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    wrong = run("--ca-file", str(other))
    assert wrong.returncode == 1
    assert f"kể cả khi tin thêm chứng chỉ trong {other}" in " ".join(wrong.stderr.split())
    text = tmp_path / "ghi-chu.txt"
    text.write_text("không phải chứng chỉ", encoding="utf-8")
    none = run("--ca-file", str(text))
    assert none.returncode == 1 and "không phải tệp chứng chỉ" in " ".join(none.stderr.split())
    assert "Traceback" not in refused.stderr + wrong.stderr + none.stderr


def test_a_password_in_vietnamese(dovecot, tmp_path):
    """Sent in UTF-8 (AUTHENTICATE PLAIN): the right one logs in; a wrong one is refused, and
    no part of either appears anywhere, even with --debug."""
    address = f"imaps://{urllib.parse.quote(VIET_USER)}@127.0.0.1:{dovecot.port}/INBOX"
    env = {**dovecot.env(), "HTSD_MAT_KHAU": VIET_PASSWORD}
    summary = collect(address, tmp_path / "bao-cao", tmp_path / "s.csv", env=env)
    assert summary["messages"] == 0
    for debug in ((), ("--debug",)):
        wrong = htsd(
            *debug, "collect", address, "-o", str(tmp_path / "bao-cao"), "-c", str(SAMPLE_CONFIG),
            env={**env, "HTSD_MAT_KHAU": VIET_PASSWORD + "-sai"},
        )  # fmt: skip
        said = wrong.stdout + wrong.stderr
        assert wrong.returncode == 1 and "không nhận tên đăng nhập" in " ".join(said.split())
        for piece in [VIET_PASSWORD, *VIET_PASSWORD.split("-")]:
            assert piece not in said, piece
        assert "UnicodeEncodeError" not in said


class _OddServer:
    """An IMAP connection whose SEARCH answer is not the list of numbers RFC 3501 asks for."""

    def __init__(self, answer: list[bytes | tuple[bytes, bytes] | None]) -> None:
        self.answer = answer

    def uid(self, command: str, *args: str) -> tuple[str, list[bytes | tuple[bytes, bytes] | None]]:
        assert command == "SEARCH"
        return "OK", self.answer

    def logout(self) -> None:
        pass


@pytest.mark.parametrize("answer", [[(b"1 {3}", b"2 3")], [b"1 2 x"]])
def test_a_search_answer_out_of_the_standard_is_said_not_thrown(answer):
    """A literal or a word where the message numbers should be: the mailbox cannot be read, said
    with the server's name, never an AttributeError or a ValueError."""
    from htsd_cli.intake.imap import _fetch, parse_address
    from htsd_cli.intake.mail import MailError

    box = parse_address("imaps://van.thu%40haian.edu.vn@mail.haian.edu.vn/INBOX")
    with pytest.raises(MailError, match=r"Máy chủ thư mail\.haian\.edu\.vn"):
        list(_fetch(_OddServer(answer), box, None))


def test_a_bounce_to_an_address_units_share_is_told_for_each_of_them(tmp_path):
    """Units that share one e-mail address (the centres a ward's official reports for) all
    missed the office's mail when it came back: each is told, as the roster lookup
    (Roster.with_email) gives them all, not only the first."""
    from htsd_cli.campaign.roster import Roster, Unit
    from htsd_cli.intake import receipts

    shared = "vanhoa@phuong.vn"
    units = tuple(
        Unit(code, f"Trung tâm {code}", "trung_tam", "", "", email=email)
        for code, email in (("TT1", shared), ("TT2", f"Cán bộ <{shared}>"), ("TT3", "x@y.vn"))
    )
    roster = Roster(units, tmp_path / "ds.csv")
    said = receipts.undelivered_by_unit(roster, [receipts.Bounce(shared.upper(), "")])
    assert sorted(said) == ["TT1", "TT2"]
