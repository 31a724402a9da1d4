"""A RenderJob: one output file to produce, planned before anything is rendered."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RenderJob:
    path: str
    """Output path relative to the output folder (politics/x/index.html)."""
    template: str
    context: Mapping[str, Any]
    deps: tuple[str, ...]
    """Identities of the model objects shown on the page (for fingerprints)."""
    lastmod: datetime | None = None
    """Newest change among what the page shows, for the sitemap."""
    sitemap: bool = False
    """Whether the page is public and belongs in sitemap.xml."""
