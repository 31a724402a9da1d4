"""Planning: one RenderJob per output page, built from the model. Nothing is rendered here, so
the plan can be checked (two jobs claiming one path) and fingerprinted before any work; each
job's context is only built when the page has to be rendered."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal
from urllib.parse import quote

from sitegen.errors import SitegenError
from sitegen.load.config import SiteConfig
from sitegen.model.entities import Archive, Article, Author, Category, Page, Site, Tag
from sitegen.model.text import MONTHS
from sitegen.model.urls import Urls, page_url
from sitegen.render import seo
from sitegen.render.contexts import (
    Alternate,
    ArchiveIndexContext,
    ArticleContext,
    BaseContext,
    Crumb,
    IndexContext,
    ListContext,
    Meta,
    NotFoundContext,
    PageContext,
    Pager,
    SearchContext,
    SectionBlock,
    ShareLink,
    SiteInfo,
)
from sitegen.render.digests import Digests, site_digests
from sitegen.render.feeds import (
    feed_alternates,
    listed,
    plan_feeds,
    plan_host_files,
    plan_news_sitemap,
    plan_sitemaps,
)
from sitegen.render.jobs import RenderJob, Searchable
from sitegen.render.search_record import search_record

ListKind = Literal["category", "tag", "author", "archive"]


def site_info(config: SiteConfig, site: Site, urls: Urls, search_url: str) -> SiteInfo:
    return SiteInfo(
        title=config.title,
        tagline=config.tagline,
        description=config.description,
        base_url=config.base_url,
        language=config.language,
        logo=urls.base_path + config.logo if config.logo else "",
        copyright=config.copyright or f"© {site.build_time.year} {config.title}",
        home_url=urls.home(),
        archives_url=urls.archives(),
        search_url=search_url,
        main_menu=site.main_menu,
        footer_menu=site.footer_menu,
        categories=site.categories,
        extra=config.extra,
    )


def plan_site(
    site: Site, config: SiteConfig, urls: Urls, source_digests: Mapping[str, str] | None = None
) -> tuple[list[RenderJob], SiteInfo]:
    """Every output the site needs: HTML pages, then feeds, sitemaps and robots.txt.
    `source_digests` (hash of each article's file) makes page fingerprints cheaper to compute."""
    planner = SitePlanner(site, config, urls, source_digests)
    return planner.everything(), planner.info


class SitePlanner:
    """plan_site in steps, for a build that starts indexing search before it plans the pages:
    `searchable()` and `search_record()` for the index, then `everything()`."""

    def __init__(
        self,
        site: Site,
        config: SiteConfig,
        urls: Urls,
        source_digests: Mapping[str, str] | None = None,
        assets: Mapping[str, str] | None = None,
    ) -> None:
        """`assets`: the content hash of each theme asset by path (templates.asset_hashes)."""
        search_url = urls.special("/search/") if config.search.enabled else ""
        self.info = site_info(config, site, urls, search_url)
        self.digests = site_digests(site, source_digests or {})
        self._planner = _Planner(site, config, urls, self.info, self.digests)
        self._site, self._config, self._urls = site, config, urls
        self._assets = assets or {}

    @functools.cached_property
    def _at(self) -> dict[str, Article]:
        """Each article by the output path of its page."""
        return {self._urls.output_path(a.url): a for a in self._site.articles}

    def searchable(self) -> list[tuple[str, Searchable]]:
        """Each article page's output path with what search needs of it, before planning it."""
        return [(path, self._planner.searchable(a)) for path, a in self._at.items()]

    def search_record(self, path: str) -> bytes:
        """What search indexes of the article whose page is at `path` (from `searchable()`)."""
        return search_record(self._at[path], self._config.language)

    def article_at(self, path: str) -> RenderJob | None:
        """The job of the article page at `path`, None when no article's page is there."""
        article = self._at.get(path)
        return self._planner.article(article) if article is not None else None

    def around(self, sources: Collection[str]) -> list[RenderJob]:
        """The outputs besides article pages that may list the articles `sources`: the front
        page, the 404 page, the archive index, the lists holding one of them, the feeds and the
        news sitemap."""
        site, config, urls, info, digests = (
            self._site, self._config, self._urls, self.info, self.digests
        )  # fmt: skip
        planner = self._planner
        edited = [a for a in site.articles if a.source in sources]
        return [
            planner.index(),
            planner.not_found(),
            planner.archive_index(),
            *planner.lists(edited),
            *plan_feeds(site, config, urls, info, digests),
            *plan_news_sitemap(site, config, info, digests),
        ]

    def everything(self) -> list[RenderJob]:
        """Every output."""
        site, config, urls, info, digests = (
            self._site, self._config, self._urls, self.info, self.digests
        )  # fmt: skip
        planner = self._planner
        pages = [
            planner.index(),
            *(planner.article(a) for a in site.articles),
            *planner.lists(),
            planner.archive_index(),
            *(planner.page(p) for p in site.pages),
            *([planner.search()] if info.search_url else []),
            planner.not_found(),
        ]
        return [
            *pages,
            *plan_feeds(site, config, urls, info, digests),
            *plan_sitemaps(site, config, urls, info, pages, digests),
            *plan_host_files(config, urls, self._assets),
        ]


def find_path_clashes(jobs: Sequence[RenderJob]) -> list[SitegenError]:
    """Two jobs writing one file is a content mistake (a page named like a section, say)."""
    seen: dict[str, RenderJob] = {}
    errors: list[SitegenError] = []
    for job in jobs:
        other = seen.setdefault(job.path, job)
        if other is not job:
            errors.append(
                SitegenError(
                    job.origin or job.path,
                    None,
                    f"would write {job.path}, which {other.origin or 'another page'} writes too; "
                    "change a slug or a permalink pattern",
                )
            )
    return errors


class _Planner:
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
        articles = self.site.articles
        featured = [a for a in articles if a.featured]
        lead = featured[0] if featured else (articles[0] if articles else None)
        top: list[Article] = []
        for a in articles:
            if len(top) == 4:
                break
            if a is not lead:
                top.append(a)
        shown = {id(a) for a in top} | {id(lead)}
        latest: list[Article] = []
        for a in articles:
            if len(latest) == self.config.front_page_latest:
                break
            if id(a) not in shown:
                latest.append(a)
        count = self.config.front_page_section_count
        sections = []
        for c in self.site.categories:
            block: list[Article] = []
            for a in self.site.by_category[c.slug]:
                if len(block) == count:
                    break
                if a is not lead:
                    block.append(a)
            sections.append(SectionBlock(c, tuple(block)))

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
                **self.base(meta), lead=lead, top=top, latest=latest, sections=sections
            )

        deps = [
            "index",
            *self.cards([lead] if lead else []),
            *self.cards(top),
            *self.cards(latest),
            *(d for b in sections for d in [b.category.slug, *self.cards(b.articles)]),
        ]
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

    def lists(self, only: Sequence[Article] | None = None) -> list[RenderJob]:
        """The pages of every list; with `only`, just the pages that list one of its articles."""
        site = self.site
        terms: list[tuple[ListKind, Category | Tag | Author | Archive, str, str, Sequence[Article]]]
        terms = [("category", c, c.name, "", site.by_category[c.slug]) for c in site.categories]
        terms += [("tag", t, f"Tag: {t.name}", "", site.by_tag[t.slug]) for t in site.tags]
        terms += [
            ("author", p, p.name, p.role, site.by_author.get(p.slug, ())) for p in site.authors
        ]
        terms += [
            ("archive", a, f"{MONTHS[a.month - 1]} {a.year}", "", a.articles) for a in site.archives
        ]
        jobs: list[RenderJob] = []
        ids = {id(a) for a in only or ()}
        for kind, term, title, description, articles in terms:
            if only is None:
                jobs += self.paginate(kind, term, title, description, articles)
            elif any(_holds(kind, term, a) for a in only):
                # A month's every page holds the whole month (`term.articles`); other lists'
                # pages hold their own stories only.
                per_page = self.config.per_page
                numbers = (
                    None
                    if isinstance(term, Archive)
                    else {i // per_page + 1 for i, a in enumerate(articles) if id(a) in ids}
                )
                jobs += self.paginate(kind, term, title, description, articles, numbers)
        return jobs

    def paginate(
        self,
        kind: ListKind,
        term: Category | Tag | Author | Archive,
        title: str,
        description: str,
        articles: Sequence[Article],
        numbers: Collection[int] | None = None,
    ) -> list[RenderJob]:
        """The list's pages, or those of `numbers` (counted from 1)."""
        per_page = self.config.per_page
        total = max(1, -(-len(articles) // per_page))
        first = term.url
        page_urls = tuple((n, page_url(first, n)) for n in range(1, total + 1))
        if isinstance(term, Author):
            term_key: tuple[str, ...] = (self.digests.author[term.slug],)
        elif isinstance(term, Archive):  # a template may print any story of the month
            term_key = (f"{term.year}-{term.month}", *self.cards(term.articles))
        else:
            term_key = (repr(term),)
        noun = "section" if kind == "category" else kind
        origin = f"the {noun} page of {getattr(term, 'name', title)!r}"
        jobs = []
        for number, url in page_urls:
            if numbers is not None and number not in numbers:
                continue
            chunk = articles[(number - 1) * per_page : number * per_page]
            deps = (kind, *term_key, f"{number}/{total}", *self.cards(chunk))
            newest = max((a.modified for a in chunk), default=None)
            context = _ListPage(self, kind, term, title, description, chunk, number, page_urls)
            jobs.append(RenderJob(self.urls.output_path(url), "list.html", context, deps,
                                  origin, newest, True))  # fmt: skip
        return jobs

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


class _ListPage:
    """The context of one page of a paginated list, built on demand."""

    def __init__(
        self,
        planner: _Planner,
        kind: ListKind,
        term: Category | Tag | Author | Archive,
        title: str,
        description: str,
        chunk: Sequence[Article],
        number: int,
        page_urls: tuple[tuple[int, str], ...],
    ) -> None:
        self.planner, self.kind, self.term, self.title = planner, kind, term, title
        self.description, self.chunk, self.number, self.page_urls = (
            description, chunk, number, page_urls,
        )  # fmt: skip

    def __call__(self) -> Mapping[str, Any]:
        p, term, title, number = self.planner, self.term, self.title, self.number
        total = len(self.page_urls)
        first = term.url
        url = page_url(first, number)
        crumbs = [Crumb("Home", p.urls.home())]
        if self.kind == "archive":
            crumbs.append(Crumb("Archive", p.urls.archives()))
        crumbs.append(Crumb(title, first))
        author = term if isinstance(term, Author) else None
        prev_url = page_url(first, number - 1) if number > 1 else ""
        next_url = page_url(first, number + 1) if number < total else ""
        json_ld: list[Mapping[str, Any]] = [seo.breadcrumb_list(p.urls, crumbs)]
        if author is not None:
            json_ld.append(seo.profile_page(p.urls, author))
        meta = seo.page_meta(
            p.config,
            p.urls,
            title=title if number == 1 else f"{title} – page {number}",
            description=self.description or f"{title}: the latest from {p.config.title}.",
            url=url,
            og_type="profile" if author else "website",
            image=(author.avatar, None, None, author.name) if author and author.avatar else None,
            json_ld=json_ld,
            alternates=p.feeds(self.kind, first, title),
            prev_url=prev_url,
            next_url=next_url,
        )
        section = term.slug if isinstance(term, Category) else ""
        return ListContext(
            **p.base(meta, section),
            kind=self.kind,
            title=title,
            description=self.description,
            term=term,
            author=author,
            articles=self.chunk,
            pager=Pager(number, total, prev_url, next_url, self.page_urls),
            breadcrumbs=crumbs,
        )


def _holds(kind: ListKind, term: Category | Tag | Author | Archive, article: Article) -> bool:
    """Whether the list of `term` holds `article`, going by the article's own fields."""
    if isinstance(term, Archive):
        return (term.year, term.month) == (article.date.year, article.date.month)
    if kind == "category":
        return term == article.category
    return term in (article.tags if kind == "tag" else article.authors)


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
