"""sitegen.model.text: derived summaries and reading times."""

from __future__ import annotations

import pytest

from sitegen.model.text import derive_summary, reading_minutes


def test_short_text_is_untouched() -> None:
    assert derive_summary("Ministers met on Tuesday.", 160) == "Ministers met on Tuesday."


def test_whitespace_is_collapsed() -> None:
    assert derive_summary("  Ministers\n met   on\tTuesday. ", 160) == "Ministers met on Tuesday."


def test_text_of_exactly_the_length_is_untouched() -> None:
    assert derive_summary("exact", 5) == "exact"


def test_long_text_is_cut_at_a_word_with_an_ellipsis() -> None:
    summary = derive_summary("The quick brown fox jumps over the lazy dog", 20)
    assert summary == "The quick brown fox…"


def test_cut_does_not_end_in_punctuation() -> None:
    assert derive_summary("The quick brown, fox jumps", 16) == "The quick brown…"
    assert derive_summary("Talks resumed — again and again", 14) == "Talks resumed…"


def test_word_ending_at_the_limit_is_kept() -> None:
    assert derive_summary("The quick brown fox jumps", 15) == "The quick brown…"


def test_single_long_word_is_cut_hard() -> None:
    assert derive_summary("Supercalifragilisticexpialidocious word", 10) == "Supercalifr…"


@pytest.mark.parametrize("length", [10, 40, 80, 160])
def test_summary_never_much_longer_than_asked(length: int) -> None:
    text = " ".join(["word"] * 100)
    summary = derive_summary(text, length)
    assert summary.endswith("…")
    assert len(summary) <= length + 1
    assert summary[:-1] == summary[:-1].rstrip()


@pytest.mark.parametrize(
    ("words", "per_minute", "minutes"),
    [(0, 200, 1), (1, 200, 1), (200, 200, 1), (201, 200, 2), (400, 200, 2), (401, 200, 3)],
)
def test_reading_minutes_rounds_up_and_is_at_least_one(
    words: int, per_minute: int, minutes: int
) -> None:
    assert reading_minutes(words, per_minute) == minutes
