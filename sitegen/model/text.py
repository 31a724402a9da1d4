"""Derived text: summaries, reading times and dates in words."""

from __future__ import annotations

import math
from datetime import date


def derive_summary(first_paragraph: str, length: int) -> str:
    """The first paragraph cut at a word near `length` characters, with an ellipsis when cut."""
    text = " ".join(first_paragraph.split())
    if len(text) <= length:
        return text
    cut = text[: length + 1].rsplit(" ", 1)[0].rstrip(",;:.–—- ")
    return cut + "…"


def reading_minutes(word_count: int, words_per_minute: int) -> int:
    return max(1, math.ceil(word_count / words_per_minute))


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip


def long_date(d: date) -> str:
    """November 28, 2026: how the theme and the search results print a date."""
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"
