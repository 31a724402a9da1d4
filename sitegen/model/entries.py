"""Entries from sources: one file's front matter checked key by key and turned into an
Article, Author or Page. Every problem is recorded with its line; none stops the others."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sitegen.assets import MEDIA_TYPES, StaticInfo
from sitegen.config import SiteConfig
from sitegen.errors import ContentError, Reporter, SitegenError
from sitegen.markup import Markup
from sitegen.model.entities import (
    Article,
    Author,
    Body,
    Category,
    Correction,
    Image,
    Link,
    Page,
    Tag,
)
from sitegen.model.slugs import is_valid_slug, slugify
from sitegen.model.text import derive_summary, reading_minutes
from sitegen.model.urls import Urls
from sitegen.sources import SourceFile

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
}
AUTHOR_LINKS = (
    ("x", "X", "https://x.com/{}"),
    ("bluesky", "Bluesky", "https://bsky.app/profile/{}"),
    ("mastodon", "Mastodon", "{}"),
    ("linkedin", "LinkedIn", "{}"),
    ("website", "Website", "{}"),
    ("email", "Email", "mailto:{}"),
)
_SAFE_URL = re.compile(r"^(https?://[^\s<>\"]+|/[^\s<>\"]*)$")
_COMPUTER_FOLDERS = ("/home/", "/Users/", "/root/", "/tmp/", "/var/", "/etc/", "/private/",
                     "/Volumes/", "/mnt/", "/media/", "/opt/", "/usr/")  # fmt: skip
"""Where files on a writer's machine live: an image path starting so is a copied file path."""


class _Fields:
    """Typed access to one file's front matter that records an error per bad key."""

    def __init__(self, source: SourceFile, errors: list[SitegenError]) -> None:
        self.source = source
        self.meta = source.meta
        self.errors = errors
        self.ok = True

    def error(self, key: str, message: str) -> None:
        self.ok = False
        line = self.source.line_of(key) if key else 1
        self.errors.append(ContentError(self.source.display, line, message))

    def text(self, key: str, *, required: bool = False, default: str = "") -> str:
        value = self.meta.get(key)
        if value is None or value == "":
            if required:
                self.error(
                    key,
                    f"front matter needs `{key}:`; add it, e.g. {key}: {_EXAMPLES.get(key, '...')}",
                )
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error(key, f"`{key}` must be text, not a {type(value).__name__}; put it in quotes")
            return default
        return str(value).strip()

    def flag(self, key: str) -> bool:
        value = self.meta.get(key, False)
        if not isinstance(value, bool):
            self.error(key, f"`{key}` must be true or false, not {value!r}")
            return False
        return value

    def number(self, key: str) -> int | None:
        value = self.meta.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.error(key, f"`{key}` must be a whole number of at least 1, not {value!r}")
            return None
        return value

    def strings(self, key: str) -> list[str]:
        value = self.meta.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [value.strip()] if value.strip() else []
        if isinstance(value, list) and all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in value
        ):
            return [str(v).strip() for v in value if str(v).strip()]
        self.error(key, f"`{key}` must be a list of text, e.g. {key}: [one, two]")
        return []

    def when(self, key: str, config: SiteConfig, *, required: bool = False) -> datetime | None:
        value = self.meta.get(key)
        if value is None or value == "":
            if required:
                self.error(
                    key, f"front matter needs `{key}:`; add it, e.g. {key}: 2025-05-12T09:30:00"
                )
            return None
        parsed = parse_date(value, config)
        if parsed is None:
            self.error(
                key,
                f"`{key}` is not a valid date: {value!r}; use ISO 8601 such as 2025-05-12 or 2025-05-12T09:30:00+02:00",
            )
        return parsed


_EXAMPLES = {
    "title": '"Ceasefire talks resume"',
    "author": "jane-doe",
    "category": "Politics",
    "name": "Jane Doe",
}


def parse_date(value: Any, config: SiteConfig) -> datetime | None:
    """ISO 8601 text (or a YAML date) to an aware datetime; naive values take the site zone."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=config.tz)
    return parsed


def _safe_url(fields: _Fields, key: str, value: str) -> str:
    if not value:
        return ""
    if not _SAFE_URL.match(value) or "/../" in value + "/" or "\\" in value:
        fields.error(
            key,
            f"`{key}` must be a site path such as /images/photo.jpg or an https:// URL, not {value!r}",
        )
        return ""
    return value


def author_entry(
    source: SourceFile, markup: Markup, config: SiteConfig, u: Urls, errors: list[SitegenError]
) -> Author | None:
    f = _Fields(source, errors)
    slug = source.rel.rsplit("/", 1)[-1][:-3]
    if not is_valid_slug(slug):
        f.error(
            "", f"author file name {slug!r} is not a valid slug; use letters, digits and hyphens"
        )
    name = f.text("name", required=True)
    links = []
    for key, label, pattern in AUTHOR_LINKS:
        value = f.text(key)
        if not value:
            continue
        url = pattern.format(value.lstrip("@") if key in ("x", "bluesky") else value)
        if key == "email" and not re.match(r"^[^@\s<>\"]+@[^@\s<>\"]+$", value):
            f.error(key, f"`email` {value!r} is not an e-mail address")
        elif key != "email" and not url.startswith("https://"):
            f.error(key, f"`{key}` must be an https:// URL, not {value!r}")
        else:
            links.append(Link(label, url))
    avatar = _safe_url(f, "avatar", f.text("avatar"))
    if avatar.startswith("/"):
        avatar = u.base_path + avatar
    if not f.ok:
        return None
    known = {"name", "role", "avatar", *(k for k, *_ in AUTHOR_LINKS)}
    return Author(
        slug=slug,
        name=name,
        role=f.text("role"),
        avatar=avatar,
        bio_html=markup.html,
        links=tuple(links),
        url=u.author(slug),
        source=source.display,
        extra={k: v for k, v in source.meta.items() if k not in known},
    )


def page_entry(
    source: SourceFile, markup: Markup, config: SiteConfig, u: Urls, errors: list[SitegenError]
) -> Page | None:
    f = _Fields(source, errors)
    title = f.text("title", required=True)
    slug = f.text("slug") or source.rel.rsplit("/", 1)[-1][:-3]
    if not is_valid_slug(slug):
        f.error("slug", f"slug {slug!r} may only hold letters, digits and hyphens (no / or ..)")
    summary = f.text("summary") or derive_summary(markup.first_paragraph, config.summary_length)
    noindex = f.flag("noindex")
    if not f.ok:
        return None
    return Page(
        source=source.rel,
        slug=slug,
        title=title,
        summary=summary,
        body_html=markup.html,
        url=u.page(slug),
        noindex=noindex,
        extra={
            k: v for k, v in source.meta.items() if k not in {"title", "slug", "summary", "noindex"}
        },
    )


def article_entry(
    source: SourceFile,
    markup: Markup,
    config: SiteConfig,
    u: Urls,
    authors: Mapping[str, Author],
    broken_authors: set[str],
    categories: dict[str, Category],
    tags: dict[str, Tag],
    image_sizes: Mapping[str, StaticInfo],
    reporter: Reporter,
    errors: list[SitegenError],
) -> Article | None:
    f = _Fields(source, errors)
    title = f.text("title", required=True)
    when = f.when("date", config, required=True)
    updated = f.when("updated", config)
    if when and updated and updated < when:
        f.error("updated", "`updated` is before `date`; an update cannot precede publication")
    byline: list[Author] = []
    author_slugs = f.strings("author")
    if not author_slugs and "author" not in source.meta:
        f.error(
            "author", "front matter needs `author:` (an author slug, or a list for a shared byline)"
        )
    for slug in author_slugs:
        if slug in authors:
            byline.append(authors[slug])
        elif f"authors/{slug}.md" in broken_authors:
            f.ok = False  # the profile exists but has errors of its own, reported there
        else:
            f.error(
                "author",
                f"author {slug!r} has no profile: create content/authors/{slug}.md "
                f"(with `name:`) or fix the slug" + _suggest(slug, authors),
            )
    category_name = f.text("category", required=True)
    category = None
    if category_name:
        cslug = slugify(category_name)
        if not cslug:
            f.error(
                "category", f"category {category_name!r} gives an empty slug; use letters or digits"
            )
        else:
            category = categories.setdefault(
                cslug,
                Category(cslug, category_name, u.category(cslug)),
            )
            if category.name != category_name:
                reporter.warn(
                    source.display,
                    source.line_of("category"),
                    f"category {category_name!r} is spelled {category.name!r} elsewhere; using {category.name!r}",
                )
    article_tags = []
    for name in f.strings("tags"):
        tslug = slugify(name)
        if not tslug:
            f.error("tags", f"tag {name!r} gives an empty slug; use letters or digits")
            continue
        tag = tags.setdefault(tslug, Tag(tslug, name, u.tag(tslug)))
        if tag not in article_tags:
            article_tags.append(tag)
    slug = f.text("slug") or slugify(title) or ""
    if title and not slug:
        f.error("title", "the title gives an empty slug; add `slug:` with letters or digits")
    elif slug and not is_valid_slug(slug):
        f.error("slug", f"slug {slug!r} may only hold letters, digits and hyphens (no / or ..)")
    image = _image(f, u, image_sizes, reporter)
    summary = f.text("summary") or derive_summary(markup.first_paragraph, config.summary_length)
    reading = f.number("reading_time") or reading_minutes(
        markup.word_count, config.words_per_minute
    )
    draft, featured, noindex = f.flag("draft"), f.flag("featured"), f.flag("noindex")
    corrections = _corrections(f, config)
    if not title and not markup.word_count:
        f.error("title", "the article has neither a title nor a body")
    elif not markup.word_count:
        reporter.warn(
            source.display,
            source.body_line,
            "the article has no body; write the story below the front matter",
        )
    if not f.ok or when is None or category is None or not byline:
        return None
    return Article(
        source=source.rel,
        slug=slug,
        title=title,
        date=when,
        updated=updated,
        authors=tuple(byline),
        category=category,
        tags=tuple(article_tags),
        summary=summary,
        image=image,
        body=Body(markup.lazy_html, markup.split),
        toc=markup.toc,
        word_count=markup.word_count,
        reading_time=reading,
        draft=draft,
        featured=featured,
        noindex=noindex,
        corrections=corrections,
        url=u.article(slug, category.slug, when),
        extra={k: v for k, v in source.meta.items() if k not in ARTICLE_KEYS},
    )


def _suggest(slug: str, known: Mapping[str, object]) -> str:

    close = difflib.get_close_matches(slug, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _image(
    f: _Fields, u: Urls, image_sizes: Mapping[str, StaticInfo], reporter: Reporter
) -> Image | None:
    src = _safe_url(f, "image", f.text("image"))
    if not src:
        return None
    alt = f.text("image_alt")
    if src.startswith(_COMPUTER_FOLDERS) and src not in image_sizes:
        f.error(
            "image",
            f"`image` {src!r} is a file on a computer, not in the site; copy it into static/ "
            "(e.g. static/images/photo.jpg) and write image: /images/photo.jpg",
        )
        return None
    if src.startswith("/") and src not in image_sizes:
        reporter.warn(
            f.source.display,
            f.source.line_of("image"),
            f"image {src} is not in static/; add the file or fix the path",
        )
    elif not alt:
        reporter.warn(
            f.source.display,
            f.source.line_of("image"),
            "the image has no `image_alt:`; describe it for readers who cannot see it",
        )
    info = image_sizes.get(src)
    width, height = f.number("image_width"), f.number("image_height")
    if (width is None or height is None) and info:
        width, height = info.width, info.height
    if src.startswith("/"):
        src = u.base_path + src
    return Image(
        src,
        alt,
        f.text("image_caption"),
        f.text("image_credit"),
        width,
        height,
        length=info.length if info else None,
        media_type=info.media_type if info else _guess_type(src),
    )


def _guess_type(src: str) -> str:
    suffix = "." + src.rsplit(".", 1)[-1].lower() if "." in src else ""
    return MEDIA_TYPES.get(suffix, "image/jpeg")


def _corrections(f: _Fields, config: SiteConfig) -> tuple[Correction, ...]:
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
