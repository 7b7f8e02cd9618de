"""Hostile and broken files: each is reported by name within its limits; the batch goes on."""

from __future__ import annotations

import io
import os
import random
import re
import time
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from htsd_cli.base.isolate import Crash, run_isolated
from htsd_cli.checks.validate import validate_paths
from htsd_cli.cli import app

from .conftest import SAMPLE_CONFIG

runner = CliRunner()


def _rewrite_zip(source: bytes, change) -> bytes:
    """Copy a zip, letting `change(name, data)` return new data (or None to drop the member)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
    return out.getvalue()


def _bomb(size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr(
            "xl/workbook.xml", '<workbook><sheets><sheet name="a" r:id="rId1"/></sheets></workbook>'
        )
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as handle:
            chunk = b"<c/>" * (1 << 18)
            for _ in range(size // len(chunk)):
                handle.write(chunk)
    return out.getvalue()


def _lying_bomb() -> bytes:
    """A bomb whose headers claim every member is tiny."""
    data = bytearray(_bomb(200 * 1024 * 1024))
    for sig, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        for m in re.finditer(re.escape(sig), bytes(data)):
            data[m.start() + offset : m.start() + offset + 4] = (1000).to_bytes(4, "little")
    return bytes(data)


def _entities(good: bytes, part: str, doctype: str) -> bytes:
    def change(name, data):
        if name == part:
            return (
                data.replace(b"?>", b"?>" + doctype.encode(), 1)
                if data.startswith(b"<?xml")
                else doctype.encode() + data
            )
        return data

    return _rewrite_zip(good, change)


def _many_sheets(good: bytes, count: int) -> bytes:
    def change(name, data):
        if name == "xl/workbook.xml":
            extra = "".join(
                f'<sheet name="S{i}" sheetId="{i + 10}" r:id="rId1"/>' for i in range(count)
            )
            return data.replace(b"</sheets>", extra.encode() + b"</sheets>")
        return data

    return _rewrite_zip(good, change)


def _far_cell(tmp: Path, keep_dimension: bool) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "Báo cáo"
    wb.active["A1"] = "x"
    wb.active["XFD1048576"] = "xa"
    path = tmp / f"far-{keep_dimension}.xlsx"
    wb.save(path)
    if keep_dimension:
        return path.read_bytes()
    return _rewrite_zip(path.read_bytes(), lambda n, d: re.sub(rb"<dimension[^>]*/>", b"", d))


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    return out.getvalue()


def _plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("anh.jpg", b"\xff\xd8\xff" + bytes(100))
    return out.getvalue()


def _encrypted(good: bytes) -> bytes:
    msoffcrypto = pytest.importorskip(
        "msoffcrypto", reason="msoffcrypto-tool builds the encrypted sample"
    )
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(good)).encrypt("matkhau", out)
    assert msoffcrypto
    return out.getvalue()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, issued, form):
    """A folder of hostile files (name → expected finding codes) plus one good return."""
    from htsd_cli.fill import fill_workbook

    from .conftest import full_values

    folder = tmp_path_factory.mktemp("hostile")
    work = tmp_path_factory.mktemp("hostile-work")
    good = fill_workbook(issued["TH02"], full_values(form, unit_type="tieu_hoc"))
    rng = random.Random(7)
    billion_laughs = (
        '<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">'
            for i in range(9)
        )
        + "]>"
    )
    files: dict[str, tuple[bytes | None, set[str]]] = {
        "rong.xlsx": (b"", {"unreadable-file"}),
        "ngau nhien.xlsx": (rng.randbytes(20_000), {"unreadable-file"}),
        "cat-cut.xlsx": (good[: len(good) // 2], {"unreadable-file"}),
        "bang.csv.xlsx": (b"ma,so\nA,1\n", {"unreadable-file"}),
        "trang-web.xls": (
            b"<html><body><table><tr><td>1</td></tr></table></body></html>",
            {"unreadable-file"},
        ),
        "van-ban.xlsx": (_docx(), {"unreadable-file"}),
        "nen.xlsx": (_plain_zip(), {"unreadable-file"}),
        "mat-khau.xlsx": (_encrypted(good), {"encrypted-file"}),
        "bom.xlsx": (_bomb(160 * 1024 * 1024), {"unsafe-file"}),
        "bom-noi-doi.xlsx": (_lying_bomb(), {"unsafe-file", "unreadable-file"}),
        "thuc-the.xlsx": (
            _entities(good, "xl/worksheets/sheet1.xml", billion_laughs),
            {"unsafe-file"},
        ),
        "thuc-the-ngoai.xlsx": (
            _entities(
                good, "xl/workbook.xml", '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            ),
            {"unsafe-file"},
        ),
        "vung-lon.xlsx": (_far_cell(work, keep_dimension=True), {"unsafe-file"}),
        # no declaration to go by: the guard finds the far cell itself, before the reader
        "vung-lon-an.xlsx": (_far_cell(work, keep_dimension=False), {"unsafe-file"}),
        "nghin-trang.xlsx": (_many_sheets(good, 3000), {"unsafe-file"}),
        "-bat-dau-gach.xlsx": (good, set()),
        "$(touch pwned); x.xlsx": (good, {"duplicate-unit"}),
        "tot.xlsx": (good, {"duplicate-unit"}),
    }
    for name, (data, _) in files.items():
        assert data is not None
        (folder / name).write_bytes(data)
    # the two good copies above and this one belong to the same unit
    files["-bat-dau-gach.xlsx"] = (good, {"duplicate-unit"})
    huge = fill_workbook(
        issued["TH03"],
        {**full_values(form, unit_type="tieu_hoc"), "s3_to_roi": "9" * 5 + "x" * 5_000_000},
    )
    (folder / "chuoi-lon.xlsx").write_bytes(huge)
    files["chuoi-lon.xlsx"] = (huge, {"not-a-number"})
    os.mkfifo(folder / "ong.xlsx")
    files["ong.xlsx"] = (None, {"unreadable-file"})
    (folder / "thu-muc.xlsx").mkdir()
    files["thu-muc.xlsx"] = (None, {"unreadable-file"})
    (folder / "lien-ket-hong.xlsx").symlink_to(folder / "khong-co.xlsx")
    files["lien-ket-hong.xlsx"] = (None, {"unreadable-file"})
    (folder / "lien-ket-thu-muc.xlsx").symlink_to(folder / "thu-muc.xlsx")
    files["lien-ket-thu-muc.xlsx"] = (None, {"unreadable-file"})
    return folder, {name: codes for name, (_, codes) in files.items()}


def test_every_hostile_file_is_reported_and_the_batch_goes_on(hostile, form):
    folder, expected = hostile
    started = time.monotonic()
    report = validate_paths([folder], form)
    elapsed = time.monotonic() - started
    got = {Path(r.path).name: {f.code for f in r.findings} for r in report.files}
    assert set(got) == set(expected), "a file was skipped silently or invented"
    for name, codes in expected.items():
        if not codes:
            continue
        assert got[name] & codes or got[name] == codes, (name, got[name])
        assert got[name] - {"duplicate-unit"} <= codes | {"blank-value"}, (name, got[name])
    good = next(r for r in report.files if Path(r.path).name == "tot.xlsx")
    assert good.values["s3_to_roi"] == 3 and all(not f.is_error for f in good.findings)
    assert elapsed < 5 * len(expected)
    assert not (Path.cwd() / "pwned").exists() and not (folder / "pwned").exists()


def test_messages_name_the_problem_in_vietnamese(hostile, form):
    folder, _ = hostile
    report = validate_paths([folder], form)
    messages = {Path(r.path).name: r.findings[0].message for r in report.files if r.findings}
    assert "mật khẩu" in messages["mat-khau.xlsx"] and "gỡ mật khẩu" in messages["mat-khau.xlsx"]
    assert "bom nén" in messages["bom.xlsx"]
    assert "DOCTYPE" in messages["thuc-the-ngoai.xlsx"]
    assert "Word" in messages["van-ban.xlsx"]
    assert "trang web" in messages["trang-web.xls"]
    assert "thư mục" in messages["thu-muc.xlsx"]
    assert "FIFO" in messages["ong.xlsx"]
    assert (
        "3003 trang tính" in messages["nghin-trang.xlsx"]
        or "trang tính" in messages["nghin-trang.xlsx"]
    )
    huge = next(r for r in report.files if Path(r.path).name == "chuoi-lon.xlsx")
    assert len(huge.findings[0].value) <= 80


def test_cli_on_hostile_folder_never_shows_a_traceback(hostile):
    folder, expected = hostile
    result = runner.invoke(app, ["validate", "--config", str(SAMPLE_CONFIG), str(folder), "--json"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    import json

    assert len(json.loads(result.stdout)["files"]) == len(expected)


def test_leading_dash_file_name_after_double_dash(hostile):
    folder, _ = hostile
    result = runner.invoke(
        app, ["validate", "--config", str(SAMPLE_CONFIG), "--", str(folder / "-bat-dau-gach.xlsx")]
    )
    assert result.exit_code == 0, result.output


def _sleepy(item):
    if item == "slow":
        time.sleep(120)  # far longer than the batch may take: only the time-out ends it
    if item == "crash":
        os.abort()
    if item == "hog":
        bytearray(2 * 1024 * 1024 * 1024)
    return item.upper()


def test_worker_limits_time_crash_and_memory():
    started = time.monotonic()
    results = dict(
        run_isolated(
            _sleepy,
            ["a", "slow", "crash", "hog", "b"],
            workers=2,
            timeout=1.0,
            memory=300 * 1024 * 1024,
        )
    )
    # the slow worker was stopped, not waited for (a wide margin: spawning workers on a loaded
    # two-core machine takes seconds each)
    assert time.monotonic() - started < 60
    assert results[0] == "A" and results[4] == "B"
    assert isinstance(results[1], Crash) and results[1].reason == "timeout"
    assert isinstance(results[2], Crash) and results[2].reason in ("memory", "crash")
    assert isinstance(results[3], Crash) and results[3].reason == "memory"


def _sheet(dimension: str, cells: str, last_row: str = "") -> bytes:
    head = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<worksheet>{head}<sheetData><row r="1">{cells}</row>{last_row}</sheetData></worksheet>'
    ).encode()


def test_guard_measures_real_cells_not_the_declaration():
    from htsd_cli.reading.guard import MAX_CELLS, Unreadable, check_sheet_content

    value = '<c r="A1" t="s"><v>0</v></c>'
    # what LibreOffice writes after a row is deleted: a declaration to row 1048576, an empty
    # last row, and a styled empty cell far away
    check_sheet_content(
        _sheet("A1:D1048576", value, '<row r="1048576"><c r="XFD1048576" s="3"/></row>')
    )
    check_sheet_content(_sheet("", value))
    with pytest.raises(Unreadable, match="XFD1048576"):
        check_sheet_content(_sheet("", value + '<c r="XFD1048576"><v>1</v></c>'))
    many = "".join(
        f'<c r="{col}{r}"><v>1</v></c>'
        for r in range(1, MAX_CELLS // 10 + 2)
        for col in "ABCDEFGHIJ"
    )
    with pytest.raises(Unreadable) as info:
        check_sheet_content(_sheet("A1:ZZ1000000", many))
    assert info.value.code == "unsafe-file" and "ô chứa dữ liệu" in info.value.message


def _cell_type(good: bytes, t: str, value: str) -> bytes:
    """The first number cell of the form sheet rewritten with type `t` and text `value`."""
    import re

    def change(name, data):
        if name != "xl/worksheets/sheet1.xml":
            return data
        return re.sub(
            rb'<c r="([A-Z]+\d+)"( s="\d+")?(?: t="n")?><v>[0-9.]+</v></c>',
            lambda m: (
                b'<c r="%s"%s t="%s"><v>%s</v></c>'
                % (m.group(1), m.group(2) or b"", t.encode(), value.encode())
            ),
            data,
            count=1,
        )

    return _rewrite_zip(good, change)


def _method(good: bytes, method: int) -> bytes:
    """Every member's compression method number set to `method` (local and central headers)."""
    import struct

    data = bytearray(good)
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = data.find(signature)
        while at >= 0:
            struct.pack_into("<H", data, at + offset, method)
            at = data.find(signature, at + 4)
    return bytes(data)


ENGLISH = ("Unrecognized", "Cannot", "Unknown", "Invalid", "Error", "error", "attribute", "Zip")


def test_unusual_files_get_reasons_in_words(tmp_path, issued, form):
    from htsd_cli.checks.checkfile import check_file
    from htsd_cli.fill import fill_workbook

    from .conftest import full_values

    good = fill_workbook(issued["TH02"], full_values(form, unit_type="tieu_hoc"))
    cases = {
        "dung-sai.xlsx": (_cell_type(good, "b", "x"), "Đúng/Sai"),
        "kieu-la.xlsx": (_cell_type(good, "zz", "1"), "kiểu dữ liệu"),
        "nen-la.xlsx": (_method(good, 12), "không phải do đặt mật khẩu"),
        "nen-aes.xlsx": (_method(good, 99), "gỡ mật khẩu"),
        "thieu-trang.xlsx": (
            _rewrite_zip(good, lambda n, d: None if n == "xl/worksheets/sheet1.xml" else d),
            "",
        ),
    }
    for name, (data, words) in cases.items():
        (tmp_path / name).write_bytes(data)
        report = check_file(str(tmp_path / name), form)
        errors = [f.message for f in report.findings if f.is_error]
        assert errors, name
        assert words in errors[0], (name, errors)
        assert not any(e in errors[0] for e in ENGLISH), (name, errors[0])
        assert "(t)" not in errors[0] and "()" not in errors[0], (name, errors[0])


@pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges on Windows")
def test_links_out_of_the_given_folders_are_not_followed(tmp_path, issued, form):
    secret = tmp_path / "ngoai"
    secret.mkdir()
    (secret / "bi-mat.xlsx").write_bytes(issued["TH02"].read_bytes())
    folder = tmp_path / "bao-cao-ve"
    folder.mkdir()
    (folder / "lien-ket.xlsx").symlink_to(secret / "bi-mat.xlsx")
    (folder / "thu-muc-lien-ket").symlink_to(secret)
    (folder / "ban-that.xlsx").write_bytes(issued["TH03"].read_bytes())
    (folder / "lien-ket-trong.xlsx").symlink_to(folder / "ban-that.xlsx")
    report = validate_paths([folder], form)
    read = sorted(Path(r.path).name for r in report.files)
    assert read == ["ban-that.xlsx", "lien-ket-trong.xlsx"]  # a link inside is read
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert "nằm ngoài các thư mục đã chỉ định" in reasons["lien-ket.xlsx"]
    assert "không đọc theo" in reasons["thu-muc-lien-ket"]


def _packages() -> list[tuple[str, bytes]]:
    """Every bundled return that is a zip (xlsx, ods), with its name."""
    folder = SAMPLE_CONFIG.parent / "returns"
    found = [(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()]
    return [(name, data) for name, data in found if data.startswith(b"PK\x03\x04")]


def test_the_direct_zip_reader_gives_what_zipfile_gives():
    from htsd_cli.reading.guard import Package, _central_directory

    packages = _packages()
    assert len(packages) >= 5
    for name, data in packages:
        assert _central_directory(data) is not None, f"{name}: an ordinary zip, read directly"
        pkg = Package(data)
        assert pkg.zf is None
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert set(pkg.infos) == set(zf.namelist())
            for part in zf.namelist():
                assert pkg.part(part) == zf.read(part), (name, part)
                assert pkg.head(part, 100) == zf.read(part)[:100], (name, part)
    # a stored (uncompressed) package too
    _, data = packages[0]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zf, zipfile.ZipFile(out, "w") as packed:
        for part in zf.namelist():
            packed.writestr(part, zf.read(part), zipfile.ZIP_STORED)
    stored = out.getvalue()
    with zipfile.ZipFile(io.BytesIO(stored)) as zf:
        for part in zf.namelist():
            read = Package(stored).part(part)
            assert type(read) is bytes and read == zf.read(part)


def _flip(data: bytes, part: str, how: str) -> bytes:
    """A package with one part damaged in the central directory or its data."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(part)
    entry = next(
        m.start()
        for m in re.finditer(re.escape(b"PK\x01\x02"), data)
        if data[m.start() + 46 : m.start() + 46 + len(part)] == part.encode()
    )
    if how == "crc":
        out[entry + 16 : entry + 20] = ((info.CRC + 1) % 2**32).to_bytes(4, "little")
    elif how == "size":  # the part says it is smaller than it is
        out[entry + 24 : entry + 28] = (info.file_size // 2).to_bytes(4, "little")
    elif how == "data":  # the compressed stream itself
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        out[start + 10 : start + 40] = bytes(30)
    elif how == "header":  # the directory points at something that is not a part
        out[entry + 42 : entry + 46] = (info.header_offset + 1).to_bytes(4, "little")
    elif how == "name":  # the part itself says it is another one
        at = info.header_offset + 30 + len(part) - 1
        out[at : at + 1] = b"k"
    return bytes(out)


@pytest.mark.parametrize("how", ["crc", "size", "data", "header", "name"])
def test_a_damaged_part_is_refused_by_the_direct_reader_as_by_zipfile(how):
    from htsd_cli.reading.guard import Package, Unreadable

    _, data = _packages()[0]
    part = "xl/workbook.xml"
    damaged = _flip(data, part, how)
    zf = zipfile.ZipFile(io.BytesIO(damaged))
    with pytest.raises((zipfile.BadZipFile, zlib.error)):  # the standard library refuses it too
        zf.read(part)
    pkg = Package(damaged)
    assert pkg.zf is None
    with pytest.raises(Unreadable, match=r"xl/workbook\.xml") as refused:
        pkg.part(part)
    assert refused.value.code == "unreadable-file"
    # and through zipfile (data before the archive sends it there): the same refusal
    fallback = Package(b"MZ" + bytes(100) + damaged)
    assert fallback.zf is not None
    with pytest.raises(Unreadable, match=r"xl/workbook\.xml") as refused:
        fallback.part(part)
    assert refused.value.code == "unreadable-file"


def test_a_package_that_is_not_plain_is_read_by_zipfile():
    from htsd_cli.reading.guard import Package

    _, data = _packages()[0]
    prefixed = b"MZ" + bytes(100) + data  # data before the archive (a self-extracting file)
    pkg = Package(prefixed)
    assert pkg.zf is not None
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert pkg.part("xl/workbook.xml") == zf.read("xl/workbook.xml")
