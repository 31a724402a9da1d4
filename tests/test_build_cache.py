"""The build cache's lazy parts: an article's HTML is fetched from the cache only when its page
is rendered, and a cache that has lost or damaged rows makes the build redo the work, never
crash or leave a stale page. Each case ends the same way: byte-identical to a clean build."""

from __future__ import annotations

import pickle
import shutil
import sqlite3
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sitegen.build import BuildRequest, build
from sitegen.errors import Reporter
from sitegen.incremental.state import BuildState, CachedSource
from sitegen.load.config import load_config
from sitegen.model.site import BuildOptions
from sitegen.pipeline.process import BuildProcess
from sitegen.pipeline.rendering import Renderer
from sitegen.render.jobs import RenderJob
from tests.conftest import FIXED_NOW, SITES

NOW = BuildOptions(now=datetime.fromisoformat(FIXED_NOW))


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(SITES / "basic" / "site", root)
    return root


def _build(site: Path, out: Path, cache: bool = True) -> Reporter:
    reporter = Reporter()
    cache_dir = site / ".sitegen-cache" if cache else None
    build(BuildRequest(site, out, options=NOW, jobs=1, cache_dir=cache_dir), reporter)
    return reporter


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _same_as_clean(site: Path, out: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    _build(site, clean, cache=False)
    a, b = _tree(out), _tree(clean)
    assert sorted(a) == sorted(b)
    assert [p for p in a if a[p] != b[p]] == []


def _edit_body(site: Path, rel: str, old: str, new: str) -> None:
    path = site / "content" / rel
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def _sql(site: Path, statement: str) -> None:
    with sqlite3.connect(site / ".sitegen-cache" / "state.sqlite") as db:
        db.execute(statement)


def test_only_rendered_articles_fetch_their_html(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Search records hold the body of every story in a shard that changed, so an edit fetches
    # the bodies of its shard (at most shard_size): with one story a shard, the edited story.
    with (site / "sitegen.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[search]\nshard_size = 1\n")
    out = tmp_path / "out"
    _build(site, out)
    fetched: list[str] = []
    rendered: list[str] = []
    fetch, render = BuildState.html, Renderer.render

    def counting_fetch(self: BuildState, rel: str, digest: str, markup_key: str) -> str | None:
        fetched.append(rel)
        return fetch(self, rel, digest, markup_key)

    def counting_render(self: Renderer, job: RenderJob) -> bytes | None:
        rendered.append(job.origin.removeprefix("content/"))
        return render(self, job)

    monkeypatch.setattr(BuildState, "html", counting_fetch)
    monkeypatch.setattr(Renderer, "render", counting_render)
    _edit_body(site, "articles/science/bee-census.md", "Paragraph 5", "Paragraph five")
    _build(site, out)
    # Pages and author bios are few and go into the model whole; an article's HTML is fetched
    # only for its own page (here: pages that list the edited story among related ones) and
    # its search record.
    articles = {rel for rel in fetched if rel.startswith("articles/")}
    assert articles <= set(rendered)
    assert len(articles) < len(list((site / "content/articles").rglob("*.md"))) // 2
    assert any(rel.startswith(("pages/", "authors/")) for rel in fetched)
    _same_as_clean(site, out, tmp_path)


def test_rendering_an_unchanged_article_fetches_its_html(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(site, out)
    with sqlite3.connect(site / ".sitegen-cache" / "state.sqlite") as db:
        assert db.execute("SELECT count(*) FROM templates").fetchone()[0] > 0, "compiled ones kept"
    # A template edit (recompiled, not taken from the kept ones) re-renders every article page
    # from cached HTML.
    override = site / "templates" / "article.html"
    override.parent.mkdir(parents=True, exist_ok=True)
    theme = Path(__file__).resolve().parent.parent / "themes/default/templates/article.html"
    override.write_text(theme.read_text(encoding="utf-8") + "<!-- edited -->\n", "utf-8")
    _build(site, out)
    _same_as_clean(site, out, tmp_path)
    page = out / "science-research/bee-census-finds-recovery/index.html"
    assert "Paragraph 5" in page.read_text(encoding="utf-8")


def test_a_linked_article_retitled_rerenders_the_page_linking_to_it(
    site: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _build(site, out)
    # border-talks links to summit-opens: a new title moves summit-opens to a new URL.
    summit = site / "content/articles/world/summit-opens.md"
    text = summit.read_text(encoding="utf-8")
    summit.write_text(text.replace('title: "Summit opens', 'title: "Summit starts'), "utf-8")
    _build(site, out)
    _same_as_clean(site, out, tmp_path)
    talks = next(out.rglob("border-talks*/index.html")).read_text(encoding="utf-8")
    assert "/summit-starts-with-pledges-on-water/" in talks


@pytest.mark.parametrize(
    "damage",
    [
        "DELETE FROM html",
        "UPDATE html SET html = NULL",
        "UPDATE html SET digest = 'stale'",
        "DELETE FROM sources WHERE rels LIKE '%articles/world/%'",
        "UPDATE sources SET data = x'00ff00'",
    ],
)
def test_a_damaged_cache_means_rebuilding_not_a_crash_or_a_stale_page(
    site: Path, tmp_path: Path, damage: str
) -> None:
    out = tmp_path / "out"
    _build(site, out)
    _sql(site, damage)
    # A template edit makes every page render, so every body is needed.
    override = site / "templates" / "article.html"
    override.parent.mkdir(parents=True, exist_ok=True)
    theme = Path(__file__).resolve().parent.parent / "themes/default/templates/article.html"
    override.write_text(theme.read_text(encoding="utf-8") + "<!-- edited -->\n", "utf-8")
    _edit_body(site, "articles/science/bee-census.md", "Paragraph 5", "Paragraph five")
    _build(site, out)
    _same_as_clean(site, out, tmp_path)
    # ...and the next build has a whole cache again.
    _edit_body(site, "articles/world/summit-opens.md", "Paragraph 2", "Paragraph two")
    _build(site, out)
    _same_as_clean(site, out, tmp_path)


def test_warnings_from_cached_sources_keep_their_lines(site: Path, tmp_path: Path) -> None:
    page = site / "content/articles/world/old-treaty.md"
    page.write_text(
        page.read_text(encoding="utf-8") + "\n\nA picture: ![](/images/missing.png)\n", "utf-8"
    )
    out = tmp_path / "out"
    first = [str(w) for w in _build(site, out).warnings]
    assert any("old-treaty.md:" in w and "missing.png" in w for w in first)
    _edit_body(site, "articles/science/bee-census.md", "Paragraph 5", "Paragraph five")
    # Seen from the cache, old-treaty's body is read back from its file for the line number.
    assert [str(w) for w in _build(site, out).warnings] == first


def _write(site: Path, rel: str, text: str) -> None:
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_warnings_from_cached_article_checks_match_a_clean_build(
    site: Path, tmp_path: Path
) -> None:
    # Each kind of warning an article's checks give: section spelled two ways, an image not in
    # static/, an image without alt text, an empty body.
    head = "---\ntitle: {t}\ndate: 2026-06-0{d}T10:00:00\nauthor: chen-wu\ncategory: {c}\n"
    _write(site, "content/articles/world/spelled.md",
           head.format(t="Spelled", d=2, c="WORLD") + "---\nText.\n")  # fmt: skip
    _write(site, "content/articles/world/no-file.md",
           head.format(t="No file", d=3, c="World") + "image: /images/none.png\n---\nText.\n")  # fmt: skip
    _write(site, "content/articles/world/no-alt.md",
           head.format(t="No alt", d=4, c="World") + "image: /images/pic.svg\n---\nText.\n")  # fmt: skip
    _write(
        site, "content/articles/world/empty.md", head.format(t="Empty", d=5, c="World") + "---\n"
    )
    out = tmp_path / "out"
    first = [str(w) for w in _build(site, out).warnings]
    assert len(first) >= 4
    _edit_body(site, "articles/science/bee-census.md", "Paragraph 5", "Paragraph five")
    assert [str(w) for w in _build(site, out).warnings] == first
    assert [str(w) for w in _build(site, tmp_path / "clean", cache=False).warnings] == first
    _same_as_clean(site, out, tmp_path)


@pytest.mark.parametrize(
    "setting", ["summary_length = 40", 'timezone = "America/New_York"', "words_per_minute = 20"]
)
def test_settings_that_shape_articles_recheck_cached_ones(
    site: Path, tmp_path: Path, setting: str
) -> None:
    out = tmp_path / "out"
    _build(site, out)
    config = site / "sitegen.toml"
    text = config.read_text(encoding="utf-8")
    key = setting.split(" =")[0]
    lines = [line for line in text.split("\n") if not line.startswith(f"{key} =")]
    config.write_text(f"{setting}\n" + "\n".join(lines), encoding="utf-8")
    _build(site, out)
    _same_as_clean(site, out, tmp_path)


def test_a_linked_article_published_or_unpublished_rerenders_the_page_linking_to_it(
    site: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _write(site, "content/articles/world/linker.md",
           "---\ntitle: Linker\ndate: 2026-06-02T10:00:00\nauthor: chen-wu\ncategory: World\n"
           "---\nSee [the budget](../economy/draft-budget.md) and [talks](border-talks.md).\n")  # fmt: skip
    budget = site / "content/articles/economy/draft-budget.md"
    drafted = budget.read_text(encoding="utf-8")
    _build(site, out)
    _same_as_clean(site, out, tmp_path)
    budget.write_text(drafted.replace("draft: true", "draft: false"), encoding="utf-8")
    _build(site, out)
    _same_as_clean(site, out, tmp_path)
    page = next(out.rglob("linker/index.html")).read_text(encoding="utf-8")
    assert 'href="#"' not in page
    budget.write_text(drafted, encoding="utf-8")
    _build(site, out)
    _same_as_clean(site, out, tmp_path)
    assert 'href="#"' in next(out.rglob("linker/index.html")).read_text(encoding="utf-8")


def test_templates_compiled_once_are_not_compiled_again(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jinja2

    out = tmp_path / "out"
    _build(site, out)
    compiled: list[str | None] = []
    compile = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: str, name: str | None = None, *a, **k):  # type: ignore[no-untyped-def]
        compiled.append(name)
        return compile(self, source, name, *a, **k)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    _edit_body(site, "articles/science/bee-census.md", "Paragraph 5", "Paragraph five")
    _build(site, out)
    assert compiled == []
    _same_as_clean(site, out, tmp_path)


def test_related_keys_cached_with_drafts_describe_the_finished_articles(
    site: Path, tmp_path: Path
) -> None:
    from sitegen.build import _inputs
    from sitegen.incremental.cache import NullCache
    from sitegen.incremental.reuse import related_key_of
    from sitegen.pipeline.clock import Clock
    from sitegen.pipeline.prepare import prepare_plan
    from sitegen.search.site_search import SearchSettings, SiteSearch

    request = BuildRequest(site, tmp_path / "out", options=NOW, jobs=1)
    cache = NullCache()
    _, found = cache.scan(site, load_config(site), "")
    with ExitStack() as cleanup:
        search = SiteSearch(SearchSettings(tmp_path / "out", None, True, True, 1), {}, cleanup)
        plan = prepare_plan(_inputs(request), Reporter(), Clock(), cache, found, search)
    for article in plan.site.articles:
        checked = plan.sources[article.source].checked
        assert checked is not None and checked.related_key == related_key_of(article)


def test_a_remembered_cache_is_used_only_while_it_is_the_cache_on_disk(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview server keeps what its build saved for its next build instead of reading it
    back; a save by anyone else (here a build that does not remember) makes it read again."""
    out = tmp_path / "out"
    cache_dir = site / ".sitegen-cache"
    loads: list[str] = []
    real_loads = pickle.loads

    def counting_loads(data: bytes, /, **kwargs: Any) -> Any:
        value = real_loads(data, **kwargs)
        if isinstance(value, list):  # a bucket of sources
            loads.extend(c.source.rel for c in value if isinstance(c, CachedSource))
        return value

    monkeypatch.setattr("sitegen.incremental.state.pickle.loads", counting_loads)

    process = BuildProcess(remembers=True)

    def preview_build() -> None:
        request = BuildRequest(site, out, options=NOW, jobs=1, cache_dir=cache_dir, process=process)
        build(request, Reporter())

    preview_build()
    preview_build()  # nothing changed
    _edit_body(site, "articles/science/bee-census.md", "Paragraph 5", "Paragraph five")
    loads.clear()
    preview_build()
    assert loads == [], "the remembered rows, not the cache file's"
    _same_as_clean(site, out, tmp_path)
    _edit_body(site, "articles/science/bee-census.md", "Paragraph five", "Paragraph 5")
    _build(site, out)  # saves a new generation without remembering it
    _edit_body(site, "articles/science/bee-census.md", "Paragraph 5", "Paragraph V")
    loads.clear()
    preview_build()
    assert len(loads) > 5, "read back from the file"
    _same_as_clean(site, out, tmp_path)
    assert (
        "Paragraph V" in (out / "science-research/bee-census-finds-recovery/index.html").read_text()
    )


def test_a_deleted_source_leaves_its_bucket(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(site, out)

    def cached() -> list[str]:
        with sqlite3.connect(site / ".sitegen-cache" / "state.sqlite") as db:
            rows = db.execute("SELECT rels, data FROM sources").fetchall()
        for rels, data in rows:
            assert rels.split("\n") == [c.source.rel for c in pickle.loads(data)]
        return sorted(rel for rels, _ in rows for rel in rels.split("\n"))

    before = cached()
    assert "articles/world/old-treaty.md" in before
    (site / "content/articles/world/old-treaty.md").unlink()
    _build(site, out)
    assert cached() == [rel for rel in before if rel != "articles/world/old-treaty.md"]
    _same_as_clean(site, out, tmp_path)


def test_a_cache_written_by_another_version_is_started_again(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    folder = site / ".sitegen-cache"
    folder.mkdir()
    with sqlite3.connect(folder / "state.sqlite") as db:  # an older layout of the tables
        db.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
            "INSERT INTO meta VALUES ('schema', '1:0.0.1');"
            "CREATE TABLE sources (rel TEXT PRIMARY KEY, data BLOB);"
            "INSERT INTO sources VALUES ('articles/world/old-treaty.md', x'00');"
            "CREATE TABLE outputs (path TEXT PRIMARY KEY);"
        )
    _build(site, out)
    _edit_body(site, "articles/science/bee-census.md", "Paragraph 5", "Paragraph five")
    _build(site, out)
    _same_as_clean(site, out, tmp_path)
    with sqlite3.connect(folder / "state.sqlite") as db:
        assert db.execute("SELECT count(*) FROM sources").fetchone()[0] > 0


def test_an_author_bio_edit_renders_the_article_pages_showing_it(
    site: Path, tmp_path: Path
) -> None:
    """The author box on article pages quotes the bio, which the byline's digest leaves out."""
    out = tmp_path / "out"
    _build(site, out)
    page = out / "world" / "old-treaty-turns-fifty" / "index.html"
    assert "Ada covers world affairs." in page.read_text(encoding="utf-8")
    bio = site / "content" / "authors" / "ada-lane.md"
    bio.write_text(bio.read_text(encoding="utf-8").replace("world affairs", "the wider world"))
    _build(site, out)
    assert "Ada covers the wider world." in page.read_text(encoding="utf-8")
    _same_as_clean(site, out, tmp_path)
