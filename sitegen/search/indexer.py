"""Site search: Pagefind indexes beside the output, so search needs no server.

Pagefind does not read the pages: it reads one record per published article
(render/search_record.py), which carries `data-pagefind-body` with the section and authors as
filters, the date and lead image as meta and the date as sort key. Drafts and embargoed
articles are left out of a published build's model, so they never get a record (`--drafts`
and `--future` previews index them, as they show them).

Articles are indexed in shards (search_shards.py), each a Pagefind bundle in
`pagefind/<shard>/`, listed newest first in `pagefind/index.json` for the search page to merge.
Pagefind runs as its own binary (the `pagefind[bin]` package), one process per shard that
changed: one fewer at once than the build has workers (but at least one) while the build
renders, as many as it has workers once it waits for them."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen import __version__
from sitegen.errors import ContentError, SitegenError
from sitegen.load.config import SiteConfig
from sitegen.load.sources import display_path
from sitegen.model import text as text_module
from sitegen.output.file_writer import FileWriter
from sitegen.output.write import WORK, Stage, discard, tree_pairs
from sitegen.render import search_record as search_record_module
from sitegen.render.jobs import Searchable
from sitegen.render.search_record import BODY_MARK
from sitegen.search import bundle as search_bundle
from sitegen.search.bundle import read_cbor as _read_cbor  # noqa: F401 (tests read bundles)
from sitegen.search.bundle import stabilise_bundle
from sitegen.search.records import RecordFolders
from sitegen.search.shards import Shard, plan_shards

if TYPE_CHECKING:
    from sitegen.search.early import EarlyIndex

SEARCH_FOLDER = "pagefind"
"""Folder of the search bundles in the output; the search page reads index.json in it."""
SHARD_LIST = "index.json"
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


class SearchIndexer:
    """Indexes the shards whose stories changed while the build goes on. Entering it fills
    each such shard's record folder in a scratch folder beside the output (search_records.py:
    the records that changed since the cache's copy, with `records` the cache's folder of
    them) and hands the shard to Pagefind, newest first, before any page is planned; Pagefind
    works in processes of its own, one shard at a time per worker, while the build renders on
    the core it leaves. With `reuse`, shards the live output already holds are carried over
    unchanged. `finish()` moves the new bundles in and lists the shards; leaving after it
    without an error keeps the record folders in the cache, leaving otherwise gives the
    cache's folders back. SitegenError when Pagefind is missing or fails."""

    def __init__(
        self,
        stage: Stage,
        reuse: bool,
        pages: Sequence[tuple[str, Searchable]],
        record: Callable[[str], bytes],
        config: SiteConfig,
        *,
        salt: str,
        workers: int,
        records: Path | None = None,
        early: EarlyIndex | None = None,
    ) -> None:
        self.stage = stage
        self.previous = stage.output if reuse else None
        self.language = index_language(config.language)
        self._record = record
        salt = records_salt(salt, config)
        self.shards = plan_shards(pages, config.search.shard_size, salt)
        self._digests = {path: searchable.digest for path, searchable in pages}
        self._salt = salt
        self._records_home = records
        self._folders: RecordFolders | None = None
        # A stat per shard, not the output's listing, which may still be on its way.
        kept = {s.name for s in self.shards if reuse and _complete(stage.output / _folder(s))}
        self.todo = [shard for shard in self.shards if shard.name not in kept]
        self._kept = kept
        self._workers = workers
        self._futures: list[Future[None]] = []
        self._finished = False
        self._pool: ThreadPoolExecutor | None = None
        # While the build's thread renders, Pagefind gets the other cores: one process at a
        # time per core but one; once the build waits in finish(), every core. With many
        # shards (a cold build), each process keeps to one thread, so that the renderer has a
        # core to itself: beside Pagefind's own threads it rendered 15% slower.
        self._slots = threading.Semaphore(max(1, workers - 1))
        self._threads = 1 if len(self.todo) > 1 else None
        self._writer: FileWriter | None = None
        self._stopping = False
        self._work: Path | None = None
        self._early = early
        """A guess at a shard, indexed since the sources were read (search_early.py)."""

    def __enter__(self) -> SearchIndexer:
        adopted = False
        try:
            if self.todo:
                _require_pagefind()
                out = self.stage.output
                work = tempfile.mkdtemp(prefix=WORK.format(name=out.name), dir=out.parent)
                self._work = Path(work)
                self._writer = FileWriter()
                self._folders = RecordFolders(
                    self._records_home,
                    self._work,
                    self._salt,
                    reuse=self.previous is not None,
                    writer=self._writer,
                )
                self._pool = ThreadPoolExecutor(max_workers=self._workers)
                early = self._early
                # The early guess links the records of a kept folder that filling may move.
                if early is not None and not early.ready():
                    early = None
                for shard in self.todo:
                    task, record = self._index, self._record
                    if early is not None and early.matches(shard, self._digests, self._record):
                        # Its edited records are made: matches() compared them byte for byte.
                        task, record, adopted = self._adopt, early.record_or(record), True
                    self._write_records(shard, record)
                    self._futures.append(self._pool.submit(task, shard))
            if self._early is not None and not adopted:
                self._early.stop()  # a wrong guess: its Pagefind would only take a core
            if self._kept:
                files = self.stage.previous_files(SEARCH_FOLDER)
                self.stage.carry([rel for rel in files if rel.split("/", 2)[1] in self._kept])
        except BaseException:
            self.__exit__()  # the caller's exit stack does not have us yet
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        succeeded = self._finished and bool(exc) and exc[0] is None
        if not succeeded:
            # No shard waiting for its records or a slot starts Pagefind for a failed build.
            self._stopping = True
            if self._early is not None:
                self._early.stop()
            if self._writer is not None:
                self._writer.close(abandon=True)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._writer is not None:
            # Stopped before its folders are kept or given back: it may still be writing.
            self._writer.close()
        if self._folders is not None:
            # Left after finish() without an error: the build has swapped its output in.
            if succeeded:
                self._folders.keep(self.shards)
            else:
                self._folders.give_back()
        if self._work is not None:
            if succeeded and self._folders is not None and self._folders.bulky:
                # Such as every shard's old records after a change to the settings or to
                # sitegen: 10,000 files at 10k, ~10 s to unlink on this machine's disk.
                discard(self._work, self.stage.output)
            else:
                shutil.rmtree(self._work, ignore_errors=True)

    def finish(self) -> tuple[int, int]:
        """Wait for every shard, stage the new bundles and pagefind/index.json; returns
        (shards, shards indexed)."""
        self._slots.release()  # the build's thread only waits from here on
        for future in self._futures:
            future.result()
        listed = []
        for shard in self.shards:
            if shard.name in self._kept:
                listed.append(shard.name)
                continue
            assert self._work is not None
            bundle = self._work / "out" / shard.name
            for file_rel, path in tree_pairs(_folder(shard), bundle):
                self.stage.move_in(file_rel, path)
            listed.append(shard.name)
        if listed:
            rel = f"{SEARCH_FOLDER}/{SHARD_LIST}"
            data = json.dumps({"shards": listed}, indent=1).encode() + b"\n"
            if self.previous is None:
                self.stage.write(rel, data)
            else:
                self.stage.write_unless_same(rel, data, self.previous / rel)
        self._finished = True
        return len(self.shards), len(self.todo)

    def _write_records(self, shard: Shard, record: Callable[[str], bytes]) -> None:
        """Each story's record at its page's path, so Pagefind gives results the page's URL;
        only those that changed since the cache's copy (search_records.py). Made on the
        build's thread (a pool thread making many quick calls waits for the GIL at each); a
        folder laid out afresh is written by a helper process (file_writer.py)."""
        assert self._folders is not None
        self._folders.fill(shard, self._digests, record)

    def _index(self, shard: Shard) -> None:
        """Let Pagefind index the shard's records into its bundle in the scratch folder."""
        assert self._work is not None
        assert self._folders is not None
        self._folders.ready(shard)
        with self._slots:
            if self._stopping:
                return
            index_pages(
                self._folders.folder(shard),
                self._work / "out" / shard.name,
                self.language,
                threads=self._threads,
                records=len(shard.pages),
            )
        self._folders.read(shard)

    def _adopt(self, shard: Shard) -> None:
        """Take the early guess's bundle for the shard (it matched); index the shard as usual
        should Pagefind have failed there."""
        assert self._early is not None and self._work is not None and self._folders is not None
        self._folders.ready(shard)
        if self._stopping:
            return
        try:
            bundle = self._early.bundle()
        except SitegenError:
            self._index(shard)
            return
        (self._work / "out").mkdir(exist_ok=True)
        os.rename(bundle, self._work / "out" / shard.name)
        self._folders.read(shard)


def reserved_errors(
    config: SiteConfig, static: Mapping[str, Path], root: Path
) -> list[SitegenError]:
    """An error for each static file (`static`: site path -> file) that search would overwrite
    or delete: pagefind/ in the output is the search index's alone."""
    if not config.search.enabled:
        return []
    return [
        ContentError(
            display_path(path, root),
            None,
            f"is in {SEARCH_FOLDER}/, the folder reserved for the search index, which would "
            f"overwrite or delete it; move it to another folder (or turn search off with "
            "`[search] enabled = false` in sitegen.toml)",
        )
        for site_path, path in sorted(static.items())
        if site_path.strip("/").split("/", 1)[0].casefold() == SEARCH_FOLDER
    ]


def records_salt(settings: str, config: SiteConfig) -> str:
    """Everything the records and bundles depend on besides the stories: `settings` (the
    settings the sources were read under), sitegen's and Pagefind's versions, the code that
    makes records, the index's language."""
    language = index_language(config.language)
    return f"{settings}:{__version__}:{_record_code()}:{_pagefind_version()}:{language}"


def _folder(shard: Shard) -> str:
    """The output path of the shard's bundle."""
    return f"{SEARCH_FOLDER}/{shard.name}"


def _complete(folder: Path) -> bool:
    """Whether `folder` holds a bundle. Both places asked are whole when it does: the previous
    output was swapped in complete, and a scratch bundle is asked once Pagefind has exited."""
    return (folder / _ENTRY).is_file()


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
    """Digest of the code that shapes the index: what a record holds (search_record.py and the
    dates of model/text.py), how Pagefind is given the records (this module) and how its bundle
    is settled (search_bundle.py). A change to it re-indexes every shard, where pages see
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


def _require_pagefind() -> None:
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
        _require_pagefind()
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
        if self._process.returncode == 0 and _complete(out):
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


def index_language(language: str) -> str:
    """Pagefind's language code (ISO 639-1) for the site's BCP 47 tag: en-GB -> en. One index for
    the whole site; pagefind.js picks it from <html lang> by the same primary subtag."""
    return language.split("-", 1)[0].lower()
