"""The preview's HTTP side, on Tornado: the file handler, the live-reload websocket, the guard
against DNS rebinding (serve/guard.py decides, every request passes it) and a server that
bounds its connections and survives running out of file descriptors.

What livereload still gives us: the websocket protocol livereload.js speaks, livereload.js itself
and the transform that injects its <script> into HTML responses. We build the application and
the server ourselves (livereload's `Server.serve` offers no way to check Host headers, refuse
other origins or limit connections) and leave out its /forcereload, which any web page could
call. serve/watch.py is the only other module that imports livereload or Tornado."""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol, cast

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from livereload.server import LiveScriptInjector
from tornado import httputil, web
from tornado.http1connection import HTTP1ServerConnection
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream
from tornado.log import LogFormatter

from sitegen.serve.files import content_type, read_whole, resolve
from sitegen.serve.guard import HostGuard
from sitegen.serve.repeat_log import RepeatLog

LOGGER = "sitegen.serve"
"""Where the preview server reports its own trouble (on stderr, see configure_logging)."""
MAX_CONNECTIONS = 64
"""Open HTTP connections at most: a new one beyond closes the oldest. A browser opens six per
site, so only a flood of idle sockets ever reaches it."""
MAX_SOCKETS = 64
"""Live-reload websockets at most (one per open tab): more are closed at once."""
IDLE_SECONDS = 60.0
"""A connection that sends no (complete) request headers for this long is closed."""
BODY_SECONDS = 30.0
MAX_BODY = 64 * 1024
"""The preview answers GET and HEAD only: no request needs a body."""
MAX_BUFFER = 1024 * 1024
PING_SECONDS = 30.0
"""Websockets are pinged this often, so a vanished browser's is closed."""
ACCEPT_PAUSE = 0.5
"""Seconds the server stops accepting after running out of file descriptors."""
_OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})

_LIVE_SCRIPT = (
    b'<script type="text/javascript">(function(){'
    b'var s=document.createElement("script");'
    b"var port=(window.location.port || (window.location.protocol == 'https:' ? 443: 80));"
    b's.src="//"+window.location.hostname+":"+port'
    b'+ "/livereload.js?port=" + port;'
    b"document.head.appendChild(s);"
    b"})();</script>"
)
"""livereload's own snippet: the page loads livereload.js from where it came from."""


class Previewed(Protocol):
    """What the file handler needs of the preview."""

    @property
    def folder(self) -> Path: ...

    def failure_page(self) -> str | None:
        """The error page while the site does not build, else None."""


class Starting(Protocol):
    """The watcher, started once the server listens (livereload's Watcher interface)."""

    def start(self, callback: Callable[[], None]) -> bool: ...


class PreviewServer:
    """Serves one preview until the loop stops (Ctrl-C)."""

    def __init__(self, preview: Previewed, guard: HostGuard, watcher: Starting) -> None:
        self._preview = preview
        self._guard = guard
        self._watcher = watcher

    def run(self, host: str, port: int) -> None:
        """Listen (an OSError when it cannot), start the watcher and serve until the loop is
        stopped or Ctrl-C interrupts it."""
        asyncio.set_event_loop(asyncio.new_event_loop())
        loop = IOLoop.current()
        server = BoundedServer(
            self.application(),
            idle_connection_timeout=IDLE_SECONDS,
            body_timeout=BODY_SECONDS,
            max_body_size=MAX_BODY,
            max_buffer_size=MAX_BUFFER,
        )
        try:
            server.listen(port, address=host)
            LiveReloadHandler.watcher = self._watcher  # its reload_waiters logs the watcher's
            LiveReloadHandler.live_css = True
            self._watcher.start(lambda: None)
            loop.start()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
            loop.close(all_fds=True)
            asyncio.set_event_loop(None)

    def application(self) -> web.Application:
        sockets: set[ReloadSocket] = set()
        return GuardedApplication(
            [
                (r"/livereload", ReloadSocket, {"guard": self._guard, "sockets": sockets}),
                (r"/livereload.js", LiveReloadJSHandler),
                (r"/(.*)", PreviewHandler, {"preview": self._preview}),
            ],
            transforms=[_ScriptInjector],
            host_guard=self._guard,
            websocket_ping_interval=PING_SECONDS,
            websocket_max_message_size=MAX_BODY,
        )


class _ScriptInjector(LiveScriptInjector):  # type: ignore[misc]
    script = _LIVE_SCRIPT


class GuardedApplication(web.Application):
    """Sends every request whose Host is not one of the preview's names to RefusedHandler,
    whatever its path (the websocket's and livereload.js's included)."""

    def find_handler(
        self, request: httputil.HTTPServerRequest, **kwargs: Any
    ) -> web._HandlerDelegate:
        guard: HostGuard = self.settings["host_guard"]
        if not guard.allows_host(request.headers.get("Host")):
            return self.get_handler_delegate(request, RefusedHandler, {"port": guard.port})
        return super().find_handler(request, **kwargs)


class RefusedHandler(web.RequestHandler):
    """403, a short plain text and nothing of the preview, for any method."""

    def initialize(self, port: int) -> None:
        self.port = port

    def prepare(self) -> None:
        self.clear()
        self.set_status(403)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(
            "403 Forbidden: this preview server answers only to its own addresses, such as "
            f"http://127.0.0.1:{self.port}/. To reach it by another name, start it with "
            "sitegen serve --allowed-host NAME.\n"
        )


class ReloadSocket(LiveReloadHandler):  # type: ignore[misc]
    """livereload's websocket, for the preview's own pages only and a bounded number of them."""

    def initialize(self, guard: HostGuard, sockets: set[ReloadSocket]) -> None:
        self.guard = guard
        self.sockets = sockets

    def check_origin(self, origin: str) -> bool:
        return self.guard.allows_origin(origin)

    def open(self, *args: str, **kwargs: str) -> None:
        if len(self.sockets) >= MAX_SOCKETS:
            self.close(1013, "too many live-reload connections")
            return
        self.sockets.add(self)

    def on_close(self) -> None:
        self.sockets.discard(self)
        super().on_close()


class PreviewHandler(web.RequestHandler):
    """Serves the preview folder and nothing outside it: no `..` segment (also when percent-
    encoded, %2e%2e or %2f), no symlink that leads out. `/section/` serves its index.html,
    `/section` redirects there, a missing file gets the site's 404.html with status 404, and
    while the site does not build, HTML requests get the error page."""

    def initialize(self, preview: Previewed) -> None:
        self.preview = preview

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")

    def compute_etag(self) -> str | None:
        return None

    def get(self, *args: str, **kwargs: str) -> None:
        path = args[0] if args else ""
        failure = self.preview.failure_page()
        if failure is not None and self._wants_html(path):
            self._send(500, "text/html; charset=utf-8", failure.encode("utf-8"))
            return
        found = resolve(self.preview.folder, path)
        if isinstance(found, str):
            query = f"?{self.request.query}" if self.request.query else ""
            self.redirect(found + query)
            return
        data = read_whole(found)
        if found is None or data is None:
            self._send(404, "text/html; charset=utf-8", self._not_found_page())
            return
        self._send(200, content_type(found), data)

    def head(self, *args: str, **kwargs: str) -> None:
        self.get(*args, **kwargs)  # Tornado drops the body of HEAD responses

    def _wants_html(self, path: str) -> bool:
        last = path.rsplit("/", 1)[-1]
        accept = self.request.headers.get("Accept", "")
        return "text/html" in accept or not last or last.endswith(".html") or "." not in last

    def _not_found_page(self) -> bytes:
        found = resolve(self.preview.folder, "404.html")
        data = read_whole(found) if isinstance(found, Path) else None
        if data is not None:
            return data
        return (
            b"<!doctype html><html><head><title>Not found</title></head>"
            b"<body><h1>Not found</h1><p>The preview has no such page.</p></body></html>"
        )

    def _send(self, status: int, content_type: str, data: bytes) -> None:
        self.set_status(status)
        self.set_header("Content-Type", content_type)
        self.finish(data)


class BoundedServer(HTTPServer):
    """Tornado's HTTP server with at most MAX_CONNECTIONS open connections (a new one beyond
    closes the oldest, so a flood of idle sockets cannot lock a browser out), and an accept
    loop that survives running out of file descriptors: it closes the oldest connection to
    make room, or pauses when it has none. Tornado's own loop would raise, be called again at
    once and raise again, forever, logging a traceback each time (2 MB of log a second)."""

    def initialize(self, *args: Any, **kwargs: Any) -> None:
        super().initialize(*args, **kwargs)
        self._streams: dict[IOStream, None] = {}  # in the order they were opened
        self._problems = RepeatLog(logging.getLogger(LOGGER))

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        while len(self._streams) >= MAX_CONNECTIONS:
            self._close_oldest()
        self._streams[stream] = None
        super().handle_stream(stream, address)

    def on_close(self, server_conn: object) -> None:
        # Also when a websocket takes the connection over: ReloadSocket bounds those.
        self._streams.pop(cast(HTTP1ServerConnection, server_conn).stream, None)
        super().on_close(server_conn)

    def add_sockets(self, sockets: Iterable[socket.socket]) -> None:
        for sock in sockets:
            acceptor = _Acceptor(sock, self._handle_connection, self._make_room, self._drained)
            self._sockets[sock.fileno()] = sock
            self._handlers[sock.fileno()] = acceptor.remove

    def _make_room(self, error: OSError) -> bool:
        """Out of descriptors: close the oldest connection; False when there is none."""
        self._problems.problem(
            f"cannot accept a connection: {error.strerror or error}; closing the oldest one "
            "to make room",
            key=f"accept {error.errno}",
        )
        if not self._streams:
            return False
        self._close_oldest()
        return True

    def stop(self) -> None:
        self._problems.resolved()  # a count not yet logged
        super().stop()

    def _drained(self) -> None:
        """Every waiting connection was accepted: any trouble accepting is over."""
        self._problems.resolved()

    def _close_oldest(self) -> None:
        oldest = next(iter(self._streams))
        del self._streams[oldest]
        oldest.close()


class _Acceptor:
    """Tornado's add_accept_handler, but running out of file descriptors (or memory) asks
    `make_room` to free one and goes on, or pauses for ACCEPT_PAUSE seconds when it could not,
    instead of raising: the loop would call it again at once, since the waiting connection
    keeps the socket readable."""

    def __init__(
        self,
        sock: socket.socket,
        accepted: Callable[[socket.socket, Any], None],
        make_room: Callable[[OSError], bool],
        drained: Callable[[], None],
    ) -> None:
        self._sock = sock
        self._accepted = accepted
        self._make_room = make_room
        self._drained = drained
        self._loop = IOLoop.current()
        self._listening = True
        self._loop.add_handler(sock, self._accept, IOLoop.READ)

    def _accept(self, fd: Any, events: int) -> None:
        for _ in range(128):  # then let other work run, as Tornado does
            try:
                connection, address = self._sock.accept()
            except BlockingIOError:
                self._drained()
                return
            except ConnectionAbortedError:
                continue
            except OSError as exc:
                if exc.errno not in _OUT_OF_RESOURCES:
                    raise
                if not self._make_room(exc):
                    self._pause()
                    return
                continue
            self._accepted(connection, address)

    def _pause(self) -> None:
        self._loop.remove_handler(self._sock)
        self._loop.call_later(ACCEPT_PAUSE, self._resume)

    def _resume(self) -> None:
        if self._listening:
            self._loop.add_handler(self._sock, self._accept, IOLoop.READ)

    def remove(self) -> None:
        self._listening = False
        self._loop.remove_handler(self._sock)


def configure_logging() -> None:
    """Quieter than livereload's: no line per browser or request, only problems, on stderr.
    Calling it again adds nothing."""
    for name, level in (
        ("livereload", logging.WARNING),
        ("tornado", logging.WARNING),
        ("tornado.access", logging.CRITICAL),
        (LOGGER, logging.WARNING),
    ):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        if name == "tornado.access":
            continue
        logger.propagate = False
        if not any(isinstance(h, _Stderr) for h in logger.handlers):
            channel = _Stderr()
            channel.setFormatter(_OWN if name == LOGGER else LogFormatter())
            logger.addHandler(channel)


_OWN = logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S")
"""Our own lines read as the rest of sitegen's, with the time (a count refers to a span)."""


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time (tests and click replace it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)
