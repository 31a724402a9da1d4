"""The helper process that writes files for the build (sitegen/output/file_writer.py): batches are
applied in the order sent, `wait` returns once a batch is on disk, and a failure reaches the
build as the OSError the file system raised, never as a hang."""

from __future__ import annotations

import errno
import os
import signal
import threading
from pathlib import Path

import pytest

from sitegen.output import file_writer
from sitegen.output.file_writer import FileWriter, apply


def test_batches_are_written_in_order_and_waited_for(tmp_path: Path) -> None:
    writer = FileWriter()
    try:
        first = writer.send(
            [
                ("dir", str(tmp_path / "a" / "b")),
                ("file", str(tmp_path / "a" / "b" / "one.html"), b"one"),
                ("file", str(tmp_path / "a" / "b" / "one.html"), b"one, again"),
            ]
        )
        second = writer.send(
            [("link", str(tmp_path / "a" / "b" / "one.html"), str(tmp_path / "a" / "two.html"))]
        )
        writer.wait(second)
        assert first < second
        assert (tmp_path / "a" / "b" / "one.html").read_bytes() == b"one, again"
        linked = tmp_path / "a" / "two.html"
        assert linked.read_bytes() == b"one, again"
        assert os.path.samefile(linked, tmp_path / "a" / "b" / "one.html")
        writer.wait(first)  # long done: returns at once
    finally:
        writer.close()


def test_close_waits_for_every_batch(tmp_path: Path) -> None:
    writer = FileWriter()
    for n in range(50):
        writer.send([("file", str(tmp_path / f"{n}.html"), b"x" * 100_000)])
    writer.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.html" for n in range(50))


def test_a_failure_is_raised_as_the_file_systems_error_by_every_later_wait(
    tmp_path: Path,
) -> None:
    writer = FileWriter()
    try:
        good = writer.send([("file", str(tmp_path / "good.html"), b"ok")])
        missing = tmp_path / "no-such-folder" / "record.html"
        bad = writer.send([("file", str(missing), b"lost")])
        after = writer.send([("file", str(tmp_path / "after.html"), b"never")])
        writer.wait(good)
        with pytest.raises(OSError) as raised:
            writer.wait(bad)
        assert raised.value.errno == errno.ENOENT
        assert raised.value.filename == str(missing)
        with pytest.raises(OSError):
            writer.wait(after)
        assert not (tmp_path / "after.html").exists()  # the helper stops at the first failure
    finally:
        writer.close()


def test_a_helper_that_dies_is_an_error_not_a_hang(tmp_path: Path) -> None:
    writer = FileWriter()
    try:
        writer.wait(writer.send([("dir", str(tmp_path / "first"))]))
        assert writer._process is not None
        writer._process.kill()
        writer._process.wait()
        batch = writer.send([("dir", str(tmp_path / "second"))])
        with pytest.raises(OSError, match="stopped"):
            writer.wait(batch)
    finally:
        writer.close()


def test_abandoning_kills_the_helper_where_it_is(tmp_path: Path) -> None:
    writer = FileWriter()
    writer.wait(writer.send([("dir", str(tmp_path / "first"))]))
    writer.send([("dir", str(tmp_path / f"d{n}")) for n in range(200_000)])
    process = writer._process
    writer.close(abandon=True)
    assert process is not None and process.returncode == -signal.SIGKILL
    assert 1 <= len(list(tmp_path.iterdir())) < 200_001


def test_sending_waits_while_too_much_is_pending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A helper slowed by the disk must not make the build hold every record in memory."""
    monkeypatch.setattr(file_writer, "PENDING_LIMIT", 1_000_000)
    writer = FileWriter()
    try:
        writer.wait(writer.send([("dir", str(tmp_path / "first"))]))
        assert writer._process is not None
        os.kill(writer._process.pid, signal.SIGSTOP)  # a disk that does not answer
        sent: list[int] = []

        def send_many() -> None:
            for n in range(10):
                sent.append(writer.send([("file", str(tmp_path / f"{n}.bin"), b"x" * 400_000)]))

        sender = threading.Thread(target=send_many)
        sender.start()
        sender.join(timeout=1.0)
        # A stopped helper takes ~1 MB of pipe at most, and a 1 MB limit lets 2 more through.
        assert sender.is_alive() and len(sent) < 6
        os.kill(writer._process.pid, signal.SIGCONT)
        sender.join(timeout=30)
        assert not sender.is_alive() and len(sent) == 10
        writer.wait(sent[-1])
        assert len(list(tmp_path.glob("*.bin"))) == 10
    finally:
        writer.close()


def test_a_link_across_file_systems_becomes_a_copy(tmp_path: Path, on_tmpfs: Path) -> None:
    assert os.stat(tmp_path).st_dev != os.stat(on_tmpfs).st_dev, "needs two file systems"
    source = on_tmpfs / "record.html"
    source.write_bytes(b"<p>kept</p>")
    apply([("link", str(source), str(tmp_path / "record.html"))])
    assert (tmp_path / "record.html").read_bytes() == b"<p>kept</p>"
    assert not os.path.samefile(source, tmp_path / "record.html")


def test_an_unknown_operation_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a file operation"):
        apply([("delete", str(tmp_path))])
