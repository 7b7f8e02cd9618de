"""Run a function over many files in worker processes with a time and memory limit per file.

python-calamine is native code: on some hostile files it aborts the whole process instead of
raising. Each file is therefore read in a forked worker whose address space is capped; when a
worker dies or overruns its time, that one file is reported and a fresh worker takes the rest.
"""

from __future__ import annotations

import faulthandler
import multiprocessing as mp
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

DEFAULT_TIMEOUT = 5.0
DEFAULT_MEMORY = 500 * 1024 * 1024


@dataclass(frozen=True)
class Crash:
    """The worker handling an item died or ran out of time."""

    reason: str  # "timeout", "memory", "crash"
    detail: str


def _vm_size() -> int:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _worker(conn: Connection, func: Callable[[Any], Any], memory: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    faulthandler.disable()
    # A native reader that aborts prints its own backtrace; the user gets our message instead.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        import resource

        limit = _vm_size() + memory
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        try:
            result: Any = func(item)
        except MemoryError:
            result = Crash("memory", "MemoryError")
        try:
            conn.send(result)
        except MemoryError:
            conn.send(Crash("memory", "MemoryError"))


class _Slot:
    def __init__(self, ctx: Any, func: Callable[[Any], Any], memory: int) -> None:
        parent, child = ctx.Pipe()
        self.conn: Connection = parent
        self.process = ctx.Process(target=_worker, args=(child, func, memory), daemon=True)
        self.process.start()
        child.close()
        self.item: Any = None
        self.index = -1
        self.started = 0.0

    def give(self, index: int, item: Any) -> None:
        self.index, self.item, self.started = index, item, time.monotonic()
        self.conn.send(item)

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                self.process.kill()
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def run_isolated(
    func: Callable[[Any], Any],
    items: Iterable[Any],
    workers: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory: int = DEFAULT_MEMORY,
) -> Iterator[tuple[int, Any]]:
    """Yield (index, func(item) or Crash) for every item, in completion order.

    `func` must be defined before the call: workers are forked and inherit it.
    """
    todo = list(items)
    if not todo:
        return
    ctx = mp.get_context("fork")
    count = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    slots = [_Slot(ctx, func, memory) for _ in range(count)]
    next_index = 0
    busy: dict[Connection, _Slot] = {}
    try:
        for slot in slots:
            if next_index < len(todo):
                slot.give(next_index, todo[next_index])
                busy[slot.conn] = slot
                next_index += 1
        while busy:
            now = time.monotonic()
            wait_for = max(0.01, min(s.started + timeout for s in busy.values()) - now)
            sentinels = {s.process.sentinel: s for s in busy.values()}
            ready = wait([*busy.keys(), *sentinels.keys()], timeout=wait_for)
            finished: list[tuple[_Slot, Any, bool]] = []
            for obj in ready:
                found = busy.get(obj) if isinstance(obj, Connection) else sentinels.get(int(obj))  # type: ignore[arg-type]
                if found is None or any(found is f[0] for f in finished):
                    continue
                slot = found
                if isinstance(obj, Connection):
                    try:
                        finished.append((slot, obj.recv(), False))
                        continue
                    except (EOFError, OSError):
                        pass
                slot.process.join(timeout=1)
                code = slot.process.exitcode
                reason = "memory" if code in (-signal.SIGABRT, -signal.SIGSEGV) else "crash"
                finished.append((slot, Crash(reason, f"exit code {code}"), True))
            now = time.monotonic()
            for slot in list(busy.values()):
                if any(slot is f[0] for f in finished):
                    continue
                if now - slot.started > timeout:
                    finished.append((slot, Crash("timeout", f"{timeout:.0f} s"), True))
            for slot, result, dead in finished:
                del busy[slot.conn]
                yield slot.index, result
                if dead:
                    slot.stop(kill=True)
                    slots.remove(slot)
                    slot = _Slot(ctx, func, memory)
                    slots.append(slot)
                if next_index < len(todo):
                    slot.give(next_index, todo[next_index])
                    busy[slot.conn] = slot
                    next_index += 1
    finally:
        for slot in slots:
            slot.stop(kill=bool(busy))
