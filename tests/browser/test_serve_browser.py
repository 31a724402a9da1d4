"""`sitegen serve` in a real browser (Playwright driving Debian's Chromium): an edited article
reloads the open page by itself, a stylesheet change restyles it without a reload, and a broken
file shows the error page until the fix brings the article back.

Never `playwright install`: the tests use /usr/bin/chromium and fail when it is missing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.browser.sample import ARGS, CHROMIUM
from tests.test_serve import BUDGET, BUDGET_URL, Served, edit, start_served, write_site

TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing: install Debian's chromium package"
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    running = start_served(write_site(tmp_path / "site"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


def open_connected(page: Page, served: Served, path: str) -> None:
    """Open a page and wait until livereload.js has connected to the server's websocket."""
    page.goto(f"http://127.0.0.1:{served.port}{path}")
    page.wait_for_function(
        "() => window.LiveReload && window.LiveReload.connector"
        " && window.LiveReload.connector.protocol > 0",
        timeout=TIMEOUT_MS,
    )
    page.wait_for_timeout(300)  # the 'info' message that registers the page follows the handshake
    page.evaluate("() => { window.notReloaded = true; }")


def reloaded(page: Page) -> bool:
    return bool(page.evaluate("() => window.notReloaded !== true"))


def test_an_edited_headline_reloads_the_page_by_itself(page: Page, served: Served) -> None:
    open_connected(page, served, BUDGET_URL)
    expect(page.locator("h1")).to_have_text("Budget passes")

    edit(served.site / BUDGET, "title: Budget passes", "title: Budget passes after all-night vote")

    expect(page.locator("h1")).to_have_text(
        "Budget passes after all-night vote", timeout=TIMEOUT_MS
    )
    assert reloaded(page)


def test_a_stylesheet_change_restyles_without_a_reload(page: Page, served: Served) -> None:
    open_connected(page, served, BUDGET_URL)
    color = "() => getComputedStyle(document.querySelector('h1')).color"
    assert page.evaluate(color) == "rgb(1, 2, 3)"

    (served.site / "static/css/test.css").write_text("h1 { color: rgb(4, 5, 6); }\n")

    page.wait_for_function(f"() => ({color})() === 'rgb(4, 5, 6)'", timeout=TIMEOUT_MS)
    assert not reloaded(page)


def test_a_broken_file_shows_errors_and_the_fix_brings_the_page_back(
    page: Page, served: Served
) -> None:
    open_connected(page, served, BUDGET_URL)
    path = served.site / BUDGET
    good = path.read_text(encoding="utf-8")

    path.write_text(good.replace("date: 2025-05-10 09:00", "date: someday"), encoding="utf-8")
    expect(page.locator("h1")).to_contain_text("could not be rebuilt", timeout=TIMEOUT_MS)
    expect(page.locator(".where")).to_have_text(f"{BUDGET}:3")

    page.wait_for_function(
        "() => window.LiveReload && window.LiveReload.connector"
        " && window.LiveReload.connector.protocol > 0",
        timeout=TIMEOUT_MS,
    )
    page.wait_for_timeout(300)
    path.write_text(good.replace("title: Budget passes", "title: Budget fixed"), encoding="utf-8")
    expect(page.locator("h1")).to_have_text("Budget fixed", timeout=TIMEOUT_MS)
