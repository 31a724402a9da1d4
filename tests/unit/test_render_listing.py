"""sitegen.render.listing on a model assembled from inline text: which list pages are planned,
and what a page's context holds. Nothing is rendered."""

from __future__ import annotations

from dataclasses import replace

from sitegen.model.entities import Site
from sitegen.model.urls import Urls
from sitegen.render.digests import site_digests
from sitegen.render.listing import plan_lists
from sitegen.render.pages import PagePlanner
from sitegen.render.plan import site_info
from tests.unit.test_site import CONFIG, article, make_model

CONFIG_2 = replace(CONFIG, per_page=2)
DATES = ["2025-04-28", "2025-05-02", "2025-05-09", "2025-05-16", "2025-05-23"]


def _site() -> Site:
    files = {
        f"articles/politics/story-{n}.md": article(
            f"Story {n}", f"{day}T09:00:00", extra="tags: [vote]"
        )
        for n, day in enumerate(DATES)
    }
    return make_model(files, CONFIG_2).ok()


def _planner(site: Site) -> PagePlanner:
    urls = Urls(CONFIG_2.permalinks, CONFIG_2.base_url)
    info = site_info(CONFIG_2, site, urls, "")
    return PagePlanner(site, CONFIG_2, urls, info, site_digests(site, {}))


def test_every_list_is_cut_into_pages() -> None:
    paths = [job.path for job in plan_lists(_planner(_site()))]
    assert paths == [
        "category/politics/index.html",
        "category/politics/page/2/index.html",
        "category/politics/page/3/index.html",
        "tag/vote/index.html",
        "tag/vote/page/2/index.html",
        "tag/vote/page/3/index.html",
        "author/jane/index.html",
        "author/jane/page/2/index.html",
        "author/jane/page/3/index.html",
        "archive/2025/05/index.html",
        "archive/2025/05/page/2/index.html",
        "archive/2025/04/index.html",
    ]


def test_only_the_pages_listing_an_edited_story_are_planned() -> None:
    site = _site()
    oldest_may = next(a for a in site.articles if a.title == "Story 1")
    paths = [job.path for job in plan_lists(_planner(site), [oldest_may])]
    # Its own page of each list; every page of its month, since each shows the whole month.
    assert paths == [
        "category/politics/page/2/index.html",
        "tag/vote/page/2/index.html",
        "author/jane/page/2/index.html",
        "archive/2025/05/index.html",
        "archive/2025/05/page/2/index.html",
    ]
    assert plan_lists(_planner(site), []) == []


def test_a_list_page_links_its_neighbours_and_names_its_number() -> None:
    site = _site()
    jobs = {job.path: job for job in plan_lists(_planner(site))}
    context = jobs["category/politics/page/2/index.html"].context
    pager = context["pager"]
    assert (pager.number, pager.total) == (2, 3)
    assert pager.prev_url == "/category/politics/"
    assert pager.next_url == "/category/politics/page/3/"
    assert [a.title for a in context["articles"]] == ["Story 2", "Story 1"]
    assert context["meta"].title.startswith("Politics – page 2")
    assert context["current_section"] == "politics"
    assert [c.title for c in context["breadcrumbs"]] == ["Home", "Politics"]
    month = jobs["archive/2025/05/index.html"].context
    assert [c.title for c in month["breadcrumbs"]] == ["Home", "Archive", "May 2025"]
    assert month["pager"].prev_url == ""
    author = jobs["author/jane/index.html"].context
    assert author["author"] is not None and author["author"].name == "Jane Doe"
    assert author["meta"].og_type == "profile"
