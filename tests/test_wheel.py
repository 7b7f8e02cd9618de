"""The built wheel carries the templates: installed in a fresh virtual environment, it works."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from .conftest import ROOT, SAMPLE_CONFIG, SAMPLE_ROSTER


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{result.stdout}\n{result.stderr}")
    [whl] = list(out.glob("*.whl"))
    return whl


def test_wheel_contains_templates(wheel):
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "htsd_cli/templates/forms/htsd-2022.yaml" in names


def test_installed_wheel_issues_workbooks(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # The dependencies come from this environment (no network needed); htsd itself only from the wheel.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
    )
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    where = subprocess.run(
        [str(python), "-c", "import htsd_cli, sys; print(htsd_cli.__file__)"],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        check=True,
    ).stdout
    assert str(env_dir) in where
    result = subprocess.run(
        [
            str(env_dir / "bin" / "htsd"),
            "template",
            "--config",
            str(SAMPLE_CONFIG),
            "--roster",
            str(SAMPLE_ROSTER),
            "--out",
            str(work / "out"),
        ],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(list((work / "out").glob("*.xlsx"))) == 39
