"""`htsd collect` against hostile mail and bad luck: headers that overflow or run to megabytes,
subjects that would break the receipts book, a book re-saved by Excel, a collect killed at
random moments or out of disk, two collects writing one book at once. Every run finishes or
stops with a Vietnamese message, leaves nothing behind, and its book reads."""

from __future__ import annotations

import csv
import email.header
import io
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import SAMPLE_CONFIG, SAMPLE_ROSTER
from .test_collect import (
    EXPECTED,
    TZ_ENV,
    Letter,
    at,
    collect,
    corpus,
    htsd,
    part,
    sample,
    write_eml,
)


def book_rows(book: Path) -> list[dict[str, str]]:
    from htsd_cli.intake.receipts import parse
    from htsd_cli.writing.cellsafe import from_csv

    rows = parse(book.read_bytes().decode("utf-8-sig"))  # fields as htsd reads them back
    return [dict(zip(rows[0], map(from_csv, r), strict=True)) for r in rows[1:]]


def status_json(out: Path, book: Path) -> dict:
    result = htsd(
        "status", str(out), "-r", str(SAMPLE_ROSTER), "-c", str(SAMPLE_CONFIG),
        "--receipts", str(book), "--as-of", "15/10/2022", "--json",
    )  # fmt: skip
    assert "Traceback" not in result.stderr and result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def with_header(raw: bytes, name: bytes, value: bytes) -> bytes:
    """The message with its header `name` replaced (or added) by `value`."""
    head, body = raw.split(b"\r\n\r\n", 1)
    lines = [ln for ln in head.split(b"\r\n") if not ln.lower().startswith(name.lower() + b":")]
    return b"\r\n".join([*lines, name + b": " + value]) + b"\r\n\r\n" + body


YEAR_100 = b"Tue, 05 Oct 0100 09:00:00 +0700"
HOSTILE_DATES = {  # file in the samples → the Date header its message carries
    "th05-truong-tieu-hoc-dong-hai-1.xlsx": b"Mon, 01 Jan 10000 09:00:00 +0700",
    "th06-truong-tieu-hoc-dong-hai-2.xlsx": b"Wed, 05 Oct 2022 09:00:00 +9999",
    "th07-truong-tieu-hoc-nam-hai.xlsx": YEAR_100,
}
LONG_SUBJECT = "Báo cáo " + "rất dài " * 17_500  # 140,000 characters
SEMICOLONS = '=HYPERLINK("http://x";"Báo cáo");lần 2;;"gửi lại"; tệp đính kèm'
MB = 1024 * 1024
BIG_HEADERS = {  # shapes that made the standard library's header parsers take minutes
    "mn01-truong-mam-non-cat-bi.xlsx": (b"Subject", b"=?UTF-8?B?w6E=?= " * (2 * MB // 17)),
    "mn02-truong-mam-non-dang-giang.xlsx": (
        b"Content-Disposition",
        b'inline; a="' + b";" * (2 * MB),
    ),
    "mn04-truong-mam-non-dang-lam.xlsx": (b"From", b"(" * MB + b"x@y.vn" + b")" * MB),
    "mn05-truong-mam-non-dong-hai-1.xlsx": (b"To", b"a <b@c.vn>, " * (2 * MB // 12)),
}


def hostile_folder(folder: Path) -> Path:
    """One message per hostile header; each carries a sample return of its own."""
    folder.mkdir()
    n = 0

    def letter(name: str, subject: str = "Báo cáo HTSĐ", received: bool = True) -> bytes:
        nonlocal n
        n += 1
        sender = f"dv{n:02d}@haian.edu.vn"
        return Letter(
            f"h{n}",
            sender,
            subject,
            at(8, 8, n),
            [part(f'filename="{name}"'.encode(), sample(name))],
        ).mime(received=received)

    for name, date in HOSTILE_DATES.items():
        (folder / f"{name}.eml").write_bytes(with_header(letter(name), b"Date", date))
    # no Received either: the year-100 date is all there is, and it is not believed
    name = "th08-truong-tieu-hoc-thanh-to.xlsx"
    (folder / "nam-100.eml").write_bytes(
        with_header(letter(name, received=False), b"Date", YEAR_100)
    )
    folded = email.header.Header(LONG_SUBJECT, "utf-8").encode().replace("\n", "\r\n")
    (folder / "dai.eml").write_bytes(
        with_header(letter("thcs03-truong-thcs-dang-lam.xlsx"), b"Subject", folded.encode())
    )
    (folder / "cham-phay.eml").write_bytes(letter("thcs04-truong-thcs-dong-hai.xlsx", SEMICOLONS))
    for name, (header, value) in BIG_HEADERS.items():
        (folder / f"lon-{name}.eml").write_bytes(with_header(letter(name), header, value))
    return folder


def test_hostile_headers_never_stop_a_collect_nor_break_the_book(tmp_path):
    folder = hostile_folder(tmp_path / "thu")
    out, book = tmp_path / "bao-cao", tmp_path / "so-nhan.csv"
    summary = collect(str(folder), out, book)
    saved = {s["original"]: s for s in summary["saved"]}
    expected = {*HOSTILE_DATES, *BIG_HEADERS, "th08-truong-tieu-hoc-thanh-to.xlsx",
                "thcs03-truong-thcs-dang-lam.xlsx", "thcs04-truong-thcs-dong-hai.xlsx"}  # fmt: skip
    assert set(saved) == expected and summary["broken"] == []
    for name, s in saved.items():
        assert (out / s["file"]).read_bytes() == sample(name)
    # a Date no calendar holds: the server's time (here the Received header's) is booked
    assert sorted(summary["date_unreadable"]) == sorted(
        [f"{name}.eml" for name in HOSTILE_DATES] + ["nam-100.eml"]
    )
    rows = {r["tep"]: r for r in book_rows(book)}
    for name in HOSTILE_DATES:
        row = rows[saved[name]["file"]]
        assert row["nguon_ngay"] == "tiêu đề Received; ngày gửi không đọc được"
        assert row["ngay_nhan"].startswith("08/10/2022 08:0")
    year_100 = saved["th08-truong-tieu-hoc-thanh-to.xlsx"]["file"]
    assert year_100 in summary["unbooked"] and year_100 not in rows
    # subjects cut to a sane length, semicolons kept inside their quoted field
    long_row = rows[saved["thcs03-truong-thcs-dang-lam.xlsx"]["file"]]
    assert len(long_row["tieu_de"]) <= 300 and long_row["tieu_de"].startswith("Báo cáo rất dài")
    assert rows[saved["thcs04-truong-thcs-dong-hai.xlsx"]["file"]]["tieu_de"] == SEMICOLONS
    assert max(len(line) for line in book.read_text(encoding="utf-8-sig").splitlines()) < 1000
    # the book reads: status dates every booked file, and a second collect goes through
    report = status_json(out, book)
    received = {u["code"]: u["received"] for u in report["units"]}
    assert received["THCS04"] == "2022-10-08 08:06:00"
    again = collect(str(folder), out, book)
    assert again["saved"] == [] and len(again["duplicates"]) == len(expected)


def test_a_book_resaved_by_excel_with_semicolons_still_reads(tmp_path):
    """Excel with Vietnamese regional settings saves CSV with ';'. The delimiter is taken from
    the header line, never from a subject full of semicolons and commas."""
    folder = tmp_path / "thu"
    folder.mkdir()
    letters = list(corpus())[:4]
    letters[1] = Letter(
        letters[1].key, letters[1].sender, "a, b, c, d, e; f, g", letters[1].arrived,
        letters[1].parts,
    )  # fmt: skip
    for letter in letters[:2]:
        (folder / f"{letter.key}.eml").write_bytes(letter.mime(received=True))
    out, book = tmp_path / "bao-cao", tmp_path / "so-nhan.csv"
    collect(str(folder), out, book)
    rows = list(csv.reader(io.StringIO(book.read_text(encoding="utf-8-sig"))))
    resaved = io.StringIO()
    csv.writer(resaved, delimiter=";", lineterminator="\r\n").writerows(rows)
    book.write_bytes(resaved.getvalue().encode("utf-8-sig"))
    received = {u["code"]: u["received"] for u in status_json(out, book)["units"]}
    assert received["THCS01"] == "2022-10-05 09:00:00"
    assert received["MN03"] == "2022-10-06 10:15:00"
    for letter in letters[2:]:
        (folder / f"{letter.key}.eml").write_bytes(letter.mime(received=True))
    collect(str(folder), out, book)
    text = book.read_bytes().decode("utf-8-sig")
    assert text.startswith("tep;ngay_nhan;nguon_ngay;nguoi_gui;tieu_de\r\n")
    assert [r["tieu_de"] for r in book_rows(book)][:2] == ["Báo cáo HTSĐ", "a, b, c, d, e; f, g"]
    assert len(book_rows(book)) == 4


def debris(*folders: Path) -> list[str]:
    """What an interrupted run could leave: temporary files, staging folders, locks."""
    return sorted(
        p.name
        for folder in folders
        if folder.exists()
        for p in folder.iterdir()
        if p.name.startswith(".htsd-tam-") or p.name.endswith((".tmp", ".lock"))
    )


def check_whole(out: Path, book: Path) -> None:
    """Every return saved once, byte for byte, and booked once with its arrival."""
    saved = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert saved == sorted(EXPECTED)
    for name, (data, _when) in EXPECTED.items():
        assert (out / name).read_bytes() == data
    rows = book_rows(book)
    assert sorted(r["tep"] for r in rows) == sorted(EXPECTED)
    for row in rows:
        assert row["ngay_nhan"] == EXPECTED[row["tep"]][1].strftime("%d/%m/%Y %H:%M:%S")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_at_random_moments_then_a_clean_run(tmp_path):
    """SIGKILL at moments drawn at random (seeded: a failure names its delay) across the time a
    run takes to save its files, and once right after the first message, as a power cut would;
    each time a clean run then finds nothing left behind and nothing twice."""
    source = write_eml(tmp_path / "thu")
    env = {**os.environ, "TZ": TZ_ENV}

    def start(n: int, **extra: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
        out, book = tmp_path / f"bao-cao-{n}", tmp_path / f"so-nhan-{n}.csv"
        args = [sys.executable, "-m", "htsd_cli", "collect", str(source), "-o", str(out)]
        args += ["--receipts", str(book), "-c", str(SAMPLE_CONFIG)]
        child = subprocess.Popen(
            args, env={**env, **extra}, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        return child, out, book

    # how long saving takes on this machine now: from the start to the first file, to the end
    began = time.monotonic()
    child, out, _book = start(0)
    first = None
    while child.poll() is None:
        if first is None and out.exists() and any(p.suffix for p in out.iterdir()):
            first = time.monotonic() - began
        time.sleep(0.005)
    end = time.monotonic() - began
    first = first or end / 2
    draw = random.Random(32)
    rounds: list[dict[str, str] | float] = [{"HTSD_TEST_STOP_AT": "collect-taken=kill"}]
    rounds += [round(draw.uniform(first * 0.8, end), 3) for _ in range(5)]
    for n, how in enumerate(rounds, 1):
        if isinstance(how, dict):
            child, out, book = start(n, **how)
        else:
            child, out, book = start(n)
            time.sleep(how)
            child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        collect(str(source), out, book)
        assert debris(out, tmp_path) == [], how
        check_whole(out, book)


def test_a_run_with_nothing_new_still_removes_a_killed_writer_s_leftovers(tmp_path):
    """Killed while writing the book, after it had saved every file: the next run has nothing
    to add, and still removes the book's lock and temporary copy (a random kill found this)."""
    source = write_eml(tmp_path / "thu")
    out, book = tmp_path / "bao-cao", tmp_path / "so-nhan.csv"
    collect(str(source), out, book)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    pid = int(gone.stdout)
    (tmp_path / ".so-nhan.csv.htsd-dang-ghi.lock").write_text(f"{pid}\n", encoding="utf-8")
    (tmp_path / f".so-nhan.csv.{pid}-0a1b2c3d.tmp").write_text("x", encoding="utf-8")
    collect(str(source), out, book)
    assert debris(out, tmp_path) == []
    check_whole(out, book)


def test_tidy_removes_a_left_temporary_copy_and_closes_the_folder_listing(tmp_path):
    """A temporary copy of the book left without its lock is found and removed; looking for it
    leaves no folder listing open (an os.scandir left unclosed warns when collected)."""
    import gc
    import warnings

    from htsd_cli.intake import receipts

    book = tmp_path / "so-nhan.csv"
    book.write_text("tep,ngay_nhan\r\n", encoding="utf-8")
    left = tmp_path / ".so-nhan.csv.1-0a1b2c3d.tmp"
    left.write_text("x", encoding="utf-8")
    (tmp_path / "z-other.txt").write_text("y", encoding="utf-8")  # listed after the copy
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        receipts.tidy(book)
        gc.collect()
    assert not left.exists()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_the_next_run_removes_what_a_killed_run_left(tmp_path):
    """What a run killed mid-write leaves (a file written but not yet named, the book's
    temporary copy, the locks of a process that is gone) is removed before anything else."""
    import json as json_

    source = write_eml(tmp_path / "thu")
    out, book = tmp_path / "bao-cao", tmp_path / "so-nhan.csv"
    out.mkdir()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    pid = int(gone.stdout)
    left = [
        out / f".htsd-tam-{pid}-0a1b2c3d.xlsx",
        tmp_path / f".so-nhan.csv.{pid}-0a1b2c3d.tmp",
        tmp_path / f".so-nhan-thu-khong-den.csv.{pid}-0a1b2c3d.tmp",
    ]
    for path in left:
        path.write_bytes(b"half")
    lock = json_.dumps({"pid": pid, "started": 1.0, "host": socket.gethostname()})
    (out / ".htsd-dang-ghi.lock").write_text(lock, encoding="utf-8")
    (tmp_path / ".so-nhan.csv.htsd-dang-ghi.lock").write_text(lock, encoding="utf-8")
    collect(str(source), out, book)
    assert debris(out, tmp_path) == []
    check_whole(out, book)


def _mount(where: Path, size: str) -> bool:
    where.mkdir(exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
    )
    return done.returncode == 0


@pytest.mark.skipif(sys.platform == "win32", reason="tmpfs")
def test_a_full_disk_is_told_and_leaves_nothing(tmp_path, monkeypatch):
    """The returns folder and the book on a small disk that fills after a few files: the run
    stops with a Vietnamese message naming the path, the files saved so far are booked, nothing
    half-written stays; once there is room, a run takes the rest. On a machine that cannot mount
    a small file system, the disk fills by a write that raises ENOSPC instead."""
    disk = tmp_path / "o-dia"
    source = write_eml(tmp_path / "thu")
    mounted = os.geteuid() == 0 and _mount(disk, "64k")
    try:
        out, book = disk / "bao-cao", disk / "so-nhan.csv"
        if mounted:
            result = htsd(
                "collect", str(source), "-o", str(out), "--receipts", str(book),
                "-c", str(SAMPLE_CONFIG),
            )  # fmt: skip
            said = " ".join(result.stderr.split())
            assert result.returncode == 1 and "Traceback" not in result.stderr, said
        else:
            said = _full_in_process(monkeypatch, source, out, book)
        assert "ổ đĩa đã đầy" in said and str(out) in said, said
        assert debris(out, disk) == []
        saved = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
        assert saved and set(saved) < set(EXPECTED)
        if mounted:
            subprocess.run(["mount", "-o", "remount,size=16m", str(disk)], check=True)
        monkeypatch.undo()
        time.tzset()
        collect(str(source), out, book)
        assert debris(out, disk) == []
        check_whole(out, book)
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(disk)], check=False)


def _full_in_process(monkeypatch, source: Path, out: Path, book: Path) -> str:
    import errno

    from htsd_cli import collect as collecting
    from htsd_cli.base.errors import HtsdError
    from htsd_cli.intake import mail

    monkeypatch.setenv("TZ", TZ_ENV)  # arrival times as the subprocess runs book them
    time.tzset()
    written = {"n": 0}
    real = collecting.write_synced

    def filling(path: Path, data: bytes) -> None:
        written["n"] += 1
        if written["n"] > 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(collecting, "write_synced", filling)
    try:
        for _ in collecting.collect(mail.files(source), out, book):
            pass
    except HtsdError as exc:
        return str(exc)
    raise AssertionError("the disk never filled")


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT to a child")
def test_two_collects_at_once_lose_no_line(tmp_path):
    """Two mailboxes into two returns folders, one receipts book. Both runs read the book, take a
    message, and are held there until both are; then both are stopped (Ctrl-C) and write the
    book at the same moment; then both run to the end at once. Every file is booked once."""
    letters = [letter for letter in corpus() if letter.key in ("a", "b", "c", "d", "e", "k")]
    sources = []
    for n in range(2):
        folder = tmp_path / f"thu-{n}"
        folder.mkdir()
        for letter in letters[n::2]:
            (folder / f"{letter.key}.eml").write_bytes(letter.mime(received=True))
        sources.append(folder)
    book = tmp_path / "so-nhan.csv"
    outs = [tmp_path / f"bc-{n}" for n in range(2)]

    def start(n: int, **extra: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "htsd_cli", "collect", str(sources[n]), "-o", str(outs[n]),
             "--receipts", str(book), "-c", str(SAMPLE_CONFIG), "--json"],
            env={**os.environ, "TZ": TZ_ENV, **extra}, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        )  # fmt: skip

    ready = [tmp_path / f"san-sang-{n}.json" for n in range(2)]
    held = [start(n, HTSD_TEST_STOP_AT=f"collect-taken=wait:{ready[n]}") for n in range(2)]
    deadline = time.monotonic() + 120
    while not all(r.exists() for r in ready) and time.monotonic() < deadline:
        assert all(child.poll() is None for child in held)
        time.sleep(0.02)
    for child in held:
        child.send_signal(signal.SIGINT)
    assert [child.wait(timeout=120) for child in held] == [130, 130]
    kept = sorted(p.name for out in outs for p in out.iterdir() if not p.name.startswith("."))
    assert len(kept) == 2 and sorted(r["tep"] for r in book_rows(book)) == kept
    both = [start(n) for n in range(2)]
    results = [child.communicate(timeout=300) for child in both]
    assert [child.returncode for child in both] == [0, 0], results
    kept = sorted(p.name for out in outs for p in out.iterdir() if not p.name.startswith("."))
    assert len(kept) == 7  # the zip holds two returns
    assert sorted(r["tep"] for r in book_rows(book)) == kept
    assert debris(tmp_path, *outs) == []
