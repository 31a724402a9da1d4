"""A CI run: a fresh checkout with `.sitegen-cache/` restored from an earlier run elsewhere and
no output folder. The cache's copy of the last output (incremental/mirror.py) stands in for
the output, so unchanged pages are not rendered again, and the result is byte for byte what a
clean build makes, whatever happened to the copy on its way."""

from __future__ import annotations

import pickle
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from sitegen.build import BuildRequest, BuildResult, build
from sitegen.errors import Reporter
from sitegen.incremental.mirror import MANIFEST, MIRROR
from sitegen.model.site import BuildOptions
from sitegen.pipeline.process import BuildProcess
from sitegen.pipeline.rendering import Renderer
from sitegen.render.jobs import RenderJob
from tests.conftest import FIXED_NOW, SITES
from tests.robust_site import tree

NOW = BuildOptions(now=datetime.fromisoformat(FIXED_NOW))
STORY = "articles/science/bee-census.md"


def _build(site: Path, cache: bool = True, clean: bool = False) -> BuildResult:
    request = BuildRequest(
        site, site / "output", options=NOW, jobs=1,
        cache_dir=site / ".sitegen-cache" if cache else None, clean=clean,
        keeps_output_copy=True,
    )  # fmt: skip
    return build(request, Reporter())


def _checkout(source: Path, target: Path) -> Path:
    """A fresh checkout of `source` with its cache restored (copied, as a CI cache action
    extracts it: new files, new inodes, no links to the old output), and no output."""
    shutil.copytree(source, target, ignore=_top_level("output"))
    assert (target / ".sitegen-cache").is_dir() and not (target / "output").exists()
    return target


def _edit(site: Path) -> None:
    path = site / "content" / STORY
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Paragraph 5", "Paragraph five"), encoding="utf-8")


def _clean_output(site: Path, tmp_path: Path) -> dict[str, bytes]:
    clean = _checkout_without_cache(site, tmp_path / "clean")
    _build(clean, cache=False)
    return tree(clean / "output")


def _checkout_without_cache(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=_top_level("output", ".sitegen-cache"))
    return target


def _top_level(*names: str) -> Callable[[str, list[str]], set[str]]:
    """A copytree `ignore` for these names and the build's scratch folders beside the output
    (.output.*), in the top folder only: the cache's copy of the output is named "output" too."""
    top: list[str] = []

    def ignore(folder: str, entries: list[str]) -> set[str]:
        top.append(top[0] if top else folder)
        if folder != top[0]:
            return set()
        return {e for e in entries if e in names or e.startswith(".output.")}

    return ignore


@pytest.fixture
def first_run(tmp_path: Path) -> Path:
    """The last CI run's checkout, built with a cache."""
    root = tmp_path / "first"
    shutil.copytree(SITES / "basic" / "site", root)
    _build(root)
    return root


def _rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    rendered: list[str] = []
    render = Renderer.render

    def counting(self: Renderer, job: RenderJob) -> bytes | None:
        rendered.append(job.path)
        return render(self, job)

    monkeypatch.setattr(Renderer, "render", counting)
    return rendered


def test_a_restored_cache_renders_only_what_the_edit_touched(
    first_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _checkout(first_run, tmp_path / "second")
    _edit(site)
    rendered = _rendered(monkeypatch)
    result = _build(site)
    total = len(tree(first_run / "output"))
    assert 0 < len(rendered) < result.pages / 2, rendered
    assert result.unchanged >= result.pages - len(rendered)
    assert tree(site / "output") == _clean_output(site, tmp_path)
    assert len(tree(site / "output")) == total


def test_a_damaged_copy_costs_renders_not_a_wrong_page(
    first_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _checkout(first_run, tmp_path / "second")
    mirror = site / ".sitegen-cache" / MIRROR
    damaged = mirror / "about" / "index.html"
    damaged.write_bytes(damaged.read_bytes().replace(b"</h1>", b" (edited)</h1>", 1))
    (mirror / "feed.xml").unlink()
    rendered = _rendered(monkeypatch)
    _build(site)
    assert "about/index.html" in rendered and "feed.xml" in rendered
    assert tree(site / "output") == _clean_output(site, tmp_path)


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda m: m.write_bytes(b"garbage\n" + m.read_bytes()), id="garbled"),
        pytest.param(lambda m: m.write_bytes(m.read_bytes()[:-40]), id="truncated"),
        pytest.param(lambda m: m.unlink(), id="missing"),
    ],
)
def test_a_spoiled_manifest_restores_nothing(
    first_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spoil: object
) -> None:
    site = _checkout(first_run, tmp_path / "second")
    spoil(site / ".sitegen-cache" / MANIFEST)  # type: ignore[operator]
    rendered = _rendered(monkeypatch)
    result = _build(site)
    assert len(rendered) == result.pages
    assert tree(site / "output") == _clean_output(site, tmp_path)


def test_a_copy_of_another_build_is_not_used(
    first_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy that an interrupted update left describing an older output than the cache's
    fingerprints: restoring it would carry pages of that older output."""
    manifest = first_run / ".sitegen-cache" / MANIFEST
    older = manifest.read_bytes()
    _edit(first_run)
    _build(first_run)
    manifest.write_bytes(older)  # the update after that build never finished
    site = _checkout(first_run, tmp_path / "second")
    rendered = _rendered(monkeypatch)
    result = _build(site)
    assert len(rendered) == result.pages
    assert tree(site / "output") == _clean_output(site, tmp_path)


def test_the_copy_follows_the_output_and_a_clean_build_does_not_restore(
    first_run: Path, tmp_path: Path
) -> None:
    _edit(first_run)
    _build(first_run)
    mirror = first_run / ".sitegen-cache" / MIRROR
    assert tree(mirror) == tree(first_run / "output")
    header, _, data = (first_run / ".sitegen-cache" / MANIFEST).read_bytes().partition(b"\n")
    assert header.startswith(b"sitegen-output-manifest ")
    _, entries = pickle.loads(data)
    assert sorted(entries) == sorted(tree(first_run / "output"))
    shutil.rmtree(first_run / "output")
    result = _build(first_run, clean=True)
    assert result.unchanged == 0


def test_without_a_cache_nothing_is_restored_or_kept(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITES / "basic" / "site", site)
    _build(site, cache=False)
    assert not (site / ".sitegen-cache").exists()


def test_a_damaged_search_file_keeps_the_whole_index_out(first_run: Path, tmp_path: Path) -> None:
    site = _checkout(first_run, tmp_path / "second")
    mirror = site / ".sitegen-cache" / MIRROR
    fragment = next(p for p in sorted((mirror / "pagefind").rglob("*")) if p.is_file())
    fragment.write_bytes(fragment.read_bytes() + b"\0")
    _build(site)
    assert tree(site / "output") == _clean_output(site, tmp_path)


def test_a_save_without_the_copy_leaves_nothing_to_restore(first_run: Path, tmp_path: Path) -> None:
    """A build that saves the cache but not its copy (the preview server's process, or one
    killed in between) leaves the copy describing an older save: never restored."""
    _edit(first_run)
    request = BuildRequest(
        first_run, first_run / "output", options=NOW, jobs=1,
        cache_dir=first_run / ".sitegen-cache", process=BuildProcess(remembers=True),
        keeps_output_copy=True,
    )  # fmt: skip
    build(request, Reporter())
    site = _checkout(first_run, tmp_path / "second")
    result = _build(site)
    assert result.unchanged == 0
    assert tree(site / "output") == _clean_output(site, tmp_path)


def test_a_file_that_becomes_a_folder_keeps_the_copy_working(
    first_run: Path, tmp_path: Path
) -> None:
    extra = first_run / "static" / "extra"
    extra.write_text("a file\n", encoding="utf-8")
    _build(first_run)
    extra.unlink()
    extra.mkdir()
    (extra / "inner.txt").write_text("now a folder\n", encoding="utf-8")
    reporter = Reporter()
    build(
        BuildRequest(first_run, first_run / "output", options=NOW, jobs=1,
                     cache_dir=first_run / ".sitegen-cache", keeps_output_copy=True),
        reporter,
    )  # fmt: skip
    assert not [w for w in reporter.warnings if "copy of the output" in w.message]
    assert tree(first_run / ".sitegen-cache" / MIRROR) == tree(first_run / "output")


def test_a_cache_on_another_file_system_holds_copies_that_follow_the_output(
    first_run: Path, tmp_path: Path
) -> None:
    """Where links cannot be made (/dev/shm is another file system here), the copy is a copy:
    an inode the output frees and reuses must not pass for the file copied."""
    shm = Path("/dev/shm") if Path("/dev/shm").is_dir() else tmp_path
    cache = Path(tempfile.mkdtemp(dir=shm))
    try:
        site = tmp_path / "apart"
        shutil.copytree(SITES / "basic" / "site", site)

        def run(clean: bool = False) -> BuildResult:
            request = BuildRequest(
                site, site / "output", options=NOW, jobs=1, cache_dir=cache, clean=clean,
                keeps_output_copy=True,
            )  # fmt: skip
            return build(request, Reporter())

        run()
        _edit(site)
        shutil.rmtree(site / "output")
        run(clean=True)
        assert tree(cache / MIRROR) == tree(site / "output")
        shutil.rmtree(site / "output")
        run()
        assert tree(site / "output") == _clean_output(site, tmp_path)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def test_an_edit_relinks_only_the_files_it_changed(
    first_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sitegen.incremental.mirror import OutputMirror

    linked: list[Path] = []
    link = OutputMirror._link

    def counting(self: OutputMirror, source: Path, rel: str, number: int) -> object:
        linked.append(source)
        return link(self, source, rel, number)

    monkeypatch.setattr(OutputMirror, "_link", counting)
    _edit(first_run)
    result = _build(first_run)
    assert 0 < len(linked) < result.pages / 2, len(linked)
    assert tree(first_run / ".sitegen-cache" / MIRROR) == tree(first_run / "output")


def test_a_build_outside_ci_keeps_no_copy_but_uses_one(first_run: Path, tmp_path: Path) -> None:
    """A writer's machine keeps its output folder: no copy is kept there (it costs an edit a
    fraction of a second), and the copy a CI build left is never taken for a later build's."""
    site = _checkout(first_run, tmp_path / "second")
    request = BuildRequest(site, site / "output", options=NOW, jobs=1,
                           cache_dir=site / ".sitegen-cache")  # fmt: skip
    assert build(request, Reporter()).unchanged > 0, "restored from the CI build's copy"
    _edit(site)
    build(request, Reporter())
    assert not (site / ".sitegen-cache" / MANIFEST).exists(), "the copy is of no build now"
    shutil.rmtree(site / "output")
    assert build(request, Reporter()).unchanged == 0
    assert tree(site / "output") == _clean_output(site, tmp_path)


def test_the_command_line_keeps_a_copy_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen.cli.build_command import in_ci

    for value, expected in (("true", True), ("1", True), ("", False), ("false", False)):
        monkeypatch.setenv("CI", value)
        assert in_ci() is expected
    monkeypatch.delenv("CI")
    assert in_ci() is False
