"""Search filters for section and author names that Pagefind changes on the way in: quotes,
backslashes, runs of white space, text that looks like an HTML entity. The search page must
find each one's stories, whether the theme lists the filter choices (the default search.html)
or search.js asks Pagefind for them (a theme whose search.html lists none)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect

from sitegen.build import BuildRequest, build
from sitegen.errors import Reporter
from sitegen.model.site import BuildOptions
from tests.browser.sample import Served, serve
from tests.conftest import FIXED_NOW, article, write_site

ROOT = Path(__file__).resolve().parent.parent.parent
SECTIONS = ['Arts & "Culture"', "News &amp; more", "Back\\slash"]
AUTHORS = ["Jane  Doe", 'Tom &amp; Co, "Ltd"', "Ann\tLee"]
"""Story n is in SECTIONS[n], by AUTHORS[n] and AUTHORS[n + 1]."""
MODES = ["listed by the theme", "asked of Pagefind"]


def _shown(name: str) -> str:
    """A name as the page shows it: white space run together."""
    return " ".join(name.split())


def _files(mode: str) -> dict[str, str]:
    files = {"sitegen.toml": 'base_url = "https://news.example.org/"\n'}
    for n, name in enumerate(AUTHORS):
        files[f"content/authors/a{n}.md"] = f"---\nname: {json.dumps(name)}\n---\n"
    for n, section in enumerate(SECTIONS):
        files[f"content/articles/s{n}.md"] = article(
            f"Story {n}",
            date=f"2026-06-0{n + 1}T09:00:00",
            category=json.dumps(section),
            author=f"[a{n}, a{(n + 1) % len(AUTHORS)}]",
            body="Pottery news.\n",
        )
    if mode == MODES[1]:
        theme = (ROOT / "themes/default/templates/search.html").read_text(encoding="utf-8")
        bare, count = re.subn(r"\{% for .*?%\}.*?\{% endfor %\}\n", "", theme, flags=re.S)
        assert count == 2, "the default search.html no longer lists the choices this way"
        files["templates/search.html"] = bare
    return files


@pytest.fixture(scope="module", params=MODES)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    mode = str(request.param)
    root = write_site(tmp_path_factory.mktemp("filters") / "site", _files(mode))
    options = BuildOptions(now=datetime.fromisoformat(FIXED_NOW))
    build(BuildRequest(root=root, output=root / "output", options=options, jobs=1), Reporter())
    with serve(root / "output") as served:
        yield served


@pytest.fixture
def tab(browser: Browser, site: Served) -> Iterator[Page]:
    problems: list[str] = []

    def route(route: Route) -> None:
        if route.request.url.startswith(site.origin + "/"):
            route.continue_()
        else:
            problems.append(f"third-party request: {route.request.url}")
            route.abort("blockedbyclient")

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    context = browser.new_context(base_url=site.origin)
    context.set_default_timeout(10_000)
    context.route("**/*", route)
    page = context.new_page()
    page.on("console", console)
    page.on("pageerror", lambda exc: problems.append(f"uncaught exception: {exc}"))
    yield page
    context.close()
    assert not problems, "\n".join(problems)


def _stories(section: str = "", author: str = "") -> list[str]:
    titles = []
    for n, name in enumerate(SECTIONS):
        byline = {AUTHORS[n], AUTHORS[(n + 1) % len(AUTHORS)]}
        if (not section or section == name) and (not author or author in byline):
            titles.append(f"Story {n}")
    return sorted(titles)


@pytest.mark.parametrize("name", SECTIONS)
def test_a_section_link_finds_its_stories(tab: Page, name: str) -> None:
    tab.goto("/search/?" + urlencode({"section": name}))
    expect(tab.locator("[data-search-status]")).to_have_text(f"1 story in {_shown(name)}.")
    expect(tab.locator(".search-result .kicker")).to_have_text([_shown(name)])
    titles = tab.locator(".search-result .card-title").all_text_contents()
    assert sorted(titles) == _stories(section=name)
    assert tab.locator("#search-section option:checked").text_content() == f"{_shown(name)} (1)"


@pytest.mark.parametrize("name", AUTHORS)
def test_an_author_link_finds_their_stories(tab: Page, name: str) -> None:
    tab.goto("/search/?" + urlencode({"author": name}))
    expect(tab.locator("[data-search-status]")).to_have_text(f"2 stories by {_shown(name)}.")
    expect(tab.locator(".search-result")).to_have_count(2)
    titles = tab.locator(".search-result .card-title").all_text_contents()
    assert sorted(titles) == _stories(author=name)
    for byline in tab.locator(".search-result .byline").all_text_contents():
        assert _shown(name) in byline


def test_choosing_each_filter_in_the_form_finds_its_stories(tab: Page) -> None:
    tab.goto("/search/")
    expect(tab.locator("[data-search-filters]")).to_be_visible()
    for name in SECTIONS:
        tab.locator("#search-section").select_option(label=f"{_shown(name)} (1)")
        expect(tab.locator(".search-result .kicker")).to_have_text([_shown(name)])
    tab.locator("#search-section").select_option("")
    for name in AUTHORS:
        tab.locator("#search-author").select_option(label=f"{_shown(name)} (2)")
        expect(tab.locator("[data-search-status]")).to_have_text(f"2 stories by {_shown(name)}.")
