"""Rendering on every core. Once planned, pages are independent: a large render is shared
between this process and forked children, which read the plan as it is (no pickling of the
site) and stream back only each page's bytes, through a scratch file beside the output.

A fork is only safe while no other thread runs (output/halves.py says why), so the children
are forked before search starts its threads, and not at all in the preview server (its builds
run on the watcher's thread). A child that fails, for any reason, has its share rendered here:
the output is the same whichever process rendered a page."""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from sitegen.errors import SitegenError
from sitegen.output.halves import forked_child_ready
from sitegen.render.jobs import RenderJob

MIN_PAGES = 400
"""Below this many pages to render, forking costs more than the pages it shares out."""
_STOPPING = (signal.SIGINT, signal.SIGTERM)

Rendered = tuple[int, bytes | None, SitegenError | None]
"""A page's index in the render list, its bytes, or the error its template raised."""
Render = Callable[[int], Rendered]
"""Renders the page at an index of the render list."""


class ForkedRenders:
    """Children rendering every `workers`-th page of `jobs` (child k from page k, k >= 1);
    this process keeps the pages from 0 (own)."""

    def __init__(self, count: int, workers: int, scratch: Path) -> None:
        self.count = count
        self.workers = workers
        self.scratch = scratch
        self._children: list[tuple[int, int]] = []
        """(share, pid) of each child started."""

    def start(self, render: Render) -> None:
        parent = os.getpid()
        # Held back over the fork: Ctrl-C must not raise KeyboardInterrupt in a child, which
        # would unwind the build's own stack there.
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
        try:
            for share in range(1, self.workers):
                pid = os.fork()
                if pid == 0:  # pragma: no cover - the child; checked through its pages
                    _child(render, self._share(share), self._file(share), parent)
                self._children.append((share, pid))
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPPING)

    def own(self) -> range:
        return self._share(0)

    def results(self, render: Render) -> Iterator[Rendered]:
        """The children's pages, child by child; the share of a child that failed rendered
        here instead."""
        try:
            while self._children:
                share, pid = self._children.pop(0)
                _, status = os.waitpid(pid, 0)  # reaped: stop() must not signal its pid again
                done: set[int] = set()
                if status == 0:
                    for record in _read(self._file(share)):
                        done.add(record[0])
                        yield record
                yield from (render(i) for i in self._share(share) if i not in done)
        finally:
            self.stop()

    def stop(self) -> None:
        """End the children still running (a build that fails early) and drop the scratch."""
        for _, pid in self._children:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self._children = []
        shutil.rmtree(self.scratch, ignore_errors=True)

    def _share(self, share: int) -> range:
        return range(share, self.count, self.workers)

    def _file(self, share: int) -> Path:
        return self.scratch / f"pages-{share}"


def fork_renders(
    jobs: Sequence[RenderJob],
    workers: int,
    scratch_parent: Path,
    prefix: str,
    render: Render,
    warm: Callable[[], None],
) -> ForkedRenders | None:
    """Children rendering a share of `jobs` each, already started (`warm` readies what they
    share first); None when this build renders on one core (few pages, one worker, another
    thread running, no fork)."""
    if workers < 2 or len(jobs) < MIN_PAGES or not hasattr(os, "fork"):
        return None
    if threading.active_count() > 1:
        return None
    warm()
    scratch = Path(tempfile.mkdtemp(prefix=prefix, dir=scratch_parent))
    forked = ForkedRenders(len(jobs), workers, scratch)
    try:
        forked.start(render)
    except OSError:  # no process to spare (a limit on processes, say): render here alone
        forked.stop()
        return None
    except BaseException:
        forked.stop()
        raise
    return forked


def _child(
    render: Render, share: range, target: Path, parent: int
) -> None:  # pragma: no cover - runs in the child
    """Render `share` into `target`, then leave without cleaning up: the child shares the
    parent's files, caches and exit handlers. A signal to stop simply ends it."""
    status = 1
    try:
        if not forked_child_ready(parent):
            return
        with target.open("wb") as file:
            for index in share:
                pickle.dump(render(index), file, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(None, file)  # complete: a file cut short has no end mark
        status = 0
    finally:
        os._exit(status)


def _read(path: Path) -> Iterator[Rendered]:
    """A child's pages as it wrote them; as many as it finished, should it have failed."""
    try:
        with path.open("rb") as file:
            while (record := pickle.load(file)) is not None:  # written by our own child
                yield record
    except (OSError, EOFError, pickle.UnpicklingError):
        return
