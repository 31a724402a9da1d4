"""Rendering on several cores (pipeline/render_workers.py): the output, the errors and the
incremental builds are what one process makes, and a child that fails costs time, not pages.
MIN_PAGES is lowered so that the fixture site's pages are shared out. Pages are shared out
when every page renders again and search has little to do (build._shares_render): the cold
builds here have search off; the incremental test changes a setting every page shows."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from sitegen.build import BuildRequest, BuildResult, build
from sitegen.errors import BuildError, Reporter
from sitegen.model.site import BuildOptions
from sitegen.pipeline import render_workers
from tests.conftest import FIXED_NOW
from tests.robust_site import tree

NOW = BuildOptions(now=datetime.fromisoformat(FIXED_NOW))
THEME = Path(__file__).resolve().parent.parent / "themes/default/templates"


@pytest.fixture
def site(basic_copy: Path) -> Path:
    return basic_copy


@pytest.fixture
def unsearched(site: Path) -> Path:
    """The site with search off: a cold build then shares its pages out."""
    with (site / "sitegen.toml").open("a", encoding="utf-8") as config:
        config.write("\n[search]\nenabled = false\n")
    return site


@pytest.fixture
def from_children(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Share out from the first page on; counts the pages read back from children."""
    monkeypatch.setattr(render_workers, "MIN_PAGES", 1)
    # An idle thread an earlier test left (a server's, say) would keep the build on one core.
    monkeypatch.setattr(render_workers.threading, "active_count", lambda: 1)
    counted: list[int] = []
    read = render_workers._read

    def counting(path: Path) -> Iterator[render_workers.Rendered]:
        for record in read(path):
            counted.append(record[0])
            yield record

    monkeypatch.setattr(render_workers, "_read", counting)
    return counted


def _build(site: Path, out: Path, jobs: int, cache: bool = False) -> BuildResult:
    cache_dir = site / ".sitegen-cache" if cache else None
    request = BuildRequest(site, out, options=NOW, jobs=jobs, cache_dir=cache_dir)
    return build(request, Reporter())


def test_three_processes_make_the_output_one_makes(
    unsearched: Path, tmp_path: Path, from_children: list[int]
) -> None:
    result = _build(unsearched, tmp_path / "one", jobs=1)
    assert from_children == []
    _build(unsearched, tmp_path / "three", jobs=3)
    assert len(from_children) == result.pages - len(range(0, result.pages, 3))
    assert tree(tmp_path / "three") == tree(tmp_path / "one")


def test_template_errors_are_the_same_whoever_rendered(
    unsearched: Path, tmp_path: Path, from_children: list[int]
) -> None:
    override = unsearched / "templates"
    override.mkdir()
    for name in ("article.html", "list.html"):
        text = (THEME / name).read_text(encoding="utf-8")
        (override / name).write_text(text.replace("{{", "{{ missing_thing.x ~ ", 1), "utf-8")
    found = []
    for jobs in (1, 2):
        with pytest.raises(BuildError) as failed:
            _build(unsearched, tmp_path / f"out-{jobs}", jobs=jobs)
        found.append([str(e) for e in failed.value.errors])
        assert not (tmp_path / f"out-{jobs}").exists()
    assert found[0] == found[1] and len(found[0]) >= 2
    assert from_children, "the children rendered (and failed) their share"


def test_a_child_that_dies_has_its_share_rendered_here(
    unsearched: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, from_children: list[int]
) -> None:
    def dying(*args: object) -> None:  # pragma: no cover - runs in the child
        os._exit(3)

    monkeypatch.setattr(render_workers, "_child", dying)
    _build(unsearched, tmp_path / "one", jobs=1)
    _build(unsearched, tmp_path / "two", jobs=2)
    assert from_children == []
    assert tree(tmp_path / "two") == tree(tmp_path / "one")
    assert not [p for p in tmp_path.iterdir() if ".work-" in p.name], "scratch folders left"


def test_incremental_builds_on_two_cores_equal_a_clean_one(
    site: Path, tmp_path: Path, from_children: list[int]
) -> None:
    out = tmp_path / "out"
    _build(site, out, jobs=2, cache=True)
    assert from_children == [], "a cold build leaves the second core to search"
    # A change every page shows: all of them render again, shared out.
    config = site / "sitegen.toml"
    config.write_text(config.read_text("utf-8").replace("Fixture news", "Fixture news, daily"))
    from_children.clear()
    _build(site, out, jobs=2, cache=True)
    assert from_children
    _build(site, tmp_path / "clean", jobs=1)
    assert tree(out) == tree(tmp_path / "clean")


def test_a_template_that_does_not_parse_is_reported_not_raised(
    unsearched: Path, tmp_path: Path, from_children: list[int]
) -> None:
    override = unsearched / "templates"
    override.mkdir()
    text = (THEME / "article.html").read_text(encoding="utf-8")
    (override / "article.html").write_text(text + "{% if %}\n", encoding="utf-8")
    found = []
    for jobs in (1, 2):
        with pytest.raises(BuildError) as failed:
            _build(unsearched, tmp_path / f"out-{jobs}", jobs=jobs)
        found.append([str(e) for e in failed.value.errors])
    assert found[0] == found[1] and "article.html" in found[0][0]


def test_no_process_to_spare_renders_here_alone(
    unsearched: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, from_children: list[int]
) -> None:
    real_fork = os.fork
    forks: list[int] = []

    def second_fails() -> int:
        forks.append(1)
        if len(forks) == 2:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return real_fork()

    monkeypatch.setattr(render_workers.os, "fork", second_fails)
    _build(unsearched, tmp_path / "one", jobs=1)
    _build(unsearched, tmp_path / "three", jobs=3)
    assert len(forks) == 2 and from_children == []
    assert tree(tmp_path / "three") == tree(tmp_path / "one")
    assert not [p for p in tmp_path.iterdir() if ".work-" in p.name], "scratch folders left"


def test_the_same_errors_are_reported_whichever_page_met_them_first() -> None:
    from sitegen.errors import TemplateError
    from sitegen.pipeline.rendering import MAX_TEMPLATE_ERRORS, _Errors

    shared = TemplateError("templates/x.html", 3, "shared")
    own = [TemplateError("templates/x.html", 4, f"own {i}") for i in range(MAX_TEMPLATE_ERRORS)]
    errors = _Errors()
    for i, error in enumerate(own):  # a child's pages arrive after this process's
        errors.add(100 + i, error)
    errors.add(200, shared)
    errors.add(5, shared)  # met first by page 5
    with pytest.raises(BuildError) as raised:
        errors.raise_any()
    assert shared in raised.value.errors and len(raised.value.errors) == MAX_TEMPLATE_ERRORS
