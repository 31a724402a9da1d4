"""Faults a build must survive: another build of the same site at the same time, a process
that hangs (Pagefind, the helper that writes files), a disk that fills up mid-write, and a
site file where the search index goes. Each ends in a clear message or a correct site, never a
hang, a traceback or a later build that keeps failing."""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sitegen.errors import SitegenError
from sitegen.output import file_writer
from sitegen.output.file_writer import FileWriter
from sitegen.output.write import Stage
from sitegen.search import pagefind as search
from sitegen.search.pagefind import PagefindRun
from tests.conftest import ROOT
from tests.robust_site import STORY, cli, make_site, reference, run, start, tree

BUSY = "another build of this site is running"


def _leftovers(site: Path) -> list[str]:
    return sorted(p.name for p in site.iterdir() if ".staging-" in p.name or ".work-" in p.name)


def test_a_build_while_another_holds_the_lock_fails_at_once_and_touches_nothing(
    tmp_path: Path,
) -> None:
    """The lock is flock(2) on .output.lock beside the output folder, the holder's pid and
    start time in it: held here the way a running build holds it."""
    site = make_site(tmp_path / "site")
    assert run(site)[0] == 0
    before, cache = tree(site / "output"), tree(site / ".sitegen-cache")
    (site / STORY).write_text((site / STORY).read_text().replace("Story 1", "Story one"))
    lock = os.open(site / ".output.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        started = int(time.time()) - 90
        os.ftruncate(lock, 0)
        os.write(lock, f"{os.getpid()} {started}\n".encode())
        clock = time.strftime("%H:%M:%S", time.localtime(started))
        for flags in ([], ["--clean"], ["--no-cache"]):
            began = time.monotonic()
            code, err = run(site, *flags)
            assert code == 1, (flags, err)
            assert f"output: {BUSY} (pid {os.getpid()}, started {clock}); wait for it" in err
            assert "Traceback" not in err
            assert time.monotonic() - began < 60, "it fails at once, without waiting"
        assert tree(site / "output") == before
        assert tree(site / ".sitegen-cache") == cache
        assert _leftovers(site) == []
    finally:
        os.close(lock)
    assert run(site)[0] == 0, "released: the next build goes ahead"
    assert b"Story one" in (site / "output/index.html").read_bytes()


def test_builds_into_two_folders_share_no_cache_at_once(tmp_path: Path) -> None:
    """The cache is the site's: a build into another folder that uses it waits for no one but
    is refused while the cache is in use; one without the cache goes ahead."""
    from sitegen.output.build_lock import CACHE_LOCK, take

    site = make_site(tmp_path / "site")
    held = take(site / ".sitegen-cache" / CACHE_LOCK, ".sitegen-cache")
    assert held is not None
    try:
        code, err = run(site, "-o", str(tmp_path / "elsewhere"))
        assert code == 1 and f".sitegen-cache: {BUSY} (pid {os.getpid()}" in err
        assert not (tmp_path / "elsewhere").exists()
        code, err = run(site, "--no-cache", "-o", str(tmp_path / "elsewhere"))
        assert code == 0, err
    finally:
        os.close(held)


def test_a_lock_left_by_a_killed_build_blocks_nothing(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    holder = subprocess.Popen(
        [
            sys.executable, "-c",
            "import sys, time; from pathlib import Path; "
            "from sitegen.output.build_lock import output_lock, take; "
            "take(output_lock(Path(sys.argv[1])), 'output'); print('held', flush=True); "
            "time.sleep(120)",
            str(site / "output"),
        ],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        code, err = run(site)
        assert code == 1 and f"{BUSY} (pid {holder.pid}, started " in err
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.communicate(timeout=30)
    code, err = run(site)
    assert code == 0, err
    assert (site / "output/index.html").is_file()


def test_builds_started_together_never_fail_for_each_other(tmp_path: Path) -> None:
    """A plain, a --clean and a --no-cache build at once: each builds, or is told another
    build is running; none fails for anything else, and the site ends up whole."""
    site = make_site(tmp_path / "site")
    expected = reference(site, tmp_path / "ref")
    assert run(site)[0] == 0
    for round_ in range(3):
        processes = [start(site, *flags) for flags in ([], ["--clean"], ["--no-cache"])]
        for process in processes:
            _, err = process.communicate(timeout=120)
            if process.returncode != 0:
                assert BUSY in err and err.count("\n") == 2, f"round {round_}: {err}"
        assert tree(site / "output") == expected, f"round {round_}"
    assert _leftovers(site) == []


def test_a_hung_pagefind_is_stopped_with_a_message_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hung = (sys.executable, "-c", "import time; time.sleep(120)")
    monkeypatch.setattr(search, "_pagefind_command", lambda: hung)
    monkeypatch.setattr(search, "require_pagefind", lambda: None)
    monkeypatch.setattr(search, "TIMEOUT", 1)
    monkeypatch.setattr(search, "TIMEOUT_PER_RECORD", 0.5)
    (tmp_path / "records").mkdir()
    began = time.monotonic()
    run = PagefindRun(tmp_path / "records", tmp_path / "bundle", "en", threads=1, records=2)
    with pytest.raises(SitegenError) as failure, run:
        run.wait()
    assert time.monotonic() - began < 30
    assert f"Pagefind did not finish within 2 s (indexing {tmp_path / 'records'})" in str(
        failure.value
    )
    assert run._process is not None and run._process.poll() is not None, "it was stopped"


def test_a_hung_file_writing_helper_is_given_up_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A helper stuck on its disk (here: on a named pipe no one reads) does not hang the
    build: `wait` gives up on it with an OSError the command line reports."""
    monkeypatch.setattr(file_writer, "ANSWER_TIMEOUT", 1.0)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    writer = FileWriter()
    batch = writer.send([("file", str(pipe), b"record")])
    failures: list[OSError] = []

    def wait() -> None:
        try:
            writer.wait(batch)
        except OSError as exc:
            failures.append(exc)

    waiting = threading.Thread(target=wait, daemon=True)
    waiting.start()
    waiting.join(timeout=20)
    try:
        assert not waiting.is_alive(), "wait() still waits for the hung helper"
        assert [f.errno for f in failures] == [errno.ETIMEDOUT]
        assert "did not answer within 1 s" in str(failures[0])
    finally:
        reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)  # frees a helper still stuck
        waiting.join(timeout=20)
        os.close(reader)
        writer.close(abandon=True)


def test_a_disk_full_mid_write_leaves_no_partial_file_for_later_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(tmp_path / "site")
    story = site / STORY
    for old, new in [("Story 1", "Story one"), ("Story one", "Story uno")]:
        story.write_text(story.read_text().replace(old, new))
        assert cli(site, "-q")[0] == 0
    assert (site / ".output.spare").is_dir(), "the next build stages in the output before"
    story.write_text(story.read_text().replace("Story uno", "Story eins"))
    real_write, partial = Stage.write, []

    def full(self: Stage, rel: str, data: bytes) -> None:
        if partial:
            return real_write(self, rel, data)
        partial.append(data[: len(data) // 2])
        target = self.target(rel)
        with open(target, "wb") as half:
            half.write(partial[0])
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(Stage, "write", full)
    code, _, err = cli(site, "-q")
    assert code == 1 and "No space left on device; make room on the disk" in err
    spare = site / ".output.spare"
    kept = tree(spare) if spare.is_dir() else {}
    assert [rel for rel, data in kept.items() if data == partial[0]] == []
    monkeypatch.setattr(Stage, "write", real_write)
    assert cli(site, "-q")[0] == 0
    assert tree(site / "output") == reference(site, tmp_path / "ref")


def test_a_static_file_in_the_search_index_folder_is_an_error(tmp_path: Path) -> None:
    extra = {"static/pagefind/pagefind-ui.js": "// my own search UI\n"}
    site = make_site(tmp_path / "site", search=True, extra=extra)
    code, _, err = cli(site, "-q")
    assert code == 1
    assert (
        "static/pagefind/pagefind-ui.js: is in pagefind/, the folder reserved for the search "
        "index, which would overwrite or delete it; move it to another folder (or turn search "
        "off with `[search] enabled = false` in sitegen.toml)"
    ) in err
    assert not (site / "output").exists()
    site = make_site(tmp_path / "no-search", extra=extra)
    assert cli(site, "-q")[0] == 0
    assert (site / "output/pagefind/pagefind-ui.js").read_text() == "// my own search UI\n"
