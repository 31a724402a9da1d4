"""The sample site in a real browser, as a reader uses it: navigation without dead links, the
phone layout, the text-size buttons, share links, and screenshots for people to look at.
The fixtures (conftest.py) fail any test whose pages log an error or request another host."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, OpenPage
from tests.browser.sample import ARTIFACTS, Served, sample_base_url

SCREENSHOTS = ARTIFACTS / "screenshots"
SECTION = "/category/politics/"
LINKED = "a[href], link[href], img[src], script[src]"


class LinkChecker:
    """Fetches every same-site link of the pages it is shown, once each."""

    def __init__(self, sample: Served) -> None:
        self.origin = sample.origin
        self.base = sample_base_url()
        self.seen: dict[str, int] = {}

    def local(self, url: str) -> str | None:
        """The served URL of a link into the site (absolute base_url links included)."""
        if url.startswith(self.base):
            url = self.origin + "/" + url[len(self.base) :]
        if not url.startswith(self.origin + "/"):
            return None
        return url.split("#", 1)[0]

    def check(self, page: Page) -> list[str]:
        links = page.eval_on_selector_all(LINKED, "els => els.map(e => e.href || e.src)")
        dead = []
        for link in links:
            url = self.local(link)
            if url is None:
                continue
            if url not in self.seen:
                self.seen[url] = page.request.get(url).status
            if self.seen[url] != 200:
                dead.append(f"{page.url} -> {link} (HTTP {self.seen[url]})")
        return dead


def visit(page: Page, checker: LinkChecker, dead: list[str]) -> None:
    page.wait_for_load_state("load")
    dead += checker.check(page)


def test_navigation_front_section_article_author_tag_without_dead_links(
    page: Page, sample: Served
) -> None:
    checker, dead = LinkChecker(sample), []
    page.goto("/")
    expect(page).to_have_title("The Meridian Courier")
    visit(page, checker, dead)

    page.locator(".nav-list a", has_text="Politics").click()
    expect(page).to_have_url(sample.url(SECTION))
    expect(page.locator("h1")).to_have_text("Politics")
    expect(page.locator('.nav-list a[aria-current="page"]')).to_have_text("Politics")
    visit(page, checker, dead)

    story = page.locator(".story-list .card-title a").first
    headline = story.inner_text()
    story.click()
    expect(page.locator("h1.article-title")).to_have_text(headline)
    article_url = page.url
    visit(page, checker, dead)

    author = page.locator(".article-header .byline a[rel=author]").first
    name = author.inner_text()
    author.click()
    expect(page).to_have_url(re.compile(r"/author/[^/]+/$"))
    expect(page.locator("h1.list-title")).to_have_text(name)
    expect(page.locator(".story-list .card-title a", has_text=headline)).to_be_visible()
    visit(page, checker, dead)

    page.goto(article_url)
    tag = page.locator(".tag-list a").first
    tag_name = tag.inner_text()
    tag.click()
    expect(page).to_have_url(re.compile(r"/tag/[^/]+/$"))
    expect(page.locator("h1.list-title")).to_have_text(f"Tag: {tag_name}")
    expect(page.locator(".story-list .card-title a", has_text=headline)).to_be_visible()
    visit(page, checker, dead)

    assert not dead, "dead links:\n" + "\n".join(dead)
    assert len(checker.seen) > 50  # the pages above link to most of the site


def test_pager_walks_older_and_newer_pages(page: Page, sample: Served) -> None:
    checker, dead = LinkChecker(sample), []
    page.goto("/")
    page.locator(".footer-menu a", has_text="Archive").click()
    expect(page.locator("h1")).to_have_text("Archives")
    page.locator(".archive-months a", has_text="November").first.click()
    first = page.url
    titles_1 = page.locator(".story-list .card-title a").all_inner_texts()
    expect(page.locator(".pager-status")).to_have_text("Page 1 of 2")
    visit(page, checker, dead)

    page.locator(".pager-older a").click()
    expect(page).to_have_url(first + "page/2/")
    expect(page.locator(".pager-status")).to_have_text("Page 2 of 2")
    titles_2 = page.locator(".story-list .card-title a").all_inner_texts()
    assert titles_2 and not set(titles_1) & set(titles_2)
    visit(page, checker, dead)

    page.locator(".pager-newer a").click()
    expect(page).to_have_url(first)
    page.locator('.pager-number a:text-is("2")').click()
    expect(page).to_have_url(first + "page/2/")
    assert not dead, "dead links:\n" + "\n".join(dead)


def _overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0 = no sideways scrolling)."""
    return int(page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth"))


def _first_article(page: Page) -> str:
    page.goto(SECTION)
    return page.locator(".story-list .card-title a").first.get_attribute("href") or ""


def test_phone_menu_opens_and_closes(phone: Page) -> None:
    phone.goto("/")
    toggle = phone.locator(".nav-toggle")
    menu = phone.locator("#main-menu")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    expect(menu.locator(".nav-list a", has_text="Politics")).to_be_visible()
    expect(menu.locator("input[name=q]")).to_be_visible()
    assert _overflow(phone) == 0

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()

    toggle.click()
    expect(menu).to_be_visible()
    phone.keyboard.press("Escape")
    expect(menu).to_be_hidden()

    toggle.click()
    menu.locator(".nav-list a", has_text="Politics").click()
    expect(phone.locator("h1")).to_have_text("Politics")


@pytest.mark.parametrize(
    "path", ["/", SECTION, "ARTICLE", "/author/jane-doe/", "/tag/budget/", "/archive/",
             "/search/?q=budget", "/about/"],
)  # fmt: skip
def test_nothing_overflows_sideways_on_a_phone(phone: Page, path: str) -> None:
    if path == "ARTICLE":
        path = _first_article(phone)
    phone.goto(path)
    phone.wait_for_load_state("load")
    if path.startswith("/search/"):
        expect(phone.locator(".search-result").first).to_be_visible()
    assert _overflow(phone) == 0, f"{path} scrolls sideways on a 375 px phone"
    wide = phone.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                         && getComputedStyle(e).position !== 'absolute'
                         && !e.closest('.visually-hidden, [hidden]'))
            .map(e => e.tagName + '.' + e.className).slice(0, 5)"""
    )
    assert not wide, f"elements wider than the screen on {path}: {wide}"


def _body_font_px(page: Page) -> float:
    return float(
        page.evaluate(
            "() => parseFloat(getComputedStyle(document.querySelector('.article-body p')).fontSize)"
        )
    )


def test_text_size_buttons_change_the_article_and_survive_a_reload(page: Page) -> None:
    page.goto(_first_article(page))
    smaller, larger = page.locator(".font-smaller"), page.locator(".font-larger")
    expect(larger).to_be_visible()
    normal = _body_font_px(page)

    larger.click()
    bigger = _body_font_px(page)
    assert bigger > normal
    larger.click()
    biggest = _body_font_px(page)
    assert biggest > bigger
    page.reload()
    assert _body_font_px(page) == biggest, "the larger size did not survive a reload"

    for _ in range(3):
        smaller.click()
    small = _body_font_px(page)
    assert small < normal
    page.reload()
    assert _body_font_px(page) == small, "the smaller size did not survive a reload"
    page.goto(SECTION)
    page.goto(_first_article(page))
    assert _body_font_px(page) == small, "the size is not kept from one article to the next"


def test_share_links_carry_the_absolute_url_and_title(page: Page, sample: Served) -> None:
    path = _first_article(page)
    page.goto(path)
    absolute = sample_base_url().rstrip("/") + path
    title = page.locator("h1.article-title").inner_text()
    expect(page.locator('link[rel="canonical"]')).to_have_attribute("href", absolute)

    links = {
        (a.get_attribute("class") or "").split("share-")[-1]: a.get_attribute("href") or ""
        for a in page.locator(".share-link").all()
    }
    assert set(links) == {"facebook", "x", "whatsapp", "linkedin", "email"}

    def query(name: str) -> dict[str, str]:
        parts = urlsplit(links[name])
        return {k: v[0] for k, v in parse_qs(parts.query).items()}

    assert links["facebook"].startswith("https://www.facebook.com/")
    assert query("facebook")["u"] == absolute
    assert query("x") == {"url": absolute, "text": title}
    assert query("whatsapp") == {"text": f"{title} {absolute}"}
    assert query("linkedin")["url"] == absolute
    assert links["email"].startswith("mailto:")
    assert query("email") == {"subject": title, "body": absolute}
    for a in page.locator(".share-link").all():
        expect(a).to_have_attribute("rel", "noopener")
        expect(a).to_have_accessible_name(re.compile(r"^Share "))


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_screenshots_of_front_article_section_and_search(open_page: OpenPage, width: str) -> None:
    """Saved under tests/artifacts/screenshots/ (git-ignored) for a person to look at."""
    viewport = DESKTOP if width == "desktop" else PHONE
    page = open_page(viewport)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    article = _first_article(page)
    shots = (("front", "/"), ("article", article), ("section", SECTION),
             ("search", "/search/?q=budget"))  # fmt: skip
    for name, path in shots:
        page.goto(path)
        page.wait_for_load_state("load")
        if name == "search":
            expect(page.locator(".search-result").first).to_be_visible()
        page.evaluate("() => document.fonts.ready")
        target: Path = SCREENSHOTS / f"{name}-{viewport['width']}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("path", ["/", SECTION, "ARTICLE", "/author/lucia-ferreira/"])
def test_only_images_on_the_first_screen_load_eagerly(
    open_page: OpenPage, width: str, path: str
) -> None:
    page = open_page(DESKTOP if width == "desktop" else PHONE)
    if path == "ARTICLE":
        path = _first_article(page)
    page.goto(path)
    page.wait_for_load_state("load")
    late = page.evaluate(
        """() => [...document.images]
            .filter(img => img.loading !== 'lazy'
                    && img.getBoundingClientRect().top + window.scrollY >= window.innerHeight)
            .map(img => img.currentSrc + ' at ' + Math.round(img.getBoundingClientRect().top))"""
    )
    assert not late, f"eager images below the first screen of {path}: {late}"
