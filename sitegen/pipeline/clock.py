"""Stage timings for `sitegen build -v`, and progress for a terminal."""

from __future__ import annotations

import time
from collections.abc import Callable

Progress = Callable[[str, int, int], None]
"""Told (stage, done, total) now and then while a long stage runs."""


class Clock:
    def __init__(self, progress: Progress | None = None) -> None:
        self.started = self.last = time.perf_counter()
        self.timings: list[tuple[str, float]] = []
        self.progress = progress

    def lap(self, stage: str) -> None:
        """Time since the last lap, added to `stage` (a stage may come back: render does)."""
        now = time.perf_counter()
        for i, (name, seconds) in enumerate(self.timings):
            if name == stage:
                self.timings[i] = (name, seconds + now - self.last)
                break
        else:
            self.timings.append((stage, now - self.last))
        self.last = now

    def tick(self, stage: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(stage, done, total)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started
