"""`aliases:` in front matter: the old addresses of a story or page, each of which gets a page
that redirects to where it is now (render/redirects.py). Read from the raw front matter, with
its line, as the helpers of model/entries.py read the other keys; articles.py and entries.py
call `aliases_of` with their `Fields`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from sitegen.model.urls import Urls

KEY = "aliases"
_EXAMPLE = "aliases: [/politics/old-headline/]"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")
"""Control characters (tabs and line breaks among them) and backslashes, which browsers read
as slashes: no address on the site holds them."""


class FrontMatter(Protocol):
    """What aliases_of needs of entries.Fields. Named by shape rather than imported, because
    entries.py imports this module."""

    @property
    def meta(self) -> Mapping[str, Any]: ...

    def error(self, key: str, message: str) -> None: ...


def aliases_of(fields: FrontMatter, urls: Urls) -> tuple[str, ...]:
    """The `aliases:` of one file as URLs under the base path (`/news/old-headline/`), in the
    order written. Each is a path on this site, as it was published; an error on the key's
    line for each one that is not, and for one listed twice."""
    value = fields.meta.get(KEY)
    if value is None:
        return ()
    written = [value] if isinstance(value, str) else value
    if not isinstance(written, list) or not all(isinstance(v, str) for v in written):
        fields.error(KEY, f"`{KEY}` must be a list of old addresses on this site, e.g. {_EXAMPLE}")
        return ()
    paths: list[str] = []
    for alias in written:
        path, problem = _site_path(alias.strip(), urls)
        if problem:
            fields.error(KEY, f"`{KEY}` entry {alias!r} {problem}")
        elif path in paths:
            fields.error(KEY, f"`{KEY}` lists {path} twice; remove one")
        else:
            paths.append(path)
    return tuple(urls.base_path + path for path in paths)


def _site_path(text: str, urls: Urls) -> tuple[str, str]:
    """(the site path `text` names, decoded and in composed Unicode as slugs are, '') or
    ('', what is wrong with it and how to fix it)."""
    if _SCHEME.match(text) or text.startswith("//"):
        return (
            "",
            f"is a full address; write only its path on this site, such as {_path_of(text, urls)}",
        )
    if not text.startswith("/"):
        return "", f"must be a path on this site starting with /, such as /{text.lstrip('./')}"
    path = unicodedata.normalize("NFC", unquote(text))
    problem = _path_problem(text, path)
    return ("", problem) if problem else (path, "")


def _path_of(address: str, urls: Urls) -> str:
    """The site path of a full address, without the base URL's path (aliases are written
    without it, as `image:` paths are)."""
    path = urlsplit(address).path or "/"
    if urls.base_path and path.startswith(urls.base_path + "/"):
        return path[len(urls.base_path) :]
    return path


def _path_problem(text: str, path: str) -> str:
    """What is wrong with the site path `text` (`path` decoded), or ''."""
    if "?" in text or "#" in text:
        return (
            "has a query or fragment (? or #), which a static site cannot tell apart; write "
            "the path alone"
        )
    if _UNSAFE.search(path):
        return "holds a backslash or a control character; copy it from the address bar"
    if "//" in path or any(part in (".", "..") for part in path.split("/")):
        return "has an empty, `.` or `..` segment; write the path as the address bar shows it"
    return ""
