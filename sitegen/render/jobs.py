"""A RenderJob: one output file to produce, planned before anything is rendered."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Searchable:
    """What the search index needs to know of an article page before it is indexed."""

    date: str
    """Day of publication (YYYY-MM-DD, the site's time zone): which index shard holds it."""
    digest: str
    """Digest of everything the article's search record holds (render/search_record.py)."""


@dataclass(frozen=True)
class RenderJob:
    path: str
    """Output path relative to the output folder (politics/x/index.html)."""
    template: str
    make_context: Callable[[], Mapping[str, Any]]
    """Builds the template context; only called when the page must be rendered."""
    deps: tuple[str, ...]
    """Digests of everything the page shows, besides what every page shows (the fingerprint)."""
    origin: str = ""
    """The source file behind the page, for messages."""
    lastmod: datetime | None = None
    """Newest change among what the page shows, for the sitemap."""
    sitemap: bool = False
    """Whether the page is public and belongs in sitemap.xml."""

    @property
    def context(self) -> Mapping[str, Any]:
        return self.make_context()

    def fingerprint(self, global_digest: str) -> str:
        # The same bytes as hashing each dep after a NUL, in one call.
        text = "\0".join((global_digest + self.template, *self.deps))
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
