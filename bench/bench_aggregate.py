"""`htsd aggregate` end to end on N generated returns (reading, validation, pandas, every output),
beside the bare python-calamine read of the same files and the naive pandas.read_excel loop.

Targets: ≤ 3 × the bare read + 1.5 s; at least 10 × faster than the naive loop; peak memory ≤ 300 MB.
Run: .venv/bin/python bench/bench_aggregate.py [N]
"""

from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_validate import NAIVE_SAMPLE, bare_read, naive_loop
from returns import make_returns

from htsd_cli.config import load_config

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "samples" / "hai-an-2022" / "htsd.toml"


def main(n: int = 2000) -> None:
    config = load_config(CONFIG)
    form = config.load_form()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        print(f"generating {n} filled returns…", flush=True)
        roster, paths = make_returns(form, config, n, tmp)
        roster_csv = tmp / "roster.csv"
        with roster_csv.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["ma_don_vi", "ten_don_vi", "loai_don_vi", "nhom"])
            for u in roster.units:
                writer.writerow([u.code, u.name, u.unit_type, u.group])
        bare = bare_read(paths)
        naive = naive_loop(paths[:NAIVE_SAMPLE]) * n / NAIVE_SAMPLE
        cmd = [
            sys.executable,
            "-m",
            "htsd_cli",
            "aggregate",
            str(paths[0].parent),
            "-r",
            str(roster_csv),
            "-c",
            str(CONFIG),
            "-o",
            str(tmp / "out"),
        ]
        started = time.perf_counter()
        result = subprocess.run(cmd, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(result.stdout + result.stderr)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        # a re-run the next day, after 10 units resent: only those 10 are read again
        from htsd_cli.fill import fill_workbook

        for path in paths[:10]:
            fill_workbook(path, {"s2_bai_bao": 7}, path)
        started = time.perf_counter()
        subprocess.run(cmd, capture_output=True, text=True, check=True)
        rerun = time.perf_counter() - started
        # htsd spawns its workers (Windows and macOS have no safe fork): what that costs here
        by_method = {}
        for method in ("spawn", "forkserver", "fork"):
            env = {**os.environ, "HTSD_BENCH_START_METHOD": method}
            again = [*cmd[:-1], str(tmp / f"out-{method}"), "--no-cache"]
            started = time.perf_counter()
            subprocess.run(again, capture_output=True, text=True, env=env, check=True)
            by_method[method] = time.perf_counter() - started
    target = 3 * bare + 1.5
    print(
        f"htsd aggregate, {n} returns, all outputs: {elapsed:.2f} s ({1000 * elapsed / n:.2f} ms per file)"
    )
    print(
        f"bare python-calamine read:              {bare:.2f} s  → target ≤ 3 × bare + 1.5 s = {target:.2f} s"
    )
    print(
        f"naive pandas.read_excel(openpyxl) loop: {naive:.2f} s (from {NAIVE_SAMPLE} files) → "
        f"htsd is {naive / elapsed:.1f} × faster (target ≥ 10 ×)"
    )
    print(f"peak memory of the largest process: {peak:.0f} MB (target ≤ 300 MB)")
    print(f"re-run after 10 returns changed (cache of readings): {rerun:.2f} s")
    print(
        "start method of the workers: "
        + ", ".join(f"{m} {t:.2f} s" for m, t in by_method.items())
        + f" (spawn costs {by_method['spawn'] - by_method['fork']:+.2f} s over fork)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
