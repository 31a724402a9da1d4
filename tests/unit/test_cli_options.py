"""What the commands share (sitegen/cli/options.py) and what they print after a preview build
(sitegen/cli/serve_command.py)."""

from __future__ import annotations

from datetime import timedelta

import click
import pytest

from sitegen.cli.options import build_process, parse_now
from sitegen.cli.serve_command import _after_changes


def test_now_is_an_iso_time_with_a_zone() -> None:
    assert parse_now(None) is None and parse_now("") is None
    parsed = parse_now("2025-05-12T10:00:00Z")
    assert parsed is not None and parsed.utcoffset() == timedelta(0)
    for value, says in (
        ("yesterday", "is not an ISO 8601 time"),
        ("2025-05-12T10:00:00", "needs a time zone"),
        ("0900-01-01T00:00:00+00:00", "is out of range"),
    ):
        with pytest.raises(click.BadParameter, match=says):
            parse_now(value)


def test_a_command_a_test_invokes_runs_in_no_build_process() -> None:
    with click.Context(click.Command("build")):
        assert build_process() is None


def test_a_preview_build_names_the_changes_that_started_it() -> None:
    assert _after_changes(()) == ""
    assert _after_changes(("content/a.md",)) == " after changes to content/a.md"
    assert _after_changes(("a.md", "b.md", "c.md")) == " after changes to a.md and 2 more"
