"""The preview's files as a static host would serve them: folder indexes, redirects to the
trailing slash, content types, and no way out of the preview folder."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import quote

_TEXT_TYPES = {
    "application/javascript",
    "application/json",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
    "image/svg+xml",
}


def resolve(folder: Path, url_path: str) -> Path | str | None:
    """The file inside `folder` for a percent-decoded URL path; the URL to redirect to when the
    path names a folder without its trailing slash; None when missing or outside the folder."""
    parts = _segments(url_path)
    if parts is None:
        return None
    try:
        root = folder.resolve(strict=True)
        real = _inside(root, root.joinpath(*parts))
        if real is not None and real.is_dir():
            if url_path and not url_path.endswith("/"):
                return "/" + "/".join(quote(p) for p in parts) + "/"
            real = _inside(root, real / "index.html")
    except (OSError, RuntimeError):  # missing, or a symlink loop
        return None
    return real if real is not None and real.is_file() else None


def _segments(url_path: str) -> list[str] | None:
    """The path's segments; None when one could lead anywhere but down (`..`, a backslash)."""
    if "\x00" in url_path or "\\" in url_path:
        return None
    parts = [p for p in url_path.split("/") if p]
    return None if any(p in (".", "..") for p in parts) else parts


def _inside(root: Path, path: Path) -> Path | None:
    """Where `path` really is (links followed), if that is inside `root`."""
    real = path.resolve(strict=True)
    return real if real.is_relative_to(root) else None


def read_whole(path: Path | str | None) -> bytes | None:
    """The whole file at once, so a rebuild swapping the folder cannot tear a response."""
    if not isinstance(path, Path):
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def content_type(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in _TEXT_TYPES:
        return f"{kind}; charset=utf-8"
    return kind
