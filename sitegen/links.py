"""Internal links in article and page bodies, checked against the planned outputs: a link to a
page no job writes, a missing static file or an unknown #fragment is reported with its line."""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Mapping
from urllib.parse import unquote, urlsplit

from sitegen.errors import Reporter
from sitegen.model.entities import Article, Page, Site
from sitegen.model.urls import Urls
from sitegen.sources import SourceFile

_HREF = re.compile(r'<(a|img)\b[^>]*?\s(href|src)="([^"]*)"')
_ID = re.compile(r'\sid="([^"]*)"')


def check_body_links(
    site: Site,
    urls: Urls,
    outputs: Collection[str],
    sources: Mapping[str, SourceFile],
    reporter: Reporter,
) -> None:
    """Warn about every dead internal link in a body; the message names file and line."""
    items: list[Article | Page] = [*site.articles, *site.pages]
    for item in items:
        source = sources.get(item.source)
        if source is None:
            continue
        ids = set(_ID.findall(item.body_html))
        for match in _HREF.finditer(item.body_html):
            url = html.unescape(match.group(3))
            problem = _problem(url, urls, outputs, ids)
            if problem:
                reporter.warn(source.display, _line(source, url), problem)


def _problem(url: str, urls: Urls, outputs: Collection[str], ids: set[str]) -> str:
    if url.startswith("#"):
        fragment = unquote(url[1:])
        if fragment and fragment not in ids:
            return f"links to #{fragment}, but no heading or element here has that id"
        return ""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return ""
    path = unquote(parts.path)
    base = urls.base_path
    if base and not (path == base or path.startswith(base + "/")):
        return f"links to {url}, which is outside the site's base path {base}/"
    rel = urls.output_path(path)
    if rel in outputs or (not path.endswith("/") and f"{rel}/index.html" in outputs):
        return ""
    return f"links to {url}, but the site has no such page or file; fix the link or add the page"


def _line(source: SourceFile, url: str) -> int:
    for needle in (f"]({url}", f'="{url}"', url, url.split("#")[0] or url):
        index = source.body.find(needle)
        if index >= 0:
            return source.body_line + source.body.count("\n", 0, index)
    return source.body_line
