"""sitegen.render.pages: what the front page shows, on a model assembled from inline text."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sitegen.load.config import SiteConfig
from sitegen.model.urls import Urls
from sitegen.render.digests import site_digests
from sitegen.render.pages import PagePlanner
from sitegen.render.plan import site_info
from tests.unit.test_site import CONFIG, article, make_model


def _front_page(config: SiteConfig, featured: int | None = None) -> dict[str, Any]:
    """The front page's context for eight stories, "Story 0" the oldest, two sections."""
    files = {
        f"articles/s/story-{n}.md": article(
            f"Story {n}",
            f"2025-05-{10 + n:02d}T09:00:00",
            category="Politics" if n % 2 else "Sport",
            extra="featured: true" if n == featured else "",
        )
        for n in range(8)
    }
    site = make_model(files, config).ok()
    urls = Urls(config.permalinks, config.base_url)
    planner = PagePlanner(
        site, config, urls, site_info(config, site, urls, ""), site_digests(site, {})
    )
    context = dict(planner.index().context)
    titles: dict[str, Any] = {
        "lead": context["lead"].title if context["lead"] else None,
        "top": [a.title for a in context["top"]],
        "latest": [a.title for a in context["latest"]],
    }
    for block in context["sections"]:
        titles[block.category.name] = [a.title for a in block.articles]
    return titles


def test_the_newest_story_leads_and_no_story_is_shown_twice_above_the_sections() -> None:
    shown = _front_page(replace(CONFIG, front_page_latest=2, front_page_section_count=2))
    assert shown["lead"] == "Story 7"
    assert shown["top"] == ["Story 6", "Story 5", "Story 4", "Story 3"]
    assert shown["latest"] == ["Story 2", "Story 1"]
    # A section's block leaves out the lead only.
    assert shown["Politics"] == ["Story 5", "Story 3"]
    assert shown["Sport"] == ["Story 6", "Story 4"]


def test_a_featured_story_leads_however_old() -> None:
    shown = _front_page(replace(CONFIG, front_page_latest=8, front_page_section_count=0), 1)
    assert shown["lead"] == "Story 1"
    assert shown["top"] == ["Story 7", "Story 6", "Story 5", "Story 4"]
    assert shown["latest"] == ["Story 3", "Story 2", "Story 0"]
    assert shown["Politics"] == shown["Sport"] == []


def test_an_empty_site_has_no_lead() -> None:
    site = make_model({}).ok()
    urls = Urls(CONFIG.permalinks, CONFIG.base_url)
    info = site_info(CONFIG, site, urls, "")
    job = PagePlanner(site, CONFIG, urls, info, site_digests(site, {})).index()
    assert job.deps == ("index",)
    assert job.context["lead"] is None and job.context["top"] == []
