"""A recurring problem is logged once, then counted (repeat_log.py)."""

from __future__ import annotations

import logging

import pytest

from sitegen.serve.repeat_log import RepeatLog


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def test_the_same_problem_is_logged_once_and_then_counted(caplog: pytest.LogCaptureFixture) -> None:
    log = RepeatLog(logging.getLogger("test.repeat"), every=60, clock=Clock())
    with caplog.at_level(logging.ERROR, "test.repeat"):
        for _ in range(58):
            log.problem("cannot rebuild: [Errno 24] Too many open files")
        log.resolved()
        log.resolved()  # nothing more to say
    assert messages(caplog) == [
        "cannot rebuild: [Errno 24] Too many open files",
        "cannot rebuild: [Errno 24] Too many open files (repeated 57 times)",
    ]


def test_another_problem_ends_the_count_of_the_last(caplog: pytest.LogCaptureFixture) -> None:
    log = RepeatLog(logging.getLogger("test.repeat"), clock=Clock())
    with caplog.at_level(logging.ERROR, "test.repeat"):
        log.problem("a")
        log.problem("a")
        log.problem("b")
        log.problem("a")
    assert messages(caplog) == ["a", "a (repeated once)", "b", "a"]


def test_a_problem_that_goes_on_is_counted_once_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    log = RepeatLog(logging.getLogger("test.repeat"), every=60, clock=clock)
    with caplog.at_level(logging.ERROR, "test.repeat"):
        for second in range(181):  # three minutes, once a second
            clock.now = float(second)
            log.problem("stuck", key="k")
    assert messages(caplog) == [
        "stuck",
        "stuck (repeated 60 times)",
        "stuck (repeated 60 times)",
        "stuck (repeated 60 times)",
    ]


def test_the_first_line_of_a_bug_has_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    log = RepeatLog(logging.getLogger("test.repeat"), clock=Clock())
    try:
        raise ValueError("boom")
    except ValueError as exc:
        error = exc
    with caplog.at_level(logging.ERROR, "test.repeat"):
        log.problem("bug", error=error)
        log.problem("bug", error=error)
    assert len(caplog.records) == 1
    assert caplog.records[0].exc_info is not None
