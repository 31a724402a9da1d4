"""The build cache as the pipeline sees it: one small interface, two kinds.

`SiteCache` reuses what the last build left (state.py holds it, reuse.py and edit_plan.py say
what is still valid); `NullCache` reuses nothing and keeps nothing, and serves `sitegen check`,
`--no-cache` builds and tests. The pipeline (sitegen/pipeline/) asks either the same
questions and never looks behind them; load, model and render know neither."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import jinja2

from sitegen.errors import Reporter, SitegenError
from sitegen.incremental.edit_plan import digest_owners, shows, touched_jobs
from sitegen.incremental.mirror import OutputMirror
from sitegen.incremental.reuse import CachedRelated, KeptTemplates, Stored
from sitegen.incremental.stamps import input_stamp
from sitegen.incremental.state import BuildState, CachedSource, Snapshot, clock_holds
from sitegen.incremental.state import empty_snapshot as empty_snapshot
from sitegen.load.config import SiteConfig
from sitegen.load.sources import FoundSource, display_path, scan_sources
from sitegen.model.entities import Site
from sitegen.render.digests import Digests
from sitegen.render.feeds import listed
from sitegen.render.jobs import RenderJob
from sitegen.render.plan import SitePlanner


@dataclass(frozen=True)
class LastBuild:
    """What the cache says of a build whose inputs are all as they were: its output stands."""

    outputs: int
    warnings: tuple[tuple[str, int | None, str], ...]


@dataclass(frozen=True)
class Saved:
    """What a finished build tells the cache to keep."""

    stamp: str
    now: datetime
    output: Path
    site: Site
    config: SiteConfig
    output_id: str
    """The output folder the fingerprints describe (folder_id)."""
    frame: str
    sources: Mapping[str, CachedSource]
    changed_sources: Mapping[str, CachedSource]
    related: tuple[str, Mapping[str, tuple[str, ...]]] | None
    fingerprints: Mapping[str, str]
    shown: Mapping[str, str]
    pages: int
    warnings: Sequence[SitegenError]
    """Said again when the next build finds nothing changed."""

    def meta(self) -> dict[str, str]:
        return {
            "stamp": self.stamp,
            "built_at": self.now.isoformat(),
            "valid_until": valid_until(self.site, self.config, self.now).isoformat(),
            "outputs": str(self.pages),
            "output_id": self.output_id,
            "frame": self.frame,
            "warnings": json.dumps([[w.path, w.line, w.message] for w in self.warnings]),
        }


class BuildCache(Protocol):
    """What the pipeline asks of a build cache."""

    def scan(self, root: Path, config: SiteConfig, key: str) -> tuple[str, Sequence[FoundSource]]:
        """The stamp of every input (with `key`, the rest the output depends on) and the
        content files as found."""
        ...

    def last_build(self, stamp: str, now: datetime, output: Path) -> LastBuild | None:
        """The last build, when nothing it read has changed and its output is still live."""
        ...

    def snapshot(self) -> Snapshot:
        """What the last build saved: its sources, its outputs' fingerprints, its meta."""
        ...

    def stored(self, root: Path, settings: tuple[Any, ...]) -> Stored | None: ...

    def related(self, keys: Mapping[str, str]) -> CachedRelated: ...

    def templates(self) -> jinja2.BytecodeCache | None: ...

    def restore_output(
        self, output: Path, whole: Iterable[str], reporter: Reporter, root: Path
    ) -> int:
        """When there is no output folder, make one of the last build's output as the cache
        kept it (mirror.py; the folders in `whole` all or nothing); how many files that
        restored. Trouble is a warning: the build goes on without."""
        ...

    def fingerprints(self, output: Path) -> Mapping[str, str]:
        """The last build's output fingerprints, if `output` is still the folder it wrote (or
        the one restore_output made of it)."""
        ...

    def edited_pages(
        self, planner: SitePlanner, sources: Mapping[str, CachedSource],
        changed: Collection[str], frame: str, now: datetime, pages: Collection[str],
    ) -> list[RenderJob] | None:  # fmt: skip
        """The pages an edit can have changed (edit_plan.py); None: plan them all."""
        ...

    def shown_by(self, digests: Digests) -> ShownArticles | None:
        """Records which articles each rendered page shows; None when nothing reads it."""
        ...

    def save(self, saved: Saved, reporter: Reporter, root: Path) -> None: ...


class ShownArticles:
    """Which articles each re-rendered output shows, for the next edit's plan (edit_plan.py)."""

    def __init__(self, digests: Digests) -> None:
        self._digests = digests
        self._owners: dict[str, str] | None = None
        self.shown: dict[str, str] = {}

    def record(self, job: RenderJob) -> None:
        if self._owners is None:  # worked out only once a page is rendered at all
            self._owners = digest_owners(self._digests)
        self.shown[job.path] = shows(job, self._owners)

    def copy(self, path: str) -> None:
        self.shown[path] = ""  # a static file shows no article


class NullCache:
    """No cache: every build is a first build, and nothing is kept."""

    def scan(self, root: Path, config: SiteConfig, key: str) -> tuple[str, Sequence[FoundSource]]:
        return "", scan_sources(root / "content")

    def last_build(self, stamp: str, now: datetime, output: Path) -> LastBuild | None:
        return None

    def snapshot(self) -> Snapshot:
        return empty_snapshot()

    def stored(self, root: Path, settings: tuple[Any, ...]) -> Stored | None:
        return None

    def related(self, keys: Mapping[str, str]) -> CachedRelated:
        return CachedRelated(None, keys)

    def templates(self) -> jinja2.BytecodeCache | None:
        return None

    def restore_output(
        self, output: Path, whole: Iterable[str], reporter: Reporter, root: Path
    ) -> int:
        return 0

    def fingerprints(self, output: Path) -> Mapping[str, str]:
        return {}

    def edited_pages(
        self, planner: SitePlanner, sources: Mapping[str, CachedSource],
        changed: Collection[str], frame: str, now: datetime, pages: Collection[str],
    ) -> list[RenderJob] | None:  # fmt: skip
        return None

    def shown_by(self, digests: Digests) -> ShownArticles | None:
        return None

    def save(self, saved: Saved, reporter: Reporter, root: Path) -> None:
        return None


class SiteCache:
    """The cache in a folder (state.py). `reuse` False (a --clean build): nothing is read from
    it, and it is written afresh for the next build."""

    def __init__(
        self, state: BuildState, *, reuse: bool, mirror: bool = True, read_only: bool = False
    ) -> None:
        self.state = state
        self.reuse = reuse
        self._mirror = OutputMirror(state.folder)
        self._keeps_mirror = mirror and not read_only
        """The last output is kept for a build that finds none (a CI run); not by the preview
        server, which keeps its output folder, nor by `check`, which reads the cache only."""
        self._read_only = read_only
        self._restored: str | None = None
        """The folder_id of the output restore_output made."""
        self._snapshot: Snapshot | None = None

    def scan(self, root: Path, config: SiteConfig, key: str) -> tuple[str, Sequence[FoundSource]]:
        # Read-only, the files are hashed afresh: the cache's file digests are kept by builds.
        trusted = self.reuse and not self._read_only
        return input_stamp(root, config, key, self.state.folder if trusted else None)

    def last_build(self, stamp: str, now: datetime, output: Path) -> LastBuild | None:
        meta = self.state.meta() if self.reuse else {}
        if stamp in ("racy", "unreadable") or meta.get("stamp") != stamp:
            return None
        if not output.is_dir() or meta.get("output_id") != folder_id(output):
            return None
        if not clock_holds(meta, now):
            return None
        warnings = tuple((str(p), line, str(m)) for p, line, m in json.loads(meta["warnings"]))
        return LastBuild(int(meta.get("outputs", 0)), warnings)

    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            self._snapshot = self.state.load() if self.reuse else empty_snapshot()
        return self._snapshot

    def stored(self, root: Path, settings: tuple[Any, ...]) -> Stored | None:
        return Stored(self.state, root, settings)

    def related(self, keys: Mapping[str, str]) -> CachedRelated:
        return CachedRelated(self.state if self.reuse else None, keys)

    def templates(self) -> jinja2.BytecodeCache | None:
        return KeptTemplates(self.state, reuse=self.reuse)

    def restore_output(
        self, output: Path, whole: Iterable[str], reporter: Reporter, root: Path
    ) -> int:
        # Restored whenever there is a copy, even by a build that keeps none: it is checked.
        if self._read_only or not self.reuse or os.path.lexists(output):
            return 0
        save = self.snapshot().meta.get("mirror", "")
        try:
            restored = self._mirror.restore(output, save, whole)
        except OSError as exc:
            self._mirror_trouble(exc, "read", reporter, root)
            return 0
        if restored:
            self._restored = folder_id(output)
        return restored

    def fingerprints(self, output: Path) -> Mapping[str, str]:
        # Fingerprints describe one output folder: if a build was killed between swapping its
        # output in and saving the cache, the folder is not the one the cache knows. Rebuild.
        snapshot = self.snapshot()
        if not output.is_dir():
            return {}
        here = folder_id(output)
        trusted = here in (snapshot.meta.get("output_id"), self._restored)
        return snapshot.outputs if trusted else {}

    def edited_pages(
        self, planner: SitePlanner, sources: Mapping[str, CachedSource],
        changed: Collection[str], frame: str, now: datetime, pages: Collection[str],
    ) -> list[RenderJob] | None:  # fmt: skip
        if not pages:
            return None
        before = self.snapshot()
        return touched_jobs(
            planner, sources, changed, before.sources, before.meta, frame, now, pages,
            self.state.showing,
        )  # fmt: skip

    def shown_by(self, digests: Digests) -> ShownArticles | None:
        return ShownArticles(digests)

    def save(self, saved: Saved, reporter: Reporter, root: Path) -> None:
        before = self.snapshot().outputs
        new = {p: f for p, f in saved.fingerprints.items() if before.get(p) != f}
        dropped = set(before) - set(saved.fingerprints)
        # Each save has a name of its own (a folder's inode, output_id, comes back): the
        # mirror is of this save only once its update, after it, says so.
        save = uuid.uuid4().hex if self._keeps_mirror else ""
        try:
            self._mirror.invalidate()
            self.state.save(
                saved.meta() | {"mirror": save}, saved.changed_sources, saved.sources, new,
                dropped, saved.related, saved.fingerprints, saved.shown,
            )  # fmt: skip
        except OSError as exc:
            # The output is in place; the cache left as it was no longer describes it, and the
            # next build, finding another output folder, rebuilds everything.
            self._cannot_save(exc, reporter, root)
            return
        if self._keeps_mirror:
            try:
                self._mirror.update(saved.output, save)
            except OSError as exc:
                self._mirror_trouble(exc, "saved", reporter, root)

    def _mirror_trouble(self, exc: OSError, done: str, reporter: Reporter, root: Path) -> None:
        reporter.warn(
            display_path(self._mirror.folder, root), None,
            f"the build cache's copy of the output could not be {done} ({exc.strerror or exc}); "
            "a build that finds no output folder renders every page",
        )  # fmt: skip

    def _cannot_save(self, exc: OSError, reporter: Reporter, root: Path) -> None:
        reporter.warn(
            display_path(self.state.path, root), None,
            f"the build cache could not be saved ({exc.strerror or exc}); the next build "
            "will rebuild everything",
        )  # fmt: skip


def folder_id(folder: Path) -> str:
    """Which folder this is, whatever its name: the cache's fingerprints describe one."""
    stat = folder.stat()
    return f"{stat.st_dev}:{stat.st_ino}"


def valid_until(site: Site, config: SiteConfig, now: datetime) -> datetime:
    """When the clock alone changes the output: an embargo lifts, a story leaves the news
    sitemap, or the year in the footer turns; at once when no story is listed, since the
    feeds then say they were updated at the build's time."""
    if not any(listed(a, site) for a in site.articles):
        return now
    local = now.astimezone(config.tz)
    moments = [datetime(local.year + 1, 1, 1, tzinfo=config.tz)]
    if site.next_release is not None:
        moments.append(site.next_release)
    window = timedelta(hours=config.sitemap.news_hours)
    for article in site.articles:
        if article.date > now:
            moments.append(article.date)
        elif article.date + window > now:
            moments.append(article.date + window)
        else:
            break  # newest first: everything older is past both thresholds
    return min(moments)
