"""The folders beside the output other than the output itself: the spare, the stages and
retired outputs killed builds left, folders on their way to deletion (the trash) and scratch
folders; and what a recycled spare holds that the build has not claimed yet (_Leftovers)."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import uuid
from pathlib import Path

from sitegen.output.listing import _child, _Tree

_STAGE = ".{name}.staging-{pid}"
_OLD = ".{name}.old-{pid}"
_SPARE = ".{name}.spare"
_NEXT_SPARE = ".{name}.staging-{pid}.spare"
"""Where a build that retires no output makes the next build's spare (removed as a staging
folder if the build is killed)."""
_TRASH = ".{name}.trash-{tag}"
WORK = ".{name}.work-"
"""Prefix of scratch folders beside the output (the search indexer's), removed by the next
build if a killed one left them."""


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


def _is_folder(path: Path) -> bool:
    """A real folder: not a symlink to one, which is never ours to empty or delete."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


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
