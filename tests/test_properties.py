"""Property tests: whatever front matter and Markdown a writer produces, a build either succeeds
or fails with our own error type (`SitegenError`, which `BuildError` is), never anything else;
and when it succeeds, its feeds and sitemaps are well-formed XML. Whatever attributes a writer
adds with attribute lists (`{: ...}`), among whatever raw HTML, no body HTML carries an event
handler, a style outside table cells, a srcdoc or a script URL, in any `raw_html` mode."""

from __future__ import annotations

import re
import tempfile
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.build import BuildRequest, build
from sitegen.errors import Reporter, SitegenError
from sitegen.load.markup import Converter
from sitegen.model.site import BuildOptions
from tests.conftest import AUTHOR, FIXED_NOW

KNOWN_KEYS = [
    "title", "date", "updated", "author", "category", "tags", "summary", "image", "image_alt",
    "image_caption", "image_credit", "image_width", "image_height", "slug", "draft", "featured",
    "reading_time", "noindex", "corrections",
]  # fmt: skip

# Text that is hard on parsers, escapers and slugifiers, plus plain letters so values vary.
WEIRD = [
    "", " ", "../", "/", "..", "/etc/passwd", "C:\\Windows", "javascript:alert(1)", "</script>",
    "<b>", "&amp;", '"', "'", "{{ x }}", "{% raw %}", "#", "---", "...", ":", "- ", "\t", "\n",
    "\r\n", "\u00a0", "\u200b", "\ufeff", "é", "Москва", "東京", "😀", "\u202e", "%s", "\\",
    "\x07", "\x1b", "\x0c", "2025-13-45", "2025-05-12", "jane-doe", "nobody", "null", "~", "yes",
]  # fmt: skip

weird_text = st.lists(st.one_of(st.sampled_from(WEIRD), st.text(max_size=8)), max_size=6).map(
    "".join
)

dates = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.none()
    ).map(lambda d: d.isoformat()),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)).map(
        lambda d: d.replace(tzinfo=timezone(timedelta(hours=5))).isoformat()
    ),
    st.dates().map(date.isoformat),
    st.sampled_from(["2025-13-45", "2025-02-30", "2025-06-01T24:00:00", "yesterday", "0000-01-01"]),
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    weird_text,
    dates,
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(weird_text, st.sampled_from(KNOWN_KEYS)), inner, max_size=4),
    ),
    max_leaves=8,
)


printable = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
corrections = st.lists(
    st.fixed_dictionaries(
        {
            "date": st.just("2026-06-03"),
            "text": st.one_of(printable, weird_text).map("Fix {}".format),
        }
    ),
    max_size=2,
)


def _plausible() -> st.SearchStrategy[dict[str, Any]]:
    """A mostly valid article, so builds get past validation and exercise rendering too."""
    return st.fixed_dictionaries(
        {
            "title": st.one_of(
                st.just("A story"), printable.map("T {}".format), weird_text.map("{} x".format)
            ),
            "date": st.one_of(st.just("2026-06-01T09:00:00"), dates),
            "author": st.sampled_from(
                ["jane-doe"] * 10 + [["jane-doe"], "nobody", ["jane-doe", 3]]
            ),
            "category": st.one_of(
                st.just("Politics"), printable.map("C {}".format), weird_text.map("{} c".format)
            ),
        },
        optional={
            "tags": st.one_of(st.lists(printable, max_size=4), st.lists(weird_text, max_size=3)),
            "slug": st.sampled_from(["a-slug", "other", "ünïcode", "2026"]),
            "image": st.sampled_from(["/images/x.jpg", "https://cdn.example/x.jpg?a=1&b=<2>"]),
            "image_alt": printable,
            "image_caption": st.one_of(printable, weird_text),
            "summary": st.one_of(printable, weird_text),
            "draft": st.booleans(),
            "featured": st.booleans(),
            "reading_time": st.integers(1, 60),
            "corrections": corrections,
            "subtitle": values,
        },
    )


random_matter = st.dictionaries(
    st.one_of(st.sampled_from(KNOWN_KEYS), weird_text), values, max_size=8
)
damaged_matter = _plausible().flatmap(
    lambda base: st.dictionaries(st.sampled_from(KNOWN_KEYS), values, min_size=1, max_size=2).map(
        lambda extra: {**base, **extra}
    )
)
raw_matter = st.text(max_size=40).map(lambda t: f"---\n{t}\n---\n")
page_matter = st.one_of(
    st.fixed_dictionaries(
        {"title": printable.map("P {}".format)},
        optional={"slug": st.sampled_from(["about", "a-story"]), "summary": weird_text},
    ),
    st.fixed_dictionaries({"title": weird_text}, optional={"slug": weird_text, "noindex": values}),
    st.dictionaries(st.one_of(st.sampled_from(KNOWN_KEYS), weird_text), values, max_size=4),
)

MARKDOWN = [
    "# Heading\n", "## Sub {#id}\n", "Paragraph text.\n\n", "[link](other.md)", "[self](a.md#x)",
    "[gone](missing.md)", "[up](../../etc/passwd.md)", "![alt](/images/pic.png)", "![](x.png)",
    "[js](javascript:alert(1))", "<script>alert(1)</script>", "<iframe src=https://evil></iframe>",
    "<div markdown=1>*x*</div>", "```\ncode\n```\n", "| a | b |\n|---|---|\n| 1 | 2 |\n",
    "[^1]\n\n[^1]: note\n", "* item\n", "> quote\n", "\n---\n", "<!-- c -->", "&#0;", "&#x1;",
    "{{ site }}", "*", "_", "`", "\\", "<", "&", "\r\n", "<a href='javascript:x'>j</a>",
]  # fmt: skip
bodies = st.lists(
    st.one_of(st.sampled_from(MARKDOWN), printable, printable, st.text(max_size=6)), max_size=12
).map("".join)


def _document(meta: Any, body: str) -> str:
    if isinstance(meta, str):  # raw front-matter text, YAML or not
        return meta + body
    dumped = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    return f"---\n{dumped}---\n{body}"


@st.composite
def sites(draw: st.DrawFn) -> dict[str, str]:
    """A tiny site: one article to vary (mostly plausible, so rendering gets exercised too),
    one good article to link to, and sometimes a page."""
    shape = draw(st.integers(0, 9))
    if shape < 6:
        meta: Any = draw(_plausible())
    elif shape < 8:
        meta = draw(damaged_matter)
    elif shape == 8:
        meta = draw(random_matter)
    else:
        meta = draw(raw_matter)
    body = draw(bodies)
    files = {
        "content/authors/jane-doe.md": AUTHOR,
        "content/articles/a.md": _document(meta, body),
        "content/articles/other.md": (
            "---\ntitle: Other\ndate: 2026-05-01\nauthor: jane-doe\ncategory: Politics\n---\n"
            "Other body.\n"
        ),
    }
    if draw(st.booleans()):
        files["content/pages/b.md"] = _document(draw(page_matter), draw(bodies))
    return files


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(files=sites())
def test_build_succeeds_or_raises_our_error(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8", "surrogatepass"))
        request = BuildRequest(
            root=root,
            output=root / "output",
            options=BuildOptions(now=datetime.fromisoformat(FIXED_NOW)),
            jobs=1,
        )
        # Our own error (reported as path:line: message) is fine; anything else fails the test.
        try:
            build(request, Reporter())
        except SitegenError:
            return
        # A build that succeeds wrote feeds and sitemaps that parse, whatever the input held.
        for feed in (root / "output").rglob("*.xml"):
            ET.parse(feed)


# Attribute lists among raw HTML, in every raw_html mode.

ATTRIBUTE_KEYS = [
    "onclick", "onfocus", "OnLoad", "onerror", "onmouseover", "onanimationstart", "style",
    "STYLE", "srcdoc", "formaction", "action", "href", "src", "cite", "poster", "xlink:href",
    "id", "class", "title", "lang", "dir", "tabindex", "autofocus", "data-x", "rel", "width",
]  # fmt: skip
ATTRIBUTE_VALUES = [
    "alert(1)", "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:x", "java&#115;cript:x",
    "javascript&#58;x", "vbscript:x", "data:text/html,x", "color:red", "text-align: left;",
    "https://ok.example/", "/local/path", "#frag", "x", "", "1",
]  # fmt: skip


def _pair(key: str, value: str, quote: str) -> str:
    if not quote and (not value or re.search(r"[\s'\"}=]", value)):
        quote = '"'
    return f"{key}={quote}{value}{quote}"


attribute = st.one_of(
    st.builds(
        _pair,
        st.one_of(st.sampled_from(ATTRIBUTE_KEYS), st.from_regex(r"on[a-z]{1,8}", fullmatch=True)),
        st.one_of(st.sampled_from(ATTRIBUTE_VALUES), st.text("abc:;()/ ", max_size=8)),
        st.sampled_from(['"', "'", ""]),
    ),
    st.sampled_from([".cls", "#an-id", "autofocus", "tabindex=0"]),
)
attribute_list = st.lists(attribute, min_size=1, max_size=4).map(lambda a: " ".join(a))
TARGETS = [
    "Paragraph text.\n{{: {} }}\n\n", "## Heading {{: {} }}\n\n", "*em*{{: {} }} and text.\n\n",
    "[link](https://ok.example/){{: {} }}\n\n", "![alt](/x.png){{: {} }}\n\n",
    "- item\n{{: {} }}\n\n", "> quote\n{{: {} }}\n\n", "``` {{ {} }}\ncode\n```\n\n",
    '<div markdown="1">\nInside.\n{{: {} }}\n</div>\n\n', "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n",
]  # fmt: skip
SAFE_RAW = ["<b>bold</b> ", '<span class="x">s</span> ', "<div>\nblock\n</div>\n\n", "<br>"]
HOSTILE_RAW = [
    "<script>alert(1)</script>\n\n", '<img src="x" onerror="alert(1)">', "<svg onload=alert(1)>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>\n\n', '<a href="javascript:x">j</a>',
    '<p style="position:fixed" onclick="x">p</p>\n\n', "<iframe src=https://evil\\@player.vimeo.com/>",
]  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "cite", "action", "formaction", "poster", "xlink:href", "data"}
CONVERTERS = {
    mode: Converter(mode, ("www.youtube-nocookie.com", "player.vimeo.com"), 3)  # type: ignore[arg-type]
    for mode in ("escape", "sanitize", "allow")
}


@st.composite
def attribute_bodies(draw: st.DrawFn, raw: list[str]) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from(raw)))
        parts.append(draw(st.sampled_from(TARGETS)).format(draw(attribute_list)))
    return "".join(parts)


def _script_url(value: str) -> bool:
    cleaned = re.sub(r"[\x00-\x20]", "", value).lower()
    return cleaned.startswith(("javascript:", "vbscript:", "data:"))


def _dangerous(html: str) -> list[str]:
    found = []
    # lxml, like a browser, reads an iframe's content as text, not as elements.
    for el in BeautifulSoup(html, "lxml").find_all(True):
        for name, value in el.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if (
                name.startswith("on")
                or name == "srcdoc"
                or (name == "style" and el.name not in ("td", "th"))
                or (name in URL_ATTRIBUTES and _script_url(text))
            ):
                found.append(f"<{el.name} {name}={text!r}>")
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mode=st.sampled_from(["escape", "sanitize", "allow"]),
    data=st.data(),
)
def test_attribute_lists_never_carry_scripts_or_styles(mode: str, data: st.DataObject) -> None:
    # In `allow` mode raw HTML is the trusted writer's own: only harmless raw HTML is mixed in.
    raw = SAFE_RAW + (HOSTILE_RAW if mode != "allow" else [])
    body = data.draw(attribute_bodies(raw))
    html = CONVERTERS[mode].convert(body, "articles/a.md").html
    assert _dangerous(html) == [], html
