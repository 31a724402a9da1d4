"""Internal links in article and page bodies, checked against the planned outputs: a link to a
page no job writes, a missing static file or an unknown #fragment is reported with its line."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from urllib.parse import unquote, urlsplit

from sitegen.errors import Reporter
from sitegen.load.markup import Markup
from sitegen.load.sources import SourceFile
from sitegen.model.urls import Urls


def check_body_links(
    bodies: Mapping[str, Markup],
    urls: Urls,
    outputs: Collection[str],
    sources: Mapping[str, SourceFile],
    reporter: Reporter,
) -> None:
    """Warn about every dead internal link in the published bodies (by source path); the
    message names file and line."""
    for rel, markup in bodies.items():
        source = sources.get(rel)
        if source is None:
            continue
        for url in markup.local_links:
            problem = _problem(url, urls, outputs, markup.ids)
            if problem:
                written, line = _as_written(url, urls.base_path, source)
                reporter.warn(source.display, line, problem.replace(url, written, 1))


def _as_written(url: str, base_path: str, source: SourceFile) -> tuple[str, int]:
    """A body's link as its writer wrote it (a site path gets the base path: `/about/` is on
    the page as `/news/about/`), and its line."""
    forms = [url]
    if base_path and url.startswith(base_path + "/"):
        forms.append(url[len(base_path) :])
    for form in forms:
        for needle in (f"]({form}", f'="{form}"', form):
            if needle in source.body:
                return form, source.line_of_text(needle)
    return url, source.line_of_text(url.split("#")[0] or url)


def _problem(url: str, urls: Urls, outputs: Collection[str], ids: frozenset[str]) -> str:
    """What is wrong with a site-relative or #fragment link, or "" when it leads somewhere."""
    if url.startswith("#"):
        return _fragment_problem(unquote(url[1:]), ids)
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return ""
    return _path_problem(url, unquote(parts.path), urls, outputs)


def _fragment_problem(fragment: str, ids: frozenset[str]) -> str:
    if fragment and fragment not in ids:
        return f"links to #{fragment}, but no heading or element here has that id"
    return ""


def _path_problem(url: str, path: str, urls: Urls, outputs: Collection[str]) -> str:
    base = urls.base_path
    if base and not (path == base or path.startswith(base + "/")):
        return f"links to {url}, which is outside the site's base path {base}/"
    rel = urls.output_path(path)
    # `/about` without its slash is fine when about/index.html exists: hosts serve that.
    if rel in outputs or (not path.endswith("/") and f"{rel}/index.html" in outputs):
        return ""
    return f"links to {url}, but the site has no such page or file; fix the link or add the page"
