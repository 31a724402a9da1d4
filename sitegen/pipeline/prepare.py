"""Stages 1 and 2, load and model: the sources read (unchanged ones from the cache), their
Markdown converted, articles' front matter checked, the site's model built, and what planning
needs made ready (URLs, templates, the planner). No page is planned yet: pages.py does that."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import jinja2

from sitegen import __version__
from sitegen.errors import BuildError, Reporter, SitegenError
from sitegen.incremental.cache import BuildCache
from sitegen.incremental.cache_rows import CachedSource
from sitegen.incremental.edit_plan import frame_digest
from sitegen.incremental.reuse import CachedRelated, read_sources, with_checked
from sitegen.load.assets import StaticInfo, collect_static, static_info, unreadable_in
from sitegen.load.config import CONFIG_NAME, SiteConfig, config_digest
from sitegen.load.publishing import base_url_errors
from sitegen.load.sources import FoundSource, display_path
from sitegen.model.entities import Site
from sitegen.model.site import BuildOptions, build_site
from sitegen.model.urls import Urls
from sitegen.pipeline.bundles import bundle_copies, bundled_files, copy_clashes
from sitegen.pipeline.clock import Clock
from sitegen.pipeline.markdown import convert_all
from sitegen.render.digests import global_digest
from sitegen.render.jobs import RenderJob
from sitegen.render.plan import SitePlanner
from sitegen.render.templates import asset_hashes, make_environment, theme_dirs, theme_static_dirs
from sitegen.search.indexer import reserved_errors
from sitegen.search.site_search import SiteSearch


@dataclass(frozen=True)
class Inputs:
    """What a build reads and how: the parts of the request that shape its output."""

    root: Path
    output: Path
    config: SiteConfig
    options: BuildOptions
    """With `now` set: the moment the build publishes at."""
    jobs: int
    publishing: bool
    base_url_given: bool
    """The command line gave base_url (publishing.py)."""

    @property
    def now(self) -> datetime:
        assert self.options.now is not None, "Inputs are made with the build's moment"
        return self.options.now


@dataclass(frozen=True)
class Plan:
    """Everything decided before rendering: the validated site, its planner and environment.
    `jobs` is empty until pages.py plans the pages."""

    config: SiteConfig
    output: Path
    root: Path
    site: Site
    planner: SitePlanner
    urls: Urls
    static: dict[str, Path]
    """Output path -> source file for static files."""
    env: jinja2.Environment
    global_digest: str
    sources: dict[str, CachedSource]
    changed_sources: dict[str, CachedSource]
    related: tuple[str, Mapping[str, tuple[str, ...]]] | None
    frame: str
    """What the site's shape depends on besides its sources (edit_plan.frame_digest)."""
    search_salt: str
    """Everything but the stories that the search index depends on (render/search_record.py)."""
    jobs: tuple[RenderJob, ...] = ()


@dataclass(frozen=True)
class _Sources:
    """What reading and converting leaves for the model."""

    config: SiteConfig
    sources: dict[str, CachedSource]
    changed: dict[str, CachedSource]
    static_files: dict[str, Path]
    settings_key: str
    errors: list[SitegenError]
    unreadable: frozenset[str]
    """Content files found but not read (their errors are in `errors`)."""
    bundled: dict[str, Path]
    """Content path -> file, for the files beside stories that their bodies show."""


def prepare_plan(
    inputs: Inputs,
    reporter: Reporter,
    clock: Clock,
    cache: BuildCache,
    found: Sequence[FoundSource],
    search: SiteSearch,
) -> Plan:
    """Read, convert and check every source and build the model; `found`: the content files
    as the cache's scan saw them. `search` may start indexing the edited stories' shard as
    soon as they are read."""
    read = _read(inputs, reporter, clock, cache, found)
    if not read.errors:
        search.after_read(read.config, read.sources, set(read.changed), read.settings_key)
        clock.lap("search")
    infos = {site_path: static_info(path) for site_path, path in read.static_files.items()}
    relate = cache.related(
        {rel: c.checked.related_key for rel, c in read.sources.items() if c.checked}
    )
    site = _model(inputs, reporter, read, infos, relate)
    clock.lap("model")
    plan = _ready_to_plan(inputs, cache, read, site, infos, relate)
    clock.lap("plan")
    return plan


def _read(
    inputs: Inputs,
    reporter: Reporter,
    clock: Clock,
    cache: BuildCache,
    found: Sequence[FoundSource],
) -> _Sources:
    root = inputs.root
    config = _search_checked(inputs.config, root, reporter)
    base_path = Urls(config.permalinks, config.base_url).base_path
    settings = (config.raw_html, config.embed_hosts, config.related.inline_after, base_path)
    markup_key = hashlib.sha256(repr((__version__, settings)).encode()).hexdigest()[:16]
    snapshot = cache.snapshot()
    sources, errors = read_sources(root, snapshot, found, cache.stored(root, settings))
    if inputs.publishing:
        errors[:0] = base_url_errors(config, root, inputs.base_url_given)
    static_dirs = [*reversed(theme_static_dirs(root, config.theme)), root / "static"]
    static_files, static_errors = collect_static(static_dirs, root, reporter)
    errors += static_errors + reserved_errors(config, static_files, root)
    errors += unreadable_in(theme_dirs(root, config.theme), root)
    clock.lap("read")
    sources = convert_all(sources, settings, markup_key, inputs.jobs)
    # What the checked front matter and the search records depend on besides the sources.
    settings_key = f"{config_digest(config)}:{markup_key}"
    sources = with_checked(sources, config, settings_key)
    # Rows taken from the cache as they were are the very same objects; anything else is new.
    changed = {rel: c for rel, c in sources.items() if snapshot.sources.get(rel) is not c}
    clock.lap("markdown")
    unreadable = frozenset(f.rel for f in found if f.rel not in sources)
    bundled = bundled_files(root / "content", sources.values())
    return _Sources(
        config, sources, changed, static_files, settings_key, errors, unreadable, bundled
    )


def _search_checked(config: SiteConfig, root: Path, reporter: Reporter) -> SiteConfig:
    """`config`, with search off (and a warning) when the theme has no page to show it."""
    if not config.search.enabled or any(
        (d / "search.html").is_file() for d in theme_dirs(root, config.theme)
    ):
        return config
    reporter.warn(
        CONFIG_NAME, None,
        f"search is on but theme {config.theme!r} has no search.html; building without "
        "search (copy themes/default/templates/search.html, or set [search] enabled = false)",
    )  # fmt: skip
    return replace(config, search=replace(config.search, enabled=False))


def _model(
    inputs: Inputs,
    reporter: Reporter,
    read: _Sources,
    infos: Mapping[str, StaticInfo],
    relate: CachedRelated,
) -> Site:
    sources = read.sources
    site, model_errors = build_site(
        [c.source for c in sources.values()],
        {rel: c.markup for rel, c in sources.items() if c.markup is not None},
        read.config,
        inputs.options,
        infos,
        reporter,
        relate,
        {rel: c.checked.front_matter for rel, c in sources.items() if c.checked is not None},
        read.unreadable,
        frozenset(read.bundled),
    )
    errors = read.errors + model_errors
    if errors or site is None:
        raise BuildError(errors)
    return site


def _ready_to_plan(
    inputs: Inputs,
    cache: BuildCache,
    read: _Sources,
    site: Site,
    infos: Mapping[str, StaticInfo],
    relate: CachedRelated,
) -> Plan:
    root, config = inputs.root, read.config
    urls = Urls(config.permalinks, config.base_url)
    assets = asset_hashes(theme_static_dirs(root, config.theme), root / "static")
    digests = {rel: c.digest for rel, c in read.sources.items()}
    planner = SitePlanner(site, config, urls, digests, assets)
    static = {urls.output_path(urls.base_path + p): f for p, f in read.static_files.items()}
    copies = bundle_copies(site, read.sources, read.bundled, urls)
    clashes = copy_clashes(copies, static, root)
    if clashes:
        raise BuildError(clashes)
    static |= copies
    beside = [f"{out} <- {display_path(path, root)}" for out, path in copies.items()]
    template_dirs = theme_dirs(root, config.theme)
    env = make_environment(template_dirs, urls, assets, cache.templates())
    digest = global_digest(
        __version__, config_digest(config), _tree_digest(template_dirs), sorted(assets.items()),
        planner.info, site.build_time.year,
    )  # fmt: skip
    return Plan(
        config=config, output=inputs.output, root=root, site=site, planner=planner, urls=urls,
        static=static, env=env, global_digest=digest, sources=read.sources,
        changed_sources=read.changed, related=relate.saved,
        frame=frame_digest(digest, infos, inputs.options, beside),
        search_salt=read.settings_key,
    )  # fmt: skip


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
