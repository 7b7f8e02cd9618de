"""`htsd aggregate` at a province's and the country's scale, each figure beside issue 35's target.

For each size N (generated returns, one per unit; a few distinct fills stamped for many units):
- aggregate (no cache): wall time, CPU time (the process and its reading processes) and peak
  memory, each ÷ the bare python-calamine read of the same files over the same number of
  processes, measured in pairs in this run (target at 2,000: ≤ 2.5 × the bare read);
- the worker's CPU per file ÷ calamine's own parse of the same files (target ≤ 1.7 ×);
- a re-run with nothing changed (target ≤ 0.5 s), and after 10 returns changed (≤ 0.25 × the
  first run);
- peak memory (target at 70,000: ≤ 300 MiB; at 20,000: ≤ 250 MiB);
- validate of one file (target ≤ 0.25 s) and of the folder (beside the bare read).

Run: .venv/bin/python bench/bench_aggregate.py [--units 2000 20000] [--quick]
     .venv/bin/python bench/bench_aggregate.py --units 70000   (the country: generating 70,000
     files takes several minutes; --quick measures the first run only)
Figures are measured, not asserted: a busy machine gives worse ones, and the load is printed;
ratios hold better than times, which is why each is paired with the bare read of the same run.
htsd runs as installed, with its modules' bytecode compiled (the first run writes it), whatever
PYTHONDONTWRITEBYTECODE says in the shell.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from returns import make_returns

from htsd_cli.campaign.config import load_config

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


def _bare_main(listing: str, processes: int) -> None:
    """The bare read as a command of its own (measured as htsd is: wall, CPU, memory)."""
    import multiprocessing as mp

    names = Path(listing).read_text(encoding="utf-8").splitlines()
    with mp.get_context("spawn").Pool(processes) as pool:
        pool.map(_calamine_read, [names[i::processes] for i in range(processes)])


def cpu_per_file(paths: list[Path], sample: int = 400) -> tuple[float, float]:
    """(htsd's worker CPU, calamine's parse CPU) per file in ms, on the same sample, in this
    process (so both are measured alike, without start-up)."""
    from htsd_cli.checks.checkfile import check_file

    form = load_config(CONFIG).load_form()
    names = [str(p) for p in paths[:sample]]
    check_file(names[0], form, want_names=False)
    _calamine_read(names[:1])
    best_htsd = best_bare = float("inf")
    for _ in range(3):
        started = time.process_time()
        for name in names:
            check_file(name, form, want_names=False, digest=True)
        best_htsd = min(best_htsd, time.process_time() - started)
        best_bare = min(best_bare, _calamine_read(names))
    return 1000 * best_htsd / len(names), 1000 * best_bare / len(names)


@dataclass
class Run:
    wall: float  # seconds
    cpu: float | None  # seconds of CPU of the process and every process it started
    peak: float  # MiB, the largest single process of the tree at any time


def _children_cpu() -> float | None:
    try:
        import resource
    except ImportError:  # Windows: no account of finished children
        return None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_watched(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    """Wall time, CPU time and peak memory of a command: the process and its children are
    watched with psutil every 20 ms; CPU is what the finished tree used."""
    env = dict(env or os.environ)
    # as installed: pip compiles the bytecode of what it installs, so a clerk's htsd never
    # compiles its modules at start; a shell that forbids writing bytecode would charge every
    # process (the parent, each reader, the Word renderer) for compiling them, every run
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cpu_before = _children_cpu()
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
    cpu_after = _children_cpu()
    if proc.returncode not in (0, 1):
        sys.exit(b"".join(output).decode("utf-8", "replace"))
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return Run(elapsed, cpu, peak / MiB)


def htsd(*args: str) -> list[str]:
    return [sys.executable, "-m", "htsd_cli", *args]


def bare(listing: Path) -> list[str]:
    return [sys.executable, __file__, "--bare-read", str(listing), str(WORKERS)]


def verdict(ok: bool) -> str:
    return "  OK" if ok else "  OVER"


def _cpu(run: Run) -> str:
    return f"{run.cpu:.1f} s" if run.cpu is not None else "n/a"


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
        listing = tmp / "files.txt"
        listing.write_text("\n".join(str(p) for p in paths), encoding="utf-8")
        folder = str(paths[0].parent)
        base = ["-r", str(roster_csv), "-c", str(CONFIG)]
        out = tmp / "out"
        aggregate = htsd("aggregate", folder, *base, "-o", str(out))
        run_watched(bare(listing))  # the files in the page cache, like the runs that follow
        print(f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
        pairs = 3 if n <= 2000 else 1
        bares: list[Run] = []
        firsts: list[Run] = []
        for _ in range(pairs):  # paired: the same load for both, as far as it can be
            bares.append(run_watched(bare(listing)))
            firsts.append(run_watched([*aggregate, "--no-cache"]))
        ratios = [a.wall / b.wall for a, b in zip(firsts, bares, strict=True)]
        ratio = statistics.median(ratios)
        first = min(firsts, key=lambda r: r.wall)
        base_read = min(bares, key=lambda r: r.wall)
        target = 2.5 if n <= 2000 else None
        print(
            f"bare calamine read, {WORKERS} processes: {base_read.wall:.2f} s wall, CPU {_cpu(base_read)}, {base_read.peak:.0f} MiB"
        )
        print(
            f"aggregate (no cache):  {first.wall:.2f} s wall = {ratio:.2f} × the bare read "
            f"(median of {pairs} pairs: {', '.join(f'{r:.2f}' for r in ratios)})"
            + (f" (target ≤ {target} ×){verdict(ratio <= target)}" if target else "")
        )
        if first.cpu is not None and base_read.cpu:
            print(
                f"aggregate CPU:         {first.cpu:.1f} s = {first.cpu / base_read.cpu:.2f} × the "
                "bare read's (no target: what the machine paid)"
            )
        limit = 300 if n > 20000 else 250
        peak = max(r.peak for r in firsts)
        print(
            f"peak memory:           {peak:.0f} MiB (target ≤ {limit} MiB){verdict(peak <= limit)}"
        )
        if quick:
            return
        if n <= 20000:
            mine, theirs = cpu_per_file(paths)
            print(
                f"worker CPU per file:   {mine:.2f} ms = {mine / theirs:.2f} × calamine's parse "
                f"({theirs:.2f} ms; target ≤ 1.7 ×){verdict(mine <= 1.7 * theirs)}"
            )
        run_watched(aggregate)  # fills the cache, keeps the inputs' fingerprint
        still = min((run_watched(aggregate) for _ in range(3)), key=lambda r: r.wall)
        print(
            f"re-run, nothing changed: {still.wall:.2f} s (CPU {_cpu(still)}), {still.peak:.0f} MiB "
            f"(target ≤ 0.5 s){verdict(still.wall <= 0.5)}"
        )
        from htsd_cli.fill import fill_workbook

        for path in paths[:10]:
            fill_workbook(path, {"s2_bai_bao": 7}, path)
        rerun = run_watched(aggregate)
        print(
            f"re-run, 10 changed:    {rerun.wall:.2f} s = {rerun.wall / first.wall:.2f} × the "
            f"first run (target ≤ 0.25 ×){verdict(rerun.wall <= 0.25 * first.wall)}"
        )
        if rerun.cpu is not None and first.cpu:
            print(
                f"                       CPU {rerun.cpu:.1f} s = {rerun.cpu / first.cpu:.2f} × the first run's"
            )
        if n > 2000:
            return
        validate = run_watched(htsd("validate", folder, *base))
        print(
            f"validate the folder:   {validate.wall:.2f} s = {validate.wall / base_read.wall:.1f} × "
            "the bare read"
        )
        one = min(
            run_watched(htsd("validate", str(paths[0]), "-c", str(CONFIG))).wall for _ in range(5)
        )
        print(f"validate one file:     {one:.2f} s (target ≤ 0.25 s){verdict(one <= 0.25)}")
        print(f"load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


def compile_htsd() -> None:
    """htsd's bytecode written, as pip writes it when it installs htsd."""
    import compileall

    import htsd_cli

    compileall.compile_dir(Path(htsd_cli.__file__).parent, quiet=1)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--bare-read":
        _bare_main(sys.argv[2], int(sys.argv[3]))
        return
    compile_htsd()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--quick", action="store_true", help="the first run's figures only")
    args = parser.parse_args()
    for n in args.units:
        measure(n, args.quick)


if __name__ == "__main__":
    main()
