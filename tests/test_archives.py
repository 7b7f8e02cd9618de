"""Archives among the returns (issue 28): a .zip and Outlook's winmail.dat in the returns folder are
read as `collect` reads them, through the same guard, by validate, status and aggregate; their
workbooks are named "bao-cao.zip › th01.xlsx" in every message; an archive htsd cannot open
(.rar, .7z) is named with its unit and the advice to send the workbook itself, and the unit shows
as sent but unusable, not as missing."""

from __future__ import annotations

import io
import json
import shutil
import struct
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from htsd_cli.cli import app

from .conftest import SAMPLE_CONFIG, SAMPLES
from .tools.tnef import ATTACHMENT, ATTACHMENT_PROPS, _attribute, winmail

runner = CliRunner()
RETURNS = SAMPLES / "returns"
TH01 = "th01-truong-tieu-hoc-cat-bi.xlsx"
TH02 = "th02-truong-tieu-hoc-dang-giang.xlsx"
TH03 = "th03-truong-tieu-hoc-dang-hai.xlsx"


def zipped(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def hostile_winmail() -> bytes:
    """A winmail.dat whose attachment declares four billion properties: tnefparse walks them."""
    data = winmail([("a.xlsx", b"PK")])
    return data + _attribute(ATTACHMENT, ATTACHMENT_PROPS, struct.pack("<I", 0xFFFFFFFF))


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> tuple[Path, Path]:
    """The same returns loose, and packed the ways units and clerks pack them."""
    root = tmp_path_factory.mktemp("nen")
    loose, packed = root / "roi", root / "nen"
    loose.mkdir()
    packed.mkdir()
    for name in (TH01, TH02, TH03):
        shutil.copy(RETURNS / name, loose / name)
    read = {name: (RETURNS / name).read_bytes() for name in (TH01, TH02, TH03)}
    (packed / "bao-cao.zip").write_bytes(
        zipped([(f"Tiểu học Cát Bi/{TH01}", read[TH01]), ("ghi-chu.txt", "Ghi chú".encode())])
    )
    (packed / "winmail.dat").write_bytes(
        winmail([("Báo cáo Đằng Giang.xlsx", read[TH02]), ("logo.png", b"\x89PNG")])
    )
    inner = winmail([("Tiểu học Đằng Hải.xlsx", read[TH03])])
    (packed / "gui-lai.zip").write_bytes(zipped([("winmail.dat", inner)]))  # nested
    (packed / "thcs03-truong-thcs-dang-lam.rar").write_bytes(b"Rar!\x1a\x07\x00" + b"\0" * 40)
    (packed / "mn01-ho-so.7z").write_bytes(b"7z\xbc\xaf\x27\x1c" + b"\0" * 40)
    (packed / "mn02-scan.zip").write_bytes(zipped([("Báo cáo.pdf", b"%PDF-1.4")]))
    (packed / "mn04-bom.zip").write_bytes(zipped([("mn04.xlsx", b"\0" * (60 * 1024 * 1024))]))
    return loose, packed


def run(*args: str) -> dict:
    result = runner.invoke(app, [*args, "-c", str(SAMPLE_CONFIG), "--json"])
    assert "Traceback" not in result.output
    return json.loads(result.stdout)


def test_validate_reads_what_archives_hold(folders):
    _loose, packed = folders
    report = run("validate", str(packed))
    files = {Path(f["path"]).name: f for f in report["files"]}
    assert sorted(files) == [
        f"bao-cao.zip › {TH01}",
        "gui-lai.zip › winmail.dat › Tiểu học Đằng Hải.xlsx",
        "winmail.dat › Báo cáo Đằng Giang.xlsx",
    ]
    assert {f["unit"]["code"] for f in files.values()} == {"TH01", "TH02", "TH03"}
    assert all(f["valid"] for f in files.values())
    skipped = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    advice = "hãy nhờ đơn vị gửi chính tệp bảng tính (.xlsx), không nén"
    assert (
        skipped["thcs03-truong-thcs-dang-lam.rar"] == f"tệp nén RAR, htsd không mở được; {advice}"
    )
    assert skipped["mn01-ho-so.7z"] == f"tệp nén 7-Zip, htsd không mở được; {advice}"
    assert skipped["mn02-scan.zip"] == "tệp nén không có bảng tính (có: Báo cáo.pdf)"
    assert "nghi tệp độc" in skipped["mn04-bom.zip"]
    assert skipped["bao-cao.zip › ghi-chu.txt"] == "không phải bảng tính"
    assert skipped["winmail.dat › logo.png"] == "không phải bảng tính"


def test_a_hostile_winmail_is_stopped_by_the_guard(tmp_path):
    """A TNEF found by its first bytes whatever its name, listed in a worker whose time limit
    stops the parser's walk of four billion declared properties; the batch goes on."""
    (tmp_path / "ATT00001.dat").write_bytes(hostile_winmail())
    shutil.copy(RETURNS / TH01, tmp_path / TH01)
    report = run("validate", str(tmp_path))
    assert [Path(f["path"]).name for f in report["files"]] == [TH01]
    [skipped] = report["skipped"]
    assert Path(skipped["path"]).name == "ATT00001.dat"
    assert "quá lâu hoặc quá tốn bộ nhớ (nghi tệp độc)" in skipped["reason"]


def test_status_and_aggregate_count_zipped_returns_as_loose_ones(folders, tmp_path):
    loose, packed = folders
    by_code = {u["code"]: u for u in run("status", str(packed), "--as-of", "08/10/2022")["units"]}
    assert [by_code[c]["state"] for c in ("TH01", "TH02", "TH03")] == ["valid"] * 3
    assert Path(by_code["TH01"]["file"]).name == f"bao-cao.zip › {TH01}"
    # sent but unusable, each with its reason, never "missing"
    for code, says in (
        ("THCS03", "RAR, htsd không mở được"),
        ("MN01", "7-Zip, htsd không mở được"),
        ("MN02", "không có bảng tính (có: Báo cáo.pdf)"),
        ("MN04", "nghi tệp độc"),
    ):
        assert by_code[code]["state"] == "invalid", code
        assert says in by_code[code]["reasons"][0], by_code[code]["reasons"]
    zipped_totals = run("aggregate", str(packed), "-o", str(tmp_path / "nen"))["totals"]
    loose_totals = run("aggregate", str(loose), "-o", str(tmp_path / "roi"))["totals"]
    assert zipped_totals == loose_totals
    again = run("aggregate", str(packed), "-o", str(tmp_path / "nen"))  # from the read cache
    assert again["totals"] == loose_totals


def test_a_member_read_back_is_the_member_listed(folders, tmp_path):
    """The bytes of a listed member are those in the archive; an archive changed since it was
    listed is told, not read as something else; the read cache keys a member by its archive."""
    from htsd_cli.reading.archives import content_digest, outer, read_item
    from htsd_cli.reading.guard import Unreadable

    _loose, packed = folders
    member = f"{packed / 'bao-cao.zip'} › {TH01}"
    data, digest = read_item(member)

    def item_digest(path: str) -> str:
        return content_digest(path, outer(path), Path(outer(path)).read_bytes())

    assert data == (RETURNS / TH01).read_bytes() and digest == item_digest(member)
    assert item_digest(f"{packed / 'winmail.dat'} › Báo cáo Đằng Giang.xlsx") != item_digest(
        f"{packed / 'winmail.dat'} › logo.png"
    )
    changed = tmp_path / "bao-cao.zip"
    changed.write_bytes(zipped([("khac.xlsx", b"PK")]))
    with pytest.raises(Unreadable, match="tệp nén đã đổi từ khi liệt kê"):
        read_item(f"{changed} › {TH01}")
