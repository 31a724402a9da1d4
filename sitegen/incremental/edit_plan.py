"""Planning after an edit that moved nothing: only the pages that show an edited story.

When the only change since the last build is to the text of articles, and their front matter,
as checked, is what it was (as are the settings, templates, static files, the other sources
and what the clock decides), the site keeps its shape: the same pages, the same lists in the
same order, the same related stories. The pages whose fingerprints change are then those that
cover an edited article's digests. The build cache records which articles each output covers
(BuildState.showing), so such a build plans those pages alone, instead of every page (16,700
of them at 10,000 articles, half of a one-article edit's own work), and carries every other
page over with the fingerprint it had.

When in doubt it gives up and the build plans everything: a page the cache says shows an
edited story that none of the planned jobs writes, one it cannot tell about, a planned page the
last build did not have."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime

from sitegen.incremental.state import CachedSource, clock_holds
from sitegen.load.assets import StaticInfo
from sitegen.model.site import BuildOptions
from sitegen.render.digests import Digests
from sitegen.render.jobs import RenderJob
from sitegen.render.plan import SitePlanner


def article_id(source: str) -> str:
    """A short, stable name for the article of file `source` (its digests change with it)."""
    return hashlib.blake2b(source.encode(), digest_size=6).hexdigest()


def digest_owners(digests: Digests) -> dict[str, str]:
    """Each article's card and full digest -> the article's id."""
    owners = {d: article_id(source) for source, d in digests.card.items()}
    owners.update((d, article_id(source)) for source, d in digests.full.items())
    return owners


def shows(job: RenderJob, owners: Mapping[str, str]) -> str:
    """The ids of the articles whose digests the job's fingerprint covers, for the cache."""
    get = owners.get
    return " ".join(sorted({i for i in map(get, job.deps) if i is not None}))


def frame_digest(
    global_digest: str,
    static: Mapping[str, StaticInfo],
    options: BuildOptions,
    copies: Iterable[str] = (),
) -> str:
    """What the site's shape depends on besides the sources: the settings, templates and
    menus (the global digest), the static files pages read (image sizes), the options that
    let drafts or future stories in, and which files beside stories are published where
    (`copies`, "output path <- source": their addresses are in the bodies)."""
    shape = (global_digest, sorted(static.items()), options.drafts, options.future, sorted(copies))
    text = repr(shape)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def edited_articles(
    sources: Mapping[str, CachedSource],
    changed: Iterable[str],
    before: Mapping[str, CachedSource],
) -> list[str] | None:
    """The `changed` sources when each is an article whose front matter, as checked, is what
    it was in `before` (the last build's sources), less those read again unchanged (a file
    saved within its timestamp's tick is); None when any other source changed."""
    edited = []
    for rel in changed:
        new, old = sources[rel], before.get(rel)
        if old is not None and new.digest == old.digest:
            continue  # the same file, read again (the settings it is read under are the frame's)
        if new.source.kind != "article" or new.checked is None or old is None:
            return None
        if new.checked != old.checked:
            return None
        edited.append(rel)
    return edited


def touched_jobs(
    planner: SitePlanner,
    sources: Mapping[str, CachedSource],
    changed: Iterable[str],
    before: Mapping[str, CachedSource],
    meta: Mapping[str, str],
    frame: str,
    now: datetime,
    previous: Collection[str],
    showing: Callable[[set[str]], set[str] | None],
) -> list[RenderJob] | None:
    """The jobs of the pages an edit may have changed, or None when it may have changed more
    than those pages (the build must plan everything). `sources` and `before` are this build's
    and the last one's sources, `changed` those that differ, `meta` the last build's cache
    meta, `previous` its outputs."""
    if meta.get("frame") != frame or sources.keys() != before.keys():
        return None
    if not clock_holds(meta, now):
        return None  # an embargo lifts, a story leaves the news window, a clock was set back
    edited = edited_articles(sources, changed, before)
    if edited is None:
        return None
    if not edited:
        return []
    touched = showing({article_id(rel) for rel in edited})
    if touched is None:
        return None
    return _jobs_at(planner, touched, edited, previous)


def _jobs_at(
    planner: SitePlanner, touched: set[str], edited: list[str], previous: Collection[str]
) -> list[RenderJob] | None:
    """The jobs of the `touched` pages: articles' own pages straight from the planner, the
    rest from the pages around the `edited` articles; None when a touched page is neither, or
    a job is for a page the last build did not make (the site's shape changed)."""
    jobs: dict[str, RenderJob] = {}
    for path in touched:
        job = planner.article_at(path)
        if job is not None:
            jobs[path] = job
    if not touched <= jobs.keys():
        for job in planner.around(set(edited)):
            jobs.setdefault(job.path, job)
    if not touched <= jobs.keys() or not jobs.keys() <= set(previous):
        return None
    return [jobs[path] for path in sorted(touched)]
