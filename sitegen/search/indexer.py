"""Site search: Pagefind indexes beside the output, so search needs no server.

Pagefind does not read the pages: it reads one record per published article
(render/search_record.py), which carries `data-pagefind-body` with the section and authors as
filters, the date and lead image as meta and the date as sort key. Drafts and embargoed
articles are left out of a published build's model, so they never get a record (`--drafts`
and `--future` previews index them, as they show them).

Articles are indexed in shards (search/shards.py), each a Pagefind bundle in
`pagefind/<shard>/`, listed newest first in `pagefind/index.json` for the search page to merge.
Pagefind runs as its own binary (pagefind.py), one process per shard that changed: one fewer at
once than the build has workers (but at least one) while the build renders, as many as it has
workers once it waits for them."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from sitegen.errors import ContentError, SitegenError
from sitegen.load.config import SiteConfig
from sitegen.load.sources import display_path
from sitegen.output.file_writer import FileWriter
from sitegen.output.write import WORK, Stage, discard, tree_pairs
from sitegen.render.jobs import Searchable
from sitegen.search.bundle import read_cbor as _read_cbor  # noqa: F401 (tests read bundles)
from sitegen.search.pagefind import (
    holds_bundle,
    index_language,
    index_pages,
    records_salt,
    require_pagefind,
)
from sitegen.search.records import RecordFolders
from sitegen.search.shards import Shard, plan_shards

SEARCH_FOLDER = "pagefind"
"""Folder of the search bundles in the output; the search page reads index.json in it."""
SHARD_LIST = "index.json"


class EarlyGuess(Protocol):
    """What the indexer asks of a guess at an edit's shard, indexed since the sources were
    read (early.py's EarlyIndex)."""

    def ready(self) -> bool: ...

    def matches(
        self, shard: Shard, digests: Mapping[str, str], record: Callable[[str], bytes]
    ) -> bool: ...

    def record_or(self, record: Callable[[str], bytes]) -> Callable[[str], bytes]: ...

    def bundle(self) -> Path: ...

    def stop(self) -> None: ...


class SearchIndexer:
    """Indexes the shards whose stories changed while the build goes on. Entering it fills
    each such shard's record folder in a scratch folder beside the output (search/records.py:
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
        early: EarlyGuess | None = None,
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
        kept = {s.name for s in self.shards if reuse and holds_bundle(stage.output / _folder(s))}
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
        """A guess at a shard, indexed since the sources were read (search/early.py)."""

    def __enter__(self) -> SearchIndexer:
        try:
            adopted = self._start() if self.todo else False
            if self._early is not None and not adopted:
                self._early.stop()  # a wrong guess: its Pagefind would only take a core
            if self._kept:
                files = self.stage.previous_files(SEARCH_FOLDER)
                self.stage.carry([rel for rel in files if rel.split("/", 2)[1] in self._kept])
        except BaseException:
            self.__exit__()  # the caller's exit stack does not have us yet
            raise
        return self

    def _start(self) -> bool:
        """Fill the record folder of each shard to index and hand the shard to the pool;
        whether the early guess was taken for one of them."""
        require_pagefind()
        out = self.stage.output
        self._work = Path(tempfile.mkdtemp(prefix=WORK.format(name=out.name), dir=out.parent))
        self._writer = FileWriter()
        self._folders = RecordFolders(
            self._records_home,
            self._work,
            self._salt,
            reuse=self.previous is not None,
            writer=self._writer,
        )
        self._pool = ThreadPoolExecutor(max_workers=self._workers)
        # The early guess links the records of a kept folder that filling may move.
        early = self._early if self._early is not None and self._early.ready() else None
        adopted = False
        for shard in self.todo:
            task, record = self._index, self._record
            if early is not None and early.matches(shard, self._digests, self._record):
                # Its edited records are made: matches() compared them byte for byte.
                task, record, adopted = self._adopt, early.record_or(record), True
            self._write_records(shard, record)
            self._futures.append(self._pool.submit(task, shard))
        return adopted

    def __exit__(self, *exc: object) -> None:
        succeeded = self._finished and bool(exc) and exc[0] is None
        if not succeeded:
            self._abandon()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._writer is not None:
            # Stopped before its folders are kept or given back: it may still be writing.
            self._writer.close()
        self._leave_folders(succeeded)

    def _abandon(self) -> None:
        """No shard waiting for its records or a slot starts Pagefind for a failed build."""
        self._stopping = True
        if self._early is not None:
            self._early.stop()
        if self._writer is not None:
            self._writer.close(abandon=True)

    def _leave_folders(self, succeeded: bool) -> None:
        """Keep the record folders in the cache when `succeeded` (left after finish() without
        an error: the build has swapped its output in), else give the cache's back; then
        remove the scratch folder."""
        if self._folders is not None:
            if succeeded:
                self._folders.keep(self.shards)
            else:
                self._folders.give_back()
        if self._work is not None:
            self._remove_work(self._work, succeeded)

    def _remove_work(self, work: Path, succeeded: bool) -> None:
        if succeeded and self._folders is not None and self._folders.bulky:
            # Such as every shard's old records after a change to the settings or to
            # sitegen: 10,000 files at 10k, ~10 s to unlink on this machine's disk.
            discard(work, self.stage.output)
        else:
            shutil.rmtree(work, ignore_errors=True)

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
        only those that changed since the cache's copy (search/records.py). Made on the
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


def _folder(shard: Shard) -> str:
    """The output path of the shard's bundle."""
    return f"{SEARCH_FOLDER}/{shard.name}"
