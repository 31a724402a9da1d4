"""Stage 3, plan: every page planned, or after an edit that moved nothing only those it can
have changed, with the checks that need the whole plan (rendering.py renders them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from sitegen.errors import BuildError, Reporter, SitegenError
from sitegen.incremental.cache import BuildCache
from sitegen.incremental.cache_rows import Snapshot
from sitegen.load.sources import display_path
from sitegen.model.aliases import KEY as ALIASES
from sitegen.model.links import check_body_links
from sitegen.output.write import Stage
from sitegen.pipeline.clock import Clock
from sitegen.pipeline.dropped_urls import warn_dropped_urls
from sitegen.pipeline.prepare import Plan
from sitegen.render.jobs import RenderJob
from sitegen.render.plan import find_path_clashes
from sitegen.render.redirects import REDIRECT_TEMPLATE, alias_clashes, redirects_of


def plan_pages(
    plan: Plan,
    reporter: Reporter,
    clock: Clock,
    cache: BuildCache,
    previous: Mapping[str, str],
    stage: Stage,
    now: datetime,
) -> tuple[Plan, list[str]]:
    """`plan` with its jobs: every page, or after an edit that moved nothing only the pages
    it can have changed (edit_plan.py), with the last build's other pages (of `previous`, its
    fingerprints) to carry over."""
    pages = [p for p in previous if p not in plan.static]
    jobs = cache.edited_pages(
        plan.planner, plan.sources, plan.changed_sources, plan.frame, now, pages
    )
    if jobs is not None:
        paths = {job.path for job in jobs}
        kept = [p for p in pages if p not in paths]
        # A page the live output has lost is planned again, with all the others.
        if all(stage.previous_has(p) for p in kept):
            _check_links(plan, reporter, pages)
            clock.lap("plan")
            return replace(plan, jobs=tuple(jobs)), kept
    return plan_everything(plan, reporter, clock, cache.snapshot()), []


def plan_everything(
    plan: Plan, reporter: Reporter, clock: Clock, before: Snapshot | None = None
) -> Plan:
    """`plan` with every output, and the checks that need them all: two outputs at one path,
    links in articles to pages that do not exist, and, given what the last build cached
    (`before`), the pages it published that this build would drop (dropped_urls.py)."""
    jobs = plan.planner.everything()
    clashes = _clashes(plan, jobs)
    if clashes:
        raise BuildError(clashes)
    planned = {j.path for j in jobs}
    _check_links(plan, reporter, planned)
    if before is not None:
        warn_dropped_urls(plan, before, planned, reporter)
    clock.lap("plan")
    return replace(plan, jobs=tuple(jobs))


def _clashes(plan: Plan, jobs: list[RenderJob]) -> list[SitegenError]:
    """Two outputs at one path: two pages, a page and a static file, or an alias (a redirect
    from an old address) and anything else, told on the alias's line."""
    pages = [j for j in jobs if j.template != REDIRECT_TEMPLATE]
    clashes = find_path_clashes(pages)
    planned = {j.path for j in pages}
    clashes += [
        SitegenError(
            display_path(f, plan.root),
            None,
            f"has the same output path ({p}) as a generated page; rename the file",
        )
        for p, f in plan.static.items()
        if p in planned
    ]
    redirects = redirects_of(plan.site, plan.urls)
    line = {r.source: plan.sources[r.source].source.line_of(ALIASES) for r in redirects}
    return clashes + alias_clashes(pages, redirects, plan.static, line.get)


def _check_links(plan: Plan, reporter: Reporter, pages: Iterable[str]) -> None:
    """Warn about links in published bodies to `pages` and static files that do not exist."""
    site, sources = plan.site, plan.sources
    published = {*(a.source for a in site.articles), *(p.source for p in site.pages)}
    check_body_links(
        {rel: c.markup for rel, c in sources.items() if rel in published and c.markup},
        plan.urls,
        {*pages, *plan.static},
        {c.source.rel: c.source for c in sources.values()},
        reporter,
    )
