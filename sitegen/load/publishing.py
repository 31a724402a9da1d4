"""What a build meant for the web needs beyond a valid config: a public address. A site built
for `http://localhost:8000/` publishes feeds, sitemaps and canonical links that point at the
builder's own machine, which no reader or search engine can follow."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from sitegen.errors import ConfigError
from sitegen.load.config import CONFIG_NAME, SiteConfig


def base_url_errors(config: SiteConfig, root: Path, from_command_line: bool) -> list[ConfigError]:
    """A base_url on this machine is an error, unless the command line asked for it by name
    (`--base-url http://localhost:8000/` builds a local copy on purpose)."""
    if from_command_line or not is_local_url(config.base_url):
        return []
    path = root / CONFIG_NAME
    line = _line_of_base_url(path)
    if line is None:
        why = f"{CONFIG_NAME} sets no `base_url`, so links would point at {config.base_url}"
    else:
        why = f"`base_url` is {config.base_url}, an address on this machine"
    message = (
        f"{why}; feeds, sitemaps and canonical links need the public address: set "
        'base_url = "https://news.example.org/" in sitegen.toml, or pass --base-url '
        "(`sitegen serve` previews at a local address without it)"
    )
    return [ConfigError(str(path), line, message)]


def is_local_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost") or not host:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _line_of_base_url(path: Path) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError:
        return None
    for number, text in enumerate(lines, 1):
        if text.split("=", 1)[0].strip() == "base_url":
            return number
    return None
