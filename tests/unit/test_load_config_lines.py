"""sitegen.load.config_lines: which line of sitegen.toml a dotted setting name points at."""

from __future__ import annotations

import pytest

from sitegen.load.config_lines import ConfigLines, toml_error_line

TEXT = """\
title = "News"
"tagline" = "Daily"

[feeds]
items = 0
# [related]

[[menu.main]]
section = "world"

[[menu.main]]
url = "javascript:x"
"""


@pytest.mark.parametrize(
    ("dotted", "line"),
    [
        ("title", 1),
        ("tagline", 2),  # quoted keys count too
        ("feeds.items", 5),
        ("feeds.formats", 5),  # not written (say, a CLI override): just below the header
        ("menu.main[0]", 8),
        ("menu.main[1].url", 12),
        ("menu.main[5]", 8),  # no such entry: the first one is the best guess
        ("related.count", None),  # only a comment mentions [related]
        ("url", None),  # a top-level key is never looked for inside a table
    ],
)
def test_line_of(dotted: str, line: int | None) -> None:
    assert ConfigLines("sitegen.toml", TEXT).line_of(dotted) == line


def test_no_file_has_no_lines() -> None:
    assert ConfigLines("sitegen.toml", "").line_of("title") is None


def test_toml_error_line() -> None:
    assert toml_error_line("Expected '=' after a key (at line 3, column 7)") == 3
    assert toml_error_line("Invalid value") is None
