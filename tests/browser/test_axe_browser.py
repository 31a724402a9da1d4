"""Accessibility: axe-core (npm, injected from node_modules/) finds no serious or critical
violation on the page kinds readers meet, at desktop and phone width. Every violation of any
impact is also written to tests/artifacts/axe/ for people to read."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, OpenPage, Problems
from tests.browser.sample import ARTIFACTS, ROOT, Served

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
PAGES = {
    "front": "/",
    "article": "/diplomacy/ceasefire-talks-resume-in-istanbul-as-mediators-push-for-prisoner-swap/",
    "section": "/category/politics/",
    "author": "/author/lucia-ferreira/",
    "search": "/search/?q=budget",
    "404": "/no-such-story/",
}


def run_axe(page: Page) -> list[dict[str, Any]]:
    assert AXE.is_file(), f"{AXE} is missing: run `npm ci` (scripts/setup-tests does)"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                 'wcag22aa', 'best-practice']},
                resultTypes: ['violations'],
            });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
            }));
        }"""
    )
    return list(result)


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("kind", list(PAGES))
def test_axe_finds_no_serious_violations(
    open_page: OpenPage, problems: Problems, sample: Served, kind: str, width: str
) -> None:
    page = open_page(DESKTOP if width == "desktop" else PHONE)
    path = PAGES[kind]
    if kind == "404":
        problems.allow(sample.url(path), 404)
    response = page.goto(path)
    assert response is not None
    assert response.status == (404 if kind == "404" else 200)
    if kind == "search":
        expect(page.locator(".search-result").first).to_be_visible()
        expect(page.locator("[data-search-filters]")).to_be_visible()
    if kind == "404":
        expect(page.locator("h1")).to_have_text("Page not found")
    page.wait_for_load_state("load")

    violations = run_axe(page)
    folder = ARTIFACTS / "axe"
    folder.mkdir(parents=True, exist_ok=True)
    report = folder / f"{kind}-{width}.json"
    report.write_text(json.dumps(violations, indent=2), encoding="utf-8")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe on {path} ({width}):\n" + json.dumps(blocking, indent=2)
