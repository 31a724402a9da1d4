"""The search records kept between builds (sitegen/search/records.py): a shard's next build
writes only the records whose digest changed; whatever the cache holds, the folder Pagefind
reads is exactly the shard's records; a failed build leaves the cache as it found it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from sitegen.output.file_writer import FileWriter
from sitegen.search.records import MANIFEST, RecordFolders
from sitegen.search.shards import Shard


class Records:
    """Record bytes made from the digest, counting the records asked for."""

    def __init__(self, digests: dict[str, str]) -> None:
        self.digests = digests
        self.asked: list[str] = []

    def __call__(self, page: str) -> bytes:
        self.asked.append(page)
        return f"<p>{page} {self.digests[page]}</p>".encode()


def _shard(*pages: str) -> Shard:
    return Shard("2026-01-01-abc", "2026-01-01", tuple(sorted(pages)))


def _files(folder: Path, pattern: str = "*.html") -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob(pattern)
        if p.is_file()
    }


def _tree(folder: Path) -> dict[str, str]:
    """Every file (its content's digest) and folder under `folder`."""
    return {
        p.relative_to(folder).as_posix(): (
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
        )
        for p in folder.rglob("*")
    }


def _build(
    tmp_path: Path,
    home: Path | None,
    shard: Shard,
    digests: dict[str, str],
    *,
    salt: str = "s",
    reuse: bool = True,
    succeed: bool = True,
    writer: FileWriter | None = None,
) -> tuple[dict[str, bytes], Records]:
    """One build's turn: fill the shard's folder, read it as Pagefind would, then keep it (or
    give it back, as a failed build does). Returns the records read and who was asked for one."""
    work = tmp_path / f"work{len(list(tmp_path.glob('work*')))}"
    folders = RecordFolders(home, work, salt, reuse=reuse, writer=writer)
    records = Records(digests)
    folders.fill(shard, digests, records)
    folders.ready(shard)
    held = _files(folders.folder(shard))
    if succeed:
        folders.keep([shard])
    else:
        folders.give_back()
    return held, records


def _expected(shard: Shard, digests: dict[str, str]) -> dict[str, bytes]:
    return {page: Records(digests)(page) for page in shard.pages}


A, B, C = "a/index.html", "b/x/index.html", "c/index.html"


def test_the_next_build_writes_only_the_records_that_changed(tmp_path: Path) -> None:
    home = tmp_path / "cache"
    shard = _shard(A, B, C)
    digests = {A: "1", B: "1", C: "1"}
    held, first = _build(tmp_path, home, shard, digests)
    assert sorted(first.asked) == list(shard.pages)
    assert held == _expected(shard, digests)
    assert (home / shard.period / MANIFEST).is_file()

    digests = {**digests, B: "2"}
    held, second = _build(tmp_path, home, shard, digests)
    assert second.asked == [B]
    assert held == _expected(shard, digests)
    assert _files(home / shard.period) == held


def test_a_story_that_left_the_shard_loses_its_record_and_a_new_one_gets_one(
    tmp_path: Path,
) -> None:
    home = tmp_path / "cache"
    digests = {A: "1", B: "1", C: "1"}
    _build(tmp_path, home, _shard(A, B), digests)
    shard = _shard(A, C)
    held, records = _build(tmp_path, home, shard, digests)
    assert records.asked == [C]
    assert held == _expected(shard, digests)


def test_another_salt_a_clean_build_or_a_damaged_manifest_writes_every_record(
    tmp_path: Path,
) -> None:
    home = tmp_path / "cache"
    shard = _shard(A, B)
    digests = {A: "1", B: "1"}
    _build(tmp_path, home, shard, digests, salt="old")
    for reuse, salt in ((True, "new"), (False, "new")):
        held, records = _build(tmp_path, home, shard, digests, salt=salt, reuse=reuse)
        assert sorted(records.asked) == list(shard.pages)
        assert held == _expected(shard, digests)
    (home / shard.period / MANIFEST).write_text("{not json")
    held, records = _build(tmp_path, home, shard, digests, salt="new")
    assert sorted(records.asked) == list(shard.pages)
    assert held == _expected(shard, digests)


def test_a_missing_or_cut_short_record_is_written_again(tmp_path: Path) -> None:
    home = tmp_path / "cache"
    shard = _shard(A, B, C)
    digests = {A: "1", B: "1", C: "1"}
    _build(tmp_path, home, shard, digests)
    (home / shard.period / A).unlink()
    (home / shard.period / B).write_bytes(b"<p>b/x/in")  # a write the power cut short
    held, records = _build(tmp_path, home, shard, digests)
    assert records.asked == [A, B]
    assert held == _expected(shard, digests)


def test_a_story_joining_lays_the_folder_out_afresh_linking_what_it_kept(
    tmp_path: Path,
) -> None:
    """Some file systems list entries in the order they were made, and Pagefind numbers pages
    in the order it finds them: a folder a story joins is made again in page order."""
    home = tmp_path / "cache"
    digests = {A: "1", B: "1", C: "1"}
    _build(tmp_path, home, _shard(B, C), digests)
    inode = (home / "2026-01-01" / C).stat().st_ino
    held, records = _build(tmp_path, home, _shard(A, B, C), {**digests, B: "2"})
    assert records.asked == [A, B]
    assert held == _expected(_shard(A, B, C), {**digests, B: "2"})
    assert (home / "2026-01-01" / C).stat().st_ino == inode


def test_a_record_that_fails_half_way_gives_the_cache_back(tmp_path: Path) -> None:
    home = tmp_path / "cache"
    shard = _shard(A, B, C)
    digests = {A: "1", B: "1", C: "1"}
    _build(tmp_path, home, shard, digests)
    before = _tree(home)

    def broken(page: str) -> bytes:
        if page == C:
            raise RuntimeError("a bug in the record")
        return Records(digests)(page)

    folders = RecordFolders(home, tmp_path / "failing", "s", reuse=True)
    try:
        folders.fill(shard, {A: "2", B: "2", C: "2"}, broken)
    except RuntimeError:
        folders.give_back()
    assert _tree(home) == before


def test_a_failed_build_gives_the_cache_back_as_it_found_it(tmp_path: Path) -> None:
    home = tmp_path / "cache"
    digests = {A: "1", B: "1", C: "1"}
    _build(tmp_path, home, _shard(A, B), digests)
    before = _tree(home)
    changed = {A: "1", B: "2", C: "1"}  # B edited, C arrives in a folder of its own
    held, _ = _build(tmp_path, home, _shard(A, B, C), changed, succeed=False)
    assert held == _expected(_shard(A, B, C), changed)
    assert _tree(home) == before
    _build(tmp_path, home, _shard(A, B), digests, salt="other", succeed=False)
    assert _tree(home) == before
    _build(tmp_path, home, _shard(A, B), digests, reuse=False, succeed=False)
    assert _tree(home) == before


def test_a_manifest_naming_paths_outside_its_folder_is_not_trusted(tmp_path: Path) -> None:
    home = tmp_path / "cache"
    victim = tmp_path / "victim.html"
    victim.write_text("keep me")
    shard = _shard(A)
    folder = home / shard.period
    for bad in ("../../../victim.html", str(victim), "", ".", "a/../../../victim.html"):
        pages = {bad: ["1", 7], A: ["1", 19]}
        folder.mkdir(parents=True, exist_ok=True)
        (folder / MANIFEST).write_text(json.dumps({"salt": "s", "pages": pages}))
        held, records = _build(tmp_path, home, shard, {A: "1"})
        assert victim.read_text() == "keep me"
        assert records.asked == [A] and held == _expected(shard, {A: "1"}), bad


def test_without_a_cache_nothing_is_kept_and_periods_gone_are_dropped(tmp_path: Path) -> None:
    shard = _shard(A)
    digests = {A: "1"}
    folders = RecordFolders(None, tmp_path / "work", "s", reuse=True)
    folders.fill(shard, digests, Records(digests))
    assert _files(folders.folder(shard)) == _expected(shard, digests)
    folders.read(shard)
    folders.keep([shard])
    assert not folders.folder(shard).exists()

    home = tmp_path / "cache"
    _build(tmp_path, home, shard, digests)
    other = Shard("2026-02-01-def", "2026-02-01", (A,))
    _build(tmp_path, home, other, digests)
    assert sorted(p.name for p in home.iterdir()) == ["2026-02-01"]


@pytest.mark.parametrize("joining", [False, True], ids=["fresh", "a story joining"])
def test_a_helper_process_lays_out_the_same_folders(tmp_path: Path, joining: bool) -> None:
    """Folders laid out afresh are written by a helper process during a build."""
    kept = []
    for way in ("in this process", "by the helper"):
        root = tmp_path / way
        root.mkdir()
        writer = FileWriter() if way == "by the helper" else None
        try:
            digests = {A: "1", B: "1", C: "1"}
            held, _ = _build(root, root / "cache", _shard(B, C), digests, writer=writer)
            assert held == _expected(_shard(B, C), digests)
            if joining:
                digests[B] = "2"
                held, _ = _build(root, root / "cache", _shard(A, B, C), digests, writer=writer)
                assert held == _expected(_shard(A, B, C), digests)
        finally:
            if writer is not None:
                writer.close()
        kept.append(_tree(root / "cache"))
    assert kept[0] == kept[1]
