"""Feeds, sitemaps and robots.txt: the jobs that make a site findable. Planned from the model and
the HTML jobs, rendered by the same engine with the XML templates in render/builtin/."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sitegen.load.config import SiteConfig
from sitegen.model.entities import Article, Author, Category, Site, Tag
from sitegen.model.urls import Urls
from sitegen.render.contexts import (
    Alternate,
    Feed,
    FeedContext,
    HeadersContext,
    NewsSitemapContext,
    RobotsContext,
    SiteInfo,
    SitemapContext,
    SitemapEntry,
)
from sitegen.render.digests import Digests
from sitegen.render.formats import FEED_FORMATS
from sitegen.render.jobs import RenderJob

SITEMAP_MAX_URLS = 50_000
SITEMAP_MAX_BYTES = 50 * 1024 * 1024 - 1024
"""The protocol's 50 MB (uncompressed) per file, less room for the XML header and root."""
_ENTRY_BYTES = len("<url><loc></loc><lastmod>2026-01-01T00:00:00+00:00</lastmod></url>\n")
NEWS_SITEMAP_MAX = 1_000


def feed_alternates(
    config: SiteConfig, urls: Urls, scope: str, first_url: str, title: str
) -> list[Alternate]:
    """<link rel="alternate"> entries for a page whose list (scope) has feeds."""
    if scope not in config.feeds.scopes:
        return []
    return [
        Alternate(
            FEED_FORMATS[name].media_type,
            f"{title} ({FEED_FORMATS[name].label})",
            urls.absolute(first_url + FEED_FORMATS[name].filename),
        )
        for name in config.feeds.formats
    ]


def listed(article: Article, site: Site) -> bool:
    """Whether an article may appear in feeds and sitemaps: public, published, indexable."""
    return not article.draft and not article.noindex and article.date <= site.build_time


def plan_feeds(
    site: Site, config: SiteConfig, urls: Urls, info: SiteInfo, digests: Digests
) -> list[RenderJob]:
    """A job per feed format of each list in [feeds] scopes that has a listed story."""
    if not config.feeds.formats:
        return []
    which = digests.full if config.feeds.full_content else digests.card
    return [
        job
        for feed_list in _feed_lists(site, config, urls)
        for job in _feed_jobs(feed_list, site, config, urls, info, which)
    ]


@dataclass(frozen=True)
class _FeedList:
    """A list of stories that has feeds: the whole site's, or a section's, tag's or author's."""

    scope: str
    first_url: str
    """The first page of the list, beside which its feeds live."""
    title: str
    description: str
    articles: Sequence[Article]
    """The listed stories, newest first."""


def _feed_lists(site: Site, config: SiteConfig, urls: Urls) -> list[_FeedList]:
    """The lists of [feeds] scopes, those without a listed story left out."""
    lists: list[_FeedList] = []
    if "site" in config.feeds.scopes:
        public = [a for a in site.articles if listed(a, site)]
        description = config.description or config.tagline
        lists.append(_FeedList("site", urls.home(), config.title, description, public))
    groups: list[tuple[str, Sequence[Category | Tag | Author], dict[str, tuple[Article, ...]]]] = [
        ("category", site.categories, dict(site.by_category)),
        ("tag", site.tags, dict(site.by_tag)),
        ("author", site.authors, dict(site.by_author)),
    ]
    for scope, terms, members in groups:
        if scope in config.feeds.scopes:
            lists += _term_feed_lists(site, config, scope, terms, members)
    return lists


def _term_feed_lists(
    site: Site,
    config: SiteConfig,
    scope: str,
    terms: Sequence[Category | Tag | Author],
    members: Mapping[str, Sequence[Article]],
) -> list[_FeedList]:
    lists = []
    for term in terms:
        articles = [a for a in members.get(term.slug, ()) if listed(a, site)]
        if articles:
            title = f"{term.name} · {config.title}"
            lists.append(_FeedList(scope, term.url, title, "", articles))
    return lists


def _feed_jobs(
    feed_list: _FeedList,
    site: Site,
    config: SiteConfig,
    urls: Urls,
    info: SiteInfo,
    which: Mapping[str, str],
) -> list[RenderJob]:
    """The list's feed in each format; `which` digests each story as the feeds show it."""
    first = feed_list.first_url
    items = tuple(feed_list.articles[: config.feeds.items])
    updated = max((a.modified for a in items), default=site.build_time)
    jobs = []
    for name in config.feeds.formats:
        fmt = FEED_FORMATS[name]
        feed_url = first + fmt.filename
        feed = Feed(
            title=feed_list.title,
            description=feed_list.description or f"The latest from {feed_list.title}",
            home=urls.absolute(first),
            self_url=urls.absolute(feed_url),
            updated=updated,
            articles=items,
            full_content=config.feeds.full_content,
        )
        deps = (
            feed_list.scope,
            repr(feed.title),
            feed.description,
            str(updated),
            *(which[a.source] for a in items),
        )
        context = partial(FeedContext, site=info, feed=feed)
        jobs.append(RenderJob(urls.output_path(feed_url), fmt.template, context, deps, first))
    return jobs


def plan_sitemaps(
    site: Site,
    config: SiteConfig,
    urls: Urls,
    info: SiteInfo,
    pages: Sequence[RenderJob],
    digests: Digests,
) -> list[RenderJob]:
    jobs: list[RenderJob] = []
    sitemaps: list[str] = []
    if config.sitemap.enabled:
        entries = [
            SitemapEntry(urls.absolute(_url_of(urls, j.path)), j.lastmod)
            for j in pages
            if j.sitemap
        ]
        entries.sort(key=lambda e: e.loc)
        chunks = sitemap_chunks(entries)
        if len(chunks) == 1:
            jobs.append(_whole("sitemap.xml", "sitemap.xml", SitemapContext(entries=entries)))
        else:
            parts = []
            for n, part in enumerate(chunks):
                name = f"sitemap-{n + 1}.xml"
                newest = max((e.lastmod for e in part if e.lastmod), default=None)
                parts.append(SitemapEntry(urls.absolute(urls.special("/" + name)), newest))
                jobs.append(_whole(name, "sitemap.xml", SitemapContext(entries=part)))
            jobs.append(_whole("sitemap.xml", "sitemap-index.xml", SitemapContext(entries=parts)))
        sitemaps.append(urls.absolute(urls.special("/sitemap.xml")))
    news = plan_news_sitemap(site, config, info, digests)
    if news:
        jobs += news
        sitemaps.append(urls.absolute(urls.special("/news-sitemap.xml")))
    if config.robots.enabled:
        robots = RobotsContext(
            disallow=config.robots.disallow, sitemaps=sitemaps, extra=config.robots.extra
        )
        jobs.append(_whole("robots.txt", "robots.txt", robots))
    return jobs


def plan_host_files(config: SiteConfig, urls: Urls, assets: Mapping[str, str]) -> list[RenderJob]:
    """_headers for hosts that read it (Netlify, Cloudflare Pages), when [deploy] asks."""
    if not config.deploy.headers:
        return []
    context = HeadersContext(immutable=[f"{urls.base_path}/{path}" for path in sorted(assets)])
    return [_whole("_headers", "headers.txt", context)]


def plan_news_sitemap(
    site: Site, config: SiteConfig, info: SiteInfo, digests: Digests
) -> list[RenderJob]:
    """The news sitemap's job, when it is on and a story is in the last `news_hours`. With
    none there is no file (and robots.txt names none): the sitemap schema wants a `<url>`."""
    if not config.sitemap.news:
        return []
    since = _hours_before(site.build_time, config.sitemap.news_hours)
    recent = [a for a in site.articles if listed(a, site) and (since is None or a.date >= since)]
    recent = recent[:NEWS_SITEMAP_MAX]
    if not recent:
        return []
    context = NewsSitemapContext(
        site=info, publication_language=_news_language(config.language), articles=recent
    )
    deps = ("news", *(digests.card[a.source] for a in recent))
    return [RenderJob("news-sitemap.xml", "news-sitemap.xml", lambda: context, deps)]


def _hours_before(when: datetime, hours: int) -> datetime | None:
    """`hours` before `when`, or None when that is before the first moment a datetime holds
    (a clock in the year 1, a window of centuries): then no story is too old."""
    try:
        return when - timedelta(hours=hours)
    except OverflowError:
        return None


def sitemap_chunks(entries: Sequence[SitemapEntry]) -> list[list[SitemapEntry]]:
    """Entries cut into files of at most SITEMAP_MAX_URLS URLs and SITEMAP_MAX_BYTES bytes."""
    chunks: list[list[SitemapEntry]] = [[]]
    size = 0
    for entry in entries:
        cost = _ENTRY_BYTES + len(html.escape(entry.loc).encode())
        if chunks[-1] and (len(chunks[-1]) >= SITEMAP_MAX_URLS or size + cost > SITEMAP_MAX_BYTES):
            chunks.append([])
            size = 0
        chunks[-1].append(entry)
        size += cost
    return chunks


def _whole(path: str, template: str, context: Mapping[str, Any]) -> RenderJob:
    """A job whose context is cheap and small enough to be its own fingerprint."""
    return RenderJob(path, template, lambda: context, (repr(context),), path)


def _url_of(urls: Urls, path: str) -> str:
    url = "/" + path
    if url.endswith("/index.html"):
        url = url[: -len("index.html")]
    return urls.base_path + url


def _news_language(language: str) -> str:
    """Google News wants an ISO 639 code; zh-cn and zh-tw are the only regional ones it takes."""
    lowered = language.lower()
    return lowered if lowered in ("zh-cn", "zh-tw") else lowered.split("-")[0]
