"""`htsd aggregate` and `htsd validate` at scale, printed as the ratios issue 14 sets as targets.

For each size N (generated returns, one per unit):
- aggregate wall time (no cache) ÷ the bare python-calamine read of the same files spread over the
  same number of processes (target ≤ 2 ×; at 2,000 ≤ 2 × + 0.6 s);
- the worker's CPU per file ÷ calamine's own parse of that file (target ≤ 1.5 ×);
- peak memory of htsd (target ≤ 250 MiB at 20,000; a 70,000 run under 300 MiB);
- a re-run after 10 returns changed, with the cache (target ≤ 0.6 s + the cost of the 10);
- validate of the folder ÷ the bare read (target ≤ 1.5 ×), and validate of one file (≤ 0.15 s).

Run: .venv/bin/python bench/bench_aggregate.py [--units 2000 20000] [--quick]
(--units 70000 alone measures memory and time; generating 70,000 files takes a few minutes.)
Figures are measured, not asserted: a busy machine gives worse ones. htsd runs as installed,
with its modules' bytecode compiled (the first run writes it), whatever PYTHONDONTWRITEBYTECODE
says in the shell.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from returns import make_returns

from htsd_cli.config import load_config

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "samples" / "hai-an-2022" / "htsd.toml"
WORKERS = os.cpu_count() or 1
MiB = 1024 * 1024


def _calamine_read(paths: list[str]) -> float:
    """Read every file's first sheet; the CPU time it took (in a worker process)."""
    from python_calamine import CalamineWorkbook

    started = time.process_time()
    for path in paths:
        with CalamineWorkbook.from_path(path) as wb:
            wb.get_sheet_by_index(0).to_python()
    return time.process_time() - started


def bare_read(paths: list[Path], processes: int = WORKERS) -> float:
    """Wall time of the bare calamine read spread over `processes` spawned processes (their
    start included, as htsd's are)."""
    import multiprocessing as mp

    names = [str(p) for p in paths]
    started = time.perf_counter()
    with mp.get_context("spawn").Pool(processes) as pool:
        pool.map(_calamine_read, [names[i::processes] for i in range(processes)])
    return time.perf_counter() - started


def cpu_per_file(paths: list[Path], sample: int = 400) -> tuple[float, float]:
    """(htsd's worker CPU, calamine's parse CPU) per file in ms, on the same sample, in this
    process (so both are measured alike, without start-up)."""
    from htsd_cli.checkfile import check_file

    form = load_config(CONFIG).load_form()
    names = [str(p) for p in paths[:sample]]
    check_file(names[0], form, want_names=False)
    _calamine_read(names[:1])
    best_htsd = best_bare = float("inf")
    for _ in range(3):
        started = time.process_time()
        for name in names:
            check_file(name, form, want_names=False)
        best_htsd = min(best_htsd, time.process_time() - started)
        best_bare = min(best_bare, _calamine_read(names))
    return 1000 * best_htsd / len(names), 1000 * best_bare / len(names)


def run_watched(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, peak MiB of the largest htsd process) of a command: the process and its
    children are watched with psutil every 20 ms, as on any system."""
    env = dict(env or os.environ)
    # as installed: pip compiles the bytecode of what it installs, so a clerk's htsd never
    # compiles its modules at start; a shell that forbids writing bytecode would charge every
    # process (the parent, each reader, the Word renderer) for compiling them, every run
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    peak = 0
    output: list[bytes] = []
    reader = threading.Thread(target=lambda: output.append(proc.stdout.read()))  # type: ignore[union-attr]
    reader.start()
    watched = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            for p in [watched, *watched.children(recursive=True)]:
                peak = max(peak, p.memory_info().rss)
        except psutil.Error:
            pass
        time.sleep(0.02)
    reader.join()
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        sys.exit(b"".join(output).decode("utf-8", "replace"))
    return elapsed, peak / MiB


def htsd(*args: str) -> list[str]:
    return [sys.executable, "-m", "htsd_cli", *args]


def measure(n: int, quick: bool) -> None:
    config = load_config(CONFIG)
    form = config.load_form()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        print(f"\n== {n:,} returns ==".replace(",", "."), flush=True)
        started = time.perf_counter()
        roster, paths = make_returns(form, config, n, tmp)
        print(f"(generated in {time.perf_counter() - started:.0f} s)", flush=True)
        roster_csv = tmp / "roster.csv"
        with roster_csv.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["ma_don_vi", "ten_don_vi", "loai_don_vi", "nhom"])
            for u in roster.units:
                writer.writerow([u.code, u.name, u.unit_type, u.group])
        folder = str(paths[0].parent)
        base = ["-r", str(roster_csv), "-c", str(CONFIG)]
        bare_read(paths[:50])  # the files in the page cache, like the runs that follow
        bare = min(bare_read(paths) for _ in range(1 if n > 5000 else 3))
        aggregate = htsd("aggregate", folder, *base, "-o", str(tmp / "out"))
        wall, peak = run_watched([*aggregate, "--no-cache"])
        target = 2 * bare + (0.6 if n <= 2000 else 0)
        print(f"bare calamine read, {WORKERS} processes: {bare:.2f} s")
        print(
            f"aggregate (no cache):  {wall:.2f} s = {wall / bare:.1f} × the bare read "
            f"(target ≤ {target:.2f} s){'  OK' if wall <= target else '  OVER'}"
        )
        limit = 300 if n > 20000 else 250
        print(
            f"peak memory:           {peak:.0f} MiB (target ≤ {limit} MiB)"
            f"{'  OK' if peak <= limit else '  OVER'}"
        )
        if n > 20000 or quick:
            return
        mine, theirs = cpu_per_file(paths)
        print(
            f"worker CPU per file:   {mine:.2f} ms = {mine / theirs:.2f} × calamine's parse "
            f"({theirs:.2f} ms; target ≤ 1.5 ×){'  OK' if mine <= 1.5 * theirs else '  OVER'}"
        )
        run_watched(aggregate)  # fills the cache
        from htsd_cli.fill import fill_workbook

        for path in paths[:10]:
            fill_workbook(path, {"s2_bai_bao": 7}, path)
        rerun, _ = run_watched(aggregate)
        allowed = 0.6 + 10 * wall / n
        print(
            f"re-run, 10 changed:    {rerun:.2f} s (target ≤ 0.6 s + the 10's share "
            f"= {allowed:.2f} s){'  OK' if rerun <= allowed else '  OVER'}"
        )
        validate, _ = run_watched(htsd("validate", folder, *base))
        print(
            f"validate the folder:   {validate:.2f} s = {validate / bare:.1f} × the bare read "
            f"(target ≤ 1.5 ×){'  OK' if validate <= 1.5 * bare else '  OVER'}"
        )
        one = min(
            run_watched(htsd("validate", str(paths[0]), "-c", str(CONFIG)))[0] for _ in range(5)
        )
        print(
            f"validate one file:     {one:.2f} s (target ≤ 0.15 s){'  OK' if one <= 0.15 else '  OVER'}"
        )


def compile_htsd() -> None:
    """htsd's bytecode written, as pip writes it when it installs htsd."""
    import compileall

    import htsd_cli

    compileall.compile_dir(Path(htsd_cli.__file__).parent, quiet=1)


def main() -> None:
    compile_htsd()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--quick", action="store_true", help="aggregate time and memory only")
    args = parser.parse_args()
    for n in args.units:
        measure(n, args.quick)


if __name__ == "__main__":
    main()
