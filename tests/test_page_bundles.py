"""Files beside a story (page bundles) and site paths under a base URL's path (issue 21).

tests/bundles/site/ is a small site published under https://bugle.example/news/. A story lives
in its own folder (articles/politics/budget/index.md, with map.png, images/chart.png and
images/figures.csv beside it), another story and the team page show files beside them, and the
bodies write site paths from the root (`/about/`, `/images/masthead.svg`), in Markdown and in
raw HTML. tests/bundles/expected.txt holds the warnings for the two files that will not show:
one missing, one outside its story's folder.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import build_into
from tests.helpers import nu_checker_messages, page
from tests.test_bad_inputs import sitegen

HERE = Path(__file__).resolve().parent / "bundles"
EXPECTED = (HERE / "expected.txt").read_text(encoding="utf-8").splitlines()
BUDGET = "/news/politics/the-budget-in-maps/"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return Path(shutil.copytree(HERE / "site", tmp_path / "site"))


def _files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and "pagefind" not in p.parts
    }


def _body_addresses(out: Path, url: str) -> list[str]:
    body = page(out, url.removeprefix("/news")).select_one(".article-body")
    assert body is not None
    for box in body.select("aside"):  # the inline related box is the theme's, not the writer's
        box.decompose()
    return [str(el.get("src") or el.get("href")) for el in body.select("img, a[href]")]


def test_build_and_check_warn_of_the_files_that_will_not_show(site: Path) -> None:
    for command in ("check", "build"):
        result = sitegen(site, command)
        assert result.returncode == 0, result.stderr
        assert result.stderr.splitlines() == EXPECTED, command
        strict = sitegen(site, command, "--strict")
        assert strict.returncode == 1, f"{command} --strict:\n{strict.stderr}"


def test_files_beside_a_story_are_published_next_to_its_page(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_into(site, out)
    bundle = site / "content/articles/politics/budget"
    files = _files(out)
    for name in ("map.png", "images/chart.png", "images/figures.csv"):
        assert files[f"politics/the-budget-in-maps/{name}"] == (bundle / name).read_bytes()
    assert files["politics/harbour-dues-rise-again/quay.png"]
    assert (
        files["politics/harbour-dues-rise-again/budget/map.png"]
        == files["politics/the-budget-in-maps/map.png"]
    )
    assert files["team/newsroom.png"] == (site / "content/pages/team/newsroom.png").read_bytes()
    assert not any(name.endswith((".md", "old-quay.png", "harbour-1990.png")) for name in files)
    assert _body_addresses(out, BUDGET) == [
        f"{BUDGET}map.png",
        f"{BUDGET}images/chart.png",
        f"{BUDGET}images/figures.csv",
        "/news/politics/harbour-dues-rise-again/",
        "/news/about/",
        "/news/images/masthead.svg",
        f"{BUDGET}images/chart.png",
        "/news/about/",
        f"{BUDGET}map.png",
    ]
    assert _body_addresses(out, "/news/team/") == ["/news/team/newsroom.png", "/news/"]
    assert "/news/team/" in _body_addresses(out, "/news/about/")
    # What will not show keeps the address as written (and was warned about).
    harbour = _body_addresses(out, "/news/politics/harbour-dues-rise-again/")
    assert "old-quay.png" in harbour and "../harbour-1990.png" in harbour


def test_every_address_in_a_body_leads_to_a_published_file(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_into(site, out)
    for url in (BUDGET, "/news/team/", "/news/politics/harbour-dues-rise-again/"):
        for address in _body_addresses(out, url):
            if address.startswith("/news/"):
                target = out / address.removeprefix("/news/")
                assert (target / "index.html" if address.endswith("/") else target).is_file()


def test_a_bundle_page_passes_the_nu_html_checker(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_into(site, out)
    pages = [out / "politics/the-budget-in-maps/index.html", out / "team/index.html"]
    messages = nu_checker_messages(pages)
    assert messages == [], messages


def _past_the_tick() -> None:
    """Wait out the timestamp tick within which a file's times cannot tell a change
    (stamps.RACY_NS): a writer does not save twice within two seconds of a build."""
    time.sleep(2.1)


@pytest.mark.parametrize(
    "change",
    [
        "replace an image",
        "add the missing file",
        "remove an image",
        "retitle the story",
        "stop showing a file",
    ],
)
def test_an_incremental_build_equals_a_clean_one(site: Path, tmp_path: Path, change: str) -> None:
    assert sitegen(site, "build").returncode == 0
    bundle = site / "content/articles/politics/budget"
    if change == "replace an image":
        (bundle / "map.png").write_bytes((bundle / "images/chart.png").read_bytes())
    elif change == "add the missing file":
        shutil.copy(bundle / "map.png", site / "content/articles/politics/old-quay.png")
    elif change == "remove an image":
        (bundle / "images/chart.png").unlink()
    elif change == "stop showing a file":
        # A body-only edit (the quickest rebuild): the copy beside harbour's page must go.
        story = site / "content/articles/politics/harbour.md"
        text = story.read_text(encoding="utf-8").replace("the [district\nmap](budget/map.png)", "a")
        story.write_text(text, encoding="utf-8")
    else:
        story = bundle / "index.md"
        text = story.read_text(encoding="utf-8").replace("in maps", "in charts")
        story.write_text(text, encoding="utf-8")
    _past_the_tick()
    again = sitegen(site, "build")
    assert again.returncode == 0, again.stderr
    clean = sitegen(site, "build", "--clean", "--no-cache", "--output", str(tmp_path / "clean"))
    assert clean.returncode == 0, clean.stderr
    assert _files(site / "output") == _files(tmp_path / "clean")


def _story(site: Path, body: str, name: str = "extra/index.md") -> Path:
    path = site / "content/articles/politics" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    head = (
        "---\ntitle: Extra\ndate: 2026-06-02T09:00:00\nauthor: jane-doe\ncategory: Politics\n---\n"
    )
    path.write_text(head + body, encoding="utf-8")
    return path.parent


def test_an_address_left_as_written_cannot_become_markup(site: Path, tmp_path: Path) -> None:
    body = (
        "<a href='c\"><script>alert(3)</script>.pdf'>x</a>\n\n"
        '![x](<a"onerror="alert(1).png>) [page 2](nothere.pdf#page=2)\n'
    )
    _story(site, body)
    out = tmp_path / "out"
    warnings = [w.message for w in build_into(site, out).warnings if "/extra/" in w.path]
    assert sum("is not beside the story" in w for w in warnings) == 3, warnings
    extra = page(out, "/politics/extra/").select_one(".article-body")
    assert extra is not None
    assert extra.find("script") is None
    assert not any(name.startswith("on") for el in extra.find_all(True) for name in el.attrs)
    assert [a["href"] for a in extra.select("a")][-1] == "nothere.pdf#page=2"


def test_a_query_or_fragment_stays_on_a_published_file(site: Path, tmp_path: Path) -> None:
    folder = _story(site, "![m](map.png?v=2) [m](map.png#top)\n")
    shutil.copy(site / "content/articles/politics/budget/map.png", folder / "map.png")
    out = tmp_path / "out"
    assert [w for w in build_into(site, out).warnings if "/extra/" in w.path] == []
    extra = "/news/politics/extra/"
    assert _body_addresses(out, extra) == [f"{extra}map.png?v=2", f"{extra}map.png#top"]
    assert (out / "politics/extra/map.png").is_file()


def test_hidden_and_linked_files_beside_a_story_are_not_published(
    site: Path, tmp_path: Path
) -> None:
    folder = _story(site, "[env](.env) and ![linked](linked.png)\n")
    (folder / ".env").write_text("SECRET=1\n", encoding="utf-8")
    (folder / "linked.png").symlink_to(site / "content/articles/politics/budget/map.png")
    out = tmp_path / "out"
    warnings = [w.message for w in build_into(site, out).warnings]
    assert any(w.startswith(".env is a hidden file") for w in warnings)
    assert any(w.startswith("linked.png is not beside the story") for w in warnings)
    assert sorted(p.name for p in (out / "politics/extra").iterdir()) == ["index.html"]


def test_a_file_beside_a_story_may_not_take_a_static_files_place(
    site: Path, tmp_path: Path
) -> None:
    (site / "static/team").mkdir()
    (site / "static/team/newsroom.png").write_bytes(b"not the team")
    result = sitegen(site, "build")
    assert result.returncode == 1
    assert (
        "content/pages/team/newsroom.png: is published at team/newsroom.png beside its story, "
        "where static/team/newsroom.png is published too; rename one of them"
    ) in result.stderr.splitlines()


def test_an_authors_bio_links_to_stories_and_names_files_it_cannot_show(
    site: Path, tmp_path: Path
) -> None:
    profile = site / "content/authors/jane-doe.md"
    profile.write_text(
        "---\nname: Jane Doe\n---\nShe wrote [the budget story](../articles/politics/budget/"
        "index.md) and ![Jane](jane.jpg).\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    warnings = [(w.line, w.message.split(";")[0]) for w in build_into(site, out).warnings]
    assert (4, "jane.jpg: an author's bio does not publish files beside the profile") in warnings
    bio = page(out, "/author/jane-doe/")
    assert next(a["href"] for a in bio.select("a[href*=budget]")) == BUDGET
    assert "__sitegen_ref__" not in str(bio)
