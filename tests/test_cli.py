"""The command line as a whole: help, version, every command documented."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from htsd_cli import __version__
from htsd_cli.cli import app

runner = CliRunner()


def _commands() -> list[list[str]]:
    """Every command the program has, found in it (a new command cannot be left out)."""
    import typer.main

    out: list[list[str]] = []

    def walk(group: object, path: list[str]) -> None:  # typer's own (vendored) click groups
        for name, cmd in group.commands.items():
            if hasattr(cmd, "commands"):
                walk(cmd, [*path, name])
            else:
                out.append([*path, name])

    walk(typer.main.get_command(app), [])
    return sorted(out)


COMMANDS = _commands()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_lists_commands(flag):
    result = runner.invoke(app, [flag])
    assert result.exit_code == 0
    for name in ("template", "validate", "status", "aggregate", "collect", "init", "form"):
        assert name in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_and_option_has_help(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    click_command = app
    from typer.main import get_command

    cmd = get_command(click_command)
    for part in command:
        cmd = cmd.commands[part]  # type: ignore[attr-defined]
    assert cmd.help
    for param in cmd.params:
        if param.param_type_name == "option":
            assert param.help, f"{command} {param.name} has no help"


def test_module_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "htsd_cli", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0 and __version__ in result.stdout


def test_help_does_not_import_heavy_modules():
    code = "import sys; from htsd_cli import cli; print(','.join(m for m in ('pandas','openpyxl','docx','python_calamine') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_validating_one_file_does_not_import_pandas(issued):
    code = (
        "import sys; from htsd_cli.checks.validate import validate_paths; from htsd_cli.campaign.form import load_form; "
        f"from pathlib import Path; validate_paths([Path({str(issued['TH01'])!r})], load_form('htsd-2022')); "
        "print('pandas' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_missing_file_is_reported_in_vietnamese(tmp_path):
    from .conftest import SAMPLE_CONFIG

    result = runner.invoke(
        app, ["validate", "--config", str(SAMPLE_CONFIG), str(tmp_path / "khong-co.xlsx")]
    )
    assert result.exit_code == 2  # a usage error: nothing is read, nothing written
    assert "không có tệp hay thư mục nào tên" in result.output


def test_unexpected_error_is_one_line_without_traceback(tmp_path, monkeypatch, capsys):
    import htsd_cli.settings

    def broken(*args, **kwargs):
        raise ZeroDivisionError("hỏng")

    monkeypatch.setattr(htsd_cli.settings, "for_template", broken)
    monkeypatch.setattr(sys, "argv", ["htsd", "template", "--out", str(tmp_path)])
    from htsd_cli.cli import main

    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Lỗi ngoài dự kiến của htsd" in err
    assert "ZeroDivisionError: hỏng" in " ".join(err.split()) and "--debug" in err


def test_a_command_that_runs_imports_no_help_machinery_nor_pydantic(tmp_path):
    """`htsd validate one.xlsx` as the clerk runs it: typer's rich help (rich's Markdown,
    markdown-it) is loaded only to show help, options become values without pydantic, and
    nothing of the aggregating or rendering floors is imported."""
    from .conftest import SAMPLE_CONFIG, SAMPLES

    one = sorted((SAMPLES / "returns").glob("*.xlsx"))[0]
    code = (
        "import sys\n"
        "from htsd_cli.cli import main\n"
        f"sys.argv = ['htsd', 'validate', '-c', {str(SAMPLE_CONFIG)!r}, '--json', {str(one)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('typer.rich_utils', 'rich.markdown', 'markdown_it', 'pydantic', 'pandas',"
        " 'openpyxl', 'jinja2', 'docx')\n"
        "print('imported:', ','.join(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
        encoding="utf-8",
    )  # fmt: skip
    assert '"valid": true' in done.stdout or '"valid": false' in done.stdout, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "imported:"
    helped = subprocess.run(
        [sys.executable, "-m", "htsd_cli", "validate", "-h"], capture_output=True, text=True,
        encoding="utf-8", env={**os.environ, "COLUMNS": "100"},
    )  # fmt: skip
    assert "validate [TÙY-CHỌN] [BÁO-CÁO]..." in helped.stdout
    assert "Tùy chọn" in helped.stdout and "In hướng dẫn này rồi thoát." in helped.stdout
