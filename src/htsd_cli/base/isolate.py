"""Run a function over many files in worker processes with a time and memory limit per file.

python-calamine is native code: on some hostile files it aborts the whole process instead of
raising. Each file is therefore read in a worker process; when a worker dies, overruns its time or
grows past its memory limit, that one file is reported and a fresh worker takes the rest.

Workers are started with "spawn" on every system (Windows and macOS have no safe fork): they
inherit nothing but what is passed to them, so `func` and its arguments must pickle. Memory is
watched from the parent with psutil on every system, and capped with RLIMIT_AS in addition where
the `resource` module exists. A worker exits on its own as soon as its parent is gone (it watches
the parent's sentinel), so killing htsd never leaves readers running.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing as mp
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Generic, Literal, Never, TypeVar

from htsd_cli.base.stopping import checkpoint, signals_ignored

if TYPE_CHECKING:
    from ctypes import c_longlong
    from multiprocessing.context import SpawnContext
    from multiprocessing.process import BaseProcess

    import psutil

DEFAULT_TIMEOUT = 5.0
DEFAULT_MEMORY = 500 * 1024 * 1024
START_METHOD: Literal["spawn"] = "spawn"
# Set by the tests when a mutation-testing tool runs them: it follows only this process, so the
# work is done here, unguarded. Never for real files.
INLINE = "HTSD_INLINE_WORKERS"

T = TypeVar("T")  # an item a worker is given
R = TypeVar("R")  # what the function makes of an item
# what a background child sends back: (True, the function's value) or (False, what it raised)
_Outcome = tuple[Literal[True], R] | tuple[Literal[False], BaseException]


@dataclass(frozen=True)
class Crash:
    """The worker handling an item died or ran out of time."""

    reason: str  # "timeout", "memory", "crash"
    detail: str


def _context() -> SpawnContext:
    """Workers are spawned on every system: Windows has no fork, and fork is unsafe on macOS."""
    return mp.get_context(START_METHOD)


def _exit_with_parent() -> None:
    """In a child: exit at once when the parent process is gone, whatever the child is doing."""
    parent = mp.parent_process()
    if parent is None or parent.sentinel is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        wait([sentinel])
        os._exit(3)

    threading.Thread(target=watch, daemon=True, name="htsd-parent-watch").start()


def _cap_address_space(memory: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: the parent's psutil watch is the guard
        return
    try:
        with open("/proc/self/statm") as handle:
            size = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return  # macOS: no cheap measure of the current size; the parent watches
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (size + memory, size + memory))


MEMORY_CHECK_EVERY = 0.2  # seconds between two looks at a worker's memory
STARTUP_TIMEOUT = 60.0  # seconds a new worker may take to start before it is given up


BATCH = 8  # results sent together: fewer wake-ups of the parent


def _worker(
    conn: Connection[list[tuple[int, R | Crash]], tuple[int, T] | None],
    func: Callable[[T], R],
    memory: int,
    current: c_longlong,
) -> None:
    _exit_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    faulthandler.disable()
    # A native reader that aborts prints its own backtrace; the user gets our message instead.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    _cap_address_space(memory)
    done: list[tuple[int, R | Crash]] = []
    while True:
        if done and (len(done) >= BATCH or not conn.poll()):
            conn.send(done)
            done = []
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, item = message
        current.value = index  # the parent blames this item if the process dies now
        result: R | Crash
        try:
            result = func(item)
        except MemoryError:
            result = Crash("memory", "MemoryError")
        done.append((index, result))


class _Slot(Generic[T, R]):
    """One worker, the items sent to it, and the item it is reading (shared memory)."""

    def __init__(
        self,
        ctx: SpawnContext,
        func: Callable[[T], R],
        memory: int,
    ) -> None:
        parent, child = ctx.Pipe()
        self.conn: Connection[tuple[int, T] | None, list[tuple[int, R | Crash]]] = parent
        self.current: c_longlong = ctx.RawValue("q", -1)
        self.process: BaseProcess = ctx.Process(
            target=_worker, args=(child, func, memory, self.current), daemon=True
        )
        with signals_ignored():
            self.process.start()
        child.close()
        self.pending: set[int] = set()
        self.seen = (-1, 0.0)  # (item being read, when the parent first saw it)
        self._watch: psutil.Process | None = None
        self._looked = 0.0

    def memory_over(self, limit: int, now: float) -> bool:
        """Whether the worker's resident memory has passed `limit` (looked at now and then)."""
        if now - self._looked < MEMORY_CHECK_EVERY:
            return False
        self._looked = now
        import psutil

        try:
            if self._watch is None:
                self._watch = psutil.Process(self.process.pid)
            return int(self._watch.memory_info().rss) > limit
        except (psutil.Error, OSError, ValueError):
            return False

    def give(self, index: int, item: T) -> None:
        if not self.pending:
            self.seen = (-1, time.monotonic())
        self.pending.add(index)
        self.conn.send((index, item))

    def reading(self, now: float) -> tuple[int, float]:
        """The item being read and since when (as far as the parent can tell)."""
        index = int(self.current.value)
        if index != self.seen[0]:
            self.seen = (index, now)
        return self.seen

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
    func: Callable[[T], R],
    items: Iterable[T],
    workers: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory: int = DEFAULT_MEMORY,
    prefetch: int = 16,
    meanwhile: Callable[[], None] | None = None,
) -> Iterator[tuple[int, R | Crash]]:
    """Yield (index, func(item) or Crash) for every item, in completion order.

    Each worker holds up to `prefetch` items and sends results in small batches, so it never
    waits for the parent. The time limit applies to one item at a time; when a worker dies or
    overruns, the item it was reading (kept in shared memory) is blamed and the items it had not
    reported go back in the queue; so does a worker whose memory passes `memory`. `func` must
    pickle (workers are spawned). `meanwhile` runs in a thread of this process while the workers
    read (e.g. imports for what comes next).
    """
    todo = list(items)
    if not todo:
        return
    if os.environ.get(INLINE):  # mutation testing only: no isolation, no time or memory limit
        for index, item in enumerate(todo):
            yield index, func(item)
        return
    ctx = _context()
    count = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    slots = [_Slot(ctx, func, memory) for _ in range(count)]
    queue: deque[int] = deque(range(len(todo)))

    def feed(slot: _Slot[T, R]) -> None:
        while queue and len(slot.pending) < prefetch:
            index = queue.popleft()
            slot.give(index, todo[index])

    side = threading.Thread(target=meanwhile, daemon=True) if meanwhile else None
    try:
        for slot in slots:
            feed(slot)
        if side is not None:
            side.start()
        checkpoint("reading", workers=[s.process.pid for s in slots])
        while any(s.pending for s in slots):
            busy = [s for s in slots if s.pending]
            conns = [s.conn for s in busy]
            sentinels = [s.process.sentinel for s in busy]
            ready = wait([*conns, *sentinels], timeout=min(0.5, timeout))
            # wait() gives back the very objects it was given: a worker's pipe or its sentinel
            owner: dict[object, _Slot[T, R]] = dict(zip(conns, busy, strict=True))
            owner.update(zip(sentinels, busy, strict=True))
            dead: list[tuple[_Slot[T, R], Crash]] = []
            for obj in ready:
                slot = owner[obj]
                if any(slot is d[0] for d in dead):
                    continue
                try:
                    while slot.pending and slot.conn.poll():
                        for index, result in slot.conn.recv():
                            slot.pending.discard(index)
                            yield index, result
                except (EOFError, OSError):
                    pass
                if slot.pending and not slot.process.is_alive():
                    slot.process.join(timeout=1)
                    code = slot.process.exitcode
                    reason = "memory" if code in (-signal.SIGABRT, -signal.SIGSEGV) else "crash"
                    dead.append((slot, Crash(reason, f"exit code {code}")))
            now = time.monotonic()
            for slot in slots:
                if not slot.pending or any(slot is d[0] for d in dead):
                    continue
                index, since = slot.reading(now)
                # a spawned worker still starting (imports, on a busy machine) reads no file yet:
                # its start-up is not charged to a file's time
                limit = timeout if index >= 0 else max(timeout, STARTUP_TIMEOUT)
                if now - since > limit:
                    dead.append((slot, Crash("timeout", f"{timeout:.0f} s")))
                elif slot.memory_over(memory, now):
                    dead.append((slot, Crash("memory", f"> {memory // (1024 * 1024)} MB")))
            for slot, crash in dead:
                blamed = int(slot.current.value)
                if blamed not in slot.pending:
                    blamed = min(slot.pending)
                slot.pending.discard(blamed)
                yield blamed, crash
                queue.extendleft(sorted(slot.pending, reverse=True))  # never reported: read again
                slot.pending.clear()
                slot.stop(kill=True)
                slots.remove(slot)
                slots.append(_Slot(ctx, func, memory))
            for slot in slots:
                feed(slot)
    finally:
        for slot in slots:
            slot.stop(kill=any(s.pending for s in slots))
        if side is not None and side.is_alive():
            side.join()


class Background(Generic[R]):
    """Run one function in a child process while this process does something else."""

    def __init__(self, func: Callable[[T], R], arg: T) -> None:
        self.inline = os.environ.get(INLINE) is not None
        if self.inline:
            self.value = func(arg)
            return
        ctx = _context()
        reader, child = ctx.Pipe(duplex=False)
        self.conn: Connection[Never, _Outcome[R]] = reader
        self.process: BaseProcess = ctx.Process(
            target=_background, args=(child, func, arg), daemon=True
        )
        with signals_ignored():
            self.process.start()
        child.close()

    def close(self) -> None:
        """Stop the child if it is still running (its result is no longer wanted)."""
        if self.inline:
            return
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()

    def result(self) -> R:
        if self.inline:
            return self.value
        try:
            outcome = self.conn.recv()
        except EOFError:
            self.process.join()
            raise RuntimeError(
                f"background worker died (exit code {self.process.exitcode})"
            ) from None
        self.process.join()
        if not outcome[0]:
            raise outcome[1]
        return outcome[1]


def _background(conn: Connection[_Outcome[R], Never], func: Callable[[T], R], arg: T) -> None:
    _exit_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        conn.send((True, func(arg)))
    except BaseException as exc:
        conn.send((False, exc))
