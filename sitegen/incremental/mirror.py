"""The last output, kept in the build cache: so a build that finds the cache but no output (a
CI run with `.sitegen-cache/` restored into a fresh checkout) starts from the last output, as
a build on a writer's machine does, instead of rendering every page again.

The mirror's files are hard links to the output's (no second copy on disk where the two share
a file system), with a manifest of each file's size and SHA-256 taken when it was linked. A
restore links into a new output folder only the files whose bytes still match the manifest:
a cache restored from elsewhere, half-extracted or edited by hand costs pages rendered again,
never a wrong page. sitegen never writes a file of the output in place (output/write.py), so
a link stays the file it was; a tool that rewrites the output in place after the build is
caught by the digests."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sitegen.incremental.cache_db import checksum

MIRROR = "output"
"""The mirror's folder in the cache folder."""
MANIFEST = "output.manifest"
_HEADER = "sitegen-output-manifest 1"
"""The manifest's first line starts with this, then the checksum of the pickle after it."""
SEARCH_FOLDER = "search"
"""The output's search index: restored whole or not at all, since its files refer to each
other (search/indexer.py)."""


@dataclass(frozen=True)
class Entry:
    """A mirrored file: the inode it was linked as, its size and the SHA-256 of its bytes."""

    inode: int
    size: int
    digest: str


class OutputMirror:
    """The mirror in `cache_dir`."""

    def __init__(self, cache_dir: Path) -> None:
        self.folder = cache_dir / MIRROR
        self.manifest_path = cache_dir / MANIFEST

    def update(self, output: Path, build: str) -> None:
        """Make the mirror hold exactly the files of `output`, written by the build the cache
        knows as `build` (its output_id): the files linked since the last update (new inodes)
        are linked again and hashed; those gone are removed."""
        _, manifest = self._manifest()
        seen: set[str] = set()
        for rel, inode in _files(output):
            seen.add(rel)
            entry = manifest.get(rel)
            if entry is not None and entry.inode == inode:
                continue
            manifest[rel] = self._link(output / rel, rel)
        for rel in manifest.keys() - seen:
            del manifest[rel]
            with contextlib.suppress(OSError):
                os.unlink(self.folder / rel)
        self._save(build, manifest)

    def restore(self, output: Path, build: str) -> int:
        """Link the mirror's intact files into `output`, a folder that does not exist yet, if
        the mirror is of `build` (the output the cache's fingerprints describe: a mirror whose
        update was cut short is of none); how many were restored (0: no output is made)."""
        mirrored, manifest = self._manifest()
        if mirrored != build:
            return 0
        intact_files = self._verified(manifest)
        if not intact_files:
            return 0
        staging = output.parent / f".{output.name}.restoring-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        for folder in sorted({str(Path(rel).parent) for rel in intact_files}):
            (staging / folder).mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda rel: _link(self.folder / rel, staging / rel), intact_files))
        os.rename(staging, output)
        # The restored files are the mirror's own: the next update links none of them again.
        restored = dict(_files(output))
        kept = {rel: _with_inode(manifest[rel], restored[rel]) for rel in intact_files}
        self._save(build, kept)
        return len(intact_files)

    def _verified(self, manifest: dict[str, Entry]) -> list[str]:
        """The mirrored files whose bytes are those the manifest recorded; the search index
        only if all of it is."""
        with ThreadPoolExecutor(max_workers=4) as pool:
            good = list(pool.map(lambda item: self._intact(*item), sorted(manifest.items())))
        ok = [rel for rel, fine in zip(sorted(manifest), good, strict=True) if fine]
        search = [rel for rel in manifest if rel.startswith(SEARCH_FOLDER + "/")]
        if not all(rel in set(ok) for rel in search):
            ok = [rel for rel in ok if not rel.startswith(SEARCH_FOLDER + "/")]
        return ok

    def _intact(self, rel: str, entry: Entry) -> bool:
        try:
            path = self.folder / rel
            return path.stat().st_size == entry.size and _sha256(path) == entry.digest
        except OSError:
            return False

    def _link(self, source: Path, rel: str) -> Entry:
        """Link the output's file at `rel` into the mirror; its entry, by the output's inode
        (the mirror's own differs where it had to copy)."""
        target = self.folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        spare = target.with_name(target.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(spare)
        _link(source, spare)
        os.replace(spare, target)
        return Entry(source.stat().st_ino, target.stat().st_size, _sha256(target))

    def _manifest(self) -> tuple[str, dict[str, Entry]]:
        """The build the mirror is of, and its files; none when the manifest is missing,
        damaged or of another version (then the mirror is made again from scratch)."""
        try:
            header, _, data = self.manifest_path.read_bytes().partition(b"\n")
            if header.decode("ascii", "replace") != f"{_HEADER} {checksum(data)}":
                raise ValueError("another version, or damaged")
            manifest = pickle.loads(data)  # bytes the cache wrote, as the digest shows
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            manifest = None
        if not isinstance(manifest, tuple) or len(manifest) != 2:
            shutil.rmtree(self.folder, ignore_errors=True)
            return "", {}
        return manifest

    def _save(self, build: str, manifest: dict[str, Entry]) -> None:
        # Cut short before this, the manifest names the build before: the mirror is of none.
        data = pickle.dumps((build, manifest), protocol=pickle.HIGHEST_PROTOCOL)
        spare = self.manifest_path.with_name(MANIFEST + ".new")
        spare.write_bytes(f"{_HEADER} {checksum(data)}\n".encode() + data)
        os.replace(spare, self.manifest_path)


def _files(root: Path) -> Iterator[tuple[str, int]]:
    """Every regular file below `root`: its path from `root`, with forward slashes, and its
    inode (from the directory listing: no stat per file on Linux)."""
    pending = [""]
    while pending:
        rel = pending.pop()
        with os.scandir(root / rel if rel else root) as entries:
            for entry in entries:
                name = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_dir(follow_symlinks=False):
                    pending.append(name)
                elif entry.is_file(follow_symlinks=False):
                    yield name, entry.inode()


def _with_inode(entry: Entry, inode: int) -> Entry:
    return Entry(inode, entry.size, entry.digest)


def _link(source: Path, target: Path) -> None:
    """A hard link, or a copy where the two folders are on different file systems."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()
