"""The pipeline, top to bottom: load -> model -> plan -> render -> write. The only module that
calls the stages in turn; `sitegen check` runs the same stages and skips the write.

With a cache (state.py, read through reuse.py), each stage reuses what is still valid:
unchanged sources are not parsed, unchanged Markdown not converted (nor its HTML even loaded
unless a page shows it), unchanged front matter not checked again, unchanged related lists not
recomputed, and a page whose fingerprint did not change is not rendered but carried over from
the previous output."""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import jinja2

from sitegen import __version__
from sitegen.errors import BuildError, Reporter, SitegenError
from sitegen.incremental.edit_plan import digest_owners, frame_digest, shows, touched_jobs
from sitegen.incremental.reuse import (
    CachedRelated,
    KeptTemplates,
    Stored,
    read_sources,
    with_drafts,
)
from sitegen.incremental.stamps import input_stamp, static_fingerprint
from sitegen.incremental.state import (
    BuildState,
    CachedSource,
    Snapshot,
    clock_holds,
    empty_snapshot,
)
from sitegen.load.assets import collect_static, static_info, unreadable_in
from sitegen.load.config import CONFIG_NAME, SiteConfig, config_digest, load_config, require_site
from sitegen.load.markup import Converter, Markup
from sitegen.load.publishing import base_url_errors
from sitegen.load.sources import FoundSource, display_path, scan_sources
from sitegen.model.entities import Site
from sitegen.model.links import check_body_links
from sitegen.model.site import BuildOptions, build_site
from sitegen.model.urls import Urls
from sitegen.output.build_lock import BuildLock
from sitegen.output.halves import die_with_parent
from sitegen.output.write import Stage, check_output_folder
from sitegen.render.digests import global_digest
from sitegen.render.feeds import listed
from sitegen.render.jobs import RenderJob
from sitegen.render.plan import SitePlanner, find_path_clashes
from sitegen.render.templates import (
    asset_hashes,
    make_environment,
    render_template,
    theme_dirs,
    theme_static_dirs,
)
from sitegen.search.early import EarlyIndex, early_index
from sitegen.search.indexer import SEARCH_FOLDER, SHARD_LIST, SearchIndexer, reserved_errors
from sitegen.search.records import RECORDS_FOLDER

PARALLEL_THRESHOLD = 300
"""Below this many Markdown conversions, starting worker processes costs more than it saves."""
MAX_TEMPLATE_ERRORS = 20
Progress = Callable[[str, int, int], None]
_LEFT_FOR_EXIT: list[object] = []
"""The last exiting build's model and plan (BuildRequest.exiting)."""
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
    remember: bool = False
    """Keep the cache this build saves in memory for the next build in this process (the
    preview server's), instead of reading it back."""
    publishing: bool = False
    """A build for the web (`sitegen build` and `check`): a base_url on this machine is an
    error unless the command line gave it (publishing.py). The preview server's builds and
    tests' are local by design."""
    exiting: bool = False
    """The process ends right after this build (the command line): its model and plan are left
    for the exit to drop instead of being freed object by object (0.15 s at 10,000 articles)."""


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


@dataclass(frozen=True)
class Plan:
    """Everything decided before rendering: the validated site as a list of jobs."""

    config: SiteConfig
    output: Path
    site: Site
    jobs: tuple[RenderJob, ...]
    static: dict[str, Path]
    """Output path -> source file for static files."""
    env: jinja2.Environment
    global_digest: str
    sources: dict[str, CachedSource]
    changed_sources: dict[str, CachedSource]
    related: tuple[str, Mapping[str, tuple[str, ...]]] | None
    frame: str = ""
    """What the site's shape depends on besides its sources (edit_plan.frame_digest)."""


class _Clock:
    def __init__(self, progress: Progress | None) -> None:
        self.started = self.last = time.perf_counter()
        self.timings: list[tuple[str, float]] = []
        self.progress = progress

    def lap(self, stage: str) -> None:
        """Time since the last lap, added to `stage` (a stage may come back: render does)."""
        now = time.perf_counter()
        for i, (name, seconds) in enumerate(self.timings):
            if name == stage:
                self.timings[i] = (name, seconds + now - self.last)
                break
        else:
            self.timings.append((stage, now - self.last))
        self.last = now

    def tick(self, stage: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(stage, done, total)


def build(
    request: BuildRequest, reporter: Reporter, progress: Progress | None = None
) -> BuildResult:
    # One build at a time per output folder and per cache (build_lock.py).
    with BuildLock(request.root, request.output or request.root / "output", request.cache_dir):
        return _build(request, reporter, progress)


@_collector_paused
def _build(
    request: BuildRequest, reporter: Reporter, progress: Progress | None = None
) -> BuildResult:
    clock = _Clock(progress)
    state = BuildState(
        request.cache_dir, remember=request.remember, fresh=request.clean, reporter=reporter,
        root=request.root,
    ) if request.cache_dir else None  # fmt: skip
    use_cache = state is not None and not request.clean
    require_site(request.root)
    config = load_config(request.root, request.overrides)
    output = request.output or request.root / "output"
    check_output_folder(output, request.root)
    now = request.options.now or datetime.now(config.tz)
    stamp, found = _input_stamp(request, config, output)
    meta = state.meta() if state and use_cache else {}
    clock.lap("scan")
    if _nothing_changed(meta, stamp, now, output):
        # Nothing is read again, but its problems are still there: say them again (--strict).
        for path, line, message in json.loads(meta.get("warnings", "[]")):
            reporter.warn(path, line, message)
        count = int(meta.get("outputs", 0))
        seconds = time.perf_counter() - clock.started
        return BuildResult(count, count, 0, 0, seconds, output, tuple(clock.timings), count)
    # Entered before planning: a child process lists the spare it recycles meanwhile.
    with Stage(output, reuse_spare=not request.clean) as stage, ExitStack() as cleanup:
        snapshot = state.load() if state and use_cache else empty_snapshot()

        options = replace(request.options, now=now)
        early = _EarlySearch(request, output, snapshot, cleanup)
        plan, rest = prepare_plan(
            replace(request, options=options), reporter, clock, snapshot, state, config, found,
            early,
        )  # fmt: skip
        # Fingerprints describe one output folder: if a build was killed between swapping its
        # output in and saving the cache, the folder is not the one the cache knows. Rebuild.
        trusted = output.is_dir() and snapshot.meta.get("output_id") == _folder_id(output)
        previous = snapshot.outputs if trusted else {}
        fingerprints: dict[str, str] = {}
        shown: dict[str, str] = {}
        owners: dict[str, str] | None = None
        unchanged = 0
        carried: list[str] = []
        # Search starts before the pages are planned: Pagefind indexes the records of the shards
        # that changed while this thread plans and renders.
        indexer = cleanup.enter_context(
            _search_indexer(stage, output, plan, request, rest, early.index)
        )
        clock.lap("search")
        renderer = _Renderer(plan)

        def stage_job(job: RenderJob) -> None:
            nonlocal unchanged, owners
            fingerprint = job.fingerprint(plan.global_digest)
            fingerprints[job.path] = fingerprint
            if previous.get(job.path) == fingerprint and stage.previous_has(job.path):
                carried.append(job.path)
                unchanged += 1
                return
            if previous.get(job.path) != fingerprint:
                if owners is None:
                    owners = digest_owners(rest.planner.digests)
                shown[job.path] = shows(job, owners)
            data = renderer.render(job)
            if data is not None and not renderer.errors:
                stage.write_unless_same(job.path, data, output / job.path)

        plan, kept = _plan_pages(plan, rest, reporter, clock, snapshot, previous, state, stage, now)
        for path in kept:
            fingerprints[path] = previous[path]
        carried += kept
        unchanged += len(kept)
        total = len(plan.jobs)
        for done, job in enumerate(plan.jobs, start=1):
            if renderer.full:
                break
            stage_job(job)
            if done % 200 == 0:
                clock.tick("render", done, total)
        renderer.raise_errors()
        stage.carry(carried)
        clock.lap("render")
        for rel, source in sorted(plan.static.items()):
            fingerprint = static_fingerprint(source)  # stamps.py: not size and time alone
            fingerprints[rel] = fingerprint
            shown[rel] = ""  # a copy: it shows no article
            old = output / rel
            if previous.get(rel) == fingerprint and old.is_file():
                stage.link_or_copy(rel, old)
            else:
                stage.copy(rel, source)
        if indexer is not None:
            indexer.finish()
            clock.lap("search")
        elif plan.config.search.enabled:
            _keep_search_index(stage)
            clock.lap("search")
        staged_id = _folder_id(stage.path)
        stage.commit()
        clock.lap("write")
    if request.exiting:
        _LEFT_FOR_EXIT[:] = [plan, snapshot, fingerprints, stage]
    if state is not None:
        meta = {
            "stamp": stamp,
            "built_at": now.isoformat(),
            "valid_until": _valid_until(plan.site, plan.config, now).isoformat(),
            "outputs": str(len(plan.jobs) + len(kept)),
            "output_id": staged_id,
            "frame": plan.frame,
            "warnings": json.dumps([[w.path, w.line, w.message] for w in reporter.warnings]),
        }
        new = {p: f for p, f in fingerprints.items() if snapshot.outputs.get(p) != f}
        dropped = set(snapshot.outputs) - set(fingerprints)
        try:
            state.save(
                meta, plan.changed_sources, plan.sources, new, dropped, plan.related,
                fingerprints, shown,
            )  # fmt: skip
        except OSError as exc:
            # The output is in place; the cache left as it was no longer describes it, and the
            # next build, finding another output folder, rebuilds everything.
            reporter.warn(
                display_path(state.path, request.root), None,
                f"the build cache could not be saved ({exc.strerror or exc}); the next build "
                "will rebuild everything",
            )  # fmt: skip
        clock.lap("cache")
    return BuildResult(
        pages=len(plan.jobs) + len(kept),
        unchanged=unchanged,
        files=stage.files_written,
        bytes_written=stage.bytes_written,
        seconds=time.perf_counter() - clock.started,
        output=plan.output,
        timings=tuple(clock.timings),
        planned=len(plan.jobs),
    )


@_collector_paused
def check(request: BuildRequest, reporter: Reporter) -> int:
    """Every validation of a build, rendering included, without writing anything."""
    require_site(request.root)
    config = load_config(request.root, request.overrides)
    check_output_folder(request.output or request.root / "output", request.root)
    clock = _Clock(None)
    plan, rest = prepare_plan(request, reporter, clock, empty_snapshot(), None, config)
    return sum(1 for _ in render_all(finish_plan(plan, rest, reporter, clock)))


@dataclass(frozen=True)
class _Rest:
    """What prepare_plan leaves for finish_plan."""

    planner: SitePlanner
    urls: Urls
    root: Path
    search_salt: str
    """Everything but the stories that the search index depends on (search_record.py)."""


def prepare_plan(
    request: BuildRequest,
    reporter: Reporter,
    clock: _Clock,
    snapshot: Snapshot,
    state: BuildState | None,
    config: SiteConfig,
    found: Sequence[FoundSource] | None = None,
    after_read: Callable[[SiteConfig, dict[str, CachedSource], set[str], str], None] | None = None,
) -> tuple[Plan, _Rest]:
    """The site's model, its environment and a planner; no page is planned yet (plan.jobs is
    empty): finish_plan plans them with `rest.planner`, after search has started on it.
    `found`: the content files as _input_stamp saw them (walked again when None); `after_read`
    is told the sources, those changed and the settings' key before the model is built."""
    root = request.root
    if config.search.enabled and not any(
        (d / "search.html").is_file() for d in theme_dirs(root, config.theme)
    ):
        reporter.warn(
            CONFIG_NAME, None,
            f"search is on but theme {config.theme!r} has no search.html; building without "
            "search (copy themes/default/templates/search.html, or set [search] enabled = false)",
        )  # fmt: skip
        config = replace(config, search=replace(config.search, enabled=False))
    output = request.output or root / "output"
    settings = (config.raw_html, config.embed_hosts, config.related.inline_after)
    markup_key = hashlib.sha256(repr((__version__, settings)).encode()).hexdigest()[:16]
    stored = Stored(state, root, settings) if state is not None else None
    if found is None:
        found = scan_sources(root / "content")
    sources, errors = read_sources(root, snapshot, found, stored)
    if request.publishing:
        errors[:0] = base_url_errors(config, root, "base_url" in request.overrides)
    static_dirs = [*reversed(theme_static_dirs(root, config.theme)), root / "static"]
    static_files, static_errors = collect_static(static_dirs, root)
    errors += static_errors + reserved_errors(config, static_files, root)  # search.py
    errors += unreadable_in(theme_dirs(root, config.theme), root)
    clock.lap("read")

    sources = convert_all(sources, settings, markup_key, request.jobs)
    # What the checked front matter and the search records depend on besides the sources.
    settings_key = f"{config_digest(config)}:{markup_key}"
    sources = with_drafts(sources, config, settings_key)
    # Rows taken from the cache as they were are the very same objects; anything else is new.
    changed = {rel: c for rel, c in sources.items() if snapshot.sources.get(rel) is not c}
    clock.lap("markdown")
    if after_read is not None and not errors:
        after_read(config, sources, set(changed), settings_key)
        clock.lap("search")

    infos = {site_path: static_info(path) for site_path, path in static_files.items()}
    relate = CachedRelated(
        state if not request.clean else None,
        {rel: c.draft[2] for rel, c in sources.items() if c.draft is not None},
    )
    site, model_errors = build_site(
        [c.source for c in sources.values()],
        {rel: c.markup for rel, c in sources.items() if c.markup is not None},
        config,
        request.options,
        infos,
        reporter,
        relate,
        {rel: c.draft[1] for rel, c in sources.items() if c.draft is not None},
    )
    errors += model_errors
    if errors or site is None:
        raise BuildError(errors)
    clock.lap("model")

    urls = Urls(config.permalinks, config.base_url)
    assets = asset_hashes(theme_static_dirs(root, config.theme), root / "static")
    digests = {rel: c.digest for rel, c in sources.items()}
    planner = SitePlanner(site, config, urls, digests, assets)
    static = {urls.output_path(urls.base_path + p): f for p, f in static_files.items()}
    template_dirs = theme_dirs(root, config.theme)
    compiled = KeptTemplates(state, reuse=not request.clean) if state is not None else None
    env = make_environment(template_dirs, urls, assets, compiled)
    digest = global_digest(
        __version__, config_digest(config), _tree_digest(template_dirs), sorted(assets.items()),
        planner.info, site.build_time.year,
    )  # fmt: skip
    clock.lap("plan")
    frame = frame_digest(digest, infos, request.options)
    plan = Plan(
        config, output, site, (), static, env, digest, sources, changed, relate.saved, frame
    )
    return plan, _Rest(planner, urls, root, settings_key)


def _plan_pages(
    plan: Plan,
    rest: _Rest,
    reporter: Reporter,
    clock: _Clock,
    snapshot: Snapshot,
    previous: Mapping[str, str],
    state: BuildState | None,
    stage: Stage,
    now: datetime,
) -> tuple[Plan, list[str]]:
    """`plan` with its jobs: every page, or after an edit that moved nothing only the pages
    it can have changed (edit_plan.py), with the last build's other pages (of `previous`, its
    fingerprints) to carry over."""
    pages = [p for p in previous if p not in plan.static]
    if state is not None and pages:
        jobs = touched_jobs(
            rest.planner, plan.sources, plan.changed_sources, snapshot.sources, snapshot.meta,
            plan.frame, now, pages, state.showing,
        )  # fmt: skip
        if jobs is not None:
            paths = {job.path for job in jobs}
            kept = [p for p in pages if p not in paths]
            # A page the live output has lost is planned again, with all the others.
            if all(stage.previous_has(p) for p in kept):
                plan = replace(plan, jobs=tuple(jobs))
                _check_links(plan, rest, reporter, pages)
                clock.lap("plan")
                return plan, kept
    return finish_plan(plan, rest, reporter, clock), []


def finish_plan(
    plan: Plan,
    rest: _Rest,
    reporter: Reporter,
    clock: _Clock,
) -> Plan:
    """`plan` with every output, and the checks that need them all: two outputs at one path,
    links in articles to pages that do not exist."""
    jobs = rest.planner.everything()
    clashes = find_path_clashes(jobs)
    planned = {j.path for j in jobs}
    clashes += [
        SitegenError(
            display_path(f, rest.root),
            None,
            f"has the same output path ({p}) as a generated page; rename the file",
        )
        for p, f in plan.static.items()
        if p in planned
    ]
    if clashes:
        raise BuildError(clashes)
    _check_links(plan, rest, reporter, planned)
    clock.lap("plan")
    return replace(plan, jobs=tuple(jobs))


def _check_links(plan: Plan, rest: _Rest, reporter: Reporter, pages: Iterable[str]) -> None:
    """Warn about links in published bodies to `pages` and static files that do not exist."""
    site, sources = plan.site, plan.sources
    published = {*(a.source for a in site.articles), *(p.source for p in site.pages)}
    check_body_links(
        {rel: c.markup for rel, c in sources.items() if rel in published and c.markup},
        rest.urls,
        {*pages, *plan.static},
        {c.source.rel: c.source for c in sources.values()},
        reporter,
    )


def render_all(plan: Plan) -> Iterator[tuple[str, bytes]]:
    """Rendered outputs in plan order; template errors are collected and raised together."""
    renderer = _Renderer(plan)
    for job in plan.jobs:
        data = renderer.render(job)
        if data is None:
            if renderer.full:
                break
            continue
        if not renderer.errors:
            yield job.path, data
    renderer.raise_errors()


class _Renderer:
    """Renders jobs, collecting template errors: each reported once, at most
    MAX_TEMPLATE_ERRORS, so one broken template does not print a line per page."""

    def __init__(self, plan: Plan) -> None:
        self.env = plan.env
        self.errors: list[SitegenError] = []
        self._seen: set[str] = set()

    def render(self, job: RenderJob) -> bytes | None:
        """The page's bytes, or None when its template failed (the error is recorded)."""
        try:
            return render_template(self.env, job.template, job.context).encode("utf-8")
        except SitegenError as exc:
            if str(exc) not in self._seen:
                self._seen.add(str(exc))
                self.errors.append(exc)
            return None

    @property
    def full(self) -> bool:
        return len(self.errors) >= MAX_TEMPLATE_ERRORS

    def raise_errors(self) -> None:
        if self.errors:
            raise BuildError(self.errors)


def convert_all(
    sources: dict[str, CachedSource], settings: tuple[Any, ...], key: str, jobs: int
) -> dict[str, CachedSource]:
    """Markdown for every source whose cached HTML is missing or was made with other settings;
    across worker processes when there is enough of it."""
    todo = [
        (rel, c.source.body)
        for rel, c in sources.items()
        if c.markup is None or c.markup_key != key
    ]
    if not todo:
        return sources
    workers = jobs or os.cpu_count() or 1
    if workers == 1 or len(todo) < PARALLEL_THRESHOLD:
        converter = Converter(*settings)
        results: Iterator[Markup] = (converter.convert(body, rel) for rel, body in todo)
        done = dict(zip((rel for rel, _ in todo), results, strict=True))
    else:
        chunk = max(1, len(todo) // (workers * 8))
        from concurrent.futures import ProcessPoolExecutor  # only a cold build needs one

        with ProcessPoolExecutor(
            max_workers=workers, initializer=_init_worker, initargs=settings
        ) as pool:
            done = dict(
                zip(
                    (rel for rel, _ in todo),
                    pool.map(_convert_in_worker, todo, chunksize=chunk),
                    strict=True,
                )
            )
    return {
        rel: replace(c, markup_key=key, markup=done[rel]) if rel in done else c
        for rel, c in sources.items()
    }


_worker: dict[str, Converter] = {}
"""The converter of a worker process (each process builds its own once)."""


def _init_worker(raw_html: Any, embed_hosts: tuple[str, ...], inline_after: int) -> None:
    # Ctrl-C is the main process's to handle; workers just stop when it shuts the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    _worker["converter"] = Converter(raw_html, embed_hosts, inline_after)


def _convert_in_worker(item: tuple[str, str]) -> Markup:
    rel, body = item
    return _worker["converter"].convert(body, rel)


def _search_indexer(
    stage: Stage,
    output: Path,
    plan: Plan,
    request: BuildRequest,
    rest: _Rest,
    early: EarlyIndex | None,
) -> AbstractContextManager[SearchIndexer | None]:
    """Indexes the search shards whose stories changed (search.py), or None when this build
    indexes nothing (_indexes_search)."""
    if not _indexes_search(plan.config, request, output):
        return nullcontext(None)
    return SearchIndexer(
        stage,
        not request.clean,
        rest.planner.searchable(),
        rest.planner.search_record,
        plan.config,
        salt=rest.search_salt,
        workers=request.jobs or os.cpu_count() or 1,
        records=request.cache_dir / RECORDS_FOLDER if request.cache_dir else None,
        early=early,
    )


def _indexes_search(config: SiteConfig, request: BuildRequest, output: Path) -> bool:
    """Whether the build indexes search: not when search is off, nor when the preview server
    keeps the index of its first build (refresh_search)."""
    kept = output / SEARCH_FOLDER / SHARD_LIST
    keeps = not request.refresh_search and not request.clean and kept.is_file()
    return config.search.enabled and not keeps


class _EarlySearch:
    """prepare_plan's `after_read` for a build: when the edit is to stories' bodies, starts
    indexing their shard before the model is built (search_early.py), for the build's
    SearchIndexer to take if it guessed right."""

    def __init__(
        self, request: BuildRequest, output: Path, snapshot: Snapshot, cleanup: ExitStack
    ) -> None:
        self.request, self.output, self.snapshot, self.cleanup = (
            request, output, snapshot, cleanup,
        )  # fmt: skip
        self.index: EarlyIndex | None = None

    def __call__(
        self, config: SiteConfig, sources: dict[str, CachedSource], changed: set[str], key: str
    ) -> None:
        request = self.request
        if request.cache_dir is None or request.clean:
            return  # no kept records to guess from
        if not _indexes_search(config, request, self.output):
            return
        home = request.cache_dir / RECORDS_FOLDER
        threads = request.jobs or None
        before = self.snapshot.sources
        guess = early_index(config, sources, changed, before, key, home, self.output, threads)
        if guess is not None:
            self.index = self.cleanup.enter_context(guess)


def _keep_search_index(stage: Stage) -> None:
    """The previous output's search index, as it is (the preview server's later builds)."""
    stage.carry(stage.previous_files(SEARCH_FOLDER))


def _tree_digest(folders: Sequence[Path]) -> str:
    """Content hash of every template: any template change re-renders every page."""
    digest = hashlib.sha256()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(folder).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _input_stamp(
    request: BuildRequest, config: SiteConfig, output: Path
) -> tuple[str, list[FoundSource]]:
    """Digests of every input file plus the request: equal stamps mean equal inputs (stamps.py).
    Also the content files it looked at, so the build does not walk the content folder twice."""
    key = repr((__version__, config, request.overrides, request.options.drafts,
                request.options.future, str(output.resolve())))  # fmt: skip
    return input_stamp(request.root, config, key, None if request.clean else request.cache_dir)


def _folder_id(folder: Path) -> str:
    stat = folder.stat()
    return f"{stat.st_dev}:{stat.st_ino}"


def _nothing_changed(meta: Mapping[str, str], stamp: str, now: datetime, output: Path) -> bool:
    if stamp in ("racy", "unreadable") or meta.get("stamp") != stamp or not output.is_dir():
        return False
    if meta.get("output_id") != _folder_id(output):
        return False
    return clock_holds(meta, now)


def _valid_until(site: Site, config: SiteConfig, now: datetime) -> datetime:
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
