"""What the stage knows of the recycled spare and the live output without a stat per file: both
listed by a child process while the build plans (write.Stage), and the helper that starts our
own child processes."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class _Tree:
    """A folder as listed: its device, relative path -> inode of each file (-1 for anything
    but a regular file), and its folders."""

    device: int
    files: dict[str, int]
    folders: set[str]


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
