"""Articles from sources, in two steps. `check_front_matter` checks what an article takes from its
own file: a pure function of the file, its Markdown and the settings, which the build cache
keeps beside the file's parse. `article_from_front_matter` adds what it takes from the rest of the site:
its authors' profiles, the section and tag names as first spelled, the image's file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sitegen.errors import Reporter, SitegenError
from sitegen.load.assets import StaticInfo
from sitegen.load.config import SiteConfig
from sitegen.load.markup import Markup
from sitegen.load.sources import SourceFile
from sitegen.model.aliases import aliases_of
from sitegen.model.article_images import FrontMatterImage, article_image, front_matter_image
from sitegen.model.bundles import bundle_links
from sitegen.model.entities import Article, Author, Body, Correction
from sitegen.model.entries import Fields, extra_of, nfc, parse_date, suggest
from sitegen.model.slugs import is_valid_slug, slugify
from sitegen.model.terms import Terms, front_matter_category, front_matter_tags
from sitegen.model.text import derive_summary, reading_minutes
from sitegen.model.urls import Urls

ARTICLE_KEYS = {
    "title",
    "date",
    "updated",
    "author",
    "category",
    "tags",
    "summary",
    "image",
    "image_alt",
    "image_caption",
    "image_credit",
    "image_width",
    "image_height",
    "slug",
    "draft",
    "featured",
    "reading_time",
    "noindex",
    "corrections",
    "aliases",
    "extra",
}
"""The keys an article's front matter may hold; any other is warned about (entries.extra_of)."""
PLACEHOLDER = "Write the story here."
"""The body `sitegen new` writes (cli/scaffold.py): published, it would be the whole story."""


@dataclass(frozen=True)
class ArticleFrontMatter:
    """What an article takes from its own file, checked: article_entry without the rest of the
    site. A pure function of the file, its Markdown and the settings, so the build cache keeps
    it beside the file's parse; `article_from_front_matter` adds authors, sections, tags and images."""

    title: str
    date: datetime | None
    updated: datetime | None
    author_slugs: tuple[str, ...]
    category: str
    """Section name as written ('' when missing)."""
    category_slug: str
    """'' when the name is missing or gives no slug."""
    tags: tuple[tuple[str, str], ...]
    """(slug, name) of each tag, the first spelling of each slug."""
    slug: str
    image: FrontMatterImage | None
    summary: str
    reading_time: int
    draft: bool
    featured: bool
    noindex: bool
    corrections: tuple[Correction, ...]
    url: str
    """'' when the slug, section or date is missing."""
    extra: Mapping[str, Any]
    errors: tuple[SitegenError, ...]
    warnings: tuple[tuple[int, str], ...]
    """(line, message), reported after those that depend on the rest of the site."""
    aliases: tuple[str, ...] = ()
    """Old URLs that redirect here (model/aliases.py)."""


def check_front_matter(
    source: SourceFile, markup: Markup, config: SiteConfig, u: Urls
) -> ArticleFrontMatter:
    errors: list[SitegenError] = []
    warnings: list[tuple[int, str]] = []
    f = Fields(source, errors)
    title = f.text("title", required=True)
    when, updated = _dates(f, config)
    author_slugs = _author_slugs(f, warnings)
    category_name, cslug = front_matter_category(f)
    tags = front_matter_tags(f, warnings)
    slug = _front_matter_slug(f, title)
    image = front_matter_image(f)
    summary = f.text("summary") or derive_summary(markup.first_paragraph, config.summary_length)
    reading = f.number("reading_time") or reading_minutes(
        markup.word_count, config.words_per_minute
    )
    draft, featured, noindex = f.flag("draft"), f.flag("featured"), f.flag("noindex")
    corrections = _corrections(f, config)
    aliases = aliases_of(f, u)
    _check_body(f, title, markup, warnings)
    if not draft:
        _check_placeholder(f)
    extra = extra_of(f, ARTICLE_KEYS, warnings)
    return ArticleFrontMatter(
        title=title,
        date=when,
        updated=updated,
        author_slugs=author_slugs,
        category=category_name,
        category_slug=cslug,
        tags=tags,
        slug=slug,
        image=image,
        summary=summary,
        reading_time=reading,
        draft=draft,
        featured=featured,
        noindex=noindex,
        corrections=corrections,
        url=u.article(slug, cslug, when) if slug and cslug and when else "",
        extra=extra,
        errors=tuple(errors),
        warnings=tuple(sorted(warnings, key=lambda w: w[0])),  # in the file's order
        aliases=aliases,
    )


def _dates(f: Fields, config: SiteConfig) -> tuple[datetime | None, datetime | None]:
    """`date` (required) and `updated`, which may not precede it."""
    when = f.when("date", config, required=True)
    updated = f.when("updated", config)
    if when and updated and updated < when:
        f.error("updated", "`updated` is before `date`; an update cannot precede publication")
    return when, updated


def _check_body(f: Fields, title: str, markup: Markup, warnings: list[tuple[int, str]]) -> None:
    """An error for an article with neither title nor body, a warning for one without body."""
    if not title and not markup.word_count:
        f.error("title", "the article has neither a title nor a body")
    elif not markup.word_count:
        warnings.append(
            (f.source.body_line, "the article has no body; write the story below the front matter")
        )


def _check_placeholder(f: Fields) -> None:
    """An error when the text `sitegen new` wrote is still in a story that is no draft."""
    if PLACEHOLDER in f.source.body:
        f.error_at(
            f.source.line_of_text(PLACEHOLDER),
            f"{PLACEHOLDER!r} is the placeholder `sitegen new` wrote; replace it with the story, "
            "or keep `draft: true` until it is written",
        )


def _author_slugs(f: Fields, warnings: list[tuple[int, str]]) -> tuple[str, ...]:
    """The byline's author slugs in order, each once: a slug listed again is dropped with a
    warning (5,000 copies of one slug would otherwise print 5,000 bylines on every page)."""
    listed = [nfc(slug) for slug in f.strings("author", warnings)]
    if not listed:  # `author: []` too: a story without a byline is no story to publish
        f.error(
            "author",
            ("`author` names no one" if "author" in f.meta else "front matter needs `author:`")
            + "; give an author slug (author: jane-doe), or a list for a shared byline",
        )
    unique = tuple(dict.fromkeys(listed))
    if len(unique) < len(listed):
        counts = Counter(listed)
        repeated = [f"{slug!r} {counts[slug]} times" for slug in unique if counts[slug] > 1]
        more = ", …" if len(repeated) > 3 else ""
        warnings.append(
            (
                f.source.line_of("author"),
                f"`author` names {', '.join(repeated[:3])}{more}; a byline names each author "
                "once, so the repeats were dropped: remove them",
            )
        )
    return unique


def _front_matter_slug(f: Fields, title: str) -> str:
    """`slug:` (in composed Unicode, NFC) or the title's slug; '' with an error if neither."""
    slug = nfc(f.text("slug")) or slugify(title) or ""
    if title and not slug:
        f.error("title", "the title gives an empty slug; add `slug:` with letters or digits")
    elif slug and not is_valid_slug(slug):
        f.error("slug", f"slug {slug!r} may only hold letters, digits and hyphens (no / or ..)")
    return slug


@dataclass(frozen=True)
class Known:
    """What article_from_front_matter takes from the rest of the site."""

    urls: Urls
    authors: Mapping[str, Author]
    broken_authors: set[str]
    """Slugs of the author profiles that have errors of their own."""
    link_urls: Mapping[str, str]
    """The URL of each content file an article's body may link to."""
    image_sizes: Mapping[str, StaticInfo]
    terms: Terms
    content_files: Collection[str] = frozenset()
    """Content paths of the files beside stories that bodies show or link to, that exist."""


def article_from_front_matter(
    d: ArticleFrontMatter,
    source: SourceFile,
    markup: Markup,
    known: Known,
    reporter: Reporter,
    errors: list[SitegenError],
) -> Article | None:
    """The article, once the rest of the site is known: its authors' profiles, the section and
    tag names as first spelled, the image's file, and the URL of each content file its body
    links to. Sections and tags first seen here are added to `known.terms`."""
    errors.extend(d.errors)
    f = Fields(source, errors)
    f.ok = not d.errors
    byline = _byline(f, d.author_slugs, known)
    terms = known.terms
    category = terms.category(d.category_slug, d.category, source, reporter)
    article_tags = [terms.tag(slug, name, source, reporter) for slug, name in d.tags]
    image = article_image(f, d.image, known.urls, known.image_sizes, reporter) if d.image else None
    for line, message in d.warnings:
        reporter.warn(source.display, line, message)
    if not f.ok or d.date is None or category is None or not byline:
        return None
    links = {r.target: known.link_urls.get(r.target, "#") for r in markup.refs}
    links |= bundle_links(source, d.url, markup.files, known.content_files, reporter)
    return Article(
        source=source.rel,
        slug=d.slug,
        title=d.title,
        date=d.date,
        updated=d.updated,
        authors=byline,
        category=category,
        tags=tuple(article_tags),
        summary=d.summary,
        image=image,
        body=Body(markup.lazy_html, markup.split, links or None),
        toc=markup.toc,
        word_count=markup.word_count,
        reading_time=d.reading_time,
        draft=d.draft,
        featured=d.featured,
        noindex=d.noindex,
        corrections=d.corrections,
        url=d.url,
        extra=d.extra,
        aliases=d.aliases,
    )


def _byline(f: Fields, slugs: tuple[str, ...], known: Known) -> tuple[Author, ...]:
    """The profiles of the authors `slugs` names; an error for each slug without one."""
    byline: list[Author] = []
    for slug in slugs:
        if slug in known.authors:
            byline.append(known.authors[slug])
        elif slug in known.broken_authors:
            f.ok = False  # the profile exists but has errors of its own, reported there
        else:
            f.error(
                "author",
                f"author {slug!r} has no profile: create content/authors/{slug}.md "
                f"(with `name:`) or fix the slug" + suggest(slug, known.authors),
            )
    return tuple(byline)


def _corrections(f: Fields, config: SiteConfig) -> tuple[Correction, ...]:
    value = f.meta.get("corrections")
    if value is None:
        return ()
    if not isinstance(value, list):
        f.error("corrections", "`corrections` must be a list of {date, text} entries")
        return ()
    out = []
    for entry in value:
        when = parse_date(entry.get("date"), config) if isinstance(entry, dict) else None
        text = entry.get("text") if isinstance(entry, dict) else None
        if when is None or not isinstance(text, str) or not text.strip():
            f.error(
                "corrections",
                'each correction needs `date:` (ISO 8601) and `text:`, e.g. - {date: 2025-05-12, text: "We misstated…"}',
            )
            continue
        out.append(Correction(when, text.strip()))
    return tuple(sorted(out, key=lambda c: c.date))
