"""`sitegen serve`: build a preview, serve it, and rebuild and reload browsers when sources change.

It sits outside the pipeline: it calls `build()`, and nothing in the chain imports it. The parts:
addresses.py (where it listens), serve/guard.py (which names it answers to, against DNS
rebinding), serve/handler.py (the Tornado server, its file handler and the live-reload websocket),
serve/files.py (how files are served) and serve/watch.py (noticing saves and rebuilding).
Only serve/handler.py and serve/watch.py import livereload and Tornado, so the library can be
swapped later.
Here: what a preview is (where it builds, how a build went, the page shown while it fails) and
`serve`, which puts the parts together.

Each port has a preview folder of its own (`.preview/<port>/`, and a build cache of its own), so
two previews of one site do not write over each other; the staging and spare folders of a build
sit beside the output, inside `.preview/` too.
"""

from __future__ import annotations

import contextlib
import html
import logging
import signal
import threading
import traceback
import webbrowser
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sitegen.build import BuildRequest, BuildResult, build
from sitegen.errors import BuildError, Reporter, SitegenError
from sitegen.load.config import CONFIG_NAME, load_config
from sitegen.model.site import BuildOptions
from sitegen.output.write import _SPARE, MIRROR_AFTER, SpareMirror
from sitegen.pipeline.process import BuildProcess
from sitegen.serve.addresses import check_port, listen_error, local_url
from sitegen.serve.guard import host_guard
from sitegen.serve.handler import LOGGER, PreviewServer, configure_logging
from sitegen.serve.watch import SiteWatcher

PREVIEW_FOLDER = ".preview"
"""Where previews are built (in `<port>/` below), inside the site; never output/, so drafts never
leak there."""
PREVIEW_CACHE = ".sitegen-cache/preview"
"""The previews' own build caches (`<port>/` below), so previews and `sitegen build` do not
invalidate each other, nor do two previews."""
DEBOUNCE_SECONDS = 0.1
"""How long the sources must stay unchanged before a rebuild starts: file events mark the
writes of one save (or one `git checkout`) milliseconds apart."""
POLL_SECONDS = 0.1
"""How often the sources are checked for changes (longer for big sites, see serve/watch.py)."""


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
    allowed_hosts: tuple[str, ...] = ()
    """More names the server answers to (`--allowed-host`), NAME or NAME:PORT; see
    serve/guard.py for the ones it always answers to."""


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


def preview_folder(root: Path, port: int) -> Path:
    """Where the preview on `port` is built."""
    return root / PREVIEW_FOLDER / str(port)


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
    cannot listen (or an --allowed-host name is not one), before building anything. A failing
    build never stops the server; trouble of the server's own goes to the `sitegen.serve` log."""
    guard = host_guard(request.host, request.port, request.allowed_hosts)
    check_port(request.host, request.port)
    # A process started in the background by a shell inherits SIGINT ignored, and a service
    # manager stops with SIGTERM: both must stop the server the way Ctrl-C does.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    configure_logging()
    preview = _Preview(request, on_build)
    url = local_url(request.host, request.port)

    def ready() -> None:
        on_ready(url)
        if request.open_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

    log = logging.getLogger(LOGGER)
    watcher = SiteWatcher(preview, request.debounce, request.poll, ready, request.file_events, log)
    watcher.remember_sources()  # before the first build, so saves made during it count
    try:
        preview.rebuild(())
    except OSError as exc:  # too many open files, say: the watcher tries again
        watcher.failed(exc)
    try:
        PreviewServer(preview, guard, watcher).run(request.host, request.port)
    except OSError as exc:
        raise listen_error(request.host, request.port, exc) from None
    finally:
        watcher.stop()
        preview.stop()


class _Preview:
    """How to build the preview, and how its last build went (read by request handlers on the
    server's thread, written by the watcher's thread)."""

    def __init__(self, request: ServeRequest, on_build: Callable[[BuildReport], None]) -> None:
        self.root = request.root
        self.process = BuildProcess(remembers=True)
        """Many builds in one process: each keeps what it saved for the next (the cache's
        rows, its reader), closed when the server stops (stop)."""
        self.folder = preview_folder(request.root, request.port)
        self._overrides: dict[str, Any] = {"base_url": local_url(request.host, request.port)}
        self._request = BuildRequest(
            root=request.root,
            output=self.folder,
            overrides=self._overrides,
            options=request.options,
            cache_dir=request.root / PREVIEW_CACHE / str(request.port),
            process=self.process,
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

    def failure_page(self) -> str | None:
        """The page HTML requests get while the site does not build, else None."""
        failure = self.failure
        return None if failure is None else error_page(failure)

    def refresh(self, changed: list[str]) -> list[str]:
        """Rebuild after changes to these files; what to tell browsers to reload. Raises
        OSError when the machine gets in the way (too many open files, say)."""
        was_ok = self.failure is None
        report = self.rebuild(tuple(self.display(p) for p in changed))
        return self.reload_paths(changed, report, was_ok)

    def rebuild(self, changed: tuple[str, ...]) -> BuildReport:
        # The first build indexes search; later ones keep that index (stale text in preview
        # search results beats a reload that waits for a whole-site re-index).
        first = self._built is False
        request = self._request if first else replace(self._request, refresh_search=False)
        self.stop_mirror()
        report = _build_once(request, changed)
        if report.result is not None and report.result.files > MIRROR_AFTER:
            self._start_mirror(first)
        self._built = self._built or report.ok
        with self._lock:
            self._failure = None if report.ok else report
        self.theme = _active_theme(self.root, self._overrides, self.theme)
        self._on_build(report)
        return report

    def _start_mirror(self, first: bool) -> None:
        # The first build on a port leaves no spare (there was no output to retire): start one.
        with contextlib.suppress(OSError):
            (self.folder.parent / _SPARE.format(name=self.folder.name)).mkdir(exist_ok=True)
        mirror = SpareMirror(self.folder)
        if first:
            # Before the server announces itself (a few seconds at 10,000 articles): a save
            # made while the mirror ran would relink every page, slower still.
            mirror.wait()
        else:
            self._mirror = mirror

    def stop_mirror(self) -> None:
        if self._mirror is not None:
            self._mirror.stop()
            self._mirror = None

    def stop(self) -> None:
        self.stop_mirror()
        self.process.close()

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
    except OSError:
        # Not the site's fault nor (likely) a bug: too many open files, a file being replaced
        # or briefly unreadable. The watcher tries again; the last good build stays served.
        raise
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
    except (SitegenError, OSError):
        return fallback
