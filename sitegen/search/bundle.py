"""Pagefind's bundle made a function of the pages alone (search/pagefind.py runs Pagefind).

Pagefind (1.5) writes its filter indexes, and the list of them in each language's pf_meta, in
hash-map order, which changes from run to run (upstream says so in issue #638): the same pages
would give a different bundle each build, and incremental builds could never equal clean ones.
stabilise_bundle() sorts those lists and renames the files by their new content. Pagefind's
files are "pagefind_dcd" + CBOR, gzipped; each one is decoded and re-encoded only when that
round trip reproduces its bytes exactly, so an unforeseen format is left as Pagefind wrote it."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

_SIGNATURE = b"pagefind_dcd"


def stabilise_bundle(bundle: Path) -> None:
    """Make the Pagefind bundle in `bundle` a function of the pages alone: filter values and the
    filter list in pf_meta sorted, and their files named by a hash of what they now hold."""
    entry_path = bundle / "pagefind-entry.json"
    try:
        entry_text = entry_path.read_text(encoding="utf-8")
        languages = json.loads(entry_text)["languages"]
    except (OSError, ValueError, KeyError, TypeError):
        return
    for info in languages.values():
        old = info.get("hash") if isinstance(info, dict) else None
        if not isinstance(old, str) or f'"hash":"{old}"' not in entry_text:
            continue  # not the entry file we know: renaming its pf_meta would break search
        new = _stabilise_language(bundle, old)
        if new != old:
            entry_text = entry_text.replace(f'"hash":"{old}"', f'"hash":"{new}"')
    entry_path.write_text(entry_text, encoding="utf-8")


def _stabilise_language(bundle: Path, meta_hash: str) -> str:
    """Sort one language's filters; returns the new hash of its pf_meta (or the old one)."""
    meta_path = bundle / f"pagefind.{meta_hash}.pf_meta"
    meta = read_cbor(meta_path)
    if meta is None:
        return meta_hash
    renamed: dict[str, str] = {}

    def filter_lists(node: Any) -> list[list[Any]]:
        """The [name, hash] lists in pf_meta that point at filter files."""
        if not isinstance(node, list):
            return []
        if all(_is_filter_ref(bundle, item) for item in node) and node:
            return [node]
        return [found for item in node for found in filter_lists(item)]

    for refs in filter_lists(meta):
        for ref in refs:
            if ref[1] not in renamed:
                renamed[ref[1]] = _stabilise_filter(bundle, ref[1])
            ref[1] = renamed[ref[1]]
        refs.sort(key=lambda ref: ref[0])
    data = _SIGNATURE + _encode(meta)
    new_hash = _hashed(meta_hash, data, 10)
    if new_hash != meta_hash:
        _write_gzip(bundle / f"pagefind.{new_hash}.pf_meta", data)
        meta_path.unlink()
    return new_hash


def _is_filter_ref(bundle: Path, item: Any) -> bool:
    return (
        isinstance(item, list)
        and len(item) == 2
        and all(isinstance(x, str) for x in item)
        and "/" not in item[1]
        and (bundle / "filter" / f"{item[1]}.pf_filter").is_file()
    )


def _stabilise_filter(bundle: Path, old: str) -> str:
    """Sort one filter's values; returns the filter file's new hash (or the old one)."""
    path = bundle / "filter" / f"{old}.pf_filter"
    decoded = read_cbor(path)
    if not (
        isinstance(decoded, list)
        and len(decoded) == 2
        and isinstance(decoded[1], list)
        and all(isinstance(v, list) and v and isinstance(v[0], str) for v in decoded[1])
    ):
        return old
    decoded[1].sort(key=lambda value: value[0])
    data = _SIGNATURE + _encode(decoded)
    new = _hashed(old, data, 7)
    if new != old:
        _write_gzip(bundle / "filter" / f"{new}.pf_filter", data)
        path.unlink()
    return new


def _hashed(old: str, data: bytes, length: int) -> str:
    """Pagefind's naming (language, underscore, hex digits) with a hash of the content."""
    language = old.rsplit("_", 1)[0]
    return f"{language}_{hashlib.sha256(data).hexdigest()[:length]}"


def read_cbor(path: Path) -> Any:
    """The decoded content of a Pagefind file, or None when it is not what we expect."""
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    if not data.startswith(_SIGNATURE):
        return None
    body = data[len(_SIGNATURE) :]
    try:
        value, end = _decode(body, 0)
    except (IndexError, ValueError, UnicodeDecodeError):
        return None
    if end != len(body) or _encode(value) != body:
        return None
    return value


def _write_gzip(path: Path, data: bytes) -> None:
    path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))


def _decode(data: bytes, at: int) -> tuple[Any, int]:
    """One CBOR item (unsigned and negative integers, byte and text strings, arrays) at `at`."""
    head = data[at]
    major, info = head >> 5, head & 31
    at += 1
    if info < 24:
        arg = info
    elif info <= 27:
        size = 1 << (info - 24)
        arg = int.from_bytes(data[at : at + size], "big")
        at += size
    else:
        raise ValueError(f"unsupported CBOR head {head:#x}")
    if major == 0:
        return arg, at
    if major == 1:
        return -1 - arg, at
    if major in (2, 3):
        raw = data[at : at + arg]
        if len(raw) != arg:
            raise ValueError("truncated CBOR string")
        return (raw if major == 2 else raw.decode("utf-8")), at + arg
    if major == 4:
        items = []
        for _ in range(arg):
            item, at = _decode(data, at)
            items.append(item)
        return items, at
    raise ValueError(f"unsupported CBOR major type {major}")


def _encode(value: Any) -> bytes:
    """Shortest-form CBOR, as Pagefind writes it."""
    if isinstance(value, bool):
        raise ValueError("booleans are not expected")
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(_encode(v) for v in value)
    raise ValueError(f"cannot encode {type(value).__name__}")


def _head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | info]) + arg.to_bytes(size, "big")
    raise ValueError("integer too large for CBOR")
