"""Search records kept between builds, so that re-indexing a shard rewrites only what changed.

Pagefind reads a shard's records from files, and writing a shard's ~500 records (a folder and
a file each, the body fetched from the cache) took a quarter of a one-article edit at 10,000
articles, twice over: the build's thread waits for it, and Pagefind cannot start before it.
So each shard's record folder is kept in the cache (`search-records/<first day>/`), with a
manifest of the Searchable digest and size of each record; the next build of that shard
writes only the records whose digest changed and deletes those of stories that left.

Pagefind numbers pages in the order it finds them in the folder, and some file systems list a
folder in the order its entries were made. So a folder is changed in place only when no story
joined the shard; otherwise it is laid out afresh in page order, as a clean build lays it out,
its unchanged records hard-linked from the kept folder.

A build holds a kept folder while it works on it: it moves the folder into its scratch space
and moves it back once the build has succeeded. A build that fails puts back what it replaced,
so the cache is as it found it; one that is killed leaves the folder in its scratch space, which
the next build removes and then writes that shard afresh. When in doubt (no manifest, another
salt, a record of another size, anything unexpected on disk), a record is written."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.output.file_writer import FileWriter, Op, apply
from sitegen.output.write import BACKGROUND_DELETE
from sitegen.search.shards import Shard

RECORDS_FOLDER = "search-records"
"""The cache's folder of record folders."""
MANIFEST = "records.json"
"""In each record folder: the salt and each page's [digest, size] (Pagefind reads *.html only)."""

Kept = dict[str, tuple[str, int]]
"""What a kept folder's manifest vouches for: page -> (digest, size of its record)."""


@dataclass
class _Undo:
    """How to give a claimed folder back to the cache as it was."""

    cached: Path
    """Where the folder lives in the cache."""
    aside: Path
    """Where what it replaced went: the old files, or the whole folder (`whole`)."""
    claimed: bool = False
    """The kept folder was moved into the build's scratch space."""
    whole: bool = False
    """The kept folder went aside whole, and the build's folder is new."""
    moved: list[str] = field(default_factory=list)
    """Files of the kept folder moved aside, relative to it."""
    written: list[str] = field(default_factory=list)
    """Files the build added to the kept folder."""
    made: list[str] = field(default_factory=list)
    """Folders the build made in the kept folder, in the order made."""


class RecordFolders:
    """The record folders of a build's shards, filled in `work` and kept in `home` (None:
    written afresh every build). `reuse` off (a --clean build) trusts no kept folder, and
    replaces them all once the build succeeds. With a `writer`, a folder laid out afresh (every
    folder of a cold build: 10,000 folders and files at 10k) is written by its helper process
    while the build goes on; `ready` waits for it."""

    def __init__(
        self,
        home: Path | None,
        work: Path,
        salt: str,
        *,
        reuse: bool,
        writer: FileWriter | None = None,
    ) -> None:
        self.home = home
        self.work = work
        self.salt = salt
        self.reuse = reuse
        self._writer = writer
        self._batches: dict[str, int] = {}
        self._undo: dict[str, _Undo] = {}
        self._filled: list[Shard] = []
        self.set_aside = 0
        """Records in whole folders moved into `work` (set aside, or replaced by a --clean
        build), to be deleted with it."""

    def folder(self, shard: Shard) -> Path:
        """Where the shard's records are, for Pagefind to read."""
        return self.work / "in" / shard.name

    def fill(
        self, shard: Shard, digests: Mapping[str, str], record: Callable[[str], bytes]
    ) -> None:
        """Make the shard's folder hold its records, from the kept folder where it can."""
        folder = self.folder(shard)
        folder.parent.mkdir(parents=True, exist_ok=True)
        wanted = {page: digests[page] for page in shard.pages}
        kept: Kept = {}
        source = None
        if self.home is not None and self.reuse:
            undo = self._undo[shard.name] = _Undo(
                self.home / shard.period, self.work / "aside" / shard.name
            )
            try:
                kept = _claim(undo, folder, self.salt)
                if kept and set(wanted) <= set(kept):
                    _update(folder, wanted, kept, undo, record, self.salt)
                    self._filled.append(shard)
                    return
                if kept:  # a story joined: lay the folder out afresh, in page order
                    _set_aside(undo, folder)
                    source = undo.aside
                    self.set_aside += len(kept)
                elif undo.whole:  # its manifest was not to be trusted
                    self.set_aside += _records_in(undo.aside)
            except OSError:  # not what the manifest said: give it back, write every record
                with contextlib.suppress(OSError):
                    _restore(undo, folder)
                del self._undo[shard.name]
                shutil.rmtree(folder, ignore_errors=True)
                kept, source = {}, None
        ops = fresh_folder(folder, wanted, record, self.salt, kept, source)
        if self._writer is not None:
            self._batches[shard.name] = self._writer.send(ops)
        else:
            apply(ops)
        self._filled.append(shard)

    def ready(self, shard: Shard) -> None:
        """Wait until the shard's folder is written (OSError when it could not be)."""
        batch = self._batches.get(shard.name)
        if batch is not None and self._writer is not None:
            self._writer.wait(batch)

    def read(self, shard: Shard) -> None:
        """Pagefind has read the shard's folder: without a cache to keep it in, it goes."""
        if self.home is None:
            shutil.rmtree(self.folder(shard), ignore_errors=True)

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
                # The one a --clean build replaces (or, should a build without the cache's lock
                # have run meanwhile, another build's: build_lock.py keeps builds that share the
                # cache from overlapping).
                trash.mkdir(exist_ok=True)
                os.rename(target, trash / shard.name)
                self.set_aside += _records_in(trash / shard.name)
            with contextlib.suppress(OSError):
                os.rename(self.folder(shard), target)
        self._filled = []
        self._undo = {}
        periods = {shard.period for shard in shards}
        for folder in self.home.iterdir():
            if folder.name not in periods and folder.is_dir() and not folder.is_symlink():
                shutil.rmtree(folder, ignore_errors=True)

    @property
    def bulky(self) -> bool:
        """Whether deleting `work` is worth a background process (see write.discard)."""
        return self.set_aside > BACKGROUND_DELETE

    def give_back(self) -> None:
        """The build failed: put every claimed folder back in the cache as it was."""
        for name, undo in self._undo.items():
            # Should that fail, the shard's records are written afresh next time.
            with contextlib.suppress(OSError):
                _restore(undo, self.work / "in" / name)
        self._undo = {}
        self._filled = []


def _claim(undo: _Undo, folder: Path, salt: str) -> Kept:
    """Move the kept folder to `folder`; what its manifest vouches for, or {} (the kept folder
    put aside whole and an empty `folder`) when it has none, or another salt's."""
    if undo.cached.is_symlink():
        return {}  # not a folder we made: leave it alone
    try:
        os.rename(undo.cached, folder)
    except OSError:
        return {}  # none kept, another build holds it, or another file system
    undo.claimed = True
    kept = _read_manifest(folder / MANIFEST, salt)
    if kept is None:
        _set_aside(undo, folder)
        return {}
    return kept


def kept_records(folder: Path, salt: str) -> Kept | None:
    """What the manifest of the kept `folder` vouches for, None unless it has one of `salt`."""
    return _read_manifest(folder / MANIFEST, salt)


def _read_manifest(path: Path, salt: str) -> Kept | None:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if manifest["salt"] != salt:
            return None
        kept = {page: (digest, size) for page, (digest, size) in manifest["pages"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    good = all(
        _is_page(page) and isinstance(digest, str) and isinstance(size, int)
        for page, (digest, size) in kept.items()
    )
    return kept if good else None


def _records_in(folder: Path) -> int:
    """How many records a folder holds, by its manifest or else by counting."""
    try:
        pages = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["pages"]
        if isinstance(pages, dict):
            return len(pages)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return sum(len(files) for _, _, files in os.walk(folder))


def _is_page(page: object) -> bool:
    """Whether a manifest's page is a file path inside its folder (a manifest is just a file)."""
    return (
        isinstance(page, str)
        and page.endswith(".html")
        and not os.path.isabs(page)
        and os.path.normpath(page) == page
        and page.split("/", 1)[0] != ".."
    )


def _set_aside(undo: _Undo, folder: Path) -> None:
    """Put the claimed folder aside whole, leaving `folder` empty."""
    undo.aside.parent.mkdir(parents=True, exist_ok=True)
    os.rename(folder, undo.aside)
    undo.whole = True
    folder.mkdir()


def _same(path: str, kept: tuple[str, int] | None, digest: str) -> bool:
    """Whether the record at `path` is the one the manifest vouches for, for `digest`."""
    if kept is None or kept[0] != digest:
        return False
    try:
        return os.stat(path).st_size == kept[1]
    except OSError:
        return False


def _update(
    folder: Path,
    wanted: Mapping[str, str],
    kept: Kept,
    undo: _Undo,
    record: Callable[[str], bytes],
    salt: str,
) -> None:
    """Change the claimed folder in place: no story joined, so no folder is new to Pagefind."""
    sizes: dict[str, tuple[str, int]] = {}
    for page in sorted(set(kept) - set(wanted)):
        _put_aside(folder, page, undo)
    for page, digest in wanted.items():
        target = os.path.join(folder, page)
        if _same(target, kept.get(page), digest):
            sizes[page] = (digest, kept[page][1])
            continue
        _put_aside(folder, page, undo)
        _make_parents(folder, os.path.dirname(page), undo)
        undo.written.append(page)
        data = record(page)
        apply([("file", target, data)])
        sizes[page] = (digest, len(data))
    _put_aside(folder, MANIFEST, undo)
    undo.written.append(MANIFEST)
    apply([("file", str(folder / MANIFEST), _manifest(salt, sizes))])


def fresh_folder(
    folder: Path,
    wanted: Mapping[str, str],
    record: Callable[[str], bytes],
    salt: str,
    kept: Kept,
    source: Path | None,
) -> list[Op]:
    """How to fill an empty folder in page order, linking from `source` the records `kept`
    vouches for."""
    ops: list[Op] = [("dir", str(folder))]
    made: set[str] = set()
    sizes: dict[str, tuple[str, int]] = {}
    for page, digest in wanted.items():
        target = os.path.join(folder, page)
        parent = os.path.dirname(target)
        if parent not in made:
            ops.append(("dir", parent))
            made.add(parent)
        if source is not None:
            old = os.path.join(source, page)
            if _same(old, kept.get(page), digest):
                ops.append(("link", old, target))  # copied where it cannot be linked
                sizes[page] = kept[page]
                continue
        data = record(page)
        ops.append(("file", target, data))
        sizes[page] = (digest, len(data))
    ops.append(("file", str(folder / MANIFEST), _manifest(salt, sizes)))
    return ops


def _manifest(salt: str, pages: Mapping[str, tuple[str, int]]) -> bytes:
    listed = {page: list(pages[page]) for page in sorted(pages)}
    return json.dumps({"salt": salt, "pages": listed}).encode()


def _put_aside(folder: Path, page: str, undo: _Undo) -> None:
    """Move a record (or the manifest) out of the claimed folder, keeping it for `undo`."""
    source = os.path.join(folder, page)
    target = os.path.join(undo.aside, page)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        os.rename(source, target)
        undo.moved.append(page)


def _make_parents(folder: Path, parent: str, undo: _Undo) -> None:
    """Make folder/parent, noting for `undo` each folder that did not exist."""
    missing = []
    while parent and not os.path.isdir(os.path.join(folder, parent)):
        missing.append(parent)
        parent = os.path.dirname(parent)
    for rel in reversed(missing):
        os.mkdir(os.path.join(folder, rel))
        undo.made.append(rel)


def _restore(undo: _Undo, folder: Path) -> None:
    """Give the claimed folder back to the cache as it was when claimed."""
    if not undo.claimed:
        return
    if undo.whole:
        shutil.rmtree(folder)
        os.rename(undo.aside, undo.cached)
        return
    for page in undo.written:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(folder, page))
    for rel in reversed(undo.made):
        os.rmdir(os.path.join(folder, rel))
    for page in undo.moved:
        os.rename(os.path.join(undo.aside, page), os.path.join(folder, page))
    os.rename(folder, undo.cached)
