"""What HTML a body may carry: the newsroom allow-list of tags and attributes, which addresses
are scripts, and which hosts an embed may load from. Plain Python with no parser: load/sanitize.py
applies it to raw HTML (with nh3), markup.py to the attributes Markdown writes."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote, urlsplit

UNSAFE_SCHEMES = ("javascript", "vbscript", "data", "file")

TAGS = {
    "a", "abbr", "aside", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
    "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "iframe", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre",
    "q", "s", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "time", "tr", "u", "ul", "audio", "video", "source", "track",
}  # fmt: skip
GENERIC = frozenset({"id", "class", "title", "lang", "dir"})
"""Attributes any element may carry."""
ATTRS = {
    "a": {"href", "rel", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading", "decoding", "srcset", "sizes"},
    "iframe": {
        "src", "width", "height", "title", "allow", "allowfullscreen", "loading", "referrerpolicy",
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
}  # fmt: skip
URL_ATTRIBUTES = frozenset({"href", "src", "cite", "poster", "srcset"})
SAFE_STYLES = frozenset({"text-align:left;", "text-align:right;", "text-align:center;"})
"""Table cells keep alignment only; any other inline style could hide or restyle content."""


def scheme(url: str) -> str:
    """The scheme a browser reads in an attribute value ('' when relative)."""
    # Browsers decode character references in attributes, so `javascript&#58;` is a script URL.
    cleaned = re.sub(r"[\x00-\x20]", "", html.unescape(url))
    try:
        return urlsplit(cleaned).scheme.lower()
    except ValueError:
        return "invalid"


def style_kept(value: str) -> bool:
    return value.replace(" ", "") in SAFE_STYLES


def attribute_refusal(tag: str, name: str, value: str, embed_hosts: frozenset[str]) -> str | None:
    """Why `tag` may not carry the attribute `name="value"`, or None when it may."""
    name = name.lower()
    allowed = GENERIC | ATTRS.get(tag, set())
    if name.startswith("on"):
        return "event handlers run scripts"
    if name == "style":
        kept = name in allowed and style_kept(value)
        return None if kept else "inline styles can hide or restyle the page; use a class"
    if name not in allowed:
        return f"<{tag}> may carry only {', '.join(sorted(allowed))}"
    return _value_refusal(tag, name, value, embed_hosts)


def _value_refusal(tag: str, name: str, value: str, embed_hosts: frozenset[str]) -> str | None:
    if name in URL_ATTRIBUTES and scheme(value) in UNSAFE_SCHEMES:
        return f"a {scheme(value)}: address would run a script; use an https:// link"
    if tag == "iframe" and name == "src" and embed_host(value) not in embed_hosts:
        return "embeds must be https:// links to a host in `embed_hosts`"
    return None


_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_AUTHORITY_END = re.compile(r"[/\\?#]")
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.\-]*[a-z0-9.])?")


def embed_host(url: str) -> str | None:
    """The host a browser loads `url` from, when it is an https:// address without user name,
    password or unusual port; None otherwise. Parsed as browsers do (the WHATWG URL standard),
    not as urllib does: `\\` ends the host like `/`, tabs and newlines are dropped, the host is
    percent-decoded and lower-cased. A host that is not plain ASCII letters, digits, dots and
    hyphens is refused rather than guessed at."""
    url = _TAB_OR_NEWLINE.sub("", url.strip(_C0_AND_SPACE))
    match = _SCHEME.match(url)
    if not match or match.group(1).lower() != "https":
        return None
    rest = url[match.end() :]
    start = len(rest) - len(rest.lstrip("/\\"))
    if start == 0:
        return None  # `https:host` is a path on an https page: not an embed address
    end = _AUTHORITY_END.search(rest, start)
    authority = rest[start : end.start() if end else len(rest)]
    if "@" in authority:
        return None
    host, colon, port = authority.partition(":")
    if colon and port != "443":
        return None
    try:
        host = unquote(host, errors="strict").lower()
    except UnicodeDecodeError:
        return None
    return host if _HOST.fullmatch(host) else None
