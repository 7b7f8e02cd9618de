"""Nothing a clerk has is ever lost: every slip and interruption leaves earlier files as they were.

Each test takes a snapshot of every file it cares about (bytes), makes the slip or stops the run
at a named moment (HTSD_TEST_STOP_AT, see htsd_cli.base.stopping), and compares afterwards. Real
signals are sent to real `htsd` processes; nothing sleeps to hit a moment.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from typer.testing import CliRunner

from htsd_cli.base.outputs import LOCK, MANIFEST, STAGING
from htsd_cli.checks.cache import CACHE_NAME
from htsd_cli.cli import app

from .conftest import SAMPLE_CONFIG, SAMPLE_ROSTER, SAMPLES, visible

runner = CliRunner()
RETURNS = SAMPLES / "returns"
REPORT = ["bao-cao.docx", "bao-cao.md", "tong-hop.xlsx"]
posix_only = pytest.mark.skipif(os.name == "nt", reason="sends POSIX signals")


def _cli(*args: str):
    return runner.invoke(app, list(args))


def _aggregate(returns: Path, out: Path, *extra: str):
    return _cli(
        "aggregate", str(returns), "-r", str(SAMPLE_ROSTER), "-c", str(SAMPLE_CONFIG),
        "-o", str(out), *extra,
    )  # fmt: skip


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones too, but for the reading cache, which a run may
    extend), by relative path."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != CACHE_NAME
    }


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(STAGING) or p.name == LOCK]


@pytest.fixture
def returns(tmp_path) -> Path:
    """A folder of returns, as units sent them (a few of the samples)."""
    folder = tmp_path / "bao-cao-ve"
    folder.mkdir()
    for path in sorted(RETURNS.iterdir())[2:8]:
        shutil.copy2(path, folder / path.name)
    return folder


@pytest.fixture
def good_run(tmp_path, returns) -> Path:
    """Yesterday's complete report in tmp_path/tong-hop."""
    out = tmp_path / "tong-hop"
    result = _aggregate(returns, out)
    assert result.exit_code == 0, result.output
    assert [p.name for p in visible(out)] == REPORT
    return out


# --- slips ------------------------------------------------------------------------------------------


def test_template_into_a_folder_of_returns_refuses_and_keeps_every_return(returns):
    before = _snapshot(returns)
    result = _cli(
        "template", "-c", str(SAMPLE_CONFIG), "-r", str(SAMPLE_ROSTER), "-o", str(returns)
    )
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "không bao giờ ghi đè" in text and "--overwrite" in text
    assert "mn01-truong-mam-non-cat-bi.xlsx" in text  # names what it would have replaced
    assert _snapshot(returns) == before  # no blank form added either: all or nothing


def test_template_reissues_its_own_unfilled_forms_but_not_a_filled_one(tmp_path, issued):
    out = tmp_path / "bieu-mau"
    args = ("template", "-c", str(SAMPLE_CONFIG), "-r", str(SAMPLE_ROSTER), "-o", str(out))
    assert _cli(*args).exit_code == 0
    first = _snapshot(out)
    assert _cli(*args).exit_code == 0  # its own files, untouched: reissued
    assert _snapshot(out) == first
    (out / MANIFEST).unlink()  # the record is gone: the forms are still known as unfilled
    assert _cli(*args).exit_code == 0, _cli(*args).output
    from htsd_cli.fill import fill_workbook

    target = out / "mn01-truong-mam-non-cat-bi.xlsx"
    fill_workbook(target, {"s2_bai_bao": 4}, target)  # a unit filled its form in place
    filled = target.read_bytes()
    result = _cli(*args)
    assert result.exit_code == 1 and "mn01-truong-mam-non-cat-bi.xlsx" in result.output
    assert target.read_bytes() == filled
    assert _cli(*args, "--overwrite").exit_code == 0
    assert target.read_bytes() == first["mn01-truong-mam-non-cat-bi.xlsx"]


def test_aggregate_into_its_own_folder_of_returns_is_refused(returns):
    before = _snapshot(returns)
    for out in (returns, returns / "tong-hop"):
        result = _aggregate(returns, out)
        assert result.exit_code == 1
        assert "thư mục đang đọc báo cáo" in " ".join(result.output.split())
        assert _snapshot(returns) == before
    # files given one by one: their folder is the folder being read
    result = _cli(
        "aggregate", *(str(p) for p in visible(returns)), "-r", str(SAMPLE_ROSTER),
        "-c", str(SAMPLE_CONFIG), "-o", str(returns),
    )  # fmt: skip
    assert result.exit_code == 1 and _snapshot(returns) == before


def test_aggregate_one_level_up_never_replaces_an_office_return(tmp_path, good_run):
    # at the province, a district's submission is its own tong-hop.xlsx
    province = tmp_path / "tinh"
    province.mkdir()
    shutil.copy2(good_run / "tong-hop.xlsx", province / "tong-hop.xlsx")
    before = _snapshot(province)
    result = _aggregate(province, province)
    assert result.exit_code == 1 and _snapshot(province) == before
    # the output folder is elsewhere, but the district's file was given by name
    result = _cli(
        "aggregate", str(province / "tong-hop.xlsx"), "-r", str(SAMPLE_ROSTER),
        "-c", str(SAMPLE_CONFIG), "-o", str(province),
    )  # fmt: skip
    assert result.exit_code == 1 and _snapshot(province) == before


def test_mistyped_or_empty_folder_keeps_yesterdays_report(tmp_path, good_run):
    before = _snapshot(good_run)
    result = _aggregate(tmp_path / "retuns", good_run)
    assert result.exit_code == 2
    assert "không có tệp hay thư mục nào tên" in " ".join(result.output.split())
    assert _snapshot(good_run) == before
    empty = tmp_path / "rong"
    empty.mkdir()
    result = _aggregate(empty, good_run)
    assert result.exit_code == 1 and "Không có báo cáo hợp lệ nào" in result.output
    assert _snapshot(good_run) == before
    for command in ("validate", "status"):
        result = _cli(command, str(tmp_path / "retuns"), "-r", str(SAMPLE_ROSTER))
        assert result.exit_code == 2, (command, result.output)


def test_nothing_written_leaves_no_new_folder(tmp_path):
    empty = tmp_path / "rong"
    empty.mkdir()
    assert _aggregate(empty, tmp_path / "moi" / "tong-hop").exit_code == 1
    assert not (tmp_path / "moi").exists()


def test_an_output_name_taken_by_a_folder_or_an_edited_report(tmp_path, returns, good_run):
    (good_run / "bao-cao.md").unlink()
    (good_run / "bao-cao.md").mkdir()
    (good_run / "bao-cao.md" / "ghi-chu.txt").write_text("của văn thư", encoding="utf-8")
    before = _snapshot(good_run)
    result = _aggregate(returns, good_run)
    assert result.exit_code == 1 and "thư mục cùng tên" in result.output
    assert _snapshot(good_run) == before
    shutil.rmtree(good_run / "bao-cao.md")
    assert _aggregate(returns, good_run).exit_code == 0
    # the clerk retouched the Word report by hand: it is no longer what htsd wrote
    docx = good_run / "bao-cao.docx"
    docx.write_bytes(docx.read_bytes() + b"\0")
    before = _snapshot(good_run)
    result = _aggregate(returns, good_run)
    assert result.exit_code == 1 and "bao-cao.docx" in result.output
    assert _snapshot(good_run) == before
    assert _aggregate(returns, good_run, "--overwrite").exit_code == 0


def test_annotated_copies_never_replace_a_units_file(tmp_path, returns, filled):
    bad = filled({"s2_bai_bao": -2}, name="th01-can-sua-bai.xlsx")
    folder = tmp_path / "nop-lai"
    folder.mkdir()
    shutil.copy2(bad, folder / "th01-can-sua-bai.xlsx")
    # the unit's corrected resend happens to carry the name of the copy htsd would write
    resend = folder / "th01-can-sua-bai-can-sua.xlsx"
    shutil.copy2(bad, resend)
    before = _snapshot(folder)

    def annotate_into(target: Path):
        return _cli(
            "validate", "-c", str(SAMPLE_CONFIG), str(folder / "th01-can-sua-bai.xlsx"),
            "--annotate", str(target),
        )  # fmt: skip

    result = annotate_into(folder)
    assert result.exit_code == 1 and "thư mục đang đọc" in " ".join(result.output.split())
    out = tmp_path / "gui-lai"
    out.mkdir()
    shutil.copy2(resend, out / resend.name)
    kept = _snapshot(out)
    result = annotate_into(out)
    assert result.exit_code == 1 and "--overwrite" in result.output
    assert _snapshot(out) == kept and _snapshot(folder) == before
    (out / resend.name).unlink()
    for _ in range(2):  # htsd's own copy is replaced on the next run
        result = annotate_into(out)
        assert [p.name for p in visible(out)] == [resend.name], result.output


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_outputs_follow_the_umask(good_run):
    mask = os.umask(0)
    os.umask(mask)
    for name in REPORT:
        assert (good_run / name).stat().st_mode & 0o777 == 0o666 & ~mask


# --- interruptions, in real processes ----------------------------------------------------------------


def _start(args: list[str], stop_at: str = "", **kw) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("HTSD_TEST_STOP_AT", None)
    if stop_at:
        env["HTSD_TEST_STOP_AT"] = stop_at
    return subprocess.Popen(
        [sys.executable, "-m", "htsd_cli", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", **kw,
    )  # fmt: skip


def _agg_args(returns: Path, out: Path) -> list[str]:
    """An aggregate that reads every file (no cache), so that it passes the 'reading' moment."""
    return ["aggregate", str(returns), "-r", str(SAMPLE_ROSTER), "-c", str(SAMPLE_CONFIG), "-o", str(out), "--no-cache"]  # fmt: skip


def _wait_for(marker: Path, process: subprocess.Popen[str], timeout: float = 60) -> dict:
    end = time.monotonic() + timeout
    while not marker.exists():
        if process.poll() is not None:
            raise AssertionError(f"ended before the checkpoint: {process.communicate()}")
        assert time.monotonic() < end, "checkpoint never reached"
        time.sleep(0.02)
    return json.loads(marker.read_text(encoding="utf-8"))


def _gone(pids: list[int], within: float) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        alive = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        if not alive:
            return True
        time.sleep(0.1)
    return False


@posix_only
@pytest.mark.parametrize("moment", ["rendered", "publish-1", "publish-2", "publish-3", "publish-4"])
def test_killed_while_writing_leaves_the_previous_set(tmp_path, returns, good_run, moment):
    before = _snapshot(good_run)
    (returns / visible(returns)[0].name).unlink()  # today's run would write other figures
    process = _start(_agg_args(returns, good_run), f"{moment}=kill")
    process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL
    # until the next run, the old files are all still on disk: in place or in the staging folder
    kept = {p.read_bytes() for p in good_run.rglob("*") if p.is_file()}
    assert all(data in kept for data in before.values())
    # the next run that writes there (here one that finds nothing to count) puts them back first
    empty = tmp_path / "rong"
    empty.mkdir()
    assert _aggregate(empty, good_run).exit_code == 1
    assert _snapshot(good_run) == before
    assert _leftovers(good_run) == []


@posix_only
@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_stopped_by_a_signal_says_so_and_keeps_the_previous_set(returns, good_run, how):
    before = _snapshot(good_run)
    marker = good_run.parent / "dang-doc.json"
    process = _start(_agg_args(returns, good_run), f"reading=wait:{marker}")
    info = _wait_for(marker, process)
    process.send_signal(how)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + how
    assert "Đã dừng theo yêu cầu" in err and "Traceback" not in err
    assert _snapshot(good_run) == before and _leftovers(good_run) == []
    assert _gone(info["workers"], within=5)


@posix_only
def test_signal_during_the_switch_finishes_the_switch_first(returns, good_run):
    before = _snapshot(good_run)
    (returns / visible(returns)[0].name).unlink()
    marker = good_run.parent / "dang-thay.json"
    process = _start(_agg_args(returns, good_run), f"publish-2=wait:{marker}")
    _wait_for(marker, process)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    assert process.returncode == 130
    after = _snapshot(good_run)
    assert after != before and _leftovers(good_run) == []  # the new set, whole
    from htsd_cli.base.outputs import digest

    manifest = json.loads((good_run / MANIFEST).read_text(encoding="utf-8"))["files"]
    assert {n: digest(good_run / n) for n in REPORT} == manifest


@posix_only
def test_killing_htsd_takes_its_workers_along(returns, tmp_path):
    marker = tmp_path / "dang-doc.json"
    process = _start(["validate", "-c", str(SAMPLE_CONFIG), str(returns)], f"reading=wait:{marker}")
    info = _wait_for(marker, process)
    assert info["workers"] and all(psutil.pid_exists(p) for p in info["workers"])
    process.kill()
    process.communicate(timeout=30)
    assert _gone(info["workers"], within=5)


@posix_only
def test_two_runs_on_one_folder(tmp_path, returns, good_run):
    before = _snapshot(good_run)
    marker = tmp_path / "dang-doc.json"
    first = _start(_agg_args(returns, good_run), f"reading=wait:{marker}")
    _wait_for(marker, first)
    second = _aggregate(returns, good_run)
    assert second.exit_code == 1
    assert "đang được một lần chạy htsd khác ghi" in " ".join(second.output.split())
    assert str(first.pid) in second.output
    first.kill()  # a dead run's lock does not hold the folder forever
    first.communicate(timeout=30)
    assert (good_run / LOCK).exists()
    assert _snapshot(good_run) == {**before, LOCK: (good_run / LOCK).read_bytes()}
    result = _aggregate(returns, good_run)
    assert result.exit_code == 0, result.output
    assert _leftovers(good_run) == []


def test_leftover_temporary_files_of_an_earlier_version_are_removed(returns, good_run):
    old = good_run / ".tong-hop.xlsx.abc123.tmp"
    old.write_bytes(b"half")
    stranger = good_run / ".ghi-chu.tmp"  # not htsd's
    stranger.write_bytes(b"x")
    assert _aggregate(returns, good_run).exit_code == 0
    assert not old.exists() and stranger.exists()


# --- a full disk --------------------------------------------------------------------------------------


class Disk:
    """A small file system of its own (tmpfs) where the machine allows mounting one, filled up
    to leave a chosen number of bytes free. Elsewhere every fsync says the disk is full (as a
    network share reports it), in this process."""

    def __init__(self, folder: Path, mounted: bool, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.mounted = mounted
        self._monkeypatch = monkeypatch
        self._filler = folder / "lap-day.bin"

    def leave(self, free: int) -> None:
        if not self.mounted:
            import errno

            def full(_fd: int) -> None:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            self._monkeypatch.setattr(os, "fsync", full)
            return
        stat = os.statvfs(self.folder)
        room = stat.f_bavail * stat.f_frsize - free
        with open(self._filler, "wb") as handle:
            chunk = b"\0" * (1 << 16)
            while room > 0:
                try:
                    room -= handle.write(chunk[: min(room, len(chunk))])
                except OSError:
                    break
        assert os.statvfs(self.folder).f_bavail * os.statvfs(self.folder).f_frsize <= free

    def free(self) -> None:
        self._monkeypatch.undo()
        self._filler.unlink(missing_ok=True)


def _mount(folder: Path, size: str) -> list[str] | None:
    """Mount a tmpfs of `size` on `folder`: the command prefix that did it (for unmounting), or
    None when this machine does not allow it."""
    options = f"size={size},uid={os.getuid()},gid={os.getgid()},mode=0700"
    for prefix in ([], ["sudo", "-n"]):
        if not prefix and os.geteuid() != 0:
            continue
        if prefix and not shutil.which("sudo"):
            continue
        done = subprocess.run(
            [*prefix, "mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
            capture_output=True,
        )
        if done.returncode == 0:
            return prefix
    return None


@pytest.fixture
def disk(tmp_path, monkeypatch):
    if sys.platform != "linux":
        pytest.skip("a tmpfs is Linux's")
    folder = tmp_path / "o-dia-nho"
    folder.mkdir()
    prefix = _mount(folder, "4m")
    yield Disk(folder, prefix is not None, monkeypatch)
    monkeypatch.undo()
    if prefix is not None:
        subprocess.run([*prefix, "umount", "-l", str(folder)], capture_output=True)


def _said_in_vietnamese(output: str, *must: str) -> str:
    text = " ".join(output.split())
    for word in ("Traceback", "Errno", "OSError", "No space", "ngoài dự kiến"):
        assert word not in text, text
    for word in must:
        assert word in text, text
    return text


def _debris(folder: Path) -> list[str]:
    """What a stopped run may leave behind: staging folders, the lock, SQLite's journal."""
    return [p.name for p in folder.iterdir() if p.name.startswith(STAGING) or p.name == LOCK or p.name.endswith("-journal")]  # fmt: skip


@pytest.mark.parametrize("free", [0, 4096, 40_000, 80_000])
def test_a_full_disk_during_aggregate_keeps_the_previous_set_and_says_so(
    tmp_path, returns, disk, free
):
    out = disk.folder / "tong-hop"
    assert _aggregate(returns, out).exit_code == 0
    before = _snapshot(out)
    (returns / visible(returns)[0].name).unlink()  # today's report would differ
    disk.leave(free)
    result = _aggregate(returns, out)
    assert result.exit_code == 1
    text = _said_in_vietnamese(result.output, "ổ đĩa đã đầy")
    assert str(out) in text
    assert _snapshot(out) == before and _debris(out) == []
    disk.free()  # the clerk makes room and runs again: today's report, whole
    result = _aggregate(returns, out)
    assert result.exit_code == 0, result.output
    reference = tmp_path / "doi-chieu"
    assert _aggregate(returns, reference).exit_code == 0
    assert {n: (out / n).read_bytes() for n in REPORT} == {
        n: (reference / n).read_bytes() for n in REPORT
    }
    assert _debris(out) == []


@pytest.mark.parametrize("free", [0, 100_000])
def test_a_full_disk_during_template_keeps_the_previous_set_and_says_so(disk, free):
    out = disk.folder / "bieu-mau"
    args = ("template", "-c", str(SAMPLE_CONFIG), "-r", str(SAMPLE_ROSTER), "-o", str(out))
    assert _cli(*args).exit_code == 0
    before = _snapshot(out)
    disk.leave(free)
    result = _cli(*args)
    assert result.exit_code == 1
    assert str(out) in _said_in_vietnamese(result.output, "ổ đĩa đã đầy")
    assert _snapshot(out) == before and _debris(out) == []
    disk.free()
    assert _cli(*args).exit_code == 0
    assert _snapshot(out) == before and _debris(out) == []


def test_an_os_error_that_reaches_the_end_is_told_in_vietnamese_with_its_path(returns, tmp_path):
    """The last resort, in a real process: an operating-system error no writer turned into a
    message of its own is still told in Vietnamese, naming the path."""
    out = tmp_path / "tong-hop"
    script = (
        "import errno, os, sys\n"
        "import htsd_cli.pipeline as p\n"
        "def full(*a, **k):\n"
        f"    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), {str(out / 'x.tmp')!r})\n"
        "p.run_aggregate = full\n"
        "from htsd_cli.cli import main\n"
        "sys.argv = ['htsd', *sys.argv[1:]]\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *_agg_args(returns, out)],
        capture_output=True, text=True, encoding="utf-8", env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )  # fmt: skip
    assert done.returncode == 1
    _said_in_vietnamese(done.stderr, "ổ đĩa đã đầy", str(out / "x.tmp"))


# --- a lock its run could not fill -------------------------------------------------------------------


@posix_only
def test_a_lock_left_empty_by_a_dead_run_is_recognised_at_once(returns, good_run):
    """Killed just after making its lock file, before writing its number in it (as when the
    disk is full): the next run knows at once that nobody holds it."""
    before = _snapshot(good_run)
    process = _start(_agg_args(returns, good_run), "lock-created=kill")
    process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL
    assert (good_run / LOCK).read_bytes() == b""
    started = time.monotonic()
    result = _aggregate(returns, good_run)
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 30  # not the minute an unknown empty lock waits
    assert _snapshot(good_run) == before and _debris(good_run) == []


@posix_only
def test_an_empty_lock_of_a_live_run_is_respected_and_the_message_says_why(returns, good_run):
    before = _snapshot(good_run)
    marker = good_run.parent / "vua-khoa.json"
    first = _start(_agg_args(returns, good_run), f"lock-created=wait:{marker}")
    _wait_for(marker, first)
    assert (good_run / LOCK).read_bytes() == b""
    result = _aggregate(returns, good_run)
    assert result.exit_code == 1
    _said_in_vietnamese(result.output, "đang được một lần chạy htsd khác ghi", "ổ đĩa đã đầy")
    first.kill()
    first.communicate(timeout=30)
    assert _aggregate(returns, good_run).exit_code == 0
    assert _snapshot(good_run) == before and _debris(good_run) == []


# --- killed at any moment ----------------------------------------------------------------------------


def _killed_at_random(args: list[str], rounds: int, seed: int, span: float) -> None:
    """Run `args` and SIGKILL it after a random time within `span` seconds, `rounds` times."""
    import random

    pick = random.Random(seed)
    for _ in range(rounds):
        process = _start(args)
        try:
            process.wait(timeout=pick.uniform(0.05, span))
        except subprocess.TimeoutExpired:
            process.kill()
        process.communicate(timeout=60)


@posix_only
def test_killed_at_random_moments_a_clean_rerun_puts_everything_right(tmp_path, returns, good_run):
    before = _snapshot(good_run)
    (returns / visible(returns)[0].name).unlink()
    reference = tmp_path / "doi-chieu"
    started = time.monotonic()
    assert _aggregate(returns, reference).exit_code == 0
    span = max(1.0, 1.5 * (time.monotonic() - started))
    args = [*_agg_args(returns, good_run)[:-1]]  # with its reading cache, as a clerk runs it
    for seed in range(6):
        _killed_at_random(args, 1, seed, span)
        # whatever the moment, every old file is on disk until the next run (in place or staged)
        kept = {p.read_bytes() for p in good_run.rglob("*") if p.is_file()}
        published = {n: (good_run / n).read_bytes() for n in REPORT if (good_run / n).is_file()}
        assert all(data in kept for data in before.values()) or published == {
            n: (reference / n).read_bytes() for n in REPORT
        }
        result = _aggregate(returns, good_run)
        assert result.exit_code == 0, result.output
        assert {n: (good_run / n).read_bytes() for n in REPORT} == {
            n: (reference / n).read_bytes() for n in REPORT
        }
        assert _debris(good_run) == []
        for name in REPORT:  # yesterday's set again, for the next round
            (good_run / name).write_bytes(before[name])
        (good_run / MANIFEST).write_bytes(before[MANIFEST])


@posix_only
def test_template_killed_at_random_moments_then_a_clean_rerun(tmp_path):
    out = tmp_path / "bieu-mau"
    args = ["template", "-c", str(SAMPLE_CONFIG), "-r", str(SAMPLE_ROSTER), "-o", str(out)]
    started = time.monotonic()
    assert _cli(*args).exit_code == 0
    span = max(1.0, 1.5 * (time.monotonic() - started))
    issued = _snapshot(out)
    for seed in range(4):
        _killed_at_random(args, 1, 100 + seed, span)
        result = _cli(*args)
        assert result.exit_code == 0, result.output
        assert _snapshot(out) == issued and _debris(out) == []
