"""Files written by a helper process, so that the build's thread does not wait on the disk.

Making a folder or a file takes ~0.03 ms on an idle ext4 disk, but 0.2-0.5 ms for a minute or
more after many files were deleted on one mounted with online discard (as CI machines and this
repository's bench machine are). A cold build at 10,000 articles writes 20,000 of them for its
search records alone: up to 9 s on the build's thread, which renders pages meanwhile.

A FileWriter sends batches of operations (make a folder, write a file, link one) through a
pipe to a helper that applies them in order and acknowledges each batch; `wait(batch)` blocks
until it has. The helper runs this module's `main` on the standard library alone, so it
starts in ~20 ms and imports nothing of the build but sitegen.output.halves."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import pickle
import queue
import select
import shutil
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import IO

from sitegen.output.halves import die_with_parent

Op = tuple[str, str] | tuple[str, str, bytes | str]
"""("dir", path): make the folder and its parents; ("file", path, data): write the file (its
folder exists); ("link", source, path): hard-link `source` at `path`, or copy it;
("hardlink", source, path): hard-link `source` at `path` if the file system can, else nothing
(for a folder whose every file is checked before it is used, as the spare is: next_spare.py)."""

_FRAME = struct.Struct("<Q")
PENDING_LIMIT = 64 * 1024 * 1024
"""Bytes sent but not yet taken by the helper, past which `send` waits: a helper slowed by the
disk must not make the build hold every record in memory."""
ANSWER_TIMEOUT = 300.0
"""Seconds `wait` waits for the helper's next answer before giving up on it as hung: a batch
(a shard's folder, ~500 files) takes well under a second even on a slow disk."""


def apply(ops: Sequence[Op]) -> None:
    """Carry out `ops` in this process, in order (OSError as the file system raises it)."""
    for op in ops:
        _apply(op[0], op[1], op[2] if len(op) > 2 else b"")


def _apply(kind: str, path: str, arg: bytes | str) -> None:
    if kind == "dir":
        os.makedirs(path, exist_ok=True)
    elif kind == "file" and isinstance(arg, bytes):
        with open(path, "wb") as handle:
            handle.write(arg)
    elif kind == "link" and isinstance(arg, str):
        _link_or_copy(path, arg)
    elif kind == "hardlink" and isinstance(arg, str):
        with contextlib.suppress(OSError):
            os.link(path, arg)
    else:
        raise ValueError(f"not a file operation: {(kind, path)!r}")


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


class FileWriter:
    """A helper process applying batches of file operations in the order they were sent.
    Started by the first `send`; `close()` waits for every batch, `close(abandon=True)` stops
    it where it is (the build failed and its files are to be deleted)."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._frames: queue.Queue[bytes | None] = queue.Queue()
        self._feeder: threading.Thread | None = None
        self._pending = 0
        self._room = threading.Condition()
        self._sent = 0
        self._acknowledged = 0
        self._reading = threading.Lock()
        self._failure: OSError | None = None
        self._answers = b""
        """What the helper has answered and `_read_answer` has not taken yet."""

    def send(self, ops: Sequence[Op]) -> int:
        """Queue `ops` as one batch; returns its number for `wait`."""
        if self._process is None:
            self._start()
        frame = pickle.dumps((self._sent + 1, list(ops)), protocol=pickle.HIGHEST_PROTOCOL)
        with self._room:
            # One batch larger than the limit still goes, alone.
            self._room.wait_for(
                lambda: self._pending == 0 or self._pending + len(frame) <= PENDING_LIMIT
            )
            self._pending += len(frame)
        self._sent += 1
        self._frames.put(frame)
        return self._sent

    def wait(self, batch: int) -> None:
        """Block until the helper has applied `batch` and every batch before it. OSError when
        it could not (as `apply` would have raised it) or stopped."""
        with self._reading:
            while self._acknowledged < batch:
                if self._failure is not None:
                    raise self._failure
                assert self._process is not None and self._process.stdout is not None
                self._read_answer(self._process.stdout)

    def close(self, *, abandon: bool = False) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if abandon:
            process.kill()
        self._frames.put(None)
        if self._feeder is not None:
            self._feeder.join()
        process.wait()
        if process.stdout is not None:
            with self._reading:  # not under a thread still reading the last answers
                process.stdout.close()

    def _start(self) -> None:
        # -I -S: the standard library alone, and no site-packages to import at start-up;
        # sitegen itself from where this module is.
        package_parent = os.path.dirname(
            os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        )
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _HELPER, package_parent, str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self._process.stdin is not None
        with contextlib.suppress(ImportError, AttributeError, OSError):
            # A 1 MB pipe (Linux): the feeder takes the interpreter's lock back after each
            # pipe-full, waiting up to 5 ms for it while the build's thread renders.
            import fcntl

            fcntl.fcntl(self._process.stdin.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
        # A thread feeds the pipe: the build's thread must not block on a full one, and the
        # feeder waits in write() without holding the interpreter's lock.
        self._feeder = threading.Thread(target=self._feed, name="sitegen-file-writer", daemon=True)
        self._feeder.start()

    def _feed(self) -> None:
        assert self._process is not None and self._process.stdin is not None
        pipe = self._process.stdin
        try:
            while (frame := self._frames.get()) is not None:
                try:
                    pipe.write(_FRAME.pack(len(frame)))
                    pipe.write(frame)
                    pipe.flush()
                except Exception:  # the helper stopped (OSError): `wait` reports it
                    pass
                with self._room:
                    self._pending -= len(frame)
                    self._room.notify_all()
        finally:
            with contextlib.suppress(OSError):
                pipe.close()

    def _read_answer(self, answers: IO[bytes]) -> None:
        line = self._next_line(answers.fileno())
        if line is None:
            self._failure = OSError(
                errno.ETIMEDOUT,
                f"the helper process that writes files did not answer within "
                f"{ANSWER_TIMEOUT:.0f} s (is the disk hung?)",
            )
            if self._process is not None:
                self._process.kill()
            return
        if not line:
            self._failure = OSError(
                f"the helper process that writes files stopped "
                f"(exit code {self._process.poll() if self._process else None})"
            )
            return
        if line.startswith(b"!"):
            code, strerror, filename, filename2 = json.loads(line[1:])
            self._failure = OSError(code, strerror, filename, None, filename2)
            return
        self._acknowledged = int(line)

    def _next_line(self, fd: int) -> bytes | None:
        """The helper's next answer line: b"" once it has stopped, None when it has not
        answered within ANSWER_TIMEOUT. Read from the pipe's descriptor, unbuffered, so that
        waiting can time out."""
        while b"\n" not in self._answers:
            ready, _, _ = select.select([fd], [], [], ANSWER_TIMEOUT)
            if not ready:
                return None
            chunk = os.read(fd, 4096)
            if not chunk:
                return b""
            self._answers += chunk
        line, _, self._answers = self._answers.partition(b"\n")
        return line + b"\n"


def _serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The helper: apply each batch read from `requests`, then acknowledge its number."""
    while header := requests.read(_FRAME.size):
        (length,) = _FRAME.unpack(header)
        number, ops = pickle.loads(requests.read(length))
        try:
            apply(ops)
        except Exception as exc:  # OSError, or a bug: each reaches the build, not a hang
            error = exc if isinstance(exc, OSError) else OSError(None, repr(exc))
            detail = [error.errno, error.strerror or str(error), error.filename, error.filename2]
            answers.write(b"!" + json.dumps(detail).encode() + b"\n")
            answers.flush()
            return
        answers.write(f"{number}\n".encode())
        answers.flush()


def main(parent: int) -> None:  # pragma: no cover - the helper, run by FileWriter
    if die_with_parent(parent):
        _serve(sys.stdin.buffer, sys.stdout.buffer)


_HELPER = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from sitegen.output.file_writer import main; main(int(sys.argv[2]))"
)
