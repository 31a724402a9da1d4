"""The pipeline, top to bottom: load -> model -> plan -> render -> write. The only module that
calls the stages (sitegen/pipeline/) in turn; `sitegen check` runs the same stages with no
cache and writes nothing.

The build cache (incremental/cache.py) and search (search/site_search.py) are asked through
small interfaces: with a cache, each stage reuses what is still valid, and a page whose
fingerprint did not change is carried over from the previous output instead of rendered."""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sitegen import __version__
from sitegen.errors import Reporter
from sitegen.incremental.cache import BuildCache, LastBuild, NullCache, Saved, SiteCache, folder_id
from sitegen.incremental.state import DATABASE, BuildState
from sitegen.load.config import load_config, require_site
from sitegen.model.site import BuildOptions
from sitegen.output.build_lock import BuildLock
from sitegen.output.leftovers import remove_leftovers
from sitegen.output.write import Stage, check_output_folder
from sitegen.pipeline.clock import Clock, Progress
from sitegen.pipeline.pages import plan_everything, plan_pages
from sitegen.pipeline.prepare import Inputs, Plan, prepare_plan
from sitegen.pipeline.process import BuildProcess
from sitegen.pipeline.rendering import PageWriter, Written, render_all
from sitegen.search.indexer import SEARCH_FOLDER
from sitegen.search.site_search import Searched, SearchSettings, SiteSearch

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _collector_paused(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run `func` with Python's cycle collector off. A build allocates its model and plan
    (millions of objects that live to the end) in one go, and the collector would walk them all
    again each time the heap grew by a quarter: a third of an incremental build at 10,000
    articles. Peak memory stays the same (little of what a build throws away is cyclic); the
    collector's next run after the build picks that up."""

    @functools.wraps(func)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if not gc.isenabled():
            return func(*args, **kwargs)
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            gc.enable()

    return paused


@dataclass(frozen=True)
class BuildRequest:
    root: Path
    output: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    options: BuildOptions = field(default_factory=BuildOptions)
    jobs: int = 0
    """Worker processes for Markdown; 0 means one per core."""
    cache_dir: Path | None = None
    """Where the build cache lives; None builds without one."""
    clean: bool = False
    """Ignore the cache (it is still refreshed for the next build)."""
    refresh_search: bool = True
    """Re-index search when pages changed; the preview server keeps its first index instead,
    since indexing a large site takes longer than a writer wants to wait for a reload."""
    publishing: bool = False
    """A build for the web (`sitegen build` and `check`): a base_url on this machine is an
    error unless the command line gave it (publishing.py). The preview server's builds and
    tests' are local by design."""
    process: BuildProcess | None = None
    """The process the build runs in, as its owner set it up (pipeline/process.py); None: a
    throwaway one, closed when the build ends."""
    keeps_output_copy: bool = False
    """Keep a copy of the output in the cache (incremental/mirror.py), for the next build to
    start from when it finds no output folder: a CI run with the cache restored. It costs an
    edit 0.2-0.3 s at 10,000 stories, so the command line keeps it where CI is set (as CI
    services set it), not on a writer's machine, whose output stays."""


@dataclass(frozen=True)
class BuildResult:
    pages: int
    unchanged: int
    files: int
    bytes_written: int
    seconds: float
    output: Path
    timings: tuple[tuple[str, float], ...]
    planned: int = 0
    """Pages planned: all of them, or only those an edit can have changed (edit_plan.py)."""
    drafts: tuple[str, ...] | None = None
    """Source paths of the drafts left out; None when the build found nothing changed since
    the last one and read no story (that build's summary counted them)."""
    scheduled: tuple[tuple[str, datetime], ...] | None = None
    """Source path and date of each scheduled story left out; None as for `drafts`."""


def build(
    request: BuildRequest, reporter: Reporter, progress: Progress | None = None
) -> BuildResult:
    process = request.process or BuildProcess()
    try:
        # One build at a time per output folder and per cache (build_lock.py).
        with BuildLock(request.root, _output(request), request.cache_dir):
            return _build(request, process, reporter, Clock(progress))
    finally:
        if request.process is None:
            process.close()


@_collector_paused
def _build(
    request: BuildRequest, process: BuildProcess, reporter: Reporter, clock: Clock
) -> BuildResult:
    inputs = _inputs(request)
    cache = _open_cache(request, process, reporter)
    stamp, found = cache.scan(inputs.root, inputs.config, _request_key(request, inputs))
    clock.lap("scan")
    now = inputs.now
    last = cache.last_build(stamp, now, inputs.output)
    if last is not None:
        return _unchanged(last, inputs, reporter, clock)
    # A CI run: the cache restored, no output. The search index is restored whole or not at all.
    if cache.restore_output(inputs.output, [SEARCH_FOLDER], reporter, request.root):
        clock.lap("restore")
    # Entered before planning: a child process lists the spare it recycles meanwhile.
    with Stage(inputs.output, reuse_spare=not request.clean) as stage, ExitStack() as cleanup:
        search = SiteSearch(_search_settings(request), cache.snapshot().sources, cleanup)
        plan = prepare_plan(inputs, reporter, clock, cache, found, search)
        previous = cache.fingerprints(inputs.output)
        shares = _shares_render(plan, cache, previous, search)
        if not shares:  # search first: it indexes on other threads while pages are planned
            search.start(stage, _searched(plan))
            clock.lap("search")
        plan, kept = plan_pages(plan, reporter, clock, cache, previous, stage, now)
        pages = PageWriter(plan, kept, stage, previous, cache.shown_by(plan.planner.digests))
        cleanup.callback(pages.stop)
        if shares:  # the children first: a fork beside search's running threads is unsafe
            pages.fork(request.jobs or os.cpu_count() or 1)
            clock.lap("render")
            search.start(stage, _searched(plan))
            clock.lap("search")
        written = pages.finish(clock)
        search.finish(stage)
        clock.lap("search")
        output_id = folder_id(stage.path)
        stage.commit()
        clock.lap("write")
    process.leave_for_exit(plan, cache, written, stage)
    saved = _saved(plan, written, stamp, now, output_id, reporter, len(kept))
    cache.save(saved, reporter, request.root)
    clock.lap("cache")
    return _result(plan, written, stage, clock, len(kept))


@_collector_paused
def check(request: BuildRequest, reporter: Reporter) -> int:
    """Every validation of a build, rendering included, without writing anything; how many
    pages it checked. With a cache (request.cache_dir), unchanged sources are not converted
    or checked again, and a page is not rendered again when its fingerprint is one the last
    successful build rendered: it rendered then, from the same inputs. The cache is read,
    never saved; its trouble is not this command's to report."""
    inputs = _inputs(request)
    process = request.process or BuildProcess()
    try:
        cache = (
            _open_cache(request, process, None, read_only=True)
            if _has_cache(request)
            else NullCache()
        )
        clock = Clock()
        _, found = cache.scan(inputs.root, inputs.config, _request_key(request, inputs))
        with ExitStack() as cleanup:
            search = SiteSearch(_search_settings(replace(request, cache_dir=None)), {}, cleanup)
            plan = prepare_plan(inputs, reporter, clock, cache, found, search)
        plan = plan_everything(plan, reporter, clock, cache.snapshot())
        rendered = cache.snapshot().outputs
        todo = [j for j in plan.jobs if rendered.get(j.path) != j.fingerprint(plan.global_digest)]
        for _ in render_all(replace(plan, jobs=tuple(todo))):
            pass
        return len(plan.jobs)
    finally:
        if request.process is None:
            process.close()


def _has_cache(request: BuildRequest) -> bool:
    """A cache a build saved is there to use (check makes none)."""
    return request.cache_dir is not None and (request.cache_dir / DATABASE).is_file()


def _output(request: BuildRequest) -> Path:
    return request.output or request.root / "output"


def _inputs(request: BuildRequest) -> Inputs:
    """The site's settings, checked, and where the build writes."""
    require_site(request.root)
    config = load_config(request.root, request.overrides)
    output = _output(request)
    check_output_folder(output, request.root)
    now = request.options.now or datetime.now(config.tz)
    return Inputs(
        root=request.root, output=output, config=config,
        options=replace(request.options, now=now),
        jobs=request.jobs, publishing=request.publishing,
        base_url_given="base_url" in request.overrides,
    )  # fmt: skip


def _open_cache(
    request: BuildRequest,
    process: BuildProcess,
    reporter: Reporter | None,
    *,
    read_only: bool = False,
) -> BuildCache:
    """The build's cache; `read_only` (`check`): read, never written, its trouble unsaid."""
    if request.cache_dir is None:
        return NullCache()
    state = BuildState(
        request.cache_dir, memory=process.cache_memory, remember=process.remembers,
        fresh=request.clean, reporter=reporter, root=request.root, read_only=read_only,
    )  # fmt: skip
    return SiteCache(
        state,
        reuse=not request.clean,
        mirror=request.keeps_output_copy and not process.remembers,
        read_only=read_only,
    )


def _request_key(request: BuildRequest, inputs: Inputs) -> str:
    """What the output depends on besides the files the cache's scan stamps."""
    return repr((__version__, inputs.config, request.overrides, request.options.drafts,
                 request.options.future, str(inputs.output.resolve())))  # fmt: skip


def _unchanged(last: LastBuild, inputs: Inputs, reporter: Reporter, clock: Clock) -> BuildResult:
    """Nothing is read again, but its problems are still there: say them again (--strict).
    What a killed build left beside the output goes, as any build's stage would remove it."""
    remove_leftovers(inputs.output)
    for path, line, message in last.warnings:
        reporter.warn(path, line, message)
    count = last.outputs
    return BuildResult(
        count, count, 0, 0, clock.elapsed(), inputs.output, tuple(clock.timings), count
    )


def _search_settings(request: BuildRequest) -> SearchSettings:
    return SearchSettings(
        _output(request), request.cache_dir, request.clean, request.refresh_search, request.jobs
    )


def _shares_render(
    plan: Plan, cache: BuildCache, previous: Mapping[str, str], search: SiteSearch
) -> bool:
    """Whether the pages are worth sharing out to other processes (pipeline/render_workers.py):
    when every page renders again (a template, a setting, the site's shape changed: the frame
    moved) and search has little to do meanwhile. A cold build re-indexes every story, and on
    two cores Pagefind then needs the second core more than rendering does; an edit renders
    a few pages, and search should start before they are planned."""
    renders_all = cache.snapshot().meta.get("frame") != plan.frame
    return renders_all and (bool(previous) or not search.indexes(plan.config))


def _searched(plan: Plan) -> Searched:
    planner = plan.planner
    return Searched(plan.config, planner.searchable(), planner.search_record, plan.search_salt)


def _saved(
    plan: Plan,
    written: Written,
    stamp: str,
    now: datetime,
    output_id: str,
    reporter: Reporter,
    kept: int,
) -> Saved:
    return Saved(
        stamp=stamp, now=now, output=plan.output, site=plan.site, config=plan.config,
        output_id=output_id, frame=plan.frame, sources=plan.sources,
        changed_sources=plan.changed_sources, related=plan.related,
        fingerprints=written.fingerprints, shown=written.shown, pages=len(plan.jobs) + kept,
        warnings=tuple(reporter.warnings),
    )  # fmt: skip


def _result(plan: Plan, written: Written, stage: Stage, clock: Clock, kept: int) -> BuildResult:
    return BuildResult(
        pages=len(plan.jobs) + kept,
        unchanged=len(written.carried),
        files=stage.files_written,
        bytes_written=stage.bytes_written,
        seconds=clock.elapsed(),
        output=plan.output,
        timings=tuple(clock.timings),
        planned=len(plan.jobs),
        drafts=plan.site.drafts,
        scheduled=plan.site.scheduled,
    )
