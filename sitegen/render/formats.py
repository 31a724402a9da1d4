"""Output formats as data (after Hugo's output formats): adding one is an entry here and a template."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutputFormat:
    name: str
    label: str
    media_type: str
    filename: str
    """File name under a list's URL (feed.xml), or the page's own file."""
    template: str


HTML = OutputFormat("html", "HTML", "text/html", "index.html", "")
RSS = OutputFormat("rss", "RSS", "application/rss+xml", "feed.xml", "rss.xml")
ATOM = OutputFormat("atom", "Atom", "application/atom+xml", "atom.xml", "atom.xml")
SITEMAP = OutputFormat("sitemap", "Sitemap", "application/xml", "sitemap.xml", "sitemap.xml")

FEED_FORMATS: dict[str, OutputFormat] = {f.name: f for f in (RSS, ATOM)}
