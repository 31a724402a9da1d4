"""What the build cache (state.py) stores of each source, and how a bucket of them is written
and read back: pickled without the body and HTML, with a digest that is checked before the
bytes are unpickled (cache_db.py). Also the digest of each file the build reads, by the stat key
it was taken under (stamps.py), kept in buckets the same way."""

from __future__ import annotations

import pickle
import sqlite3
import zlib
from collections.abc import Iterator, Mapping
from contextlib import closing, suppress
from dataclasses import dataclass, replace
from pathlib import Path

from sitegen.incremental.cache_db import READ_ERRORS, checksum, connect, connect_to_read, intact
from sitegen.lazy import Lazy
from sitegen.load.markup import Markup
from sitegen.load.sources import SourceFile
from sitegen.model.articles import ArticleFrontMatter

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
    checked: CheckedArticle | None = None
    """An article's checked front matter (None for a page, or not checked yet). A row is
    reused when `digest`, of the file's bytes, matches (reuse.read_sources); size and times
    are only recorded."""


@dataclass(frozen=True)
class CheckedArticle:
    """An article's front matter as checked (model/articles.py), kept with what it depends on
    besides the file, so an unchanged article is not checked again (reuse.with_checked)."""

    settings_key: str
    """The settings it was checked under: checked again when they change."""
    front_matter: ArticleFrontMatter
    related_key: str
    """What related_articles reads of the article (reuse.related_key)."""


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


StatKey = tuple[int, int, int, int, int]
"""A regular file's (st_size, st_mtime_ns, st_ctime_ns, st_ino, st_dev): see stamps.py."""
KnownFile = tuple[StatKey, str]
"""A file's stat key and the sha256 of its bytes, taken under that key."""
KnownBuckets = dict[int, dict[str, KnownFile]]
"""Known files by bucket (bucket_of their path); a damaged bucket is an empty one."""


def read_known_files(database: Path, schema: str) -> KnownBuckets:
    """The file digests the database holds, by bucket. A bucket whose bytes are not as stored
    comes back empty (its files are hashed again, and the bucket rewritten); a database that is
    missing or cannot be read holds none (BuildState finds out why, and says so)."""
    try:
        db = connect_to_read(database, schema) if database.exists() else None
        if db is None:
            return {}
        with closing(db):
            rows = db.execute("SELECT bucket, data, checksum FROM file_digests").fetchall()
    except READ_ERRORS:
        return {}
    buckets: KnownBuckets = {}
    for bucket, data, check in rows:
        known = unpickled(data, check)
        buckets[bucket] = known if isinstance(known, dict) and _well_formed(known) else {}
    return buckets


def _well_formed(known: dict[object, object]) -> bool:
    return all(
        isinstance(path, str) and type(entry) is tuple and len(entry) == 2
        for path, entry in known.items()
    )


def write_known_files(
    database: Path, schema: str, before: KnownBuckets, after: Mapping[str, KnownFile]
) -> None:
    """Store `after` as the database's file digests, rewriting only the buckets that differ
    from `before` (as read_known_files gave them). Trouble is left for BuildState.save, which
    writes the same database and says what went wrong."""
    buckets: KnownBuckets = {}
    for path, known in after.items():
        buckets.setdefault(bucket_of(path), {})[path] = known
    dirty = {b for b in before.keys() | buckets.keys() if before.get(b) != buckets.get(b)}
    if not dirty:
        return
    data = {b: pickle.dumps(buckets[b], pickle.HIGHEST_PROTOCOL) for b in dirty & buckets.keys()}
    with suppress(sqlite3.Error, OSError), closing(connect(database, schema)) as db, db:
        db.executemany("DELETE FROM file_digests WHERE bucket = ?", [(b,) for b in dirty])
        db.executemany(
            "INSERT INTO file_digests VALUES (?, ?, ?)",
            [(b, blob, checksum(blob)) for b, blob in sorted(data.items())],
        )
