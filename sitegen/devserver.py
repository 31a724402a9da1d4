"""`sitegen serve`: build a preview, serve it, and rebuild and reload browsers when sources change.

The only module that imports livereload (and the Tornado server under it), so the library can be
swapped later; addresses.py (where it listens) and preview_files.py (how files are served) hold
the parts that need neither. It sits outside the pipeline: it calls `build()`, and nothing in
the chain imports it. What livereload gives us: the server, the websocket that browsers connect to, livereload.js
and the injection of its <script> into HTML responses. What we replace: the file handler (404
page, folder indexes, no way out of the preview folder, the error page while a build is broken)
and the watcher (waits for a burst of changes to settle, rebuilds off the server thread, and only
then tells browsers to reload).
"""

from __future__ import annotations

import html
import logging
import os
import signal
import threading
import time
import traceback
import webbrowser
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from livereload import Server
from livereload.handlers import LiveReloadHandler
from livereload.watcher import Watcher
from tornado import web
from tornado.ioloop import IOLoop
from tornado.log import LogFormatter

from sitegen.addresses import check_port, listen_error, local_url
from sitegen.build import BuildRequest, BuildResult, build
from sitegen.config import CONFIG_NAME, load_config
from sitegen.errors import BuildError, Reporter, SitegenError
from sitegen.fs_events import FileEvents
from sitegen.model.site import BuildOptions
from sitegen.preview_files import content_type, read_whole, resolve
from sitegen.write import MIRROR_AFTER, SpareMirror

PREVIEW_FOLDER = ".preview"
"""Where previews are built, inside the site; never output/, so drafts never leak there."""
PREVIEW_CACHE = ".sitegen-cache/preview"
"""The preview's own build cache, so previews and `sitegen build` do not invalidate each other."""
DEBOUNCE_SECONDS = 0.1
"""How long the sources must stay unchanged before a rebuild starts: file events mark the
writes of one save (or one `git checkout`) milliseconds apart."""
POLL_SECONDS = 0.1
"""How often the sources are checked for changes (longer for big sites, see _SiteWatcher)."""

IDLE_WITH_EVENTS = 2.0
"""Seconds between scans while file events say nothing changed (a lost event is still found)."""

_IGNORED_NAMES = {"__pycache__", "node_modules", "4913"}
"""Never watched: caches, and the probe file Vim writes before saving."""
_IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".tmp", ".pyc")


@dataclass(frozen=True)
class ServeRequest:
    root: Path
    host: str = "127.0.0.1"
    port: int = 8000
    options: BuildOptions = field(default_factory=lambda: BuildOptions(drafts=True, future=True))
    """Drafts and future articles are in by default: a preview shows what writers work on."""
    open_browser: bool = False
    debounce: float = DEBOUNCE_SECONDS
    poll: float = POLL_SECONDS
    file_events: bool = True
    """Woken by the system's file events (fs_events.py); else scanning alone finds changes."""


@dataclass(frozen=True)
class BuildReport:
    """One build of the preview, for the caller to print."""

    result: BuildResult | None
    """None when the build failed."""
    errors: tuple[SitegenError, ...] = ()
    warnings: tuple[SitegenError, ...] = ()
    changed: tuple[str, ...] = ()
    """The changed files that started this rebuild (site-relative when inside the site); empty
    for the first build."""
    bug: str = ""
    """The traceback when the build crashed with an error we did not raise on purpose."""

    @property
    def ok(self) -> bool:
        return self.result is not None


def preview_folder(root: Path) -> Path:
    return root / PREVIEW_FOLDER


def watched_paths(root: Path, theme: str) -> list[Path]:
    """What a preview watches: the site's sources, its config and the active theme (the site's or
    the bundled one). Never the preview or output folder."""
    from sitegen.render.templates import theme_dirs, theme_static_dirs

    paths = [root / d for d in ("content", "static", "templates", "themes")]
    paths.append(root / CONFIG_NAME)
    for folder in [*theme_dirs(root, theme)[1:], *theme_static_dirs(root, theme)]:
        if not any(folder.is_relative_to(p) for p in paths):
            paths.append(folder)
    return paths


def error_page(report: BuildReport) -> str:
    """The page browsers get while the site does not build: every error with its file and line.
    It has a </head>, so livereload injects its script and the fix reloads the page by itself."""
    items = []
    for error in report.errors:
        where = error.path if error.line is None else f"{error.path}:{error.line}"
        items.append(
            f'<li><code class="where">{html.escape(where or CONFIG_NAME)}</code>'
            f'<span class="message">{html.escape(error.message)}</span></li>'
        )
    bug = f"<pre>{html.escape(report.bug)}</pre>" if report.bug else ""
    noun = "error" if len(report.errors) == 1 else "errors"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Build failed · sitegen preview</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #fff8f6; color: #1d1d1d; }}
main {{ max-width: 56rem; margin: 3rem auto; padding: 0 1.5rem; }}
h1 {{ color: #a11; font-size: 1.6rem; }}
ol {{ padding-left: 1.2rem; }}
li {{ margin: 0 0 1rem; }}
.where {{ display: block; font-weight: bold; }}
pre {{ overflow: auto; background: #fff; padding: 1rem; border: 1px solid #ddd; }}
</style>
</head>
<body>
<main>
<h1>The preview could not be rebuilt: {len(report.errors)} {noun}</h1>
<ol class="errors">
{"".join(items)}
</ol>
{bug}
<p>Fix the file and save it: this page reloads by itself once the site builds again.
The last good build stays in <code>{PREVIEW_FOLDER}/</code>.</p>
</main>
</body>
</html>
"""


def serve(
    request: ServeRequest,
    on_build: Callable[[BuildReport], None],
    on_ready: Callable[[str], None],
) -> None:
    """Build the preview, serve it until Ctrl-C, and rebuild it whenever a source changes.

    `on_build` gets every build's report (the first one and each rebuild, from the watcher's
    thread); `on_ready` gets the URL once the server listens. Raises ServeError when the server
    cannot listen, before building anything. A failing build never stops the server."""
    check_port(request.host, request.port)
    # A process started in the background by a shell inherits SIGINT ignored, and a service
    # manager stops with SIGTERM: both must stop the server the way Ctrl-C does.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    preview = _Preview(request, on_build)
    url = local_url(request.host, request.port)

    def ready() -> None:
        on_ready(url)
        if request.open_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

    watcher = _SiteWatcher(preview, request.debounce, request.poll, ready, request.file_events)
    watcher.remember_sources()  # before the first build, so saves made during it count
    preview.rebuild(())
    server = _PreviewServer(preview, watcher)
    try:
        # Returns when Ctrl-C stops the loop: livereload catches the KeyboardInterrupt.
        server.serve(
            port=request.port,
            host=request.host,
            root=str(preview.folder),
            debug=False,
            live_css=True,
            restart_delay=0,
        )
    except OSError as exc:
        raise listen_error(request.host, request.port, exc) from None
    finally:
        watcher.stop()
        preview.stop_mirror()


class _Preview:
    """How to build the preview, and how its last build went (read by request handlers on the
    server's thread, written by the watcher's thread)."""

    def __init__(self, request: ServeRequest, on_build: Callable[[BuildReport], None]) -> None:
        self.root = request.root
        self.folder = preview_folder(request.root)
        self._overrides: dict[str, Any] = {"base_url": local_url(request.host, request.port)}
        self._request = BuildRequest(
            root=request.root,
            output=self.folder,
            overrides=self._overrides,
            options=request.options,
            cache_dir=request.root / PREVIEW_CACHE,
            remember=True,
        )
        self._on_build = on_build
        self._built = False
        self._lock = threading.Lock()
        self._failure: BuildReport | None = None
        self._mirror: SpareMirror | None = None
        self.theme = _active_theme(request.root, self._overrides, "default")

    @property
    def failure(self) -> BuildReport | None:
        """The report of the last build if it failed, else None."""
        with self._lock:
            return self._failure

    def rebuild(self, changed: tuple[str, ...]) -> BuildReport:
        # The first build indexes search; later ones keep that index (stale text in preview
        # search results beats a reload that waits for a whole-site re-index).
        first = self._built is False
        request = self._request if first else replace(self._request, refresh_search=False)
        self.stop_mirror()
        report = _build_once(request, changed)
        if report.result is not None and report.result.files > MIRROR_AFTER:
            mirror = SpareMirror(self.folder)
            if first:
                # Before the server announces itself (a few seconds at 10,000 articles): a save
                # made while the mirror ran would relink every page, slower still.
                mirror.wait()
            else:
                self._mirror = mirror
        self._built = self._built or report.ok
        with self._lock:
            self._failure = None if report.ok else report
        self.theme = _active_theme(self.root, self._overrides, self.theme)
        self._on_build(report)
        return report

    def stop_mirror(self) -> None:
        if self._mirror is not None:
            self._mirror.stop()
            self._mirror = None

    def watched(self) -> list[Path]:
        return watched_paths(self.root, self.theme)

    def display(self, path: str) -> str:
        try:
            return Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return path

    def reload_paths(self, changed: Iterable[str], report: BuildReport, was_ok: bool) -> list[str]:
        """What to tell browsers after a rebuild: the URL of each changed stylesheet when only
        stylesheets changed (livereload.js then swaps them without reloading the page), else
        one full reload (also to show or leave the error page)."""
        changed = list(changed)
        if not (report.ok and was_ok and changed and all(p.endswith(".css") for p in changed)):
            return ["/"]
        from sitegen.render.templates import theme_static_dirs

        static_dirs = [self.root / "static", *theme_static_dirs(self.root, self.theme)]
        urls = []
        for path in changed:
            url = next(
                (
                    "/" + Path(path).relative_to(d).as_posix()
                    for d in static_dirs
                    if Path(path).is_relative_to(d)
                ),
                None,
            )
            if url is None:
                return ["/"]
            urls.append(url)
        return urls


def _build_once(request: BuildRequest, changed: tuple[str, ...]) -> BuildReport:
    reporter = Reporter()
    try:
        result = build(request, reporter)
    except SitegenError as exc:
        errors = exc.errors if isinstance(exc, BuildError) else (exc,)
        return BuildReport(None, tuple(errors), tuple(reporter.warnings), changed)
    except Exception:  # a bug: report it and keep serving, the next save may work
        crash = SitegenError(
            "", None, "sitegen crashed while building; this is a bug, please report it"
        )
        return BuildReport(
            None, (crash,), tuple(reporter.warnings), changed, bug=traceback.format_exc()
        )
    return BuildReport(result, (), tuple(reporter.warnings), changed)


def _active_theme(root: Path, overrides: dict[str, Any], fallback: str) -> str:
    try:
        return load_config(root, overrides).theme
    except SitegenError:
        return fallback


class _SiteWatcher(Watcher):  # type: ignore[misc]
    """Replaces livereload's watcher. livereload polls every 0.8 s on the server's thread, runs
    the task there, and drops reloads that come within 3 s of the last one; we watch in our own
    thread (woken by file events, scanning to see what changed), wait until the sources have
    been quiet for `debounce` seconds, rebuild once for the whole burst, and only then (on the
    server's thread) tell browsers to reload."""

    def __init__(
        self,
        preview: _Preview,
        debounce: float,
        poll: float,
        ready: Callable[[], None],
        file_events: bool = True,
    ) -> None:
        super().__init__()
        self._preview = preview
        self._debounce = debounce
        self._poll = poll
        self._ready = ready
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: IOLoop | None = None
        self._files: dict[str, tuple[int, int]] = {}
        self._events = FileEvents()
        self._use_events = file_events

    def remember_sources(self) -> None:
        self._files = _scan(self._preview.watched())

    def start(self, callback: Callable[[], None]) -> bool:
        """Called by livereload once the server listens, just before its loop starts."""
        self._loop = IOLoop.current()
        self._loop.add_callback(self._ready)
        self._thread = threading.Thread(target=self._run, name="sitegen-watch", daemon=True)
        self._thread.start()
        return True  # we report changes ourselves: livereload must not poll

    def examine(self) -> tuple[str | None, float | None]:
        return None, None

    def stop(self) -> None:
        self._stopping.set()
        self._events.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._events.stop()

    def _run(self) -> None:
        files = self._files
        pending: set[str] = set()
        last_change = 0.0
        announced = False  # a file event came since the last scan: scan once writes are quiet
        wait = self._poll
        wake = self._events.wake
        while True:
            woke = wake.wait(wait)
            wake.clear()
            if self._stopping.is_set():
                return
            if woke and self._events.working:
                announced = True
                wait = self._debounce
                continue
            started = time.monotonic()
            watched = self._preview.watched()
            if self._use_events:
                self._events.watch(watched)
            current = _scan(watched)
            now = time.monotonic()
            changed = {p for p in files.keys() | current.keys() if files.get(p) != current.get(p)}
            files = current
            if changed:
                pending |= changed
                # Announced changes have been quiet for a spell already; one that only a scan
                # found (polling, or a lost event) starts its quiet spell now.
                if not (announced and self._events.working):
                    last_change = now
            announced = False
            wait = self._next_wait(bool(pending), now - started)
            if not pending or now - last_change < self._debounce:
                continue
            # Changes made while this builds are found by the next scan (files is from before).
            batch, pending = sorted(pending), set()
            was_ok = self._preview.failure is None
            try:
                report = self._preview.rebuild(tuple(self._preview.display(p) for p in batch))
            except KeyboardInterrupt:
                # Ctrl-C in a terminal also reaches the Markdown worker processes, and the pool
                # hands their KeyboardInterrupt to this thread; the server is stopping anyway.
                return
            if self._stopping.is_set() or self._loop is None:
                return
            self._loop.add_callback(
                _reload_browsers, self._preview.reload_paths(batch, report, was_ok)
            )

    def _next_wait(self, pending: bool, scan: float) -> float:
        """Seconds until the next look. A big site takes a while to scan (10,000 files: ~60
        ms): an idle server scans at most a fifth of the time, and rarely while file events
        wake it up; a pending change is looked at again after a quiet spell."""
        if pending:
            return self._debounce if self._events.working else self._poll
        idle = max(self._poll, 4 * scan)
        return max(idle, IDLE_WITH_EVENTS) if self._events.working else idle


def _reload_browsers(paths: list[str]) -> None:
    for path in paths:
        LiveReloadHandler.reload_waiters(path)


def _scan(paths: Iterable[Path]) -> dict[str, tuple[int, int]]:
    """Modification time and size of every watched file, by path."""
    found: dict[str, tuple[int, int]] = {}
    stack = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue
        if path.is_dir():
            stack.append(str(path))
        else:
            found[str(path)] = (stat.st_mtime_ns, stat.st_size)
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith(".") or name in _IGNORED_NAMES or name.endswith(_IGNORED_SUFFIXES):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    stat = entry.stat()
                    found[entry.path] = (stat.st_mtime_ns, stat.st_size)
            except OSError:
                continue
    return found


class _PreviewHandler(web.RequestHandler):
    """Serves the preview folder and nothing outside it: no `..` segment (also when percent-
    encoded, %2e%2e or %2f), no symlink that leads out. `/section/` serves its index.html,
    `/section` redirects there, a missing file gets the site's 404.html with status 404, and
    while the site does not build, HTML requests get the error page."""

    def initialize(self, preview: _Preview) -> None:
        self.preview = preview

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")

    def compute_etag(self) -> str | None:
        return None

    def get(self, *args: str, **kwargs: str) -> None:
        path = args[0] if args else ""
        failure = self.preview.failure
        if failure is not None and self._wants_html(path):
            self._send(500, "text/html; charset=utf-8", error_page(failure).encode("utf-8"))
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


class _PreviewServer(Server):  # type: ignore[misc]
    """livereload's server with our file handler in place of its StaticFileHandler."""

    def __init__(self, preview: _Preview, watcher: _SiteWatcher) -> None:
        super().__init__(watcher=watcher)
        self._preview = preview

    def get_web_handlers(self, script: bytes) -> list[tuple[str, type, Mapping[str, Any]]]:
        return [(r"/(.*)", _PreviewHandler, {"preview": self._preview})]

    def _setup_logging(self) -> None:
        """Quieter than livereload's: no line per browser or request, only problems."""
        channel = logging.StreamHandler()
        channel.setFormatter(LogFormatter())
        for name, level in (
            ("livereload", logging.WARNING),
            ("tornado", logging.WARNING),
            ("tornado.access", logging.CRITICAL),
        ):
            logger = logging.getLogger(name)
            logger.setLevel(level)
            if name != "tornado.access":
                logger.addHandler(channel)
                logger.propagate = False
