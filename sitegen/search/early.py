"""Search for an edit of stories' bodies, started before the model is built.

Indexing the edited story's shard is the longest part of a one-story edit (~0.6 s of Pagefind
at 10,000 articles), and it could only start once the model was built, ~1 s into the build,
while the second core idled. But when the only change is to the bodies of stories whose front
matter is what it was, their records differ from the kept ones in the body alone
(search_record.with_body), and their shard is the one whose kept record folder holds them, as
long as nothing else moved. So right after the sources are read, the build lays that shard's
records out in a folder of its own, the edited ones rewritten and the others linked from the
kept folder, and has Pagefind index them while the model is built.

It is a guess, checked before it is used: once the shards are planned, SearchIndexer takes the
bundle only if `matches` finds the shard to be exactly what the guess indexed (the same period
and pages, the linked records vouched for by the same digests, the edited records byte for
byte). Otherwise the guess is thrown away and the shard is indexed as usual."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Set
from pathlib import Path

from sitegen.errors import SitegenError
from sitegen.incremental.cache_rows import CachedSource
from sitegen.incremental.edit_plan import edited_articles
from sitegen.load.config import SiteConfig
from sitegen.model.urls import Urls
from sitegen.output.file_writer import FileWriter
from sitegen.output.write import WORK, discard
from sitegen.render.search_record import with_body
from sitegen.search.pagefind import PagefindRun, index_language, records_salt
from sitegen.search.records import Kept, fresh_folder, kept_records
from sitegen.search.shards import Shard


class EarlyIndex:
    """Pagefind indexing the kept records of `period` (a folder of `home`), with `records`
    (page -> bytes) in place of the edited ones, in a scratch folder beside `output`."""

    def __init__(
        self,
        home: Path,
        period: str,
        kept: Kept,
        records: Mapping[str, bytes],
        output: Path,
        salt: str,
        language: str,
        threads: int | None,
    ) -> None:
        self.period = period
        self.kept = kept
        self.records = dict(records)
        self._language, self._threads = language, threads
        self._work = Path(tempfile.mkdtemp(prefix=WORK.format(name=output.name), dir=output.parent))
        self._output = output
        wanted = {page: kept[page][0] for page in sorted(kept)}
        for page in self.records:
            wanted[page] = ""  # no digest: written from `records`
        # Laid out now, on this thread: deciding what to link takes a stat per record, which in
        # another thread would wait for the interpreter's lock each time while the model is built.
        try:
            self._ops = fresh_folder(
                self._work / "in", wanted, self._record, salt, kept, home / period
            )
        except KeyError:  # a kept record is not what its manifest says: no guess
            os.rmdir(self._work)
            raise
        self._writer = FileWriter()
        self._laid_out = threading.Event()
        self._complete = False
        self._error: SitegenError | None = None
        self._run: PagefindRun | None = None
        self._stopped = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._index, name="early-search", daemon=True)

    def __enter__(self) -> EarlyIndex:
        # A helper process writes the folder (file_writer.py), for the same reason.
        try:
            self._batch = self._writer.send(self._ops)
        except OSError:  # no helper process: no guess
            self._laid_out.set()
            return self
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self._thread.ident is not None:
            self._thread.join()
        self._writer.close()
        # A detached process deletes it: a few hundred files, off the build's thread.
        discard(self._work, self._output)

    def stop(self) -> None:
        """Stop Pagefind, if it still runs: the guess is not needed (or the build failed)."""
        with self._lock:
            self._stopped = True
            if self._run is not None:
                self._run.kill()

    def _index(self) -> None:
        try:
            self._writer.wait(self._batch)
            self._complete = True
        except OSError:
            return
        finally:
            self._laid_out.set()
        with self._lock:
            if self._stopped:
                return
            self._run = PagefindRun(
                self._work / "in", self._work / "out", self._language, threads=self._threads
            )
            try:
                self._run.__enter__()
            except SitegenError as exc:
                self._error, self._run = exc, None
                return
        try:
            self._run.wait()
        except SitegenError as exc:
            self._error = exc
        finally:
            self._run.__exit__()

    def _record(self, page: str) -> bytes:
        return self.records[page]  # KeyError for any other: that one should have been linked

    def matches(
        self, shard: Shard, digests: Mapping[str, str], record: Callable[[str], bytes]
    ) -> bool:
        """Whether `shard`'s records are the ones indexed here (`digests` and `record` as
        the build has them)."""
        if shard.period != self.period or set(shard.pages) != self.kept.keys():
            return False
        if not self.ready():
            return False
        for page in shard.pages:
            new = self.records.get(page)
            if new is None:
                if digests[page] != self.kept[page][0]:
                    return False
            elif record(page) != new:
                return False
        return True

    def record_or(self, record: Callable[[str], bytes]) -> Callable[[str], bytes]:
        """`record`, but for the edited pages, whose records are already made here."""
        return lambda page: self.records[page] if page in self.records else record(page)

    def ready(self) -> bool:
        """Wait until the records are laid out: until then the kept folder they are linked
        from must stay where it is. False when they could not be."""
        self._laid_out.wait()
        return self._complete

    def bundle(self) -> Path:
        """Wait for Pagefind; the bundle it made (SitegenError when it failed)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        if not self._complete or self._stopped:
            raise SitegenError("search", None, "the early index was stopped")
        return self._work / "out"


def early_index(
    config: SiteConfig,
    sources: Mapping[str, CachedSource],
    changed: Iterable[str],
    before: Mapping[str, CachedSource],
    settings: str,
    home: Path,
    output: Path,
    threads: int | None = None,
) -> EarlyIndex | None:
    """The early index of an edit of stories' bodies (all in one kept shard), or None when the
    edit is anything else. `sources` and `before` are this build's and the last one's sources,
    `changed` those that differ, `settings` the key of the settings they were read under, `home`
    the cache's folder of kept record folders, `threads` Pagefind's (None: one per core)."""
    edited = edited_articles(sources, changed, before)
    if not edited:
        return None
    try:
        periods = sorted(os.listdir(home))
    except OSError:
        return None
    found = _edited_bodies(config, [sources[rel] for rel in edited], periods)
    if found is None:
        return None
    period, bodies = found
    salt = records_salt(settings, config)
    kept = _kept_folder(home / period, salt, bodies.keys())
    if kept is None:
        return None
    records = _edited_records(home / period, bodies)
    if records is None:
        return None
    try:
        language = index_language(config.language)
        return EarlyIndex(home, period, kept, records, output, salt, language, threads)
    except (KeyError, OSError):
        return None


def _edited_bodies(
    config: SiteConfig, edited: Iterable[CachedSource], periods: list[str]
) -> tuple[str, dict[str, str]] | None:
    """The period all the `edited` stories fall in (one of `periods`, the kept folders) and
    their bodies by page; None when they fall in none or in more than one."""
    urls = Urls(config.permalinks, config.base_url)
    bodies: dict[str, str] = {}
    period = ""
    for cached in edited:
        found = _edited_page(cached, urls)
        if found is None:
            return None
        day, page, body = found
        # Shards hold consecutive days and their folders are named by their first day.
        here = max((p for p in periods if p <= day), default="")
        if not here or period not in ("", here):
            return None
        period = here
        bodies[page] = body
    return period, bodies


def _edited_page(cached: CachedSource, urls: Urls) -> tuple[str, str, str] | None:
    """An edited story's day, page and body; None when it has no date, address or body."""
    assert cached.checked is not None
    front = cached.checked.front_matter
    if front.date is None or not front.url or cached.markup is None:
        return None
    return front.date.date().isoformat(), urls.output_path(front.url), cached.markup.html


def _kept_folder(folder: Path, salt: str, pages: Set[str]) -> Kept | None:
    """The kept records of `folder` when it holds every one of `pages` under `salt`."""
    if folder.is_symlink():
        return None  # not a folder we made (search/records.py leaves those alone too)
    kept = kept_records(folder, salt)
    if kept is None or not pages <= kept.keys():
        return None  # another salt's folder, or a story not indexed last time (a draft, say)
    return kept


def _edited_records(folder: Path, bodies: Mapping[str, str]) -> dict[str, bytes] | None:
    """The kept records in `folder` of the pages in `bodies`, with those bodies; None when one
    cannot be read or rewritten."""
    records = {}
    for page, body in bodies.items():
        try:
            old = (folder / page).read_bytes()
        except OSError:
            return None
        new = with_body(old, body)
        if new is None:
            return None
        records[page] = new
    return records
