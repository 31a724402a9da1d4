"""The only code that touches the output folder. A build is staged in a fresh folder beside the
output and swapped in only when complete, so a failed or killed build never costs the published
site; the swap is one atomic rename exchange where the kernel offers it."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from types import TracebackType

from sitegen.errors import ConfigError

_STAGE = ".{name}.staging-{pid}"
_OLD = ".{name}.old-{pid}"


class Stage:
    """A folder being filled with the next output; `commit()` swaps it in, leaving it aborts."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.path = output.parent / _STAGE.format(name=output.name, pid=os.getpid())
        self.bytes_written = 0
        self.files_written = 0
        self.files_linked = 0
        self.committed = False
        self._dirs: set[Path] = set()

    def __enter__(self) -> Stage:
        remove_leftovers(self.output)
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.path.mkdir()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self.path.exists():
            return
        if self.committed and self.files_written + self.files_linked > BACKGROUND_DELETE:
            _delete_in_background(self.path)
        else:
            shutil.rmtree(self.path, ignore_errors=True)

    def target(self, rel: str) -> Path:
        """The staged file for an output path; refuses any path that could leave the folder."""
        pure = PurePosixPath(rel)
        if pure.is_absolute() or ".." in pure.parts or "\\" in rel or not pure.parts:
            raise ConfigError(
                rel,
                None,
                "output path would leave the output folder; this is a bug or a hostile slug",
            )
        path = self.path.joinpath(*pure.parts)
        parent = path.parent
        if parent not in self._dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
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

    def keep_unchanged(self, folder: str, previous: Path) -> None:
        """Files a tool wrote into the stage with the same bytes as in the previous output are
        replaced by links to the previous ones, so deploys see them as unchanged."""
        for path in sorted((self.path / folder).rglob("*")):
            rel = path.relative_to(self.path).as_posix()
            old = previous / rel
            try:
                if (
                    path.is_file()
                    and old.stat().st_size == path.stat().st_size
                    and old.read_bytes() == path.read_bytes()
                ):
                    spare = path.with_name(path.name + ".sitegen-link")
                    os.link(old, spare)
                    os.replace(spare, path)
            except OSError:
                continue

    def link_many(self, pairs: list[tuple[str, Path]]) -> None:
        """link_or_copy for many files at once: on slow disks the metadata calls dominate, and
        they overlap well across threads (each call releases the GIL)."""
        # Targets (and their folders) first, in order, on this thread; then the links.
        targets = [(self.target(rel), source) for rel, source in pairs]
        with ThreadPoolExecutor(max_workers=8) as pool:
            for _ in pool.map(lambda pair: _link(*pair), targets):
                pass
        self.files_linked += len(pairs)

    def link_or_copy(self, rel: str, source: Path) -> None:
        """Reuse an unchanged file from the previous output without rewriting its bytes."""
        _link(self.target(rel), source)
        self.files_linked += 1

    def commit(self) -> None:
        if self.output.exists():
            if not self.output.is_dir():
                raise ConfigError(
                    str(self.output), None, "the output path exists and is not a folder"
                )
            if not _exchange(self.path, self.output):
                old = self.output.parent / _OLD.format(name=self.output.name, pid=os.getpid())
                os.rename(self.output, old)
                os.rename(self.path, self.output)
                self.path = old
        else:
            os.rename(self.path, self.output)
        self.committed = True
        # After the exchange self.path holds the previous output; __exit__ removes it.


BACKGROUND_DELETE = 3000
"""Above this many files, the previous output is deleted by a detached process: on some disks
unlinking a large tree takes seconds, and nothing waits for it (a leftover is removed by the
next build anyway)."""


def _delete_in_background(path: Path) -> None:
    subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)",
            str(path),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _link(target: Path, source: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def remove_leftovers(output: Path) -> None:
    """Staging or old folders left by a build that was killed."""
    parent = output.parent
    if not parent.is_dir():
        return
    if not output.exists():
        # A build killed between the two renames of the non-atomic swap: put the old one back.
        for old in sorted(parent.glob(f".{output.name}.old-*")):
            if old.is_dir() and not old.is_symlink():
                os.rename(old, output)
                break
    for prefix in (f".{output.name}.staging-", f".{output.name}.old-"):
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
