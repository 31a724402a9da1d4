"""The only code that touches the output folder. A build is staged in a folder beside the
output and swapped in only when complete, so a failed or killed build never costs the published
site; the swap is one atomic rename exchange where the kernel offers it.

The swap does not throw the retired output away: it is kept beside the new one as the spare
(`.output.spare`), and the next build stages in it (so does the stage of a build that failed,
unless the disk failed it: one full disk could have left a file half written). Most of its files are hard links to the
live output's unchanged files already, so a build replaces the few that changed instead of
linking every file into an empty folder (at 10,000 articles that cost seconds). The spare is
reused, never trusted: a file in it is kept only when it is the very inode the build would
have linked, whatever the build does not produce is deleted before the swap, and nothing in
it is written in place (its files are shared with the live output)."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import pickle
import shutil
import stat
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType

from sitegen.errors import ConfigError

_STAGE = ".{name}.staging-{pid}"
_OLD = ".{name}.old-{pid}"
_SPARE = ".{name}.spare"
_TRASH = ".{name}.trash-{tag}"
WORK = ".{name}.work-"
"""Prefix of scratch folders beside the output (the search indexer's), removed by the next
build if a killed one left them."""


class Stage:
    """A folder being filled with the next output; `commit()` swaps it in, leaving it aborts.
    Either way the folder left over (the retired output, or the aborted stage) becomes the
    spare that the next build recycles, unless `reuse_spare` is off (then the spare is
    discarded and the stage starts empty, as `--clean` wants)."""

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

    def __enter__(self) -> Stage:
        """Sets the stage up; cheap, and best entered before the build plans, since listing
        the spare (a few tenths of a second at 10,000 articles) then happens meanwhile."""
        self.output.parent.mkdir(parents=True, exist_ok=True)
        if self._reuse_spare:
            _adopt_killed_stage(self.output, self._spare)
        remove_leftovers(self.output)
        # Always a new folder, its children moved in from the spare: the build cache knows an
        # output folder by its inode, which must not come back after a kill.
        self._root.mkdir()
        self._recycled = self._reuse_spare and _move_contents(self._spare, self._root, self.output)
        if not self._recycled and _is_folder(self._spare):
            discard(self._spare, self.output)
        live = self.output if _is_folder(self.output) else None
        if self._recycled or live is not None:
            try:
                self._listing = _Listing(self._root if self._recycled else None, live)
            except OSError:  # no child process to list them: stat file by file instead
                if self._recycled:
                    self._start_empty()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._listing is not None:  # failed while planning
            self._listing.cancel()
        if not os.path.lexists(self._root):
            return
        # A build the disk failed (full, say) may have left a file half written: its stage is
        # not kept as the spare, and deleting it gives the disk its room back.
        if not self.committed and (not self._recycled or isinstance(exc, OSError)):
            # A failed build leaves nothing behind that was not there before.
            if self._recycled or self.files_written + self.files_linked > BACKGROUND_DELETE:
                discard(self._root, self.output)
            else:
                shutil.rmtree(self._root, ignore_errors=True)
            return
        # The retired output, or the spare this failed build was patching: files to recycle,
        # checked again before any reuse.
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

    def copy(self, rel: str, source: Path) -> None:
        target = self.target(rel)
        shutil.copyfile(source, target)
        self.bytes_written += target.stat().st_size
        self.files_written += 1

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

    def link_many(self, pairs: list[tuple[str, Path]]) -> None:
        """link_or_copy for many files at once: on slow disks the metadata calls dominate, and
        they overlap well across threads (each call releases the GIL)."""
        todo = [(rel, source) for rel, source in pairs if not self._reuse(rel, source)]
        # Targets (and their folders) first, in order, on this thread; then the links.
        self._link_all([(self.target(rel), source) for rel, source in todo])
        self.files_linked += len(pairs)

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

    def commit(self) -> None:
        self._settle()
        if self.output.exists():
            if not self.output.is_dir():
                raise ConfigError(
                    str(self.output), None, "the output path exists and is not a folder"
                )
            if not _exchange(self._root, self.output):
                old = self.output.parent / _OLD.format(name=self.output.name, pid=os.getpid())
                os.rename(self.output, old)
                os.rename(self._root, self.output)
                self._root = old
        else:
            os.rename(self._root, self.output)
        self.committed = True
        # After the exchange self._root holds the previous output; __exit__ keeps it as spare.

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


@dataclass
class _Tree:
    """A folder as listed: its device, relative path -> inode of each file (-1 for anything
    but a regular file), and its folders."""

    device: int
    files: dict[str, int]
    folders: set[str]


class _Leftovers(_Tree):
    """What a recycled spare held when the build started, less what the build has claimed."""

    def clear_folders_for(self, parts: tuple[str, ...], root: Path) -> None:
        """A file of the spare where the build needs a folder goes."""
        for depth in range(1, len(parts)):
            rel = "/".join(parts[:depth])
            if rel in self.files:
                del self.files[rel]
                os.unlink(root / rel)

    def clear_file(self, rel: str, root: Path, claimed: set[str]) -> None:
        """A folder of the spare where the build needs a file goes, unless the build already
        staged files in it (then creating the file fails, as it would in an empty stage)."""
        self.files.pop(rel, None)
        if rel not in self.folders or any(c.startswith(rel + "/") for c in claimed):
            return
        shutil.rmtree(root / rel)
        below = rel + "/"
        self.folders = {f for f in self.folders if f != rel and not f.startswith(below)}
        self.files = {f: i for f, i in self.files.items() if not f.startswith(below)}

    def remove_unclaimed(self, root: Path, claimed: set[str]) -> None:
        for rel in self.files:
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                os.unlink(root / rel)
        needed: set[str] = set()
        for rel in claimed:
            folder = rel.rpartition("/")[0]
            while folder and folder not in needed:
                needed.add(folder)
                folder = folder.rpartition("/")[0]
        # Deepest first, so a folder is empty by the time its turn comes.
        for rel in sorted(self.folders - needed, key=lambda f: f.count("/"), reverse=True):
            try:
                os.rmdir(root / rel)
            except FileNotFoundError:
                pass
            except OSError:
                shutil.rmtree(root / rel, ignore_errors=True)


class _Listing:
    """Every file and folder below the recycled spare and the live output, from directory
    listings alone (no stat per file), made by a child process while the build plans. Not a
    thread: one waiting on the disk 17,000 times loses the GIL to the planning each time (0.2 s
    alone took 20 s beside a busy loop)."""

    def __init__(self, spare: Path | None, live: Path | None) -> None:
        self._process = _child(_LIST, *(os.fspath(r or "") for r in (spare, live)), listen=True)

    def result(self) -> tuple[_Tree | None, _Tree | None]:
        """The spare's and the live output's trees; None for one not asked for or unreadable,
        and for both when the listing did not finish within LISTING_TIMEOUT (a hung disk)."""
        try:
            out, _ = self._process.communicate(timeout=LISTING_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.cancel()
            return None, None
        if self._process.returncode != 0:
            return None, None
        trees = [
            _Tree(device, files, set(folders)) if files is not None else None
            for device, files, folders in pickle.loads(out)  # from our own child process
        ]
        return trees[0], trees[1]

    def cancel(self) -> None:
        self._process.kill()
        self._process.communicate()


LISTING_TIMEOUT = 300
"""Seconds the listing of the spare and the live output may take (0.3 s at 10,000 articles)."""

_LIST = """
import os, pickle, sys
def tree(root):
    files, folders, pending = {}, [], [""]
    while pending:
        rel = pending.pop()
        with os.scandir(os.path.join(root, rel)) as entries:
            for entry in entries:
                name = rel + "/" + entry.name if rel else entry.name
                if entry.is_dir(follow_symlinks=False):
                    folders.append(name)
                    pending.append(name)
                else:
                    files[name] = entry.inode() if entry.is_file(follow_symlinks=False) else -1
    return os.stat(root).st_dev, files, folders
listed = []
for root in sys.argv[1:]:
    try:
        listed.append(tree(root) if root else (0, None, None))
    except OSError:
        listed.append((0, None, None))
sys.stdout.buffer.write(pickle.dumps(listed, pickle.HIGHEST_PROTOCOL))
"""
"""The listing, run by `python -I -S` (the standard library alone): for each folder asked
(an empty argument for none), its device, relative path -> inode (-1 for anything but a
regular file) and its folders."""


class SpareMirror:
    """Makes the spare hard links to the live output's files, in a child process, while a
    long-lived caller (the preview server) waits for the next change: after a build that
    rewrote most pages, the next one would otherwise relink them all (10 s at 10,000
    articles). Stopping it half way leaves a spare like any other, which is checked anyway."""

    def __init__(self, output: Path) -> None:
        spare = output.parent / _SPARE.format(name=output.name)
        self._process = _child(_MIRROR, os.fspath(output), os.fspath(spare))

    def wait(self) -> None:
        self._process.wait()

    def stop(self) -> None:
        """Stop it (if still running) before anything else touches the spare."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()


MIRROR_AFTER = 1000
"""Files a build must have written for the preview server to mirror its spare afterwards."""

_MIRROR = """
import os, shutil, stat, sys
out, spare = sys.argv[1], sys.argv[2]
if not os.path.isdir(spare) or os.path.islink(spare):
    sys.exit(0)
pending, seen = [""], set()
while pending:
    rel = pending.pop()
    seen.add(rel)
    here = os.path.join(spare, rel)
    try:
        if not stat.S_ISDIR(os.lstat(here).st_mode):
            os.unlink(here)
            os.mkdir(here)
    except FileNotFoundError:
        os.mkdir(here)
    except OSError:
        continue
    with os.scandir(os.path.join(out, rel)) as entries:
        for entry in entries:
            name = os.path.join(rel, entry.name)
            if entry.is_dir(follow_symlinks=False):
                pending.append(name)
                continue
            if not entry.is_file(follow_symlinks=False):
                continue
            seen.add(name)
            target = os.path.join(spare, name)
            try:
                found = os.lstat(target)
                if found.st_ino == entry.inode():
                    continue
                if stat.S_ISDIR(found.st_mode):
                    shutil.rmtree(target)
                else:
                    os.unlink(target)
            except FileNotFoundError:
                pass
            except OSError:
                continue
            try:
                os.link(entry.path, target)
            except OSError:
                pass
pending = [""]
while pending:
    rel = pending.pop()
    try:
        entries = list(os.scandir(os.path.join(spare, rel)))
    except OSError:
        continue
    for entry in entries:
        name = os.path.join(rel, entry.name)
        try:
            if name not in seen:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
            elif entry.is_dir(follow_symlinks=False):
                pending.append(name)
        except OSError:
            pass
"""
"""The mirror, run by `python -I -S`: every file of the live output linked at the same path in
the spare unless that very file is there, then whatever the output does not have deleted."""


def _adopt_killed_stage(output: Path, spare: Path) -> None:
    """Without a spare, the stage of a killed build (half patched, or holding the output it had
    just retired) is the best one: recycled like any spare, it is checked file by file anyway."""
    if os.path.lexists(spare):
        return
    for leftover in sorted(output.parent.glob(f".{output.name}.staging-*")):
        if _is_folder(leftover):
            with contextlib.suppress(OSError):
                os.rename(leftover, spare)
                return


def _move_contents(spare: Path, root: Path, output: Path) -> bool:
    """Move what the spare folder holds into the empty stage folder; False without a spare."""
    try:
        names = os.listdir(spare) if _is_folder(spare) else None
    except OSError:
        names = None
    if names is None:
        return False
    for name in names:
        try:
            os.rename(spare / name, root / name)
        except OSError:
            continue  # stays in the spare, which is discarded just below
    try:
        os.rmdir(spare)
    except OSError:
        discard(spare, output)
    return True


BACKGROUND_DELETE = 3000
"""Above this many files, a failed build's stage is deleted by a detached process."""


def _is_folder(path: Path) -> bool:
    """A real folder: not a symlink to one, which is never ours to empty or delete."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def discard(folder: Path, output: Path) -> None:
    """Delete a folder beside the output without waiting for it: renamed out of the way first,
    so its name is free at once, then deleted by a detached process (on some disks unlinking a
    large tree takes seconds; a leftover is removed by the next build)."""
    trash = output.parent / _TRASH.format(name=output.name, tag=uuid.uuid4().hex[:12])
    try:
        os.rename(folder, trash)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return
    _delete_in_background(trash)


def _delete_in_background(path: Path) -> None:
    _child(
        "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)",
        str(path),
        detach=True,
    )


def _child(
    script: str, *args: str, listen: bool = False, detach: bool = False
) -> subprocess.Popen[bytes]:
    """Our own Python `script` in a child process, on the standard library alone (`-I -S`);
    its output piped back with `listen`, and in a session of its own with `detach`, so it
    outlives a build that is interrupted."""
    return subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", script, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if listen else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=detach,
    )


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


def remove_leftovers(output: Path) -> None:
    """Staging or old folders left by a build that was killed (and discarded ones whose
    deletion did not finish)."""
    parent = output.parent
    if not parent.is_dir():
        return
    if not output.exists():
        # A build killed between the two renames of the non-atomic swap: put the old one back.
        for old in sorted(parent.glob(f".{output.name}.old-*")):
            if old.is_dir() and not old.is_symlink():
                os.rename(old, output)
                break
    work = WORK.format(name=output.name)
    for prefix in (
        f".{output.name}.staging-",
        f".{output.name}.old-",
        f".{output.name}.trash-",
        work,
    ):
        for leftover in parent.glob(prefix + "*"):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)


def check_output_folder(output: Path, site_root: Path) -> None:
    """The output is replaced wholesale, so it must never be the site itself or hold it."""
    out = output.resolve()
    root = site_root.resolve()
    if out == root or root.is_relative_to(out):
        raise ConfigError(
            str(output),
            None,
            "the output folder would contain the site's sources; choose a folder such as output/",
        )
    for name in ("content", "templates", "static", "themes"):
        if out == root / name or out.is_relative_to(root / name):
            raise ConfigError(
                str(output),
                None,
                f"the output folder is inside {name}/; choose a folder such as output/",
            )


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """renameat2(RENAME_EXCHANGE): swap two folders in one step (Linux 3.15+); False if unavailable."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    func = getattr(libc, "renameat2", None)
    if func is None:
        return False
    result = func(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)
