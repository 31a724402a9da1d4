"""One computation over a range, split in two halves that run at once: the second half in a
forked child process, which reads the parent's data as it is (no pickling of the input) and
sends back only its result.

For work in the middle of a build that has one core to itself and nothing else to do: the
related-article lists, recomputed whenever a story is added or its tags change, cost ~1.3 s at
10,000 articles and five times that at 50,000, while the second core waits for the model. A
fork is only safe with no other thread running (the preview server's rebuilds run in its
watcher thread): then, and on systems without fork, everything runs here."""

from __future__ import annotations

import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

MIN_ITEMS = 2000
"""Below this many items, forking (tens of milliseconds for a large build) costs more than the
half it saves."""
_STOPPING = (signal.SIGINT, signal.SIGTERM)


def in_halves(work: Callable[[range], T], count: int, *, min_items: int = MIN_ITEMS) -> list[T]:
    """`work` over range(count): [work(first half), work(second half)] when a child computes
    the second, else [work(range(count))]. A child that fails has its half done here."""
    if count < min_items or not hasattr(os, "fork") or threading.active_count() > 1:
        return [work(range(count))]
    middle = count // 2
    second = range(middle, count)
    parent = os.getpid()
    read, write = os.pipe()
    # Held back over the fork: Ctrl-C must not raise KeyboardInterrupt in the child, which
    # would unwind the build's own stack there (and discard the folder the build is staging).
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child; its result is checked through the parent
            _child(work, second, read, write, parent)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPPING)
    os.close(write)
    try:
        first = work(range(middle))
    finally:
        try:
            # The child writes all of its result before it exits: read it before waiting.
            with os.fdopen(read, "rb") as pipe:
                data = pipe.read()
        finally:
            _, status = os.waitpid(pid, 0)
    if status != 0:
        return [first, work(second)]
    result: T = pickle.loads(data)  # from our own child
    return [first, result]


def _child(
    work: Callable[[range], T], part: range, read: int, write: int, parent: int
) -> None:  # pragma: no cover - runs in the child
    """Compute `part`, send it, and leave without cleaning up: the child shares the parent's
    files, caches and exit handlers. A signal to stop simply ends it."""
    status = 1
    try:
        if not forked_child_ready(parent):
            return
        os.close(read)
        data = pickle.dumps(work(part), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write, "wb") as pipe:
            pipe.write(data)
        status = 0
    finally:
        os._exit(status)


def forked_child_ready(parent: int) -> bool:  # pragma: no cover - runs in a forked child
    """Set up a child forked with the stopping signals blocked: they end it again, and so
    does its parent's end. False when `parent` has already ended (the child should stop)."""
    for number in _STOPPING:
        signal.signal(number, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPPING)
    return die_with_parent(parent)


def die_with_parent(parent: int | None = None) -> bool:
    """Ask the kernel to end this process when its parent ends, so that a killed build leaves
    no child computing for nobody (Linux only; elsewhere a child ends at its next write).
    False when `parent` (its pid) has already ended: too late to ask, the child should stop."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    return parent is None or os.getppid() == parent
