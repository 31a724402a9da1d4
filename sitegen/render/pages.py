"""The HTML pages that stand alone: the front page, article pages, the archive index, plain
pages, search and 404. Each is a RenderJob whose context is built only if the page is rendered;
the lists' pages (render/listing.py) are planned with the same PagePlanner."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from sitegen.load.config import SiteConfig
from sitegen.model.entities import Article, Page, Site
from sitegen.model.urls import Urls
from sitegen.render import seo
from sitegen.render.contexts import (
    Alternate,
    ArchiveIndexContext,
    ArticleContext,
    BaseContext,
    Crumb,
    IndexContext,
    Meta,
    NotFoundContext,
    PageContext,
    SearchContext,
    SectionBlock,
    ShareLink,
    SiteInfo,
)
from sitegen.render.digests import Digests
from sitegen.render.feeds import feed_alternates, listed
from sitegen.render.jobs import RenderJob, Searchable

TOP_STORIES = 4
"""Stories under the lead story on the front page."""


class PagePlanner:
    """Plans pages of one site; what every page's context shares (the site's feeds, the base
    context, the article cards' digests) is worked out here once."""

    def __init__(
        self, site: Site, config: SiteConfig, urls: Urls, info: SiteInfo, digests: Digests
    ) -> None:
        self.site, self.config, self.urls, self.info, self.digests = (
            site,
            config,
            urls,
            info,
            digests,
        )
        self.position = {
            a.source: i for articles in site.by_category.values() for i, a in enumerate(articles)
        }
        self.site_feeds = feed_alternates(config, urls, "site", urls.home(), config.title)

    def feeds(self, scope: str, first_url: str, title: str) -> tuple[Alternate, ...]:
        return (*self.site_feeds, *feed_alternates(self.config, self.urls, scope, first_url, title))

    def base(self, meta: Meta, section: str = "") -> BaseContext:
        return BaseContext(
            site=self.info, meta=meta, current_section=section, build_year=self.site.build_time.year
        )

    def cards(self, articles: Sequence[Article]) -> list[str]:
        card = self.digests.card  # looked up once: a list page asks for ten, 36,000 times at 10k
        return [card[a.source] for a in articles]

    def index(self) -> RenderJob:
        front = _front_page(self.site, self.config)

        def context() -> Mapping[str, Any]:
            meta = seo.page_meta(
                self.config,
                self.urls,
                title=self.config.title,
                description=self.config.description,
                url=self.urls.home(),
                json_ld=(seo.website(self.config, self.urls, self.info.search_url),),
                alternates=self.site_feeds,
            )
            return IndexContext(
                **self.base(meta),
                lead=front.lead,
                top=front.top,
                latest=front.latest,
                sections=front.sections,
            )

        deps = [
            "index",
            *self.cards([front.lead] if front.lead else []),
            *self.cards(front.top),
            *self.cards(front.latest),
            *(d for b in front.sections for d in [b.category.slug, *self.cards(b.articles)]),
        ]
        articles = self.site.articles
        newest = articles[0].modified if articles else None
        return RenderJob(self.urls.output_path(self.urls.home()), "index.html", context,
                         tuple(deps), "", newest, True)  # fmt: skip

    def article(self, article: Article) -> RenderJob:
        related = self.site.related.get(article.source, ())[: self.config.related.count]
        inline = (
            self.site.related.get(article.source, ())[: self.config.related.inline_count]
            if article.body.raw_split
            else ()
        )
        # The stories published just before this one: stable as newer stories arrive.
        section = self.site.by_category[article.category.slug]
        here = self.position[article.source]
        in_section = section[here + 1 : here + 5]

        def context() -> Mapping[str, Any]:
            crumbs = [
                Crumb("Home", self.urls.home()),
                Crumb(article.category.name, article.category.url),
            ]
            meta = seo.article_meta(self.config, self.urls, article, crumbs)
            meta = replace(
                meta, alternates=self.feeds("category", article.category.url, article.category.name)
            )
            return ArticleContext(
                **self.base(meta, article.category.slug),
                article=article,
                breadcrumbs=crumbs,
                related=related,
                inline_related=inline,
                share=share_links(self.urls.absolute(article.url), article.title),
                more_in_section=in_section,
            )

        deps = [
            self.digests.full[article.source],
            "related",
            *self.cards(related),
            "inline",
            *self.cards(inline),
            "section",
            *self.cards(in_section),
            # The author box shows more of each author (the bio) than the byline's digest holds.
            "authors",
            *(self.digests.author.get(a.slug, "") for a in article.authors),
        ]
        return RenderJob(
            self.urls.output_path(article.url), "article.html", context, tuple(deps),
            f"content/{article.source}", article.modified, listed(article, self.site),
        )  # fmt: skip

    def searchable(self, article: Article) -> Searchable:
        return Searchable(article.date.date().isoformat(), self.digests.search[article.source])

    def archive_index(self) -> RenderJob:
        url = self.urls.archives()

        def context() -> Mapping[str, Any]:
            crumbs = [Crumb("Home", self.urls.home()), Crumb("Archive", url)]
            meta = seo.page_meta(
                self.config,
                self.urls,
                title="Archive",
                description=f"Every month of {self.config.title}.",
                url=url,
                alternates=self.site_feeds,
            )
            return ArchiveIndexContext(
                **self.base(meta), archives=self.site.archives, breadcrumbs=crumbs
            )

        # Every month holds its stories (`archives[].articles`), which a template may print.
        deps = (
            "archives",
            *(
                d
                for a in self.site.archives
                for d in (f"{a.year}-{a.month}", *self.cards(a.articles))
            ),
        )
        return RenderJob(
            self.urls.output_path(url), "archives.html", context, deps, url, None, True
        )

    def page(self, page: Page) -> RenderJob:
        def context() -> Mapping[str, Any]:
            crumbs = [Crumb("Home", self.urls.home()), Crumb(page.title, page.url)]
            meta = seo.page_meta(
                self.config,
                self.urls,
                title=page.title,
                description=page.summary,
                url=page.url,
                noindex=page.noindex,
                alternates=self.site_feeds,
            )
            return PageContext(**self.base(meta), page=page, breadcrumbs=crumbs)

        deps = (repr(page),)
        return RenderJob(self.urls.output_path(page.url), "page.html", context, deps,
                         f"content/{page.source}", None, not page.noindex)  # fmt: skip

    def search(self) -> RenderJob:
        url = self.info.search_url
        # The filters' choices, as the index counts them (a story per section, one per author
        # it names): in the page, the browser need not fetch every shard's filter files.
        sections = Counter(a.category.name for a in self.site.articles)
        authors = Counter(p.name for a in self.site.articles for p in a.authors)
        choices = (_by_name(sections), _by_name(authors))

        def context() -> Mapping[str, Any]:
            crumbs = [Crumb("Home", self.urls.home()), Crumb("Search", url)]
            meta = seo.page_meta(
                self.config, self.urls, title="Search",
                description=f"Search every story of {self.config.title}.", url=url, noindex=True,
            )  # fmt: skip
            return SearchContext(
                **self.base(meta), breadcrumbs=crumbs, sections=choices[0], authors=choices[1]
            )

        deps = ("search", repr(choices))
        return RenderJob(self.urls.output_path(url), "search.html", context, deps, url)

    def not_found(self) -> RenderJob:
        url = self.urls.special("/404.html")
        latest = self.site.articles[:5]

        def context() -> Mapping[str, Any]:
            meta = seo.page_meta(
                self.config, self.urls, title="Page not found", description="", url=url,
                noindex=True,
            )  # fmt: skip
            return NotFoundContext(**self.base(meta), latest=latest)

        deps = ("404", *self.cards(latest))
        return RenderJob(self.urls.output_path(url), "404.html", context, deps, url, None, False)


@dataclass(frozen=True)
class _FrontPage:
    """What the front page shows: no story twice, except that a section's block may repeat a
    top or latest story (it leaves out only the lead)."""

    lead: Article | None
    top: list[Article]
    latest: list[Article]
    sections: list[SectionBlock]


def _front_page(site: Site, config: SiteConfig) -> _FrontPage:
    """The lead is the newest featured story, else the newest story."""
    articles = site.articles
    featured = [a for a in articles if a.featured]
    lead = featured[0] if featured else (articles[0] if articles else None)
    not_lead = {id(lead)}
    top = _first(TOP_STORIES, articles, not_lead)
    latest = _first(config.front_page_latest, articles, {id(a) for a in top} | not_lead)
    count = config.front_page_section_count
    sections = [
        SectionBlock(c, tuple(_first(count, site.by_category[c.slug], not_lead)))
        for c in site.categories
    ]
    return _FrontPage(lead, top, latest, sections)


def _first(count: int, articles: Sequence[Article], shown: Collection[int]) -> list[Article]:
    """The first `count` of `articles` not already `shown` (by id)."""
    chosen: list[Article] = []
    for a in articles:
        if len(chosen) == count:
            break
        if id(a) not in shown:
            chosen.append(a)
    return chosen


def share_links(url: str, title: str) -> list[ShareLink]:
    u, t = quote(url, safe=""), quote(title, safe="")
    return [
        ShareLink(
            "Facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}", "Share on Facebook"
        ),
        ShareLink("X", f"https://x.com/intent/post?url={u}&text={t}", "Share on X"),
        ShareLink("WhatsApp", f"https://wa.me/?text={t}%20{u}", "Share on WhatsApp"),
        ShareLink(
            "LinkedIn",
            f"https://www.linkedin.com/sharing/share-offsite/?url={u}",
            "Share on LinkedIn",
        ),
        ShareLink("Email", f"mailto:?subject={t}&body={u}", "Share by email"),
    ]


def _by_name(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    """(name, count) pairs in alphabetical order, case aside."""
    return tuple(sorted(counts.items(), key=lambda item: (item[0].casefold(), item[0])))
