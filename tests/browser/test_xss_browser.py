"""No script a writer slips into a body runs in the reader's browser, in any `raw_html` mode.

A tiny site whose articles, page and author bio carry script payloads is built once per mode
and served; Chromium opens every page it has. A payload that runs sets `window.__xss` (or its
parent's, from a frame) or opens a dialog; an embed that gets past the host allow-list asks
evil.example for its page. None of that may happen.

Payloads come in two kinds:
- Markdown's own (attribute lists `{: onfocus=...}`, fenced-code options, javascript: links),
  which every mode must defuse;
- raw HTML (`<script>`, `<img onerror>`, `<svg onload>`, `<iframe srcdoc>`, an iframe whose
  host hides behind a backslash), which `escape` shows as text and `sanitize` cleans. In
  `allow` mode raw HTML is by definition the trusted writer's own (a `<script>` there is meant
  to run), so that mode gets the Markdown payloads only.

A control page, copied verbatim from static/, carries the same payloads un-defused: it proves
that in this browser focus, load and error handlers, frames and dialogs do fire, so a clean
result means the site defused them, not that nothing could run."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from playwright.sync_api import Browser, Dialog, Page, Route
from playwright.sync_api import Error as PlaywrightError

from sitegen.build import BuildRequest, build
from sitegen.errors import Reporter
from sitegen.model.site import BuildOptions
from tests.browser.sample import Served, serve
from tests.conftest import AUTHOR, FIXED_NOW, article, write_site

MODES = ["escape", "sanitize", "allow"]
HIT = "window.__xss=true"
INIT = "window.__xss = false;"

# One `autofocus` per article: a document focuses only its first.
MARKDOWN_PAYLOADS = {
    "focus-paragraph": (
        f'Opening line.\n\nSecond line.\n{{: autofocus tabindex=0 onfocus="{HIT}" }}\n\n'
        f'![A crowd](/images/ok.svg){{: onload="{HIT}" }}\n\n'
        f'![Broken](/images/broken.png){{: onerror="alert(1)" }}\n\n'
        "[click me](javascript:window.__xss=true)\n\n"
        "[click me too][r]\n\n[r]: javascript&#58;window.__xss=true\n"
    ),
    "focus-heading": f'Intro.\n\n## Heading {{: autofocus tabindex=0 onfocus="{HIT}" }}\n\nText.\n',
    "focus-code": f'Intro.\n\n``` {{ autofocus tabindex=0 onfocus="{HIT}" }}\ncode\n```\n',
    "focus-link": f'Intro [a link](https://example.org/){{: autofocus onfocus="{HIT}" }}.\n',
    "image-src": (
        f'Intro.\n\n![A crowd](/images/ok.svg){{: src="javascript:{HIT}" onload="{HIT}" }}\n'
    ),
}
RAW_PAYLOADS = {
    "raw-script": f"Before.\n\n<script>{HIT}</script>\n\nAfter.\n",
    "raw-img": f'Intro.\n\n<img src="/images/broken.png" onerror="{HIT}">\n',
    "raw-svg": f'Intro.\n\n<svg onload="{HIT}"></svg>\n\n<p>x <svg><script>{HIT}</script></svg></p>\n',
    "raw-srcdoc": 'Intro.\n\n<iframe srcdoc="<script>parent.__xss=true</script>"></iframe>\n',
    "raw-focus": f'Intro.\n\n<p tabindex="0" autofocus onfocus="{HIT}">Focus</p>\n',
    "raw-details": f'Intro.\n\n<details open ontoggle="{HIT}"><summary>s</summary>x</details>\n',
    "raw-link": '<a href="javascript:window.__xss=true">click me</a>\n',
    "raw-embed": (
        'Intro.\n\n<iframe src="https://evil.example\\@www.youtube-nocookie.com/embed/x">'
        "</iframe>\n"
    ),
}
CONTROL = f"""<!doctype html><html><head><title>control</title></head><body>
<p tabindex="0" autofocus onfocus="window.__focus=true">focus</p>
<img src="/images/ok.svg" alt="" onload="window.__load=true">
<img src="/images/broken.png" alt="" onerror="window.__error=true">
<iframe srcdoc="<script>parent.__frame=true</script>"></iframe>
<a href="javascript:window.__click=true">click me</a>
<script>{HIT}; setTimeout(() => alert("control"), 0)</script>
</body></html>
"""
CONTROL_FLAGS = ["__xss", "__focus", "__load", "__error", "__frame", "__click"]


def _site_files(mode: str) -> dict[str, str]:
    payloads = MARKDOWN_PAYLOADS | (RAW_PAYLOADS if mode != "allow" else {})
    files = {
        "sitegen.toml": f'title = "G"\nbase_url = "https://g.example/"\nraw_html = "{mode}"\n'
        "[search]\nenabled = false\n",
        "content/authors/jane-doe.md": AUTHOR.replace(
            "Jane reports.", f'Jane reports.\n{{: autofocus tabindex=0 onfocus="{HIT}" }}'
        ),
        "content/pages/about.md": f'---\ntitle: About\n---\n# Us {{: onmouseover="{HIT}" }}\n',
        "static/images/ok.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="3"/>',
        "static/images/broken.png": "not a picture",
        "static/control.html": CONTROL,
    }
    for index, (slug, body) in enumerate(payloads.items()):
        files[f"content/articles/{slug}.md"] = article(
            slug, date=f"2026-06-01T{10 + index % 10}:{index:02d}:00", body=body
        )
    return files


@dataclass
class Watch:
    """What a page did that it must not: scripts run, dialogs opened, other hosts asked."""

    origin: str
    dialogs: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        with contextlib.suppress(PlaywrightError):
            dialog.dismiss()

    def route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(self.origin + "/") or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort("blockedbyclient")


@pytest.fixture(scope="module", params=MODES)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Served]]:
    mode = str(request.param)
    root = write_site(tmp_path_factory.mktemp(f"xss-{mode}") / "site", _site_files(mode))
    options = BuildOptions(now=datetime.fromisoformat(FIXED_NOW))
    build(BuildRequest(root=root, output=root / "output", options=options, jobs=1), Reporter())
    with serve(root / "output") as served:
        yield mode, served


@pytest.fixture
def tab(browser: Browser, site: tuple[str, Served]) -> Iterator[tuple[Page, Watch]]:
    watch = Watch(site[1].origin)
    context = browser.new_context(base_url=site[1].origin)
    context.set_default_timeout(10_000)
    context.route("**/*", watch.route)
    context.add_init_script(INIT)
    page = context.new_page()
    page.on("dialog", watch.dialog)
    yield page, watch
    context.close()


def _open(page: Page, url: str) -> None:
    page.goto(url, wait_until="load")
    page.wait_for_timeout(150)  # focus and timers settle
    for link in page.get_by_text("click me").all():
        with contextlib.suppress(PlaywrightError):
            link.click(timeout=1_000)
    page.wait_for_timeout(50)


def _pages(served: Served) -> list[str]:
    return sorted(
        "/" + p.relative_to(served.folder).as_posix()
        for p in served.folder.rglob("*.html")
        if p.name != "control.html"
    )


def test_control_page_proves_handlers_fire_here(tab: tuple[Page, Watch]) -> None:
    page, watch = tab
    _open(page, "/control.html")
    fired = {flag: page.evaluate(f"window.{flag} === true") for flag in CONTROL_FLAGS}
    assert fired == dict.fromkeys(CONTROL_FLAGS, True)
    assert watch.dialogs == ["alert: control"]


def test_no_payload_runs_on_any_page(tab: tuple[Page, Watch], site: tuple[str, Served]) -> None:
    page, watch = tab
    mode, served = site
    pages = _pages(served)
    articles = [p for p in pages if any(f"/{slug}/" in p for slug in MARKDOWN_PAYLOADS)]
    assert len(articles) == len(MARKDOWN_PAYLOADS), pages  # every payload article was built
    ran = []
    for url in pages:
        _open(page, url)
        if page.evaluate("window.__xss") is not False:
            ran.append(url)
    found = {"scripts ran on": ran, "dialogs": watch.dialogs, "other hosts": watch.foreign}
    assert found == {"scripts ran on": [], "dialogs": [], "other hosts": []}, mode
