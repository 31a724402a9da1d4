"""Planning: one RenderJob per output page, built from the model. Nothing is rendered here, so
the plan can be checked (two jobs claiming one path) and fingerprinted before any work."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

from sitegen.config import SiteConfig
from sitegen.errors import SitegenError
from sitegen.model.entities import Archive, Article, Author, Category, Site, Tag
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
    SectionBlock,
    ShareLink,
    SiteInfo,
)
from sitegen.render.feeds import feed_alternates, listed, plan_feeds, plan_sitemaps
from sitegen.render.jobs import RenderJob


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


def plan_site(site: Site, config: SiteConfig, urls: Urls, search_url: str = "") -> list[RenderJob]:
    """Every output the site needs: HTML pages, then feeds, sitemaps and robots.txt."""
    info = site_info(config, site, urls, search_url)
    pages = plan_pages(site, config, urls, info)
    return [
        *pages,
        *plan_feeds(site, config, urls, info),
        *plan_sitemaps(site, config, urls, info, pages),
    ]


def plan_pages(site: Site, config: SiteConfig, urls: Urls, info: SiteInfo) -> list[RenderJob]:
    planner = _Planner(site, config, urls, info)
    jobs = [
        planner.index(),
        *(planner.article(a) for a in site.articles),
        *planner.lists(),
        planner.archive_index(),
        *(planner.page(p) for p in site.pages),
        planner.not_found(),
    ]
    return jobs


def find_path_clashes(jobs: Sequence[RenderJob]) -> list[SitegenError]:
    """Two jobs writing one file is a content mistake (a page named like a section, say)."""
    seen: dict[str, RenderJob] = {}
    errors: list[SitegenError] = []
    for job in jobs:
        other = seen.setdefault(job.path, job)
        if other is not job:
            errors.append(
                SitegenError(
                    _origin(job),
                    None,
                    f"would write {job.path}, which {_origin(other)} writes too; change a slug or a permalink pattern",
                )
            )
    return errors


def _origin(job: RenderJob) -> str:
    for key in ("article", "page"):
        item = job.context.get(key)
        if item is not None:
            return f"content/{item.source}"
    return job.deps[0] if job.deps else job.path


class _Planner:
    def __init__(self, site: Site, config: SiteConfig, urls: Urls, info: SiteInfo) -> None:
        self.site, self.config, self.urls, self.info = site, config, urls, info
        self.position = {
            a.source: i for articles in site.by_category.values() for i, a in enumerate(articles)
        }
        self.site_feeds = feed_alternates(config, urls, "site", urls.home(), config.title)

    def feeds(self, scope: str, first_url: str, title: str) -> list[Alternate]:
        return [*self.site_feeds, *feed_alternates(self.config, self.urls, scope, first_url, title)]

    def base(self, meta: Meta, section: str = "") -> BaseContext:
        return BaseContext(
            site=self.info, meta=meta, current_section=section, build_year=self.site.build_time.year
        )

    def job(
        self,
        url: str,
        template: str,
        context: Mapping[str, Any],
        deps: Sequence[str],
        lastmod: datetime | None = None,
        sitemap: bool = True,
    ) -> RenderJob:
        return RenderJob(
            self.urls.output_path(url), template, context, tuple(deps), lastmod, sitemap
        )

    def index(self) -> RenderJob:
        articles = self.site.articles
        featured = [a for a in articles if a.featured]
        lead = featured[0] if featured else (articles[0] if articles else None)
        rest = [a for a in articles if a is not lead]
        top = rest[:4]
        shown = {id(a) for a in top} | {id(lead)}
        latest = [a for a in rest if id(a) not in shown][: self.config.front_page_latest]
        count = self.config.front_page_section_count
        sections = [
            SectionBlock(
                c, tuple(a for a in self.site.by_category[c.slug] if a is not lead)[:count]
            )
            for c in self.site.categories
        ]
        meta = seo.page_meta(
            self.config,
            self.urls,
            title=self.config.title,
            description=self.config.description,
            url=self.urls.home(),
            json_ld=(seo.website(self.config, self.urls, self.info.search_url),),
            alternates=self.site_feeds,
        )
        context = IndexContext(
            **self.base(meta),
            lead=lead,
            top=top,
            latest=latest,
            sections=sections,
        )
        shown_articles = {a.source for a in [*top, *latest]} | ({lead.source} if lead else set())
        for block in sections:
            shown_articles.update(a.source for a in block.articles)
        newest = max((a.modified for a in articles[:1]), default=None)
        deps = ["index", *sorted(shown_articles)]
        return self.job(self.urls.home(), "index.html", context, deps, newest)

    def article(self, article: Article) -> RenderJob:
        related = self.site.related.get(article.source, ())
        crumbs = [
            Crumb("Home", self.urls.home()),
            Crumb(article.category.name, article.category.url),
        ]
        # The stories published just before this one: stable as newer stories arrive.
        section = self.site.by_category[article.category.slug]
        here = self.position[article.source]
        in_section = list(section[here + 1 : here + 5])
        inline = related[: self.config.related.inline_count] if article.body_split else ()
        meta = seo.article_meta(self.config, self.urls, article, crumbs)
        meta = replace(
            meta,
            alternates=tuple(self.feeds("category", article.category.url, article.category.name)),
        )
        context = ArticleContext(
            **self.base(meta, article.category.slug),
            article=article,
            breadcrumbs=crumbs,
            related=related[: self.config.related.count],
            inline_related=inline,
            share=share_links(self.urls.absolute(article.url), article.title),
            more_in_section=in_section,
        )
        deps = [article.source, *(a.source for a in related), *(a.source for a in in_section)]
        public = listed(article, self.site)
        return self.job(article.url, "article.html", context, deps, article.modified, public)

    def lists(self) -> list[RenderJob]:
        jobs: list[RenderJob] = []
        for category in self.site.categories:
            jobs += self.paginate(
                "category", category, category.name, "", self.site.by_category[category.slug]
            )
        for tag in self.site.tags:
            jobs += self.paginate("tag", tag, f"Tag: {tag.name}", "", self.site.by_tag[tag.slug])
        for author in self.site.authors:
            articles = self.site.by_author.get(author.slug, ())
            jobs += self.paginate("author", author, author.name, author.role, articles)
        for archive in self.site.archives:
            title = f"{_MONTHS[archive.month - 1]} {archive.year}"
            jobs += self.paginate("archive", archive, title, "", archive.articles)
        return jobs

    def paginate(
        self,
        kind: Literal["category", "tag", "author", "archive"],
        term: Category | Tag | Author | Archive,
        title: str,
        description: str,
        articles: Sequence[Article],
    ) -> list[RenderJob]:
        per_page = self.config.per_page
        total = max(1, -(-len(articles) // per_page))
        first = term.url
        page_urls = tuple((n, page_url(first, n)) for n in range(1, total + 1))
        crumbs = [Crumb("Home", self.urls.home())]
        if kind == "archive":
            crumbs.append(Crumb("Archive", self.urls.archives()))
        crumbs.append(Crumb(title, first))
        section = term.slug if isinstance(term, Category) else ""
        author = term if isinstance(term, Author) else None
        jobs = []
        for number, url in page_urls:
            chunk = articles[(number - 1) * per_page : number * per_page]
            prev_url = page_url(first, number - 1) if number > 1 else ""
            next_url = page_url(first, number + 1) if number < total else ""
            page_title = title if number == 1 else f"{title} – page {number}"
            json_ld: list[Mapping[str, Any]] = [seo.breadcrumb_list(self.urls, crumbs)]
            if author is not None:
                json_ld.append(seo.profile_page(self.urls, author))
            meta = seo.page_meta(
                self.config,
                self.urls,
                title=page_title,
                description=description or f"{title}: the latest from {self.config.title}.",
                url=url,
                og_type="profile" if author else "website",
                image=(author.avatar, None, None, author.name)
                if author and author.avatar
                else None,
                json_ld=json_ld,
                alternates=self.feeds(kind, first, title),
                prev_url=prev_url,
                next_url=next_url,
            )
            context = ListContext(
                **self.base(meta, section),
                kind=kind,
                title=title,
                description=description,
                term=term,
                author=author,
                articles=chunk,
                pager=Pager(number, total, prev_url, next_url, page_urls),
                breadcrumbs=crumbs,
            )
            deps = [
                f"{kind}:{getattr(term, 'slug', url)}:{number}/{total}",
                *(a.source for a in chunk),
            ]
            newest = max((a.modified for a in chunk), default=None)
            jobs.append(self.job(url, "list.html", context, deps, newest))
        return jobs

    def archive_index(self) -> RenderJob:
        url = self.urls.archives()
        crumbs = [Crumb("Home", self.urls.home()), Crumb("Archive", url)]
        meta = seo.page_meta(
            self.config,
            self.urls,
            title="Archive",
            description=f"Every month of {self.config.title}.",
            url=url,
        )
        context = ArchiveIndexContext(
            **self.base(meta), archives=self.site.archives, breadcrumbs=crumbs
        )
        deps = ["archives", *(f"{a.year}-{a.month}:{len(a.articles)}" for a in self.site.archives)]
        return self.job(url, "archives.html", context, deps)

    def page(self, page: Any) -> RenderJob:
        crumbs = [Crumb("Home", self.urls.home()), Crumb(page.title, page.url)]
        meta = seo.page_meta(
            self.config,
            self.urls,
            title=page.title,
            description=page.summary,
            url=page.url,
            noindex=page.noindex,
        )
        context = PageContext(**self.base(meta), page=page, breadcrumbs=crumbs)
        return self.job(page.url, "page.html", context, [page.source], sitemap=not page.noindex)

    def not_found(self) -> RenderJob:
        url = self.urls.special("/404.html")
        meta = seo.page_meta(
            self.config, self.urls, title="Page not found", description="", url=url, noindex=True
        )
        latest = self.site.articles[:5]
        context = NotFoundContext(**self.base(meta), latest=latest)
        deps = ["404", *(a.source for a in latest)]
        return self.job(url, "404.html", context, deps, sitemap=False)


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


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
