"""Wake-ups for the preview server's watcher: the operating system's file events (inotify,
FSEvents, kqueue, ReadDirectoryChangesW) through watchdog, so a save is noticed at once rather
than at the next poll of 10,000 files. Events only wake the watcher: what changed is still
decided by its scan, and it still polls now and then, in case an event is lost (a full inotify
queue) or the system cannot watch (then it polls as often as it would without events)."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

_WRITES = frozenset({"created", "deleted", "modified", "moved", "closed"})
"""Event types that mean a change; opening and reading a file (the build does) are not."""


class FileEvents:
    """Sets `wake` whenever something below the watched paths changes."""

    def __init__(self) -> None:
        self.wake = threading.Event()
        self.working = False
        """Whether events arrive: the watcher may then poll rarely."""
        self._observer: Any = None
        self._key: tuple[tuple[str, bool], ...] | None = None

    def watch(self, paths: Sequence[Path]) -> None:
        """Watch these folders (recursively) and files (through their folder); asking again for
        the same paths costs nothing. A path that does not exist yet is watched through its
        parent, so its creation wakes the watcher, which then asks again."""
        key = tuple((str(path), path.is_dir()) for path in paths)
        if key == self._key:
            return
        self.stop()
        self._key = key
        observer = Observer()
        handler = _Handler(self.wake, tuple(str(path) for path in paths))
        folders: dict[str, bool] = {}
        for path in paths:
            if path.is_dir():
                folders[str(path)] = True
            elif path.parent.is_dir():
                folders.setdefault(str(path.parent), False)
        try:
            for folder, recursive in folders.items():
                observer.schedule(handler, folder, recursive=recursive)
            observer.daemon = True
            observer.start()
        except OSError:  # out of inotify watches, say: polling still works
            return
        self._observer = observer
        self.working = True

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None
        self.working = False


def _inside(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root + os.sep) for root in roots)


class _Handler(FileSystemEventHandler):
    def __init__(self, wake: threading.Event, roots: tuple[str, ...]) -> None:
        super().__init__()
        self._wake = wake
        self._roots = roots

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _WRITES:
            return
        paths = (event.src_path, getattr(event, "dest_path", "") or "")
        if any(_inside(os.fsdecode(path), self._roots) for path in paths if path):
            self._wake.set()
