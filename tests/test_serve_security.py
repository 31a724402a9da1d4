"""`sitegen serve` against a hostile web page and a hostile machine: DNS rebinding (a forged Host
header, a websocket from another origin), errors in the watcher (too many open files) that must
neither stop rebuilds nor flood the log, a flood of idle connections, and two previews of one
site on two ports."""

from __future__ import annotations

import asyncio
import errno
import logging
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from tornado.ioloop import IOLoop
from tornado.websocket import websocket_connect

from sitegen.build import build
from sitegen.serve import handler as preview_http
from sitegen.serve import server as devserver
from sitegen.serve.addresses import ServeError
from sitegen.serve.guard import host_guard
from tests.test_serve import (
    BUDGET,
    BUDGET_URL,
    Served,
    edit,
    free_port,
    start_served,
    write_site,
)

DRAFT_URL = "/politics/draft-story/"
DRAFT_TEXT = "Not ready."
MAX_CONNECTIONS = 64
"""The preview's bound on open HTTP connections (checked against preview_http's below)."""
EMFILE = OSError(errno.EMFILE, "Too many open files")


def raw_request(port: int, host: str | None, path: str = DRAFT_URL, **headers: str) -> bytes:
    """The whole response to a GET with exactly this Host header (None: no Host at all)."""
    lines = [f"GET {path} HTTP/1.1", "Connection: close"]
    if host is not None:
        lines.append(f"Host: {host}")
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def websocket_handshake(port: int, host: str, origin: str | None) -> int:
    """The status of a websocket handshake with /livereload (101 when accepted)."""
    lines = [
        "GET /livereload HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(4096)
            if not chunk:
                break
            head += chunk
    return status_of(head)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site")


@pytest.fixture
def served(site: Path) -> Iterator[Served]:
    running = start_served(site)
    try:
        yield running
    finally:
        running.stop()


# DNS rebinding -----------------------------------------------------------------------------------


def test_a_forged_host_gets_403_and_nothing_of_the_preview(served: Served) -> None:
    port = served.port
    for host in (
        f"evil.example:{port}",
        "evil.example",
        f"127.0.0.1.evil.example:{port}",
        f"localhost.evil.example:{port}",
        f"evil.example:{port}@127.0.0.1",
        f"127.0.0.1:{port + 1}",  # the right name, another port
        "",
    ):
        for path in (DRAFT_URL, "/", "/livereload.js", "/no/such/page/", "/css/test.css"):
            response = raw_request(port, host, path)
            # Tornado itself refuses a Host that is no host name at all (400).
            refused = (400, 403, 421) if "@" in host or not host else (403, 421)
            assert status_of(response) in refused, (host, path, response[:200])
            assert DRAFT_TEXT.encode() not in response
            assert b"Draft story" not in response and b"livereload" not in response.lower()
            assert b"text/html" not in response.split(b"\r\n\r\n")[0].lower()
    assert served.proc.poll() is None


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LocalHost:{port}",
                                  "[::1]:{port}"])  # fmt: skip
def test_the_previews_own_addresses_are_served(served: Served, host: str) -> None:
    response = raw_request(served.port, host.format(port=served.port))
    assert status_of(response) == 200
    assert DRAFT_TEXT.encode() in response


def test_a_websocket_from_another_origin_is_refused(served: Served) -> None:
    port = served.port
    own = f"127.0.0.1:{port}"
    for origin in (
        "http://evil.example",
        f"http://evil.example:{port}",
        f"http://127.0.0.1:{port}.evil.example",
        "null",
        f"http://127.0.0.1:{port + 1}",
        f"file://{served.site}",
    ):
        assert websocket_handshake(port, own, origin) == 403, origin
    assert websocket_handshake(port, f"evil.example:{port}", f"http://evil.example:{port}") in (
        403,
        421,
    )
    assert websocket_handshake(port, own, f"http://127.0.0.1:{port}") == 101
    assert websocket_handshake(port, own, f"http://localhost:{port}") == 101
    assert websocket_handshake(port, f"localhost:{port}", f"http://localhost:{port}") == 101
    assert websocket_handshake(port, own, None) == 101  # a non-browser client


def test_on_every_address_the_machines_names_and_addresses_are_served(site: Path) -> None:
    served = start_served(site, "--host", "0.0.0.0")
    try:
        port = served.port
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"{socket.gethostname()}:{port}"):
            assert status_of(raw_request(port, host)) == 200, host
        assert status_of(raw_request(port, f"192.0.2.7:{port}")) == 200  # any address of ours
        assert status_of(raw_request(port, f"evil.example:{port}")) in (403, 421)
    finally:
        served.stop()


def test_allowed_hosts_are_answered_too(site: Path) -> None:
    with in_process(site, allowed_hosts=("preview.test", "mapped.test:9000")) as server:
        port = server.port
        assert status_of(raw_request(port, f"preview.test:{port}")) == 200
        assert status_of(raw_request(port, "mapped.test:9000")) == 200
        assert status_of(raw_request(port, f"mapped.test:{port}")) == 403
        assert status_of(raw_request(port, f"evil.example:{port}")) == 403


def test_an_allowed_host_that_is_no_name_is_refused_before_building(site: Path) -> None:
    request = devserver.ServeRequest(site, port=free_port(), allowed_hosts=("a b",))
    with pytest.raises(ServeError, match="--allowed-host 'a b' is not a host name"):
        devserver.serve(request, lambda report: None, lambda url: None)
    assert not (site / ".preview").exists()


# Errors in the watcher ---------------------------------------------------------------------------


class Flaky:
    """Wraps a function: once armed, its next `count` calls raise `error`."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.left = 0
        self.raised = 0
        self.error: BaseException = EMFILE

    def fail_next(self, count: int, error: BaseException = EMFILE) -> None:
        self.error = error
        self.left = count

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.left > 0:
            self.left -= 1
            self.raised += 1
            raise self.error
        return self.real(*args, **kwargs)


class InProcess:
    """`devserver.serve` on a thread of this process, so that tests can patch what it calls."""

    def __init__(self, request: devserver.ServeRequest) -> None:
        self.request = request
        self.port = request.port
        self.builds: list[devserver.BuildReport] = []
        self.loop: IOLoop | None = None
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            devserver.serve(self.request, self.builds.append, self._on_ready)
        except BaseException as exc:
            self.error = exc
            self.ready.set()

    def _on_ready(self, url: str) -> None:
        self.loop = IOLoop.current()
        self.ready.set()

    def start(self) -> None:
        self.thread.start()
        assert self.ready.wait(60), "the in-process preview never announced itself"
        assert self.error is None, self.error

    def stop(self) -> None:
        loop = self.loop
        if loop is not None:
            loop.add_callback(loop.stop)
        self.thread.join(timeout=15)
        assert not self.thread.is_alive(), "the in-process preview did not stop"

    def get(self, path: str) -> tuple[int, bytes]:
        response = raw_request(self.port, f"127.0.0.1:{self.port}", path)
        return status_of(response), response

    def wait_for_page(self, path: str, text: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        seen: tuple[int, bytes] = (0, b"")
        while time.monotonic() < deadline:
            seen = self.get(path)
            if seen[0] == 200 and text.encode() in seen[1]:
                return
            time.sleep(0.05)
        pytest.fail(f"timed out waiting for {text!r} at {path}; last: {seen[0]} {seen[1][-300:]!r}")


@contextmanager
def in_process(site: Path, **fields: Any) -> Iterator[InProcess]:
    server = InProcess(devserver.ServeRequest(site, port=free_port(), **fields))
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def logged(name: str = "sitegen.serve") -> Iterator[list[str]]:
    handler = Lines()
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


def test_the_watcher_survives_failing_scans_and_logs_them_once(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    watched = Flaky(devserver.watched_paths)
    monkeypatch.setattr(devserver, "watched_paths", watched)
    with logged() as lines, in_process(site) as server:
        watched.fail_next(4)
        edit(site / BUDGET, "The budget passed today.", "Passed despite the scans.")
        server.wait_for_page(BUDGET_URL, "Passed despite the scans.")
        assert watched.raised == 4
        _wait(lambda: any("repeated" in line for line in lines), "for the count")
        edit(site / BUDGET, "Passed despite the scans.", "And a later save.")
        server.wait_for_page(BUDGET_URL, "And a later save.")
    _assert_logged_once(lines, "Too many open files", 3)


def test_the_watcher_retries_a_build_that_failed_for_want_of_files(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = Flaky(build)
    monkeypatch.setattr(devserver, "build", built)
    with logged() as lines, in_process(site) as server:
        built.fail_next(3)
        edit(site / BUDGET, "The budget passed today.", "Built at the fourth try.")
        # No further save: the watcher tries again by itself, and meanwhile the last good
        # build is served (not an error page).
        deadline = time.monotonic() + 15
        while built.left and time.monotonic() < deadline:
            status, body = server.get(BUDGET_URL)
            assert status == 200, body[-500:]
            assert b"The budget passed today." in body or b"Built at the fourth try." in body
            time.sleep(0.02)
        server.wait_for_page(BUDGET_URL, "Built at the fourth try.")
        _wait(lambda: any("repeated" in line for line in lines), "for the count")
        edit(site / BUDGET, "Built at the fourth try.", "And a later save.")
        server.wait_for_page(BUDGET_URL, "And a later save.")
    _assert_logged_once(lines, "Too many open files", 2)


def test_a_first_build_that_fails_for_want_of_files_is_retried(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = Flaky(build)
    built.fail_next(2)
    monkeypatch.setattr(devserver, "build", built)
    with logged() as lines, in_process(site) as server:
        server.wait_for_page(BUDGET_URL, "The budget passed today.")
    _assert_logged_once(lines, "Too many open files", 1)


def _wait(ready: Callable[[], bool], what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting {what}")
        time.sleep(0.05)


def _assert_logged_once(lines: list[str], error: str, repeats: int) -> None:
    about = [line for line in lines if error in line]
    assert len(about) == 2, lines  # the error once, then how often it came back
    assert "repeated" not in about[0]
    times = "once" if repeats == 1 else f"{repeats} times"
    assert f"(repeated {times})" in about[1], about


# Connections -------------------------------------------------------------------------------------


def test_idle_connections_are_bounded(served: Served) -> None:
    """More idle sockets than the bound: the oldest are closed at once, and a browser's request
    is still answered."""
    idle = [
        socket.create_connection(("127.0.0.1", served.port), timeout=10)
        for _ in range(MAX_CONNECTIONS + 10)
    ]
    try:
        assert served.get(BUDGET_URL)[0] == 200
        closed: set[int] = set()
        deadline = time.monotonic() + 5
        while len(closed) < 10 and time.monotonic() < deadline:
            readable, _, _ = select.select(
                [s for s in idle if s.fileno() not in closed], [], [], 0.2
            )
            for sock in readable:
                try:
                    data = sock.recv(1)
                except OSError:
                    data = b""
                if not data:
                    closed.add(sock.fileno())
        assert len(closed) >= 10, f"{len(closed)} of the idle connections closed"
        assert len(closed) <= 12, f"{len(closed)} of the idle connections closed"
        assert served.get("/")[0] == 200
    finally:
        for sock in idle:
            sock.close()


def test_the_bound_is_the_servers() -> None:
    assert preview_http.MAX_CONNECTIONS == MAX_CONNECTIONS


class Grumpy(socket.socket):
    """A socket whose next `failures` accepts fail for want of file descriptors."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def accept(self) -> tuple[socket.socket, Any]:
        if self.failures:
            self.failures -= 1
            raise OSError(errno.EMFILE, "Too many open files")
        return super().accept()


class StaticPreview:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def failure_page(self) -> str | None:
        return None


class NoWatcher:
    def start(self, callback: Callable[[], None]) -> bool:
        return True


def bounded_server(folder: Path, sock: socket.socket) -> preview_http.BoundedServer:
    """The preview's HTTP server for `folder`, on a listening socket, in the running loop."""
    sock.setblocking(False)
    port = sock.getsockname()[1]
    guard = host_guard("127.0.0.1", port)
    site = preview_http.PreviewServer(StaticPreview(folder), guard, NoWatcher())
    server = preview_http.BoundedServer(site.application())
    server.add_sockets([sock])
    return server


def listening(sock: socket.socket) -> socket.socket:
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def test_running_out_of_file_descriptors_pauses_accepting_and_logs_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tornado's own accept loop logs a traceback and tries again at once, forever: 2 MB of
    log a second while the process has no descriptor left."""
    monkeypatch.setattr(preview_http, "ACCEPT_PAUSE", 0.05)
    (tmp_path / "index.html").write_text("<p>Front page</p>", encoding="utf-8")
    sock = listening(Grumpy(failures=5))
    port = sock.getsockname()[1]

    async def scenario() -> bytes:
        server = bounded_server(tmp_path, sock)
        try:
            ask = asyncio.to_thread(raw_request, port, f"127.0.0.1:{port}", "/")
            return await asyncio.wait_for(ask, 10)
        finally:
            server.stop()

    with logged() as lines:
        response = asyncio.run(scenario())
    assert status_of(response) == 200 and b"Front page" in response
    _assert_logged_once(lines, "Too many open files", 4)


def test_live_reload_sockets_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preview_http, "MAX_SOCKETS", 2)
    sock = listening(socket.socket())
    url = f"ws://127.0.0.1:{sock.getsockname()[1]}/livereload"
    hello = '{"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}'

    async def scenario() -> None:
        server = bounded_server(tmp_path, sock)
        try:
            first = await asyncio.wait_for(websocket_connect(url), 5)
            second = await asyncio.wait_for(websocket_connect(url), 5)
            third = await asyncio.wait_for(websocket_connect(url), 5)
            assert await asyncio.wait_for(third.read_message(), 5) is None  # closed at once
            assert third.close_code == 1013
            first.close()
            await asyncio.sleep(0.2)
            fourth = await asyncio.wait_for(websocket_connect(url), 5)
            await fourth.write_message(hello)
            assert "hello" in str(await asyncio.wait_for(fourth.read_message(), 5))
            second.close()
            fourth.close()
        finally:
            server.stop()

    asyncio.run(scenario())


# Two previews of one site ------------------------------------------------------------------------


def test_two_previews_of_one_site_on_two_ports_both_work(site: Path) -> None:
    first = start_served(site)
    try:
        second = start_served(site)
        try:
            for served in (first, second):
                status, body = served.get(BUDGET_URL)
                assert status == 200 and "The budget passed today." in body
                assert f'href="http://127.0.0.1:{served.port}{BUDGET_URL}"' in body

            edit(site / BUDGET, "The budget passed today.", "Both previews show this.")
            for served in (first, second):
                body = served.wait_for_page(BUDGET_URL, "Both previews show this.")
                assert f'href="http://127.0.0.1:{served.port}{BUDGET_URL}"' in body
            for served in (first, second):
                _rebuilt_once(served)
                assert "Traceback" not in served.stderr
                assert (site / ".preview" / str(served.port) / "index.html").is_file()
        finally:
            second.stop()
    finally:
        first.stop()


def _rebuilt_once(served: Served) -> None:
    served.wait_for(lambda: served.rebuilds() == 1, 10, "for the rebuild line")
