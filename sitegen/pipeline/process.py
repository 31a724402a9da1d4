"""How builds use the process they run in. The owner of the process makes one: the command
line (one build, then the process ends) or the preview server (many builds in one process).
Tests and library callers that give none get a throwaway one per build."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from sitegen.incremental.memory import CacheMemory


class BuildProcess:
    """`ends_after_build`: the process exits right after its build, so the build's model and
    plan are left for the exit to drop instead of being freed object by object (0.15 s at
    10,000 articles). `remembers`: the cache a build saves is kept in memory for the next
    build in this process instead of being read back (the preview server's)."""

    def __init__(self, *, ends_after_build: bool = False, remembers: bool = False) -> None:
        self.ends_after_build = ends_after_build
        self.remembers = remembers
        self.cache_memory = CacheMemory()
        self._left_for_exit: list[object] = []

    def leave_for_exit(self, *held: object) -> None:
        """Keep `held` alive to the end, when ends_after_build (else let it go now)."""
        if self.ends_after_build:
            self._left_for_exit[:] = held

    def close(self) -> None:
        self.cache_memory.close()

    def end(self, code: int) -> NoReturn:  # pragma: no cover - ends the test run otherwise
        """End the process without tearing the interpreter down: freeing a large site's model
        object by object takes a few tenths of a second at 10,000 articles, and the operating
        system reclaims it all at once anyway. Every file and connection is closed by then;
        only the standard streams need flushing."""
        self.close()
        if sys.getprofile() is not None or sys.gettrace() is not None:
            sys.exit(code)  # a profiler or coverage writes its report as the interpreter ends
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
