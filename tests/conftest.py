"""Shared fixtures. Paths come from this file's folder, never from the working directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ["COLUMNS"] = "200"  # a fixed terminal width for rich output in CLI tests
os.environ["TERM"] = "dumb"

# Under mutmut the main module is mutmut's own script, which a spawned worker would run again
# (and fail): without a main file to run, workers import only what they are given.
_main = sys.modules.get("__main__")
UNDER_MUTMUT = _main is not None and "mutmut" in os.path.basename(
    str(getattr(_main, "__file__", ""))
)
if UNDER_MUTMUT:
    del _main.__file__
    os.environ["HTSD_INLINE_WORKERS"] = "1"  # and its mutants live only in this process

ROOT = Path(__file__).resolve().parent.parent


class _NoCache(dict):  # type: ignore[type-arg]
    """A cache that never holds: under mutmut each test parses the form anew. A form parsed once
    and kept would hide the form parser's mutants from all but the first test that asked."""

    def __contains__(self, key: object) -> bool:
        self.clear()
        return False


# mutmut runs, for each mutant, only the tests that called the mutated function, and it credits a
# call to the test that was running. A session or module fixture is set up once, inside its first
# test, so the code it runs (parsing the form, issuing and reading the sample workbooks) would be
# credited to that one test alone and its mutants judged by it. The calls made while such a fixture
# is set up are credited to every test that uses the fixture.
_FIXTURE_CALLS: dict[str, set[str]] = {}

if UNDER_MUTMUT:
    from htsd_cli.campaign import form as _form_module

    _form_module._FORM_CACHE = _NoCache()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(fixturedef: pytest.FixtureDef[object], request: object) -> object:
        from mutmut.state import state

        outer, state()._stats = state()._stats, set()
        try:
            yield
        finally:
            calls = state()._stats
            outer.update(calls)
            state()._stats = outer
            if fixturedef.scope != "function":
                _FIXTURE_CALLS.setdefault(fixturedef.argname, set()).update(calls)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_teardown(item: pytest.Item) -> None:
        from mutmut.state import state

        for name in getattr(item, "fixturenames", ()):
            state()._stats.update(_FIXTURE_CALLS.get(name, ()))


@pytest.fixture(scope="session", autouse=True)
def _own_data_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """htsd's application-data folder (the cache's signing key) is the session's, never the
    home folder of whoever runs the tests; htsd processes the tests start inherit it."""
    os.environ["HTSD_DATA_DIR"] = str(tmp_path_factory.mktemp("htsd-data"))


SAMPLES = ROOT / "samples" / "hai-an-2022"
SAMPLE_CONFIG = SAMPLES / "htsd.toml"
SAMPLE_ROSTER = SAMPLES / "roster.csv"
FORMS = Path(__file__).resolve().parent / "forms"


@pytest.fixture(scope="session")
def form():
    from htsd_cli.campaign.form import load_form

    return load_form("htsd-2022")


@pytest.fixture(scope="session")
def config():
    from htsd_cli.campaign.config import load_config

    return load_config(SAMPLE_CONFIG)


@pytest.fixture(scope="session")
def roster(form):
    from htsd_cli.campaign.roster import load_roster

    return load_roster(SAMPLE_ROSTER, form)


@pytest.fixture(scope="session")
def issued(tmp_path_factory, form, config, roster) -> dict[str, Path]:
    """The sample roster's workbooks, issued once per session: unit code → path."""
    from htsd_cli.template import issue_workbooks

    out = tmp_path_factory.mktemp("issued")
    return {i.unit.code: i.path for i in issue_workbooks(form, config, roster, out)}


@pytest.fixture
def bare_config(tmp_path) -> Path:
    """The sample configuration without its roster, folders and narrative settings (every
    command then needs them as options, as with a hand-written htsd.toml)."""
    keep = [
        line
        for line in SAMPLE_CONFIG.read_text(encoding="utf-8").splitlines()
        if not line.startswith(("roster =", "issued =", "returns =", "output =", "narrative ="))
    ]
    text = "\n".join(keep).replace(
        'receipts = "so-nhan.csv"', f"receipts = {str(SAMPLES / 'so-nhan.csv')!r}"
    )
    path = tmp_path / "cau-hinh" / "htsd.toml"
    path.parent.mkdir()
    path.write_text(text.replace("'", '"') + "\n", encoding="utf-8")
    return path


def visible(folder: Path) -> list[Path]:
    """What a clerk sees in a folder: its files and folders, without htsd's hidden bookkeeping
    (the manifest of what it wrote, its lock)."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def check_sheet(form, grid, names=None, file: str = "t.xlsx"):
    """The structure and cell checks of one file, on a plain view of its form sheet (a grid of
    values and the defined names): the report, with the figures read."""
    from htsd_cli.campaign.layout import FORM_SHEET
    from htsd_cli.checks.checkfile import check_view
    from htsd_cli.reading.view import SheetView

    fmt = file.rsplit(".", 1)[-1]
    view = SheetView(file, fmt, FORM_SHEET, grid, (FORM_SHEET,), _names=names or {})
    return check_view(view, form).report


def full_values(form, base: int = 3, unit_type: str = "") -> dict[str, object]:
    """A complete, consistent return of a unit of `unit_type`: every row it answers filled
    (every row when the type is not given), every rule satisfied."""
    values: dict[str, object] = {}
    for ind in form.indicators:
        if unit_type and not ind.applies(unit_type):
            continue
        if ind.kind == "yesno":
            values[ind.id] = "Có"
        elif ind.kind == "text":
            values[ind.id] = "Số 12/KH ngày 20/9"
        elif ind.kind == "money":
            values[ind.id] = 1_500_000
        elif ind.kind == "people":
            values[ind.id] = base * 10
        else:
            values[ind.id] = base
    return values


@pytest.fixture
def filled(tmp_path, issued, form, roster) -> Callable[..., Path]:
    """Fill a copy of a unit's issued workbook: filled(overrides, unit="THCS03", name=...)."""
    from htsd_cli.fill import fill_workbook

    def make(
        overrides: dict[str, object] | None = None, unit: str = "THCS03", name: str = ""
    ) -> Path:
        values = full_values(form, unit_type=roster.find(unit).unit_type)
        values.update(overrides or {})
        values = {k: v for k, v in values.items() if v is not None}
        target = tmp_path / (name or f"{unit.lower()}-filled.xlsx")
        fill_workbook(issued[unit], values, target)
        return target

    return make


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def missing_tool(what: str) -> None:
    """In CI (CI=true) a missing tool fails the test; locally the test is skipped, saying so."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI but is not installed")
    pytest.skip(f"{what} is not installed; skipping this real-client test locally")


@pytest.fixture(scope="session")
def soffice(tmp_path_factory) -> Callable[[list[Path], str, Path], list[Path]]:
    """Convert files with LibreOffice headless: convert(files, "xls", outdir) → new paths.

    Skips locally when LibreOffice is absent; in CI (CI=true) its absence fails the test.
    """
    if UNDER_MUTMUT:  # seconds per test, for every mutant: the mutation run leaves these out
        pytest.skip("LibreOffice tests are not part of the mutation run")
    exe = _soffice()
    if exe is None:
        missing_tool("LibreOffice (soffice)")
    profile = tmp_path_factory.mktemp("lo-profile")

    def convert(files: list[Path], target: str, outdir: Path) -> list[Path]:
        outdir.mkdir(parents=True, exist_ok=True)
        cmd = [
            exe,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            *map(str, files),
        ]
        subprocess.run(cmd, check=True, capture_output=True, timeout=300)
        ext = target.split(":")[0]
        made = [outdir / (f.stem + "." + ext) for f in files]
        missing = [m for m in made if not m.exists()]
        assert not missing, f"LibreOffice did not write {missing}"
        return made

    return convert


def uno_python() -> str | None:
    """The system Python with LibreOffice's uno module (Debian: python3-uno)."""
    for candidate in ("/usr/bin/python3", shutil.which("python3")):
        if (
            candidate
            and subprocess.run([candidate, "-c", "import uno"], capture_output=True).returncode == 0
        ):
            return candidate
    return None


@pytest.fixture(scope="session")
def lo_edit(tmp_path_factory) -> Callable[[list[dict[str, object]]], None]:
    """Run jobs of tests/tools/lo_edit.py inside one LibreOffice: open, type, insert or delete
    rows, paste values, save as .xlsx/.xls/.ods, as a person at a keyboard would."""
    if UNDER_MUTMUT:
        pytest.skip("LibreOffice tests are not part of the mutation run")
    exe = _soffice()
    if exe is None:
        missing_tool("LibreOffice (soffice)")
    python = uno_python()
    if python is None:
        missing_tool("python3-uno (to edit workbooks inside LibreOffice)")
    tool = Path(__file__).resolve().parent / "tools" / "lo_edit.py"
    work = tmp_path_factory.mktemp("lo-edit")

    def run(jobs: list[dict[str, object]]) -> None:
        import json

        script = work / f"jobs-{len(list(work.glob('jobs-*')))}.json"
        script.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
        subprocess.run(
            [str(python), str(tool), str(exe), str(work / "profile"), str(script)],
            check=True,
            timeout=600,
        )

    return run
