"""Readable URL slugs from titles in any script."""

from __future__ import annotations

import re
import unicodedata

_SPECIAL = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ł": "l",
        "Ł": "l",
        "œ": "oe",
        "Œ": "oe",
        "þ": "th",
        "ð": "d",
        "ı": "i",
        "&": " ",
    }
)
_NOT_WORD = re.compile(r"[^\w]+")
_VALID = re.compile(r"^[^\W_][\w-]*$")


def slugify(text: str, max_length: int = 80) -> str:
    """`São Paulo café, 2025!` -> `sao-paulo-cafe-2025`; non-Latin letters are kept (Москва -> москва)."""
    text = text.translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = unicodedata.normalize("NFC", stripped).lower()
    slug = _NOT_WORD.sub("-", stripped.replace("_", "-")).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug


def is_valid_slug(slug: str) -> bool:
    """A slug is one path segment of letters, digits and hyphens: never `..`, `/` or a dot file."""
    return bool(_VALID.match(slug))
