"""What one process keeps of its build caches between builds (the preview server runs many
builds in one process): a reader per cache, and the state its last build saved."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sitegen.incremental.cache_db import read_only_uri
from sitegen.incremental.cache_rows import CachedSource


@dataclass(frozen=True)
class KeptState:
    """What a build of this process saved, kept for its next one."""

    generation: str
    sources: Mapping[str, CachedSource]
    outputs: Mapping[str, str]
    related: tuple[str, Mapping[str, tuple[str, ...]]] | None


class CacheMemory:
    """What one process keeps of its build caches between builds: one reader per cache, shared
    by builds and threads (the preview server's rebuilds run on its watcher's thread), and for
    a process that asks (BuildState's `remember`), the state its last build saved. Owned by
    whoever owns the process (pipeline/process.py), which closes it before the process ends:
    an unclosed reader leaves the database's write-ahead log files behind."""

    def __init__(self) -> None:
        self.kept: dict[Path, KeptState] = {}
        self._readers: dict[Path, sqlite3.Connection] = {}
        self._pid = os.getpid()

    def reader(self, path: Path, *, read_only: bool = False) -> sqlite3.Connection:
        if self._pid != os.getpid():
            # A forked child (pipeline/render_workers.py): a connection must not cross a fork.
            # The parent's are left alone, neither used nor closed here.
            self._readers, self._pid = {}, os.getpid()
        reader = self._readers.get(path)
        if reader is None:
            where = read_only_uri(path, untouched=True) if read_only else str(path)
            reader = sqlite3.connect(where, uri=read_only, check_same_thread=False)
            self._readers[path] = reader
        return reader

    def close_reader(self, path: Path) -> None:
        reader = self._readers.pop(path, None)
        if reader is not None:
            reader.close()

    def forget(self, path: Path) -> None:
        """Drop all that is held of the cache at `path`."""
        self.close_reader(path)
        self.kept.pop(path, None)

    def close(self) -> None:
        while self._readers:
            self._readers.popitem()[1].close()
