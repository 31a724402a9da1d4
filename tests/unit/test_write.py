"""sitegen.output.write.Stage: the retired output is recycled as the next stage (the spare), and
nothing the spare holds reaches the output unless the build staged it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sitegen.output import write
from sitegen.output.write import Stage

Files = dict[str, bytes]

A: Files = {
    "index.html": b"home A",
    "news/one/index.html": b"one",
    "news/two/index.html": b"two",
    "feed.xml": b"feed A",
}
B: Files = {
    "index.html": b"home B",
    "news/one/index.html": b"one",
    "news/three/index.html": b"three",
    "feed.xml": b"feed A",
}
C: Files = {
    "index.html": b"home C",
    "news/one/index.html": b"one",
    "news/three/index.html": b"three",
    "feed.xml": b"feed C",
}


def publish(output: Path, files: Files, *, reuse: bool = True) -> None:
    """What build() does: unchanged files carried over from the output, the rest written."""
    with Stage(output, reuse_spare=reuse) as stage:
        carried = []
        for rel, data in files.items():
            old = output / rel
            if old.is_file() and old.read_bytes() == data:
                carried.append(rel)
            else:
                stage.write_unless_same(rel, data, old)
        stage.carry(carried)
        stage.commit()


def tree(folder: Path) -> Files:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() or p.is_symlink()
    }


def folders(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_dir()}


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*")}


def beside(output: Path) -> list[str]:
    return sorted(p.name for p in output.parent.iterdir() if p != output)


@pytest.fixture
def output(tmp_path: Path) -> Path:
    return tmp_path / "site" / "output"


def test_the_retired_output_becomes_the_spare_and_is_patched_next_time(output: Path) -> None:
    publish(output, A)
    assert beside(output) == [], "a first build retires nothing"
    publish(output, B)
    spare = output.parent / ".output.spare"
    assert tree(spare) == A and beside(output) == [".output.spare"]
    before = inodes(output)
    publish(output, C)  # stages in the spare (site A): two builds' changes to patch
    assert tree(output) == C
    assert folders(output) == {"news", "news/one", "news/three"}, "news/two/ went with its page"
    after = inodes(output)
    unchanged = {"news/one/index.html", "news/three/index.html"}
    assert {p for p in C if after[p] == before[p]} == unchanged, "only changed files are new"
    assert tree(spare) == B and beside(output) == [".output.spare"]


def test_nothing_left_in_the_spare_reaches_the_output(output: Path, tmp_path: Path) -> None:
    publish(output, A)
    publish(output, B)
    spare = output.parent / ".output.spare"
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "file").write_bytes(b"not ours")
    (spare / "stray.html").write_bytes(b"dropped by hand")
    (spare / "junk/deep").mkdir(parents=True)
    (spare / "junk/deep/x.html").write_bytes(b"junk")
    (spare / "empty").mkdir()
    # Same bytes as the output's file but another inode: replaced by the output's file.
    (spare / "news/one/index.html").unlink()
    (spare / "news/one/index.html").write_bytes(b"one")
    # Symlinks where the build needs a folder and a file: never followed.
    (spare / "news/three").symlink_to(outside / "dir")
    (spare / "feed.xml").unlink()
    (spare / "feed.xml").symlink_to(outside / "file")
    publish(output, C)
    assert tree(output) == C
    assert folders(output) == {"news", "news/one", "news/three"}
    assert not any(p.is_symlink() for p in output.rglob("*"))
    kept = output / "news/one/index.html"
    assert kept.samefile(spare / "news/one/index.html"), "the previous output's, not the copy"
    assert list((outside / "dir").iterdir()) == []
    assert (outside / "file").read_bytes() == b"not ours"


def test_a_file_dropped_into_the_output_does_not_come_back_through_the_spare(
    output: Path,
) -> None:
    publish(output, A)
    publish(output, B)
    (output / "CNAME").write_bytes(b"example.org")
    publish(output, C)  # B's tree, CNAME included, is the spare now
    publish(output, B)
    assert tree(output) == B


def test_a_recycled_stage_never_writes_through_to_the_output(output: Path) -> None:
    publish(output, A)
    publish(output, B)
    publish(output, A)  # output and spare now share news/one and feed.xml
    before, before_inodes = tree(output), inodes(output)
    with pytest.raises(RuntimeError), Stage(output) as stage:
        stage.write("feed.xml", b"new feed")  # shared with the output: must not be truncated
        stage.copy("news/one/index.html", output / "index.html")
        stage.target("index.html").write_bytes(b"written by a tool")
        assert tree(output) == before
        raise RuntimeError("the build fails")
    assert tree(output) == before and inodes(output) == before_inodes
    assert beside(output) == [".output.spare"], "the half-patched spare is kept as the spare"
    publish(output, C)
    assert tree(output) == C


def test_files_and_folders_trade_places(output: Path) -> None:
    first = {"x": b"a file", "y/index.html": b"a page", "z/deep/er.html": b"deep"}
    second = {"x/index.html": b"a page", "y": b"a file", "z": b"flat"}
    for files in (first, second, first, second, first):
        publish(output, files)
        assert tree(output) == files
    assert folders(output) == {"y", "z", "z/deep"}


def test_clean_builds_discard_the_spare(output: Path) -> None:
    publish(output, A)
    publish(output, B)
    spare = output.parent / ".output.spare"
    (spare / "stray.html").write_bytes(b"dropped by hand")
    publish(output, C, reuse=False)
    assert tree(output) == C
    assert tree(spare) == B, "the spare is the output just retired, not the old one"


def test_tools_write_into_a_settled_stage(output: Path) -> None:
    """`path` hands the stage to a tool (the search indexer): it holds exactly what the build
    staged, so the tool neither sees a page nor overwrites a file of an older build."""
    bundles = [{"a.pf": b"1", "b.pf": b"2"}, {"a.pf": b"1", "c.pf": b"3"}, {"a.pf": b"1"}]
    for step, bundle in enumerate(bundles * 2):
        pages = B if step % 2 else A
        with Stage(output) as stage:
            for rel, data in pages.items():
                stage.write_unless_same(rel, data, output / rel)
            folder = stage.path / "pagefind"
            assert tree(stage.path) == pages, "nothing left over from the spare"
            folder.mkdir()
            for name, data in bundle.items():
                (folder / name).write_bytes(data)
            stage.commit()
        assert tree(output) == {**pages, **{f"pagefind/{n}": d for n, d in bundle.items()}}


def test_a_failed_build_leaves_no_new_folder_and_keeps_the_spare(output: Path) -> None:
    """build() enters the stage before planning (the spare is listed meanwhile): a content
    error then leaves the spare as it was; a failed build without a spare leaves nothing."""
    with pytest.raises(RuntimeError), Stage(output):
        raise RuntimeError("the build fails before staging anything")
    assert beside(output) == []
    publish(output, A)
    with pytest.raises(RuntimeError), Stage(output) as stage:
        stage.write("index.html", b"half a site")
        raise RuntimeError("the build fails half way")
    assert beside(output) == []
    publish(output, A)
    publish(output, B)
    with pytest.raises(RuntimeError), Stage(output):
        raise RuntimeError("the build fails before staging anything")
    assert beside(output) == [".output.spare"]
    assert tree(output.parent / ".output.spare") == A and tree(output) == B


def test_link_or_copy_reuses_the_spare_only_for_the_very_same_file(output: Path) -> None:
    publish(output, A)
    publish(output, B)
    other = output.parent / "other.html"
    other.write_bytes(b"one")
    with Stage(output) as stage:
        stage.link_or_copy("news/one/index.html", other)  # same bytes, another file
        stage.link_or_copy("feed.xml", output / "feed.xml")
        stage.commit()
    assert tree(output) == {"news/one/index.html": b"one", "feed.xml": b"feed A"}
    assert (output / "news/one/index.html").stat().st_ino == other.stat().st_ino
    assert os.path.samefile(output / "feed.xml", output.parent / ".output.spare/feed.xml")


def test_the_stage_of_a_killed_build_is_recycled_and_checked_like_a_spare(
    output: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed: list[Path] = []

    class Listing(write._Listing):
        def __init__(self, spare: Path | None, live: Path | None) -> None:
            if spare is not None:
                listed.append(spare)
            super().__init__(spare, live)

    monkeypatch.setattr(write, "_Listing", Listing)
    publish(output, A)
    publish(output, B)
    # A build killed after its swap leaves the output it retired in its staging folder, and
    # one killed while patching leaves half-written files there.
    killed = output.parent / ".output.staging-4242"
    (output.parent / ".output.spare").rename(killed)
    (killed / "feed.xml").unlink()
    (killed / "feed.xml").write_bytes(b"fe")
    (killed / "half.html").write_bytes(b"<html")
    listed.clear()
    publish(output, C)
    assert listed, "the killed build's stage was recycled, not deleted"
    assert tree(output) == C
    assert beside(output) == [".output.spare"]
    assert tree(output.parent / ".output.spare") == B


@pytest.mark.parametrize("listed", [True, False], ids=["listed", "stat per file"])
def test_the_live_output_as_the_build_sees_it(
    output: Path, monkeypatch: pytest.MonkeyPatch, listed: bool
) -> None:
    """What the build asks of the live output comes from the listing made while it planned,
    or from the disk when no child process could list it: the answers are the same."""
    if not listed:

        def unavailable(*args: object) -> None:
            raise OSError("no child process")

        monkeypatch.setattr(write, "_Listing", unavailable)
    publish(output, A)
    publish(output, B)
    (output / "news/link.html").symlink_to(output / "index.html")
    with Stage(output) as stage:
        assert stage.previous_has("news/one/index.html")
        assert not stage.previous_has("news/two/index.html"), "only in the spare"
        assert not stage.previous_has("news"), "a folder"
        assert not stage.previous_has("news/link.html"), "a symlink: never carried"
        assert stage.previous_files("news") == ["news/one/index.html", "news/three/index.html"]
        stage.carry(["news/one/index.html", "feed.xml"])
        stage.commit()
    assert tree(output) == {"news/one/index.html": b"one", "feed.xml": b"feed A"}
    spare = output.parent / ".output.spare"
    assert os.path.samefile(output / "feed.xml", spare / "feed.xml"), "the very same file"


def test_the_mirror_makes_the_spare_the_live_output_in_hard_links(output: Path) -> None:
    publish(output, A)
    publish(output, B)
    spare = output.parent / ".output.spare"
    (spare / "feed.xml").unlink()
    (spare / "feed.xml").mkdir()  # a folder where the output has a file
    (spare / "news/three").write_bytes(b"a file where the output has a folder")
    (spare / "junk/deep").mkdir(parents=True)
    (spare / "junk/deep/x.html").write_bytes(b"junk")
    mirror = write.SpareMirror(output)
    mirror.wait()
    assert tree(spare) == B and folders(spare) == folders(output)
    for rel in B:
        assert os.path.samefile(output / rel, spare / rel), rel
    publish(output, C)
    assert tree(output) == C and tree(spare) == B


def test_a_mirror_stopped_half_way_leaves_a_spare_the_build_can_use(output: Path) -> None:
    publish(output, A)
    publish(output, {f"page{n}/index.html": b"page %d" % n for n in range(300)})
    mirror = write.SpareMirror(output)
    mirror.stop()
    mirror.stop()  # twice is harmless
    publish(output, C)
    assert tree(output) == C
