"""End to end: build the `basic` fixture site and read the output as a browser would."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from tests.conftest import SITES, build_into
from tests.helpers import dead_links, file_for, page

PUBLISHED = {
    "/world/summit-opens-with-pledges-on-water/": (
        "Summit opens with pledges on water",
        "2026-06-14T09:00:00+02:00",
        ["ada-lane"],
        "world",
    ),
    "/world/border-talks-stall-over-grazing-rights/": (
        'Border talks stall over "grazing rights"',
        "2026-06-10T08:00:00+02:00",
        ["ada-lane"],
        "world",
    ),
    "/world/envoy-named-for-river-basin/": (
        "Envoy named for river basin",
        "2026-06-01T12:00:00+02:00",
        ["ada-lane", "ben-ortiz"],
        "world",
    ),
    "/world/report-counts-displaced-families/": (
        "Report counts displaced families",
        "2026-05-20T12:00:00+02:00",
        ["ada-lane"],
        "world",
    ),
    "/world/old-treaty-turns-fifty/": (
        "Old treaty turns fifty",
        "2026-04-02T12:00:00+02:00",
        ["ada-lane"],
        "world",
    ),
    "/economy/central-bank-holds-rates/": (
        "Central bank holds rates",
        "2026-06-13T15:30:00+02:00",
        ["ben-ortiz"],
        "economy",
    ),
    "/economy/inflation-cools-to-2-1/": (
        "Inflation cools to 2.1%",
        "2026-06-05T07:00:00+02:00",
        ["ben-ortiz"],
        "economy",
    ),
    "/economy/water-prices-rise-in-drought/": (
        "Water prices rise in drought",
        "2026-05-28T07:00:00+02:00",
        ["ben-ortiz"],
        "economy",
    ),
    "/science-research/zurich-glaciologists-map-the-melt/": (
        "Zürich glaciologists map the melt",
        "2026-06-14T18:00:00+02:00",
        ["chen-wu"],
        "science-research",
    ),
    "/science-research/fusion-lab-reports-a-small-step/": (
        "Fusion lab reports a small step",
        "2026-05-15T10:00:00+02:00",
        ["chen-wu"],
        "science-research",
    ),
    "/science-research/bee-census-finds-recovery/": (
        "Bee census finds recovery",
        "2026-03-30T10:00:00+02:00",
        ["chen-wu"],
        "science-research",
    ),
}
UNPUBLISHED = ["/economy/secret-budget-draft/", "/economy/embargoed-jobs-report/"]


def _main_article_links(doc) -> list[str]:
    main = doc.find("main")
    links = []
    for h in main.find_all(["h2", "h3"]):
        a = h.find("a", href=True)
        if a and a["href"] in PUBLISHED and a["href"] not in links:
            links.append(a["href"])
    return links


@pytest.mark.parametrize("url", sorted(PUBLISHED))
def test_article_page_has_byline_date_section_reading_time(basic_site: Path, url: str) -> None:
    title, date, authors, section = PUBLISHED[url]
    doc = page(basic_site, url)
    assert doc.find("h1").get_text(strip=True) == title
    hrefs = {a["href"] for a in doc.find("main").find_all("a", href=True)}
    for author in authors:
        assert f"/author/{author}/" in hrefs, "byline links every author"
    assert f"/category/{section}/" in hrefs, "section link"
    assert date in {t.get("datetime") for t in doc.find_all("time")}
    text = doc.find("main").get_text(" ", strip=True)
    minutes = 7 if "zurich" in url else 1
    assert f"{minutes} min read" in text
    crumbs = doc.find("nav", attrs={"aria-label": "Breadcrumb"})
    assert [a["href"] for a in crumbs.find_all("a", href=True)][:2] == [
        "/",
        f"/category/{section}/",
    ]
    share = " ".join(a["href"] for a in doc.find_all("a", href=True))
    for network in ("facebook.com", "x.com", "wa.me", "linkedin.com", "mailto:"):
        assert network in share


def test_related_articles_block_and_inline_box(basic_site: Path) -> None:
    doc = page(basic_site, "/world/summit-opens-with-pledges-on-water/")
    block = doc.find(class_="related-articles")
    assert block is not None
    related = [a["href"] for a in block.find_all("a", href=True) if a["href"] in PUBLISHED]
    assert related, "the newest water story has older related stories"
    assert "/world/summit-opens-with-pledges-on-water/" not in related
    assert (
        "/world/envoy-named-for-river-basin/" in related
    )  # shares the rare tag `water` and the section
    assert "/economy/embargoed-jobs-report/" not in related
    inline = doc.find(class_="inline-related")
    assert inline is not None and inline.find_parent("article") is not None
    body_paragraphs_before = inline.find_all_previous("p")
    assert len(body_paragraphs_before) >= 3, "the inline box sits after a few paragraphs"


def test_featured_image_with_caption_and_credit(basic_site: Path) -> None:
    doc = page(basic_site, "/world/summit-opens-with-pledges-on-water/")
    figure = doc.find("main").find("figure")
    img = figure.find("img")
    assert img["src"] == "/images/pic.svg" and img["alt"] == "A blue field"
    assert (img["width"], img["height"]) == ("1200", "675")
    caption = figure.find("figcaption").get_text(" ", strip=True)
    assert "Delegates arrive." in caption and "Photo: Gazette" in caption


def test_section_pages_list_exactly_their_articles_newest_first(basic_site: Path) -> None:
    for section in ("world", "economy", "science-research"):
        expected = sorted(
            (u for u, v in PUBLISHED.items() if v[3] == section),
            key=lambda u: PUBLISHED[u][1],
            reverse=True,
        )
        seen: list[str] = []
        url = f"/category/{section}/"
        pages = 0
        while url:
            doc = page(basic_site, url)
            pages += 1
            listed = _main_article_links(doc)
            assert len(listed) <= 3, "per_page = 3"
            seen += listed
            pager = doc.find("nav", attrs={"aria-label": "Pagination"})
            older = pager.find("a", rel="next") if pager else None
            url = older["href"] if older else ""
        assert seen == expected
        assert pages == -(-len(expected) // 3)


def test_drafts_and_future_articles_are_left_out(basic_site: Path) -> None:
    for url in UNPUBLISHED:
        assert not file_for(basic_site, url).exists()
    assert "Secret budget" not in (basic_site / "index.html").read_text()


def test_drafts_and_future_flags_include_them(tmp_path: Path) -> None:
    build_into(SITES / "basic" / "site", tmp_path / "out", drafts=True, future=True)
    for url in UNPUBLISHED:
        assert file_for(tmp_path / "out", url).exists()


def test_front_page_has_lead_latest_and_section_blocks(basic_site: Path) -> None:
    doc = page(basic_site, "/")
    main = doc.find("main")
    text = main.get_text(" ", strip=True)
    assert "Summit opens with pledges on water" in text  # the featured lead
    for section in ("World", "Economy", "Science & Research"):
        assert section in text
    section_links = {a["href"] for a in main.find_all("a", href=True)}
    assert {
        "/category/world/",
        "/category/economy/",
        "/category/science-research/",
    } <= section_links


def test_menus_link_to_existing_pages(basic_site: Path) -> None:
    doc = page(basic_site, "/")
    main_nav = doc.find("nav", attrs={"aria-label": "Main"})
    hrefs = [a["href"] for a in main_nav.find_all("a", href=True)]
    assert hrefs[:4] == [
        "/",
        "/category/world/",
        "/category/economy/",
        "/category/science-research/",
    ]
    footer = doc.find("nav", attrs={"aria-label": "Footer"})
    footer_hrefs = [a["href"] for a in footer.find_all("a", href=True)]
    assert "/about/" in footer_hrefs and "/archive/" in footer_hrefs
    for href in hrefs + footer_hrefs:
        assert file_for(basic_site, href).is_file(), href


def test_author_page_shows_profile_and_articles(basic_site: Path) -> None:
    doc = page(basic_site, "/author/ada-lane/")
    main = doc.find("main")
    assert main.find("h1").get_text(strip=True) == "Ada Lane"
    assert "World Editor" in main.get_text(" ", strip=True)
    assert main.find("strong").get_text() == "world affairs"  # the bio's Markdown


def test_internal_links_in_bodies_point_to_pages(basic_site: Path) -> None:
    doc = page(basic_site, "/world/border-talks-stall-over-grazing-rights/")
    hrefs = {a["href"] for a in doc.find("main").find_all("a", href=True)}
    assert "/world/summit-opens-with-pledges-on-water/" in hrefs
    assert "/science-research/zurich-glaciologists-map-the-melt/#paragraph" in hrefs
    about = page(basic_site, "/about/")
    assert "/world/summit-opens-with-pledges-on-water/" in {
        a["href"] for a in about.find_all("a", href=True)
    }


def test_no_dead_internal_links(basic_site: Path) -> None:
    # The glacier story has no #paragraph anchor: the one known dead fragment, warned about.
    dead = [d for d in dead_links(basic_site) if "#paragraph" not in d]
    assert dead == []


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    build_into(SITES / "basic" / "site", tmp_path / "a")
    build_into(SITES / "basic" / "site", tmp_path / "b")
    _assert_same_tree(tmp_path / "a", tmp_path / "b")


def _assert_same_tree(a: Path, b: Path) -> None:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    _, mismatch, errors = filecmp.cmpfiles(a, b, files_a, shallow=False)
    assert mismatch == [] and errors == []
