"""The raw-HTML allow-list for newsroom bodies (embeds, figures, quotes), applied with nh3."""

from __future__ import annotations

import re
from collections.abc import Callable

import nh3

from sitegen.load.html_policy import ATTRS, GENERIC, TAGS, embed_host, style_kept

_ATTRIBUTES = {**{t: a | GENERIC for t, a in ATTRS.items()}, "*": set(GENERIC)}
_REWRITTEN = frozenset({"href", "src", "poster"})
_EMPTY_IFRAME = re.compile(r"<iframe(?![^>]*\ssrc=)[^>]*>[^<]*</iframe>")
"""An iframe nh3 left without its address: an empty box on the page, so it goes whole."""


def sanitize(
    fragment: str,
    embed_hosts: frozenset[str],
    blocked: list[str],
    rewrite: Callable[[str], str] = str,
) -> str:
    """`fragment` with only allow-listed tags and attributes; the address of each iframe
    refused for its host is added to `blocked`, and every other address (href, src, poster)
    is the one `rewrite` makes of it."""

    def keep(tag: str, attr: str, value: str) -> str | None:
        if tag == "iframe" and attr == "src":
            if embed_host(value) in embed_hosts:
                return value
            blocked.append(value)
            return None
        if attr == "style":
            return value if style_kept(value) else None
        if attr in _REWRITTEN:
            return rewrite(value)
        return value

    cleaned = nh3.clean(
        fragment,
        tags=TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel=None,
        strip_comments=True,
        attribute_filter=keep,
    )
    return _EMPTY_IFRAME.sub("", cleaned) if blocked else cleaned
