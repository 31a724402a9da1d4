"""One build at a time per output folder, and per build cache.

Two builds of one site at once delete each other's work: each removes the staging and scratch
folders it finds beside the output (a killed build's leftovers, as far as it can tell), and
each rewrites the cache. So a build holds an exclusive lock on a file beside its output folder
(`.output.lock` for output/) and, when it uses a cache, on `build.lock` in the cache folder,
from before it touches either until it returns; `--clean` and `--no-cache` builds lock too.

A second build does not wait: it fails at once with a SitegenError naming the build that holds
the lock (its pid and the time it started, recorded in the file). A build can take minutes, and
a CI job or a writer is better told so at once than left waiting without a word.

The lock is flock(2) on the file, which the kernel drops when its holder ends however it ends
(kill -9 included): a lock is never left stale, and the file itself, left in place, means
nothing once no process holds it. Child processes do not inherit it (they are started with
their descriptors closed), except Markdown workers forked during the build, which end with it.
The preview server builds into .preview/ with a cache of its own, one build after another on
its watcher thread, so it neither waits for `sitegen build` nor for itself."""

from __future__ import annotations

import contextlib
import errno
import os
import time
from pathlib import Path
from types import TracebackType

from sitegen.errors import SitegenError
from sitegen.load.config import require_site
from sitegen.load.sources import display_path
from sitegen.output.write import check_output_folder

CACHE_LOCK = "build.lock"
"""The lock file in a cache folder."""
_UNSUPPORTED = (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS)
"""What flock raises on a file system without locks: such a build goes ahead unlocked."""
_READ_ONLY = (errno.EACCES, errno.EPERM, errno.EROFS)


def output_lock(output: Path) -> Path:
    """The lock file of an output folder: beside it, named after it (`.output.lock`)."""
    return output.parent / f".{output.name}.lock"


class BuildLock:
    """Holds the locks of a build of the site at `root` into `output`, with the cache in
    `cache_dir` (None: no cache), while entered. Entering checks that `root` is a site and
    `output` a folder it may replace (config.require_site, write.check_output_folder) before
    it makes any file, and raises SitegenError when another build holds either lock."""

    def __init__(self, root: Path, output: Path, cache_dir: Path | None) -> None:
        self.root = root
        self.output = output
        self.cache_dir = cache_dir
        self._held: list[int] = []

    def __enter__(self) -> BuildLock:
        require_site(self.root)
        check_output_folder(self.output, self.root)
        # A cache folder that cannot be written is no one's to spoil: the build goes on without
        # its lock, and without saving the cache (state.py says so).
        places = [(output_lock(self.output), self.output, False)]
        if self.cache_dir is not None:
            places.append((self.cache_dir / CACHE_LOCK, self.cache_dir, True))
        try:
            for path, guarded, optional in places:
                fd = take(path, display_path(guarded, self.root), optional=optional)
                if fd is not None:
                    self._held.append(fd)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        while self._held:
            os.close(self._held.pop())  # closing the last descriptor releases the lock


def take(path: Path, guarded: str, *, optional: bool = False) -> int | None:
    """Lock `path` (made if need be) for this process and record who holds it; the descriptor
    to close to release it, None on a file system without locks (or, when `optional`, where
    the file cannot be made or opened for writing). SitegenError, naming `guarded` (what the
    lock protects, as messages show it), when another process holds it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if optional and exc.errno in _READ_ONLY:
            return None
        raise
    try:
        _lock(fd)
    except OSError as exc:
        busy = exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES)
        holder = _holder(fd) if busy else ""
        os.close(fd)
        if exc.errno in _UNSUPPORTED:
            return None
        if not busy:
            raise
        raise SitegenError(
            guarded,
            None,
            f"another build of this site is running ({holder}); wait for it to finish, or "
            f"stop it (its lock, {path.name}, is released as soon as it ends)",
        ) from None
    with contextlib.suppress(OSError):  # the record only serves the message above
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {int(time.time())}\n".encode(), 0)
    return fd


def _lock(fd: int) -> None:
    """flock(2) the file, without waiting; where there is no flock (Windows), an error that
    makes the build go ahead unlocked."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        raise OSError(errno.ENOSYS, "no flock on this system") from None
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _holder(fd: int) -> str:
    """Who holds the lock, as its file records it: "pid N, started HH:MM:SS"."""
    try:
        pid, started = os.pread(fd, 100, 0).decode("ascii").split()
        clock = time.strftime("%H:%M:%S", time.localtime(int(started)))
        return f"pid {int(pid)}, started {clock}"
    except (OSError, ValueError, OverflowError):
        return "its process did not say which"  # it has just taken the lock, or wrote nothing
