"""Re-runs read only what changed: the cache of readings kept with the outputs."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

import htsd_cli.checks.validate as validate_module
from htsd_cli.checks.cache import CACHE_NAME
from htsd_cli.pipeline import run_aggregate
from htsd_cli.settings import of_aggregate

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
    run_aggregate(of_aggregate(config, form, roster, [returns], out), use_cache=use_cache)
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
        db.execute("UPDATE signed SET body = ?", ('{"nonsense": 1}',))
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
    # --json: a full run (with nothing changed, a plain re-run would stop before the cache)
    second = runner.invoke(app, [*args, "--json"])
    assert second.exit_code == 0, second.output
    assert "Traceback" not in second.output and "ngoài dự kiến" not in second.output
    assert counted[-1] == 0


def test_a_file_changed_while_it_is_read_is_kept_under_the_bytes_that_were_read(
    tmp_path, form, monkeypatch
):
    """The main process looks a file up by its bytes; a unit's newer copy lands before the
    reader opens it. The reading is of the newer bytes, so it must be stored under their key:
    stored under the older bytes' key, those bytes, seen again, would count the newer figures."""
    from htsd_cli.checks.cache import ReadCache
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
    assert cache.look_up(target) is not None  # and now it is cached


def _figures_changed(body: str) -> str:
    data = json.loads(body)
    data["values"] = {
        k: (v * 10 + 7 if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
        for k, v in data["values"].items()
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def test_an_edited_entry_is_read_again_and_never_changes_a_total(
    tmp_path, form, config, roster, counted
):
    """Somebody (or a program) edits the figures of stored readings with sqlite3, keeping
    everything else: each such file is read again, and the report is the one of the files."""
    out = tmp_path / "tong-hop"
    first = _run(SAMPLES / "returns", out, form, config, roster)
    with sqlite3.connect(out / CACHE_NAME) as db:
        rows = db.execute("SELECT key, size, mtime, body FROM signed").fetchall()
        edited = [r for r in rows if _figures_changed(r[3]) != r[3]]
        for key, size, mtime, body in edited[:5]:
            db.execute(
                "UPDATE signed SET body = ? WHERE key = ? AND size = ? AND mtime = ?",
                (_figures_changed(body), key, size, mtime),
            )
    assert len(edited) >= 5
    assert _run(SAMPLES / "returns", out, form, config, roster) == first
    assert counted[-1] == 5  # those five files were read again, the others not
    # and re-signing needs the key, which is not in the output folder
    from htsd_cli.checks.cache import KEY_NAME, data_dir

    key = data_dir() / KEY_NAME
    assert key.is_file() and not (out / KEY_NAME).exists()
    assert not key.resolve().is_relative_to(out.resolve())
    if os.name != "nt":
        assert key.stat().st_mode & 0o777 == 0o600


def test_a_cache_signed_with_another_key_is_not_trusted(
    tmp_path, form, config, roster, counted, monkeypatch
):
    """A cache made on another computer (or by another user) and put in the output folder:
    none of its entries is used."""
    out = tmp_path / "tong-hop"
    first = _run(SAMPLES / "returns", out, form, config, roster)
    monkeypatch.setenv("HTSD_DATA_DIR", str(tmp_path / "may-khac"))
    assert _run(SAMPLES / "returns", out, form, config, roster) == first
    assert counted[-1] == len(list((SAMPLES / "returns").iterdir()))


def _outside_and_link(tmp_path: Path, how: str) -> tuple[Path, Path, bytes | None]:
    """An output folder whose cache name is a link to a file outside it (`how`): the folder,
    the outside file, and that file's bytes before the run (None: it does not exist)."""
    out = tmp_path / "tong-hop"
    out.mkdir()
    outside = tmp_path / "ngoai" / "cua-nguoi-khac.sqlite"
    outside.parent.mkdir()
    if how == "dangling":
        os.symlink(outside, out / CACHE_NAME)
        return out, outside, None
    if how == "journal":  # SQLite would write its journal of the cache there
        outside.write_bytes(b"")
        os.symlink(outside, out / (CACHE_NAME + "-journal"))
        return out, outside, b""
    with sqlite3.connect(outside) as db:  # a cache of htsd's elsewhere, say another office's
        db.execute(f"PRAGMA application_id = {0x48545344}")
        db.execute("CREATE TABLE signed (key TEXT, size INTEGER, mtime REAL, body TEXT, mac TEXT)")
    db.close()
    before = outside.read_bytes()
    if how == "symlink":
        os.symlink(outside, out / CACHE_NAME)
    else:
        os.link(outside, out / CACHE_NAME)
    return out, outside, before


@pytest.mark.skipif(os.name == "nt", reason="making links needs privileges on Windows")
@pytest.mark.parametrize("how", ["symlink", "dangling", "hardlink", "journal"])
def test_a_cache_name_that_leads_outside_the_output_folder_is_left_alone(
    tmp_path, how, monkeypatch, counted
):
    """The cache file replaced by a link to somewhere else (or its journal's name): htsd writes
    nothing there, says so, and reads every file."""
    from typer.testing import CliRunner

    from htsd_cli.cli import app

    out, outside, before = _outside_and_link(tmp_path, how)
    links = sorted((p.name, os.readlink(p) if p.is_symlink() else "") for p in out.iterdir())
    args = ["aggregate", str(SAMPLES / "returns"), "-r", str(SAMPLES / "roster.csv"),
            "-c", str(SAMPLES / "htsd.toml"), "-o", str(out)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"Không dùng bộ nhớ đệm {out / CACHE_NAME}" in text and "đọc lại mọi tệp" in text
    assert counted[-1] == len(list((SAMPLES / "returns").iterdir()))
    # nothing made or changed outside: the file there (if any) is as it was, and alone
    assert sorted(p.name for p in outside.parent.iterdir()) == (
        [] if before is None else [outside.name]
    )
    assert before is None or outside.read_bytes() == before
    assert [(n, t) for n, t in links] == sorted(
        (p.name, os.readlink(p) if p.is_symlink() else "")
        for p in out.iterdir()
        if p.name in {n for n, _ in links}
    )  # the links are left as they were
