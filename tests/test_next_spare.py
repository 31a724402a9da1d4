"""A build that retires no output (the first one) has a helper process hard-link each file it
stages into a folder that becomes the next build's spare (sitegen/output/next_spare.py), so the
edit after it patches that spare instead of linking every file into an empty stage.

A build makes one only past NEXT_SPARE_AFTER staged files, which the fixture sites here are
not: the `low_threshold` fixture lowers it to one file (and the batch sent to the helper to
three files, so that a build sends several)."""

from __future__ import annotations

import errno
import os
import shutil
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pytest

from sitegen.build import BuildRequest, BuildResult, build
from sitegen.errors import BuildError, Reporter
from sitegen.model.site import BuildOptions
from sitegen.output import next_spare, write
from sitegen.output.file_writer import FileWriter, Op
from sitegen.output.write import Stage
from tests.conftest import FIXED_NOW, article
from tests.robust_site import tree

NOW = BuildOptions(now=datetime.fromisoformat(FIXED_NOW))
STORY = "content/articles/world/envoy-named.md"
ADDED = "content/articles/world/added-story.md"


@pytest.fixture
def low_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(next_spare, "NEXT_SPARE_AFTER", 1)
    monkeypatch.setattr(next_spare, "_NEXT_SPARE_BATCH", 3)


@pytest.fixture
def site(basic_copy: Path) -> Path:
    return basic_copy


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """The output, in a folder of its own: what lies beside it is the build's doing."""
    return tmp_path / "public" / "out"


def _build(site: Path, out: Path, *, cache: bool = True, clean: bool = False) -> BuildResult:
    cache_dir = site / ".sitegen-cache" if cache else None
    request = BuildRequest(site, out, options=NOW, jobs=1, cache_dir=cache_dir, clean=clean)
    return build(request, Reporter())


def _beside(out: Path) -> list[str]:
    """What lies beside the output (its build lock aside), once the folders discarded in the
    background are gone."""
    deadline = time.monotonic() + 20
    while True:
        names = sorted(p.name for p in out.parent.iterdir() if p != out)
        names = [n for n in names if n != f".{out.name}.lock"]
        if not any(".trash-" in n for n in names) or time.monotonic() > deadline:
            return names
        time.sleep(0.05)


def _edit(site: Path) -> None:
    with (site / STORY).open("a", encoding="utf-8") as handle:
        handle.write("\nA paragraph added by the edit.\n")


def _clean(site: Path, out: Path) -> Path:
    """The site built from nothing (no cache, no spare), in a folder of its own."""
    ref = out.parent.parent / "clean" / "out"
    shutil.rmtree(ref.parent, ignore_errors=True)
    _build(site, ref, cache=False, clean=True)
    return ref


def _add(site: Path) -> None:
    text = article("An added story", category="World", author="ada-lane")
    (site / ADDED).write_text(text, encoding="utf-8")


def _forget(site: Path, out: Path) -> None:
    """The output and the cache deleted, the spare left: the next build recycles it as its
    stage and retires no output."""
    shutil.rmtree(out)
    shutil.rmtree(site / ".sitegen-cache")


def _count_links(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files the stage links from now on (write._link: never called for a file the spare
    already holds)."""
    linked: list[Path] = []
    real = write._link

    def counting(target: Path, source: Path) -> None:
        linked.append(source)
        real(target, source)

    monkeypatch.setattr(write, "_link", counting)
    return linked


class _Recording(FileWriter):
    """The helper, its batches counted (to show a test really started it)."""

    batches = 0

    def send(self, ops: Sequence[Op]) -> int:
        type(self).batches += 1
        return super().send(ops)


@pytest.mark.usefixtures("low_threshold")
def test_a_first_build_leaves_its_output_in_hard_links_as_the_spare(site: Path, out: Path) -> None:
    _build(site, out)
    spare = out.parent / ".out.spare"
    assert _beside(out) == [".out.spare"]
    assert tree(spare) == tree(out)
    for path in out.rglob("*"):
        if path.is_file():
            rel = path.relative_to(out)
            assert os.path.samefile(path, spare / rel), rel


@pytest.mark.parametrize("after", [1, 10**9], ids=["spare made", "no spare"])
def test_the_edit_after_a_first_build_links_only_what_the_spare_lacks(
    site: Path, out: Path, monkeypatch: pytest.MonkeyPatch, after: int
) -> None:
    monkeypatch.setattr(next_spare, "NEXT_SPARE_AFTER", after)
    _build(site, out)
    _edit(site)
    linked = _count_links(monkeypatch)
    result = _build(site, out)
    assert result.unchanged > 0, "the edit carried the pages it did not change"
    if after == 1:
        assert linked == [], "every unchanged file was in the spare already"
    else:  # what the spare saves: the edit links every unchanged file into an empty stage
        assert len(linked) >= result.unchanged


@pytest.mark.usefixtures("low_threshold")
def test_a_first_build_that_fails_leaves_nothing_behind(
    site: Path, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 404 page is rendered after most others: the helper has linked files by then."""
    monkeypatch.setattr(next_spare, "FileWriter", _Recording)
    monkeypatch.setattr(_Recording, "batches", 0)
    (site / "templates").mkdir()
    (site / "templates/404.html").write_text("{{ no_such_thing.at_all }}\n", encoding="utf-8")
    with pytest.raises(BuildError, match="no_such_thing"):
        _build(site, out)
    assert _Recording.batches > 1, "the helper was linking files when the build failed"
    assert not out.exists()
    assert _beside(out) == []


@pytest.mark.usefixtures("low_threshold")
def test_a_failed_build_keeps_the_previous_output_and_its_spare(site: Path, out: Path) -> None:
    _build(site, out)
    before = tree(out)
    (site / "templates").mkdir()
    (site / "templates/404.html").write_text("{{ no_such_thing.at_all }}\n", encoding="utf-8")
    with pytest.raises(BuildError, match="no_such_thing"):
        _build(site, out)
    assert tree(out) == before
    assert _beside(out) == [".out.spare"], "no new folder beside the output"
    (site / "templates/404.html").unlink()
    _edit(site)
    _build(site, out)
    assert tree(out) == tree(_clean(site, out))


class _Unstartable(FileWriter):
    def _start(self) -> None:
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")  # fork() failed


class _Killed(FileWriter):
    """A helper killed half way: once it has made the folder and linked a few files in it."""

    def send(self, ops: Sequence[Op]) -> int:
        batch = super().send(ops)
        if batch == 2:
            self.wait(batch)
            assert self._process is not None
            self._process.kill()
        return batch


@pytest.mark.usefixtures("low_threshold")
@pytest.mark.parametrize("helper", [_Unstartable, _Killed], ids=["cannot start", "killed"])
def test_a_helper_in_trouble_costs_the_spare_not_the_build(
    site: Path, out: Path, monkeypatch: pytest.MonkeyPatch, helper: type[FileWriter]
) -> None:
    monkeypatch.setattr(next_spare, "FileWriter", helper)
    _build(site, out)
    assert tree(out) == tree(_clean(site, out))
    assert _beside(out) == []
    monkeypatch.setattr(next_spare, "FileWriter", FileWriter)
    _edit(site)
    _build(site, out)
    assert tree(out) == tree(_clean(site, out))


@pytest.mark.usefixtures("low_threshold")
def test_builds_from_a_made_spare_match_clean_builds(site: Path, out: Path) -> None:
    """Byte for byte, through edits, an added and a deleted story, and an output lost between
    builds (the build after that makes a spare again, from a recycled stage)."""
    steps = [
        lambda: None,
        lambda: _edit(site),
        lambda: _add(site),
        lambda: _forget(site, out),
        lambda: _edit(site),
        lambda: (site / ADDED).unlink(),
    ]
    for step, change in enumerate(steps):
        change()
        _build(site, out)
        assert tree(out) == tree(_clean(site, out)), f"step {step}"
        assert _beside(out) == [".out.spare"], f"step {step}"


def test_below_the_threshold_a_first_build_leaves_nothing_beside_its_output(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(next_spare, "NEXT_SPARE_AFTER", 3)
    with Stage(out) as stage:
        stage.write("a.html", b"a")
        stage.write("b/index.html", b"b")
        stage.commit()
    assert tree(out) == {"a.html": b"a", "b/index.html": b"b"}
    assert _beside(out) == []


@pytest.mark.usefixtures("low_threshold")
def test_an_output_that_appeared_meanwhile_is_retired_as_the_spare(out: Path) -> None:
    """Then the stage retired an output after all: that is the spare, as after any build."""
    with Stage(out) as stage:
        stage.write("index.html", b"ours")
        stage.write("news/index.html", b"news")
        out.mkdir(parents=True)
        (out / "index.html").write_bytes(b"made by someone else")
        stage.commit()
    assert tree(out) == {"index.html": b"ours", "news/index.html": b"news"}
    assert _beside(out) == [".out.spare"]
    assert tree(out.parent / ".out.spare") == {"index.html": b"made by someone else"}
