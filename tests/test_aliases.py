"""URLs that never break: a story that moves (a new headline, slug or section) warns with the
`aliases:` line that keeps its old address, and with that line the old address redirects to the
new one (a page for browsers and crawlers, `_redirects` for Netlify and Cloudflare Pages) while
sitemaps and feeds list only the new address."""

from __future__ import annotations

import dataclasses
import inspect
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

import sitegen.build
import sitegen.incremental.reuse
import sitegen.model.site
from sitegen.build import BuildRequest, build, check
from sitegen.cli.main import main
from sitegen.errors import BuildError, Reporter, SitegenError
from sitegen.load.config import PermalinkConfig
from sitegen.model import articles, entries
from sitegen.model.aliases import aliases_of
from sitegen.model.entries import Fields
from sitegen.model.site import BuildOptions
from sitegen.model.urls import Urls
from tests.conftest import AUTHOR, FIXED_NOW, article, write_site
from tests.helpers import nu_checker_messages, page
from tests.test_incremental import _tree

NOW = BuildOptions(now=datetime.fromisoformat(FIXED_NOW))
CONFIG = 'title = "The Courier"\nbase_url = "https://courier.example/news/"\n'
STORY = "content/articles/politics/budget.md"


# -- until articles.py and entries.py call aliases_of, the tests call it for them -------------

_UNWIRED = "aliases" not in {f.name for f in dataclasses.fields(articles.ArticleFrontMatter)}
if _UNWIRED:

    @dataclass(frozen=True)
    class CheckedWithAliases(articles.ArticleFrontMatter):
        """Checked front matter with the field the wiring adds to ArticleFrontMatter: the build
        cache keeps it, and an edit to `aliases:` alone changes it (so every page is planned)."""

        aliases: tuple[str, ...] = ()


def _checked(real: Callable[..., Any]) -> Callable[..., Any]:
    """check_front_matter, with the aliases as the wired one reads them."""

    def check(source: Any, markup: Any, config: Any, u: Urls) -> Any:
        d = real(source, markup, config, u)
        errors = list(d.errors)
        aliases = aliases_of(Fields(source, errors), u)
        values = {f.name: getattr(d, f.name) for f in dataclasses.fields(d)}
        return CheckedWithAliases(**{**values, "errors": tuple(errors), "aliases": aliases})

    return check


@pytest.fixture(autouse=True)
def model_reads_aliases(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read `aliases:` as the lines given in the report wire it, where they are not yet."""
    if _UNWIRED:
        real_article = sitegen.model.site.article_from_front_matter

        def article_entry(d: Any, *rest: Any) -> Any:
            entry = real_article(d, *rest)
            return None if entry is None else replace(entry, aliases=d.aliases)

        monkeypatch.setattr(sitegen.model.site, "article_from_front_matter", article_entry)
        for module in (sitegen.model.site, sitegen.incremental.reuse):
            monkeypatch.setattr(module, "check_front_matter", _checked(module.check_front_matter))
    if "aliases_of" not in inspect.getsource(entries):
        real_page = sitegen.model.site.page_entry

        def page_entry(source: Any, markup: Any, config: Any, u: Urls, *rest: Any) -> Any:
            page, errors = real_page(source, markup, config, u, *rest), rest[0]
            fields = Fields(source, errors)
            aliases = aliases_of(fields, u)
            return replace(page, aliases=aliases) if page is not None and fields.ok else None

        monkeypatch.setattr(sitegen.model.site, "page_entry", page_entry)


@pytest.fixture(autouse=True)
def check_reads_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """`sitegen check` hands planning the build cache's snapshot, as the line given in the
    report for build.py does, where it does not yet."""
    if "plan_everything(plan, reporter, clock)" not in inspect.getsource(sitegen.build.check):
        return
    opened: list[Any] = []
    real_open, real_plan = sitegen.build._open_cache, sitegen.build.plan_everything

    def open_cache(*args: Any, **kwargs: Any) -> Any:
        opened.append(real_open(*args, **kwargs))
        return opened[-1]

    def plan_everything(plan: Any, reporter: Any, clock: Any) -> Any:
        return real_plan(plan, reporter, clock, opened[-1].snapshot() if opened else None)

    monkeypatch.setattr(sitegen.build, "_open_cache", open_cache)
    monkeypatch.setattr(sitegen.build, "plan_everything", plan_everything)


# -- the site ---------------------------------------------------------------------------------


def _site(tmp_path: Path, extra: str = "", config: str = CONFIG) -> Path:
    return write_site(
        tmp_path / "site",
        {
            "sitegen.toml": config,
            "content/authors/jane-doe.md": AUTHOR,
            STORY: article("Budget passes", extra=extra, body="The council voted.\n"),
            "content/articles/politics/other.md": article(
                "Other story", "2026-06-02T09:00:00", body="More.\n"
            ),
            "content/pages/about.md": "---\ntitle: About\n---\nWho we are.\n",
        },
    )


def _build(site: Path, out: Path | None = None, cache: bool = True) -> Reporter:
    reporter = Reporter()
    cache_dir = site / ".sitegen-cache" if cache else None
    request = BuildRequest(site, out or site / "output", options=NOW, jobs=1, cache_dir=cache_dir)
    build(request, reporter)
    return reporter


def _check(site: Path) -> Reporter:
    reporter = Reporter()
    request = BuildRequest(
        site, site / "output", options=NOW, jobs=1, cache_dir=site / ".sitegen-cache"
    )
    check(request, reporter)
    return reporter


def _edit(site: Path, rel: str, old: str, new: str) -> None:
    path = site / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _warnings(reporter: Reporter) -> list[str]:
    return [str(w) for w in reporter.warnings]


def _errors(site: Path) -> list[str]:
    with pytest.raises(BuildError) as caught:
        _build(site)
    return [str(e) for e in caught.value.errors]


# -- a story that moves ------------------------------------------------------------------------


def test_a_new_headline_warns_with_the_alias_and_slug_that_keep_the_address(
    tmp_path: Path,
) -> None:
    site = _site(tmp_path)
    assert _warnings(_build(site)) == []
    _edit(site, STORY, "title: 'Budget passes'", "title: 'Budget passes after late vote'")
    expected = (
        f"{STORY}:2: the last build published this story at /politics/budget-passes/; "
        "it is now at /politics/budget-passes-after-late-vote/ (its slug comes from the "
        "headline, which changed), and links to the old address break: add "
        "`aliases: [/politics/budget-passes/]` to its front matter to redirect them, or keep "
        "the old address with `slug: budget-passes`"
    )
    assert _warnings(_check(site)) == [expected]
    assert _warnings(_check(site)) == [expected], "check never saves: it says so every time"
    assert _warnings(_build(site)) == [expected]


def test_a_new_slug_warns_on_the_slug_line(tmp_path: Path) -> None:
    site = _site(tmp_path, extra="slug: budget\n")
    _build(site)
    _edit(site, STORY, "slug: budget", "slug: council-budget")
    [warning] = _warnings(_check(site))
    assert warning.startswith(f"{STORY}:6: the last build published this story at ")
    assert "/politics/budget/; it is now at /politics/council-budget/ (its `slug:` changed)" in (
        warning
    )
    assert warning.endswith(
        "add `aliases: [/politics/budget/]` to its front matter to redirect them, or keep "
        "the old address with `slug: budget`"
    )


def test_a_new_section_warns_on_the_category_line(tmp_path: Path) -> None:
    site = _site(tmp_path, extra="aliases: [/budget-2026/]\n")
    _build(site)
    _edit(site, STORY, "category: Politics", "category: Economy")
    [warning] = _warnings(_check(site))
    assert warning == (
        f"{STORY}:5: the last build published this story at /politics/budget-passes/; "
        "it is now at /economy/budget-passes/ (its section changed), and links to the old "
        "address break: add `aliases: [/budget-2026/, /politics/budget-passes/]` to its front "
        "matter to redirect them"
    ), "the line keeps the aliases the story has, and pinning the slug would not help"


@pytest.mark.parametrize(
    ("old", "new", "now_at"),
    [
        (
            "title: 'Budget passes'",
            "title: 'Budget passes at last'",
            "politics/budget-passes-at-last/",
        ),
        ("slug: budget-passes", "slug: council-budget", "politics/council-budget/"),
        ("category: Politics", "category: Economy", "economy/budget-passes/"),
    ],
)
def test_with_the_alias_the_old_address_redirects_and_nothing_warns(
    tmp_path: Path, old: str, new: str, now_at: str
) -> None:
    alias = "/politics/budget-passes/"
    site = _site(tmp_path, extra="slug: budget-passes\n" if old.startswith("slug") else "")
    _build(site)
    _edit(site, STORY, old, new)
    _edit(site, STORY, "---\nThe council", f"aliases: [{alias}]\n---\nThe council")
    assert _warnings(_build(site)) == []
    out = site / "output"
    new_url = "https://courier.example/news/" + now_at
    assert "Budget passes" in page(out, "/" + now_at).find("h1").get_text()
    redirect = page(out, alias)
    assert redirect.find("meta", attrs={"http-equiv": "refresh"})["content"] == f"0; url={new_url}"
    assert redirect.find("link", rel="canonical")["href"] == new_url
    assert redirect.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert redirect.find("html")["lang"] == "en"
    [link] = redirect.find_all("a")
    assert link["href"] == new_url and "Budget passes" in link.get_text()
    sitemap = BeautifulSoup((out / "sitemap.xml").read_text(encoding="utf-8"), "xml")
    locs = [loc.get_text() for loc in sitemap.find_all("loc")]
    assert new_url in locs
    assert not [loc for loc in locs if loc.endswith(alias)], "the old address is not listed"
    for feed in ("feed.xml", "atom.xml", "news-sitemap.xml"):
        if (out / feed).is_file():
            assert alias not in (out / feed).read_text(encoding="utf-8")


def test_the_redirects_file_lists_each_alias_under_the_base_path(tmp_path: Path) -> None:
    site = _site(tmp_path, extra="aliases: [/politics/budget-passes-old/, /2026/06/budget]\n")
    _edit(site, "content/pages/about.md", "title: About", "title: About\naliases: [/who-we-are/]")
    _build(site)
    out = site / "output"
    assert (out / "_redirects").read_text(encoding="utf-8") == (
        "# Old addresses (`aliases:` in front matter) and where they are now, written by sitegen.\n"
        "/news/2026/06/budget /news/politics/budget-passes/ 301\n"
        "/news/politics/budget-passes-old/ /news/politics/budget-passes/ 301\n"
        "/news/who-we-are/ /news/about/ 301\n"
    )
    assert (out / "2026/06/budget/index.html").is_file(), "no slash: served as a folder's page"
    assert page(out, "/who-we-are/").find("a")["href"] == "https://courier.example/news/about/"


def test_a_site_without_aliases_gets_no_redirects_file(tmp_path: Path) -> None:
    site = _site(tmp_path)
    _build(site)
    assert not (site / "output" / "_redirects").exists()


def test_unicode_and_percent_encoded_aliases_are_one_address(tmp_path: Path) -> None:
    site = _site(tmp_path, extra="aliases: [/caf%C3%A9/, /d\u00e9j\u00e0/]\n")
    _build(site)
    out = site / "output"
    assert (out / "café" / "index.html").is_file()
    assert "/news/caf%C3%A9/ /news/politics/budget-passes/ 301" in (out / "_redirects").read_text(
        encoding="utf-8"
    )
    assert "/news/d%C3%A9j%C3%A0/ " in (out / "_redirects").read_text(encoding="utf-8")


def test_the_redirect_page_passes_the_nu_html_checker(tmp_path: Path) -> None:
    site = _site(tmp_path, extra="aliases: [/politics/old-budget/, /old.html]\n")
    _build(site)
    pages = [site / "output/politics/old-budget/index.html", site / "output/old.html"]
    messages = nu_checker_messages(pages)
    assert messages == [], messages


# -- what is not a moved story -----------------------------------------------------------------


def test_a_removed_story_warns_on_sitegen_toml_and_a_draft_says_nothing(tmp_path: Path) -> None:
    site = _site(tmp_path)
    _build(site)
    _edit(site, STORY, "---\nThe council", "draft: true\n---\nThe council")
    assert _warnings(_check(site)) == [], "taken down on purpose"
    (site / STORY).unlink()
    assert _warnings(_check(site)) == [
        "sitegen.toml: the last build published /politics/budget-passes/ from "
        f"{STORY}, which is gone, and links to that address break: if the story moved to "
        "another file, add `aliases: [/politics/budget-passes/]` to that file's front matter; "
        "to take a story down, keep its file with `draft: true` rather than deleting it"
    ]


def test_lists_that_shrink_and_pages_that_stay_do_not_warn(tmp_path: Path) -> None:
    config = CONFIG + "per_page = 1\n"
    site = _site(tmp_path, extra="tags: [council]\n", config=config)
    _build(site)
    assert (site / "output/category/politics/page/2/index.html").is_file()
    assert (site / "output/tag/council/index.html").is_file()
    _edit(site, STORY, "tags: [council]", "draft: true")
    assert _warnings(_build(site)) == []
    assert not (site / "output/category/politics/page/2/index.html").exists()
    assert not (site / "output/tag/council/index.html").exists()


def test_a_static_page_with_a_new_slug_warns(tmp_path: Path) -> None:
    site = _site(tmp_path)
    _build(site)
    _edit(site, "content/pages/about.md", "title: About", "title: About\nslug: about-us")
    assert _warnings(_check(site)) == [
        "content/pages/about.md:3: the last build published this page at /about/; it "
        "is now at /about-us/ (its `slug:` changed), and links to the old address break: add "
        "`aliases: [/about/]` to its front matter to redirect them"
    ]


def test_without_a_cache_nothing_is_known_of_the_last_build(tmp_path: Path) -> None:
    site = _site(tmp_path)
    _build(site, cache=False)
    _edit(site, STORY, "title: 'Budget passes'", "title: 'Budget vote'")
    assert _warnings(_build(site, cache=False)) == []


def test_strict_fails_check_until_the_alias_is_added(tmp_path: Path) -> None:
    site = _site(tmp_path)
    assert CliRunner().invoke(main, ["build", "-s", str(site), "--now", FIXED_NOW]).exit_code == 0
    _edit(site, STORY, "title: 'Budget passes'", "title: 'Budget vote'")
    strict_check = ["check", "-s", str(site), "--now", FIXED_NOW, "--strict"]
    for _ in range(2):  # check saves nothing: it fails until the story is fixed
        result = CliRunner().invoke(main, strict_check)
        assert result.exit_code == 1
        assert f"{STORY}:2: the last build published this story" in result.stderr
        assert "add `aliases: [/politics/budget-passes/]`" in result.stderr
    _edit(site, STORY, "---\nThe council", "aliases: [/politics/budget-passes/]\n---\nThe council")
    result = CliRunner().invoke(main, strict_check)
    assert result.exit_code == 0, result.stderr


# -- aliases written wrong ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (
            "[politics/old/]",
            "`aliases` entry 'politics/old/' must be a path on this site "
            "starting with /, such as /politics/old/",
        ),
        (
            "[https://courier.example/news/politics/old/]",
            "`aliases` entry "
            "'https://courier.example/news/politics/old/' is a full address; write only its "
            "path on this site, such as /politics/old/",
        ),
        (
            "[//courier.example/old/]",
            "is a full address; write only its path on this site, such as /old/",
        ),
        ("['/old/?id=3']", "has a query or fragment (? or #)"),
        ("[/old/../secret/]", "has an empty, `.` or `..` segment"),
        ("[/old//story/]", "has an empty, `.` or `..` segment"),
        ("['/old\\story/']", "holds a backslash or a control character"),
        ("[/old/, /old/]", "`aliases` lists /old/ twice; remove one"),
        (
            "{old: /old/}",
            "`aliases` must be a list of old addresses on this site, e.g. "
            "aliases: [/politics/old-headline/]",
        ),
        ("[2019]", "`aliases` must be a list of old addresses"),
    ],
)
def test_an_alias_that_is_not_a_site_path_is_an_error_on_its_line(
    tmp_path: Path, written: str, message: str
) -> None:
    site = _site(tmp_path, extra=f"aliases: {written}\n")
    errors = _errors(site)
    assert len(errors) == 1 and errors[0].startswith(f"{STORY}:6: "), errors
    assert message in errors[0]


def test_one_alias_is_one_text(tmp_path: Path) -> None:
    site = _site(tmp_path, extra="aliases: /old-budget/\n")
    _build(site)
    assert (site / "output/old-budget/index.html").is_file()


@pytest.mark.parametrize(
    ("aliases", "message"),
    [
        (
            "[/politics/budget-passes/]",
            "alias /politics/budget-passes/ is this file's own address; remove it from `aliases`",
        ),
        (
            "[/politics/other-story/]",
            "alias /politics/other-story/ would write "
            "politics/other-story/index.html, which is the page of "
            "content/articles/politics/other.md: a redirect cannot stand where a page is; remove "
            "it from `aliases`",
        ),
        ("[/category/politics/]", "which is the page /category/politics/: a redirect"),
        (
            "[/images/logo.svg/]",
            "alias /images/logo.svg/ would need a folder /images/logo.svg/ where there is"
            " the static file /images/logo.svg; remove it from `aliases`",
        ),
        (
            "[/images/, /Images/]",
            "alias /Images/ would write Images/index.html, as this "
            "file's alias /images/ does; keep one of them",
        ),
        ("[/feed.xml]", "would need a folder /feed.xml/ where there is the file /feed.xml"),
    ],
)
def test_an_alias_where_something_else_is_is_an_error_on_its_line(
    tmp_path: Path, aliases: str, message: str
) -> None:
    site = _site(tmp_path, extra=f"aliases: {aliases}\n")
    write_site(site, {"static/images/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})
    errors = _errors(site)
    assert [e for e in errors if message in e] == [e for e in errors], errors
    assert errors and all(e.startswith(f"{STORY}:6: ") for e in errors), errors


def test_two_stories_with_one_alias_is_an_error_on_the_second(tmp_path: Path) -> None:
    site = _site(tmp_path, extra="aliases: [/old/]\n")
    _edit(site, "content/articles/politics/other.md", "---\nMore", "aliases: [/old/]\n---\nMore")
    errors = _errors(site)
    assert len(errors) == 1, errors
    assert errors[0].endswith(
        "alias /old/ would write old/index.html, as "
        "content/articles/politics/other.md's alias /old/ does; keep one of them"
    )


def test_aliases_of_reads_front_matter_as_fields_do() -> None:
    from sitegen.load.sources import parse_source

    text = "---\ntitle: T\naliases:\n  - /a/\n  - /b%20c/\n---\nBody.\n"
    source = parse_source("pages/t.md", "content/pages/t.md", "page", text.encode())
    errors: list[SitegenError] = []
    urls = Urls(PermalinkConfig(), "https://x.example/news/")
    assert aliases_of(Fields(source, errors), urls) == ("/news/a/", "/news/b c/")
    assert errors == []


# -- incremental builds ------------------------------------------------------------------------


Edit = Callable[[Path], None]
EDITS: list[tuple[str, Edit]] = [
    (
        "add an alias",
        lambda s: _edit(s, STORY, "---\nThe council", "aliases: [/old/]\n---\nThe council"),
    ),
    ("edit the body", lambda s: _edit(s, STORY, "The council voted.", "The council voted twice.")),
    ("retitle", lambda s: _edit(s, STORY, "title: 'Budget passes'", "title: 'Budget fails'")),
    ("another alias", lambda s: _edit(s, STORY, "aliases: [/old/]", "aliases: [/old/, /older/]")),
    (
        "a page alias",
        lambda s: _edit(
            s, "content/pages/about.md", "title: About", "title: About\naliases: [/us/]"
        ),
    ),
    ("drop an alias", lambda s: _edit(s, STORY, "aliases: [/old/, /older/]", "aliases: [/older/]")),
    ("drop them all", lambda s: _edit(s, STORY, "aliases: [/older/]\n", "")),
]


def test_incremental_builds_with_aliases_match_clean_ones(tmp_path: Path) -> None:
    site = _site(tmp_path)
    incremental, clean = tmp_path / "inc", tmp_path / "clean"
    _build(site, incremental)
    for name, edit in EDITS:
        edit(site)
        shutil.rmtree(clean, ignore_errors=True)
        _build(site, clean, cache=False)
        _build(site, incremental)
        assert _tree(incremental) == _tree(clean), f"after {name}"
    redirects = (incremental / "_redirects").read_text(encoding="utf-8")
    assert redirects.endswith("\n/news/us/ /news/about/ 301\n"), "the page's alias is left"
