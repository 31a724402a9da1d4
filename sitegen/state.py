"""The build cache of one site: parsed sources with their converted Markdown and checked front
matter, related-article lists, compiled templates, and the fingerprint of every output (the
search records beside it are search_records.py's). One SQLite file, written in one transaction
at the end of a successful build, so a killed or failed build leaves the previous cache intact.

A source is stored in two places: what every build needs (its front matter, what its Markdown
links to and how long it is), pickled together with the other sources of its bucket, and its
HTML, which only the builds that render its page need. `load` reads the buckets; `html` fetches
one source's HTML. The body text is not stored:
the file itself has it (reuse.py reads it back when a message needs a line number).

Outside the pipeline: build.py and reuse.py ask it what is still valid; nothing in the model or
renderer knows it exists. When in doubt it answers "rebuild"."""

from __future__ import annotations

import pickle
import sqlite3
import uuid
import zlib
from collections.abc import Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sitegen import __version__
from sitegen.lazy import Lazy
from sitegen.markup import Markup
from sitegen.model.articles import ArticleDraft
from sitegen.sources import SourceFile

SCHEMA = f"7:{__version__}"
BUCKETS = 64
"""Sources are pickled in this many groups, by a hash of their path: 10,000 rows unpickled
one by one took twice as long as the same rows in 64 lists, and an edit rewrites one list."""
RACY_NS = 2_000_000_000
"""A file changed this close to the moment it was scanned may change again within the same
timestamp tick; such entries are re-hashed next time instead of trusted by size and time."""
_UNREADABLE = (sqlite3.Error, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
               TypeError, ValueError, IndexError)  # fmt: skip
"""What reading back a damaged or foreign row can raise."""


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
    and what related_articles reads of it (see reuse.py)."""

    def trusted(self, size: int, mtime_ns: int) -> bool:
        return (
            size == self.size
            and mtime_ns == self.mtime_ns
            and self.scanned_ns - self.mtime_ns > RACY_NS
        )


class BuildState:
    def __init__(self, folder: Path, *, remember: bool = False) -> None:
        self.folder = folder
        self.path = folder / "state.sqlite"
        self._remember = remember
        """Keep what `save` wrote in memory for the next build of this process (the preview
        server's): reading 10,000 rows back is a quarter of a small rebuild."""
        self._kept: _Kept | None = None
        """The remembered state, once `load` has found the cache still the one it describes."""
        self._templates: dict[str, bytes] = {}
        """Templates compiled during this build, written by `save` with everything else."""

    def _connect(self) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None or row[0] != SCHEMA:
            # Another version's tables may have other columns: start them again.
            db.executescript(
                "DELETE FROM meta; DROP TABLE IF EXISTS sources; DROP TABLE IF EXISTS html; "
                "DROP TABLE IF EXISTS outputs; DROP TABLE IF EXISTS related; "
                "DROP TABLE IF EXISTS templates;"
            )
            db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA,))
            db.commit()
        db.executescript(
            """
            -- rels: the bucket's source paths, one per line, so a save sees who left it.
            CREATE TABLE IF NOT EXISTS sources (bucket INTEGER PRIMARY KEY, rels TEXT, data BLOB);
            CREATE TABLE IF NOT EXISTS html (
                rel TEXT PRIMARY KEY, digest TEXT, markup_key TEXT, html TEXT
            );
            -- Which version of each file's HTML is kept, without reading the HTML itself.
            CREATE INDEX IF NOT EXISTS html_version ON html (rel, digest, markup_key);
            -- shows: the ids of the articles whose digests the output's fingerprint covers
            -- (edit_plan.article_id), so an edit finds the pages showing what it changed.
            CREATE TABLE IF NOT EXISTS outputs (path TEXT PRIMARY KEY, fingerprint TEXT, shows TEXT);
            CREATE TABLE IF NOT EXISTS related (signature TEXT PRIMARY KEY, data BLOB);
            CREATE TABLE IF NOT EXISTS templates (key TEXT PRIMARY KEY, data BLOB);
            """
        )
        return db

    def load(self) -> Snapshot:
        """Everything cached but the HTML, or an empty snapshot when the cache is missing or
        unreadable. The body and HTML of each source come back pending (see sitegen/lazy.py):
        whoever trusts a row binds them to where they can be fetched."""
        if not self.path.exists():
            return empty_snapshot()
        kept = _KEPT.pop(self.path, None) if self._remember else None
        try:
            with closing(self._connect()) as db:
                meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
                if kept is not None and meta.get("generation") == kept.generation:
                    self._kept = kept
                    return Snapshot(meta, kept.sources, kept.outputs)
                stored = {
                    rel: (digest, key)
                    for rel, digest, key in db.execute("SELECT rel, digest, markup_key FROM html")
                }
                sources = {}
                for (data,) in db.execute("SELECT data FROM sources"):
                    bucket: list[CachedSource] = pickle.loads(data)
                    for cached in bucket:
                        # A source whose HTML went missing is left out: its file is read again.
                        rel = cached.source.rel
                        if stored.get(rel) == (cached.digest, cached.markup_key):
                            sources[rel] = cached
                outputs = dict(db.execute("SELECT path, fingerprint FROM outputs").fetchall())
        except _UNREADABLE:
            return empty_snapshot()
        return Snapshot(meta, sources, outputs)

    def html(self, rel: str, digest: str, markup_key: str) -> str | None:
        """The stored HTML of one source, None when the cache no longer has this version."""
        row = self._read(
            "SELECT html FROM html WHERE rel = ? AND digest = ? AND markup_key = ?",
            (rel, digest, markup_key),
        )
        return row[0] if row and isinstance(row[0], str) else None

    def template(self, key: str) -> bytes | None:
        """A compiled template kept by an earlier build (Jinja checks it is still current)."""
        row = self._read("SELECT data FROM templates WHERE key = ?", (key,))
        return row[0] if row and isinstance(row[0], bytes) else None

    def keep_template(self, key: str, data: bytes) -> None:
        """Remember a template compiled by this build, for `save` to write."""
        self._templates[key] = data

    def _read(self, query: str, args: tuple[str, ...]) -> tuple[object, ...] | None:
        rows = self._rows(query, args)
        return rows[0] if rows else None

    def _rows(self, query: str, args: Sequence[str]) -> list[tuple[object, ...]] | None:
        """The rows `query` selects; None when the cache is missing or unreadable."""
        if not self.path.exists():
            return None
        try:
            reader = _READERS.get(self.path)
            if reader is None:
                # One per cache in the process, shared by builds and threads (the preview
                # server's rebuilds run on its watcher's): rows outlive the build that read them.
                reader = _READERS[self.path] = sqlite3.connect(self.path, check_same_thread=False)
            rows: list[tuple[object, ...]] = reader.execute(query, args).fetchall()
        except sqlite3.Error:
            return None
        return rows

    def showing(self, ids: Iterable[str]) -> set[str] | None:
        """The outputs whose fingerprints cover any of the articles `ids`, and any output the
        cache does not know that of; None when the cache cannot tell."""
        ids = sorted(ids)
        test = " OR ".join(["instr(shows, ?) > 0"] * len(ids)) or "0"
        rows = self._rows(f"SELECT path FROM outputs WHERE shows IS NULL OR {test}", ids)
        return None if rows is None else {str(path) for (path,) in rows}

    def meta(self) -> dict[str, str]:
        """The small table only: enough to tell that nothing changed."""
        if not self.path.exists():
            return {}
        try:
            with closing(self._connect()) as db:
                return dict(db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error:
            return {}

    def related(self, signature: str) -> Mapping[str, tuple[str, ...]] | None:
        kept = self._kept.related if self._kept is not None else None
        if kept is not None and kept[0] == signature:
            return kept[1]
        if not self.path.exists():
            return None
        try:
            with closing(self._connect()) as db:
                row = db.execute(
                    "SELECT data FROM related WHERE signature = ?", (signature,)
                ).fetchone()
        except sqlite3.Error:
            return None
        return pickle.loads(row[0]) if row else None

    def save(
        self,
        meta: Mapping[str, str],
        changed_sources: Mapping[str, CachedSource],
        present: Mapping[str, CachedSource],
        outputs: Mapping[str, str],
        gone_outputs: Iterable[str],
        related: tuple[str, Mapping[str, tuple[str, ...]]] | None,
        every_output: Mapping[str, str] | None = None,
        shows: Mapping[str, str] | None = None,
    ) -> None:
        """Record a successful build: `present` are all its sources, `outputs` the new or
        changed fingerprints (`every_output` all of them, to remember), `shows` the articles
        each of those outputs shows (see `showing`; one missing from it is taken to show any)."""
        keep = set(present)
        reader = _READERS.pop(self.path, None)
        if reader is not None:
            reader.close()
        # A new generation each time, whoever saves: a remembered state is only good for the
        # cache it was saved as.
        generation = uuid.uuid4().hex
        meta = {**meta, "generation": generation}
        with closing(self._connect()) as db, db:
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(meta.items()))
            stored = {
                rel: (digest, key)
                for rel, digest, key in db.execute("SELECT rel, digest, markup_key FROM html")
            }
            # The buckets whose sources changed, came or went; a generator, not a list: a cold
            # build would otherwise hold every pickled bucket at once.
            members: dict[int, list[str]] = {}
            for rel in sorted(present):
                members.setdefault(_bucket(rel), []).append(rel)
            dirty = {_bucket(rel) for rel in changed_sources}
            for bucket, rels in db.execute("SELECT bucket, rels FROM sources"):
                if rels != "\n".join(members.get(bucket, ())):
                    dirty.add(bucket)
            db.executemany("DELETE FROM sources WHERE bucket = ?", [(b,) for b in dirty])
            db.executemany(
                "INSERT INTO sources VALUES (?, ?, ?)",
                (
                    (b, "\n".join(members[b]), _rows([present[rel] for rel in members[b]]))
                    for b in sorted(dirty)
                    if b in members
                ),
            )
            # HTML the cache already holds for this version of the file is not fetched again.
            db.executemany(
                "INSERT OR REPLACE INTO html VALUES (?, ?, ?, ?)",
                (
                    (rel, c.digest, c.markup_key, c.markup.html)
                    for rel, c in changed_sources.items()
                    if c.markup is not None and stored.get(rel) != (c.digest, c.markup_key)
                ),
            )
            stale = [(rel,) for (rel,) in db.execute("SELECT rel FROM html") if rel not in keep]
            db.executemany("DELETE FROM html WHERE rel = ?", stale)
            db.executemany("DELETE FROM outputs WHERE path = ?", [(p,) for p in gone_outputs])
            shown = shows or {}
            db.executemany(
                "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?)",
                [(path, mark, shown.get(path)) for path, mark in outputs.items()],
            )
            db.executemany(
                "INSERT OR REPLACE INTO templates VALUES (?, ?)", self._templates.items()
            )
            self._templates = {}
            if related is not None:
                db.execute("DELETE FROM related")
                db.execute(
                    "INSERT INTO related VALUES (?, ?)",
                    (related[0], pickle.dumps(dict(related[1]))),
                )
        if self._remember and every_output is not None:
            if related is None and self._kept is not None:
                related = self._kept.related
            # As `load` would give them back: a source without HTML is read again.
            sources = {rel: c for rel, c in present.items() if c.markup is not None}
            _KEPT[self.path] = _Kept(generation, sources, dict(every_output), related)


@dataclass(frozen=True)
class _Kept:
    """What a build of this process saved, kept for its next one."""

    generation: str
    sources: Mapping[str, CachedSource]
    outputs: Mapping[str, str]
    related: tuple[str, Mapping[str, tuple[str, ...]]] | None


_KEPT: dict[Path, _Kept] = {}
_READERS: dict[Path, sqlite3.Connection] = {}


def clock_holds(meta: Mapping[str, str], now: datetime) -> bool:
    """Whether the clock alone leaves the output of the build that saved `meta` as it was at
    `now`: not before that build (a clock set back puts stories under embargo again), not past
    the moment it was valid until."""
    try:
        built = datetime.fromisoformat(meta["built_at"])
        until = datetime.fromisoformat(meta["valid_until"])
    except (KeyError, ValueError):
        return False
    return built <= now < until


def close_readers() -> None:
    """Close the shared HTML readers: a process that ends without tearing down (cli.run) would
    otherwise leave the cache's write-ahead log files behind."""
    while _READERS:
        _READERS.popitem()[1].close()


def _bucket(rel: str) -> int:
    return zlib.crc32(rel.encode()) % BUCKETS


def _rows(sources: list[CachedSource]) -> bytes:
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


@dataclass(frozen=True)
class Snapshot:
    meta: Mapping[str, str]
    sources: Mapping[str, CachedSource]
    outputs: Mapping[str, str]


def empty_snapshot() -> Snapshot:
    return Snapshot({}, {}, {})
