"""The preview server's figure: from saving one article to the preview serving its new text.

`sitegen serve` runs as a subprocess on a free port (its first, long build is not timed; later
runs reuse the preview cache); each run appends a unique word to one article and polls the
article's URL every 20 ms until the word is there. Browsers are told to reload when the same
rebuild has been swapped in, so this is the wait a writer sees, give or take the reload."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

START_TIMEOUT = 1800
EDIT_TIMEOUT = 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8", "replace"))
    except (urllib.error.URLError, OSError):
        return None


def _wait_for(url: str, text: str, timeout: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        body = _get(url)
        if body is not None and text in body:
            return time.perf_counter() - started
        time.sleep(0.02)
    raise SystemExit(f"the preview did not show {text!r} at {url} within {timeout} s")


def bench_serve(site: Path, runs: int, pause: float = 1.0) -> list[float]:
    """Seconds from each save to the new text being served (one per run); the first save comes
    `pause` seconds after the preview is up."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "-s", str(site), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        articles = sorted((site / "content" / "articles").rglob("*.md"))
        path = articles[len(articles) // 3]
        url = f"{base}/{path.parent.name}/{path.stem}/"
        _wait_for(url, "</html>", START_TIMEOUT)
        time.sleep(pause)  # at least 1 s: let the watcher take its first look at the sources
        seconds = []
        for step in range(runs):
            word = f"servebench{time.time_ns()}x{step}"
            with path.open("a", encoding="utf-8") as handle:
                handle.write(f"\nA saved paragraph with {word} in it.\n")
            seconds.append(_wait_for(url, word, EDIT_TIMEOUT))
            time.sleep(0.5)
        return seconds
    finally:
        server.terminate()
        server.wait(timeout=30)
