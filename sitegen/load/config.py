"""Typed site configuration read from sitegen.toml, validated with every error reported at once."""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sitegen.errors import BuildError, ConfigError, SitegenError
from sitegen.load.config_checks import check_values
from sitegen.load.config_lines import ConfigLines, toml_error_line

CONFIG_NAME = "sitegen.toml"


@dataclass(frozen=True)
class MenuEntry:
    title: str = ""
    """Label shown in the menu; defaults to the section or page title."""
    section: str = ""
    """Slug of a section (category) this entry points at."""
    page: str = ""
    """Slug of a static page this entry points at."""
    url: str = ""
    """Any other URL (site-relative like `/archive/` or absolute)."""


@dataclass(frozen=True)
class PermalinkConfig:
    article: str = "/{category}/{slug}/"
    """URL of an article; placeholders {category} {slug} {year} {month} {day}."""
    category: str = "/category/{slug}/"
    """URL of a section's first page."""
    tag: str = "/tag/{slug}/"
    """URL of a tag's first page."""
    author: str = "/author/{slug}/"
    """URL of an author's first page."""
    page: str = "/{slug}/"
    """URL of a static page."""
    archive: str = "/archive/{year}/{month}/"
    """URL of a monthly archive."""


@dataclass(frozen=True)
class RelatedConfig:
    count: int = 5
    """How many related articles an article page shows at the end."""
    inline_count: int = 2
    """How many of them the inline box inside the body shows (0 turns it off)."""
    inline_after: int = 3
    """Paragraph after which the inline box is placed."""
    threshold: int = 10
    """Minimum score (0-100) a related article needs."""
    include_newer: bool = False
    """Also relate articles published after the article (keeps old pages changing)."""
    max_tag_share: float = 0.25
    """Tags carried by more than this share of all articles are ignored as too common."""


@dataclass(frozen=True)
class FeedConfig:
    formats: tuple[Literal["rss", "atom"], ...] = ("rss", "atom")
    """Feed formats to write; empty turns feeds off."""
    scopes: tuple[Literal["site", "category", "author", "tag"], ...] = (
        "site",
        "category",
        "author",
    )
    """Which lists get their own feeds."""
    items: int = 20
    """Newest articles per feed."""
    full_content: bool = False
    """Put the whole article in feeds, not only its summary."""


@dataclass(frozen=True)
class SitemapConfig:
    enabled: bool = True
    """Write sitemap.xml (split into an index past 50,000 URLs)."""
    news: bool = True
    """Write news-sitemap.xml with the articles of the last 48 hours."""
    news_hours: int = 48
    """How far back the news sitemap reaches."""


@dataclass(frozen=True)
class RobotsConfig:
    enabled: bool = True
    """Write robots.txt pointing at the sitemaps."""
    disallow: tuple[str, ...] = ()
    """Paths every crawler is asked to skip, e.g. ["/search/"]."""
    extra: str = ""
    """Lines appended verbatim (other user agents, crawl delays)."""


@dataclass(frozen=True)
class SearchConfig:
    enabled: bool = True
    """Full-text search (Pagefind) with a /search/ page and the header search box."""
    shard_size: int = 500
    """Most articles per search index shard (a year, quarter, month or day of stories): an
    edit re-indexes one shard, and the search page loads every shard's small index file."""


@dataclass(frozen=True)
class DeployConfig:
    headers: bool = False
    """Write _headers for Netlify and Cloudflare Pages: theme assets, whose URLs carry their
    content hash, are cached for a year; every response gets nosniff and a referrer policy."""


@dataclass(frozen=True)
class MenuConfig:
    main: tuple[MenuEntry, ...] = ()
    """Main menu; empty means Home plus every section by article count."""
    footer: tuple[MenuEntry, ...] = ()
    """Footer menu; empty means every static page."""


@dataclass(frozen=True)
class SiteConfig:
    title: str = "sitegen news"
    """Masthead and <title> suffix."""
    tagline: str = ""
    """Line under the masthead."""
    base_url: str = "http://localhost:8000/"
    """Where the site is published; absolute URLs (feeds, canonical) start with it."""
    language: str = "en"
    """BCP 47 language tag of the publication."""
    timezone: str = "UTC"
    """IANA time zone that naive front-matter dates are in."""
    theme: str = "default"
    """Folder under themes/ (in the site, or sitegen's bundled themes)."""
    copyright: str = ""
    """Footer copyright line; defaults to © year and title."""
    logo: str = ""
    """Site path of the publication logo (used in the masthead and structured data)."""
    description: str = ""
    """Meta description of the front page."""
    per_page: int = 10
    """Articles per page on section, tag, author and archive pages."""
    words_per_minute: int = 200
    """Reading speed used for 'N min read'."""
    summary_length: int = 160
    """Length in characters of a summary derived from the first paragraph."""
    front_page_latest: int = 8
    """How many headlines the front page lists as latest."""
    front_page_section_count: int = 4
    """How many stories each section block on the front page shows."""
    raw_html: Literal["escape", "sanitize", "allow"] = "sanitize"
    """What to do with raw HTML in Markdown bodies."""
    embed_hosts: tuple[str, ...] = (
        "www.youtube-nocookie.com",
        "www.youtube.com",
        "player.vimeo.com",
    )
    """Hosts whose iframes survive sanitizing."""
    permalinks: PermalinkConfig = field(default_factory=PermalinkConfig)
    """URL patterns."""
    menu: MenuConfig = field(default_factory=MenuConfig)
    """Main and footer menus."""
    related: RelatedConfig = field(default_factory=RelatedConfig)
    """Related-articles settings."""
    feeds: FeedConfig = field(default_factory=FeedConfig)
    """RSS and Atom feeds."""
    sitemap: SitemapConfig = field(default_factory=SitemapConfig)
    """sitemap.xml and the Google News sitemap."""
    robots: RobotsConfig = field(default_factory=RobotsConfig)
    """robots.txt."""
    search: SearchConfig = field(default_factory=SearchConfig)
    """Site search."""
    deploy: DeployConfig = field(default_factory=DeployConfig)
    """Files for the static host the site is deployed to."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Free-form values for themes, reachable as site.extra."""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_config(root: Path, overrides: dict[str, Any] | None = None) -> SiteConfig:
    """Read sitegen.toml in `root` (optional), merge CLI overrides, validate, and return it."""
    path = root / CONFIG_NAME
    text = ""
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise ConfigError(str(path), None, "is not UTF-8 text; save it as UTF-8") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            line = toml_error_line(str(exc))
            raise ConfigError(
                str(path), line, f"is not valid TOML: {exc}; check quotes and brackets"
            ) from None
    data = _merge(data, overrides or {})
    where = ConfigLines(str(path), text)
    errors: list[SitegenError] = []
    config = _build(SiteConfig, data, "", where, errors)
    errors.extend(check_values(config, where))
    if errors:
        raise BuildError(errors)
    assert isinstance(config, SiteConfig)
    return config


def require_site(root: Path) -> None:
    """A folder with neither sitegen.toml nor content/ is not a site: building it would
    "succeed" with an empty site (say, run from inside content/ or the wrong folder)."""
    if (root / CONFIG_NAME).is_file() or (root / "content").is_dir():
        return
    raise ConfigError(
        str(root),
        None,
        f"no {CONFIG_NAME} and no content/ folder in {root.resolve()}: this is not a sitegen "
        "site; run sitegen in the site's folder (or pass --source DIR), or start a new one "
        "with `sitegen init`",
    )


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Overrides change single keys; a table given as an override merges into the file's."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def config_digest(config: SiteConfig) -> str:
    """A stable hash of every setting, for cache keys and fingerprints."""
    return hashlib.sha256(repr(config).encode()).hexdigest()[:16]


def _build(
    cls: type, data: Any, prefix: str, where: ConfigLines, errors: list[SitegenError]
) -> Any:
    if not isinstance(data, dict):
        errors.append(ConfigError(where.path, where.line_of(prefix), f"`{prefix}` must be a table"))
        return cls()
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            hint = (
                f"did you mean `{_join(prefix, close[0])}`?"
                if close
                else "known settings here: " + ", ".join(names)
            )
            errors.append(
                ConfigError(
                    where.path, where.line_of(dotted), f"unknown setting `{dotted}`; {hint}"
                )
            )
            continue
        kwargs[key] = _convert(hints[key], value, dotted, where, errors)
    return cls(**{k: v for k, v in kwargs.items() if v is not _INVALID})


_INVALID = object()
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _convert(
    hint: Any, value: Any, dotted: str, where: ConfigLines, errors: list[SitegenError]
) -> Any:
    """`value` as the field type `hint` asks for, or _INVALID once the mismatch is recorded."""
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, dotted, where, errors)  # type: ignore[arg-type]
    expected = _mismatch(hint, value)
    if expected:
        got = type(value).__name__
        errors.append(
            ConfigError(
                where.path,
                where.line_of(dotted),
                f"`{dotted}` must be {expected}, not {got} ({value!r})",
            )
        )
        return _INVALID
    if typing.get_origin(hint) is tuple:
        inner = typing.get_args(hint)[0]
        items = [_convert(inner, v, f"{dotted}[{i}]", where, errors) for i, v in enumerate(value)]
        # Bad items are reported already; keeping the good ones lets the value checks run.
        return tuple(i for i in items if i is not _INVALID)
    return float(value) if hint is float else value


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)  # bool is an int subclass


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_KINDS: dict[Any, tuple[typing.Callable[[Any], bool], str]] = {
    bool: (lambda value: isinstance(value, bool), "true or false"),
    int: (_is_whole, "a whole number"),
    float: (_is_number, "a number"),
    str: (lambda value: isinstance(value, str), "a string in quotes"),
    tuple: (lambda value: isinstance(value, list), "a list"),
    dict: (lambda value: isinstance(value, dict), "a table"),
}
"""Field type (or its origin, for tuple[...] and dict[...]) -> (does a value fit, what fits)."""


def _mismatch(hint: Any, value: Any) -> str:
    """What a field of type `hint` takes, when `value` is not that; "" when it fits."""
    kind = typing.get_origin(hint) or hint
    if kind is Literal:
        return _choice_mismatch(typing.get_args(hint), value)
    if kind is str and isinstance(value, str) and _CONTROL.search(value):
        return "text without invisible control characters (which feeds cannot carry)"
    if kind in _KINDS:
        fits, expected = _KINDS[kind]
        return "" if fits(value) else expected
    if isinstance(hint, types.UnionType):  # pragma: no cover - no such fields yet
        return ""
    raise TypeError(f"unsupported config type {hint!r}")  # a bug in this module, not input


def _choice_mismatch(choices: tuple[Any, ...], value: Any) -> str:
    return "" if value in choices else "one of " + ", ".join(f'"{a}"' for a in choices)
