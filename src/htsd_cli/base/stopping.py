"""Stopping cleanly: Ctrl-C and SIGTERM become one exception, and test hooks stop a run on purpose.

`Stopped` derives from BaseException so that no `except Exception` swallows it, and so that typer
(which turns KeyboardInterrupt into a silent exit) lets it reach `htsd_cli.cli.main`, which prints
the Vietnamese line and exits with 128 + the signal number. Code that must not be cut in the middle
(switching a set of outputs in, or putting the old set back) runs inside `deferred()`: a signal that
arrives there is held and raised once the block is done.

`checkpoint(name)` lets a test stop a real run at a named moment without sleeps: with
HTSD_TEST_STOP_AT="<name>=kill" the process kills itself there (as SIGKILL or a power cut would),
with "<name>=wait:<file>" it writes what it knows (its pid, its workers) to <file> and waits for a
signal (inside `deferred()` it returns once the signal is held, and the block finishes first). Without the variable a checkpoint does nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import TypedDict

STOP_ENV = "HTSD_TEST_STOP_AT"


class Stopped(BaseException):
    """The user (Ctrl-C) or the system (SIGTERM) asked htsd to stop."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class _State(TypedDict):
    defer: int  # how many deferred() blocks are open
    pending: int | None  # the signal held until the last of them ends


_state: _State = {"defer": 0, "pending": None}


def _handler(signum: int, _frame: FrameType | None) -> None:
    if _state["defer"]:
        _state["pending"] = signum
        return
    raise Stopped(signum)


def install() -> None:
    """Route Ctrl-C and SIGTERM to `Stopped` (main thread only; a no-op elsewhere)."""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGINT, _handler)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _handler)
    if hasattr(signal, "SIGBREAK"):  # Ctrl-Break on Windows
        signal.signal(signal.SIGBREAK, _handler)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block is done, then stop."""
    _state["defer"] += 1
    try:
        yield
    finally:
        _state["defer"] -= 1
        pending = _state["pending"]
        if not _state["defer"] and pending is not None:
            _state["pending"] = None
            raise Stopped(pending)


@contextlib.contextmanager
def signals_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while starting a child process, so that the child inherits 'ignored' and a
    Ctrl-C aimed at htsd never prints a child's traceback. Outside the main thread: unchanged."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def checkpoint(name: str, **info: object) -> None:
    """A named moment where a test may stop this process (see the module's text)."""
    spec = os.environ.get(STOP_ENV)
    if not spec:
        return
    point, _, action = spec.partition("=")
    if point != name:
        return
    if action == "kill":
        sys.stdout.flush()
        if hasattr(signal, "SIGKILL"):
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(137)
    if action.startswith("wait:"):
        target = action[len("wait:") :]
        with open(target + ".part", "w", encoding="utf-8") as handle:
            json.dump({"pid": os.getpid(), **info}, handle)
        os.replace(target + ".part", target)
        while _state["pending"] is None:  # until a signal stops the process (or is held)
            time.sleep(0.02)
