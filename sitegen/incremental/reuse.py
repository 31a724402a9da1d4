"""What a build takes from its cache (state.py) besides fingerprints, and how: source rows whose
body and HTML are fetched only when something asks for them, articles' checked front matter,
related-article lists, and compiled templates. build.py calls these while planning; like
state.py, nothing in the model or renderer knows about them."""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from sitegen.errors import ContentError, SitegenError
from sitegen.incremental.cache_rows import CheckedArticle
from sitegen.incremental.stamps import source_digest
from sitegen.incremental.state import BuildState, CachedSource, Snapshot
from sitegen.load.config import RelatedConfig, SiteConfig
from sitegen.load.markup import Converter
from sitegen.load.sources import FoundSource, SourceFile, read_source, unreadable_message
from sitegen.model.articles import check_front_matter
from sitegen.model.entities import Article
from sitegen.model.related import related_articles
from sitegen.model.urls import Urls
from sitegen.output.halves import in_halves
from sitegen.render.templates import environment_key


def read_sources(
    root: Path,
    snapshot: Snapshot,
    found: Sequence[FoundSource],
    stored: Stored | None = None,
) -> tuple[dict[str, CachedSource], list[SitegenError]]:
    """Every content file, reusing the cached parse when the digest of its bytes matches (from
    `found` when it is stamps.ScannedSources, else read here): never by size and time alone,
    which a same-size edit can leave as they were (stamps.py). A reused row's body and HTML are
    fetched through `stored` when something asks for them."""
    content_dir = root / "content"
    sources: dict[str, CachedSource] = {}
    errors: list[SitegenError] = []
    for item in found:
        display = "content/" + item.rel
        if item.error is not None:
            errors.append(_unreadable(display, item.error))
            continue
        cached = snapshot.sources.get(item.rel)
        if cached is not None and cached.source.display != display:
            cached = None
        if cached is not None and cached.digest == source_digest(found, item.rel, item.path):
            if stored is not None:
                stored.bind(cached)
            sources[item.rel] = cached
            continue
        try:
            sources[item.rel] = _read_again(content_dir, item, cached, stored)
        except ContentError as exc:
            errors.append(exc)
    return sources, errors


def _read_again(
    content_dir: Path, item: FoundSource, cached: CachedSource | None, stored: Stored | None
) -> CachedSource:
    """The file read and parsed; the cached row kept (with its converted Markdown) when the
    bytes turn out to be the same after all."""
    display = "content/" + item.rel
    scanned = time.time_ns()
    try:
        source = read_source(content_dir, item.rel, display)
    except OSError as exc:
        raise ContentError(display, None, f"cannot be read: {exc.strerror}") from None
    if cached is None or cached.digest != source.digest:
        return CachedSource(item.size, item.mtime_ns, scanned, source.digest, source, "", None)
    if stored is not None:
        stored.bind(cached)
    return replace(
        cached, size=item.size, mtime_ns=item.mtime_ns, scanned_ns=scanned, source=source
    )


def _unreadable(display: str, problem: str) -> ContentError:
    """The error for a content file or folder (its path ending in "/") that scan_sources
    could not look at."""
    if display.endswith("/"):
        return ContentError(display.rstrip("/"), None, unreadable_message("folder", problem))
    return ContentError(display, None, f"cannot be read: {problem}")


class Stored:
    """What the cache leaves out of a source it trusts, fetched when something needs it: the
    body from the file itself, the HTML from the cache (or converted again if the cache has
    lost it, so a damaged cache costs time, not a wrong page)."""

    def __init__(self, state: BuildState, root: Path, settings: tuple[Any, ...]) -> None:
        self.state = state
        self.content_dir = root / "content"
        self.settings = settings
        self._converter: Converter | None = None

    def bind(self, cached: CachedSource) -> None:
        source, markup = cached.source, cached.markup
        source.lazy_body.bind(functools.partial(self.body, source.rel))
        if markup is not None:
            markup.lazy_html.bind(functools.partial(self.html, source, cached.markup_key))

    def body(self, rel: str) -> str:
        display = "content/" + rel
        try:
            # If the bytes no longer match the digest (rewritten since the scan), the file as
            # it is now is still the best answer there is.
            return read_source(self.content_dir, rel, display).body
        except OSError as exc:
            raise ContentError(display, None, f"cannot be read: {exc.strerror}") from None

    def html(self, source: SourceFile, markup_key: str) -> str:
        html = self.state.html(source.rel, source.digest, markup_key)
        if html is None:
            if self._converter is None:
                self._converter = Converter(*self.settings)
            html = self._converter.convert(source.body, source.rel).html
        return html


def with_checked(
    sources: dict[str, CachedSource], config: SiteConfig, key: str
) -> dict[str, CachedSource]:
    """Each article's checked front matter (model/articles.py), worked out again only for files
    or settings that changed since it was cached; with it, what related_articles reads of the
    article (which is all in the front matter: if the rest of the site disagrees, the build
    fails)."""
    urls = Urls(config.permalinks, config.base_url)
    out = sources.copy()
    for rel, c in sources.items():
        if c.source.kind != "article" or c.markup is None:
            continue
        if c.checked is None or c.checked.settings_key != key:
            d = check_front_matter(c.source, c.markup, config, urls)
            related = ""
            if d.date is not None:
                tags = [slug for slug, _ in d.tags]
                related = related_key(rel, d.date, tags, d.author_slugs, d.category_slug)
            out[rel] = replace(c, checked=CheckedArticle(key, d, related))
    return out


class KeptTemplates(jinja2.BytecodeCache):
    """Compiled templates kept in the build cache. Those compiled by this build are written
    only when the build succeeds, with the rest of the cache (see BuildState.save)."""

    def __init__(self, state: BuildState, *, reuse: bool) -> None:
        self.state = state
        self.reuse = reuse
        self.prefix = environment_key() + ":"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self.state.template(self.prefix + bucket.key) if self.reuse else None
        if data is not None:
            bucket.bytecode_from_string(data)  # Jinja drops it if the template has changed

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.state.keep_template(self.prefix + bucket.key, bucket.bytecode_to_string())


class CachedRelated:
    """related_articles, reused from the cache while nothing it reads has changed. `keys`
    holds, by source, what it reads of each article, as cached with its checked front matter."""

    def __init__(self, state: BuildState | None, keys: Mapping[str, str]) -> None:
        self.state = state
        self.keys = keys
        self.saved: tuple[str, Mapping[str, tuple[str, ...]]] | None = None

    def __call__(
        self, articles: Sequence[Article], config: RelatedConfig
    ) -> Mapping[str, tuple[Article, ...]]:
        keys = self.keys
        parts = [repr(config), *(keys.get(a.source) or related_key_of(a) for a in articles)]
        signature = hashlib.sha256("\n".join(parts).encode()).hexdigest()
        kept = self._kept(signature, articles)
        if kept is not None:
            return kept
        result = related_articles(articles, config, in_halves)
        self.saved = (
            signature,
            {s: tuple(a.source for a in related) for s, related in result.items()},
        )
        return result

    def _kept(
        self, signature: str, articles: Sequence[Article]
    ) -> Mapping[str, tuple[Article, ...]] | None:
        """The cached lists, if the cache has them for these very articles."""
        cached = self.state.related(signature) if self.state else None
        by_source = {a.source: a for a in articles}
        if cached is None or set(cached) != set(by_source):
            return None
        return {s: tuple(by_source[r] for r in related) for s, related in cached.items()}


def related_key(
    source: str, date: datetime, tags: Sequence[str], authors: Sequence[str], category: str
) -> str:
    """What related_articles reads of one article."""
    return repr((source, date.isoformat(), list(tags), list(authors), category))


def related_key_of(article: Article) -> str:
    return related_key(
        article.source,
        article.date,
        [t.slug for t in article.tags],
        [p.slug for p in article.authors],
        article.category.slug,
    )
