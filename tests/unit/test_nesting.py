"""The nesting limit is ours: whatever the installed Python-Markdown can convert, a story that
nests lists or quotes more than MAX_NESTING levels is refused with the same message."""

from __future__ import annotations

import pytest

from sitegen.errors import ContentError
from sitegen.load.markup import MAX_NESTING, Converter


def convert(text: str) -> str:
    return Converter("sanitize", (), 3).convert(text, "articles/x/y.md").html


@pytest.mark.parametrize(
    "deep",
    [
        "* " * (MAX_NESTING + 1) + "deep\n",
        "> " * (MAX_NESTING + 1) + "deep\n",
        ">" * (MAX_NESTING + 1) + " deep\n",
        "1. " * (MAX_NESTING + 1) + "deep\n",
        "- > " * (MAX_NESTING // 2 + 1) + "deep\n",
        "    " * (MAX_NESTING + 1) + "* deep\n",
    ],
    ids=["bullets", "quotes", "tight-quotes", "numbers", "mixed", "indent"],
)
def test_past_the_limit_is_refused_with_the_line(deep: str) -> None:
    with pytest.raises(ContentError) as caught:
        convert("Intro paragraph.\n\n" + deep)
    assert "line 3 of the story's text" in caught.value.message
    assert f"more than {MAX_NESTING} levels" in caught.value.message


def test_at_the_limit_converts() -> None:
    html = convert("* " * MAX_NESTING + "deep\n")
    assert html.count("<ul>") == MAX_NESTING


@pytest.mark.parametrize(
    "text",
    ["*" * 200 + "\n", "-" * 200 + "\n", "1.2.3.4.5 " * 60 + "\n", "a * b * c " * 60 + "\n"],
    ids=["asterisk-rule", "dash-rule", "dotted-numbers", "inline-stars"],
)
def test_long_lines_that_do_not_nest_pass(text: str) -> None:
    convert(text)
