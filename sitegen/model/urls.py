"""Permalinks: patterns to URLs, URLs to output files, and the site's base path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from urllib.parse import quote, urlsplit

from sitegen.load.config import PermalinkConfig


@dataclass(frozen=True)
class Urls:
    """Every URL the model hands out, already under the base path (`/news/politics/x/`)."""

    permalinks: PermalinkConfig
    base_url: str

    @cached_property  # asked for every URL made: parse base_url once
    def base_path(self) -> str:
        """The path part of base_url without its trailing slash: '' or '/news'."""
        return urlsplit(self.base_url).path.rstrip("/")

    def home(self) -> str:
        return self.base_path + "/"

    def article(self, slug: str, category: str, when: datetime) -> str:
        return self.base_path + _expand(self.permalinks.article, slug, category, when)

    def category(self, slug: str) -> str:
        return self.base_path + _expand(self.permalinks.category, slug)

    def tag(self, slug: str) -> str:
        return self.base_path + _expand(self.permalinks.tag, slug)

    def author(self, slug: str) -> str:
        return self.base_path + _expand(self.permalinks.author, slug)

    def page(self, slug: str) -> str:
        return self.base_path + _expand(self.permalinks.page, slug)

    def archive(self, year: int, month: int) -> str:
        return self.base_path + _expand(self.permalinks.archive, "", "", datetime(year, month, 1))

    def archives(self) -> str:
        return self.base_path + "/archive/"

    def special(self, name: str) -> str:
        """A fixed path such as /404.html or /search/."""
        return self.base_path + name

    def absolute(self, url: str) -> str:
        """`/news/x/` -> `https://host/news/x/`, percent-encoding non-ASCII slugs."""
        if url.startswith("/") and not url.startswith("//"):
            if url.isascii() and " " not in url and '"' not in url:
                return self.origin + url
            return self.origin + quote(url, safe="/#?=&%:@~+")
        if urlsplit(url).scheme:
            return url
        return self.origin + quote(url, safe="/#?=&%:@~+")

    @cached_property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def output_path(self, url: str) -> str:
        """`/news/politics/x/` -> `politics/x/index.html`; `/404.html` stays a file."""
        path = url[len(self.base_path) :] if url.startswith(self.base_path + "/") else url
        path = path.lstrip("/")
        if not path or path.endswith("/"):
            return path + "index.html"
        return path


def page_url(first: str, number: int) -> str:
    """URL of page `number` of a paginated list whose first page is `first`."""
    return first if number == 1 else f"{first}page/{number}/"


def _expand(pattern: str, slug: str, category: str = "", when: datetime | None = None) -> str:
    values = {"slug": slug, "category": category}
    if when is not None:
        values.update(year=f"{when.year:04d}", month=f"{when.month:02d}", day=f"{when.day:02d}")
    return pattern.format(**values)
