"""Low-severity findings of a fault probe, each pinned by a test that failed before its fix:
names that slugify alike, URLs one only in case or Unicode form, RSS descriptions, scheme-relative
avatars, repeated authors, clocks at the ends of time, local mean time offsets, and search
filter values that did not come back from Pagefind as the search page asks for them."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from sitegen.cli.main import main
from tests.conftest import AUTHOR, MakeSite, article, build_into
from tests.helpers import page
from tests.unit.test_site import article as model_article
from tests.unit.test_site import make_model

PUBLIC = 'base_url = "https://news.example.org/"\n'


# 1. Section and tag names that slugify alike


def test_tags_c_cpp_and_csharp_get_pages_of_their_own() -> None:
    files = {
        "articles/a.md": model_article("One", extra="tags: [C++, C#]"),
        "articles/b.md": model_article("Two", extra="tags: [C, Notepad++]"),
    }
    model = make_model(files)
    site = model.ok()
    assert {t.slug: t.name for t in site.tags} == {
        "c": "C",
        "c-plus-plus": "C++",
        "c-sharp": "C#",
        "notepad-plus-plus": "Notepad++",
    }
    assert [str(w) for w in model.warnings] == []


def test_sections_c_cpp_and_csharp_are_three_sections() -> None:
    files = {
        f"articles/{n}.md": model_article(f"Story {n}", category=name)
        for n, name in enumerate(["C", "C++", "C#"])
    }
    site = make_model(files).ok()
    assert sorted(c.slug for c in site.categories) == ["c", "c-plus-plus", "c-sharp"]
    assert sorted(a.url for a in site.articles) == [
        "/c-plus-plus/story-1/",
        "/c-sharp/story-2/",
        "/c/story-0/",
    ]


def test_a_hashtag_loses_its_hash_and_meets_the_plain_tag_with_a_warning() -> None:
    files = {
        "articles/a.md": model_article("One", extra="tags: [MeToo]"),
        "articles/b.md": model_article("Two", extra="tags: ['#MeToo']"),
    }
    model = make_model(files)
    assert [t.slug for t in model.ok().tags] == ["metoo"]
    (warning,) = model.warnings
    assert (warning.path, warning.line) == ("content/articles/b.md", 6)
    assert "'#MeToo' is spelled 'MeToo' in content/articles/a.md" in warning.message


def test_two_spellings_of_one_section_name_the_file_of_the_first() -> None:
    files = {
        "articles/a.md": model_article("One", category="Politics"),
        "articles/b.md": model_article("Two", category="politics"),
    }
    model = make_model(files)
    model.ok()
    (warning,) = model.warnings
    assert (warning.path, warning.line) == ("content/articles/b.md", 5)
    assert "'politics' is spelled 'Politics' in content/articles/a.md" in warning.message


# 2. URLs that differ only in letter case or Unicode form


def test_a_slug_typed_in_two_unicode_forms_is_one_url_and_an_error() -> None:
    composed, decomposed = "café", unicodedata.normalize("NFD", "café")
    assert composed != decomposed
    files = {
        "articles/a.md": model_article("One", extra=f"slug: {composed}"),
        "articles/b.md": model_article("Two", extra=f"slug: {decomposed}"),
    }
    model = make_model(files)
    assert model.site is None
    (error,) = model.errors
    assert error.path == "content/articles/b.md"
    assert "has the same URL /politics/café/ as content/articles/a.md" in error.message


def test_slugs_that_differ_only_in_case_are_an_error_naming_both_files() -> None:
    files = {
        "articles/a.md": model_article("One", extra="slug: Cafe"),
        "articles/b.md": model_article("Two", extra="slug: cafe"),
    }
    model = make_model(files)
    assert model.site is None
    (error,) = model.errors
    assert (error.path, error.line) == ("content/articles/b.md", 6)
    assert "/politics/cafe/, which differs from /politics/Cafe/ (content/articles/a.md)" in str(
        error
    )
    assert "macOS and Windows" in error.message and "another `slug:`" in error.message


def test_pages_and_authors_that_differ_only_in_case_are_errors() -> None:
    page = "---\ntitle: {}\n---\nText.\n"
    files = {
        "pages/About.md": page.format("About"),
        "pages/about.md": page.format("About us"),
        "authors/Jane.md": "---\nname: Jane Two\n---\n",  # make_model adds authors/jane.md
        "articles/a.md": model_article("One"),
    }
    model = make_model(files)
    assert model.site is None
    found = {(e.path, e.line): e.message for e in model.errors}
    assert set(found) == {("content/pages/about.md", 1), ("content/authors/Jane.md", 1)}
    assert "differs from /About/ (content/pages/About.md)" in found["content/pages/about.md", 1]
    assert "give one of them another `slug:`" in found["content/pages/about.md", 1]
    message = found["content/authors/Jane.md", 1]
    assert "differs from /author/jane/ (content/authors/jane.md)" in message
    assert "rename one of the files" in message


def test_a_page_whose_url_differs_from_a_section_only_in_case_is_an_error() -> None:
    from sitegen.load.config import PermalinkConfig, SiteConfig

    config = SiteConfig(
        timezone="UTC",
        base_url="https://news.example/",
        permalinks=PermalinkConfig(category="/{slug}/", page="/{slug}/"),
    )
    files = {
        "pages/Politics.md": "---\ntitle: Our politics\n---\nText.\n",
        "articles/a.md": model_article("One"),
    }
    model = make_model(files, config)
    assert model.site is None
    (error,) = model.errors
    assert error.path == "content/pages/Politics.md"
    assert "differs from /politics/ (section 'Politics')" in error.message
    assert error.message.endswith("give it another `slug:`")


def test_two_author_files_named_in_two_unicode_forms_are_an_error() -> None:
    composed, decomposed = "josé", unicodedata.normalize("NFD", "josé")
    files = {
        f"authors/{composed}.md": "---\nname: José A\n---\n",
        f"authors/{decomposed}.md": "---\nname: José B\n---\n",
        "articles/a.md": model_article("One", author=composed),
    }
    model = make_model(files)
    assert model.site is None
    (error,) = model.errors
    assert error.path == f"content/authors/{decomposed}.md"
    assert f"same name as content/authors/{composed}.md in another Unicode form" in error.message


# 3. RSS descriptions are HTML, entity-encoded


def _text_of(html: str) -> str:
    return BeautifulSoup(html, "html.parser").get_text()


def test_rss_descriptions_show_plain_text_literally(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site(
        {
            "sitegen.toml": PUBLIC + 'description = "News & <views>"\n',
            "content/authors/jane-doe.md": AUTHOR,
            "content/articles/a.md": article(
                "Cartoons", extra='summary: "Tom & Jerry <b>"\n', body="Some *emphasis* & more.\n"
            ),
        }
    )
    build_into(site, tmp_path / "out")
    feed = feedparser.parse((tmp_path / "out" / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    (entry,) = feed.entries
    # feedparser hands RSS descriptions on as HTML, which is what readers render.
    assert entry.summary_detail.type == "text/html"
    assert _text_of(entry.summary) == "Tom & Jerry <b>"
    assert _text_of(feed.feed.subtitle) == "News & <views>"
    atom = feedparser.parse((tmp_path / "out" / "atom.xml").read_bytes())
    assert atom.entries[0].summary == "Tom & Jerry <b>"


def test_full_content_in_rss_is_html_escaped_once(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site(
        {
            "sitegen.toml": PUBLIC + "[feeds]\nfull_content = true\n",
            "content/authors/jane-doe.md": AUTHOR,
            "content/articles/a.md": article(
                "Cartoons", extra='summary: "Tom & Jerry <b>"\n', body="Some *emphasis* & more.\n"
            ),
        }
    )
    build_into(site, tmp_path / "out")
    (entry,) = feedparser.parse((tmp_path / "out" / "feed.xml").read_bytes()).entries
    body = BeautifulSoup(entry.content[0].value, "html.parser")
    assert body.find("em").get_text() == "emphasis"
    assert body.get_text() == "Some emphasis & more."
    assert _text_of(entry.summary) == "Tom & Jerry <b>"


# 4. Scheme-relative URLs are another site's


@pytest.mark.parametrize("key", ["avatar", "image"])
def test_a_scheme_relative_avatar_or_image_is_an_error(key: str) -> None:
    if key == "avatar":
        files = {"authors/jane.md": "---\nname: Jane\navatar: //evil.example/a.png\n---\n"}
        path, line = "content/authors/jane.md", 3
    else:
        files = {}
        path, line = "content/articles/a.md", 6
    files["articles/a.md"] = model_article("One", extra="image: //evil.example/a.png")
    if key == "avatar":
        files["articles/a.md"] = model_article("One")
    model = make_model(files)
    assert model.site is None
    (error,) = model.errors
    assert (error.path, error.line) == (path, line)
    assert f"`{key}` '//evil.example/a.png' is an address on another site" in error.message
    assert "https://evil.example/a.png" in error.message


def test_a_scheme_relative_image_in_the_body_is_warned_about() -> None:
    body = "Text.\n\n![A pot](//evil.example/a.png)\n"
    model = make_model({"articles/a.md": model_article("One", body=body)})
    model.ok()
    (warning,) = model.warnings
    assert (warning.path, warning.line) == ("content/articles/a.md", 9)
    assert "image //evil.example/a.png is on another site ('evil.example')" in warning.message
    assert "https://evil.example/a.png" in warning.message


# 5. An author named twice


def test_repeated_authors_are_named_once_with_a_warning() -> None:
    files = {
        "authors/omar.md": "---\nname: Omar\n---\n",
        "articles/a.md": model_article("One", author="[jane, omar, jane]"),
        "articles/b.md": model_article("Two", author="[" + ", ".join(["jane"] * 5000) + "]"),
    }
    model = make_model(files)
    site = model.ok()
    bylines = {a.source: [p.slug for p in a.authors] for a in site.articles}
    assert bylines == {"articles/a.md": ["jane", "omar"], "articles/b.md": ["jane"]}
    found = {(w.path, w.line): w.message for w in model.warnings}
    assert set(found) == {("content/articles/a.md", 4), ("content/articles/b.md", 4)}
    assert "`author` names 'jane' 2 times" in found["content/articles/a.md", 4]
    assert "`author` names 'jane' 5000 times" in found["content/articles/b.md", 4]


def test_a_tag_listed_twice_is_kept_once_with_a_warning() -> None:
    model = make_model({"articles/a.md": model_article("One", extra="tags: [Oil, oil, Oil]")})
    assert [t.name for t in model.ok().articles[0].tags] == ["Oil"]
    (warning,) = model.warnings
    assert warning.line == 6
    assert "`tags` lists 'oil' (the tag 'Oil'), 'Oil' again" in warning.message


# 6. A clock at the ends of time


@pytest.mark.parametrize("now", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"])
@pytest.mark.parametrize("command", ["build", "check"])
def test_a_clock_at_the_ends_of_time_fails_without_a_traceback(
    make_site: MakeSite, command: str, now: str
) -> None:
    site = make_site(
        {
            "sitegen.toml": PUBLIC + 'timezone = "Europe/London"\n',
            "content/authors/jane-doe.md": AUTHOR,
            "content/articles/a.md": article("A story"),
        }
    )
    result = CliRunner().invoke(main, [command, "-s", str(site), "--now", now])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    # 1: the model refuses the clock; 2 once cli/options.py's parse_now refuses it as a usage error.
    assert result.exit_code in (1, 2), result.output
    assert "between the years 1000 and 9000" in result.output


def test_the_first_and_last_years_of_the_clock_build(make_site: MakeSite) -> None:
    site = make_site(
        {
            "sitegen.toml": PUBLIC + 'timezone = "Europe/London"\n',
            "content/authors/jane-doe.md": AUTHOR,
            "content/articles/a.md": article("A story", date="0999-01-01T09:00:00"),
        }
    )
    for now in ("1000-01-01T00:00:00+14:00", "9000-12-31T23:59:59-12:00"):
        result = CliRunner().invoke(main, ["build", "-s", str(site), "--now", now])
        assert result.exit_code == 0, result.output


# 7. Local mean time offsets, in seconds, rounded to the minute


_ISO_OFFSET = re.compile(r"(?:Z|[+-]\d\d:\d\d)$")


def test_london_before_1847_has_offsets_of_whole_minutes(
    make_site: MakeSite, tmp_path: Path
) -> None:
    site = make_site(
        {
            "sitegen.toml": PUBLIC + 'timezone = "Europe/London"\n',
            "content/authors/jane-doe.md": AUTHOR,
            "content/articles/a.md": article(
                "Old news",
                date="1800-01-01",
                extra="updated: 1800-01-02T10:00:00\n"
                "corrections: [{date: 1800-01-03, text: We erred.}]\n",
            ),
        }
    )
    out = tmp_path / "out"
    build_into(site, out)
    doc = page(out, "/politics/old-news/")
    times = [t["datetime"] for t in doc.select("time[datetime]")]
    assert "1800-01-01T00:00:00-00:01" in times
    assert times and all(_ISO_OFFSET.search(t) for t in times), times
    graph = [json.loads(s.get_text()) for s in doc.select('script[type="application/ld+json"]')]
    (story,) = [g for g in graph if g.get("@type") == "NewsArticle"]
    dates = [story["datePublished"], story["dateModified"], story["correction"][0]["datePublished"]]
    assert all(_ISO_OFFSET.search(d) for d in dates), dates
    metas = [m["content"] for m in doc.select('meta[property$="_time"]')]
    assert metas and all(_ISO_OFFSET.search(m) for m in metas), metas
    atom = (out / "atom.xml").read_text(encoding="utf-8")
    stamps = re.findall(r"<(?:published|updated)>([^<]+)<", atom)
    assert stamps and all(_ISO_OFFSET.search(s) for s in stamps), stamps
    rss = (out / "feed.xml").read_text(encoding="utf-8")
    assert "<pubDate>Wed, 01 Jan 1800 00:00:00 -0001</pubDate>" in rss


def test_a_clock_with_an_offset_in_seconds_is_rounded_too() -> None:
    from datetime import datetime

    from sitegen.model.dates import whole_minutes

    when = datetime.fromisoformat("2026-06-01T12:00:00+05:30:40")
    assert whole_minutes(when).isoformat() == "2026-06-01T12:00:00+05:31"
    normal = datetime.fromisoformat("2026-06-01T12:00:00+05:30")
    assert whole_minutes(normal) is normal


# 8. Search filter values come back from Pagefind as the search page asks for them

ODD_NAMES = {
    "section": ['Arts & "Culture"', "News &amp; more", "Back\\slash"],
    "author": ["Jane  Doe", 'Tom &amp; Co, "Ltd"', "Ann\tLee"],
}


def _asked_for(name: str) -> str:
    """What search.js sends Pagefind as a filter value for `name`, as Pagefind reads it: white
    space run together (key()), then escaped as JSON.stringify escapes it."""
    return json.dumps(" ".join(name.split()), ensure_ascii=False)[1:-1]


def _stored_filter_values(output: Path) -> dict[str, set[str]]:
    from sitegen.search.indexer import _read_cbor

    found: dict[str, set[str]] = {}
    for path in sorted(output.glob("pagefind/*/filter/*.pf_filter")):
        name, values = _read_cbor(path)
        found.setdefault(name, set()).update(value for value, _pages in values)
    return found


def odd_names_site(make_site: MakeSite) -> Path:
    sections, authors = ODD_NAMES["section"], ODD_NAMES["author"]
    files = {"sitegen.toml": PUBLIC}
    for n, name in enumerate(authors):
        files[f"content/authors/a{n}.md"] = f"---\nname: {json.dumps(name)}\n---\n"
    for n, section in enumerate(sections):
        byline = f"[a{n}, a{(n + 1) % len(authors)}]"
        files[f"content/articles/s{n}.md"] = article(
            f"Story {n}", category=json.dumps(section), author=byline, body="Pottery news.\n"
        )
    return make_site(files)


def test_search_filters_hold_names_as_the_search_page_asks_for_them(
    make_site: MakeSite, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    build_into(odd_names_site(make_site), out)
    stored = _stored_filter_values(out)
    for key, names in ODD_NAMES.items():
        assert stored[key] == {_asked_for(name) for name in names}, key
        # search.js shows the values it is given by decoding them (nameOf)
        assert {json.loads(f'"{v}"') for v in stored[key]} == {" ".join(n.split()) for n in names}
