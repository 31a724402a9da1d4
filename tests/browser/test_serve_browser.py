"""`sitegen serve` in a real browser (Playwright driving Debian's Chromium): an edited article
reloads the open page by itself, a stylesheet change restyles it without a reload, a broken
file shows the error page until the fix brings the article back, and a page of another site
can read nothing of the preview, even by DNS rebinding.

Never `playwright install`: the tests use /usr/bin/chromium and fail when it is missing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from tests.browser.sample import ARGS, CHROMIUM
from tests.test_serve import BUDGET, BUDGET_URL, Served, edit, start_served, write_site

TIMEOUT_MS = 10_000
ATTACKER = "evil.example"
"""Resolved to 127.0.0.1 by the browser of the rebinding tests, as a rebound name would be."""
REBINDING_ARGS = [
    *ARGS,
    f"--host-resolver-rules=MAP {ATTACKER} 127.0.0.1",
    # Chromium's Private Network Access would stop some of these requests before they reach
    # the preview; Firefox and Safari have nothing like it, and the server must hold alone.
    "--disable-features=BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessRespectPreflightResults,"
    "LocalNetworkAccessChecks",
]


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing: install Debian's chromium package"
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
    try:
        yield launched
    finally:
        launched.close()


@pytest.fixture(scope="module")
def rebinding_browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=REBINDING_ARGS)
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


def open_connected(page: Page, served: Served, path: str, host: str = "127.0.0.1") -> None:
    """Open a page and wait until livereload.js has connected to the server's websocket."""
    page.goto(f"http://{host}:{served.port}{path}")
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


def test_the_preview_reloads_under_its_other_names_too(page: Page, served: Served) -> None:
    open_connected(page, served, BUDGET_URL, host="localhost")  # Origin http://localhost:PORT
    edit(served.site / BUDGET, "title: Budget passes", "title: Budget passes at last")
    expect(page.locator("h1")).to_have_text("Budget passes at last", timeout=TIMEOUT_MS)
    assert reloaded(page)


ATTACK = """async () => {
    const report = {};
    try {
        const response = await fetch("/politics/draft-story/");
        report.status = response.status;
        report.text = await response.text();
    } catch (error) {
        report.status = 0;
        report.text = String(error);
    }
    const opens = (url) => new Promise((resolve) => {
        const socket = new WebSocket(url);
        socket.onopen = () => { socket.close(); resolve("open"); };
        socket.onerror = () => resolve("refused");
        setTimeout(() => resolve("timeout"), 5000);
    });
    report.ownSocket = await opens(`ws://${location.host}/livereload`);
    report.loopbackSocket = await opens(`ws://127.0.0.1:${location.port}/livereload`);
    return report;
}"""


def test_a_rebound_page_reads_no_draft_and_opens_no_websocket(
    rebinding_browser: Browser, served: Served
) -> None:
    """DNS rebinding: a page of evil.example, on the preview's port, whose name then resolves
    to 127.0.0.1, so that its requests reach the preview as same-origin ones."""
    context = rebinding_browser.new_context()
    try:
        page = context.new_page()
        attack_url = f"http://{ATTACKER}:{served.port}/attack.html"
        page.route(
            attack_url,
            lambda route: route.fulfill(
                status=200, content_type="text/html", body="<!doctype html><title>Hi</title>"
            ),
        )
        page.goto(attack_url)
        report = page.evaluate(ATTACK)
    finally:
        context.close()
    assert report["status"] in (403, 421), report
    assert "Not ready." not in report["text"] and "Draft story" not in report["text"]
    assert report["ownSocket"] == "refused", report
    assert report["loopbackSocket"] == "refused", report


def test_the_rebound_name_gets_403_on_navigation(
    rebinding_browser: Browser, served: Served
) -> None:
    context = rebinding_browser.new_context()
    try:
        page = context.new_page()
        response = page.goto(f"http://{ATTACKER}:{served.port}/politics/draft-story/")
        assert response is not None and response.status in (403, 421)
        assert "Not ready." not in page.content()
    finally:
        context.close()
