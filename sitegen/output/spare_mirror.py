"""The spare made the live output in hard links, by a child process, between builds of a
long-lived caller (the preview server)."""

from __future__ import annotations

import os
from pathlib import Path

from sitegen.output.leftovers import _SPARE
from sitegen.output.listing import _child


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
