"""Rules for sitegen.toml values that their types cannot state (URLs, ranges, names), each
problem reported with the key it is about."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sitegen.errors import ConfigError, SitegenError
from sitegen.load.config_lines import ConfigLines

if TYPE_CHECKING:  # config.py imports this module to validate what it has read
    from sitegen.load.config import MenuConfig, MenuEntry, PermalinkConfig, SiteConfig

_Problem = tuple[str, str]
"""(dotted key, message)."""


def check_values(config: SiteConfig, where: ConfigLines) -> list[SitegenError]:
    """Every problem with the typed config, in the order the settings are documented."""
    problems = [
        *_check_site(config),
        *_check_logo(config.logo),
        *_check_outputs(config),
        *_check_names(config),
        *_check_permalinks(config.permalinks),
        *_check_menus(config.menu),
    ]
    return [ConfigError(where.path, where.line_of(key), message) for key, message in problems]


def _check_site(config: SiteConfig) -> Iterator[_Problem]:
    if not re.match(r"^https?://[^/\s]+(/\S*)?$", config.base_url):
        yield (
            "base_url",
            f"`base_url` must be an http(s) URL such as https://news.example/, not {config.base_url!r}",
        )
    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        yield (
            "timezone",
            f"`timezone` {config.timezone!r} is not an IANA time zone such as Europe/London",
        )
    for key in ("per_page", "words_per_minute", "summary_length"):
        if getattr(config, key) < 1:
            yield key, f"`{key}` must be at least 1"


def _check_logo(logo: str) -> Iterator[_Problem]:
    if logo.startswith("//"):
        # A protocol-relative URL reads like a site path but loads from another host.
        yield (
            "logo",
            f"`logo` {logo!r} is an address on another site; write https:{logo} "
            f"if that is meant, or /{logo.lstrip('/')}",
        )
    elif logo and not re.match(r"^(/[^\s\"<>]*|https://[^\s\"<>]+)$", logo):
        yield (
            "logo",
            f"`logo` must be a site path such as /images/logo.svg or an https:// URL, not {logo!r}",
        )


def _check_outputs(config: SiteConfig) -> Iterator[_Problem]:
    """Feeds, sitemaps, search and robots.txt."""
    if config.feeds.items < 1:
        yield "feeds.items", "`feeds.items` must be at least 1"
    if not 1 <= config.sitemap.news_hours <= 8784:
        yield "sitemap.news_hours", "`sitemap.news_hours` must be between 1 and 8784 (a year)"
    if config.search.shard_size < 1:
        yield "search.shard_size", "`search.shard_size` must be at least 1"
    for path in config.robots.disallow:
        # A newline would start a new robots.txt rule of the writer's choosing.
        if not path.startswith("/") or "\n" in path:
            yield (
                "robots.disallow",
                f"`robots.disallow` entries must be site paths starting with /, not {path!r}",
            )


def _check_names(config: SiteConfig) -> Iterator[_Problem]:
    if not re.match(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", config.language):
        yield (
            "language",
            f"`language` must be a language tag such as en or en-GB, not {config.language!r}",
        )
    if not re.match(r"^[\w-]+$", config.theme):
        # The theme name becomes a path: a slash or .. could reach outside themes/.
        yield "theme", "`theme` must be a folder name under themes/, without slashes"


def _check_permalinks(permalinks: PermalinkConfig) -> Iterator[_Problem]:
    for name in ("article", "category", "tag", "author", "page", "archive"):
        pattern = getattr(permalinks, name)
        if not (pattern.startswith("/") and pattern.endswith("/")) or ".." in pattern:
            yield (
                f"permalinks.{name}",
                f"`permalinks.{name}` must start and end with / and not contain ..",
            )


def _check_menus(menu: MenuConfig) -> Iterator[_Problem]:
    for menu_name in ("main", "footer"):
        for i, entry in enumerate(getattr(menu, menu_name)):
            yield from _check_menu_entry(f"menu.{menu_name}[{i}]", entry)


def _check_menu_entry(key: str, entry: MenuEntry) -> Iterator[_Problem]:
    targets = [t for t in (entry.section, entry.page, entry.url) if t]
    if len(targets) != 1:
        yield key, f"`{key}` needs exactly one of section, page or url"
    elif entry.url and entry.url.lower().startswith(("javascript:", "data:", "vbscript:")):
        yield f"{key}.url", f"`{key}.url` may not be a script URL"
