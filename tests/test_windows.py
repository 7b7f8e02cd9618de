"""Runs where clerks work: no fork, no `resource`, names Windows takes, wheels for Windows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from htsd_cli.base.errors import OutputError
from htsd_cli.base.outputs import Inputs, OutputSet, windows_problem
from htsd_cli.campaign.roster import Roster, Unit
from htsd_cli.template import issue_workbooks

from .test_hostile import hostile  # noqa: F401  (the hostile corpus, built once)

ROOT = Path(__file__).resolve().parent.parent

# A folder put first on sys.path of htsd and of every worker it starts: `import resource` fails
# and os.fork is gone, as on Windows.
RESOURCE_SHIM = """
import importlib.machinery, importlib.util, os, sys

def _importer():
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if not name.startswith(("importlib", "_frozen_importlib")) and name != __name__:
            return name
        frame = frame.f_back
    return ""

if _importer().startswith("htsd_cli"):
    raise ImportError("no resource module for htsd here, as on Windows")
# anybody else (psutil) gets the real one
_dynload = os.path.join(os.path.dirname(os.__file__), "lib-dynload")
_spec = importlib.machinery.PathFinder.find_spec("resource", [_dynload])
_real = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_real)
sys.modules[__name__] = _real
"""
WINDOWS_LIKE = {
    "resource.py": RESOURCE_SHIM,
    "sitecustomize.py": "import os\nfor name in ('fork', 'forkpty'):\n"
    "    if hasattr(os, name):\n        delattr(os, name)\n",
}


def _windows_like(tmp: Path) -> dict[str, str]:
    shim = tmp / "windows-like"
    shim.mkdir(exist_ok=True)
    for name, text in WINDOWS_LIKE.items():
        (shim / name).write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(shim), str(ROOT / "src")])}
    env.pop("HTSD_TEST_STOP_AT", None)
    return env


def test_workers_are_always_spawned():
    """No start method but spawn, which exists everywhere: no code path (not even one chosen by an
    environment variable) asks for fork or forkserver, nor calls os.fork."""
    import re

    from htsd_cli.base import isolate

    assert isolate._context().get_start_method() == "spawn"
    asking = re.compile(r"get_context\(\s*[\"']fork|os\.fork\b|set_start_method")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "src").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if asking.search(line)
    ]
    assert found == []


def test_the_shim_really_hides_resource_and_fork(tmp_path):
    env = _windows_like(tmp_path)
    probe = (
        "import os\n"
        "try:\n exec('import resource', {'__name__': 'htsd_cli.probe'})\n"
        "except ImportError:\n print('no-resource')\nimport psutil\n"
        "print(hasattr(os, 'fork'))"
    )
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["no-resource", "False"], out.stderr


def test_hostile_files_are_survived_without_resource_or_fork(hostile, tmp_path):  # noqa: F811
    """The hostile corpus, read by htsd with `resource` and os.fork hidden from it and from its
    workers: every file reported, within the same limits."""
    from .conftest import SAMPLE_CONFIG

    folder, expected = hostile
    env = _windows_like(tmp_path)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "htsd_cli", "validate", "-c", str(SAMPLE_CONFIG), str(folder),
         "--json"],
        env=env, capture_output=True, text=True, encoding="utf-8", timeout=300,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    got = {Path(f["path"]).name: {x["code"] for x in f["findings"]} for f in data["files"]}
    assert set(got) == set(expected)
    for name, codes in expected.items():
        if codes:
            assert got[name] & codes, (name, got[name])
    assert time.monotonic() - started < 5 * len(expected)


def test_a_worker_growing_past_its_memory_is_stopped_without_rlimit(tmp_path):
    """Without RLIMIT_AS the parent's watch (psutil) stops a worker whose memory grows."""
    env = _windows_like(tmp_path)
    code = (
        "import time\n"
        "from htsd_cli.base.isolate import Crash, run_isolated\n"
        "from tests.test_windows import grow\n"
        "out = dict(run_isolated(grow, ['a', 'grow', 'b'], workers=2, timeout=20,"
        " memory=300 * 1024 * 1024))\n"
        "print(out[0], out[2], isinstance(out[1], Crash) and out[1].reason)\n"
    )
    env["PYTHONPATH"] += os.pathsep + str(ROOT)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
        cwd=ROOT,
    )  # fmt: skip
    assert result.stdout.split() == ["A", "B", "memory"], result.stderr[-2000:]


def grow(item: str) -> str:
    """A reader that keeps taking memory, 50 MB at a time, touching every page."""
    if item == "grow":
        held = []
        for _ in range(60):
            held.append(bytearray(b"x" * (50 * 1024 * 1024)))
            time.sleep(0.05)
    return item.upper()


@pytest.mark.parametrize("name", ["CON.xlsx", "nul", "com1.txt", "a:b.xlsx", "x.", "tên?.xlsx"])
def test_names_windows_refuses_are_never_written(tmp_path, name):
    assert windows_problem(name)
    with OutputSet(tmp_path / "out", Inputs(), "thử") as outs, pytest.raises(OutputError):
        outs.claim([name])


def test_names_that_differ_only_by_case_are_kept_apart(tmp_path, form, config):
    roster = Roster(
        (
            Unit("TH-1", "Trường A", "tieu_hoc", "Trường tiểu học", "X"),
            Unit("th_1", "TRƯỜNG A", "tieu_hoc", "Trường tiểu học", "X"),
        ),
        tmp_path / "r.csv",
    )
    issued = issue_workbooks(form, config, roster, tmp_path / "bm")
    names = [i.path.name for i in issued]
    assert len({n.casefold() for n in names}) == 2, names
    with OutputSet(tmp_path / "out", Inputs(), "thử") as outs, pytest.raises(OutputError):
        outs.claim(["Bao-cao.docx", "bao-cao.docx"])


# published only as source, by a dependency of extract-msg: built here, it must be pure Python
SOURCE_ONLY = ["red-black-tree-mod"]


def test_every_dependency_has_a_windows_wheel(tmp_path):
    """pip resolves every runtime dependency to wheels for Windows (x64, Python 3.11); the few
    published only as source build here into wheels for any platform (pure Python: a clerk's
    pip needs no compiler for them)."""
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "dependencies"
    ]
    local = tmp_path / "built"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(local), *SOURCE_ONLY],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    command = [
        sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
        "--only-binary=:all:", "--platform", "win_amd64", "--python-version", "3.11",
        "--find-links", str(local),
        "--target", str(tmp_path / "t"), "--report", str(tmp_path / "report.json"), *deps,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if built.returncode != 0:
        result = built
    if result.returncode != 0 and any(
        word in result.stderr
        for word in ("Connection", "Temporary failure", "NewConnectionError", "Network is")
    ):
        if os.environ.get("CI"):
            pytest.fail(f"no package registry reachable: {result.stderr[-500:]}")
        pytest.skip("no package registry can be reached from here; the check needs one")
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    wheels = [i["download_info"]["url"] for i in report["install"]]
    assert wheels and all(url.endswith(".whl") for url in wheels)
    from_source = [u for u in wheels if local.as_uri() in u]
    assert len(from_source) == len(SOURCE_ONLY)
    assert all(
        u.endswith("-py3-none-any.whl") or u.endswith("-py2.py3-none-any.whl") for u in from_source
    )
