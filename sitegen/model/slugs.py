"""Readable URL slugs from titles in any script, and the key under which two URLs are one file
on a case-insensitive file system (macOS, Windows)."""

from __future__ import annotations

import re
import unicodedata

_ASCII_WORDS = re.compile(r"[a-z0-9]+")
_ASCII_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")

_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d",
                          "ł": "l", "Ł": "l", "œ": "oe", "Œ": "oe", "þ": "th", "ð": "d", "ı": "i",
                          "&": " "})  # fmt: skip
_SPELLED = re.compile(r"(?<=[^\W_])[+#\u266f]+")
"""A run of `+`, `#` or `♯` right after a letter or digit: C++, C#, F♯, 1+1."""
_SYMBOL_WORDS = {"+": " plus ", "#": " sharp ", "\u266f": " sharp "}


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


def term_slug(name: str) -> str:
    """The slug of a section or tag name: `slugify`, but a `+`, `#` or `♯` right after a letter
    or digit is spelled out, so names that differ by them get pages of their own (`C` -> `c`,
    `C++` -> `c-plus-plus`, `C#` -> `c-sharp`, `Notepad++` -> `notepad-plus-plus`). Elsewhere
    they go like other punctuation (`#MeToo` -> `metoo`, `A + B` -> `a-b`). Names that still
    share a slug are one section or tag, shown as first spelled (model/articles.py warns)."""
    if "+" in name or "#" in name or "\u266f" in name:
        name = _SPELLED.sub(lambda m: "".join(_SYMBOL_WORDS[c] for c in m.group()), name)
    return slugify(name)


def same_file_key(path: str) -> str:
    """`path` as a case-insensitive, normalisation-insensitive file system (APFS, HFS+, NTFS)
    compares names: two URLs with the same key are written to one file there, whichever is
    written last winning (`/Café/` typed as NFC or NFD, `/Cafe/` and `/cafe/`)."""
    return unicodedata.normalize("NFC", path).casefold()


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
