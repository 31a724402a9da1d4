"""Replacing the output folder wholesale: where it may be, and the swap of a finished stage
for it (one atomic rename exchange where the kernel offers it)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from pathlib import Path

from sitegen.errors import ConfigError
from sitegen.output.leftovers import _OLD


def swap_in(stage: Path, output: Path) -> Path:
    """Make the folder `stage` the output; returns where the retired output is (`stage` again
    after an exchange, or when there was none: then nothing is there)."""
    if not output.exists():
        os.rename(stage, output)
        return stage
    if not output.is_dir():
        raise ConfigError(str(output), None, "the output path exists and is not a folder")
    if _exchange(stage, output):
        return stage
    old = output.parent / _OLD.format(name=output.name, pid=os.getpid())
    os.rename(output, old)
    os.rename(stage, output)
    return old


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
