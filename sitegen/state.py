"""The build cache of one site: parsed sources with their converted Markdown, related-article
lists, and the fingerprint of every output. One SQLite file, written in one transaction at the
end of a successful build, so a killed build leaves the previous cache intact.

Outside the pipeline: build.py asks it what is still valid; nothing in the model or renderer
knows it exists. When in doubt it answers "rebuild"."""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sitegen import __version__
from sitegen.markup import Markup
from sitegen.sources import SourceFile

SCHEMA = f"4:{__version__}"
RACY_NS = 2_000_000_000
"""A file changed this close to the moment it was scanned may change again within the same
timestamp tick; such entries are re-hashed next time instead of trusted by size and time."""


@dataclass(frozen=True)
class CachedSource:
    size: int
    mtime_ns: int
    scanned_ns: int
    digest: str
    source: SourceFile
    markup_key: str
    markup: Markup | None

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

    def _connect(self) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE IF NOT EXISTS sources (rel TEXT PRIMARY KEY, data BLOB);
            CREATE TABLE IF NOT EXISTS outputs (path TEXT PRIMARY KEY, fingerprint TEXT);
            CREATE TABLE IF NOT EXISTS related (signature TEXT PRIMARY KEY, data BLOB);
            """
        )
        row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None or row[0] != SCHEMA:
            db.executescript(
                "DELETE FROM meta; DELETE FROM sources; DELETE FROM outputs; DELETE FROM related;"
            )
            db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA,))
            db.commit()
        return db

    def load(self) -> Snapshot:
        """Everything cached, or an empty snapshot when the cache is missing or unreadable."""
        if not self.path.exists():
            return empty_snapshot()
        try:
            with closing(self._connect()) as db:
                meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
                sources = {
                    rel: pickle.loads(data)
                    for rel, data in db.execute("SELECT rel, data FROM sources")
                }
                outputs = dict(db.execute("SELECT path, fingerprint FROM outputs").fetchall())
        except (sqlite3.Error, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return empty_snapshot()
        return Snapshot(meta, sources, outputs)

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
        with closing(self._connect()) as db, db:
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(meta.items()))
            # A generator, not a list: a cold build would otherwise hold every pickle at once.
            db.executemany(
                "INSERT OR REPLACE INTO sources VALUES (?, ?)",
                (
                    (rel, pickle.dumps(c, protocol=pickle.HIGHEST_PROTOCOL))
                    for rel, c in changed_sources.items()
                ),
            )
            stale = [(rel,) for (rel,) in db.execute("SELECT rel FROM sources") if rel not in keep]
            db.executemany("DELETE FROM sources WHERE rel = ?", stale)
            db.executemany("DELETE FROM outputs WHERE path = ?", [(p,) for p in gone_outputs])
            db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?)", list(outputs.items()))
            if related is not None:
                db.execute("DELETE FROM related")
                db.execute(
                    "INSERT INTO related VALUES (?, ?)",
                    (related[0], pickle.dumps(dict(related[1]))),
                )


@dataclass(frozen=True)
class Snapshot:
    meta: Mapping[str, str]
    sources: Mapping[str, CachedSource]
    outputs: Mapping[str, str]


def empty_snapshot() -> Snapshot:
    return Snapshot({}, {}, {})
