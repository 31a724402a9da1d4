"""The Pagefind process: one run indexes a folder of records into a bundle.

Pagefind runs as its own binary (the `pagefind[bin]` package), in an empty folder and without
PAGEFIND_* variables, so that a bundle depends on the records and the arguments given here
alone. Both the shard indexer (indexer.py) and the early guess at an edit's shard (early.py)
run it through `PagefindRun`."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from sitegen import __version__
from sitegen.errors import SitegenError
from sitegen.load.config import SiteConfig
from sitegen.model import text as text_module
from sitegen.render import search_record as search_record_module
from sitegen.render.search_record import BODY_MARK
from sitegen.search import bundle as search_bundle
from sitegen.search.bundle import stabilise_bundle

_ENTRY = "pagefind-entry.json"
"""The file that makes a folder a Pagefind bundle."""
TIMEOUT = 120
"""Seconds a Pagefind process may take before it is stopped as hung, besides TIMEOUT_PER_RECORD
for each record it indexes: a shard of 500 takes under a second, so a process still running
after minutes has lost its input or hangs, and the build says so instead of waiting forever."""
TIMEOUT_PER_RECORD = 0.05
_UNUSED = (
    "pagefind-ui.js", "pagefind-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css",
    "pagefind-modular-ui.js", "pagefind-modular-ui.css", "pagefind-highlight.js",
    "wasm.unknown.pagefind",
)  # fmt: skip
"""Pagefind's own UIs: the theme's search.js talks to pagefind.js directly."""


def index_language(language: str) -> str:
    """Pagefind's language code (ISO 639-1) for the site's BCP 47 tag: en-GB -> en. One index for
    the whole site; pagefind.js picks it from <html lang> by the same primary subtag."""
    return language.split("-", 1)[0].lower()


def records_salt(settings: str, config: SiteConfig) -> str:
    """Everything the records and bundles depend on besides the stories: `settings` (the
    settings the sources were read under), sitegen's and Pagefind's versions, the code that
    makes records, the index's language."""
    language = index_language(config.language)
    return f"{settings}:{__version__}:{_record_code()}:{_pagefind_version()}:{language}"


def holds_bundle(folder: Path) -> bool:
    """Whether `folder` holds a bundle. Both places asked are whole when it does: the previous
    output was swapped in complete, and a scratch bundle is asked once Pagefind has exited."""
    return (folder / _ENTRY).is_file()


def require_pagefind() -> None:
    """SitegenError, saying how to install it, when Pagefind is not installed."""
    if importlib.util.find_spec("pagefind") is None:
        raise SitegenError(
            "search",
            None,
            "Pagefind is not installed; run `pip install 'pagefind[bin]'` "
            "or turn search off with `[search] enabled = false` in sitegen.toml",
        )


def index_pages(
    site: Path, out: Path, language: str, *, threads: int | None = None, records: int = 0
) -> None:
    """Index the `records` records under `site` into the bundle folder `out`, with at most
    `threads` threads (None: one per core). Raises SitegenError when Pagefind fails (it refuses,
    too, when no record carries the mark) or does not finish in time (PagefindRun.timeout)."""
    with PagefindRun(site, out, language, threads=threads, records=records) as run:
        run.wait()


class PagefindRun:
    """One Pagefind process indexing the `records` records under `site` into the bundle `out`,
    started on entering; `wait()` for its bundle, or leave to stop it."""

    def __init__(
        self, site: Path, out: Path, language: str, *, threads: int | None, records: int = 0
    ) -> None:
        self.site, self.out, self.language, self.threads = site, out, language, threads
        self.timeout = TIMEOUT + TIMEOUT_PER_RECORD * records
        """Seconds `wait()` gives Pagefind before stopping it."""
        self._cwd: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> PagefindRun:
        require_pagefind()
        command = [
            *_pagefind_command(),
            "--site", str(self.site.resolve()),
            "--output-path", str(self.out.resolve()),
            "--root-selector", f"[{BODY_MARK}]",
            "--force-language", self.language,
            "--silent",
        ]  # fmt: skip
        # Pagefind reads pagefind.yml/json/toml and PAGEFIND_* variables: run it in an empty
        # folder without them, so the index depends on the site and these arguments alone.
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith("PAGEFIND_")}
        if self.threads is not None:
            # Pagefind's indexing runs on rayon's pool, its file work on tokio's.
            env["RAYON_NUM_THREADS"] = env["TOKIO_WORKER_THREADS"] = str(self.threads)
        self._cwd = tempfile.TemporaryDirectory(prefix="sitegen-search-")
        try:
            self._process = subprocess.Popen(
                command,
                cwd=self._cwd.name,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        except OSError as exc:
            self._cwd.cleanup()
            raise SitegenError("search", None, f"Pagefind could not be started: {exc}") from None
        return self

    def wait(self) -> None:
        """Wait for the bundle; SitegenError when Pagefind failed or hung."""
        assert self._process is not None
        try:
            stdout, stderr = self._process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise SitegenError(
                "search",
                None,
                f"Pagefind did not finish within {self.timeout:.0f} s (indexing {self.site}) "
                "and was stopped; build again, and if it happens again reinstall it (`pip "
                "install --force-reinstall 'pagefind[bin]'`) or turn search off with "
                "`[search] enabled = false` in sitegen.toml",
            ) from None
        out = self.out
        if self._process.returncode == 0 and holds_bundle(out):
            for name in _UNUSED:
                (out / name).unlink(missing_ok=True)
            stabilise_bundle(out)
            return
        output = "\n".join(line for line in (stderr + stdout).splitlines() if line.strip())
        lines = output.strip().splitlines()
        detail = "\n".join(dict.fromkeys(lines[-6:])) if lines else "no output"
        raise SitegenError(
            "search",
            None,
            f"Pagefind failed to index {self.site} (exit code {self._process.returncode}):\n"
            f"{detail}\nCheck that `pip install 'pagefind[bin]'` installed its binary for this "
            "machine, or turn search off with `[search] enabled = false` in sitegen.toml",
        )

    def kill(self) -> None:
        """Stop Pagefind (from any thread): `wait()` then fails."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()

    def __exit__(self, *exc: object) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.communicate()
        if self._cwd is not None:
            self._cwd.cleanup()


@functools.cache
def _pagefind_command() -> tuple[str, ...]:
    """The pagefind[bin] binary itself: `python -m pagefind` would start Python once per shard
    only to find and exec it."""
    try:
        from pagefind_bin import get_executable  # type: ignore[import-untyped,import-not-found,unused-ignore]

        binary = Path(get_executable())
        if binary.is_file() and os.access(binary, os.X_OK):
            return (str(binary),)
    except (ImportError, OSError, FileNotFoundError):
        pass
    return (sys.executable, "-m", "pagefind")


@functools.cache
def _record_code() -> str:
    """Digest of the code that shapes the index: what a record holds (render/search_record.py and the
    dates of model/text.py), how Pagefind is given the records (this module) and how its bundle
    is settled (search/bundle.py). A change to it re-indexes every shard, where pages see
    sitegen's version only: records change more often than releases. "unknown" where the
    source cannot be read (the version still counts)."""
    digest = hashlib.sha256()
    for module in (search_record_module, text_module, sys.modules[__name__], search_bundle):
        try:
            digest.update(Path(module.__file__ or "").read_bytes())
        except OSError:
            return "unknown"
    return digest.hexdigest()[:12]


def _pagefind_version() -> str:
    try:
        return importlib.metadata.version("pagefind")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
