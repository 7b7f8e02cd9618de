"""The command floor: what a clerk waits for before htsd does anything of its own.

Prints, for `htsd --help` and `htsd validate <one sample return>`, the wall time (best and median
of N runs, each a fresh process as the clerk starts it) and the number of modules the process
imported, beside the targets (≤ 0.15 s and ≤ 0.25 s on a quiet machine); then whether the run
imported what it does not need (typer's rich help when no help is shown, pandas, openpyxl, jinja2,
python-docx, pydantic). The CPU time (children's user + system, 0 on Windows) is the steadier figure
on a busy machine. For the import tree: `python -X importtime -m htsd_cli --help 2> imports.txt`.

Run: .venv/bin/python bench/bench_floor.py [N]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "hai-an-2022"
ONE_RETURN = sorted((SAMPLE / "returns").glob("*.xlsx"))[0]
UNNEEDED = ("typer.rich_utils", "rich.markdown", "markdown_it", "pandas", "openpyxl", "jinja2",
            "docx", "pydantic")  # fmt: skip

# Runs the command in-process as the `htsd` script does, then reports what was imported.
_PROBE = """
import json, sys
from htsd_cli.cli import main
try:
    main()
except SystemExit:
    pass
sys.stdout.flush()
print(json.dumps({"modules": len(sys.modules), "loaded": sorted(sys.modules)}), file=sys.stderr)
"""


def _command() -> list[str]:
    """The `htsd` script beside this Python, as the clerk runs it (else `python -m htsd_cli`)."""
    script = Path(sys.executable).parent / ("htsd.exe" if sys.platform == "win32" else "htsd")
    return [str(script)] if script.exists() else [sys.executable, "-m", "htsd_cli"]


def _wall(args: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds (the command's processes, user and system) of each run: on a busy
    machine the CPU time is the steadier figure."""
    walls, cpus = [], []
    for _ in range(runs):
        before = os.times()
        started = time.perf_counter()
        subprocess.run([*_command(), *args], capture_output=True, cwd=SAMPLE)
        walls.append(time.perf_counter() - started)
        after = os.times()
        cpus.append(
            after.children_user
            - before.children_user
            + after.children_system
            - before.children_system
        )
    return walls, cpus


def _imports(args: list[str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, cwd=SAMPLE
    )
    found: dict[str, object] = json.loads(done.stderr.strip().splitlines()[-1])
    return found


def main(runs: int = 7) -> None:
    for label, args, target in (
        ("htsd --help", ["--help"], 0.15),
        (f"htsd validate {ONE_RETURN.name}", ["validate", str(ONE_RETURN)], 0.25),
    ):
        _wall(args, 1)  # warm the file cache and the bytecode
        times, cpus = _wall(args, runs)
        seen = _imports(args)
        loaded = set(seen["loaded"])  # type: ignore[arg-type]
        extra = [m for m in UNNEEDED if m in loaded]
        print(
            f"{label}: best {min(times):.3f} s, median {statistics.median(times):.3f} s "
            f"(target ≤ {target:.2f} s), CPU median {statistics.median(cpus):.3f} s; "
            f"{seen['modules']} modules imported; "
            f"not needed but imported: {', '.join(extra) or 'none'}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
