"""Search on the sample site in a real browser: the Pagefind index the build wrote, queried by
the theme's search page from the site itself (conftest.py fails any request to another host)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.sample import Served
from tests.helpers import soup

WORD = "Bosphorus"
"""A word that only one sample story uses."""
ARTICLE = "/diplomacy/ceasefire-talks-resume-in-istanbul-as-mediators-push-for-prisoner-swap/"
NONSENSE = "qxzvhwpljk"


def _articles_using(output: Path, word: str) -> list[str]:
    """Article pages whose story mentions the word (case-insensitive), not counting the boxes
    about other stories and the author."""
    found = []
    for html in sorted(output.rglob("index.html")):
        body = soup(html).select_one("article.article")
        if body is None:
            continue
        for box in body.select(".inline-related, .author-box, .share, .toc"):
            box.decompose()
        if word.lower() in body.get_text().lower():
            found.append("/" + html.parent.relative_to(output).as_posix() + "/")
    return found


def _results(page: Page) -> list[str]:
    return page.locator(".search-result .card-title a").evaluate_all(
        "links => links.map(a => new URL(a.href).pathname)"
    )


def test_a_word_from_one_article_finds_that_article(page: Page, sample: Served) -> None:
    assert _articles_using(sample.folder, WORD) == [ARTICLE]
    article = soup(sample.folder / ARTICLE.strip("/") / "index.html")
    title = article.select_one("h1.article-title").get_text(strip=True)

    page.goto(f"/search/?q={WORD}")
    expect(page.locator("[data-search-status]")).to_have_text(f"1 story for “{WORD}”.")
    result = page.locator(".search-result")
    expect(result).to_have_count(1)
    assert _results(page) == [ARTICLE]
    expect(result.locator(".card-title")).to_have_text(title)
    expect(result.locator(".kicker")).to_have_text("Diplomacy")
    expect(result.locator(".search-date")).to_have_text("November 26, 2026")
    expect(result.locator(".byline")).to_have_text("By Jane Doe")
    expect(result.locator(".search-excerpt mark").first).to_have_text(re.compile(WORD, re.I))
    expect(result.locator("img.search-thumb")).to_have_attribute("width", "96")
    expect(page.locator("#search-q")).to_have_value(WORD)

    result.locator(".card-title a").click()
    expect(page.locator("h1.article-title")).to_have_text(title)


def test_a_nonsense_word_finds_nothing(page: Page) -> None:
    page.goto(f"/search/?q={NONSENSE}")
    expect(page.locator("[data-search-status]")).to_have_text(f"No stories for “{NONSENSE}”.")
    expect(page.locator(".search-result")).to_have_count(0)
    expect(page.locator("[data-search-more]")).to_be_hidden()


def test_the_header_search_box_lands_on_results(page: Page, sample: Served) -> None:
    page.goto("/")
    page.locator("#nav-search-q").fill(WORD)
    page.locator("#nav-search-q").press("Enter")
    expect(page).to_have_url(sample.url(f"/search/?q={WORD}"))
    expect(page.locator(".search-result")).to_have_count(1)

    page.locator("#search-q").fill(NONSENSE)  # typing searches as you go
    expect(page.locator(".search-result")).to_have_count(0)
    expect(page).to_have_url(sample.url(f"/search/?q={NONSENSE}"))
    page.locator("#search-q").fill("budget")
    page.locator("#search-q").press("Enter")
    expect(page.locator(".search-result").first).to_be_visible()


def test_section_and_author_filters_narrow_the_results(page: Page, sample: Served) -> None:
    diplomacy = soup(sample.folder / "category/diplomacy/index.html")
    in_section = len(diplomacy.select(".story-list .card"))

    page.goto("/search/")
    section = page.locator("#search-section")
    expect(section.locator("option", has_text="Diplomacy")).to_have_count(1)
    section.select_option("Diplomacy")
    expect(page.locator(".search-result")).to_have_count(in_section)
    for kicker in page.locator(".search-result .kicker").all_text_contents():
        assert kicker == "Diplomacy"
    expect(page).to_have_url(sample.url("/search/?section=Diplomacy"))

    page.locator("#search-author").select_option("Omar Haddad")
    expect(page.locator("[data-search-status]")).to_contain_text("in Diplomacy by Omar Haddad")
    bylines = page.locator(".search-result .byline").all_inner_texts()
    assert bylines and all("Omar Haddad" in b for b in bylines)
    assert len(bylines) < in_section

    page.goto("/search/?q=budget&section=Economy")
    expect(page.locator("#search-section")).to_have_value("Economy")
    expect(page.locator(".search-result").first).to_be_visible()
    kickers = page.locator(".search-result .kicker").all_text_contents()
    assert kickers and set(kickers) == {"Economy"}
    page.locator("#search-section").select_option("")
    expect(page.locator(".search-result")).not_to_have_count(len(kickers))


def test_the_search_page_loads_no_filter_files_until_a_filter_is_chosen(page: Page) -> None:
    """The page lists the filters' choices itself: Pagefind fetches a shard's filter files
    only when a search is narrowed by one."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.goto("/search/?q=budget")
    expect(page.locator(".search-result").first).to_be_visible()
    expect(page.locator("[data-search-filters]")).to_be_visible()
    assert any(url.endswith(".pf_index") for url in urls), "no search happened"
    assert not [url for url in urls if url.endswith(".pf_filter")]
    page.locator("#search-section").select_option("Economy")
    expect(page.locator(".search-result .kicker").first).to_have_text("Economy")
    assert [url for url in urls if url.endswith(".pf_filter")]


def test_the_search_spans_every_shard_and_keeps_date_order(page: Page, sample: Served) -> None:
    """The sample is indexed in several shards (sample.py): browsing a section with no words
    lists its stories newest first, as the section page does, across shard boundaries."""
    listing = json.loads((sample.folder / "pagefind/index.json").read_text(encoding="utf-8"))
    assert len(listing["shards"]) >= 4
    section = soup(sample.folder / "category/politics/index.html")
    expected = [a["href"] for a in section.select(".story-list .card .card-title a")]
    assert len(expected) >= 5

    page.goto("/search/?section=Politics")
    expect(page.locator(".search-result")).to_have_count(min(len(expected), 10))
    assert _results(page) == expected[:10]


def test_many_results_come_ten_at_a_time(page: Page) -> None:
    page.goto("/search/?q=the")
    expect(page.locator(".search-result")).to_have_count(10)
    more = page.locator("[data-search-more]")
    expect(more).to_be_visible()
    more.click()
    expect(page.locator(".search-result")).to_have_count(20)
    assert len(set(_results(page))) == 20
