"""Markdown to HTML for one body: a pure function of the text and a few settings, so it can be
cached by content hash and run in worker processes. Internal links become placeholders that the
model resolves once every URL is known."""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote, unquote
from xml.etree.ElementTree import Comment, Element

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from sitegen.errors import ContentError
from sitegen.lazy import Lazy
from sitegen.load.attribute_lists import AttributeFilter, StrippedAttribute
from sitegen.load.html_policy import UNSAFE_SCHEMES, scheme
from sitegen.load.time_limit import TimeLimitExceeded, within

REF_PREFIX = "/__sitegen_ref__/"
REF_PATTERN = re.compile(re.escape(REF_PREFIX) + r"([^\"'#?\s]*)")


def resolve_refs(fragment: str, links: Mapping[str, str]) -> str:
    """`fragment` with each REF_PREFIX placeholder made the URL `links` gives its content
    path ("#" for one it lacks); a ?query or #fragment after it stays."""

    def url(match: re.Match[str]) -> str:
        return links.get(unquote(match.group(1)), "#")

    return REF_PATTERN.sub(url, fragment)


SPLIT_MARK = "<!--sitegen:inline-related-->"

RawHtml = Literal["escape", "sanitize", "allow"]

MAX_SECONDS = 10.0
"""Longest one story's conversion may take: a 60 KB paragraph of links takes Python-Markdown
over a minute (its cost grows with the square of the paragraph), and a build must not hang on
one story."""

MAX_NESTING = 50
"""Lists and quotes nested deeper than this are refused before conversion: Python-Markdown's
cost and recursion grow with the depth, and whether a given depth fails depends on its
version. No news story needs more; the limit is ours, whatever the library does."""


@dataclass(frozen=True)
class Reference:
    """A link or image in the body to another content file: a story, or a file beside this one
    (a page bundle)."""

    target: str
    """Its path in the content folder."""
    text: str
    """The address as written, for finding its line (with any ?query and #fragment)."""


@dataclass(frozen=True)
class BodyImage:
    src: str
    has_alt: bool


@dataclass(frozen=True)
class Markup:
    lazy_html: Lazy[str]
    """Body HTML; internal links are REF_PREFIX placeholders until resolved. The build cache
    fetches it only when a page needs it."""
    split: int
    """Offset in html where the inline related box goes; 0 when the body is too short."""
    toc: tuple[tuple[int, str, str], ...]
    """(level, anchor id, heading text) of the h2/h3 headings."""
    refs: tuple[Reference, ...]
    images: tuple[BodyImage, ...]
    unsafe_links: tuple[str, ...]
    first_paragraph: str
    """Plain text of the first paragraph, for derived summaries."""
    word_count: int
    local_links: tuple[str, ...] = ()
    """Site-relative and #fragment hrefs/srcs written in the body, for the link check."""
    ids: frozenset[str] = frozenset()
    """Every id in the body (headings, footnotes), for #fragment links."""
    stripped_attributes: tuple[StrippedAttribute, ...] = ()
    """Attributes written with `{: ...}` (or fenced-code options) that the body leaves out."""
    blocked_embeds: tuple[str, ...] = ()
    """Addresses of iframes left out because their host is not in `embed_hosts`."""
    files: tuple[Reference, ...] = ()
    """Files the body links to or shows by a relative path, such as an image beside the story
    (a page bundle): placeholders, like `refs`, until the model knows the page's URL."""

    @property
    def html(self) -> str:
        return self.lazy_html.get()


@dataclass
class _Collector:
    source_rel: str = ""
    inline_after: int = 3
    base_path: str = ""
    """The path of the site's base URL ("/news", or "" at a domain's root)."""
    refs: list[Reference] = field(default_factory=list)
    files: list[Reference] = field(default_factory=list)
    images: list[BodyImage] = field(default_factory=list)
    unsafe: list[str] = field(default_factory=list)


class _LinkProcessor(Treeprocessor):
    def __init__(self, md: markdown.Markdown, collector: _Collector) -> None:
        super().__init__(md)
        self.collector = collector

    def run(self, root: Element) -> None:
        """Rewrite links and images in place, then mark where the inline related box goes."""
        for el in root.iter():
            if el.tag == "a" and "href" in el.attrib:
                el.set("href", self._rewrite(el.get("href", "")))
            elif el.tag == "img":
                self._rewrite_image(el)
        _mark_inline_related(root, self.collector.inline_after)

    def _rewrite_image(self, el: Element) -> None:
        """Record the image for the model's checks, drop an unsafe src, and load it lazily."""
        c = self.collector
        src = el.get("src", "")
        c.images.append(BodyImage(src, bool(el.get("alt", "").strip())))
        if scheme(src) in UNSAFE_SCHEMES:
            c.unsafe.append(src)
            el.set("src", "")
        el.set("src", self._rewrite(el.get("src", "")))
        el.set("loading", "lazy")
        el.set("decoding", "async")

    def _rewrite(self, url: str) -> str:
        return _rewrite_url(url, self.collector)


def _rewrite_url(url: str, c: _Collector) -> str:
    """A link or image address as the page needs it: scripts refused, a site path given the
    base URL's path, and a relative path to a content file (a story, or a file beside this
    one) a placeholder recorded in `c` until the model knows where that file is published."""
    if url.startswith(REF_PREFIX):
        return url  # raw HTML is sanitised after Markdown's own links were rewritten
    written = scheme(url)
    if written in UNSAFE_SCHEMES:
        c.unsafe.append(url)
        return "#"
    if url.startswith("/") and not url.startswith("//"):
        return _under_base(url, c.base_path)
    if written or url.startswith(("#", "//", "?")) or not url:
        return url
    end = _PATH_END.search(url)
    path, tail = (url[: end.start()], url[end.start() :]) if end else (url, "")
    base = posixpath.dirname(c.source_rel)
    target = posixpath.normpath(posixpath.join(base, unquote(path)))
    (c.refs if path.endswith(".md") else c.files).append(Reference(target, url))
    return REF_PREFIX + quote(target, safe="/") + tail


_PATH_END = re.compile(r"[?#]")
"""Where an address's path ends and its query or fragment begins."""


def _under_base(url: str, base_path: str) -> str:
    """A site path written from the site's root, under the base URL's path ("/news")."""
    inside = url == base_path or url.startswith(base_path + "/")
    return url if not base_path or inside else base_path + url


_STASH = re.compile("^\x02wzxhzdk:\\d+\x03$")


def _mark_inline_related(root: Element, after: int) -> None:
    """Put the inline related box's placeholder after the `after`-th paragraph of text (embeds
    do not count), unless nothing follows that paragraph."""
    paragraphs = 0
    for index, child in enumerate(list(root)):
        if child.tag == "p" and not _is_raw_html_block(child):
            paragraphs += 1
            if paragraphs == after:
                if index + 1 < len(root):
                    root.insert(index + 1, Comment("sitegen:inline-related"))
                return


def _is_raw_html_block(p: Element) -> bool:
    """Python-Markdown parks raw HTML blocks (embeds) in a `p` holding only a placeholder."""
    return len(p) == 0 and bool(_STASH.match((p.text or "").strip()))


class _SitegenExtension(Extension):
    def __init__(self, collector: _Collector, raw_html: RawHtml) -> None:
        super().__init__()
        self.collector = collector
        self.raw_html = raw_html

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_LinkProcessor(md, self.collector), "sitegen_links", 1)
        if self.raw_html == "escape":
            md.preprocessors.deregister("html_block")
            md.inlinePatterns.deregister("html")


class Converter:
    """A reusable Markdown instance (building one per body costs more than converting it)."""

    def __init__(
        self,
        raw_html: RawHtml,
        embed_hosts: tuple[str, ...],
        inline_after: int,
        base_path: str = "",
        max_seconds: float = MAX_SECONDS,
    ) -> None:
        self.max_seconds = max_seconds
        self.raw_html = raw_html
        self.embed_hosts = frozenset(h.lower() for h in embed_hosts)
        self.collector = _Collector(inline_after=inline_after, base_path=base_path)
        self.attributes = AttributeFilter(self.embed_hosts)
        self.md = self._markdown()

    def _markdown(self) -> markdown.Markdown:
        extensions: list[str | Extension] = [
            "abbr",
            "attr_list",
            "def_list",
            "fenced_code",
            "footnotes",
            "tables",
            "sane_lists",
            "smarty",
            "toc",
            _SitegenExtension(self.collector, self.raw_html),
            self.attributes,  # after attr_list and fenced_code
        ]
        if self.raw_html != "escape":
            extensions.append("md_in_html")
        return markdown.Markdown(
            extensions=extensions,
            extension_configs={
                "toc": {"toc_depth": "2-3"},
                "footnotes": {"BACKLINK_TITLE": "Back to the text"},
                "smarty": {"smart_angled_quotes": False},
            },
            output_format="html",
        )

    def convert(self, text: str, source_rel: str) -> Markup:
        c = self.collector
        c.source_rel = source_rel
        c.refs, c.files, c.images, c.unsafe = [], [], [], []
        self.md.reset()
        _check_nesting(text, source_rel)
        try:
            body = within(self.max_seconds, self.md.convert, text)
        except TimeLimitExceeded:
            self.md = self._markdown()
            raise ContentError(
                f"content/{source_rel}",
                None,
                f"took more than {self.max_seconds:g} s to convert (Python-Markdown slows down "
                "sharply on very long paragraphs, above all ones full of links); split the "
                "long paragraphs into shorter ones",
            ) from None
        except RecursionError:
            self.md = self._markdown()  # the failed run leaves parser state behind
            raise ContentError(
                f"content/{source_rel}",
                None,
                "nests lists or quotes too deeply to convert; flatten the nesting",
            ) from None
        toc = tuple(_flatten_toc(getattr(self.md, "toc_tokens", [])))
        head, mark, tail = body.partition(SPLIT_MARK)
        blocked: list[str] = []
        # Without `<` there is no raw HTML; attributes from `{: ...}` are already filtered.
        if self.raw_html == "sanitize" and "<" in text:
            head, tail = self._sanitize(head, blocked), self._sanitize(tail, blocked)
        full = head + tail
        plain = _plain_text(full)
        return Markup(
            lazy_html=Lazy.of(full),
            split=len(head) if mark else 0,
            toc=toc,
            refs=tuple(c.refs),
            images=tuple(c.images),
            unsafe_links=tuple(c.unsafe),
            first_paragraph=_first_paragraph(full),
            word_count=len(plain.split()),
            local_links=tuple(
                html.unescape(m.group(3))
                for m in _HREF.finditer(full)
                if m.group(3).startswith(("/", "#"))
                and not m.group(3).startswith(("//", REF_PREFIX))
            ),
            ids=frozenset(_ID.findall(full)),
            stripped_attributes=tuple(self.attributes.log.stripped),
            blocked_embeds=tuple(blocked),
            files=tuple(c.files),
        )

    def _sanitize(self, fragment: str, blocked: list[str]) -> str:
        from sitegen.load.sanitize import sanitize

        return sanitize(fragment, self.embed_hosts, blocked, self._rewrite_raw)

    def _rewrite_raw(self, url: str) -> str:
        """An address in the body's raw HTML, rewritten as Markdown's are (_rewrite_url)."""
        return _rewrite_url(url, self.collector)


# A line opening more than MAX_NESTING lists or quotes (`* * * deep`, `> > >`), or indented
# past that many list levels. Such a line is longer than MAX_NESTING characters and starts with
# a marker or a blank; only those lines meet the patterns, which each repetition starts with a
# non-blank character so that they fail in linear time.
_TOO_MANY = "{" + str(MAX_NESTING + 1) + "}"
_DEEP_MARKERS = re.compile(r"[ \t]*(?:(?:>[ \t]*)|(?:[*+-]|\d{1,9}[.)])[ \t]+)" + _TOO_MANY)
_DEEP_INDENT = re.compile(r"(?: {4}|\t)" + _TOO_MANY)
_NESTING_STARTS = frozenset("*+->0123456789 \t")


def _check_nesting(text: str, source_rel: str) -> None:
    for number, line in enumerate(text.split("\n"), 1):
        if (
            len(line) > MAX_NESTING
            and line[0] in _NESTING_STARTS
            and (_DEEP_MARKERS.match(line) or _DEEP_INDENT.match(line))
        ):
            raise ContentError(
                f"content/{source_rel}",
                None,
                f"line {number} of the story's text nests lists or quotes more than "
                f"{MAX_NESTING} levels deep; flatten the nesting",
            )


def _flatten_toc(tokens: list[dict[str, object]]) -> list[tuple[int, str, str]]:
    out: list[tuple[int, str, str]] = []
    for token in tokens:
        out.append((int(token["level"]), str(token["id"]), html.unescape(str(token["name"]))))  # type: ignore[call-overload]
        out.extend(_flatten_toc(token.get("children", [])))  # type: ignore[arg-type]
    return out


_TAG = re.compile(r"<[^>]+>")
_HREF = re.compile(r'<(a|img)\b[^>]*?\s(href|src)="([^"]*)"')
_ID = re.compile(r'\sid="([^"]*)"')
_FOOTNOTE_REF = re.compile(r'<sup id="fnref[^"]*">.*?</sup>', re.S)
_FIRST_P = re.compile(r"(?:^|\n)<p>(.*?)</p>", re.S)


def _plain_text(fragment: str) -> str:
    return html.unescape(_TAG.sub(" ", fragment))


def _first_paragraph(fragment: str) -> str:
    match = _FIRST_P.search(fragment)
    if not match:
        return ""
    text = _FOOTNOTE_REF.sub("", match.group(1))
    return " ".join(html.unescape(_TAG.sub("", text)).split())
