"""A build cache that is damaged or cannot be written costs time, never a wrong page, a
traceback or a broken build: the database is deleted and rebuilt (state.py, cache_db.py) with a
warning, a blob that does not match its digest is a cache miss, and `--clean` does not read it.
And an input edited without changing its size or time is built as it is now (stamps.py)."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sitegen.incremental.mirror import MANIFEST
from tests.conftest import ROOT
from tests.robust_site import NOTE, STORY, age_files, cli, make_site, reference, tree

DB = ".sitegen-cache/state.sqlite"
THEME = ROOT / "sitegen/themes/default"
UNREADABLE = f"{DB}: warning: the build cache could not be read ("
DAMAGED = f"{DB}: warning: the build cache held a damaged entry ("


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = make_site(tmp_path / "site")
    code, _, err = cli(site, "-q")
    assert code == 0 and err == ""
    return site


@pytest.fixture
def expected(site: Path, tmp_path: Path) -> dict[str, bytes]:
    return reference(site, tmp_path / "ref")


def _assert_healed(site: Path, expected: dict[str, bytes]) -> None:
    """The site is as a clean build makes it, and the cache works again: a build after
    losing the output renders everything from it without a word."""
    assert tree(site / "output") == expected
    shutil.rmtree(site / "output")
    shutil.rmtree(site / ".output.spare", ignore_errors=True)
    code, _, err = cli(site, "-q")
    assert code == 0 and err == ""
    assert tree(site / "output") == expected


def _garble(path: Path) -> None:
    path.write_bytes(random.Random(7).randbytes(path.stat().st_size))


def _truncate(path: Path) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 2)


@pytest.mark.parametrize("damage", [_garble, _truncate], ids=["garbled", "truncated"])
def test_a_database_that_cannot_be_read_is_rebuilt_with_a_warning(
    site: Path, expected: dict[str, bytes], damage: Callable[[Path], None]
) -> None:
    damage(site / DB)
    code, _, err = cli(site, "-q")
    assert code == 0, err
    assert UNREADABLE in err and "it was deleted" in err
    _assert_healed(site, expected)


def test_clean_does_not_read_a_damaged_cache(site: Path, expected: dict[str, bytes]) -> None:
    _garble(site / DB)
    code, _, err = cli(site, "-q", "--clean")
    assert code == 0 and err == ""
    _assert_healed(site, expected)


def _html(db: sqlite3.Connection) -> None:
    """Same-size text in one story's HTML: valid, and wrong."""
    rel, html = db.execute("SELECT rel, html FROM html WHERE rel LIKE '%story-1.md'").fetchone()
    db.execute("UPDATE html SET html = ? WHERE rel = ?", (html.replace("harbour", "HARBOUR"), rel))


def _sources(db: sqlite3.Connection) -> None:
    """Same-size text in a pickled bucket: it unpickles, with another title."""
    for bucket, data in db.execute("SELECT bucket, data FROM sources").fetchall():
        if b"Story 2" in data:
            changed = data.replace(b"Story 2", b"Stxry 2")
            db.execute("UPDATE sources SET data = ? WHERE bucket = ?", (changed, bucket))


def _template(db: sqlite3.Connection) -> None:
    """Same-size text in compiled template code: it loads, and prints the wrong words."""
    for key, data in db.execute("SELECT key, data FROM templates").fetchall():
        if b"Related" in data:
            changed = data.replace(b"Related", b"Relaxed")
            db.execute("UPDATE templates SET data = ? WHERE key = ?", (changed, key))


def _related(db: sqlite3.Connection) -> None:
    """A pickle cut short: unpickling it fails."""
    (data,) = db.execute("SELECT data FROM related").fetchone()
    db.execute("UPDATE related SET data = ?", (data[: len(data) // 2],))


@pytest.mark.parametrize("damage", [_html, _sources, _template, _related])
def test_a_damaged_row_is_a_cache_miss_with_a_warning(
    site: Path, expected: dict[str, bytes], damage: Callable[[sqlite3.Connection], None]
) -> None:
    with sqlite3.connect(site / DB) as db:
        damage(db)
    # Without the output, nor the cache's copy of it (incremental/mirror.py), the build renders
    # every page: it reads every kind of row.
    shutil.rmtree(site / "output")
    (site / ".sitegen-cache" / MANIFEST).unlink(missing_ok=True)  # kept where CI is set
    code, _, err = cli(site, "-q")
    assert code == 0, err
    assert tree(site / "output") == expected, "the damaged row was used"
    assert DAMAGED in err
    _assert_healed(site, expected)


def _lock_file(path: Path, locked: bool) -> None:
    """Make a file unwritable, or writable again: by mode for most users; root writes
    whatever the mode says, so for root by the immutable attribute (chattr)."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i" if locked else "-i", str(path)], check=True)
    else:
        path.chmod(0o444 if locked else 0o644)


def test_an_unwritable_journal_is_a_warning_and_heals_once_writable(
    site: Path, expected: dict[str, bytes]
) -> None:
    journal = [site / f"{DB}-shm", site / f"{DB}-wal"]
    for path in journal:
        path.touch()
        _lock_file(path, True)
    try:
        with pytest.raises(OSError):
            journal[0].write_bytes(b"x")  # it is unwritable for this process
        (site / STORY).write_text((site / STORY).read_text().replace("Story 1", "Story one"))
        code, _, err = cli(site, "-q")
        assert code == 0, err
        assert f"{DB}: warning: the build cache could not be saved (" in err
        assert b"Story one" in (site / "output/index.html").read_bytes()
    finally:
        for path in journal:
            if path.exists():
                _lock_file(path, False)
    (site / STORY).write_text((site / STORY).read_text().replace("Story one", "Story 1"))
    code, _, err = cli(site, "-q")
    assert code == 0 and err == ""
    _assert_healed(site, expected)


def _same_size_edit(path: Path, old: str, new: str) -> None:
    """Replace `old` by `new` (as long) and set the file's times back as they were."""
    assert len(old) == len(new)
    before = path.stat()
    time.sleep(0.05)  # a later change time, even on a coarse clock
    path.write_text(path.read_text().replace(old, new))
    assert path.stat().st_size == before.st_size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.mark.parametrize(
    ("rel", "old", "new"),
    [
        (STORY, "number 1 about", "numbex 1 about"),
        (NOTE, "static note", "static memo"),
        ("sitegen.toml", "news.example.org", "news.example.net"),
        ("templates/base.html", 'class="copyright"', 'class="copyr1ght"'),
    ],
    ids=["story", "static", "settings", "template"],
)
def test_a_same_size_edit_with_its_time_restored_is_built(
    site: Path, rel: str, old: str, new: str
) -> None:
    if rel.startswith("templates/"):  # the site's own copy of the theme's template
        (site / "templates").mkdir()
        shutil.copy(THEME / rel, site / rel)
        age_files(site)
    assert cli(site, "-q")[0] == 0  # the build that would find nothing changed
    _same_size_edit(site / rel, old, new)
    assert cli(site, "-q")[0] == 0
    output = tree(site / "output").values()
    assert any(new.encode() in data for data in output)
    assert not any(old.encode() in data for data in output)


def test_a_static_files_mark_changes_with_a_same_size_edit(tmp_path: Path) -> None:
    from sitegen.incremental.stamps import copy_mark

    path = tmp_path / "photo.svg"
    path.write_text("<svg>one</svg>")
    past = time.time() - 3600
    os.utime(path, (past, past))
    now = time.time_ns() + 10**10
    before = copy_mark(str(path), now)
    _same_size_edit(path, "one", "two")
    after = copy_mark(str(path), now)
    assert before is not None and after is not None and before != after
