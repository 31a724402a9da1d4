"""The entities of a news site. Frozen: derivation happens in named functions, not constructors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


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
    body_html: str
    body_split: int
    """Offset in body_html after which the inline related box is placed; 0 for none."""
    toc: tuple[tuple[int, str, str], ...]
    word_count: int
    reading_time: int
    draft: bool
    featured: bool
    noindex: bool
    corrections: tuple[Correction, ...]
    url: str
    extra: Mapping[str, Any]

    @property
    def body_head(self) -> str:
        return self.body_html[: self.body_split] if self.body_split else self.body_html

    @property
    def body_tail(self) -> str:
        return self.body_html[self.body_split :] if self.body_split else ""

    @property
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
