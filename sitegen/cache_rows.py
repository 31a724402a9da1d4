"""What the build cache (state.py) stores of each source, and how a bucket of them is written
and read back: pickled without the body and HTML, with a digest that is checked before the
bytes are unpickled (cache_db.py)."""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from sitegen.cache_db import READ_ERRORS, checksum, intact
from sitegen.lazy import Lazy
from sitegen.markup import Markup
from sitegen.model.articles import ArticleDraft
from sitegen.sources import SourceFile

BUCKETS = 64
"""Sources are pickled in this many groups, by a hash of their path: 10,000 rows unpickled
one by one took twice as long as the same rows in 64 lists, and an edit rewrites one list."""


@dataclass(frozen=True)
class CachedSource:
    size: int
    mtime_ns: int
    scanned_ns: int
    digest: str
    source: SourceFile
    markup_key: str
    markup: Markup | None
    draft: tuple[str, ArticleDraft, str] | None = None
    """An article's checked front matter, with the key of the settings it was checked under
    and what related_articles reads of it (see reuse.py). A row is reused when `digest`, of
    the file's bytes, matches (reuse.read_sources); size and times are only recorded."""


@dataclass(frozen=True)
class Snapshot:
    meta: Mapping[str, str]
    sources: Mapping[str, CachedSource]
    outputs: Mapping[str, str]


def empty_snapshot() -> Snapshot:
    return Snapshot({}, {}, {})


def bucket_of(rel: str) -> int:
    return zlib.crc32(rel.encode()) % BUCKETS


def pickled(sources: list[CachedSource]) -> bytes:
    """Sources without their body and HTML: those come back pending (see `load`)."""
    light = [
        replace(
            cached,
            source=replace(cached.source, lazy_body=Lazy()),
            markup=None if cached.markup is None else replace(cached.markup, lazy_html=Lazy()),
        )
        for cached in sources
    ]
    return pickle.dumps(light, protocol=pickle.HIGHEST_PROTOCOL)


def bucket_inserts(
    members: Mapping[int, list[str]], present: Mapping[str, CachedSource], dirty: set[int]
) -> Iterator[tuple[int, str, bytes, str]]:
    """The rows of the `dirty` buckets that have members; made one at a time, since a cold
    build would otherwise hold every pickled bucket at once."""
    for bucket in sorted(dirty & members.keys()):
        data = pickled([present[rel] for rel in members[bucket]])
        yield bucket, "\n".join(members[bucket]), data, checksum(data)


def read_bucket(data: object, check: object) -> list[CachedSource] | None:
    """A bucket's sources as stored, None when its bytes are not what was stored."""
    rows = unpickled(data, check)
    if not isinstance(rows, list) or not all(isinstance(c, CachedSource) for c in rows):
        return None
    return rows


def unpickled(data: object, check: object) -> object:
    """The value pickled in `data`, only if `data` matches its digest `check` (None if not, or
    if it does not load: pickled by another version of the code)."""
    if not isinstance(data, bytes) or not intact(data, check):
        return None
    try:
        return pickle.loads(data)  # bytes this cache wrote, as the digest shows
    except READ_ERRORS:
        return None
