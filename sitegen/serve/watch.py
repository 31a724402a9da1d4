"""The preview's watcher: notices saves (woken by file events, scanning to see what changed),
waits until the sources have been quiet for a moment, rebuilds once for the whole burst off the
server's thread, and then tells browsers to reload.

It replaces livereload's watcher, which polls every 0.8 s on the server's thread, runs the task
there and drops reloads that come within 3 s of the last one. Nothing stops it but the server
stopping: an error in a look or a rebuild (too many open files, a config briefly unreadable, a
bug) is logged once (repeat_log.py counts the same error again), the changes it was about stay
pending, and it tries again after a pause that doubles up to RETRY_LAST seconds. Meanwhile the
server goes on serving the last good build."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from livereload.handlers import LiveReloadHandler
from livereload.watcher import Watcher
from tornado.ioloop import IOLoop

from sitegen.load.assets import PUBLISHED_HIDDEN
from sitegen.serve.fs_events import FileEvents
from sitegen.serve.repeat_log import RepeatLog

IDLE_WITH_EVENTS = 2.0
"""Seconds between scans while file events say nothing changed (a lost event is still found)."""
RETRY_FIRST = 0.25
"""Seconds before the first new try after an error; each further error doubles it..."""
RETRY_LAST = 5.0
"""... up to this."""

_IGNORED_NAMES = {"__pycache__", "node_modules", "4913"}
"""Never watched: caches, and the probe file Vim writes before saving."""
_IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".tmp", ".pyc")


class Rebuildable(Protocol):
    """What the watcher needs of the preview."""

    def watched(self) -> list[Path]:
        """The files and folders to watch."""

    def refresh(self, changed: list[str]) -> list[str]:
        """Rebuild after changes to these files; what to tell browsers to reload. May raise."""


class SiteWatcher(Watcher):  # type: ignore[misc]
    """Watches in its own thread, started by the server once it listens."""

    def __init__(
        self,
        site: Rebuildable,
        debounce: float,
        poll: float,
        ready: Callable[[], None],
        file_events: bool = True,
        log: logging.Logger | None = None,
    ) -> None:
        super().__init__()
        self._site = site
        self._debounce = debounce
        self._poll = poll
        self._ready = ready
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: IOLoop | None = None
        self._events = FileEvents()
        self._use_events = file_events
        self._problems = RepeatLog(log or logging.getLogger(__name__))
        # What the watcher's thread knows between looks:
        self._files: dict[str, tuple[int, int]] = {}
        self._pending: set[str] = set()
        """Changed files not rebuilt yet."""
        self._last_change = 0.0
        self._announced = False
        """A file event came since the last scan: scan once writes are quiet."""
        self._retry = False
        """The last rebuild failed for an error of ours to retry (not of the site's)."""
        self._troubled = False
        """An error has been logged and not yet resolved."""

    def remember_sources(self) -> None:
        """Called before the first build, so saves made during it count."""
        self._files = scan(self._site.watched())

    def failed(self, error: Exception) -> None:
        """A rebuild (the first) failed with `error`: log it, and rebuild at the first look."""
        self._retry = True
        self._report(error)

    def start(self, callback: Callable[[], None]) -> bool:
        """Called once the server listens, just before its loop starts."""
        self._loop = IOLoop.current()
        self._loop.add_callback(self._ready)
        self._thread = threading.Thread(target=self._run, name="sitegen-watch", daemon=True)
        self._thread.start()
        return True  # we report changes ourselves: livereload must not poll

    def examine(self) -> tuple[str | None, float | None]:
        return None, None

    def stop(self) -> None:
        self._stopping.set()
        self._events.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._events.stop()
        if self._thread is None or not self._thread.is_alive():
            self._problems.resolved()  # a count not yet logged

    def _run(self) -> None:
        wait = self._poll
        pause = RETRY_FIRST
        wake = self._events.wake
        while True:
            woke = wake.wait(wait)
            wake.clear()
            if self._stopping.is_set():
                return
            try:
                wait = self._look(woke)
            except KeyboardInterrupt:
                # Ctrl-C in a terminal also reaches the Markdown worker processes, and the pool
                # hands their KeyboardInterrupt to this thread; the server is stopping anyway.
                return
            except Exception as exc:  # whatever it is, the next look may work
                self._report(exc)
                wait, pause = pause, min(2 * pause, RETRY_LAST)
                continue
            pause = RETRY_FIRST
            if self._troubled and not (self._pending or self._retry):
                self._problems.resolved()
                self._troubled = False

    def _look(self, woke: bool) -> float:
        """Scan, rebuild when changes have settled; seconds until the next look."""
        if woke and self._events.working:
            self._announced = True
            return self._debounce
        started = time.monotonic()
        self._see_changes()
        now = time.monotonic()
        due = bool(self._pending) or self._retry
        wait = self._next_wait(due, now - started)
        if due and now - self._last_change >= self._debounce:
            self._rebuild()
        return wait

    def _see_changes(self) -> None:
        watched = self._site.watched()
        if self._use_events:
            self._events.watch(watched)
        current = scan(watched)
        now = time.monotonic()
        files = self._files
        changed = {p for p in files.keys() | current.keys() if files.get(p) != current.get(p)}
        self._files = current
        if changed:
            self._pending |= changed
            # Announced changes have been quiet for a spell already; one that only a scan
            # found (polling, or a lost event) starts its quiet spell now.
            if not (self._announced and self._events.working):
                self._last_change = now
        self._announced = False

    def _rebuild(self) -> None:
        # Changes made while this builds are found by the next scan (files is from before).
        batch = sorted(self._pending)
        self._retry = True  # until it has worked
        reload = self._site.refresh(batch)
        self._pending.clear()
        self._retry = False
        if not self._stopping.is_set() and self._loop is not None:
            self._loop.add_callback(_reload_browsers, reload)

    def _report(self, error: Exception) -> None:
        self._troubled = True
        if isinstance(error, OSError):
            self._problems.problem(
                f"cannot rebuild the preview: {error}; trying again (the last good build is "
                "still served)"
            )
            return
        self._problems.problem(
            f"the preview's watcher failed, which is a bug (please report it): "
            f"{type(error).__name__}: {error}; trying again",
            error=error,
        )

    def _next_wait(self, pending: bool, scan: float) -> float:
        """Seconds until the next look. A big site takes a while to scan (10,000 files: ~60
        ms): an idle server scans at most a fifth of the time, and rarely while file events
        wake it up; a pending change is looked at again after a quiet spell."""
        if pending:
            return self._debounce if self._events.working else self._poll
        idle = max(self._poll, 4 * scan)
        return max(idle, IDLE_WITH_EVENTS) if self._events.working else idle


def _reload_browsers(paths: list[str]) -> None:
    for path in paths:
        LiveReloadHandler.reload_waiters(path)


def scan(paths: Iterable[Path]) -> dict[str, tuple[int, int]]:
    """Modification time and size of every watched file, by path."""
    found: dict[str, tuple[int, int]] = {}
    stack = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue
        if path.is_dir():
            stack.append(str(path))
        else:
            found[str(path)] = (stat.st_mtime_ns, stat.st_size)
    while stack:
        _scan_folder(stack.pop(), found, stack)
    return found


def _scan_folder(folder: str, found: dict[str, tuple[int, int]], stack: list[str]) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        hidden = name.startswith(".") and name != PUBLISHED_HIDDEN
        if hidden or name in _IGNORED_NAMES or name.endswith(_IGNORED_SUFFIXES):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            else:
                stat = entry.stat()
                found[entry.path] = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            continue
