"""A log that says a recurring problem once: the preview server may hit the same error many
times a second (too many open files, an unreadable config), and a line each time would fill the
disk. The first time is logged in full; the same problem again is only counted, and the count
logged as "… (repeated 57 times)" when the problem stops or changes, or once a minute while it
goes on."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

REPORT_EVERY = 60.0
"""Seconds between two counts of a problem that goes on."""


class RepeatLog:
    """Not thread-safe: one per thread that reports problems."""

    def __init__(
        self,
        logger: logging.Logger,
        every: float = REPORT_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._every = every
        self._clock = clock
        self._key: str | None = None
        self._message = ""
        self._count = 0
        self._counted_since = 0.0

    def problem(self, message: str, key: str = "", error: BaseException | None = None) -> None:
        """Log `message`, unless the last problem had the same `key` (default: the message):
        then count it. `error`, when given, has its traceback logged with the first line."""
        key = key or message
        now = self._clock()
        if key == self._key:
            self._count += 1
            if now - self._counted_since >= self._every:
                self._report_count(now)
            return
        self._report_count(now)
        self._key, self._message = key, message
        self._logger.error("%s", message, exc_info=error)

    def resolved(self) -> None:
        """The last problem is gone: log how often it came back since it was last logged."""
        self._report_count(self._clock())
        self._key = None

    def _report_count(self, now: float) -> None:
        if self._count:
            times = "once" if self._count == 1 else f"{self._count} times"
            self._logger.error("%s (repeated %s)", self._message, times)
        self._count = 0
        self._counted_since = now
