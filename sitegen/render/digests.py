"""Digests of model objects: what a page shows, condensed, so an unchanged page is recognised
without rendering it.

Each digest is complete: it covers every field of the entity and of every entity reachable
from it (an article's authors with their bios, links and extra keys; its section and tags; the
URLs its body's links resolved to). A theme may print any of them on any page, so no digest may
leave a field out on the guess that a page kind does not show it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sitegen.model.entities import Article, Site


def _hash(parts: Iterable[object]) -> str:
    text = "".join(f"{part!r}\0" for part in parts)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class Digests:
    card: Mapping[str, str]
    """Article source -> digest of the article as lists show it: everything, as in `full`
    (a theme may print a card's body, or its author's bio)."""
    full: Mapping[str, str]
    """Article source -> digest of everything the article holds or reaches."""
    author: Mapping[str, str]
    search: Mapping[str, str]
    """Article source -> digest of what the search index holds of it: the full digest but for
    where its links lead (Pagefind indexes text, not addresses), so retitling a story, which
    moves it, does not re-index every story that links to it."""


def site_digests(site: Site, source_digests: Mapping[str, str]) -> Digests:
    """`source_digests` (article source -> hash of its file) stands in for everything an article
    takes from its own file; what it takes from elsewhere (its authors' profiles, the shared
    section and tag names, image sizes, its URL) is added explicitly."""
    card: dict[str, str] = {}
    full: dict[str, str] = {}
    search: dict[str, str] = {}
    # Sections, tags and authors are shared by many articles: describe each one once.
    described = {id(c): repr(c) for c in (*site.categories, *site.tags)}
    described |= {id(p): repr(p) for p in site.authors}
    for a in site.articles:
        search[a.source], whole = _article_digests(a, source_digests.get(a.source), described)
        full[a.source] = card[a.source] = whole
    authors = {a.slug: _hash((a,)) for a in site.authors}
    return Digests(card, full, authors, search)


def _article_digests(a: Article, own: str | None, described: Mapping[int, str]) -> tuple[str, str]:
    """The article's search digest and its full one. `own` is the hash of its file, if known;
    `described` the repr of each shared section, tag and author, by id."""
    blake2b = hashlib.blake2b
    if own is None:  # no file digest known: describe the article field by field
        own = _hash((a.slug, a.title, a.date, a.updated, a.summary, a.word_count,
                     a.reading_time, a.draft, a.featured, a.noindex, a.corrections,
                     sorted(a.extra.items(), key=str), a.aliases))  # fmt: skip
        links = None
        body = blake2b(a.body_html.encode(), digest_size=12).hexdigest()
    else:
        # The file's hash covers the Markdown (and the settings that convert it are in every
        # fingerprint), so the body adds only what its links resolved to. No body is fetched.
        links = a.body.links
        body = ""
    # One string, hashed once: the image's fields (not its repr, which costs twice as much)
    # and, NUL-separated, what the article shows of its section, tags and authors.
    image = a.image and tuple(vars(a.image).values())
    text = f"{a.source}\0{own}\0{a.url}\0{image!r}\0{_shared(a, described)}"
    key = blake2b(text.encode(), digest_size=12).hexdigest()
    search = f"{key}:{body or '-'}"
    if links:
        body = blake2b(repr(links).encode(), digest_size=12).hexdigest()
    return search, f"{key}:{body or '-'}"


def _shared(a: Article, described: Mapping[int, str]) -> str:
    """What the article shows of its section, tags and authors, NUL-separated (a model built
    by hand may hold some that are not among the site's: those are described here)."""
    get = described.get
    return "\0".join([get(id(a.category)) or repr(a.category),
                       *[get(id(t)) or repr(t) for t in a.tags], "",
                       *[get(id(p)) or repr(p) for p in a.authors]])  # fmt: skip


def global_digest(*parts: object) -> str:
    """What every page shows or depends on: settings, templates, menus, the section list."""
    return _hash(parts)
