"""Speed of `htsd validate` on N filled returns, beside the bare python-calamine read of the same
files and the naive pandas.read_excel(engine="openpyxl") loop. Target: ≤ 1.5 ms per file.

Run: .venv/bin/python bench/bench_validate.py [N]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from returns import make_returns

from htsd_cli.campaign.config import load_config
from htsd_cli.checks.validate import validate_paths

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "samples" / "hai-an-2022" / "htsd.toml"
NAIVE_SAMPLE = 200


def bare_read(paths: list[Path]) -> float:
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    for path in paths:
        with CalamineWorkbook.from_path(str(path)) as wb:
            wb.get_sheet_by_index(0).to_python()
    return time.perf_counter() - started


def naive_loop(paths: list[Path]) -> float:
    import pandas as pd

    started = time.perf_counter()
    for path in paths:
        pd.read_excel(path, engine="openpyxl", sheet_name=0, header=None)
    return time.perf_counter() - started


def main(n: int = 2000) -> None:
    config = load_config(CONFIG)
    form = config.load_form()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"generating {n} filled returns…", flush=True)
        roster, paths = make_returns(form, config, n, Path(tmp))
        bare = bare_read(paths)
        started = time.perf_counter()
        report = validate_paths([paths[0].parent], form, roster)
        elapsed = time.perf_counter() - started
        assert len(report.files) == n
        errors = sum(f.errors for f in report.files)
        naive = naive_loop(paths[:NAIVE_SAMPLE]) * n / NAIVE_SAMPLE
        code = (
            "import sys; from htsd_cli.checks.checkfile import check_file; from htsd_cli.campaign.form import load_form;"
            f"check_file({str(paths[0])!r}, load_form('htsd-2022')); print('pandas' in sys.modules)"
        )
        pandas_loaded = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True
        ).stdout.strip()
    print(
        f"htsd validate (all checks, {report.files and 'worker processes'}): "
        f"{1000 * elapsed / n:.2f} ms per file ({elapsed:.2f} s in all; {errors} errors) — target ≤ 1.5 ms"
    )
    print(f"bare python-calamine read:             {1000 * bare / n:.2f} ms per file")
    print(
        f"naive pandas.read_excel(openpyxl) loop: {1000 * naive / n:.2f} ms per file "
        f"(measured on {NAIVE_SAMPLE} files)"
    )
    print(f"validating one file imports pandas: {pandas_loaded}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
