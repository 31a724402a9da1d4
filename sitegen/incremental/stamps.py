"""What tells a build that its inputs are the ones an earlier build saw: the stamp of the whole
site (equal stamps: nothing to do) and the digests of the content files (an equal digest: the
cached parse of that file still holds).

A file's size and modification time are not enough: `touch -r`, `os.utime`, `cp -p`, rsync
and some checkouts set the time back after a same-size edit, and the build would publish the
old text until `--clean`. So every file whose text the build reads (stories, settings,
templates) counts by a digest of its bytes, and the build reads it again only when that changed.

Hashing 10,000 stories of ~8 KB on every build takes a few tenths of a second, so, as git does,
the build cache keeps each file's digest with its stat key (KnownFiles): size, modification
time, change time, inode and device. A file is hashed again only when its key changed. The
change time (ctime) is set by the kernel whenever a file's content or metadata changes, and no
program can set it back (`touch -r` and `os.utime` set it to now), so a same-size edit whose
modification time was restored still changes the key. What the key cannot show is a change in
the same timestamp tick as the one recorded (git's "racy" files): a digest is kept only for a
file whose times are older than RACY_NS before the build began looking at its files; any other
is hashed again next time. Without a cache (--no-cache, --clean, a first build) every file is
hashed.

Static files (images, fonts, video) can be large and are only copied, so hashing them even once
would cost more than it saves: they count by size, modification time, inode and change time
alone. A same-size edit whose modification time was restored changes the change time, as a new
file written over the old (a checkout) changes the inode."""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sitegen.incremental.cache_rows import (
    KnownBuckets,
    KnownFile,
    StatKey,
    read_known_files,
    write_known_files,
)
from sitegen.incremental.state import DATABASE, SCHEMA
from sitegen.load.config import CONFIG_NAME, SiteConfig
from sitegen.load.sources import FoundSource, scan_sources
from sitegen.render.templates import theme_dirs, theme_static_dirs

RACY_NS = 2_000_000_000
"""A file modified this close to the moment it was looked at may change again within the same
timestamp tick (2 s on the coarsest file systems): its times cannot tell that nothing changed.
A static file makes the build do its work; a text file's digest is not kept for the next build.
(For a static file, a fresh change time alone, as a copy that keeps the modification time has,
does not count: a later write sets the modification time to a moment after the old one.)"""
_CHUNK = 1 << 20


class ScannedSources(list[FoundSource]):
    """The content files as scan_sources lists them, with `digests`: the sha256 of each
    regular file's bytes (as SourceFile.digest), by its path in the content folder."""

    def __init__(self, found: Iterable[FoundSource], digests: dict[str, str]) -> None:
        super().__init__(found)
        self.digests = digests


def scan_content(
    content_dir: Path, digest_of: Callable[[str], str | None], others: list[str] | None = None
) -> ScannedSources:
    """Every content file (scan_sources) with the digest of its bytes (`digest_of` its path);
    a file that cannot be read, or is not a regular file, has none (reading it reports why).
    `others` gets the paths of the content folder's other files (scan_sources)."""
    found = scan_sources(content_dir, others)
    digests = {}
    for item in found:
        if item.error is None:
            digest = digest_of(item.path)
            if digest is not None:
                digests[item.rel] = digest
    return ScannedSources(found, digests)


def source_digest(scanned: Sequence[FoundSource], rel: str, path: str) -> str | None:
    """The digest of the bytes of the content file `rel` (at `path`) of a scan: the scan's
    when it made them (ScannedSources), else read now; None when it is no readable file."""
    if isinstance(scanned, ScannedSources):
        return scanned.digests.get(rel)
    return file_digest(path)


def file_digest(path: str) -> str | None:
    """The sha256 of a regular file's bytes, None for anything else or an unreadable file.
    Opened without blocking, so a named pipe in its place is not waited on; read in one call
    for a small file (a buffered reader per file took twice as long at 10,000 files)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        digest = hashlib.sha256()
        size = min(info.st_size + 1, _CHUNK)  # + 1: the end of a file that grew is read too
        while chunk := os.read(fd, size):
            digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None
    finally:
        os.close(fd)


def input_stamp(
    root: Path, config: SiteConfig, request: str, cache: Path | None = None
) -> tuple[str, ScannedSources]:
    """The stamp of everything a build reads, with `request` (what else its output depends
    on, as a string): equal stamps mean equal inputs. Also the content files with their
    digests, so the build neither walks the content folder nor hashes a file twice. `cache`:
    the folder of the build cache whose file digests stand for the files' bytes while their
    stat keys hold (None: every file is hashed, and nothing is kept)."""
    known = KnownFiles.read(cache, time.time_ns())
    digest = hashlib.sha256(request.encode())
    beside: list[str] = []  # files beside stories, copied like static files when shown
    found = scan_content(root / "content", known.digest, beside)
    for item in found:
        digest.update(f"content/{item.rel}:{found.digests.get(item.rel)}\n".encode())
    if len(found.digests) < len(found):
        stamp = "unreadable"  # read_sources reports it properly
    else:
        copies = [Path(p) for p in sorted(beside)]
        stamp = _stamp_files(digest.update, root, config, known.digest, copies)
        stamp = stamp or digest.hexdigest()
    known.save()
    return stamp, found


def _stamp_files(
    update: Callable[[bytes], object],
    root: Path,
    config: SiteConfig,
    digest_of: Callable[[str], str | None],
    beside: list[Path],
) -> str:
    """Stamp the settings, templates, static files and the files `beside` stories with
    `update`, a text file by `digest_of` its path; "" when done, else what stopped it (a file
    that cannot be read, or changed too recently to tell)."""
    texts = [root / CONFIG_NAME, *theme_dirs(root, config.theme)]
    copies = [root / "static", *theme_static_dirs(root, config.theme), *beside]
    now = time.time_ns()
    for path, is_text in _files([(p, True) for p in texts] + [(p, False) for p in copies]):
        mark = digest_of(path) if is_text else copy_mark(path, now)
        if mark is None:
            return "unreadable" if is_text else "racy"
        update(f"{path}:{mark}\n".encode())
    return ""


class KnownFiles:
    """The digests of the files a build reads: from the build cache while a file's stat key is
    the one its digest was taken under, else hashed (see the module's docstring). `started`:
    when the build began looking at files, before any of them was looked at."""

    def __init__(self, database: Path | None, stored: KnownBuckets, started: int) -> None:
        self.database = database
        self.stored = stored
        self.started = started
        self._known = {path: known for bucket in stored.values() for path, known in bucket.items()}
        self._kept: dict[str, KnownFile] = {}
        """What to keep for the next build: every file looked at whose key it can trust."""

    @classmethod
    def read(cls, cache: Path | None, started: int) -> KnownFiles:
        """The digests the cache in folder `cache` holds (none when it is None)."""
        if cache is None:
            return cls(None, {}, started)
        database = cache / DATABASE
        return cls(database, read_known_files(database, SCHEMA), started)

    def digest(self, path: str) -> str | None:
        """The sha256 of the bytes of the file at `path` (as file_digest)."""
        key = stat_key(path)
        known = self._known.get(path)
        if key is not None and known is not None and known[0] == key:
            self._kept[path] = known
            return known[1]
        digest = file_digest(path)
        if key is not None and digest is not None and settled(key, self.started):
            self._kept[path] = (key, digest)
        return digest

    def save(self) -> None:
        """Keep the digests of this build's files in the cache, for the next build."""
        if self.database is not None and self._kept != self._known:
            write_known_files(self.database, SCHEMA, self.stored, self._kept)


def stat_key(path: str) -> StatKey | None:
    """The stat key of a regular file: (size, modification time, change time, inode,
    device); None for anything else, or a file that cannot be looked at."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)


def settled(key: StatKey, started: int) -> bool:
    """Whether a file's stat key can vouch for its bytes next time: both its times are older
    than RACY_NS before `started`, so that any later change falls in a later timestamp tick
    and changes them (a change within the tick they show would leave the key as it is)."""
    return max(key[1], key[2]) < started - RACY_NS


def copy_mark(path: str, now: int) -> str | None:
    """What stands for a static file's content in the stamp: its file_mark, None when it
    changed too recently to tell (or cannot be looked at)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if now - info.st_mtime_ns < RACY_NS:
        return None
    return _mark(info)


def static_fingerprint(source: Path) -> str:
    """The fingerprint of a static file copied into the output: size, times and inode (see
    the module's docstring)."""
    try:
        return f"static:{_mark(source.stat())}"
    except OSError:
        return "static:unreadable"  # collect_static reports it


def _mark(info: os.stat_result) -> str:
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}"


def _files(tops: list[tuple[Path, bool]]) -> Iterable[tuple[str, bool]]:
    """Every file of each top (itself when it is a file), sorted, with its flag."""
    for top, flag in tops:
        if top.is_file():
            yield str(top), flag
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            for name in sorted(filenames):
                yield os.path.join(dirpath, name), flag
