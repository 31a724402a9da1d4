"""The build cache of one site: parsed sources with their converted Markdown and checked front
matter, related-article lists, compiled templates, and the fingerprint of every output. One
SQLite file, written in one transaction at the end of a successful build, so a killed or failed
build leaves the previous cache intact.

A source is stored in two rows: what every build needs (its front matter, what its Markdown
links to and how long it is) and its HTML, which only the builds that render its page need.
`load` reads the first kind; `html` fetches one of the second. The body text is not stored:
the file itself has it (reuse.py reads it back when a message needs a line number).

Outside the pipeline: build.py and reuse.py ask it what is still valid; nothing in the model or
renderer knows it exists. When in doubt it answers "rebuild"."""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path

from sitegen import __version__
from sitegen.lazy import Lazy
from sitegen.markup import Markup
from sitegen.model.articles import ArticleDraft
from sitegen.sources import SourceFile

SCHEMA = f"5:{__version__}"
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
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "state.sqlite"
        self._reader: sqlite3.Connection | None = None
        """Kept open for `html`: a build that renders every page asks once per article."""
        self._templates: dict[str, bytes] = {}
        """Templates compiled during this build, written by `save` with everything else."""

    def _connect(self) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE IF NOT EXISTS sources (rel TEXT PRIMARY KEY, data BLOB);
            CREATE TABLE IF NOT EXISTS html (
                rel TEXT PRIMARY KEY, digest TEXT, markup_key TEXT, html TEXT
            );
            -- Which version of each file's HTML is kept, without reading the HTML itself.
            CREATE INDEX IF NOT EXISTS html_version ON html (rel, digest, markup_key);
            CREATE TABLE IF NOT EXISTS outputs (path TEXT PRIMARY KEY, fingerprint TEXT);
            CREATE TABLE IF NOT EXISTS related (signature TEXT PRIMARY KEY, data BLOB);
            CREATE TABLE IF NOT EXISTS templates (key TEXT PRIMARY KEY, data BLOB);
            """
        )
        row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None or row[0] != SCHEMA:
            db.executescript(
                "DELETE FROM meta; DELETE FROM sources; DELETE FROM html; DELETE FROM outputs; "
                "DELETE FROM related; DELETE FROM templates;"
            )
            db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA,))
            db.commit()
        return db

    def load(self) -> Snapshot:
        """Everything cached but the HTML, or an empty snapshot when the cache is missing or
        unreadable. The body and HTML of each source come back pending (see sitegen/lazy.py):
        whoever trusts a row binds them to where they can be fetched."""
        if not self.path.exists():
            return empty_snapshot()
        try:
            with closing(self._connect()) as db:
                meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
                stored = {
                    rel: (digest, key)
                    for rel, digest, key in db.execute("SELECT rel, digest, markup_key FROM html")
                }
                sources = {}
                for rel, data in db.execute("SELECT rel, data FROM sources"):
                    cached: CachedSource = pickle.loads(data)
                    # A row whose HTML went missing is left out: its file is read again.
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
        if not self.path.exists():
            return None
        try:
            if self._reader is None:
                self._reader = sqlite3.connect(self.path)
            row: tuple[object, ...] | None = self._reader.execute(query, args).fetchone()
        except sqlite3.Error:
            return None
        return row

    def meta(self) -> dict[str, str]:
        """The small table only: enough to tell that nothing changed."""
        if not self.path.exists():
            return {}
        try:
            with closing(self._connect()) as db:
                return dict(db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error:
            return {}

    def related(self, signature: str) -> dict[str, tuple[str, ...]] | None:
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
        present: Iterable[str],
        outputs: Mapping[str, str],
        gone_outputs: Iterable[str],
        related: tuple[str, Mapping[str, tuple[str, ...]]] | None,
    ) -> None:
        """Record a successful build: `outputs` are the new or changed fingerprints."""
        keep = set(present)
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        with closing(self._connect()) as db, db:
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(meta.items()))
            stored = {
                rel: (digest, key)
                for rel, digest, key in db.execute("SELECT rel, digest, markup_key FROM html")
            }
            # Generators, not lists: a cold build would otherwise hold every row at once.
            db.executemany(
                "INSERT OR REPLACE INTO sources VALUES (?, ?)",
                ((rel, _row(c)) for rel, c in changed_sources.items()),
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
            for table in ("sources", "html"):
                stale = [(rel,) for (rel,) in db.execute(f"SELECT rel FROM {table}")
                         if rel not in keep]  # fmt: skip
                db.executemany(f"DELETE FROM {table} WHERE rel = ?", stale)
            db.executemany("DELETE FROM outputs WHERE path = ?", [(p,) for p in gone_outputs])
            db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?)", list(outputs.items()))
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


def _row(cached: CachedSource) -> bytes:
    """A source without its body and HTML: those come back pending (see `load`)."""
    markup = cached.markup
    light = replace(
        cached,
        source=replace(cached.source, lazy_body=Lazy()),
        markup=None if markup is None else replace(markup, lazy_html=Lazy()),
    )
    return pickle.dumps(light, protocol=pickle.HIGHEST_PROTOCOL)


@dataclass(frozen=True)
class Snapshot:
    meta: Mapping[str, str]
    sources: Mapping[str, CachedSource]
    outputs: Mapping[str, str]


def empty_snapshot() -> Snapshot:
    return Snapshot({}, {}, {})
