"""The entities of a news site. Frozen: derivation happens in named functions, not constructors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sitegen.lazy import Lazy
from sitegen.load.markup import resolve_refs


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Author:
    slug: str
    name: str
    role: str
    avatar: str
    bio_html: str
    links: tuple[Link, ...]
    url: str
    source: str
    extra: Mapping[str, Any]


@dataclass(frozen=True)
class Category:
    slug: str
    name: str
    url: str


@dataclass(frozen=True)
class Tag:
    slug: str
    name: str
    url: str


@dataclass(frozen=True)
class Image:
    src: str
    alt: str
    caption: str
    credit: str
    width: int | None
    height: int | None
    length: int | None
    """File size in bytes when the image is a local file (feeds need it for enclosures)."""
    media_type: str


@dataclass(frozen=True)
class Correction:
    date: datetime
    text: str


@dataclass(frozen=True, eq=False)
class Body:
    """An article's HTML, made when a page shows it. Most builds render a handful of article
    pages, and every body held in memory cost more than the rest of the model."""

    raw: Lazy[str]
    """The converted Markdown, internal links still REF_PREFIX placeholders."""
    raw_split: int
    """Offset in raw after which the inline related box goes; 0 for none."""
    links: Mapping[str, str] | None = None
    """Content path -> URL for each internal link and file beside the story; None leaves the
    placeholders."""

    @classmethod
    def of(cls, html: str, split: int = 0) -> Body:
        return cls(Lazy.of(html), split)

    @cached_property
    def html(self) -> str:
        return self._resolve(self.raw.get())

    @cached_property
    def split(self) -> int:
        if not self.raw_split or not self.links:
            return self.raw_split
        return len(self._resolve(self.raw.get()[: self.raw_split]))

    def _resolve(self, html: str) -> str:
        return resolve_refs(html, self.links) if self.links else html

    # By the HTML a reader sees, as when the body was a plain string.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Body):
            return NotImplemented
        return self is other or (self.split, self.html) == (other.split, other.html)

    def __hash__(self) -> int:
        return hash((self.split, self.html))


@dataclass(frozen=True)
class Article:
    source: str
    """Content-relative path of the Markdown file (the article's identity)."""
    slug: str
    title: str
    date: datetime
    updated: datetime | None
    authors: tuple[Author, ...]
    category: Category
    tags: tuple[Tag, ...]
    summary: str
    image: Image | None
    body: Body
    toc: tuple[tuple[int, str, str], ...]
    word_count: int
    reading_time: int
    draft: bool
    featured: bool
    noindex: bool
    corrections: tuple[Correction, ...]
    url: str
    extra: Mapping[str, Any]
    aliases: tuple[str, ...] = ()
    """Old URLs of the story (`aliases:` in front matter, under the base path), each of which
    gets a page that redirects here."""

    @property
    def body_html(self) -> str:
        return self.body.html

    @property
    def body_split(self) -> int:
        """Offset in body_html after which the inline related box is placed; 0 for none."""
        return self.body.split

    @property
    def body_head(self) -> str:
        return self.body_html[: self.body_split] if self.body_split else self.body_html

    @property
    def body_tail(self) -> str:
        return self.body_html[self.body_split :] if self.body_split else ""

    @cached_property  # asked for by every list, feed and sitemap the article is on
    def modified(self) -> datetime:
        """Last change: the newest of date, updated and any correction."""
        dates = [
            self.date,
            *([self.updated] if self.updated else []),
            *(c.date for c in self.corrections),
        ]
        return max(dates)

    @property
    def author(self) -> Author:
        return self.authors[0]


@dataclass(frozen=True)
class Page:
    source: str
    slug: str
    title: str
    summary: str
    body_html: str
    url: str
    noindex: bool
    extra: Mapping[str, Any]
    aliases: tuple[str, ...] = ()
    """Old URLs of the page (`aliases:` in front matter, under the base path), each of which
    gets a page that redirects here."""


@dataclass(frozen=True)
class Archive:
    year: int
    month: int
    url: str
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class MenuItem:
    title: str
    url: str
    section: str
    """Section slug when the item points at a section, for marking the current one."""


@dataclass(frozen=True)
class Site:
    """Everything the renderer needs: published articles newest first, and their groupings."""

    articles: tuple[Article, ...]
    categories: tuple[Category, ...]
    tags: tuple[Tag, ...]
    authors: tuple[Author, ...]
    pages: tuple[Page, ...]
    archives: tuple[Archive, ...]
    by_category: Mapping[str, tuple[Article, ...]]
    by_tag: Mapping[str, tuple[Article, ...]]
    by_author: Mapping[str, tuple[Article, ...]]
    related: Mapping[str, tuple[Article, ...]]
    """Related articles by article source path, best first."""
    main_menu: tuple[MenuItem, ...]
    footer_menu: tuple[MenuItem, ...]
    build_time: datetime
    next_release: datetime | None = None
    """Publication time of the earliest scheduled (future-dated) article left out, if any."""
    drafts: tuple[str, ...] = ()
    """Source paths (content/…) of the drafts left out, for the build's summary."""
    scheduled: tuple[tuple[str, datetime], ...] = ()
    """Source path and date of each scheduled article left out, for the build's summary."""
