"""Search as the pipeline sees it: told when the sources are read (early.py may start on the
edited stories' shard then), started once the pages can be planned, finished after rendering.
Whether this build indexes at all is decided here too: not when search is off, nor in the
preview server's later builds, which keep the index of its first."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from sitegen.incremental.cache_rows import CachedSource
from sitegen.load.config import SiteConfig
from sitegen.output.write import Stage
from sitegen.render.jobs import Searchable
from sitegen.search.early import EarlyIndex, early_index
from sitegen.search.indexer import SEARCH_FOLDER, SHARD_LIST, SearchIndexer
from sitegen.search.records import RECORDS_FOLDER


@dataclass(frozen=True)
class SearchSettings:
    """How a build indexes search."""

    output: Path
    cache_dir: Path | None
    """The build cache's folder: search keeps its records there. None: none are kept."""
    clean: bool
    refresh: bool
    """Index again when pages changed (BuildRequest.refresh_search)."""
    jobs: int


@dataclass(frozen=True)
class Searched:
    """What the index is built from, as the planner gives it."""

    config: SiteConfig
    searchable: Sequence[tuple[str, Searchable]]
    """Each searchable page, by its output path."""
    record: Callable[[str], bytes]
    """The search record of the page at an output path."""
    salt: str


class SiteSearch:
    """The search index of one build. Contexts it enters (an early index, the indexer) close
    with `cleanup`, the build's, whether the build succeeds or fails."""

    def __init__(
        self,
        settings: SearchSettings,
        before: Mapping[str, CachedSource],
        cleanup: ExitStack,
    ) -> None:
        self.settings = settings
        self._before = before
        """The last build's sources (the early index compares against them)."""
        self._cleanup = cleanup
        self._early: EarlyIndex | None = None
        self._indexer: SearchIndexer | None = None
        self._enabled = False

    def indexes(self, config: SiteConfig) -> bool:
        """Whether this build indexes search: not when it is off, nor when the preview server
        keeps its first index (refresh)."""
        s = self.settings
        kept = s.output / SEARCH_FOLDER / SHARD_LIST
        keeps = not s.refresh and not s.clean and kept.is_file()
        return config.search.enabled and not keeps

    def after_read(
        self, config: SiteConfig, sources: dict[str, CachedSource], changed: set[str], key: str
    ) -> None:
        """When the edit is to stories' bodies, start indexing their shard before the model is
        built (early.py), for the indexer to take if the guess was right."""
        s = self.settings
        if s.cache_dir is None or s.clean or not self.indexes(config):
            return  # no kept records to guess from, or nothing to index
        home, threads = s.cache_dir / RECORDS_FOLDER, s.jobs or None
        guess = early_index(config, sources, changed, self._before, key, home, s.output, threads)
        if guess is not None:
            self._early = self._cleanup.enter_context(guess)

    def start(self, stage: Stage, searched: Searched) -> None:
        """Index the shards whose stories changed, on other threads, while pages render."""
        self._enabled = searched.config.search.enabled
        if not self.indexes(searched.config):
            return
        s = self.settings
        indexer = SearchIndexer(
            stage,
            not s.clean,
            searched.searchable,
            searched.record,
            searched.config,
            salt=searched.salt,
            workers=s.jobs or os.cpu_count() or 1,
            records=s.cache_dir / RECORDS_FOLDER if s.cache_dir else None,
            early=self._early,
        )
        self._indexer = self._cleanup.enter_context(indexer)

    def finish(self, stage: Stage) -> None:
        """The index into the staged output: made by this build, or the previous output's
        as it is (the preview server's later builds)."""
        if self._indexer is not None:
            self._indexer.finish()
        elif self._enabled:
            stage.carry(stage.previous_files(SEARCH_FOLDER))
