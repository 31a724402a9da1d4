"""Entries from sources: one file's front matter checked key by key and turned into an
Author or Page (articles: model/articles.py, with the helpers here). Every problem is recorded
with its line; none stops the others."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any

from sitegen.errors import ContentError, Reporter, SitegenError
from sitegen.load.config import SiteConfig
from sitegen.load.markup import Markup
from sitegen.load.sources import SourceFile
from sitegen.model.aliases import aliases_of
from sitegen.model.dates import whole_minutes
from sitegen.model.entities import Author, Link, Page
from sitegen.model.slugs import is_valid_slug
from sitegen.model.text import derive_summary
from sitegen.model.urls import Urls

AUTHOR_LINKS = (
    ("x", "X", "https://x.com/{}"),
    ("bluesky", "Bluesky", "https://bsky.app/profile/{}"),
    ("mastodon", "Mastodon", "{}"),
    ("linkedin", "LinkedIn", "{}"),
    ("website", "Website", "{}"),
    ("email", "Email", "mailto:{}"),
)
AUTHOR_KEYS = frozenset({"name", "role", "avatar", *(key for key, *_ in AUTHOR_LINKS), "extra"})
PAGE_KEYS = frozenset({"title", "slug", "summary", "noindex", "aliases", "extra"})
"""The front-matter keys of author profiles and pages; others are warned about (extra_of)."""
_SAFE_URL = re.compile(r"^(https?://[^\s<>\"]+|/[^\s<>\"]*)$")


class Fields:
    """Typed access to one file's front matter that records an error per bad key."""

    def __init__(self, source: SourceFile, errors: list[SitegenError]) -> None:
        self.source = source
        self.meta = source.meta
        self.errors = errors
        self.ok = True

    def error(self, key: str, message: str) -> None:
        self.error_at(self.source.line_of(key) if key else 1, message)

    def error_at(self, line: int, message: str) -> None:
        self.ok = False
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

    def strings(self, key: str, warnings: list[tuple[int, str]] | None = None) -> list[str]:
        """A list of text; one text is a list of one. Given `warnings`, one text with commas
        is split at them, with a warning there (`tags: "Budget, Council"` would otherwise be
        one tag called "Budget, Council"); without, it stays whole (a URL may hold commas)."""
        value = self.meta.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return self._split(key, value, warnings)
        if isinstance(value, list) and all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in value
        ):
            return [str(v).strip() for v in value if str(v).strip()]
        self.error(key, f"`{key}` must be a list of text, e.g. {key}: [one, two]")
        return []

    def _split(self, key: str, value: str, warnings: list[tuple[int, str]] | None) -> list[str]:
        """One text as a list (see `strings`)."""
        if warnings is None:
            return [value.strip()] if value.strip() else []
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if len(parts) > 1:
            warnings.append(
                (
                    self.source.line_of(key),
                    f"`{key}` is one piece of text, {value.strip()!r}, so it was split at the "
                    f"commas; write it as a list: {key}: [{', '.join(parts)}]",
                )
            )
        return parts

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
    return whole_minutes(parsed)


def nfc(text: str) -> str:
    """Text in Unicode's composed form, as URLs are written: `Café` typed with a combining
    accent (as macOS names files) and with a precomposed é become the same slug."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def safe_url(fields: Fields, key: str, value: str) -> str:
    """A site path (/images/a.png) or an http(s) URL; anything else is an error. A
    scheme-relative `//host/a.png` is refused: it loads from another site as an https:// URL
    does, but reads like a site path (`//images/a.png`, one slash too many, asks the host
    `images`), so the writer says which was meant."""
    if not value:
        return ""
    if value.startswith("//"):
        host = value[2:].split("/", 1)[0]
        fields.error(
            key,
            f"`{key}` {value!r} is an address on another site ({host!r}), not a site path; write "
            f"https:{value} if that is meant, or a site path with one slash such as "
            f"/{value.lstrip('/')}",
        )
        return ""
    if not _SAFE_URL.match(value) or "/../" in value + "/" or "\\" in value:
        fields.error(
            key,
            f"`{key}` must be a site path such as /images/photo.jpg or an https:// URL, not {value!r}",
        )
        return ""
    return value


def author_entry(
    source: SourceFile,
    markup: Markup,
    config: SiteConfig,
    u: Urls,
    static: Collection[str],
    errors: list[SitegenError],
    reporter: Reporter,
) -> Author | None:
    """The profile of `source`, with an avatar missing from the site's `static` files (their
    site paths) warned about: it would be a broken image on every byline."""
    f = Fields(source, errors)
    extra = reported_extra(f, AUTHOR_KEYS, reporter)
    slug = author_slug(source)
    if not is_valid_slug(slug):
        f.error(
            "", f"author file name {slug!r} is not a valid slug; use letters, digits and hyphens"
        )
    name = f.text("name", required=True)
    links = _author_links(f)
    avatar = safe_url(f, "avatar", f.text("avatar"))
    if avatar.startswith("/") and avatar not in static:
        reporter.warn(
            source.display,
            source.line_of("avatar"),
            f"avatar {avatar} is not in static/; add the file or fix the path",
        )
    if avatar.startswith("/"):
        avatar = u.base_path + avatar
    if not f.ok:
        return None
    return Author(
        slug=slug,
        name=name,
        role=f.text("role"),
        avatar=avatar,
        bio_html=markup.html,
        links=tuple(links),
        url=u.author(slug),
        source=source.display,
        extra=extra,
    )


def _author_links(f: Fields) -> list[Link]:
    """The profile's links (AUTHOR_LINKS), each checked: https:// only, e-mail an address."""
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
    return links


def author_slug(source: SourceFile) -> str:
    """The slug of the author whose profile is `source`: its file name, composed (NFC)."""
    return file_slug(source.rel)


def file_slug(rel: str) -> str:
    """The name a content file gives its page: its own, or its folder's for the `index.md` of
    a bundle (pages/team/index.md is `team`), composed (NFC)."""
    parts = rel.split("/")
    name = parts[-1][:-3]
    return nfc(parts[-2] if name == "index" and len(parts) > 2 else name)


def page_entry(
    source: SourceFile,
    markup: Markup,
    config: SiteConfig,
    u: Urls,
    errors: list[SitegenError],
    reporter: Reporter,
) -> Page | None:
    f = Fields(source, errors)
    extra = reported_extra(f, PAGE_KEYS, reporter)
    title = f.text("title", required=True)
    slug = nfc(f.text("slug") or file_slug(source.rel))
    if not is_valid_slug(slug):
        f.error("slug", f"slug {slug!r} may only hold letters, digits and hyphens (no / or ..)")
    summary = f.text("summary") or derive_summary(markup.first_paragraph, config.summary_length)
    noindex = f.flag("noindex")
    aliases = aliases_of(f, u)
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
        extra=extra,
        aliases=aliases,
    )


def suggest(slug: str, known: Mapping[str, object]) -> str:
    """'; did you mean ...?' with the closest known name, or ''."""
    close = difflib.get_close_matches(slug, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def extra_of(f: Fields, known: Collection[str], warnings: list[tuple[int, str]]) -> dict[str, Any]:
    """What templates get as `extra`: the `extra:` mapping, and each top-level key sitegen does
    not know, with a warning on its line. Those keys were all templates had before `extra:`, so
    they still reach them; but `imgae:` kept silently there is an image that never shows."""
    extra: dict[str, Any] = {}
    for key, value in f.meta.items():
        if key not in known:
            warnings.append((f.source.line_of(key), _unknown_key(key, known)))
            extra[key] = value
    nested = f.meta.get("extra")
    if isinstance(nested, dict):
        extra.update(nested)
    elif nested is not None:
        f.error(
            "extra",
            "`extra` must hold key: value lines for templates, indented below it, "
            "e.g. extra: {kicker: Exclusive}",
        )
    return extra


def reported_extra(f: Fields, known: Collection[str], reporter: Reporter) -> dict[str, Any]:
    """extra_of, its warnings reported at once (authors and pages are not cached as articles
    are, so nothing holds them for later)."""
    warnings: list[tuple[int, str]] = []
    extra = extra_of(f, known, warnings)
    for line, message in warnings:
        reporter.warn(f.source.display, line, message)
    return extra


def _unknown_key(key: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1)
    if close:
        return (
            f"unknown front-matter key `{key}`; did you mean `{close[0]}`? "
            "(a value only for templates goes under `extra:`)"
        )
    return (
        f"unknown front-matter key `{key}`; if it is for templates, move it under `extra:` "
        f"(templates read it as extra.{key} either way)"
    )
