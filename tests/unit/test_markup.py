"""sitegen.load.markup.Converter: Markdown to HTML, link placeholders, raw HTML policy, split point."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from sitegen.load.markup import REF_PREFIX, SPLIT_MARK, Converter, Markup, Reference

HOSTS = ("www.youtube-nocookie.com", "player.vimeo.com")
SOURCE = "articles/x/y.md"


def convert(text: str, raw_html: str = "sanitize", inline_after: int = 3) -> Markup:
    return Converter(raw_html, HOSTS, inline_after).convert(text, SOURCE)  # type: ignore[arg-type]


class _Attrs(HTMLParser):
    """Attribute values as a browser sees them (character references decoded)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.extend((tag, name, value or "") for name, value in attrs)


def attribute_values(html: str, tag: str, name: str) -> list[str]:
    parser = _Attrs()
    parser.feed(html)
    return [v for t, n, v in parser.found if t == tag and n == name]


# Links


def test_relative_md_link_becomes_placeholder_with_resolved_target() -> None:
    markup = convert("See [z](../eco/z.md#frag) and [w](w.md).")
    assert markup.refs == (
        Reference("articles/eco/z.md", "../eco/z.md#frag"),
        Reference("articles/x/w.md", "w.md"),
    )
    assert attribute_values(markup.html, "a", "href") == [
        REF_PREFIX + "articles/eco/z.md#frag",
        REF_PREFIX + "articles/x/w.md",
    ]


def test_reference_style_md_link_is_resolved() -> None:
    markup = convert("See [the talks][t].\n\n[t]: ../politics/talks.md")
    assert markup.refs == (Reference("articles/politics/talks.md", "../politics/talks.md"),)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a.md",
        "/politics/talks/",
        "#section",
        "//cdn.example/x.md",
        "mailto:desk@news.example",
        "?page=2",
    ],
)
def test_other_links_are_left_alone(url: str) -> None:
    markup = convert(f"[x]({url})")
    assert markup.refs == () and markup.files == ()
    assert attribute_values(markup.html, "a", "href") == [url]


def test_files_beside_the_story_become_placeholders_too() -> None:
    text = "![Map](map.png) [data](images/my%20data.csv) ![old](../old.jpg)\n\n"
    text += '<p><img src="raw.png" alt="Raw"> <a href="notes.txt">notes</a></p>'
    markup = convert(text)
    assert markup.refs == ()
    assert markup.files == (
        Reference("articles/x/map.png", "map.png"),
        Reference("articles/x/images/my data.csv", "images/my%20data.csv"),
        Reference("articles/old.jpg", "../old.jpg"),
        Reference("articles/x/raw.png", "raw.png"),
        Reference("articles/x/notes.txt", "notes.txt"),
    )
    assert attribute_values(markup.html, "img", "src") == [
        REF_PREFIX + "articles/x/map.png",
        REF_PREFIX + "articles/old.jpg",
        REF_PREFIX + "articles/x/raw.png",
    ]
    assert attribute_values(markup.html, "a", "href") == [
        REF_PREFIX + "articles/x/images/my%20data.csv",
        REF_PREFIX + "articles/x/notes.txt",
    ]


@pytest.mark.parametrize("raw", ["sanitize", "escape"])
def test_site_paths_get_the_base_path(raw: str) -> None:
    converter = Converter(raw, HOSTS, 3, base_path="/news")  # type: ignore[arg-type]
    text = "[About](/about/) ![Logo](/images/logo.svg) [in](/news/x/) [far](//cdn.example/a)"
    html = converter.convert(text + '\n\n<a href="/contact/">c</a>', SOURCE).html
    expected = ["/news/about/", "/news/x/", "//cdn.example/a"]
    assert attribute_values(html, "a", "href")[:3] == expected
    assert attribute_values(html, "img", "src") == ["/news/images/logo.svg"]
    raw_links = attribute_values(html, "a", "href")[3:]
    assert raw_links == (["/news/contact/"] if raw == "sanitize" else [])


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "<javascript:alert(1)>",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
    ],
)
@pytest.mark.parametrize("raw_html", ["sanitize", "escape", "allow"])
def test_script_links_are_neutralised(url: str, raw_html: str) -> None:
    markup = convert(f"[click]({url})", raw_html)
    assert attribute_values(markup.html, "a", "href") == ["#"]
    assert len(markup.unsafe_links) == 1
    assert "alert" not in markup.html and "msgbox" not in markup.html


def test_script_reference_link_is_neutralised() -> None:
    markup = convert("[x][r]\n\n[r]: javascript:alert(1)")
    assert attribute_values(markup.html, "a", "href") == ["#"]
    assert markup.unsafe_links == ("javascript:alert(1)",)


def test_script_image_source_is_emptied() -> None:
    markup = convert("![x](javascript:alert(1))")
    assert attribute_values(markup.html, "img", "src") == [""]
    assert markup.unsafe_links == ("javascript:alert(1)",)


@pytest.mark.parametrize("raw_html", ["sanitize", "escape"])
@pytest.mark.parametrize(
    "url", ["javascript&#58;alert(1)", "javascript&colon;alert(1)", "&#106;avascript:alert(1)"]
)
def test_script_links_written_with_character_references_are_neutralised(
    url: str, raw_html: str
) -> None:
    markup = convert(f"[click]({url})", raw_html)
    hrefs = attribute_values(markup.html, "a", "href")
    assert not any(h.lower().startswith("javascript:") for h in hrefs), markup.html


# Raw HTML policy


SCRIPT = "Before.\n\n<script>alert(1)</script>\n\nAfter."


def test_sanitize_removes_script() -> None:
    markup = convert(SCRIPT, "sanitize")
    assert "<script" not in markup.html
    assert "alert(1)" not in markup.html
    assert "<p>Before.</p>" in markup.html
    assert "<p>After.</p>" in markup.html


def test_escape_shows_script_as_text() -> None:
    markup = convert(SCRIPT, "escape")
    assert "<script" not in markup.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup.html


def test_allow_keeps_script() -> None:
    markup = convert(SCRIPT, "allow")
    assert "<script>alert(1)</script>" in markup.html


def test_sanitize_strips_event_handlers_and_script_hrefs() -> None:
    markup = convert('<img src="x.png" onerror="alert(1)">\n\n<a href="javascript:alert(1)">x</a>')
    assert "onerror" not in markup.html
    assert "javascript" not in markup.html


def test_sanitize_keeps_newsroom_markup() -> None:
    markup = convert("<figure><figcaption>Credit: AP</figcaption></figure>\n\nText <mark>hi</mark>")
    assert "<figure>" in markup.html
    assert "<figcaption>Credit: AP</figcaption>" in markup.html
    assert "<mark>hi</mark>" in markup.html


@pytest.mark.parametrize(
    ("src", "kept"),
    [
        ("https://www.youtube-nocookie.com/embed/abc", True),
        ("https://player.vimeo.com/video/1", True),
        ("https://evil.example/embed", False),
        ("https://www.youtube-nocookie.com.evil.example/embed", False),
        ("http://www.youtube-nocookie.com/embed/abc", False),
        ("javascript:alert(1)", False),
    ],
)
def test_iframes_only_from_allowed_hosts(src: str, kept: bool) -> None:
    markup = convert(f'<iframe src="{src}" onload="alert(1)"></iframe>')
    assert attribute_values(markup.html, "iframe", "src") == ([src] if kept else [])
    assert "onload" not in markup.html


def test_markdown_inside_html_blocks_in_sanitize_mode() -> None:
    markup = convert('<div markdown="1">[x](../eco/z.md)</div>')
    assert markup.refs == (Reference("articles/eco/z.md", "../eco/z.md"),)


# Split point for the inline related box


FIVE = "One.\n\n## Heading\n\nTwo.\n\n- a list\n\nThree.\n\nFour.\n\nFive."


@pytest.mark.parametrize("raw_html", ["sanitize", "escape", "allow"])
def test_split_after_third_top_level_paragraph(raw_html: str) -> None:
    markup = convert(FIVE, raw_html)
    assert markup.split > 0
    head, tail = markup.html[: markup.split], markup.html[markup.split :]
    assert head.rstrip().endswith("<p>Three.</p>")
    assert tail.lstrip().startswith("<p>Four.</p>")
    assert SPLIT_MARK not in markup.html
    assert "sitegen:inline-related" not in markup.html


def test_split_with_sanitized_inline_html_in_the_head() -> None:
    markup = convert("One <b>bold</b> <span onclick='x()'>s</span>.\n\nTwo.\n\nThree.\n\nFour.")
    head, tail = markup.html[: markup.split], markup.html[markup.split :]
    assert head.startswith("<p>One <b>bold</b> <span>s</span>.</p>")
    assert head.rstrip().endswith("<p>Three.</p>")
    assert tail.strip() == "<p>Four.</p>"


@pytest.mark.parametrize("raw_html", ["sanitize", "allow"])
def test_raw_html_blocks_are_not_counted_as_paragraphs(raw_html: str) -> None:
    embed = '<iframe src="https://player.vimeo.com/video/1"></iframe>'
    markup = convert(f"One.\n\n{embed}\n\nTwo.\n\nThree.\n\nFour.", raw_html)
    assert markup.html[: markup.split].rstrip().endswith("<p>Three.</p>")


def test_paragraphs_inside_blocks_do_not_count() -> None:
    markup = convert("> One.\n>\n> Two.\n>\n> Three.\n\nFour.")
    assert markup.split == 0


def test_inline_after_setting_is_used() -> None:
    markup = convert("One.\n\nTwo.\n\nThree.", inline_after=1)
    assert markup.html[: markup.split].rstrip() == "<p>One.</p>"


@pytest.mark.parametrize("text", ["One.", "One.\n\nTwo.", "One.\n\nTwo.\n\nThree.", ""])
def test_no_split_without_a_paragraph_after_the_third(text: str) -> None:
    assert convert(text).split == 0


# Derived data


def test_toc_lists_h2_and_h3_with_anchors() -> None:
    markup = convert("# Title\n\n## Alpha\n\ntext\n\n### Q&A *now*\n\n#### Too deep\n\n## Beta")
    assert markup.toc == ((2, "alpha", "Alpha"), (3, "qa-now", "Q&A now"), (2, "beta", "Beta"))
    assert '<h2 id="alpha">' in markup.html


def test_first_paragraph_is_plain_text() -> None:
    markup = convert(
        "## Heading\n\nThe *first* [para](https://x.example/)\nspans lines.\n\nSecond."
    )
    assert markup.first_paragraph == "The first para spans lines."


def test_first_paragraph_leaves_out_footnote_markers() -> None:
    markup = convert("The minister resigned.[^1] More later.\n\n[^1]: Source: the ministry.")
    assert markup.first_paragraph == "The minister resigned. More later."


def test_first_paragraph_empty_without_paragraphs() -> None:
    assert convert("## Only a heading").first_paragraph == ""


def test_word_count_counts_visible_words() -> None:
    markup = convert("## Two words\n\nThree *more* words.\n\n- and four more here")
    assert markup.word_count == 9


def test_word_count_of_empty_body() -> None:
    assert convert("").word_count == 0


def test_smart_quotes_and_dashes() -> None:
    markup = convert('He said "it\'s fine" -- twice... --- really')
    assert markup.first_paragraph == "He said “it’s fine” – twice… — really"
    assert "&ldquo;" in markup.html


def test_tables_render() -> None:
    markup = convert("| Party | Seats |\n|---|--:|\n| A | 12 |")
    assert "<table>" in markup.html
    assert "<th>Party</th>" in markup.html
    assert "12</td>" in markup.html


def test_footnotes_render() -> None:
    markup = convert("Claim.[^1]\n\n[^1]: Source: the ministry.")
    assert 'class="footnote-ref"' in markup.html
    assert "Source: the ministry." in markup.html
    assert 'title="Back to the text"' in markup.html


def test_body_images_load_lazily_and_are_collected() -> None:
    markup = convert("![A crowd](/images/crowd.jpg)\n\n![](../img/x.png)")
    html = markup.html
    assert attribute_values(html, "img", "loading") == ["lazy", "lazy"]
    assert attribute_values(html, "img", "decoding") == ["async", "async"]
    assert [(i.src, i.has_alt) for i in markup.images] == [
        ("/images/crowd.jpg", True),
        ("../img/x.png", False),
    ]


def test_converter_is_reusable_without_leaking_state() -> None:
    converter = Converter("sanitize", HOSTS, 3)
    first = converter.convert("[a](a.md) ![x](/x.png) [j](javascript:x)\n\n[^1]\n\n[^1]: n", SOURCE)
    second = converter.convert("Plain.", "articles/other/b.md")
    assert first.refs and first.images and first.unsafe_links
    assert second.refs == () and second.images == () and second.unsafe_links == ()
    assert "footnote" not in second.html
    assert converter.convert("[a](a.md)", "pages/about.md").refs == (
        Reference("pages/a.md", "a.md"),
    )


# Attributes written with attribute lists ({: ...}) and fenced-code options


def attributes(html: str) -> list[tuple[str, str, str]]:
    parser = _Attrs()
    parser.feed(html)
    return parser.found


def dangerous(html: str) -> list[tuple[str, str, str]]:
    """Event handlers, styles, srcdoc/formaction and script URLs anywhere in `html`."""
    return [
        (tag, name, value)
        for tag, name, value in attributes(html)
        if name.startswith("on")
        or name in ("style", "srcdoc", "formaction")
        or value.strip().lower().startswith(("javascript:", "vbscript:", "data:"))
    ]


ATTRIBUTE_PAYLOADS = [
    ('Para\n{: autofocus tabindex=0 onfocus="alert(1)"}', {"onfocus", "tabindex", "autofocus"}),
    ('# Head {: onclick="alert(1)" style="color:red" }', {"onclick", "style"}),
    ('![a](/x.png){: onerror="alert(1)"}', {"onerror"}),
    ('[a](https://x.example/){: onmouseover="alert(1)"}', {"onmouseover"}),
    ('[a](https://x.example/){: href="javascript:alert(1)"}', {"href"}),
    ('![a](/x.png){: src="javascript:alert(1)"}', {"src"}),
    ("*em*{: onclick=alert(1)}", {"onclick"}),
    ("- item\n{: onclick=alert(1)}", {"onclick"}),
    ('> quote\n{: cite="javascript:alert(1)" formaction=x }', {"cite", "formaction"}),
    ('Para\n{: srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;" }', {"srcdoc"}),
    ('```{ .python onclick="alert(1)" style="x" }\ncode\n```', {"onclick", "style"}),
    ('``` { onclick="alert(1)" }\ncode\n```', {"onclick"}),
]


@pytest.mark.parametrize("raw_html", ["sanitize", "escape", "allow"])
@pytest.mark.parametrize(("text", "stripped"), ATTRIBUTE_PAYLOADS)
def test_attribute_lists_cannot_add_scripts_or_styles(
    text: str, stripped: set[str], raw_html: str
) -> None:
    markup = convert(text, raw_html)
    assert dangerous(markup.html) == [], markup.html
    assert "alert" not in markup.html, markup.html
    assert {a.name for a in markup.stripped_attributes} == stripped


@pytest.mark.parametrize("raw_html", ["sanitize", "escape", "allow"])
def test_attribute_lists_keep_safe_attributes(raw_html: str) -> None:
    markup = convert('## Head {: #lead .wide title="T" lang=fr dir=rtl }', raw_html)
    assert set(attributes(markup.html)) == {
        ("h2", "id", "lead"),
        ("h2", "class", "wide"),
        ("h2", "title", "T"),
        ("h2", "lang", "fr"),
        ("h2", "dir", "rtl"),
    }
    assert markup.stripped_attributes == ()


def test_stripped_attribute_records_tag_name_and_value() -> None:
    markup = convert('Para\n{: onfocus="alert(1)"}', "escape")
    (removed,) = markup.stripped_attributes
    assert (removed.tag, removed.name, removed.value) == ("p", "onfocus", "alert(1)")
    assert "script" in removed.reason


def test_allow_mode_keeps_raw_html_attributes_but_filters_attribute_lists() -> None:
    markup = convert(
        '<div markdown="1" onclick="trusted()">\nhi\n{: onmouseover=x}\n</div>', "allow"
    )
    assert attribute_values(markup.html, "div", "onclick") == ["trusted()"]
    assert attribute_values(markup.html, "p", "onmouseover") == []
    assert [a.name for a in markup.stripped_attributes] == ["onmouseover"]


def test_backslash_in_embed_host_does_not_pass_the_allow_list() -> None:
    src = "https://evil.example\\@www.youtube-nocookie.com/embed/abc"
    markup = convert(f'<iframe src="{src}"></iframe>')
    assert attribute_values(markup.html, "iframe", "src") == []
    assert markup.blocked_embeds == (src,)


def test_allowed_embeds_are_not_reported() -> None:
    markup = convert('<iframe src="https://player.vimeo.com/video/1"></iframe>')
    assert attribute_values(markup.html, "iframe", "src") == ["https://player.vimeo.com/video/1"]
    assert markup.blocked_embeds == ()
