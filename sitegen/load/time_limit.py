"""A time limit for one call, by SIGALRM: Python-Markdown cannot be interrupted otherwise.

Signals reach only the main thread, so elsewhere (the preview server converts in its watcher
thread) the call runs without a limit; so does it where the platform has no interval timer."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

_T = TypeVar("_T")
_A = TypeVar("_A")


class TimeLimitExceeded(Exception):
    """The call took longer than it was allowed."""


def within(seconds: float, call: Callable[[_A], _T], argument: _A) -> _T:
    """`call(argument)`, raising TimeLimitExceeded if it runs longer than `seconds`."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        return call(argument)

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeLimitExceeded

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return call(argument)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
