"""Static files: which exist (site static/ over the theme's), and the pixel size of images."""

from __future__ import annotations

import errno
import os
import re
import stat
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sitegen.errors import ContentError, Reporter, SitegenError
from sitegen.load.sources import display_path, unreadable_message

IMAGE_SUFFIXES = {".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp"}
MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
               ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}  # fmt: skip


PUBLISHED_HIDDEN = ".well-known"
"""The one hidden folder of static/ that is published (RFC 8615: security.txt, app links)."""
_BOOKKEEPING = frozenset({".DS_Store", ".gitkeep", ".gitignore", ".keep", ".git", ".svn", ".hg"})
"""Hidden files that tools leave behind and nobody means to publish: skipped without a word."""


@dataclass(frozen=True)
class StaticInfo:
    """What the model may know about a static file without opening it."""

    length: int
    width: int | None = None
    height: int | None = None
    media_type: str = "application/octet-stream"


def static_info(path: Path) -> StaticInfo:
    suffix = path.suffix.lower()
    size = image_size(path)
    return StaticInfo(
        length=path.stat().st_size,
        width=size[0] if size else None,
        height=size[1] if size else None,
        media_type=MEDIA_TYPES.get(suffix, "application/octet-stream"),
    )


def collect_static(
    dirs: list[Path], site_root: Path, reporter: Reporter
) -> tuple[dict[str, Path], list[SitegenError]]:
    """Site path ('/images/x.svg') -> file, later folders winning; links out of their folder,
    and folders or files that cannot be read, are errors. Hidden files are not published but
    for .well-known/ (PUBLISHED_HIDDEN); each left out is a warning, but tools' bookkeeping."""
    files: dict[str, Path] = {}
    errors: list[SitegenError] = []
    for top in dirs:
        real_top = top.resolve()
        hidden: list[Path] = []
        for path in _walk(top, site_root, errors, hidden):
            if not path.resolve().is_relative_to(real_top):
                errors.append(
                    ContentError(
                        display_path(path, site_root),
                        None,
                        "is a link to a file outside its folder; copy the file in instead",
                    )
                )
            elif path.is_file() and not os.access(path, os.R_OK):
                errors.append(_unreadable(path, site_root, "file", os.strerror(errno.EACCES)))
            elif path.is_file():
                files["/" + path.relative_to(top).as_posix()] = path
        for path in hidden:
            reporter.warn(display_path(path, site_root), None, _HIDDEN_LEFT_OUT)
    return files, errors


_HIDDEN_LEFT_OUT = (
    "is a hidden file, which the site does not publish (of hidden files, only "
    f"static/{PUBLISHED_HIDDEN}/ is); delete it, or keep it outside static/"
)


def unreadable_in(dirs: list[Path], site_root: Path) -> list[SitegenError]:
    """An error for each folder or file under `dirs` that cannot be read: for template folders,
    which Jinja would pass over in silence (a site's own template losing to the theme's)."""
    errors: list[SitegenError] = []
    for top in dirs:
        for path in _walk(top, site_root, errors):
            if path.is_file() and not os.access(path, os.R_OK):
                errors.append(_unreadable(path, site_root, "file", os.strerror(errno.EACCES)))
    return errors


def _walk(
    top: Path, site_root: Path, errors: list[SitegenError], hidden: list[Path] | None = None
) -> Iterator[Path]:
    """Every file under `top` but hidden ones, sorted; folders that cannot be read (`top`
    included) are added to `errors`. Nothing when `top` does not exist. With `hidden`, the
    folder `top`/.well-known is walked too, and other hidden files and folders (but tools'
    bookkeeping) are added to it."""
    try:
        if not stat.S_ISDIR(os.stat(top).st_mode):
            return
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as exc:
        errors.append(_unreadable(top, site_root, "folder", exc.strerror))
        return

    def unreadable(exc: OSError) -> None:
        errors.append(_unreadable(Path(exc.filename or top), site_root, "folder", exc.strerror))

    for dirpath, dirnames, filenames in os.walk(top, onerror=unreadable):
        here = Path(dirpath)
        published = _published_hidden(here, top, dirnames, filenames, hidden)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") or d in published)
        yield from (here / n for n in sorted(filenames) if not n.startswith("."))


def _published_hidden(
    here: Path, top: Path, dirnames: list[str], filenames: list[str], hidden: list[Path] | None
) -> set[str]:
    """The hidden folders of `here` to walk (.well-known at the `top` of a static folder, when
    `hidden` is asked for); the other hidden names, but tools' bookkeeping, go to `hidden`."""
    if hidden is None:
        return set()
    published = {PUBLISHED_HIDDEN} if here == top else set()
    left_out = [*(d for d in dirnames if d not in published), *filenames]
    hidden.extend(here / n for n in sorted(left_out) if _unmeant(n))
    return published


def _unmeant(name: str) -> bool:
    """Whether `name` is hidden and not tools' bookkeeping (macOS writes `._x` beside `x`)."""
    return name.startswith(".") and name not in _BOOKKEEPING and not name.startswith("._")


def _unreadable(path: Path, site_root: Path, what: str, problem: str | None) -> ContentError:
    message = unreadable_message(what, problem or "unknown error")
    return ContentError(display_path(path, site_root), None, message)


def image_size(path: Path) -> tuple[int, int] | None:
    """Width and height read from the file header, or None when unknown."""
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        return None
    try:
        with path.open("rb") as handle:
            head = handle.read(64 * 1024 if suffix in (".jpg", ".jpeg", ".svg") else 64)
    except OSError:
        return None
    return size_from_bytes(suffix, head)


def size_from_bytes(suffix: str, head: bytes) -> tuple[int, int] | None:
    """Width and height from the first bytes of an image, or None for an unknown or damaged
    one (a broken image must not stop the build)."""
    reader = _SIZE_READERS.get(suffix)
    if reader is None:
        return None
    try:
        return reader(head)
    except (struct.error, IndexError, ValueError):
        return None


def _png(data: bytes) -> tuple[int, int] | None:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    w, h = struct.unpack(">II", data[16:24])
    return int(w), int(h)


def _gif(data: bytes) -> tuple[int, int] | None:
    if data[:3] != b"GIF":
        return None
    w, h = struct.unpack("<HH", data[6:10])
    return int(w), int(h)


def _jpeg(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(w), int(h)
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        i += 2 + length
    return None


def _webp(data: bytes) -> tuple[int, int] | None:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    kind = data[12:16]
    if kind == b"VP8X":
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return w, h
    if kind == b"VP8 ":
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if kind == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _svg_bytes(data: bytes) -> tuple[int, int] | None:
    return _svg(data.decode("utf-8", "replace"))


_SVG_ROOT = re.compile(r"<svg\b[^>]*>", re.S)


def _svg(text: str) -> tuple[int, int] | None:
    root = _SVG_ROOT.search(text)
    if not root:
        return None
    tag = root.group(0)

    def attr(name: str) -> float | None:
        m = re.search(rf'\s{name}\s*=\s*["\']\s*([\d.]+)(px)?\s*["\']', tag)
        return float(m.group(1)) if m else None

    width, height = attr("width"), attr("height")
    if width and height:
        return round(width), round(height)
    box = re.search(r'viewBox\s*=\s*["\']\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)', tag)
    if box:
        return round(float(box.group(1))), round(float(box.group(2)))
    return None


_SIZE_READERS: dict[str, Callable[[bytes], tuple[int, int] | None]] = {
    ".png": _png,
    ".gif": _gif,
    ".webp": _webp,
    ".jpg": _jpeg,
    ".jpeg": _jpeg,
    ".svg": _svg_bytes,
}
"""Image suffix -> reader of its size from the file's first bytes."""
