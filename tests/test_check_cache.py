"""`sitegen check` with the build cache: what the last build converted, checked and rendered
from the same inputs is not done again, and the cache is only read. Every problem a check
without the cache finds is still found."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.build import BuildRequest, build, check
from sitegen.cli.main import main
from sitegen.errors import BuildError, Reporter
from sitegen.load.markup import Converter, Markup
from sitegen.model.site import BuildOptions
from sitegen.pipeline.rendering import Renderer
from sitegen.render.jobs import RenderJob
from tests.conftest import FIXED_NOW, SITES

NOW = BuildOptions(now=datetime.fromisoformat(FIXED_NOW))
STORY = "articles/science/bee-census.md"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(SITES / "basic" / "site", root)
    return root


def _request(site: Path, cache: bool = True) -> BuildRequest:
    cache_dir = site / ".sitegen-cache" if cache else None
    return BuildRequest(site, site / "output", options=NOW, jobs=1, cache_dir=cache_dir)


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """What was converted and rendered, by source and by output path."""
    done: dict[str, list[str]] = {"converted": [], "rendered": []}
    convert, render = Converter.convert, Renderer.render

    def converting(self: Converter, text: str, source_rel: str) -> Markup:
        done["converted"].append(source_rel)
        return convert(self, text, source_rel)

    def rendering(self: Renderer, job: RenderJob) -> bytes | None:
        done["rendered"].append(job.path)
        return render(self, job)

    monkeypatch.setattr(Converter, "convert", converting)
    monkeypatch.setattr(Renderer, "render", rendering)
    return done


def test_an_unchanged_site_is_checked_from_the_cache(
    site: Path, work: dict[str, list[str]]
) -> None:
    pages = build(_request(site), Reporter()).pages
    cached = (site / ".sitegen-cache" / "state.sqlite").read_bytes()
    work["converted"].clear()
    work["rendered"].clear()
    assert check(_request(site), Reporter()) == pages
    assert work == {"converted": [], "rendered": []}
    assert (site / ".sitegen-cache" / "state.sqlite").read_bytes() == cached


def test_an_edit_is_converted_and_its_pages_rendered(
    site: Path, work: dict[str, list[str]]
) -> None:
    pages = build(_request(site), Reporter()).pages
    path = site / "content" / STORY
    path.write_text(path.read_text("utf-8").replace("Paragraph 5", "Paragraph five"), "utf-8")
    work["converted"].clear()
    work["rendered"].clear()
    assert check(_request(site), Reporter()) == pages
    assert work["converted"] == [STORY]
    assert "science-research/bee-census-finds-recovery/index.html" in work["rendered"]
    assert 0 < len(work["rendered"]) < pages


def test_a_broken_template_is_found_with_the_cache_as_without(site: Path) -> None:
    build(_request(site), Reporter())
    override = site / "templates" / "article.html"
    override.parent.mkdir()
    theme = Path(__file__).resolve().parent.parent / "themes/default/templates/article.html"
    override.write_text(theme.read_text("utf-8").replace("{{", "{{ no_such_thing.x ~ ", 1))
    messages = []
    for cache in (True, False):
        with pytest.raises(BuildError) as failed:
            check(_request(site, cache), Reporter())
        messages.append([str(e) for e in failed.value.errors])
    assert messages[0] == messages[1] and messages[0]


def test_check_makes_no_cache_and_no_output(site: Path, work: dict[str, list[str]]) -> None:
    pages = check(_request(site), Reporter())
    assert pages > 0 and len(work["rendered"]) == pages
    assert not (site / ".sitegen-cache").exists()
    assert not (site / "output").exists()


def test_the_command_uses_the_cache_unless_told_not_to(
    site: Path, work: dict[str, list[str]]
) -> None:
    build(_request(site), Reporter())
    args = ["check", "-s", str(site), "--now", FIXED_NOW]
    # The command's request differs from _request's (publishing, base_url): its fingerprints
    # are its own, so a first check renders, and an unchanged second one does not.
    build(BuildRequest(site, site / "output", options=NOW, cache_dir=site / ".sitegen-cache",
                       publishing=True), Reporter())  # fmt: skip
    work["rendered"].clear()
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert work["rendered"] == []
    result = CliRunner().invoke(main, [*args, "--no-cache"])
    assert result.exit_code == 0, result.output
    assert len(work["rendered"]) > 0


def _cache_files(site: Path) -> dict[str, bytes]:
    """Every file of the cache, the database's write-ahead log files included."""
    folder = site / ".sitegen-cache"
    return {p.name: p.read_bytes() for p in sorted(folder.glob("state.sqlite*"))}


def test_check_never_writes_the_cache(site: Path) -> None:
    build(_request(site), Reporter())
    path = site / "content" / STORY
    path.write_text(path.read_text("utf-8").replace("Paragraph 5", "Paragraph five"), "utf-8")
    before = _cache_files(site)
    check(_request(site), Reporter())
    assert _cache_files(site) == before


def test_a_cache_of_another_version_is_left_alone(site: Path) -> None:
    import sqlite3

    pages = build(_request(site), Reporter()).pages
    database = site / ".sitegen-cache" / "state.sqlite"
    with sqlite3.connect(database) as db:
        db.execute("UPDATE meta SET value = 'another' WHERE key = 'schema'")
    before = _cache_files(site)
    reporter = Reporter()
    assert check(_request(site), reporter) == pages
    assert not [w for w in reporter.warnings if "cache" in w.message]
    assert _cache_files(site) == before
