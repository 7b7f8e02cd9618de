"""A collection from `htsd init` onward, with no path typed twice: init, fill the roster,
template, returns arrive, status, aggregate; then the folder is copied elsewhere and still works."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from htsd_cli.cli import app
from htsd_cli.fill import fill_workbook

from .conftest import full_values, visible

runner = CliRunner()
FLAGS = [
    "--co-quan", "Ủy ban nhân dân xã Tiên Du", "--chu-quan", "", "--viet-tat", "UBND",
    "--dia-danh", "Tiên Du", "--noi-nhan", "ubnd@tiendu.vn", "--nguoi-ky", "Lê Văn Bình",
    "--chuc-vu", "CHỦ TỊCH", "--form", "htsd-2022", "--nam", "2022",
]  # fmt: skip
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
         "so-nhan.csv", "tong-hop"]
    )  # fmt: skip
    config = (work / "htsd.toml").read_text(encoding="utf-8")
    assert 'roster = "danh-sach-don-vi.xlsx"' in config and "[office]" in config
    assert "year = 2022\n" in config and 'form = "htsd-2022"' in config  # the year's own form
    assert not any(w in config for w in ("Folder", "roster of", "path"))  # comments in Vietnamese
    # once the clerk has edited a file, a second init refuses to replace it
    (work / "htsd.toml").write_text(config + "# sửa tay\n", encoding="utf-8")
    again = runner.invoke(app, ["init", str(work), *FLAGS])
    assert again.exit_code == 1 and "--overwrite" in again.output
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


def test_a_command_without_its_setting_says_where_to_put_it(tmp_path):
    result = _in(tmp_path, "aggregate")
    assert result.exit_code == 2
    assert "thiếu báo cáo" in result.output and "htsd init" in result.output
