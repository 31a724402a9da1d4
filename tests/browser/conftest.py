"""Browser fixtures: the sample site built once and served on 127.0.0.1, and Playwright driving
Debian's Chromium (/usr/bin/chromium; never `playwright install`, and a missing browser fails).

Every page a test opens is watched: a console error, an uncaught exception, a failed request,
an HTTP error or any request to another host fails the test."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Response,
    Route,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from tests.browser.sample import ARGS, CHROMIUM, Served, build_sample, serve

TIMEOUT_MS = 10_000
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="session")
def sample_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "output"
    build_sample(out)
    return out


@pytest.fixture(scope="session")
def sample(sample_output: Path) -> Iterator[Served]:
    """The built sample site, served on 127.0.0.1 for the whole session."""
    with serve(sample_output) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one test module: only one sync Playwright may run at a time, and other
    modules (test_serve_browser.py) start their own."""
    assert CHROMIUM.is_file(), (
        f"{CHROMIUM} is missing: install Debian's chromium package (scripts/setup-tests does)"
    )
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Problems:
    """What went wrong in the browser while a test ran."""

    origin: str
    found: list[str] = field(default_factory=list)
    allowed: set[tuple[str, int]] = field(default_factory=set)

    def allow(self, url: str, status: int) -> None:
        """Expect this HTTP status for this URL (the 404 page's own response)."""
        self.allowed.add((url, status))

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.found.append(f"uncaught exception: {exc}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        where = message.location.get("url", "")
        if message.text.startswith("Failed to load resource") and any(
            url == where and f"status of {status} " in message.text for url, status in self.allowed
        ):
            return  # the browser's own line about an expected status
        self.found.append(f"console error on {message.page and message.page.url}: {message.text}")

    def _failed(self, request: Request) -> None:
        failure = request.failure or ""
        if "ERR_ABORTED" in failure and request.resource_type != "document":
            return  # cancelled by the next navigation, not broken
        self.found.append(f"request failed: {request.url} ({failure})")

    def _response(self, response: Response) -> None:
        if response.status >= 400 and (response.url, response.status) not in self.allowed:
            self.found.append(f"HTTP {response.status}: {response.url}")

    def route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(self.origin + "/") or urlsplit(url).scheme in ("data", "blob"):
            route.continue_()
        else:
            self.found.append(f"third-party request: {url}")
            route.abort("blockedbyclient")


@pytest.fixture
def problems(sample: Served) -> Problems:
    return Problems(sample.origin)


OpenPage = Callable[..., Page]


@pytest.fixture
def open_page(browser: Browser, sample: Served, problems: Problems) -> Iterator[OpenPage]:
    """Open a fresh browser context at a width (desktop by default); yields a factory."""
    contexts = []

    def make(viewport: dict[str, int] | None = None) -> Page:
        context = browser.new_context(viewport=viewport or DESKTOP, base_url=sample.origin)
        context.set_default_timeout(TIMEOUT_MS)
        context.route("**/*", problems.route)
        contexts.append(context)
        tab = context.new_page()
        problems.watch(tab)
        return tab

    yield make
    for context in contexts:
        with contextlib.suppress(PlaywrightError):
            context.close()
    assert not problems.found, "problems in the browser:\n" + "\n".join(problems.found)


@pytest.fixture
def page(open_page: OpenPage) -> Page:
    """A desktop-width page (1280 px)."""
    return open_page()


@pytest.fixture
def phone(open_page: OpenPage) -> Page:
    """A phone-width page (375 px)."""
    return open_page(PHONE)
