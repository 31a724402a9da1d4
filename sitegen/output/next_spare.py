"""The next build's spare, made during a build that retires no output (write.Stage): such a
build would leave no spare, and the build after it would link every file into an empty stage."""

from __future__ import annotations

import os
from pathlib import Path

from sitegen.output.file_writer import FileWriter, Op
from sitegen.output.leftovers import discard

NEXT_SPARE_AFTER = 1000
"""Files a build that retires no output must stage before it makes the next build's spare
(_NextSpare): below that, linking them all costs the next build a few hundredths of a second,
about what starting the helper process costs this one."""
_NEXT_SPARE_BATCH = 500
"""Files linked per batch sent to the helper."""


class _NextSpare:
    """Hard links to the files a stage holds, at the same paths in `folder`, made by a helper
    process (file_writer.py) while the build goes on: for a build that retires no output, whose
    stage becomes the output and leaves no spare. The folder, made the spare, saves the next
    build linking every file into an empty stage (at 10,000 articles 17,000 folders and 27,000
    links: 1.4-2 s of a 3-3.5 s edit on this repository's bench machine; the helper needs
    ~0.5-0.9 s of the other core during a cold build, and the build's thread ~0.1 s to send it
    the work). Like any spare it is checked file by file before use, so a link that failed, or a
    file staged again after it was linked, costs only its relinking. The helper starts once
    NEXT_SPARE_AFTER files are staged; if it cannot start or fails, the build goes on without
    it and leaves no spare, as before."""

    def __init__(self, stage: Path, folder: Path) -> None:
        self.folder = folder
        self._stage = os.fspath(stage)
        self._into = os.fspath(folder)
        self._todo: list[str] = []
        self._made: set[str] = set()
        self._writer: FileWriter | None = None
        self._batch = 0
        self._broken = False
        """The helper could not be started: nothing more is sent."""

    def add(self, rel: str) -> None:
        """Link the staged file at `rel` (finished) into the folder."""
        if self._broken:
            return
        self._todo.append(rel)
        if len(self._todo) >= (NEXT_SPARE_AFTER if self._writer is None else _NEXT_SPARE_BATCH):
            self._send()

    def finish(self) -> bool:
        """Wait for every link; whether the folder holds them (False also when too few files
        were staged to start it, or the helper failed)."""
        if self._writer is None or self._broken:
            return False
        if self._todo:
            self._send()
        try:
            self._writer.wait(self._batch)
        except OSError:
            return False
        return True

    def close(self, spare: Path | None, output: Path) -> None:
        """Make the folder the spare at `spare`, or delete it (None)."""
        writer, self._writer = self._writer, None
        if writer is None:
            return  # nothing was made
        writer.close(abandon=spare is None)
        if spare is not None:
            try:
                os.rename(self.folder, spare)
                return
            except OSError:  # the spare's name is taken: this one is not needed
                pass
        if os.path.lexists(self.folder):
            discard(self.folder, output)

    def _send(self) -> None:
        ops: list[Op] = []
        for rel in self._todo:
            folder = rel.rpartition("/")[0]
            if folder not in self._made:
                self._made.add(folder)
                ops.append(("dir", os.path.join(self._into, folder)))
            ops.append(("hardlink", os.path.join(self._stage, rel), os.path.join(self._into, rel)))
        self._todo = []
        if self._writer is None:
            self._writer = FileWriter()
        try:
            self._batch = self._writer.send(ops)  # starts the helper the first time
        except OSError:  # no process to be had: the next build links every file itself
            self._broken = True
