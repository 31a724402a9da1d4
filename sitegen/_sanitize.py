"""The raw-HTML allow-list for newsroom bodies (embeds, figures, quotes), applied with nh3."""

from __future__ import annotations

from urllib.parse import urlsplit

import nh3

_TAGS = {
    "a",
    "abbr",
    "aside",
    "b",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "iframe",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "u",
    "ul",
    "audio",
    "video",
    "source",
    "track",
}
_GENERIC = {"id", "class", "title", "lang", "dir"}
_ATTRS = {
    "a": {"href", "rel", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading", "decoding", "srcset", "sizes"},
    "iframe": {
        "src",
        "width",
        "height",
        "title",
        "allow",
        "allowfullscreen",
        "loading",
        "referrerpolicy",
    },
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "time": {"datetime"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "ol": {"start", "reversed"},
    "video": {"src", "controls", "width", "height", "poster", "preload"},
    "audio": {"src", "controls", "preload"},
    "source": {"src", "type"},
    "track": {"src", "kind", "srclang", "label"},
}


def sanitize(fragment: str, embed_hosts: tuple[str, ...]) -> str:
    hosts = set(embed_hosts)

    def keep(tag: str, attr: str, value: str) -> str | None:
        if tag == "iframe" and attr == "src":
            parts = urlsplit(value)
            return value if parts.scheme == "https" and parts.hostname in hosts else None
        if attr == "style":
            # Tables keep alignment only; any other inline style could hide or restyle content.
            return (
                value
                if value.replace(" ", "")
                in {"text-align:left;", "text-align:right;", "text-align:center;"}
                else None
            )
        return value

    return nh3.clean(
        fragment,
        tags=_TAGS,
        attributes={**{t: a | _GENERIC for t, a in _ATTRS.items()}, "*": _GENERIC},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel=None,
        strip_comments=True,
        attribute_filter=keep,
    )
