"""The digests of the files a build reads are kept in the build cache by each file's stat key,
and a file is hashed again only when its key changed (stamps.py): never at the cost of a stale
page. A rewrite with the same bytes is no edit; an edit in the timestamp tick the cache saw is
seen; a damaged row of the table is a cache miss."""

from __future__ import annotations

import os
import pickle
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime
from pathlib import Path

import pytest

from sitegen.build import BuildRequest, BuildResult, build
from sitegen.errors import Reporter
from sitegen.incremental import stamps
from sitegen.incremental.cache_rows import StatKey, bucket_of, read_known_files, write_known_files
from sitegen.incremental.stamps import KnownFiles, file_digest, stat_key
from sitegen.incremental.state import SCHEMA
from sitegen.model.site import BuildOptions
from tests.conftest import FIXED_NOW, ROOT
from tests.robust_site import STORY, cli, make_site, reference, tree

DB = ".sitegen-cache/state.sqlite"
THEME = ROOT / "sitegen/themes/default"
TICK_NS = 2_000_000_000
"""The timestamp tick of the coarse file system some tests pretend to build on (FAT's)."""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site")


@pytest.fixture
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust a file's stat key as soon as it is older than the build (a file system with fine
    timestamps), so that the first build of a fresh site already keeps every digest."""
    monkeypatch.setattr(stamps, "RACY_NS", 0)


def _build(site: Path) -> BuildResult:
    request = BuildRequest(
        site,
        site / "output",
        options=BuildOptions(now=datetime.fromisoformat(FIXED_NOW)),
        jobs=1,
        cache_dir=site / ".sitegen-cache",
    )
    return build(request, Reporter())


def _kept(site: Path) -> dict[str, tuple[StatKey, str]]:
    """The file digests the site's cache holds, by path."""
    buckets = read_known_files(site / DB, SCHEMA)
    return {path: known for bucket in buckets.values() for path, known in bucket.items()}


def _story_path(site: Path) -> str:
    (path,) = [p for p in _kept(site) if p.endswith(STORY)]
    return path


@pytest.mark.usefixtures("settled_at_once")
@pytest.mark.parametrize(
    ("rel", "old", "new"),
    [
        (STORY, "number 1 about", "numbex 1 about"),
        ("sitegen.toml", "news.example.org", "news.example.net"),
        ("templates/base.html", 'class="copyright"', 'class="copyr1ght"'),
    ],
    ids=["story", "settings", "template"],
)
def test_a_same_size_edit_with_its_time_restored_is_built(
    site: Path, rel: str, old: str, new: str
) -> None:
    """The digest kept by the build before is not trusted: the edit changed the change time."""
    if rel.startswith("templates/"):  # the site's own copy of the theme's template
        (site / "templates").mkdir()
        shutil.copy(THEME / rel, site / rel)
    assert cli(site, "-q")[0] == 0
    path = site / rel
    assert str(path) in _kept(site)
    before = path.stat()
    time.sleep(0.05)  # a later change time, even on a coarse clock
    path.write_text(path.read_text().replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert cli(site, "-q")[0] == 0
    output = tree(site / "output").values()
    assert any(new.encode() in data for data in output)
    assert not any(old.encode() in data for data in output)


@pytest.mark.usefixtures("settled_at_once")
def test_an_edit_hashes_the_edited_file_alone(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither the stamp nor the reading of the sources (reuse.read_sources, which takes the
    stamp's digests) hashes a file whose key held."""
    _build(site)
    story = site / STORY
    story.write_text(story.read_text().replace("number 1", "number one"))
    hashed: list[str] = []

    def counted(path: str) -> str | None:
        hashed.append(path)
        return file_digest(path)

    monkeypatch.setattr(stamps, "file_digest", counted)
    result = _build(site)
    assert "render" in dict(result.timings)
    assert hashed == [str(story)]


@pytest.mark.usefixtures("settled_at_once")
def test_a_rewrite_with_the_same_bytes_is_no_edit(site: Path) -> None:
    _build(site)
    story = site / STORY
    before = stat_key(str(story))
    time.sleep(0.05)  # later times, even on a coarse clock
    story.write_bytes(story.read_bytes())
    assert stat_key(str(story)) != before
    result = _build(site)
    assert [stage for stage, _ in result.timings] == ["scan"], "nothing to do: no edit"
    assert _kept(site)[_story_path(site)][0] == stat_key(str(story)), "kept under its new key"


@pytest.mark.parametrize("copied", [False, True], ids=["written", "copied keeping its time"])
def test_an_edit_in_the_tick_the_build_saw_is_built(
    site: Path, monkeypatch: pytest.MonkeyPatch, copied: bool
) -> None:
    """Git's racy case. Real file systems count time in ticks (a jiffy, a second, FAT's two
    seconds): a file written, built and edited again within one tick, its modification time
    set back, shows the same stat key before and after the edit. Pretend to build on FAT.
    (A file copied with its modification time, as `cp -p` does, has only its change time in
    that tick.)"""

    def coarse(path: str) -> StatKey | None:
        key = stat_key(path)
        if key is None:
            return None
        size, mtime, ctime, ino, dev = key
        return size, mtime - mtime % TICK_NS, ctime - ctime % TICK_NS, ino, dev

    monkeypatch.setattr(stamps, "stat_key", coarse)
    story = site / STORY
    original = story.read_text()
    for attempt in range(5):  # each within one tick, or it proves nothing: try again
        time.sleep((TICK_NS - time.time_ns() % TICK_NS) / 1e9 + 0.02)
        story.write_text(original.replace("number 1", f"numbe{attempt} 1"))
        if copied:
            os.utime(story, (time.time() - 3600,) * 2)
        seen = coarse(str(story))
        assert cli(site, "-q")[0] == 0
        before = story.stat()
        story.write_text(story.read_text().replace(f"numbe{attempt} 1", f"numbe{attempt} X"))
        os.utime(story, ns=(before.st_atime_ns, before.st_mtime_ns))
        if coarse(str(story)) == seen:
            break
    else:
        pytest.fail("the builds took longer than a tick")
    assert cli(site, "-q")[0] == 0
    output = tree(site / "output").values()
    assert any(f"numbe{attempt} X".encode() in data for data in output)
    assert not any(f"numbe{attempt} 1".encode() in data for data in output)


@pytest.mark.usefixtures("settled_at_once")
@pytest.mark.parametrize("damage", ["stale digest", "garbled"])
def test_a_damaged_row_is_hashed_afresh(site: Path, tmp_path: Path, damage: str) -> None:
    assert cli(site, "-q")[0] == 0
    path = _story_path(site)
    old_digest = _kept(site)[path][1]
    story = site / STORY
    story.write_text(story.read_text().replace("number 1", "numbxr 1"))
    expected = reference(site, tmp_path / "ref")
    with closing(sqlite3.connect(site / DB)) as db, db:
        (data,) = db.execute(
            "SELECT data FROM file_digests WHERE bucket = ?", (bucket_of(path),)
        ).fetchone()
        if damage == "garbled":
            data = bytes(b ^ 0x5A for b in data)
        else:  # the digest of the bytes before the edit, under the key after it
            bucket = pickle.loads(data)
            bucket[path] = (stat_key(str(story)), old_digest)
            data = pickle.dumps(bucket)
        db.execute(
            "UPDATE file_digests SET data = ? WHERE bucket = ?", (data, bucket_of(path))
        )  # the checksum left as it was
    code, _, err = cli(site, "-q")
    assert (code, err) == (0, "")
    assert tree(site / "output") == expected
    assert _kept(site)[path] == (stat_key(str(story)), file_digest(str(story))), "rewritten"


def test_a_kept_digest_stands_for_the_bytes_while_the_key_holds(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_text("one")
    key = stat_key(str(path))
    assert key is not None
    stored = {bucket_of(str(path)): {str(path): (key, "kept")}}
    assert KnownFiles(None, stored, time.time_ns()).digest(str(path)) == "kept"
    time.sleep(0.05)
    path.write_text("two")
    assert KnownFiles(None, stored, time.time_ns()).digest(str(path)) == file_digest(str(path))


@pytest.mark.parametrize(("since_s", "kept"), [(0, False), (1, False), (3, True)])
def test_only_a_key_older_than_a_tick_is_kept(tmp_path: Path, since_s: int, kept: bool) -> None:
    """A digest is kept only for a file whose times are RACY_NS older than the build."""
    path = tmp_path / "story.md"
    path.write_text("fresh")
    database = tmp_path / "cache" / "state.sqlite"
    known = KnownFiles(database, {}, time.time_ns() + since_s * 1_000_000_000)
    assert known.digest(str(path)) == file_digest(str(path))
    known.save()
    assert (str(path) in _paths(database)) == kept


def test_a_table_of_files_that_went_away_is_emptied(tmp_path: Path) -> None:
    database = tmp_path / "state.sqlite"
    key: StatKey = (1, 2, 3, 4, 5)
    write_known_files(database, SCHEMA, {}, {"a": (key, "x"), "b": (key, "y")})
    assert _paths(database) == {"a", "b"}
    write_known_files(database, SCHEMA, read_known_files(database, SCHEMA), {"a": (key, "x")})
    assert _paths(database) == {"a"}


def _paths(database: Path) -> set[str]:
    return set(_flat(read_known_files(database, SCHEMA)))


def _flat(buckets: dict[int, dict[str, tuple[StatKey, str]]]) -> Iterator[str]:
    for bucket in buckets.values():
        yield from bucket
