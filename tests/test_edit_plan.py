"""Builds after an edit that moved nothing plan only the pages that show the edited story
(sitegen/incremental/edit_plan.py). What such a build writes, and the fingerprints it records for the next
build, must be what a build planning every page gives; an edit that may move anything else
(its front matter, the settings, static files, the clock, a lost page) plans every page."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from sitegen.build import BuildRequest, BuildResult, build
from sitegen.errors import Reporter
from sitegen.model.site import BuildOptions
from tests.conftest import AUTHOR, FIXED_NOW, MakeSite, article
from tests.test_incremental import _replace_line, _tree

NOW = datetime.fromisoformat(FIXED_NOW)
STORY = "content/articles/science/bee-census.md"


@pytest.fixture
def site(basic_copy: Path) -> Path:
    return basic_copy


def _build(
    site: Path, out: Path, cache: Path, now: datetime = NOW, drafts: bool = False
) -> BuildResult:
    request = BuildRequest(
        site, out, options=BuildOptions(now=now, drafts=drafts), jobs=1, cache_dir=cache
    )
    return build(request, Reporter())


def _outputs(cache: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(cache / "state.sqlite") as db:
        rows = db.execute("SELECT path, fingerprint, shows FROM outputs").fetchall()
    return {path: (fingerprint, shows) for path, fingerprint, shows in rows}


def _assert_as_if_planned_afresh(
    site: Path, tmp_path: Path, out: Path, cache: Path, **options: object
) -> None:
    """The output and the cache's record of it equal those of a build without a cache."""
    fresh, fresh_cache = tmp_path / "fresh", tmp_path / "fresh-cache"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.rmtree(fresh_cache, ignore_errors=True)
    result = _build(site, fresh, fresh_cache, **options)  # type: ignore[arg-type]
    assert result.planned == result.pages
    assert _tree(out) == _tree(fresh)
    assert _outputs(cache) == _outputs(fresh_cache)


def _edit_words(site: Path) -> None:
    story = site / STORY
    story.write_text(
        story.read_text(encoding="utf-8").replace("Paragraph 5", "Paragraph five"),
        encoding="utf-8",
    )


def test_a_body_edit_plans_only_the_pages_that_show_the_story(site: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = _build(site, out, cache)
    assert first.planned == first.pages
    before = _tree(out)
    story = site / STORY
    for number, word in [(5, "five"), (4, "four"), (3, "three")]:
        text = story.read_text(encoding="utf-8")
        assert f"Paragraph {number}" in text
        story.write_text(text.replace(f"Paragraph {number}", f"Paragraph {word}", 1))
        result = _build(site, out, cache)
        assert result.pages == first.pages
        # The story's page, the lists and feeds that show it, the pages relating to it.
        assert 0 < result.planned < result.pages / 2, result.planned
        _assert_as_if_planned_afresh(site, tmp_path, out, cache)
    changed = {p for p, data in _tree(out).items() if before.get(p) != data}
    assert {p for p in changed if not p.startswith("pagefind/")} == {
        "science-research/bee-census-finds-recovery/index.html"
    }


def _more_words(site: Path) -> None:
    """Enough words to change the story's reading time, which its card shows."""
    with (site / STORY).open("a", encoding="utf-8") as handle:
        handle.write("\n" + "More words for the story to read. " * 120 + "\n")


def _retitle(site: Path) -> None:
    _replace_line(site / STORY, "title:", 'title: "Bees counted again"')


def _resize_image(site: Path) -> None:
    _edit_words(site)
    (site / "static" / "images" / "pic.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="700" '
        'viewBox="0 0 1200 700"></svg>\n'
    )


def _edit_settings(site: Path) -> None:
    _edit_words(site)
    config = site / "sitegen.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("per_page = ", "per_page = 1", 1),
        encoding="utf-8",
    )


def _edit_profile(site: Path) -> None:
    _edit_words(site)
    profile = next((site / "content" / "authors").glob("*.md"))
    with profile.open("a", encoding="utf-8") as handle:
        handle.write("\nAnother line of biography.\n")


@pytest.mark.parametrize(
    "edit", [_more_words, _retitle, _resize_image, _edit_settings, _edit_profile]
)
def test_edits_that_can_move_the_site_plan_every_page(
    site: Path, tmp_path: Path, edit: Callable[[Path], None]
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(site, out, cache)
    edit(site)
    result = _build(site, out, cache)
    assert result.planned == result.pages
    _assert_as_if_planned_afresh(site, tmp_path, out, cache)


def test_an_embargo_lifting_plans_every_page(site: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(site, out, cache)
    _edit_words(site)
    later = datetime.fromisoformat("2026-06-21T12:00:00+02:00")  # embargoed.md is out
    result = _build(site, out, cache, now=later)
    assert result.planned == result.pages
    _assert_as_if_planned_afresh(site, tmp_path, out, cache, now=later)
    assert (out / "economy" / "embargoed-jobs-report" / "index.html").is_file()


def test_letting_drafts_in_plans_every_page(site: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(site, out, cache)
    _edit_words(site)
    result = _build(site, out, cache, drafts=True)
    assert result.planned == result.pages
    _assert_as_if_planned_afresh(site, tmp_path, out, cache, drafts=True)


def test_a_page_lost_from_the_output_is_planned_again(site: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(site, out, cache)
    lost = out / "category" / "world" / "index.html"  # a section the edited story is not in
    lost.unlink()
    _edit_words(site)
    result = _build(site, out, cache)
    assert result.planned == result.pages
    assert lost.is_file()
    _assert_as_if_planned_afresh(site, tmp_path, out, cache)


def test_a_page_the_cache_cannot_vouch_for_has_every_page_planned(
    site: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(site, out, cache)
    with sqlite3.connect(cache / "state.sqlite") as db:
        # Not a page an edit of a story plans (the About page): so it plans them all.
        db.execute("UPDATE outputs SET shows = NULL WHERE path = 'about/index.html'")
    for step in range(2):
        (site / STORY).write_text(
            (site / STORY).read_text(encoding="utf-8").replace("Paragraph", f"Para{step}", 1),
            encoding="utf-8",
        )
        result = _build(site, out, cache)
        assert result.planned == result.pages
        fresh = tmp_path / f"fresh-{step}"
        _build(site, fresh, tmp_path / f"fresh-cache-{step}")
        assert _tree(out) == _tree(fresh)


def test_a_clock_set_back_plans_every_page(site: Path, tmp_path: Path) -> None:
    """Stories published by the last build's time are under embargo again before it."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(site, out, cache)
    earlier = datetime.fromisoformat("2026-06-13T12:00:00+02:00")
    result = _build(site, out, cache, now=earlier)  # nothing edited: no shortcut either
    assert result.planned == result.pages and result.unchanged < result.pages
    _assert_as_if_planned_afresh(site, tmp_path, out, cache, now=earlier)
    _edit_words(site)
    even_earlier = datetime.fromisoformat("2026-06-12T12:00:00+02:00")
    result = _build(site, out, cache, now=even_earlier)
    assert result.planned == result.pages
    _assert_as_if_planned_afresh(site, tmp_path, out, cache, now=even_earlier)


DRAFT = "draft: true\nsummary: A story to come.\n"
"""A summary of its own: the body's first paragraph can change without changing the card."""


def test_a_site_with_no_listed_story_plans_every_page(make_site: MakeSite, tmp_path: Path) -> None:
    """Its feeds say they were updated when the site was built: every build changes them."""
    site = make_site(
        {
            "content/authors/jane-doe.md": AUTHOR,
            "content/articles/a.md": article("Not yet", extra=DRAFT, body="Not ready.\n"),
        }
    )
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(site, out, cache)
    (site / "content/articles/a.md").write_text(
        article("Not yet", extra=DRAFT, body="Not ready yet.\n"), encoding="utf-8"
    )
    later = datetime.fromisoformat("2026-06-16T12:00:00+02:00")
    result = _build(site, out, cache, now=later)
    assert result.planned == result.pages
    _assert_as_if_planned_afresh(site, tmp_path, out, cache, now=later)
    assert "2026-06-16" in (out / "atom.xml").read_text(encoding="utf-8")
