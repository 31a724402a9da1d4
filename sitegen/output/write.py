"""The only code that touches the output folder. A build is staged in a folder beside the
output and swapped in only when complete (swap.py), so a failed or killed build never costs the
published site; the swap is one atomic rename exchange where the kernel offers it.

The swap does not throw the retired output away: it is kept beside the new one as the spare
(`.output.spare`), and the next build stages in it (so does the stage of a build that failed,
unless the disk failed it: one full disk could have left a file half written). Most of its
files are hard links to the live output's unchanged files already, so a build replaces the few
that changed instead of linking every file into an empty folder (at 10,000 articles that cost
seconds). The spare is reused, never trusted: a file in it is kept only when it is the very
inode the build would have linked (listing.py lists it), whatever the build does not produce is
deleted before the swap (leftovers.py), and nothing in it is written in place (its files are
shared with the live output).

A build that retires no output (the first one, or one whose output was deleted) would leave no
spare, and the build after it would link every file into an empty stage. So such a build has a
helper process link each file it stages into a folder beside it as it goes (next_spare.py), and
that folder becomes the spare when the stage becomes the output."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from types import TracebackType

from sitegen.errors import ConfigError
from sitegen.output.leftovers import (
    _NEXT_SPARE,
    _STAGE,
    _adopt_killed_stage,
    _is_folder,
    _Leftovers,
    _move_contents,
    remove_leftovers,
)
from sitegen.output.leftovers import _SPARE as _SPARE
from sitegen.output.leftovers import WORK as WORK
from sitegen.output.leftovers import discard as discard
from sitegen.output.listing import _Listing, _Tree
from sitegen.output.next_spare import _NextSpare
from sitegen.output.spare_mirror import MIRROR_AFTER as MIRROR_AFTER
from sitegen.output.spare_mirror import SpareMirror as SpareMirror
from sitegen.output.swap import check_output_folder as check_output_folder
from sitegen.output.swap import swap_in


class Stage:
    """A folder being filled with the next output; `commit()` swaps it in, leaving it aborts.
    Either way the folder left over (the retired output, or the aborted stage) becomes the
    spare that the next build recycles, unless `reuse_spare` is off (then the spare is
    discarded and the stage starts empty, as `--clean` wants). A stage that retires no output
    leaves its hard links (_NextSpare) as the spare instead."""

    def __init__(self, output: Path, *, reuse_spare: bool = True) -> None:
        self.output = output
        self._root = output.parent / _STAGE.format(name=output.name, pid=os.getpid())
        self._spare = output.parent / _SPARE.format(name=output.name)
        self._reuse_spare = reuse_spare
        self.bytes_written = 0
        self.files_written = 0
        self.files_linked = 0
        self.committed = False
        self._dirs: set[Path] = set()
        self._recycled = False
        """The stage started from the spare: an existing file may be shared with the output."""
        self._listing: _Listing | None = None
        """The recycled spare being listed, while the build plans."""
        self._leftovers: _Leftovers | None = None
        """What the spare held that this build has not claimed yet (None once settled)."""
        self._previous: _Tree | None = None
        """The live output's files as listed when the build started; None when not listed."""
        self._claimed: set[str] = set()
        """Output paths staged so far, when recycled: what settling must not delete."""
        self._next: _NextSpare | None = None
        """Hard links to the staged files, when there is no live output to retire."""
        self._next_ready = False
        """Every link of `_next` is made (committing waited for them)."""

    def __enter__(self) -> Stage:
        """Sets the stage up; cheap, and best entered before the build plans, since listing
        the spare (a few tenths of a second at 10,000 articles) then happens meanwhile."""
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self._recycled = self._make_root()
        live = self.output if _is_folder(self.output) else None
        if live is None:
            self._next = self._new_next_spare()
        if self._recycled or live is not None:
            self._list(live)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._listing is not None:  # failed while planning
            self._listing.cancel()
        self._close_next_spare()
        if not os.path.lexists(self._root):
            return
        # A build the disk failed (full, say) may have left a file half written: its stage is
        # not kept as the spare, and deleting it gives the disk its room back.
        if not self.committed and (not self._recycled or isinstance(exc, OSError)):
            self._delete_root()
        else:
            self._keep_root()

    def _make_root(self) -> bool:
        """Make the stage folder and move the spare's contents in (unless `reuse_spare` is
        off); whether it did, i.e. whether the stage is recycled."""
        if self._reuse_spare:
            _adopt_killed_stage(self.output, self._spare)
        remove_leftovers(self.output)
        # Always a new folder, its children moved in from the spare: the build cache knows an
        # output folder by its inode, which must not come back after a kill.
        self._root.mkdir()
        recycled = self._reuse_spare and _move_contents(self._spare, self._root, self.output)
        if not recycled and _is_folder(self._spare):
            discard(self._spare, self.output)
        return recycled

    def _list(self, live: Path | None) -> None:
        """Start listing the recycled stage and the live output, while the build plans."""
        try:
            self._listing = _Listing(self._root if self._recycled else None, live)
        except OSError:  # no child process to list them: stat file by file instead
            if self._recycled:
                self._start_empty()

    def _close_next_spare(self) -> None:
        next_spare, self._next = self._next, None
        if next_spare is not None:
            # Kept when the stage became the output and retired none (else the retired output
            # is the spare, as it is after any other build).
            kept = self.committed and self._next_ready and not os.path.lexists(self._root)
            next_spare.close(self._spare if kept else None, self.output)

    def _delete_root(self) -> None:
        """A failed build leaves nothing behind that was not there before."""
        if self._recycled or self.files_written + self.files_linked > BACKGROUND_DELETE:
            discard(self._root, self.output)
        else:
            shutil.rmtree(self._root, ignore_errors=True)

    def _keep_root(self) -> None:
        """The retired output, or the spare this failed build was patching: files to recycle,
        checked again before any reuse."""
        try:
            os.rename(self._root, self._spare)
        except OSError:  # the spare's name is taken by something that is not ours to replace
            discard(self._root, self.output)

    @property
    def path(self) -> Path:
        """The stage folder, for tools that write into it (the search indexer): it holds what
        the build has staged so far and nothing left over from the spare."""
        self._settle()
        return self._root

    def target(self, rel: str) -> Path:
        """The staged file for an output path, free to be created; refuses any path that could
        leave the folder."""
        pure = PurePosixPath(rel)
        if pure.is_absolute() or ".." in pure.parts or "\\" in rel or not pure.parts:
            raise ConfigError(
                rel,
                None,
                "output path would leave the output folder; this is a bug or a hostile slug",
            )
        path = self._root.joinpath(*pure.parts)
        leftovers = self._inventory()
        parent = path.parent
        if parent not in self._dirs:
            if leftovers is not None:
                leftovers.clear_folders_for(pure.parts, self._root)
            parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        if self._recycled:
            key = "/".join(pure.parts)
            if leftovers is not None:
                leftovers.clear_file(key, self._root, self._claimed)
            # What is there may be a hard link to the live output's file: never write through.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            self._claimed.add(key)
        return path

    def write(self, rel: str, data: bytes) -> None:
        self.target(rel).write_bytes(data)
        self.bytes_written += len(data)
        self.files_written += 1
        self._staged(rel)

    def copy(self, rel: str, source: Path) -> None:
        target = self.target(rel)
        shutil.copyfile(source, target)
        self.bytes_written += target.stat().st_size
        self.files_written += 1
        self._staged(rel)

    def write_unless_same(self, rel: str, data: bytes, old: Path) -> bool:
        """Write new bytes; bytes equal to the previous output's keep that file (and its time).
        True when the bytes changed."""
        try:
            if old.stat().st_size == len(data) and old.read_bytes() == data:
                self.link_or_copy(rel, old)
                return False
        except OSError:
            pass
        self.write(rel, data)
        return True

    def move_in(self, rel: str, source: Path) -> None:
        """Stage a finished file from a scratch folder beside the output by renaming it."""
        target = self.target(rel)
        os.replace(source, target)
        self.bytes_written += target.stat().st_size
        self.files_written += 1
        self._staged(rel)

    def previous_has(self, rel: str) -> bool:
        """Whether the live output holds a regular file at `rel`, from the listing made while
        the build planned (a stat per file at 10,000 articles is most of a small rebuild)."""
        self._inventory()
        if self._previous is None:
            try:
                return stat.S_ISREG(os.lstat(self.output / rel).st_mode)
            except OSError:
                return False
        return self._previous.files.get(rel, -1) >= 0

    def previous_files(self, folder: str) -> list[str]:
        """The live output's files below `folder` (output paths, sorted)."""
        self._inventory()
        below = folder + "/"
        if self._previous is None:
            top = self.output / folder
            return sorted(
                below + path.relative_to(top).as_posix()
                for path in top.rglob("*")
                if stat.S_ISREG(path.lstat().st_mode)
            )
        return sorted(
            rel
            for rel, inode in self._previous.files.items()
            if inode >= 0 and rel.startswith(below)
        )

    def carry(self, rels: list[str]) -> None:
        """Stage the live output's own files at the same paths, unchanged: nothing to do where
        the spare already holds that very file, a hard link otherwise."""
        todo = [rel for rel in rels if not self._reuse_live(rel)]
        self._link_all([(self.target(rel), self.output / rel) for rel in todo])
        self.files_linked += len(rels)
        for rel in rels:
            self._staged(rel)

    def link_many(self, pairs: list[tuple[str, Path]]) -> None:
        """link_or_copy for many files at once: on slow disks the metadata calls dominate, and
        they overlap well across threads (each call releases the GIL)."""
        todo = [(rel, source) for rel, source in pairs if not self._reuse(rel, source)]
        # Targets (and their folders) first, in order, on this thread; then the links.
        self._link_all([(self.target(rel), source) for rel, source in todo])
        self.files_linked += len(pairs)
        for rel, _ in pairs:
            self._staged(rel)

    @staticmethod
    def _link_all(targets: list[tuple[Path, Path]]) -> None:
        if len(targets) > 8:
            with ThreadPoolExecutor(max_workers=8) as pool:
                for _ in pool.map(lambda pair: _link(*pair), targets):
                    pass
        else:
            for target, source in targets:
                _link(target, source)

    def link_or_copy(self, rel: str, source: Path) -> None:
        """Reuse an unchanged file from the previous output without rewriting its bytes."""
        if not self._reuse(rel, source):
            _link(self.target(rel), source)
        self.files_linked += 1
        self._staged(rel)

    def commit(self) -> None:
        self._settle()
        if self._next is not None:
            # Before the stage is renamed: the helper links its files by their paths.
            self._next_ready = self._next.finish()
        self._root = swap_in(self._root, self.output)
        self.committed = True
        # self._root holds the retired output now, if there was one; __exit__ keeps it as spare.

    def _reuse(self, rel: str, source: Path) -> bool:
        """Whether the spare already holds `source` itself (the same inode) at `rel`: then
        there is nothing to link, and the file is claimed as it is."""
        leftovers = self._inventory()
        if leftovers is None or rel not in leftovers.files:
            return False
        try:
            found = os.stat(source)
        except OSError:
            return False
        return self._claim_if_same(rel, found.st_ino, found.st_dev)

    def _reuse_live(self, rel: str) -> bool:
        """_reuse for the live output's file at `rel`, decided from the two listings alone."""
        self._inventory()
        live = self._previous
        if live is None:
            return self._reuse(rel, self.output / rel)
        return self._claim_if_same(rel, live.files.get(rel, -1), live.device)

    def _claim_if_same(self, rel: str, inode: int, device: int) -> bool:
        """Claim the spare's file at `rel` as it is when it is that regular file (inode)."""
        leftovers = self._leftovers
        if leftovers is None or inode < 0:
            return False
        if leftovers.files.get(rel) != inode or leftovers.device != device:
            return False
        del leftovers.files[rel]
        self._claimed.add(rel)
        return True

    def _settle(self) -> None:
        """Delete what the spare held that this build did not claim, and the folders that
        leaves empty: from here on the stage holds exactly what the build staged."""
        leftovers, self._leftovers = self._inventory(), None
        if leftovers is not None:
            leftovers.remove_unclaimed(self._root, self._claimed)

    def _inventory(self) -> _Leftovers | None:
        """What the spare held that the build has not claimed yet, once it has been listed."""
        if self._listing is not None:
            listing, self._listing = self._listing, None
            spare, self._previous = listing.result()
            if spare is not None:
                self._leftovers = _Leftovers(spare.device, spare.files, spare.folders)
            elif self._recycled:  # an unreadable folder in it: start from an empty stage
                self._start_empty()
        return self._leftovers

    def _start_empty(self) -> None:
        self._recycled = False
        discard(self._root, self.output)
        self._root.mkdir()
        if self._next is not None:  # its links are to files of the folder just discarded
            self._next.close(None, self.output)
            self._next = self._new_next_spare()

    def _new_next_spare(self) -> _NextSpare:
        folder = self.output.parent / _NEXT_SPARE.format(name=self.output.name, pid=os.getpid())
        return _NextSpare(self._root, folder)

    def _staged(self, rel: str) -> None:
        """`rel` is in the stage, finished: the next spare links it."""
        if self._next is not None:
            self._next.add(rel)


BACKGROUND_DELETE = 3000
"""Above this many files, a failed build's stage is deleted by a detached process."""


def _link(target: Path, source: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def tree_pairs(rel: str, folder: Path) -> list[tuple[str, Path]]:
    """(output path, file) for every file below `folder`, to be staged at `rel` by link_many."""
    return [
        (f"{rel}/{path.relative_to(folder).as_posix()}", path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]
