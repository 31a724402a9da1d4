"""Planning: one RenderJob per output page, built from the model. Nothing is rendered here, so
the plan can be checked (two jobs claiming one path) and fingerprinted before any work; each
job's context is only built when the page has to be rendered. The pages themselves are planned
in render/pages.py, the lists' pages in render/listing.py and the feeds in render/feeds.py."""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence

from sitegen.errors import SitegenError
from sitegen.load.config import SiteConfig
from sitegen.model.entities import Article, Site
from sitegen.model.urls import Urls
from sitegen.render.contexts import SiteInfo
from sitegen.render.digests import site_digests
from sitegen.render.feeds import (
    plan_feeds,
    plan_host_files,
    plan_news_sitemap,
    plan_sitemaps,
)
from sitegen.render.jobs import RenderJob, Searchable
from sitegen.render.listing import plan_lists
from sitegen.render.pages import PagePlanner
from sitegen.render.redirects import plan_redirects
from sitegen.render.search_record import search_record


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
        self._planner = PagePlanner(site, config, urls, self.info, self.digests)
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
            *plan_lists(planner, edited),
            *plan_feeds(site, config, urls, info, digests),
            *plan_news_sitemap(site, config, info, digests),
        ]

    def everything(self) -> list[RenderJob]:
        """Every output: pages, then feeds, sitemaps and host files, then the redirects from
        old addresses (render/redirects.py), which no sitemap or feed lists."""
        site, config, urls, info, digests = (
            self._site, self._config, self._urls, self.info, self.digests
        )  # fmt: skip
        planner = self._planner
        pages = [
            planner.index(),
            *(planner.article(a) for a in site.articles),
            *plan_lists(planner),
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
            *plan_redirects(site, urls, info),
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
