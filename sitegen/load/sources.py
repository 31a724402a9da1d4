"""Reading content files: front matter and body, with line numbers. Knows nothing about the site."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

import frontmatter.default_handlers
import yaml

from sitegen.errors import ContentError
from sitegen.lazy import Lazy

Kind = Literal["article", "author", "page"]
KIND_FOLDERS: dict[str, Kind] = {"articles": "article", "authors": "author", "pages": "page"}
MAX_SOURCE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    """One Markdown file as read from disk, before it means anything."""

    rel: str
    """Path relative to the content folder, with forward slashes (articles/politics/x.md)."""
    display: str
    """Path as shown in messages (relative to the site root)."""
    kind: Kind
    meta: Mapping[str, Any]
    lazy_body: Lazy[str]
    """The text after the front matter; the build cache fetches it only when it is needed."""
    body_line: int
    """Line number of the body's first line in the file."""
    digest: str
    """Hash of the file's bytes."""
    key_lines: Mapping[str, int]
    """Line number of each top-level front-matter key, for messages."""

    @property
    def body(self) -> str:
        return self.lazy_body.get()

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, 1)

    def line_of_text(self, *needles: str) -> int:
        """File line of the first needle found in the body (try the most specific first);
        the body's first line when none is."""
        body = self.body
        for needle in needles:
            index = body.find(needle)
            if index >= 0:
                return self.body_line + body.count("\n", 0, index)
        return self.body_line


class _Loader(yaml.CSafeLoader):
    """Safe YAML that keeps dates as strings, so we parse them ourselves and report bad ones."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}

_HANDLER = frontmatter.default_handlers.YAMLHandler()


class FoundSource(NamedTuple):
    """A content file as one walk of the content folder saw it."""

    rel: str
    """Path relative to the content folder, with forward slashes; a folder that could not be
    read ends in a slash ("/" for the content folder itself)."""
    path: str
    size: int
    mtime_ns: int
    error: str | None
    """Why the file could not be looked at (or the folder read), or None."""


def scan_sources(content_dir: Path, others: list[str] | None = None) -> list[FoundSource]:
    """Every content Markdown file with its size and time, sorted for determinism. One walk
    serves both the build's change stamp and the reading of the files. A folder that cannot be
    read is listed too, with a trailing slash and its error, so that it is reported rather than
    its stories silently left out. `others`, if given, gets the path of every other file that
    is not hidden (files beside stories, which the stamp counts too)."""
    found: list[FoundSource] = []
    root = str(content_dir)
    try:
        os.listdir(root)
    except (FileNotFoundError, NotADirectoryError):
        return found
    except OSError as exc:
        return [_unreadable_folder(root, exc, root)]
    for folder in KIND_FOLDERS:
        top = os.path.join(root, folder)
        try:
            if not stat.S_ISDIR(os.stat(top).st_mode):
                continue
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            found.append(_unreadable_folder(root, exc, top))
            continue
        found += _walk_kind(root, top, others)
    found.sort()
    return found


def _walk_kind(root: str, top: str, others: list[str] | None) -> list[FoundSource]:
    found: list[FoundSource] = []

    def unreadable(exc: OSError) -> None:
        found.append(_unreadable_folder(root, exc, top))

    for dirpath, dirnames, filenames in os.walk(top, onerror=unreadable):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        prefix = os.path.relpath(dirpath, root).replace(os.sep, "/") + "/"
        for name in filenames:
            if name.startswith("."):
                continue
            if name.endswith(".md"):
                found.append(_found(prefix + name, os.path.join(dirpath, name)))
            elif others is not None:
                others.append(os.path.join(dirpath, name))
    return found


def _found(rel: str, path: str) -> FoundSource:
    try:
        info = os.stat(path)
    except OSError as exc:
        return FoundSource(rel, path, 0, 0, exc.strerror or str(exc))
    return FoundSource(rel, path, info.st_size, info.st_mtime_ns, None)


def _unreadable_folder(root: str, exc: OSError, fallback: str) -> FoundSource:
    """A folder os.walk or os.stat could not read, as a FoundSource whose rel ends in "/"."""
    path = str(exc.filename or fallback)
    rel = os.path.relpath(path, root).replace(os.sep, "/")
    rel = "/" if rel == "." else rel.rstrip("/") + "/"
    return FoundSource(rel, path, 0, 0, exc.strerror or str(exc))


def unreadable_message(what: str, problem: str) -> str:
    """The message for a file or folder the build may not read."""
    return f"cannot read this {what} ({problem}); fix its permissions (chmod) or remove it"


def read_source(content_dir: Path, rel: str, display: str) -> SourceFile:
    """Read and split one file; raises ContentError with the line of the problem."""
    path = content_dir / rel
    kind = KIND_FOLDERS[rel.split("/", 1)[0]]
    try:
        real = path.resolve()
    except RuntimeError:  # Python < 3.13 reports a link loop this way
        raise ContentError(
            display, None, "is a link that leads back to itself; replace it with the file"
        ) from None
    if not real.is_relative_to(content_dir.resolve()):
        raise ContentError(
            display,
            None,
            "is a link to a file outside the content folder; copy the file in instead",
        )
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        # A pipe or device would block or never end; never open one.
        raise ContentError(display, None, "is not a regular file; remove it from content/")
    if info.st_size > MAX_SOURCE_BYTES:
        raise _too_big(display, info.st_size)
    raw = path.read_bytes()
    return parse_source(rel, display, kind, raw)


def _too_big(display: str, size: int) -> ContentError:
    mib = size / 1024 / 1024
    return ContentError(
        display, None, f"is {mib:.1f} MiB; content files are limited to 5 MiB, split it up"
    )


def parse_source(rel: str, display: str, kind: Kind, raw: bytes) -> SourceFile:
    digest = hashlib.sha256(raw).hexdigest()
    if len(raw) > MAX_SOURCE_BYTES:
        raise _too_big(display, len(raw))
    if b"\x00" in raw:
        raise ContentError(
            display, None, "is a binary file, not Markdown text; remove it or rename it"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError(display, line, "is not UTF-8 text; save the file as UTF-8") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ContentError(display, 1, "is empty; add front matter between --- lines and a body")
    control = _first_control(text)
    if control:
        start, char, written = control
        line = text.count("\n", 0, start) + 1
        raise ContentError(display, line, _control_message(char, "this line", written))
    meta, body, body_line, key_lines = _split(text, display)
    return SourceFile(rel, display, kind, meta, Lazy.of(body), body_line, digest, key_lines)


def _split(text: str, display: str) -> tuple[dict[str, Any], str, int, dict[str, int]]:
    """Front matter, body, the body's first line and each key's line, from a file's text."""
    lines = text.split("\n")
    end = _front_matter_end(lines, display)
    meta = _front_matter(lines[1:end], display)
    key_lines = _key_lines(lines[1:end])
    for key, value in meta.items():
        char = _find_control(key, value)
        if char:
            raise ContentError(display, key_lines.get(key, 2), _control_message(char, f"`{key}`"))
    return meta, "\n".join(lines[end + 1 :]), end + 2, key_lines


def _front_matter_end(lines: list[str], display: str) -> int:
    """Index of the line that closes the front matter opened on the first line."""
    if lines[0].strip() != "---":
        raise ContentError(
            display,
            1,
            "does not start with front matter; the first line must be --- (then key: value lines, then ---)",
        )
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        raise ContentError(
            display, 1, "front matter is not closed; add a line with --- after the last key"
        )
    return end


def _front_matter(lines: list[str], display: str) -> dict[str, Any]:
    """The YAML between the --- lines as a dict with string keys."""
    text = "\n".join(lines)
    try:
        meta = _HANDLER.load(text, Loader=_Loader) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, display) from None
    if not isinstance(meta, dict):
        what = _WHAT.get(type(meta).__name__, "a single value")
        raise ContentError(
            display,
            2,
            f"front matter must be key: value lines such as `title: ...`, not {what}",
        )
    return {str(k): v for k, v in meta.items()}


def _yaml_error(exc: yaml.YAMLError, display: str) -> ContentError:
    """A YAML error as a message with a file line (YAML counts from 0, after the --- line)."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    opened = _OPENERS.get(getattr(exc, "context", None) or "")
    start = getattr(exc, "context_mark", None)
    if opened and start is not None:
        # The parser notices an unclosed bracket or quote far below it: point at the opener.
        return ContentError(
            display,
            start.line + 2,
            f"front matter is not valid YAML: the {opened} on this line is never closed "
            f"({problem}); close it, or put the whole value in quotes",
        )
    mark = getattr(exc, "problem_mark", None)
    return ContentError(
        display,
        mark.line + 2 if mark is not None else 2,
        f"front matter is not valid YAML ({problem}); check quotes, colons and indentation",
    )


def _key_lines(front_matter: list[str]) -> dict[str, int]:
    """File line of each top-level key (the front matter starts on line 2)."""
    key_lines: dict[str, int] = {}
    for number, line in enumerate(front_matter, start=2):
        match = _KEY.match(line)
        if match:
            key_lines.setdefault(match.group(1), number)
    return key_lines


_OPENERS = {
    "while parsing a flow sequence": "[",
    "while parsing a flow mapping": "{",
    "while scanning a quoted scalar": "quote",
}
"""YAML errors about a bracket or quote left open, reported on the line that opened it."""
_WHAT = {"list": "a list (lines starting with -)", "str": "a line of plain text"}
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters that HTML and XML cannot carry (feeds with them do not parse)."""


_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
"""A numeric character reference, which Markdown passes into pages and feeds as the character."""


def _first_control(text: str) -> tuple[int, str, str] | None:
    """Where `text` first holds a control character, itself or as a numeric reference such as
    &#x1;: (offset, character, as written)."""
    control = _CONTROL.search(text)
    # Only a reference before the first literal character can come first.
    for ref in _REFERENCE.finditer(text, 0, control.start() if control else len(text)):
        code = int(ref.group(1), 16) if ref.group(1) else int(ref.group(2))
        if code <= 0x10FFFF and _CONTROL.fullmatch(chr(code)):
            return ref.start(), chr(code), ref.group()
    return (control.start(), control.group(), control.group()) if control else None


def _control_message(char: str, where: str, written: str | None = None) -> str:
    what = f"the invisible control character U+{ord(char):04X}"
    if written and written != char:
        what = f"{written}, a reference to {what}"
    return f"{where} contains {what}, which web pages and feeds cannot carry; delete it"


def _find_control(key: str, value: Any) -> str | None:
    """The first control character in a front-matter value, however deeply nested (YAML
    escapes such as "\\a" get past the check on the file's text)."""
    stack: list[Any] = [key, value]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            match = _CONTROL.search(item)
            if match:
                return match.group()
        elif isinstance(item, list | dict) and id(item) not in seen:
            seen.add(id(item))  # YAML aliases can share or nest a value in itself
            stack.extend([*item.keys(), *item.values()] if isinstance(item, dict) else item)
    return None


_KEY = re.compile(r"^([^\s#:][^:]*?)\s*:")


def display_path(path: Path, root: Path) -> str:
    """A path as messages show it: relative to the site root when it is inside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
