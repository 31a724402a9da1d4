"""What tells a build that its inputs are the ones an earlier build saw: the stamp of the whole
site (equal stamps: nothing to do) and the digests of the content files (an equal digest: the
cached parse of that file still holds).

A file's size and modification time are not enough: `touch -r`, `os.utime`, `cp -p`, rsync
and some checkouts set the time back after a same-size edit, and the build would publish the
old text until `--clean`. So every file whose text the build reads (stories, settings,
templates) counts by a digest of its bytes: hashing 10,000 stories of ~8 KB takes a few tenths
of a second, and the build reads them again only when a digest changed.

Static files (images, fonts, video) can be large and are only copied, so hashing them on every
build would cost more than it saves: they count by size, modification time, inode and change
time. The change time (ctime) is set by the kernel whenever a file's content or metadata
changes, and no program can set it back, so a same-size edit whose modification time was
restored still changes it, as a new file written over the old (a checkout) changes the inode."""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sitegen.config import CONFIG_NAME, SiteConfig
from sitegen.render.templates import theme_dirs, theme_static_dirs
from sitegen.sources import FoundSource, scan_sources

RACY_NS = 2_000_000_000
"""A static file modified this close to the moment it was looked at may change again within the
same timestamp tick: its times cannot tell that nothing changed, so the build does its work.
(A fresh change time alone, as a copy that keeps the modification time has, does not count: a
later write sets the modification time to a moment after the old one.)"""
_CHUNK = 1 << 20


class ScannedSources(list[FoundSource]):
    """The content files as scan_sources lists them, with `digests`: the sha256 of each
    regular file's bytes (as SourceFile.digest), by its path in the content folder."""

    def __init__(self, found: Iterable[FoundSource], digests: dict[str, str]) -> None:
        super().__init__(found)
        self.digests = digests


def scan_content(content_dir: Path) -> ScannedSources:
    """Every content file (scan_sources) with the digest of its bytes; a file that cannot be
    read, or is not a regular file, has none (reading it reports why)."""
    found = scan_sources(content_dir)
    digests = {}
    for item in found:
        if item.error is None:
            digest = file_digest(item.path)
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


def input_stamp(root: Path, config: SiteConfig, request: str) -> tuple[str, ScannedSources]:
    """The stamp of everything a build reads, with `request` (what else its output depends
    on, as a string): equal stamps mean equal inputs. Also the content files with their
    digests, so the build neither walks the content folder nor hashes a file twice."""
    digest = hashlib.sha256(request.encode())
    found = scan_content(root / "content")
    for item in found:
        digest.update(f"content/{item.rel}:{found.digests.get(item.rel)}\n".encode())
    if len(found.digests) < len(found):
        return "unreadable", found  # read_sources reports it properly
    return _stamp_files(digest.update, root, config) or digest.hexdigest(), found


def _stamp_files(update: Callable[[bytes], object], root: Path, config: SiteConfig) -> str:
    """Stamp the settings, templates and static files with `update`; "" when done, else what
    stopped it (a file that cannot be read, or changed too recently to tell)."""
    texts = [root / CONFIG_NAME, *theme_dirs(root, config.theme)]
    copies = [root / "static", *theme_static_dirs(root, config.theme)]
    now = time.time_ns()
    for path, is_text in _files([(p, True) for p in texts] + [(p, False) for p in copies]):
        mark = file_digest(path) if is_text else copy_mark(path, now)
        if mark is None:
            return "unreadable" if is_text else "racy"
        update(f"{path}:{mark}\n".encode())
    return ""


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
