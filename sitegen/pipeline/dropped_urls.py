"""Addresses a build would break: a story's or static page's page that the last build published
and this one no longer makes. Links from search engines, social posts and other sites point
there, so each is a warning (an error with --strict) naming the `aliases:` line that keeps the
old address working (render/redirects.py).

Only pages of content files count, matched by their file: a story or page that moved (a new
headline, slug, section or date) is warned about on its own file; one whose file is gone, on
sitegen.toml. Lists come and go with the stories in them (a section's page 3, a tag no story
carries any more) and are not checked, and neither is a story its writer took down on purpose
(`draft: true`, or a date in the future). What the last build published is what the build
cache knows (`Snapshot.outputs`); without a cache, or with --clean, nothing is checked."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sitegen.errors import Reporter
from sitegen.incremental.cache_rows import CachedSource, Snapshot
from sitegen.load.config import CONFIG_NAME
from sitegen.model.entities import Article, Page
from sitegen.model.urls import Urls
from sitegen.pipeline.prepare import Plan


@dataclass(frozen=True)
class _Moved:
    """A content file whose page the last build published at `old` (an output path)."""

    rel: str
    old: str
    before: CachedSource
    """The file as the last build read it."""


def warn_dropped_urls(
    plan: Plan, before: Snapshot, made: Collection[str], reporter: Reporter
) -> None:
    """A warning for each page of a content file that the last build (`before`) published and
    that neither this build's outputs (`made`, output paths) nor its static files hold."""
    if not before.outputs:
        return
    published: list[Article | Page] = [*plan.site.articles, *plan.site.pages]
    entries = {e.source: e for e in published}
    for moved in _dropped(plan, before, made):
        entry = entries.get(moved.rel)
        if entry is not None:
            reporter.warn(*_moved_warning(plan, moved, entry))
        elif moved.rel not in plan.sources:
            reporter.warn(CONFIG_NAME, None, _gone_message(moved))
        # else the file is still there, unpublished: a draft or a scheduled story, on purpose


def _dropped(plan: Plan, before: Snapshot, made: Collection[str]) -> list[_Moved]:
    dropped = []
    for rel, cached in sorted(before.sources.items()):
        old = _old_path(cached, plan.urls)
        if old and old in before.outputs and old not in made and old not in plan.static:
            dropped.append(_Moved(rel, old, cached))
    return dropped


def _old_path(cached: CachedSource, urls: Urls) -> str:
    """The output path of the page the last build made of `cached`, '' when none or unknown:
    an article's as its checked front matter gave it, a static page's from its slug."""
    if cached.checked is not None:
        url = cached.checked.front_matter.url
        return urls.output_path(url) if url else ""
    if cached.source.kind == "page":
        return urls.output_path(urls.page(_page_slug(cached)))
    return ""


def _page_slug(cached: CachedSource) -> str:
    """A static page's slug as entries.page_entry makes it: `slug:`, else the file's name."""
    written = cached.source.meta.get("slug")
    slug = str(written).strip() if written else cached.source.rel.rsplit("/", 1)[-1][:-3]
    return unicodedata.normalize("NFC", slug)


def _moved_warning(plan: Plan, moved: _Moved, entry: Article | Page) -> tuple[str, int | None, str]:
    source = plan.sources[moved.rel].source
    key, why = _what_moved(moved.before, source.meta, entry)
    old_url = _site_url(moved.old)
    base = len(plan.urls.base_path)
    line = f"aliases: [{', '.join([*(a[base:] for a in entry.aliases), old_url])}]"
    message = (
        f"the last build published this {_kind(entry)} at {old_url}; it is now at "
        f"{entry.url[base:]} ({why}), and links to the old address break: add `{line}` to its "
        f"front matter to redirect them{_pin(plan, moved, entry, key)}"
    )
    return source.display, source.line_of(key) if key else None, message


def _what_moved(
    before: CachedSource, meta: Mapping[str, object], entry: Article | Page
) -> tuple[str, str]:
    """The front-matter key whose change moved the page, for the warning's line ('' when the
    file did not move it), and why it moved."""
    checked = before.checked.front_matter if before.checked is not None else None
    if isinstance(entry, Page) or checked is None:
        return "slug", "its `slug:` changed"
    if checked.slug != entry.slug:
        if "slug" in meta:
            return "slug", "its `slug:` changed"
        if "slug" in before.source.meta:
            return "title", "its `slug:` was removed, so the headline gives the slug"
        return "title", "its slug comes from the headline, which changed"
    if checked.category_slug != entry.category.slug:
        return "category", "its section changed"
    if checked.date != entry.date:
        return "date", "its date is part of the address"
    return "", f"the address pattern in {CONFIG_NAME} changed"


def _pin(plan: Plan, moved: _Moved, entry: Article | Page, key: str) -> str:
    """', or keep the old address with `slug: …`' when the old slug alone would bring it back."""
    checked = moved.before.checked
    if key not in ("title", "slug") or checked is None or not isinstance(entry, Article):
        return ""
    urls, slug = plan.urls, checked.front_matter.slug
    if urls.output_path(urls.article(slug, entry.category.slug, entry.date)) != moved.old:
        return ""
    return f", or keep the old address with `slug: {slug}`"


def _gone_message(moved: _Moved) -> str:
    old_url = _site_url(moved.old)
    return (
        f"the last build published {old_url} from {moved.before.source.display}, which is gone, "
        f"and links to that address break: if the story moved to another file, add "
        f"`aliases: [{old_url}]` to that file's front matter; to take a story down, keep its "
        "file with `draft: true` rather than deleting it"
    )


def _site_url(path: str) -> str:
    """An output path as the address written in front matter (no base path): /politics/x/."""
    if path == "index.html" or path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return "/" + path


def _kind(entry: Article | Page) -> str:
    return "story" if isinstance(entry, Article) else "page"
