"""The bundled sample publication (content/ at the repository root), built with a pinned clock and
served over HTTP on 127.0.0.1, as the browser and validator tests read it."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sitegen.build import BuildRequest, BuildResult, build
from sitegen.errors import Reporter
from sitegen.load.config import load_config
from sitegen.model.site import BuildOptions

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE_NOW = "2026-12-01T12:00:00+00:00"
"""After the newest sample story (November 2026), so every article is published."""
SAMPLE_OVERRIDES = {"search": {"shard_size": 8}}
"""Several search shards, as a large archive has, so the browser proves they merge."""
ARTIFACTS = ROOT / "tests" / "artifacts"
"""Git-ignored: screenshots and reports a run leaves for people to look at."""


# Debian's Chromium, never a downloaded browser; these flags keep it off the (closed) network.
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def build_sample(output: Path) -> BuildResult:
    """Build the repository's sample site into `output` (no cache, pinned clock)."""
    options = BuildOptions(now=datetime.fromisoformat(SAMPLE_NOW))
    request = BuildRequest(
        root=ROOT, output=output, overrides=SAMPLE_OVERRIDES, options=options, jobs=1
    )
    return build(request, Reporter())


def sample_base_url() -> str:
    return load_config(ROOT).base_url


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files as a host would serve them: index.html for folders, 404.html for misses."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@dataclass(frozen=True)
class Served:
    folder: Path
    origin: str
    """http://127.0.0.1:PORT, without a trailing slash."""

    def url(self, path: str) -> str:
        return self.origin + path


@contextmanager
def serve(folder: Path) -> Iterator[Served]:
    """A threaded static server for `folder` on a free port of 127.0.0.1."""
    handler = functools.partial(_Handler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="sample-site", daemon=True)
    thread.start()
    try:
        yield Served(folder, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
