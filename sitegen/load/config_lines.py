"""Line numbers in sitegen.toml, so a config message can point at the key it is about."""

from __future__ import annotations

import re
from dataclasses import dataclass

_DOTTED = re.compile(r"^(.*?)(?:\[(\d+)\])?(?:\.([^.\[\]]+))?$")
"""A dotted setting name as messages write it: table, optional [n], optional .key."""
_ANY_HEADER = re.compile(r"^[ \t]*\[")


@dataclass(frozen=True)
class ConfigLines:
    """The config file's path and text (empty when there is no file)."""

    path: str
    text: str

    def line_of(self, dotted: str) -> int | None:
        """Best-effort line of a key: tomllib keeps no positions, so find the key's table
        (`[a.b]`, or the n-th `[[a.b]]` for `a.b[n]`) and then `key =` inside it."""
        if not self.text:
            return None
        lines = self.text.split("\n")
        table, index, leaf = _split_dotted(dotted)
        if table:
            return _line_in_table(lines, table, index, leaf)
        # A top-level key: it can only sit above the first table header.
        return _key_line(lines, leaf or "", 0, _next_header(lines, 0))


def toml_error_line(message: str) -> int | None:
    """The line a tomllib error message names, if any."""
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _split_dotted(dotted: str) -> tuple[str, int | None, str | None]:
    """`a.b[2].c` -> ("a.b", 2, "c"); `a.b` -> ("a", None, "b"); `a` -> ("", None, "a")."""
    match = _DOTTED.match(dotted)
    if match is None or (match.group(2) is None and match.group(3) is None):
        # Nothing to split off (no [n], no plain .key at the end): look for the whole name,
        # in the table before its last dot.
        return (dotted.rsplit(".", 1)[0] if "." in dotted else ""), None, dotted
    table, index, leaf = match.groups()
    return table, (int(index) if index is not None else None), leaf


def _line_in_table(lines: list[str], table: str, index: int | None, leaf: str | None) -> int | None:
    """Line of `leaf` in the index-th header of `table` (the header itself when leaf is None)."""
    header = re.compile(rf"^[ \t]*\[\[?[ \t]*{re.escape(table)}[ \t]*\]\]?[ \t]*(#.*)?$")
    headers = [i for i, line in enumerate(lines) if header.match(line)]
    pick = index or 0
    if pick >= len(headers):
        # No such table (or fewer [[array]] entries): the first one is the best guess.
        return headers[0] + 1 if headers else None
    start = headers[pick]
    if leaf is None:
        return start + 1
    found = _key_line(lines, leaf, start + 1, _next_header(lines, start + 1))
    # A key the file does not spell out (say, one a CLI override set) points below the header.
    return found if found is not None else start + 2


def _next_header(lines: list[str], start: int) -> int:
    """Index of the first table header at or after `start`, or the end of the file."""
    return next((i for i in range(start, len(lines)) if _ANY_HEADER.match(lines[i])), len(lines))


def _key_line(lines: list[str], leaf: str, start: int, end: int) -> int | None:
    """1-based line of `leaf =` (bare or quoted) among lines[start:end]."""
    key = re.compile(rf"^[ \t]*[\"']?{re.escape(leaf)}[\"']?[ \t]*=")
    return next((i + 1 for i in range(start, end) if key.match(lines[i])), None)
