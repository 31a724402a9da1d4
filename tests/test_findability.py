"""Feeds, sitemaps, the news sitemap, social cards and structured data of the `basic` site."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from tests.conftest import ROOT, SITES, build_into
from tests.helpers import page, soup
from tests.test_site_build import PUBLISHED

BASE = "https://gazette.example"
SITEMAP_XSD = ROOT / "node_modules" / "sitemap" / "schema" / "sitemap.xsd"
NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


def _newest_first(urls: list[str]) -> list[str]:
    return sorted(urls, key=lambda u: PUBLISHED[u][1], reverse=True)


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
def test_site_feeds_parse_and_list_newest_first(basic_site: Path, name: str) -> None:
    feed = feedparser.parse((basic_site / name).read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    links = [e.link for e in feed.entries]
    expected = [BASE + u for u in _newest_first(list(PUBLISHED))][:5]  # feeds.items = 5
    assert links == expected
    first = feed.entries[0]
    assert first.title == "Zürich glaciologists map the melt"
    assert first.author == "Chen Wu"
    assert {t.term for t in first.tags} >= {"climate", "water"} or {
        t.get("label") for t in first.tags
    } >= {"climate", "water"}
    assert first.published_parsed is not None


def test_section_and_author_feeds(basic_site: Path) -> None:
    world = feedparser.parse((basic_site / "category/world/feed.xml").read_bytes())
    assert world.bozo == 0
    assert [e.link for e in world.entries] == [
        BASE + u for u in _newest_first([u for u in PUBLISHED if u.startswith("/world/")])
    ]
    ben = feedparser.parse((basic_site / "author/ben-ortiz/atom.xml").read_bytes())
    assert ben.bozo == 0
    assert BASE + "/world/envoy-named-for-river-basin/" in [e.link for e in ben.entries]


def test_feed_enclosure_for_featured_image(basic_site: Path) -> None:
    feed = feedparser.parse((basic_site / "feed.xml").read_bytes())
    rates = next(e for e in feed.entries if e.link.endswith("/central-bank-holds-rates/"))
    enclosure = rates.enclosures[0]
    assert enclosure.href == BASE + "/images/pic.svg"
    assert enclosure.type == "image/svg+xml" and int(enclosure.length) > 0


def test_feeds_are_discoverable(basic_site: Path) -> None:
    home = page(basic_site, "/")
    alternates = {link["href"] for link in home.find_all("link", rel="alternate")}
    assert {BASE + "/feed.xml", BASE + "/atom.xml"} <= alternates
    section = page(basic_site, "/category/economy/")
    assert BASE + "/category/economy/feed.xml" in {
        link["href"] for link in section.find_all("link", rel="alternate")
    }


def _sitemap_locs(basic_site: Path) -> list[str]:
    tree = etree.parse(str(basic_site / "sitemap.xml"))
    return tree.xpath("//sm:url/sm:loc/text()", namespaces=NS)


def test_sitemap_validates_against_the_official_xsd(basic_site: Path) -> None:
    assert SITEMAP_XSD.is_file(), "run scripts/setup-tests (npm ci) to install the sitemaps.org XSD"
    schema = etree.XMLSchema(etree.parse(str(SITEMAP_XSD)))
    doc = etree.parse(str(basic_site / "sitemap.xml"))
    assert schema.validate(doc), schema.error_log


def test_sitemap_lists_exactly_the_public_pages(basic_site: Path) -> None:
    locs = _sitemap_locs(basic_site)
    assert len(locs) == len(set(locs))
    html_pages = set()
    for path in basic_site.rglob("*.html"):
        rel = "/" + path.relative_to(basic_site).as_posix()
        if rel == "/404.html" or soup(path).find(
            "meta", attrs={"name": "robots", "content": "noindex"}
        ):
            continue
        html_pages.add(BASE + rel.removesuffix("index.html"))
    assert set(locs) == html_pages
    for url in PUBLISHED:
        assert BASE + url in locs
    assert not any("secret-budget" in loc or "embargoed" in loc for loc in locs)


def test_sitemap_lastmod_uses_updated(basic_site: Path) -> None:
    tree = etree.parse(str(basic_site / "sitemap.xml"))
    lastmod = tree.xpath(
        "//sm:url[sm:loc='%s']/sm:lastmod/text()"
        % (BASE + "/world/border-talks-stall-over-grazing-rights/"),
        namespaces=NS,
    )
    assert lastmod == ["2026-06-11T10:00:00+02:00"]


def test_robots_points_at_sitemaps(basic_site: Path) -> None:
    robots = (basic_site / "robots.txt").read_text()
    assert f"Sitemap: {BASE}/sitemap.xml" in robots
    assert f"Sitemap: {BASE}/news-sitemap.xml" in robots


def _news_urls(out: Path) -> list[str]:
    tree = etree.parse(str(out / "news-sitemap.xml"))
    return tree.xpath("//sm:url/sm:loc/text()", namespaces=NS)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # 48 hours before 2026-06-15 12:00 +02:00 is 2026-06-13 12:00 +02:00.
        (
            "2026-06-15T12:00:00+02:00",
            [
                "/science-research/zurich-glaciologists-map-the-melt/",
                "/world/summit-opens-with-pledges-on-water/",
                "/economy/central-bank-holds-rates/",
            ],
        ),
        # The summit story (June 14, 09:00) is 49 hours old by now.
        ("2026-06-16T10:00:00+02:00", ["/science-research/zurich-glaciologists-map-the-melt/"]),
        ("2026-07-30T10:00:00+02:00", []),
    ],
)
def test_news_sitemap_holds_the_last_48_hours(
    tmp_path: Path, now: str, expected: list[str]
) -> None:
    from sitegen.build import BuildRequest, build
    from sitegen.errors import Reporter
    from sitegen.model.site import BuildOptions

    out = tmp_path / "out"
    build(
        BuildRequest(
            SITES / "basic" / "site",
            out,
            options=BuildOptions(now=datetime.fromisoformat(now)),
            jobs=1,
        ),
        Reporter(),
    )
    robots = (out / "robots.txt").read_text()
    if not expected:
        # The sitemap schema wants at least one <url>: no file, and robots.txt names none.
        assert not (out / "news-sitemap.xml").exists()
        assert "news-sitemap" not in robots
        return
    assert f"Sitemap: {BASE}/news-sitemap.xml" in robots
    assert _news_urls(out) == [BASE + u for u in expected]
    tree = etree.parse(str(out / "news-sitemap.xml"))
    for url in tree.xpath("//sm:url", namespaces=NS):
        assert url.xpath("news:news/news:publication/news:name/text()", namespaces=NS) == [
            "The Test Gazette"
        ]
        assert url.xpath("news:news/news:publication/news:language/text()", namespaces=NS) == ["en"]
        published = datetime.fromisoformat(
            url.xpath("news:news/news:publication_date/text()", namespaces=NS)[0]
        )
        assert (
            datetime.fromisoformat(now) - timedelta(hours=48)
            <= published
            <= datetime.fromisoformat(now)
        )


def test_a_news_sitemap_that_empties_leaves_the_output_and_robots(tmp_path: Path) -> None:
    """The window empties between two builds with a cache: the next build (the clock moved
    on, nothing else) removes the file and its robots.txt line, and they come back with a
    new story."""
    from sitegen.build import BuildRequest, build
    from sitegen.errors import Reporter
    from sitegen.model.site import BuildOptions

    site, out = tmp_path / "site", tmp_path / "out"
    shutil.copytree(SITES / "basic" / "site", site)

    def build_at(now: str) -> str:
        options = BuildOptions(now=datetime.fromisoformat(now))
        request = BuildRequest(site, out, options=options, cache_dir=site / ".sitegen-cache")
        build(request, Reporter())
        return (out / "robots.txt").read_text()

    assert "news-sitemap" in build_at("2026-06-15T12:00:00+02:00")
    assert "news-sitemap" not in build_at("2026-07-30T10:00:00+02:00")
    assert not (out / "news-sitemap.xml").exists()
    story = site / "content/articles/world/summit-opens.md"
    story.write_text(
        story.read_text(encoding="utf-8").replace("date: 2026-06-14", "date: 2026-07-29"),
        encoding="utf-8",
    )
    assert f"Sitemap: {BASE}/news-sitemap.xml" in build_at("2026-07-30T10:00:00+02:00")
    assert _news_urls(out) == [BASE + "/world/summit-opens-with-pledges-on-water/"]


def test_embargoed_article_appears_once_its_time_comes(tmp_path: Path) -> None:
    from sitegen.build import BuildRequest, build
    from sitegen.errors import Reporter
    from sitegen.model.site import BuildOptions

    out = tmp_path / "out"
    now = datetime.fromisoformat("2026-06-20T08:00:00+02:00")
    build(
        BuildRequest(SITES / "basic" / "site", out, options=BuildOptions(now=now), jobs=1),
        Reporter(),
    )
    assert _news_urls(out)[0] == BASE + "/economy/embargoed-jobs-report/"


def _json_ld(doc) -> list[dict]:
    return [json.loads(s.string) for s in doc.find_all("script", type="application/ld+json")]


def test_news_article_json_ld(basic_site: Path) -> None:
    doc = page(basic_site, "/world/envoy-named-for-river-basin/")
    blocks = {b["@type"]: b for b in _json_ld(doc)}
    article = blocks["NewsArticle"]
    assert article["headline"] == "Envoy named for river basin"
    assert article["datePublished"] == "2026-06-01T12:00:00+02:00"
    assert [a["url"] for a in article["author"]] == [
        BASE + "/author/ada-lane/",
        BASE + "/author/ben-ortiz/",
    ]
    assert all(a["@type"] == "Person" for a in article["author"])
    assert article["publisher"]["logo"]["url"] == BASE + "/images/logo.svg"
    assert article["mainEntityOfPage"]["@id"] == BASE + "/world/envoy-named-for-river-basin/"
    assert article["articleSection"] == "World"
    assert article["keywords"] == ["water", "diplomacy"]
    assert article["wordCount"] > 50
    crumbs = blocks["BreadcrumbList"]["itemListElement"]
    assert [c["item"] for c in crumbs] == [BASE + "/", BASE + "/category/world/"]


def test_corrections_show_and_bump_date_modified(basic_site: Path) -> None:
    doc = page(basic_site, "/world/report-counts-displaced-families/")
    article = next(b for b in _json_ld(doc) if b["@type"] == "NewsArticle")
    assert article["dateModified"] == "2026-05-21T09:00:00+02:00"
    assert article["correction"][0]["text"].startswith("An earlier version misstated")
    assert "An earlier version misstated the number of camps." in doc.find("main").get_text(
        " ", strip=True
    )


def test_front_page_website_search_action_and_author_profile(basic_site: Path) -> None:
    home = {b["@type"]: b for b in _json_ld(page(basic_site, "/"))}
    assert home["WebSite"]["url"] == BASE + "/"
    author = {b["@type"]: b for b in _json_ld(page(basic_site, "/author/ada-lane/"))}
    assert author["ProfilePage"]["mainEntity"]["name"] == "Ada Lane"


def test_open_graph_and_twitter_tags_are_absolute(basic_site: Path) -> None:
    doc = page(basic_site, "/world/summit-opens-with-pledges-on-water/")
    og = {m["property"]: m["content"] for m in doc.find_all("meta", property=True)}
    assert og["og:type"] == "article"
    assert og["og:title"] == "Summit opens with pledges on water"  # og:site_name carries the title
    assert og["og:site_name"] == "The Test Gazette"
    assert og["og:url"] == BASE + "/world/summit-opens-with-pledges-on-water/"
    assert og["og:image"] == BASE + "/images/pic.svg"
    assert (og["og:image:width"], og["og:image:height"]) == ("1200", "675")
    assert og["article:published_time"] == "2026-06-14T09:00:00+02:00"
    assert og["article:section"] == "World"
    assert og["article:author"] == BASE + "/author/ada-lane/"
    names = {m["name"]: m["content"] for m in doc.find_all("meta", attrs={"name": True})}
    assert names["twitter:card"] == "summary_large_image"
    assert (
        doc.find("link", rel="canonical")["href"]
        == BASE + "/world/summit-opens-with-pledges-on-water/"
    )
    assert names["description"] == "Leaders promise shared rivers."


def test_headline_with_script_tag_cannot_break_json_ld(make_site, tmp_path: Path) -> None:
    from tests.conftest import AUTHOR, article

    evil = 'Breaking </script><script>alert(1)</script> & "quotes"'
    root = make_site(
        {
            "content/authors/jane-doe.md": AUTHOR,
            "content/articles/a.md": article(evil, extra="tags: ['</script>']\n"),
        }
    )
    build_into(root, tmp_path / "out")
    html = (
        tmp_path / "out/politics/breaking-script-script-alert-1-script-quotes/index.html"
    ).read_text()
    assert "<script>alert(1)</script>" not in html
    doc = soup(tmp_path / "out/politics/breaking-script-script-alert-1-script-quotes/index.html")
    article_ld = next(b for b in _json_ld(doc) if b["@type"] == "NewsArticle")
    assert article_ld["headline"] == evil
    assert article_ld["keywords"] == ["</script>"]


def test_base_url_override_moves_every_absolute_url(tmp_path: Path) -> None:
    from sitegen.build import BuildRequest, build
    from sitegen.errors import Reporter
    from sitegen.model.site import BuildOptions

    out = tmp_path / "out"
    request = BuildRequest(
        SITES / "basic" / "site",
        out,
        overrides={"base_url": "https://preview.example/pr-7/"},
        options=BuildOptions(now=datetime.fromisoformat("2026-06-15T12:00:00+02:00")),
        jobs=1,
    )
    build(request, Reporter())
    assert "gazette.example" not in "".join(p.read_text() for p in out.rglob("*.xml"))
    doc = page(out, "/economy/central-bank-holds-rates/")
    assert (
        doc.find("link", rel="canonical")["href"]
        == "https://preview.example/pr-7/economy/central-bank-holds-rates/"
    )
    assert doc.find("h1") is not None
    assert any(a["href"] == "/pr-7/category/economy/" for a in doc.find_all("a", href=True))


def test_full_content_feeds_carry_the_body_with_absolute_links(make_site, tmp_path: Path) -> None:
    from tests.conftest import AUTHOR, article

    root = make_site(
        {
            "sitegen.toml": 'base_url = "https://n.example/"\n[feeds]\nfull_content = true\nscopes = ["site", "tag"]\n',
            "content/authors/jane-doe.md": AUTHOR,
            "content/articles/a.md": article(
                "Alpha",
                extra="tags: [alpha]\n",
                body="See [the other](b.md) and ![map](/map.png).\n",
            ),
            "content/articles/b.md": article("Beta", date="2026-05-01T09:00:00"),
        }
    )
    build_into(root, tmp_path / "out")
    rss = feedparser.parse((tmp_path / "out/feed.xml").read_bytes())
    assert rss.bozo == 0
    body = rss.entries[0].content[0].value
    assert 'href="https://n.example/politics/beta/"' in body
    assert 'src="https://n.example/map.png"' in body
    atom = feedparser.parse((tmp_path / "out/tag/alpha/atom.xml").read_bytes())
    assert atom.bozo == 0 and [e.title for e in atom.entries] == ["Alpha"]


def test_sitemap_splits_into_an_index_past_the_limit(monkeypatch, tmp_path: Path) -> None:
    from sitegen.render import feeds

    unsplit = _sitemap_locs_of_unsplit_build(tmp_path)
    monkeypatch.setattr(feeds, "SITEMAP_MAX_URLS", 10)
    out = tmp_path / "out"
    build_into(SITES / "basic" / "site", out)
    index = etree.parse(str(out / "sitemap.xml"))
    assert index.getroot().tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    parts = index.xpath("//sm:sitemap/sm:loc/text()", namespaces=NS)
    assert parts[0] == BASE + "/sitemap-1.xml" and len(parts) >= 3
    schema = etree.XMLSchema(etree.parse(str(SITEMAP_XSD)))
    locs: list[str] = []
    for loc in parts:
        doc = etree.parse(str(out / loc.rsplit("/", 1)[1]))
        assert schema.validate(doc), schema.error_log
        urls = doc.xpath("//sm:url/sm:loc/text()", namespaces=NS)
        assert len(urls) <= 10
        locs += urls
    # sitemap.xsd has no sitemapindex (that is siteindex.xsd, which the npm package does not ship).
    for entry in index.xpath("//sm:sitemap", namespaces=NS):
        assert [c.tag.split("}")[1] for c in entry] in (["loc", "lastmod"], ["loc"])
    assert sorted(locs) == sorted(unsplit)


def _sitemap_locs_of_unsplit_build(tmp_path: Path) -> list[str]:
    out = tmp_path / "unsplit"
    build_into(SITES / "basic" / "site", out)
    return _sitemap_locs(out)


def test_robots_rules_are_configurable(make_site, tmp_path: Path) -> None:
    from tests.conftest import AUTHOR, article

    root = make_site(
        {
            "sitegen.toml": 'base_url = "https://n.example/"\n[robots]\ndisallow = ["/search/", "/drafts/"]\nextra = "User-agent: GPTBot\\nDisallow: /"\n[sitemap]\nnews = false\n',
            "content/authors/jane-doe.md": AUTHOR,
            "content/articles/a.md": article("Alpha"),
        }
    )
    build_into(root, tmp_path / "out")
    robots = (tmp_path / "out/robots.txt").read_text()
    assert "Disallow: /search/\nDisallow: /drafts/\n" in robots
    assert "Sitemap: https://n.example/sitemap.xml" in robots and "news-sitemap" not in robots
    assert robots.rstrip().endswith("User-agent: GPTBot\nDisallow: /")
    assert not (tmp_path / "out/news-sitemap.xml").exists()


def test_noindex_articles_stay_out_of_feeds_and_sitemaps(make_site, tmp_path: Path) -> None:
    from tests.conftest import AUTHOR, article

    root = make_site(
        {
            "sitegen.toml": 'base_url = "https://n.example/"\n',
            "content/authors/jane-doe.md": AUTHOR,
            "content/articles/open.md": article("Open story", date="2026-06-15T08:00:00"),
            "content/articles/hidden.md": article(
                "Hidden story", date="2026-06-15T09:00:00", extra="noindex: true\n"
            ),
        }
    )
    build_into(root, tmp_path / "out")
    out = tmp_path / "out"
    hidden = page(out, "/politics/hidden-story/")
    assert hidden.find("meta", attrs={"name": "robots", "content": "noindex"}) is not None
    for name in ("feed.xml", "atom.xml", "category/politics/feed.xml", "author/jane-doe/atom.xml"):
        titles = [e.title for e in feedparser.parse((out / name).read_bytes()).entries]
        assert titles == ["Open story"], name
    assert not any("hidden" in loc for loc in _sitemap_locs(out))
    assert [u.rsplit("/", 2)[1] for u in _news_urls(out)] == ["open-story"]


def test_sitemap_splits_by_size_as_well(monkeypatch, tmp_path: Path) -> None:
    from sitegen.render import feeds

    unsplit = _sitemap_locs_of_unsplit_build(tmp_path)
    monkeypatch.setattr(feeds, "SITEMAP_MAX_BYTES", 1500)
    out = tmp_path / "out"
    build_into(SITES / "basic" / "site", out)
    index = etree.parse(str(out / "sitemap.xml"))
    parts = index.xpath("//sm:sitemap/sm:loc/text()", namespaces=NS)
    assert len(parts) >= 3
    locs: list[str] = []
    for loc in parts:
        path = out / loc.rsplit("/", 1)[1]
        body = path.read_bytes()
        header = body.index(b"<url>")  # the XML declaration and root element: the 1,024 spared
        assert len(body) - header <= 1500
        locs += etree.parse(str(path)).xpath("//sm:url/sm:loc/text()", namespaces=NS)
    assert sorted(locs) == sorted(unsplit)
