"""Speed of `htsd template` (target ≤ 20 ms per workbook on one core) and of `htsd --help` (≤ 0.25 s).

Run: .venv/bin/python bench/bench_template.py [N]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from returns import bench_roster

from htsd_cli.campaign.config import load_config
from htsd_cli.template import issue_workbooks

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "samples" / "hai-an-2022" / "htsd.toml"


def main(n: int = 2000) -> None:
    config = load_config(CONFIG)
    form = config.load_form()
    roster = bench_roster(form, n)
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        issued = issue_workbooks(form, config, roster, Path(tmp))
        elapsed = time.perf_counter() - started
        size = sum(p.path.stat().st_size for p in issued) / len(issued)
    print(
        f"htsd template: {n} workbooks in {elapsed:.2f} s = {1000 * elapsed / n:.2f} ms per workbook "
        f"(target ≤ 20 ms; {size / 1024:.0f} KB each)"
    )
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "htsd_cli", "--help"], capture_output=True, check=True
        )
        runs.append(time.perf_counter() - started)
    print(f"htsd --help: best {min(runs):.3f} s, median {sorted(runs)[2]:.3f} s (target ≤ 0.25 s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
