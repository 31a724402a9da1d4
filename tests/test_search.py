"""Search (sitegen/search/indexer.py): the Pagefind index holds exactly the published articles with their
section, author, date and image; drafts and embargoed stories never reach it; the bundle is the
same bytes for the same pages; `[search] enabled = false` leaves no trace; failures are
SitegenErrors. The browser side is in tests/browser/test_search_browser.py."""

from __future__ import annotations

import functools
import gzip
import json
from collections import Counter
from datetime import UTC
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from sitegen.errors import SitegenError
from sitegen.load.config import SearchConfig, load_config
from sitegen.model.entities import Article
from sitegen.search.bundle import stabilise_bundle
from sitegen.search.indexer import SEARCH_FOLDER, SHARD_LIST, index_pages
from tests.conftest import AUTHOR, MakeSite, article, build_into, write_site
from tests.helpers import page

PUBLISHED_WORD = "pelicanrost"
DRAFT_WORD = "zanzibarflux"
EMBARGO_WORD = "quokkamere"
PAGE_WORD = "marmotvale"
SITE = {
    "sitegen.toml": 'title = "Search Test"\nbase_url = "https://search.example/"\n',
    "content/authors/jane-doe.md": AUTHOR,
    "content/authors/ben-ortiz.md": "---\nname: Ben Ortiz\n---\nBen edits.\n",
    "content/articles/one.md": article(
        "Harbour reopens",
        extra="image: /images/harbour.svg\nimage_alt: A harbour\ntags: [ports]\n",
        body=f"The harbour reopened today after the {PUBLISHED_WORD} storm.\n",
    ),
    "content/articles/two.md": article(
        "Rates held",
        date="2026-06-02T09:00:00",
        category="Economy",
        author="[jane-doe, ben-ortiz]",
        body="The central bank held rates.\n",
    ),
    "content/articles/draft.md": article(
        "Unfinished story", extra="draft: true\n", body=f"Not ready: {DRAFT_WORD}.\n"
    ),
    "content/articles/later.md": article(
        "Tomorrow's news", date="2026-07-01T09:00:00", body=f"Embargoed: {EMBARGO_WORD}.\n"
    ),
    "content/pages/about.md": f"---\ntitle: About\n---\nAbout us and the {PAGE_WORD}.\n",
    "static/files/notes.txt": "Notes for readers.\n",
    "static/images/harbour.svg": (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200" viewBox="0 0 300 200">'
        '<rect width="300" height="200" fill="#acd"/></svg>\n'
    ),
}


def shards(output: Path) -> list[Path]:
    """The shard bundles pagefind/index.json lists, newest first."""
    listing = json.loads((output / SEARCH_FOLDER / SHARD_LIST).read_text(encoding="utf-8"))
    return [output / SEARCH_FOLDER / name for name in listing["shards"]]


def read_bundle(output: Path) -> tuple[int, list[dict[str, Any]], bytes]:
    """Pages counted by the shards' entry files, every page record (fragment) and all index
    bytes, decompressed, over every shard."""
    return read_bundles(shards(output))


def read_bundles(bundles: list[Path]) -> tuple[int, list[dict[str, Any]], bytes]:
    pages = 0
    fragments = []
    everything = b""
    for bundle in bundles:
        entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
        pages += sum(lang["page_count"] for lang in entry["languages"].values())
        for path in sorted(bundle.rglob("*")):
            if path.suffix not in {".pf_fragment", ".pf_index", ".pf_filter", ".pf_meta"}:
                continue
            data = gzip.decompress(path.read_bytes())
            assert data.startswith(b"pagefind_dcd")
            everything += data
            if path.suffix == ".pf_fragment":
                fragments.append(json.loads(data[len(b"pagefind_dcd") :]))
    return pages, fragments, everything


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture
def built(make_site: MakeSite, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    build_into(make_site(SITE), out)
    return out


def test_search_is_on_by_default() -> None:
    assert SearchConfig().enabled is True


def test_only_published_articles_are_indexed(built: Path) -> None:
    pages, fragments, everything = read_bundle(built)
    assert sorted(f["url"] for f in fragments) == [
        "/economy/rates-held/",
        "/politics/harbour-reopens/",
    ]
    assert pages == 2
    assert PUBLISHED_WORD.encode() in everything
    for word in (DRAFT_WORD, EMBARGO_WORD, PAGE_WORD):
        assert word.encode() not in everything, f"{word} reached the search index"
    assert not (built / "politics/unfinished-story").exists()


def test_drafts_and_embargoed_stories_of_the_basic_site_are_not_indexed(basic_site: Path) -> None:
    _, fragments, everything = read_bundle(basic_site)
    urls = {f["url"] for f in fragments}
    articles = {
        "/" + p.parent.relative_to(basic_site).as_posix() + "/"
        for p in basic_site.rglob("index.html")
        if 'class="page-article"' in p.read_text(encoding="utf-8")
    }
    assert urls == articles and len(urls) > 5
    assert b"Secret budget draft" not in everything
    assert b"Embargoed jobs report" not in everything


def test_articles_under_any_permalink_pattern_are_indexed(
    make_site: MakeSite, tmp_path: Path
) -> None:
    """And where a story lives is not its text: a word only in its URL is not a search term
    (records sit at their page's path; Pagefind indexes meta values, so the URL is not one)."""
    files = dict(SITE)
    files["sitegen.toml"] += '\n[permalinks]\narticle = "/zqxstories/{year}/{month}/{slug}/"\n'
    out = tmp_path / "out"
    build_into(make_site(files), out)
    _, fragments, _ = read_bundle(out)
    assert sorted(f["url"] for f in fragments) == [
        "/zqxstories/2026/06/harbour-reopens/",
        "/zqxstories/2026/06/rates-held/",
    ]
    index = b"".join(
        gzip.decompress(path.read_bytes())
        for bundle in shards(out)
        for path in (bundle / "index").glob("*.pf_index")
    )
    assert b"harbour" in index, "the check below would pass on an empty index"
    assert b"zqxstori" not in index


def test_records_carry_section_author_date_and_image(built: Path) -> None:
    _, fragments, _ = read_bundle(built)
    by_url = {f["url"]: f for f in fragments}
    one, two = by_url["/politics/harbour-reopens/"], by_url["/economy/rates-held/"]
    assert one["filters"] == {"section": ["Politics"], "author": ["Jane Doe"]}
    assert sorted(two["filters"]["author"]) == ["Ben Ortiz", "Jane Doe"]
    assert two["filters"]["section"] == ["Economy"]
    assert one["meta"]["title"] == "Harbour reopens"
    assert one["meta"]["date"] == "June 1, 2026"
    assert one["meta"]["image"] == "/images/harbour.svg"
    assert one["meta"]["image_alt"] == "A harbour"
    assert "image" not in two["meta"], "an author's avatar must not stand in for a lead image"
    # The story is indexed; the boxes around it are not.
    assert "Share this story" not in one["content"]
    assert "Topics" not in one["content"]
    assert "Jane reports" not in one["content"]  # the author box bio
    assert PUBLISHED_WORD in one["content"]


def test_pages_carry_no_search_marks(built: Path) -> None:
    """Pagefind reads records made from the model, not the pages: no page needs its marks."""
    for html in built.rglob("*.html"):
        assert "data-pagefind" not in html.read_text(encoding="utf-8"), html


def test_a_record_holds_the_story_and_its_facets_escaped() -> None:
    from datetime import datetime

    from bs4 import BeautifulSoup

    from sitegen.model.entities import Author, Body, Category, Correction, Image, Tag
    from sitegen.render.search_record import filter_value, search_record

    odd = '<"&>'  # in every field: each must come back as text, not markup

    def person(name: str) -> Author:
        return Author(name.lower(), name, "", "", "", (), "/a/", "", {})

    when = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
    story = Article(
        source="a.md", slug="a", title=f"Tom {odd}", date=when, updated=None,
        authors=(person(f"Ann {odd}"), person("Bo"), person("Cy")),
        category=Category("fact-check", f"Fact {odd}", "/fact-check/"),
        tags=(Tag("ports", f"Ports {odd}", "/tag/ports/"),), summary=f"What {odd} we know",
        image=Image(f"/i{odd}.png", f"A {odd}", f"Pier {odd}", "Agency", 10, 5, None, "image/png"),
        body=Body.of("<p>Body <em>text</em></p>"), toc=(), word_count=2, reading_time=1,
        draft=False, featured=False, noindex=False,
        corrections=(Correction(when, f"Fixed {odd}."),), url="/a/", extra={},
    )  # fmt: skip
    doc = BeautifulSoup(search_record(story, f"en{odd}").decode(), "html.parser")
    assert doc.html["lang"] == f"en{odd}"
    body = doc.find(attrs={"data-pagefind-body": True})
    assert len(doc.find_all(attrs={"data-pagefind-body": True})) == 1
    assert body.select_one("[data-pagefind-meta=title]").get_text() == f"Tom {odd}"
    # Filter values are written the way Pagefind reads them back (search_record.filter_value).
    section = body.select_one("[data-pagefind-filter=section]").get_text()
    assert unescape(section) == filter_value(f"Fact {odd}") == 'Fact <\\"&>'
    assert [unescape(a.get_text()) for a in body.select("[data-pagefind-filter=author]")] == [
        filter_value(f"Ann {odd}"), "Bo", "Cy"
    ]  # fmt: skip
    assert f"By Ann {odd}, Bo and Cy" in body.get_text()
    time = body.select_one("time[data-pagefind-meta=date]")
    assert time.get_text() == "March 4, 2026"
    assert time["data-pagefind-sort"] == f"date:{int(when.timestamp())}"
    img = body.select_one("img")
    assert (img["src"], img["alt"]) == (f"/i{odd}.png", f"A {odd}")
    assert img["data-pagefind-meta"] == "image[src], image_alt[alt]"
    assert body.select_one("em").get_text() == "text", "the body is HTML already"
    assert [tag.name for tag in body.find_all(True)] == [
        "p", "h1", "p", "p", "p", "p", "p", "p", "time", "figure", "img",
        "figcaption", "p", "div", "p", "em", "ul", "li",
    ], "a field's text made markup"  # fmt: skip
    text = body.get_text(" ")
    for part in (f"What {odd} we know", f"Pier {odd}", f"Fixed {odd}.", "Body text", "Ports"):
        assert " ".join(part.split()) in " ".join(text.split()), part
    assert "Agency" not in text, "the photo credit is not the story"


@pytest.mark.parametrize(
    ("file", "old", "new", "found"),
    [
        ("content/authors/jane-doe.md", "name: Jane Doe", "name: Jane Roe", "Jane Roe"),
        ("sitegen.toml", 'title = "Search Test"', 'title = "Search Test"\ntimezone = "Asia/Tokyo"',
         "June 1, 2026"),
    ],
    ids=["author renamed", "time zone"],
)  # fmt: skip
def test_a_change_outside_the_story_reindexes_it(
    make_site: MakeSite, tmp_path: Path, file: str, old: str, new: str, found: str
) -> None:
    """What a record shows from elsewhere (an author's profile, the site's settings) changes
    the shard's name, so the shard is indexed again, and the result equals a clean build."""
    site = _ShardPerStory(make_site, tmp_path, SITE)
    site.build()
    before = {shard.name for shard in shards(site.out)}
    path = site.root / file
    path.write_text(path.read_text().replace(old, new))
    site.build()
    after = {shard.name for shard in shards(site.out)}
    assert before - after, "no shard was indexed again"
    _, fragments, _ = read_bundle(site.out)
    harbour = next(f for f in fragments if f["url"] == "/politics/harbour-reopens/")
    assert found in (harbour["filters"]["author"] + [harbour["meta"]["date"]])
    assert tree(site.out) == tree(site.clean())


def test_a_template_change_does_not_reindex(make_site: MakeSite, tmp_path: Path) -> None:
    """Records do not depend on templates: a new article template renders every article page
    again and leaves the index, file for file, as it was."""
    site = _ShardPerStory(make_site, tmp_path, SITE)
    site.build()
    inodes = _inodes(site.out / SEARCH_FOLDER)
    page = site.root / "templates" / "article.html"
    page.parent.mkdir()
    page.write_text('{% extends "base.html" %}{% block content %}<h1>{{ article.title }}</h1>'
                    "{% endblock %}\n")  # fmt: skip
    site.build()
    assert "<h1>Rates held</h1>" in (site.out / "economy/rates-held/index.html").read_text()
    assert _inodes(site.out / SEARCH_FOLDER) == inodes, "the index was written again"
    assert tree(site.out) == tree(site.clean())


def test_the_search_page_and_header_box(built: Path) -> None:
    doc = page(built, "/search/")
    assert doc.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert doc.select_one("[data-search]")["data-bundle"] == "/pagefind/"
    assert doc.select_one("form.search-form input[name=q]") is not None
    assert {s["name"] for s in doc.select("form.search-form select")} == {"section", "author"}
    assert any("/js/search.js" in s["src"] for s in doc.select("script[src]"))
    front = page(built, "/")
    form = front.select_one("form.nav-search")
    assert form["action"] == "/search/" and form.select_one("input")["name"] == "q"
    assert not any("search.js" in s["src"] for s in front.select("script[src]"))
    assert all((bundle / "pagefind.js").is_file() for bundle in shards(built))
    assert not list((built / SEARCH_FOLDER).rglob("pagefind-ui.js")), "unused UI files kept"


def test_the_filters_list_what_the_index_counts(built: Path) -> None:
    """The search page lists each filter's choices with the index's own counts, so the browser
    does not fetch every shard's filter files to fill them."""
    doc = page(built, "/search/")
    _, fragments, _ = read_bundle(built)
    for key in ("section", "author"):
        counts = Counter(value for f in fragments for value in f["filters"][key])
        options = doc.select(f"select[data-filter={key}] option")
        assert options[0]["value"] == ""
        assert [(o["value"], o.get_text()) for o in options[1:]] == [
            (name, f"{name} ({counts[name]})") for name in sorted(counts, key=str.casefold)
        ]
    assert [o["value"] for o in doc.select("select[data-filter=author] option")][1:] == [
        "Ben Ortiz", "Jane Doe"
    ]  # fmt: skip


def test_search_off_leaves_no_trace(make_site: MakeSite, tmp_path: Path) -> None:
    files = dict(SITE)
    files["sitegen.toml"] += "\n[search]\nenabled = false\n"
    root = make_site(files)
    assert load_config(root).search.enabled is False
    out = tmp_path / "off"
    build_into(root, out)
    assert not (out / SEARCH_FOLDER).exists()
    assert not (out / "search").exists()
    for html in out.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert 'role="search"' not in text, html
        assert "/search/" not in text, html
        assert "search.js" not in text, html


def test_the_same_pages_give_the_same_bundle(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site(SITE)
    build_into(root, tmp_path / "a")
    build_into(root, tmp_path / "b")
    a, b = tree(tmp_path / "a" / SEARCH_FOLDER), tree(tmp_path / "b" / SEARCH_FOLDER)
    assert sorted(a) == sorted(b)
    assert a == b


def test_stabilise_leaves_unknown_files_alone(built: Path) -> None:
    bundle = shards(built)[0]
    before = tree(bundle)
    stabilise_bundle(bundle)  # already stable: nothing to do
    assert tree(bundle) == before
    broken = next((bundle / "filter").iterdir())
    broken.write_bytes(gzip.compress(b"pagefind_dcd\xff\xff", mtime=0))
    changed = tree(bundle)
    stabilise_bundle(bundle)
    assert tree(bundle) == changed


def test_a_site_without_articles_builds_without_an_index(
    make_site: MakeSite, tmp_path: Path
) -> None:
    files = {k: v for k, v in SITE.items() if not k.startswith("content/articles/")}
    out = tmp_path / "out"
    build_into(make_site(files), out)
    assert (out / "search" / "index.html").is_file()
    assert not (out / SEARCH_FOLDER).exists()


def test_a_failing_indexer_is_a_sitegen_error(tmp_path: Path) -> None:
    records = tmp_path / "records"
    (records / "story").mkdir(parents=True)
    (records / "story" / "index.html").write_text(
        '<!doctype html><html lang="en"><body><article data-pagefind-body>Words</article></html>'
    )
    blocked = tmp_path / "bundle"
    blocked.write_text("a file where the bundle folder should go\n")
    with pytest.raises(SitegenError, match="Pagefind failed to index") as caught:
        index_pages(records, blocked, "en")
    assert "search" in str(caught.value)


def test_a_missing_pagefind_is_a_sitegen_error(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pagefind" else real(name, *a)
    )
    with pytest.raises(SitegenError, match=r"pip install 'pagefind\[bin\]'"):
        index_pages(built, tmp_path / "bundle", "en")


def test_unchanged_pages_keep_the_previous_index(make_site: MakeSite, tmp_path: Path) -> None:
    """A build in which no page changed carries pagefind/ over instead of indexing again."""
    root = make_site(SITE)
    out, cache = tmp_path / "out", tmp_path / "cache"
    from datetime import datetime

    from sitegen.build import BuildRequest, build
    from sitegen.errors import Reporter
    from sitegen.model.site import BuildOptions
    from tests.conftest import FIXED_NOW

    options = BuildOptions(now=datetime.fromisoformat(FIXED_NOW))
    request = BuildRequest(root=root, output=out, options=options, jobs=1, cache_dir=cache)
    build(request, Reporter())
    before = tree(out / SEARCH_FOLDER)
    inodes = {p: p.stat().st_ino for p in (out / SEARCH_FOLDER).rglob("*") if p.is_file()}
    (root / "static" / "files" / "notes.txt").write_text("Newer notes for readers.\n")
    result = build(request, Reporter())
    assert result.unchanged == result.pages
    assert tree(out / SEARCH_FOLDER) == before
    assert {p: p.stat().st_ino for p in inodes} == inodes, "the index was written again"
    assert (out / "files" / "notes.txt").read_text() == "Newer notes for readers.\n"


def test_a_site_under_a_sub_path_loads_its_own_bundle(make_site: MakeSite, tmp_path: Path) -> None:
    files = dict(SITE)
    files["sitegen.toml"] = files["sitegen.toml"].replace(
        "https://search.example/", "https://search.example/news/"
    )
    out = tmp_path / "out"
    build_into(make_site(files), out)
    box = page(out, "/search/").select_one("[data-search]")
    assert (box["data-bundle"], box["data-base"]) == ("/news/pagefind/", "/news/")
    assert page(out, "/").select_one("form.nav-search")["action"] == "/news/search/"
    _, fragments, _ = read_bundle(out)
    assert "/politics/harbour-reopens/" in {f["url"] for f in fragments}  # baseUrl adds /news


class _ShardPerStory:
    """SITE (or `files`) with one search shard per story (or `shard_size`), built with a cache
    into `out`; clean builds of the same sources to compare with."""

    def __init__(
        self, make_site: MakeSite, tmp_path: Path, files: dict[str, str], shard_size: int = 1
    ) -> None:
        from datetime import datetime

        from sitegen.build import BuildRequest
        from sitegen.model.site import BuildOptions
        from tests.conftest import FIXED_NOW

        search = f"\n[search]\nshard_size = {shard_size}\n"
        files = {**files, "sitegen.toml": files["sitegen.toml"] + search}
        self.root = make_site(files)
        self.out = tmp_path / "out"
        self.clean_out = tmp_path / "clean"
        options = BuildOptions(now=datetime.fromisoformat(FIXED_NOW))
        self.request = BuildRequest(
            root=self.root, output=self.out, options=options, jobs=1, cache_dir=tmp_path / "c"
        )

    def build(self) -> None:
        from sitegen.build import build
        from sitegen.errors import Reporter

        build(self.request, Reporter())

    def clean(self) -> Path:
        """A build of the same sources without the cache, into an empty folder."""
        from dataclasses import replace

        from sitegen.build import build
        from sitegen.errors import Reporter

        build(replace(self.request, output=self.clean_out, cache_dir=None), Reporter())
        return self.clean_out


def _inodes(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def test_an_edit_reindexes_only_the_shard_holding_the_story(
    make_site: MakeSite, tmp_path: Path
) -> None:
    """One shard per story here: editing one story's body or another's title leaves the other
    shard's files untouched (same inodes), and the result equals a clean build."""
    site = _ShardPerStory(make_site, tmp_path, SITE)
    out = site.out
    site.build()
    older, newer = shards(out)[1], shards(out)[0]  # harbour (June 1), rates (June 2)
    assert newer.name.startswith("2026-06-02-") and older.name.startswith("2026-06-01-")
    inodes = _inodes(older)

    two = site.root / "content/articles/two.md"
    two.write_text(two.read_text() + "\nRates are expected to stay put until spring.\n")
    site.build()
    assert shards(out)[1] == older and shards(out)[0] != newer
    assert _inodes(older) == inodes, "the untouched shard was rewritten"
    _, fragments, _ = read_bundle(out)
    assert any("stay put until spring" in f["content"] for f in fragments)
    assert tree(out / SEARCH_FOLDER) == tree(site.clean() / SEARCH_FOLDER)


def test_a_reindexed_shard_writes_only_the_records_that_changed(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache keeps each shard's records (search/records.py): re-indexing the shard of an
    edited story writes that story's record alone, and the index equals a clean build's."""
    import sitegen.render.plan
    from sitegen.search.records import RECORDS_FOLDER

    site = _ShardPerStory(make_site, tmp_path, SITE, shard_size=10)
    site.build()
    assert len(shards(site.out)) == 1
    assert (site.request.cache_dir / RECORDS_FOLDER).is_dir()  # type: ignore[operator]
    made: list[str] = []
    real = sitegen.render.plan.search_record

    def counted(article: Article, language: str) -> bytes:
        made.append(article.title)
        return real(article, language)

    monkeypatch.setattr(sitegen.render.plan, "search_record", counted)
    two = site.root / "content/articles/two.md"
    two.write_text(two.read_text() + "\nRates are expected to stay put until spring.\n")
    site.build()
    assert made == ["Rates held"]
    assert tree(site.out / SEARCH_FOLDER) == tree(site.clean() / SEARCH_FOLDER)


def test_a_story_joining_a_kept_shard_gives_the_clean_index_on_tmpfs(on_tmpfs: Path) -> None:
    """A story that joins a shard gets its record after the others were made; a clean build
    makes them in page order. The kept folder is laid out afresh, so the bundles still match."""

    make = functools.partial(write_site, on_tmpfs / "site")
    site = _ShardPerStory(make, on_tmpfs, SITE, shard_size=10)
    site.build()
    make(
        {"content/articles/aaa-first.md": article("A story that sorts first", body="Aardvarks.\n")}
    )
    site.build()
    _, fragments, _ = read_bundle(site.out)
    assert any("Aardvarks" in f["content"] for f in fragments)
    assert tree(site.out / SEARCH_FOLDER) == tree(site.clean() / SEARCH_FOLDER)


def test_a_change_to_the_record_code_reindexes_every_shard(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records change with sitegen's code between releases: the shards a cache kept from the
    old code must not stay, or an upgraded build would differ from a clean one."""
    import sitegen.search.pagefind

    site = _ShardPerStory(make_site, tmp_path, SITE)
    site.build()
    before = [bundle.name for bundle in shards(site.out)]
    real = sitegen.search.pagefind._record_code()
    monkeypatch.setattr(sitegen.search.pagefind, "_record_code", lambda: real + "-changed")
    site.build()
    after = [bundle.name for bundle in shards(site.out)]
    assert len(after) == 2 and not set(before) & set(after)


def test_many_records_set_aside_are_deleted_in_the_background(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a change to the record code every kept folder is set aside (10,000 files at 10k):
    past write.BACKGROUND_DELETE records (lowered here), the build leaves them to a background
    process; below it, and after an ordinary edit, they are deleted at once."""
    import sitegen.search.indexer
    import sitegen.search.pagefind
    import sitegen.search.records

    site = _ShardPerStory(make_site, tmp_path, SITE)
    site.build()
    discarded: list[Path] = []
    real_discard = sitegen.search.indexer.discard

    def recorded(folder: Path, output: Path) -> None:
        discarded.append(folder)
        real_discard(folder, output)

    monkeypatch.setattr(sitegen.search.indexer, "discard", recorded)
    real = sitegen.search.pagefind._record_code()
    monkeypatch.setattr(sitegen.search.pagefind, "_record_code", lambda: real + "-changed")
    site.build()  # two records set aside: too few to bother a background process
    assert discarded == []

    monkeypatch.setattr(sitegen.search.records, "BACKGROUND_DELETE", 1)
    two = site.root / "content/articles/two.md"
    two.write_text(two.read_text() + "\nAn edit.\n")
    site.build()  # the edited record alone is set aside, not its folder
    assert discarded == []
    monkeypatch.setattr(sitegen.search.pagefind, "_record_code", lambda: real + "-changed again")
    site.build()
    assert len(discarded) == 1 and not discarded[0].exists()


def test_the_record_code_digest_reads_the_code() -> None:
    import sitegen.search.pagefind

    code = sitegen.search.pagefind._record_code()
    assert len(code) == 12 and code != "unknown"
    int(code, 16)


def test_a_moved_story_does_not_reindex_the_stories_linking_to_it(
    make_site: MakeSite, tmp_path: Path
) -> None:
    """Retitling a story moves it (its slug follows the title): the story linking to it is
    rendered again with the new address, but its search record holds text, not addresses, so
    its shard stays as it was, and the result still equals a clean build."""
    files = dict(SITE)
    files["content/articles/one.md"] = files["content/articles/one.md"].replace(
        "storm.\n", "storm. Markets [held steady](two.md).\n"
    )
    site = _ShardPerStory(make_site, tmp_path, files)
    out = site.out
    site.build()
    linking = out / "politics/harbour-reopens/index.html"
    assert 'href="/economy/rates-held/"' in linking.read_text()
    older = shards(out)[1]  # harbour (June 1), the story that links
    inodes = _inodes(older)

    two = site.root / "content/articles/two.md"
    two.write_text(two.read_text().replace("Rates held", "Rates held again"))
    site.build()
    assert 'href="/economy/rates-held-again/"' in linking.read_text(), "rendered again"
    assert shards(out)[1] == older
    assert _inodes(older) == inodes, "the linking story was re-indexed"
    assert tree(out) == tree(site.clean())


def test_shards_are_listed_newest_first_and_merge_into_one_search(
    make_site: MakeSite, tmp_path: Path
) -> None:
    files = dict(SITE)
    files["sitegen.toml"] += "\n[search]\nshard_size = 1\n"
    out = tmp_path / "out"
    build_into(make_site(files), out)
    bundles = shards(out)
    assert len(bundles) == 2
    urls = []
    for bundle in bundles:
        pages, fragments, _ = read_bundles([bundle])
        assert pages == 1
        urls += [f["url"] for f in fragments]
    assert urls == ["/economy/rates-held/", "/politics/harbour-reopens/"]


def test_pagefind_leaves_a_core_to_the_render_and_takes_them_all_after(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With two workers and many shards (a cold build), one single-threaded Pagefind runs at a
    time while the pages render, two once the build waits for them; a one-story edit gives
    its shard to one Pagefind with its own threads."""
    import threading
    import time
    from dataclasses import replace

    import sitegen.search.indexer
    import sitegen.search.site_search
    from sitegen.search.indexer import SearchIndexer

    files = dict(SITE)
    for day in range(3, 9):
        files[f"content/articles/day-{day}.md"] = article(
            f"Story of June {day}", date=f"2026-06-0{day}T09:00:00"
        )
    site = _ShardPerStory(make_site, tmp_path, files)
    site.request = replace(site.request, jobs=2)
    calls: list[tuple[int | None, int, bool]] = []
    running = 0
    lock = threading.Lock()
    waiting = threading.Event()
    started = threading.Event()
    real_index, real_finish = sitegen.search.indexer.index_pages, SearchIndexer.finish

    def index(
        site: Path, out: Path, language: str, *, threads: int | None = None, records: int = 0
    ) -> None:
        nonlocal running
        with lock:
            running += 1
            calls.append((threads, running, waiting.is_set()))
        started.set()
        time.sleep(0.3)  # long enough for the render to end while shards wait
        try:
            real_index(site, out, language, threads=threads, records=records)
        finally:
            with lock:
                running -= 1

    def finish(self: SearchIndexer) -> tuple[int, int]:
        started.wait(timeout=30)  # a shard is being indexed while the build still renders
        waiting.set()
        return real_finish(self)

    monkeypatch.setattr(sitegen.search.indexer, "index_pages", index)
    monkeypatch.setattr(SearchIndexer, "finish", finish)
    site.build()
    assert len(calls) == 8
    assert {threads for threads, _, _ in calls} == {1}
    assert max(at_once for _, at_once, after in calls if not after) == 1
    assert max(at_once for _, at_once, _ in calls) == 2

    calls.clear()
    waiting.clear()
    started.clear()
    two = site.root / "content/articles/two.md"
    two.write_text(two.read_text() + "\nRates are expected to stay put until spring.\n")
    # The indexer's own path: the early guess at an edit's shard is test_search_early.py's.
    monkeypatch.setattr(sitegen.search.site_search, "early_index", lambda *args: None)
    site.build()
    assert [threads for threads, _, _ in calls] == [None]
