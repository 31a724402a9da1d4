"""Readable URL slugs from titles in any script."""

from __future__ import annotations

import re
import unicodedata

_ASCII_WORDS = re.compile(r"[a-z0-9]+")
_ASCII_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")

_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d",
                          "ł": "l", "Ł": "l", "œ": "oe", "Œ": "oe", "þ": "th", "ð": "d", "ı": "i",
                          "&": " "})  # fmt: skip


def _latin(ch: str) -> bool:
    """Scripts whose combining marks are accents, dropped from slugs: Latin, Greek, Cyrillic."""
    return ch.isascii() or "\u00c0" <= ch <= "\u052f" or "\u1e00" <= ch <= "\u1fff"


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M")


def slugify(text: str, max_length: int = 80) -> str:
    """`São Paulo café, 2025!` -> `sao-paulo-cafe-2025`; other scripts keep their letters and
    marks (`Москва` -> `москва`, `हिन्दी` -> `हिन्दी`)."""
    if text.isascii():
        slug = "-".join(_ASCII_WORDS.findall(text.replace("&", " ").lower()))
        return _cut(slug, max_length)
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    kept: list[str] = []
    base_is_latin = True
    for ch in decomposed:
        if _is_mark(ch):
            # Accents on Latin letters go (é -> e); marks are letters' vowels in Indic scripts.
            if not base_is_latin:
                kept.append(ch)
            continue
        base_is_latin = _latin(ch)
        kept.append(ch if ch.isalnum() else "-")
    slug = unicodedata.normalize("NFC", "".join(kept)).lower()
    slug = "-".join(part for part in slug.split("-") if part)
    return _cut(slug, max_length)


def _cut(slug: str, max_length: int) -> str:
    """At most max_length characters, cut at a hyphen so no word is broken."""
    if len(slug) <= max_length:
        return slug
    cut = slug[:max_length]
    if slug[max_length] != "-":
        cut = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return cut.strip("-")


def is_valid_slug(slug: str) -> bool:
    """A slug is one path segment of letters, marks, digits and hyphens: never `..`, `/` or a
    dot file."""
    if slug.isascii():  # the common case, in one regex instead of a test per character
        return _ASCII_SLUG.fullmatch(slug) is not None
    if not slug or slug[0] in "-_" or _is_mark(slug[0]):
        return False
    return all(ch.isalnum() or ch in "-_" or _is_mark(ch) for ch in slug)
