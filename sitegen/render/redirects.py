"""Redirects from old addresses (`aliases:` in front matter, model/aliases.py): a small page at
each old URL that sends readers and crawlers on to the page's address now, and a `_redirects`
file for hosts that answer with a real 301 from it (Netlify, Cloudflare Pages). Neither is a
page of the site: no sitemap, feed or search index lists them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from urllib.parse import quote

from sitegen.errors import ContentError, SitegenError
from sitegen.model.entities import Article, Page, Site
from sitegen.model.slugs import same_file_key
from sitegen.model.urls import Urls
from sitegen.render.contexts import RedirectContext, RedirectsContext, SiteInfo
from sitegen.render.jobs import RenderJob

REDIRECT_TEMPLATE = "redirect.html"
REDIRECTS_FILE = "_redirects"
_URL_SAFE = "/-._~!$&'()*+,;=:@"
"""What a `_redirects` path keeps as it is; the rest is percent-encoded (the hosts ask for it)."""


@dataclass(frozen=True)
class Redirect:
    """One old address and where it leads now."""

    alias: str
    """The old URL, under the base path."""
    written: str
    """The old URL as the front matter gives it (no base path), for messages."""
    target: str
    """The URL of the story or page now."""
    title: str
    source: str
    """The content file whose front matter lists the alias (articles/politics/x.md)."""
    path: str
    """The output path of the redirect page."""


def redirects_of(site: Site, urls: Urls) -> list[Redirect]:
    """Every alias of the published stories and pages, in the site's order."""
    entries: list[Article | Page] = [*site.articles, *site.pages]
    return [
        Redirect(
            alias,
            alias[len(urls.base_path) :],
            entry.url,
            entry.title,
            entry.source,
            alias_path(urls, alias),
        )
        for entry in entries
        for alias in entry.aliases
    ]


def alias_path(urls: Urls, alias: str) -> str:
    """The file a redirect is written to: a `.html` address is that file, any other is a
    folder's page (`/old/` and `/old` are both old/index.html, which static hosts serve for
    either)."""
    path = urls.output_path(alias)
    if path.rsplit("/", 1)[-1].lower().endswith((".html", ".htm")):
        return path
    return path + "/index.html"


def plan_redirects(site: Site, urls: Urls, info: SiteInfo) -> list[RenderJob]:
    """A page per alias, and `_redirects` when there is any (so a site without aliases gets
    no new file)."""
    redirects = redirects_of(site, urls)
    if not redirects:
        return []
    return [*(_redirect_job(r, urls, info) for r in redirects), _redirects_file(redirects)]


def _redirect_job(redirect: Redirect, urls: Urls, info: SiteInfo) -> RenderJob:
    # The context holds the target's title and URL, not the entity: a story's body edit then
    # leaves its redirects as they are (SiteInfo and base_url are in every fingerprint).
    context = partial(
        RedirectContext,
        site=info,
        title=redirect.title,
        url=urls.absolute(redirect.target),
        alias=redirect.alias,
    )
    deps = ("redirect", redirect.alias, redirect.target, redirect.title)
    return RenderJob(redirect.path, REDIRECT_TEMPLATE, context, deps, f"content/{redirect.source}")


def _redirects_file(redirects: Sequence[Redirect]) -> RenderJob:
    rules = sorted({(_encoded(r.alias), _encoded(r.target)) for r in redirects})
    context = RedirectsContext(rules=rules)
    return RenderJob(REDIRECTS_FILE, "redirects.txt", lambda: context, (repr(context),))


def _encoded(url: str) -> str:
    return quote(url, safe=_URL_SAFE)


def alias_clashes(
    jobs: Sequence[RenderJob],
    redirects: Sequence[Redirect],
    static: Collection[str],
    line_of: Callable[[str], int | None],
) -> list[SitegenError]:
    """An error on the `aliases:` line (`line_of` a source) for each alias whose file another
    output writes (a page of `jobs`, a static file, an alias before it) or would have to be a
    folder. Paths are compared as macOS and Windows compare file names (same_file_key)."""
    others = {same_file_key(j.path): _what_writes(j) for j in jobs}
    others |= {same_file_key(path): f"the static file /{path}" for path in static}
    first: dict[str, Redirect] = {}
    errors: list[SitegenError] = []
    for r in redirects:
        key = same_file_key(r.path)
        problem = _clash(r, others.get(key), first.setdefault(key, r))
        if problem := problem or _in_file(r, key, others):
            errors.append(ContentError(f"content/{r.source}", line_of(r.source), problem))
    return errors


def _what_writes(job: RenderJob) -> str:
    if job.origin.startswith("content/"):
        return f"the page of {job.origin}"
    address = job.path[: -len("index.html")] if job.path.endswith("index.html") else job.path
    return f"the {'page' if job.path.endswith('.html') else 'file'} /{address}"


def _clash(r: Redirect, page: str | None, first: Redirect) -> str:
    """What is wrong with alias `r` when `page` (what writes its file, if anything) or the
    `first` alias with its file is not `r` itself; '' when nothing is."""
    if page == f"the page of content/{r.source}":
        return f"alias {r.written} is this file's own address; remove it from `aliases`"
    if page is not None:
        return (
            f"alias {r.written} would write {r.path}, which is {page}: a redirect cannot "
            "stand where a page is; remove it from `aliases`"
        )
    if first is not r:
        owner = "this file" if first.source == r.source else f"content/{first.source}"
        return (
            f"alias {r.written} would write {r.path}, as {owner}'s alias {first.written} does; "
            "keep one of them"
        )
    return ""


def _in_file(r: Redirect, key: str, others: Mapping[str, str]) -> str:
    """What is wrong with alias `r` when a folder its file needs is another output's file."""
    parts = key.split("/")[:-1]
    for end in range(1, len(parts) + 1):
        folder = "/".join(parts[:end])
        if folder in others:
            return (
                f"alias {r.written} would need a folder /{folder}/ where there is "
                f"{others[folder]}; remove it from `aliases`"
            )
    return ""
