"""Search records kept between builds, so that re-indexing a shard rewrites only what changed.

Pagefind reads a shard's records from files, and writing a shard's ~500 records (a folder and
a file each, the body fetched from the cache) took a quarter of a one-article edit at 10,000
articles, twice over: the build's thread waits for it, and Pagefind cannot start before it.
So each shard's record folder is kept in the cache (`search-records/<first day>/`), with a
manifest of the Searchable digest each record was written from; the next build of that shard
writes only the records whose digest changed and deletes those of stories that left.

A build owns a kept folder while it works on it: it moves the folder into its scratch space,
so two builds never write the same one, and moves it back when the build succeeds. A build
that fails puts back what it replaced, so the cache is as it found it; one that is killed
leaves the folder in its scratch space, the next build writes that shard afresh. When in
doubt (no manifest, another salt, a file missing), a record is written."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.search_shards import Shard

RECORDS_FOLDER = "search-records"
"""The cache's folder of record folders."""
MANIFEST = "records.json"
"""In each record folder: the salt and each page's digest (Pagefind reads *.html only)."""


@dataclass
class _Undo:
    """How to give a claimed folder back as it was."""

    kept: Path
    """Where the folder lives in the cache."""
    aside: Path
    """Where what it replaced went: the old files, or the whole folder when none was trusted."""
    claimed: bool = False
    whole: bool = False
    moved: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    made: list[str] = field(default_factory=list)


class RecordFolders:
    """The record folders of a build's shards, filled in `work` and kept in `home` (None:
    written afresh every build). `reuse` off (a --clean build) trusts no kept folder, and
    replaces them all once the build succeeds."""

    def __init__(self, home: Path | None, work: Path, salt: str, *, reuse: bool) -> None:
        self.home = home
        self.work = work
        self.salt = salt
        self.reuse = reuse
        self._undo: dict[str, _Undo] = {}
        self._filled: list[Shard] = []

    def folder(self, shard: Shard) -> Path:
        """Where the shard's records are, for Pagefind to read."""
        return self.work / "in" / shard.name

    def fill(self, shard: Shard, digests: Mapping[str, str], record: Callable[[str], bytes]) -> int:
        """Make the shard's folder hold its records: the kept folder moved in when there is
        one, then every record whose digest changed written. Returns how many were written."""
        folder = self.folder(shard)
        folder.parent.mkdir(parents=True, exist_ok=True)
        trusted: dict[str, str] = {}
        undo = None
        if self.home is not None and self.reuse:
            undo = _Undo(self.home / shard.period, self.work / "aside" / shard.name)
            trusted = _claim(undo, folder, self.salt)
            self._undo[shard.name] = undo
        folder.mkdir(exist_ok=True)
        wanted = {page: digests[page] for page in shard.pages}
        made: set[str] = set()
        count = 0
        for page in sorted(set(trusted) - set(wanted)):
            _put_aside(folder, page, undo)
        for page, digest in wanted.items():
            target = os.path.join(folder, page)
            if trusted.get(page) == digest and os.path.isfile(target):
                continue
            if page in trusted:
                _put_aside(folder, page, undo)
            parent = os.path.dirname(target)
            if parent not in made:
                _make_parents(folder, os.path.dirname(page), undo)
                made.add(parent)
            if undo is not None:
                undo.written.append(page)
            with open(target, "wb") as handle:
                handle.write(record(page))
            count += 1
        manifest = folder / MANIFEST
        if trusted:
            _put_aside(folder, MANIFEST, undo)
        elif undo is not None:
            undo.written.append(MANIFEST)
        pages = dict(sorted(wanted.items()))
        manifest.write_text(json.dumps({"salt": self.salt, "pages": pages}), encoding="utf-8")
        self._filled.append(shard)
        return count

    def keep(self, shards: Iterable[Shard]) -> None:
        """The build succeeded: the filled folders become the kept ones, and the folders of
        periods that no longer start a shard go."""
        if self.home is None:
            return
        self.home.mkdir(parents=True, exist_ok=True)
        trash = self.work / "trash"
        for shard in self._filled:
            target = self.home / shard.period
            with contextlib.suppress(OSError):
                # Another build's, or the one a --clean build replaces.
                trash.mkdir(exist_ok=True)
                os.rename(target, trash / shard.name)
            with contextlib.suppress(OSError):
                os.rename(self.folder(shard), target)
        self._filled = []
        self._undo = {}
        periods = {shard.period for shard in shards}
        for kept in self.home.iterdir():
            if kept.name not in periods and kept.is_dir() and not kept.is_symlink():
                shutil.rmtree(kept, ignore_errors=True)

    def give_back(self) -> None:
        """The build failed: put every claimed folder back in the cache as it was."""
        for name, undo in self._undo.items():
            # Should that fail, the shard's records are written afresh next time.
            with contextlib.suppress(OSError):
                _restore(undo, self.work / "in" / name)
        self._undo = {}
        self._filled = []


def _claim(undo: _Undo, folder: Path, salt: str) -> dict[str, str]:
    """Move the kept folder to `folder`; the digests its manifest vouches for, or {} and an
    empty folder (the kept one put aside whole) when it has none or another salt's."""
    try:
        os.rename(undo.kept, folder)
    except OSError:
        return {}  # none kept, another build holds it, or another file system
    undo.claimed = True
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        pages = manifest["pages"] if manifest["salt"] == salt else None
    except (OSError, ValueError, KeyError, TypeError):
        pages = None
    if isinstance(pages, dict) and all(
        isinstance(k, str) and isinstance(v, str) and _inside(k) for k, v in pages.items()
    ):
        return pages
    undo.aside.parent.mkdir(parents=True, exist_ok=True)
    os.rename(folder, undo.aside)
    undo.whole = True
    return {}


def _inside(page: str) -> bool:
    """Whether a manifest's page is a path inside its folder (the manifest could be anyone's)."""
    return not os.path.isabs(page) and os.path.normpath(page).split(os.sep, 1)[0] != ".."


def _put_aside(folder: Path, page: str, undo: _Undo | None) -> None:
    """Remove a record (or the manifest) from `folder`, keeping it for `undo`."""
    source = os.path.join(folder, page)
    if undo is None:
        with contextlib.suppress(OSError):
            os.unlink(source)
        return
    target = os.path.join(undo.aside, page)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        os.rename(source, target)
        undo.moved.append(page)


def _make_parents(folder: Path, parent: str, undo: _Undo | None) -> None:
    """Make folder/parent, noting for `undo` each folder that did not exist."""
    missing = []
    while parent and not os.path.isdir(os.path.join(folder, parent)):
        missing.append(parent)
        parent = os.path.dirname(parent)
    for rel in reversed(missing):
        os.mkdir(os.path.join(folder, rel))
        if undo is not None:
            undo.made.append(rel)


def _restore(undo: _Undo, folder: Path) -> None:
    if undo.whole:
        shutil.rmtree(folder)
        os.rename(undo.aside, undo.kept)
        return
    if not undo.claimed:
        return
    for page in undo.written:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(folder, page))
    for rel in reversed(undo.made):
        os.rmdir(os.path.join(folder, rel))
    for page in undo.moved:
        os.rename(os.path.join(undo.aside, page), os.path.join(folder, page))
    os.rename(folder, undo.kept)
