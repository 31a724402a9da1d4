"""sitegen/halves.py: a computation split between this process and a forked child gives what
it gives in one piece, and runs in one piece whenever forking is not safe."""

from __future__ import annotations

import os
import threading

import pytest

import sitegen.halves
from sitegen.halves import in_halves


@pytest.fixture
def alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a build run from the command line: no other thread. (Earlier tests of the suite,
    the preview server's, may leave threads behind.)"""
    monkeypatch.setattr(sitegen.halves.threading, "active_count", lambda: 1)


def _where(part: range) -> tuple[int, list[int]]:
    return os.getpid(), list(part)


def test_the_second_half_runs_in_a_child(alone: None) -> None:
    (first_pid, first), (second_pid, second) = in_halves(_where, 9, min_items=2)
    assert first_pid == os.getpid() and second_pid != os.getpid()
    assert first + second == list(range(9))


def test_small_work_or_another_thread_runs_in_one_piece() -> None:
    assert in_halves(_where, 9) == [(os.getpid(), list(range(9)))]
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert in_halves(_where, 9, min_items=2) == [(os.getpid(), list(range(9)))]
    finally:
        stop.set()
        other.join()


def test_a_child_that_fails_has_its_half_done_here(alone: None) -> None:
    parent = os.getpid()

    def only_here(part: range) -> tuple[int, list[int]]:
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return _where(part)

    assert in_halves(only_here, 9, min_items=2) == [
        (parent, list(range(4))),
        (parent, list(range(4, 9))),
    ]
