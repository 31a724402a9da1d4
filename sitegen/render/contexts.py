"""The theme contract: what each template receives. Templates get model objects (see
sitegen/model/entities.py) plus the small view objects below, and no settings dump.

Every HTML template gets BaseContext; each page kind adds its own keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypedDict

from sitegen.model.entities import (
    Archive,
    Article,
    Author,
    Category,
    MenuItem,
    Page,
    Tag,
)


@dataclass(frozen=True)
class SiteInfo:
    """The publication, as templates see it."""

    title: str
    tagline: str
    description: str
    base_url: str
    language: str
    logo: str
    """Site URL of the logo, or ''."""
    copyright: str
    home_url: str
    archives_url: str
    search_url: str
    """URL of the search page, or '' when search is off."""
    main_menu: tuple[MenuItem, ...]
    footer_menu: tuple[MenuItem, ...]
    categories: tuple[Category, ...]
    extra: Mapping[str, Any]


@dataclass(frozen=True)
class Alternate:
    """A <link rel="alternate"> (feeds) for the page head."""

    type: str
    title: str
    href: str


@dataclass(frozen=True)
class Meta:
    """Everything for <head>: title, description, canonical and social/structured data."""

    title: str
    """Full <title> text (page title · site title)."""
    og_title: str
    """The page's own title, for social cards (which show the site name separately)."""
    description: str
    canonical: str
    """Absolute URL of this page."""
    og_type: Literal["website", "article", "profile"]
    image: str
    """Absolute URL of the social image, or ''."""
    image_width: int | None
    image_height: int | None
    image_alt: str
    noindex: bool
    alternates: tuple[Alternate, ...]
    article_tags: tuple[tuple[str, str], ...]
    """Extra (property, content) pairs such as article:published_time, in order."""
    json_ld: tuple[Mapping[str, Any], ...]
    """Structured-data objects; render each with the `json_ld` filter."""
    prev_url: str
    next_url: str


@dataclass(frozen=True)
class Crumb:
    title: str
    url: str


@dataclass(frozen=True)
class ShareLink:
    name: str
    """Network name: Facebook, X, WhatsApp, LinkedIn, Email."""
    url: str
    label: str
    """Accessible label, e.g. 'Share on Facebook'."""


@dataclass(frozen=True)
class Pager:
    number: int
    total: int
    prev_url: str
    next_url: str
    pages: tuple[tuple[int, str], ...]
    """(number, url) of every page, for numbered links."""


@dataclass(frozen=True)
class SectionBlock:
    category: Category
    articles: tuple[Article, ...]


class BaseContext(TypedDict):
    site: SiteInfo
    """The publication: title, menus, sections, logo, `extra` from sitegen.toml."""
    meta: Meta
    """What goes in <head>: title, description, canonical, social cards, JSON-LD."""
    current_section: str
    """Slug of the section this page belongs to ('' if none), to mark the menu."""
    build_year: int
    """The year of the build's clock, for the copyright line."""


class IndexContext(BaseContext):
    lead: Article | None
    """The front page's lead story: newest featured, else newest."""
    top: Sequence[Article]
    """Up to four secondary stories beside the lead."""
    latest: Sequence[Article]
    """Latest headlines (excluding lead and top)."""
    sections: Sequence[SectionBlock]
    """A block per section in menu order."""


class ArticleContext(BaseContext):
    article: Article
    """The story this page shows."""
    breadcrumbs: Sequence[Crumb]
    """Home, the section, the story."""
    related: Sequence[Article]
    """The Related Articles block at the end (may be empty)."""
    inline_related: Sequence[Article]
    """The small box placed between article.body_head and article.body_tail (may be empty)."""
    share: Sequence[ShareLink]
    """Share links (no third-party script), in display order."""
    more_in_section: Sequence[Article]
    """Newest other stories of the article's section."""


class ListContext(BaseContext):
    kind: Literal["category", "tag", "author", "archive"]
    """Which kind of list this page is."""
    title: str
    """Heading, e.g. 'Politics', 'Tag: elections', 'Jane Doe', 'November 2026'."""
    description: str
    """The list's meta description."""
    term: Category | Tag | Author | Archive
    """What the list gathers stories by."""
    author: Author | None
    """The profile on author pages, else None."""
    articles: Sequence[Article]
    """This page's articles, newest first."""
    pager: Pager
    """This page's number and the links to the others."""
    breadcrumbs: Sequence[Crumb]
    """Home, then the list."""


class ArchiveIndexContext(BaseContext):
    archives: Sequence[Archive]
    breadcrumbs: Sequence[Crumb]


class SearchContext(BaseContext):
    breadcrumbs: Sequence[Crumb]
    sections: Sequence[tuple[str, int]]
    """The section filter's choices: each section's name and how many stories the index
    holds in it, by name."""
    authors: Sequence[tuple[str, int]]
    """The author filter's choices, likewise."""


class PageContext(BaseContext):
    page: Page
    breadcrumbs: Sequence[Crumb]


class NotFoundContext(BaseContext):
    latest: Sequence[Article]


__all__ = [
    "Alternate",
    "ArchiveIndexContext",
    "ArticleContext",
    "BaseContext",
    "Crumb",
    "Feed",
    "FeedContext",
    "HeadersContext",
    "IndexContext",
    "ListContext",
    "Meta",
    "NewsSitemapContext",
    "NotFoundContext",
    "PageContext",
    "Pager",
    "RedirectContext",
    "RedirectsContext",
    "RobotsContext",
    "SearchContext",
    "SectionBlock",
    "ShareLink",
    "SiteInfo",
    "SitemapContext",
    "SitemapEntry",
]


@dataclass(frozen=True)
class Feed:
    """One RSS or Atom feed: a list page's newest articles."""

    title: str
    description: str
    home: str
    """Absolute URL of the HTML page the feed follows."""
    self_url: str
    """Absolute URL of the feed itself."""
    updated: datetime
    articles: tuple[Article, ...]
    full_content: bool


@dataclass(frozen=True, repr=False)
class SitemapEntry:
    loc: str
    lastmod: datetime | None

    def __repr__(self) -> str:
        # The dataclass repr, without its guard against recursion: a sitemap's fingerprint is
        # the repr of every entry, one per page of the site.
        return f"SitemapEntry(loc={self.loc!r}, lastmod={self.lastmod!r})"


class FeedContext(TypedDict):
    site: SiteInfo
    feed: Feed


class SitemapContext(TypedDict):
    entries: Sequence[SitemapEntry]


class NewsSitemapContext(TypedDict):
    site: SiteInfo
    publication_language: str
    articles: Sequence[Article]


class HeadersContext(TypedDict):
    immutable: Sequence[str]
    """URL paths of files whose links carry their content hash (theme assets)."""


class RobotsContext(TypedDict):
    disallow: Sequence[str]
    sitemaps: Sequence[str]
    extra: str


class RedirectContext(TypedDict):
    site: SiteInfo
    """The publication (its language and title)."""
    title: str
    """Title of the story or page the old address leads to."""
    url: str
    """Absolute URL of that story or page now."""
    alias: str
    """The old address this page stands at (a site URL, under the base path)."""


class RedirectsContext(TypedDict):
    rules: Sequence[tuple[str, str]]
    """(old, new) site URLs, under the base path and percent-encoded, sorted."""
