"""A re-run of `htsd aggregate` with nothing changed does nothing, and anything changed is seen.

fingerprint.py keeps one digest of every input with the outputs. These tests hold it to that:
each input, changed alone, changes the digest (a return even when its size and time are put
back); aggregate cannot gain an input the digest does not name; and a re-run whose inputs and
outputs are as they were says so without importing the renderers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import os
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from htsd_cli.campaign.config import Config, load_config
from htsd_cli.campaign.roster import load_roster
from htsd_cli.pipeline import run_aggregate
from htsd_cli.settings import Settings, receipts_book
from htsd_cli.totals import fingerprint
from htsd_cli.totals.fingerprint import aggregate_fingerprint

from .conftest import SAMPLES

HEAVY = ("pandas", "openpyxl", "jinja2", "docx")


def test_every_parameter_of_aggregate_is_an_input_of_the_digest_or_said_not_to_be():
    parameters = set(inspect.signature(run_aggregate).parameters)
    parameters |= {f.name for f in dataclasses.fields(Settings)}
    named = set(fingerprint.INPUTS) | set(fingerprint.NOT_INPUTS)
    assert parameters == named, (
        "run_aggregate's parameters and Settings' fields, and fingerprint.INPUTS/NOT_INPUTS "
        "differ: an input of aggregate must be in its fingerprint (or NOT_INPUTS must say why "
        "it changes no output)"
    )
    assert not set(fingerprint.INPUTS) & set(fingerprint.NOT_INPUTS)
    taken = set(inspect.signature(aggregate_fingerprint).parameters) - {"today"}
    assert taken == set(fingerprint.INPUTS)


def test_every_file_htsd_toml_names_is_hashed_or_said_not_to_be_read():
    hints = typing.get_type_hints(Config)
    paths = {
        f.name
        for f in dataclasses.fields(Config)
        if Path in typing.get_args(hints[f.name]) or hints[f.name] is Path
    }
    assert paths == set(fingerprint.CONFIG_FILES) | set(fingerprint.CONFIG_NOT_READ)


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    """The sample working folder, copied, with a decisions book, a bounces file and a kept
    version of a form of its own."""
    folder = tmp_path / "dot"
    shutil.copytree(SAMPLES, folder, ignore=shutil.ignore_patterns("tong-hop"))
    (folder / "quyet-dinh.xlsx").write_bytes(b"decisions v1")
    return folder


def _digest(folder: Path, **changed: object) -> str | None:
    config = load_config(folder / "htsd.toml")
    form = config.load_form()
    assert config.roster is not None and config.returns is not None
    receipts = changed.pop("receipts", None)
    inputs: dict[str, object] = {
        "returns": [config.returns],
        "form": form,
        "config": config,
        "roster": changed.pop("roster")
        if "roster" in changed
        else load_roster(config.roster, form),
        "narrative": config.narrative,
        "receipts": receipts_book(receipts, config),  # type: ignore[arg-type]
        "decisions": config.decisions,
        "as_of": None,
        "pdf": False,
        "today": dt.date(2022, 10, 20),
    }
    inputs.update(changed)
    return aggregate_fingerprint(**inputs)  # type: ignore[arg-type]


def _same_size_and_time(path: Path, data: bytes) -> None:
    """Write other bytes of the same length and put the file's time back."""
    before = path.stat()
    assert len(data) == before.st_size
    path.write_bytes(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def _flip_last_byte(path: Path) -> None:
    """One letter (the last) in the other case: the same size, still readable text."""
    data = bytearray(path.read_bytes())
    at = max(i for i, b in enumerate(data) if chr(b).isascii() and chr(b).isalpha())
    data[at] ^= 0x20
    _same_size_and_time(path, bytes(data))


def test_each_input_changed_alone_changes_the_digest(campaign: Path):
    base = _digest(campaign)
    assert base is not None and base == _digest(campaign)
    returns = campaign / "returns"
    first = sorted(returns.glob("*.xlsx"))[0]
    changes = {
        "a return's bytes (same size and time)": lambda: _flip_last_byte(first),
        "a return's time": lambda: os.utime(first, ns=(0, 10**18)),
        "a file added among the returns": lambda: (returns / "moi.xlsx").write_bytes(b"x"),
        "a hidden file among the returns": lambda: (returns / ".an").write_bytes(b"x"),
        "a return in a subfolder": lambda: (returns / "tre").mkdir(),
        "a return removed": lambda: first.unlink(),
        "the roster": lambda: _flip_last_byte(campaign / "roster.csv"),
        "htsd.toml": lambda: _flip_last_byte(campaign / "htsd.toml"),
        "the narrative": lambda: _flip_last_byte(campaign / "loi-van.md"),
        "the receipts book": lambda: _flip_last_byte(campaign / "so-nhan.csv"),
        "the bounces beside it": lambda: (campaign / "so-nhan-thu-khong-den.csv").write_text("x"),
        "the decisions": lambda: _flip_last_byte(campaign / "quyet-dinh.xlsx"),
        "the decisions removed": lambda: (campaign / "quyet-dinh.xlsx").unlink(),
    }
    for what, change in changes.items():
        saved = campaign.parent / "saved"
        shutil.copytree(campaign, saved)
        change()
        assert _digest(campaign) != base, what
        shutil.rmtree(campaign)
        saved.rename(campaign)
        assert _digest(campaign) == base, f"put back: {what}"
    for what, value in {
        "the date": {"as_of": dt.date(2022, 10, 13)},
        "a PDF": {"pdf": True},
        "another receipts book": {"receipts": campaign / "loi-van.md"},
        "file times for receipts": {"receipts": Path("mtime")},
        "no narrative": {"narrative": None},
        "last year's summary": {"last_year": campaign / "loi-van.md"},
    }.items():
        assert _digest(campaign, **value) != base, what
    later = {"today": dt.date(2022, 10, 21)}
    assert _digest(campaign, **later) == base  # the report's own date counts, not today
    config = campaign / "htsd.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("date = 2022-10-12", ""))
    assert _digest(campaign, **later) != _digest(campaign)  # without one: today is its date


def test_a_form_of_its_own_and_its_kept_versions_are_in_the_digest(campaign: Path):
    from htsd_cli.campaign.form import bundled_templates

    shutil.copy(bundled_templates() / "forms" / "htsd-2022.yaml", campaign / "bieu-mau.yaml")
    config = campaign / "htsd.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('form = "htsd-2022"', 'form = "bieu-mau.yaml"')
    )
    base = _digest(campaign)
    assert base is not None
    (campaign / "history").mkdir()
    (campaign / "history" / "htsd-2022-v0.yaml").write_text("kept")
    assert _digest(campaign) != base
    shutil.rmtree(campaign / "history")
    assert _digest(campaign) == base
    form = campaign / "bieu-mau.yaml"
    form.write_text(form.read_text(encoding="utf-8") + "\n# sửa\n", encoding="utf-8")
    assert _digest(campaign) != base


def test_an_input_that_cannot_be_read_gives_no_digest(campaign: Path):
    config = load_config(campaign / "htsd.toml")
    roster = load_roster(campaign / "roster.csv", config.load_form())
    (campaign / "roster.csv").unlink()
    assert _digest(campaign, roster=roster) is None


def _htsd(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`htsd aggregate` in a process of its own, which reports the heavy modules it imported."""
    code = (
        "import sys\n"
        "from htsd_cli.cli import main\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        f"    print('IMPORTED', [m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, "aggregate", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "COLUMNS": "400"},
    )


def test_a_rerun_with_nothing_changed_writes_nothing_and_imports_no_renderer(campaign: Path):
    (campaign / "quyet-dinh.xlsx").unlink()  # not a workbook: the sample has none
    first = _htsd(campaign)
    assert first.returncode == 0, first.stderr
    assert "Đã ghi" in first.stdout and "IMPORTED ['pandas', 'openpyxl', 'jinja2'" in first.stderr
    out = campaign / "tong-hop"
    written = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.iterdir()}

    again = _htsd(campaign)
    assert again.returncode == 0, again.stderr
    said = (  # the console wraps the line: compared word by word
        "Không có gì thay đổi từ lần tổng hợp trước: các tệp trong tong-hop giữ nguyên (muốn "
        "đọc lại mọi tệp và ghi lại: thêm --no-cache)."
    )
    assert again.stdout.split() == said.split()
    assert "IMPORTED []" in again.stderr
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.iterdir()} == written

    as_json = _htsd(campaign, "--json")  # a machine asking for the totals gets them
    assert as_json.returncode == 0 and '"summary"' in as_json.stdout

    returns = sorted((campaign / "returns").glob("*.xlsx"))
    _flip_last_byte(returns[0])  # changed, its size and time kept: read again
    changed = _htsd(campaign)
    assert "Tổng hợp" in changed.stdout and "Không có gì thay đổi" not in changed.stdout

    markdown = out / "bao-cao.md"
    markdown.write_text(markdown.read_text(encoding="utf-8") + "sửa tay\n", encoding="utf-8")
    edited = _htsd(campaign)  # an output changed by hand is never taken as the run's
    assert edited.returncode == 1 and "Không có gì thay đổi" not in edited.stdout
    assert "--overwrite" in edited.stdout + edited.stderr
