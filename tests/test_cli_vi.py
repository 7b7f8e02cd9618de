"""Everything the command line prints for a person is Vietnamese: help, usage and usage errors."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from htsd_cli.cli import app
from htsd_cli.cli_vi import translate

from .conftest import SAMPLE_CONFIG, SAMPLE_ROSTER, SAMPLES
from .test_cli import _commands

runner = CliRunner()
ENGLISH = (
    "Usage", "Options", "Arguments", "Commands", "Show this message", "[required]", "<bool>",
    "<list", "<file>", "<str>", "<path>", "[default", "Missing", "Error", "Try '", "[OPTIONS]",
    "COMMAND", "[ARGS]", "Invalid value", "No such", "does not", "Did you mean", "Got unexpected",
    "requires an argument", "Aborted",
)  # fmt: skip
# every command and group the program has, found in it: a new one cannot be left out
COMMANDS = [[], ["form"], *_commands()]
_TYPE_NAME = re.compile(r"<[A-Za-z][A-Za-z_\[\], ]*>")  # how typer names a value's type: <dir>


def _english(text: str) -> list[str]:
    return [phrase for phrase in ENGLISH if phrase in text] + _TYPE_NAME.findall(text)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "htsd")
def test_help_is_vietnamese(command):
    result = runner.invoke(app, [*command, "-h"], terminal_width=120)
    assert result.exit_code == 0
    assert "Cách dùng:" in result.output and "In hướng dẫn này rồi thoát." in result.output
    assert _english(result.output) == [], result.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["tempalte"], "Có phải ý bạn là template?"),
        (["status", str(SAMPLES / "returns")], "thiếu danh sách đơn vị: ghi --roster"),
        (["validate"], "thiếu báo cáo: ghi BÁO-CÁO"),
        (["validate", "--nope", "x"], "Không có tùy chọn --nope"),
        (
            ["status", "x", "-r", str(SAMPLE_ROSTER), "--as-of", "31/02/2022"],
            "tháng 2 chỉ có 28 ngày",
        ),
        (["status", "x", "-r", str(SAMPLE_ROSTER), "--as-of"], "cần một giá trị"),
        (["form", "show", "thua"], "Thừa tham số"),
        (["init", "--nam", "abc"], "'abc' ở --nam phải là số."),
        (  # typer names what it checked in lower case ("file '…' is a directory.")
            ["aggregate", "x", "-r", str(SAMPLES), "-o", "ra"],
            f"'{SAMPLES}' ở --roster / -r là một thư mục; ở đây cần một tệp.",
        ),
        (["aggregate", "x", "--nam-truoc", "khong-co"], "Không có 'khong-co' (ở --nam-truoc)."),
    ],
)
def test_usage_mistakes_are_said_in_vietnamese(args, says):
    result = runner.invoke(app, args, terminal_width=120)
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert says in text
    assert "Cách dùng:" in text or "--as-of" in args or args[0] in ("status", "validate")
    assert _english(text) == [], text


def test_dates_are_typed_as_vietnamese_write_them():
    for day in ("08/10/2022", "2022-10-08"):
        result = runner.invoke(
            app,
            ["status", str(SAMPLES / "returns"), "-r", str(SAMPLE_ROSTER), "-c",
             str(SAMPLE_CONFIG), "--as-of", day, "--json"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert '"as_of": "2022-10-08"' in result.stdout or "2022-10-08" in result.stdout


def test_an_unknown_message_is_left_as_it_is():
    assert translate("Tệp hỏng.") == "Tệp hỏng."
    assert translate("Missing option '--roster' / '-r'.") == "Thiếu tùy chọn bắt buộc --roster."
