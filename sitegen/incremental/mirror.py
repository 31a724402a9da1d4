"""The last output, kept in the build cache: so a build that finds the cache but no output (a
CI run with `.sitegen-cache/` restored into a fresh checkout) starts from the last output, as
a build on a writer's machine does, instead of rendering every page again.

The mirror's files are hard links to the output's (no second copy on disk where the two share
a file system; a copy where they do not), with a manifest of each file's size and SHA-256 taken
when it was linked, and the name of the save it belongs to. A restore links into a new output
folder only the files whose bytes still match the manifest: a cache restored from elsewhere,
half-extracted or edited by hand costs pages rendered again, never a wrong page. sitegen never
writes a file of the output in place (output/write.py), so a link stays the file it was; a tool
that rewrites the output in place after the build is caught by the digests."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from sitegen.incremental.cache_db import checksum

MIRROR = "output"
"""The mirror's folder in the cache folder."""
MANIFEST = "output.manifest"
_STALE = "output.manifest.stale"
"""The manifest while the cache is saved: of no save, but still a list of what the mirror
holds, for the update after the save to relink only what changed."""
_SCRATCH = "output.new"
"""Where a file is linked before it replaces the mirror's: a folder of its own, so no name
in the output can collide with it."""
_HEADER = "sitegen-output-manifest 3"
"""The manifest's first line starts with this, then the checksum of the pickle after it."""


class Entry(NamedTuple):
    """A mirrored file: its size and the SHA-256 of its bytes, and how to tell that the
    output's file at the same path is still the one mirrored: a hard link (`linked`) is that
    file while the output's inode is the same (the link keeps the inode from being reused); a
    copy is, while the output file's inode and change time are the same."""

    size: int
    digest: str
    inode: int
    linked: bool
    ctime_ns: int


class OutputMirror:
    """The mirror in `cache_dir`."""

    def __init__(self, cache_dir: Path) -> None:
        self.folder = cache_dir / MIRROR
        self.manifest_path = cache_dir / MANIFEST
        self._stale = cache_dir / _STALE
        self._scratch = cache_dir / _SCRATCH

    def invalidate(self) -> None:
        """The cache is about to describe another build: until `update` names it, the mirror
        is of none (a build killed in between leaves nothing to restore)."""
        with contextlib.suppress(FileNotFoundError):
            os.replace(self.manifest_path, self._stale)

    def update(self, output: Path, save: str) -> None:
        """Make the mirror hold exactly the files of `output`, which the cache's save `save`
        describes. A mirror that cannot be brought in line is made again from nothing."""
        source = self._stale if self._stale.exists() else self.manifest_path
        _, manifest = self._manifest(source)
        if not manifest:  # whatever the folder holds is unknown: start it again
            shutil.rmtree(self.folder, ignore_errors=True)
        try:
            self._update(output, manifest)
        except OSError:
            shutil.rmtree(self.folder, ignore_errors=True)
            manifest = {}
            self._update(output, manifest)
        self._save(save, manifest)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._stale)

    def _update(self, output: Path, manifest: dict[str, Entry]) -> None:
        present = dict(_files(output))
        for rel in manifest.keys() - present.keys():
            del manifest[rel]
            _remove(self.folder / rel)
        todo = [
            rel
            for rel, inode in present.items()
            if rel not in manifest or not _still(manifest[rel], inode, output, rel)
        ]
        for folder in sorted({(self.folder / rel).parent for rel in todo}):
            folder.mkdir(parents=True, exist_ok=True)  # a file in the way: start again
        self._scratch.mkdir(parents=True, exist_ok=True)
        try:
            # Links and digests overlap well across threads (each call releases the GIL): a
            # cold build mirrors tens of thousands of files.
            with ThreadPoolExecutor(max_workers=8) as pool:
                entries = pool.map(
                    lambda i: self._link(output / todo[i], todo[i], i), range(len(todo))
                )
                manifest.update(zip(todo, entries, strict=True))
        finally:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def restore(self, output: Path, save: str, whole: Iterable[str] = ()) -> int:
        """Link the mirror's intact files into `output`, a folder that does not exist yet, if
        the mirror is of the cache's save `save`; how many were restored (0: no output is
        made). A folder in `whole` (the search index, whose files refer to each other) is
        restored whole or not at all."""
        mirrored, manifest = self._manifest(self.manifest_path)
        if not save or mirrored != save:
            return 0
        intact_files = self._verified(manifest, tuple(whole))
        if not intact_files:
            return 0
        staging = output.parent / f".{output.name}.work-restoring-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            for folder in sorted({str(Path(rel).parent) for rel in intact_files}):
                (staging / folder).mkdir(parents=True, exist_ok=True)
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(lambda rel: _link(self.folder / rel, staging / rel), intact_files))
            os.rename(staging, output)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        # The restored files are the mirror's own: the next update links none of them again.
        self._save(save, {rel: self._restored(manifest[rel], output, rel) for rel in intact_files})
        return len(intact_files)

    def _restored(self, entry: Entry, output: Path, rel: str) -> Entry:
        """`entry` for the file restored at `rel`: a link to the mirror's, or a copy."""
        info = os.stat(output / rel)
        linked = os.path.samestat(info, os.stat(self.folder / rel))
        return Entry(entry.size, entry.digest, info.st_ino, linked, info.st_ctime_ns)

    def _verified(self, manifest: dict[str, Entry], whole: tuple[str, ...]) -> list[str]:
        """The mirrored files whose bytes are those the manifest recorded; of the folders in
        `whole`, only those all of whose files are."""
        names = sorted(manifest)
        with ThreadPoolExecutor(max_workers=4) as pool:
            good = list(pool.map(lambda rel: self._intact(rel, manifest[rel]), names))
        bad = {rel for rel, fine in zip(names, good, strict=True) if not fine}
        spoiled = {top for top in whole if any(rel.startswith(top + "/") for rel in bad)}
        return [
            rel
            for rel in names
            if rel not in bad and not any(rel.startswith(top + "/") for top in spoiled)
        ]

    def _intact(self, rel: str, entry: Entry) -> bool:
        try:
            path = self.folder / rel
            return path.stat().st_size == entry.size and _sha256(path) == entry.digest
        except OSError:
            return False

    def _link(self, source: Path, rel: str, number: int) -> Entry:
        """Link (or copy) the output's file at `rel` into the mirror, whose folders are made;
        `number` names its file in the scratch folder."""
        target = self.folder / rel
        spare = self._scratch / str(number)
        linked = _link(source, spare)
        try:
            os.replace(spare, target)
        except IsADirectoryError:  # a folder of the last output is a file of this one
            shutil.rmtree(target)
            os.replace(spare, target)
        info = os.stat(source)
        return Entry(info.st_size, _sha256(target), info.st_ino, linked, info.st_ctime_ns)

    def _manifest(self, path: Path) -> tuple[str, dict[str, Entry]]:
        """The save the mirror is of, and its files, from the manifest at `path`; none when
        it is missing, damaged or of another version (then the mirror is made again)."""
        try:
            header, _, data = path.read_bytes().partition(b"\n")
            if header.decode("ascii", "replace") != f"{_HEADER} {checksum(data)}":
                raise ValueError("another version, or damaged")
            save, rows = pickle.loads(data)  # bytes the cache wrote, as the digest shows
            # Stored as plain tuples: a dump and load of 27,000 of them takes a fifth of the
            # time objects would (every build saves the manifest).
            return str(save), {rel: Entry(*row) for rel, row in rows.items()}
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            return "", {}

    def _save(self, save: str, manifest: dict[str, Entry]) -> None:
        rows = {rel: tuple(entry) for rel, entry in manifest.items()}
        data = pickle.dumps((save, rows), protocol=pickle.HIGHEST_PROTOCOL)
        spare = self.manifest_path.with_name(MANIFEST + ".new")
        spare.write_bytes(f"{_HEADER} {checksum(data)}\n".encode() + data)
        os.replace(spare, self.manifest_path)


def _still(entry: Entry, inode: int, output: Path, rel: str) -> bool:
    """Whether the output's file at `rel` (`inode`, from the listing) is the one mirrored."""
    if entry.linked:
        return entry.inode == inode
    try:
        info = os.stat(output / rel)
    except OSError:
        return False
    return (info.st_ino, info.st_ctime_ns) == (entry.inode, entry.ctime_ns)


def _files(root: Path) -> Iterator[tuple[str, int]]:
    """Every regular file below `root`: its path from `root`, with forward slashes, and its
    inode (from the directory listing: no stat per file on Linux). Plain strings, not Paths:
    every build lists the whole output, tens of thousands of files."""
    top = os.fspath(root)
    pending = [""]
    while pending:
        rel = pending.pop()
        with os.scandir(f"{top}/{rel}" if rel else top) as entries:
            for entry in entries:
                name = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_dir(follow_symlinks=False):
                    pending.append(name)
                elif entry.is_file(follow_symlinks=False):
                    yield name, entry.inode()


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            os.unlink(path)


def _link(source: Path, target: Path) -> bool:
    """A hard link (True), or a copy where the two folders are on different file systems."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
        return False
    return True


def _sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()
