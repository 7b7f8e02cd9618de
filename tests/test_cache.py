"""Re-runs read only what changed: the cache of readings kept with the outputs."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

import htsd_cli.validate as validate_module
from htsd_cli.cache import CACHE_NAME
from htsd_cli.pipeline import run_aggregate

from .conftest import SAMPLES

REPORT = ("tong-hop.xlsx", "bao-cao.md", "bao-cao.docx")


@pytest.fixture
def counted(monkeypatch):
    """How many files the workers were given to read, run by run."""
    given: list[int] = []
    real = validate_module.run_isolated

    def counting(func, items, *args, **kwargs):
        items = list(items)
        given.append(len(items))
        return real(func, items, *args, **kwargs)

    monkeypatch.setattr(validate_module, "run_isolated", counting)
    return given


def _run(returns, out, form, config, roster, use_cache=True):
    run_aggregate([returns], form, config, roster, out, use_cache=use_cache)
    return {name: (out / name).read_bytes() for name in REPORT}


def test_a_rerun_reads_only_what_changed_and_writes_the_same_bytes(
    tmp_path, form, config, roster, counted
):
    returns = tmp_path / "bao-cao-ve"
    shutil.copytree(SAMPLES / "returns", returns)
    out = tmp_path / "tong-hop"
    first = _run(returns, out, form, config, roster)
    assert (out / CACHE_NAME).exists()
    second = _run(returns, out, form, config, roster)
    assert second == first and counted[-1] == 0  # nothing read again
    uncached = _run(returns, tmp_path / "khong-bo-nho", form, config, roster, use_cache=False)
    assert uncached == first  # byte for byte
    assert not (tmp_path / "khong-bo-nho" / CACHE_NAME).exists()
    # a unit sends a corrected file: only that one is read
    from htsd_cli.fill import fill_workbook

    target = returns / "mn01-truong-mam-non-cat-bi.xlsx"
    fill_workbook(target, {"s2_bai_bao": 7}, target)
    _run(returns, out, form, config, roster)
    assert counted[-1] == 1


def test_a_damaged_or_foreign_cache_is_never_trusted(tmp_path, form, config, roster, counted):
    out = tmp_path / "tong-hop"
    first = _run(SAMPLES / "returns", out, form, config, roster)
    with sqlite3.connect(out / CACHE_NAME) as db:  # every reading altered
        db.execute("UPDATE readings SET body = ?", ('{"nonsense": 1}',))
    assert _run(SAMPLES / "returns", out, form, config, roster) == first
    assert counted[-1] == len(list((SAMPLES / "returns").iterdir()))  # all read again
    (out / CACHE_NAME).unlink()
    (out / CACHE_NAME).write_bytes(b"not a database of htsd")
    assert _run(SAMPLES / "returns", out, form, config, roster) == first
    assert (out / CACHE_NAME).read_bytes() == b"not a database of htsd"  # left alone


def test_a_second_run_into_a_relative_folder_uses_its_cache(tmp_path, monkeypatch, counted):
    """`htsd aggregate … -o tong-hop` twice, as a clerk types it: the second run opens the cache
    it finds there (a relative path once crashed it) and reads nothing again."""
    from typer.testing import CliRunner

    from htsd_cli.cli import app

    shutil.copytree(SAMPLES, tmp_path / "mau")
    monkeypatch.chdir(tmp_path / "mau")
    args = ["aggregate", "returns", "-o", "tong-hop", "--overwrite"]
    runner = CliRunner()
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "Traceback" not in second.output and "ngoài dự kiến" not in second.output
    assert counted[-1] == 0


def test_a_file_changed_while_it_is_read_is_kept_under_the_bytes_that_were_read(
    tmp_path, form, monkeypatch
):
    """The main process looks a file up by its bytes; a unit's newer copy lands before the
    reader opens it. The reading is of the newer bytes, so it must be stored under their key:
    stored under the older bytes' key, those bytes, seen again, would count the newer figures."""
    from htsd_cli.cache import ReadCache
    from htsd_cli.fill import fill_workbook

    returns = tmp_path / "bao-cao-ve"
    shutil.copytree(SAMPLES / "returns", returns)
    target = returns / "mn01-truong-mam-non-cat-bi.xlsx"
    files = sorted(returns.glob("*.xlsx"))
    cache = ReadCache(tmp_path / CACHE_NAME, "muoi")
    validate_module.check_files(files, form, cache=cache)  # the cache is not empty now
    fill_workbook(target, {"s2_bai_bao": 7}, target)
    older = target.read_bytes()
    real = validate_module.run_isolated

    def newer_copy_arrives(func, items, *args, **kwargs):
        fill_workbook(target, {"s2_bai_bao": 9}, target)
        return real(func, items, *args, **kwargs)

    monkeypatch.setattr(validate_module, "run_isolated", newer_copy_arrives)
    (read,) = validate_module.check_files([target], form, cache=cache)
    assert read.values["s2_bai_bao"] == 9 and read.digest == ""  # the digest is not kept
    monkeypatch.setattr(validate_module, "run_isolated", real)
    target.write_bytes(older)
    (again,) = validate_module.check_files([target], form, cache=cache)
    assert again.values["s2_bai_bao"] == 7
    assert cache.get(cache.key(target), str(target), 0.0) is not None  # and now it is cached
