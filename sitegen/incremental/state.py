"""The build cache of one site: parsed sources with their converted Markdown and checked front
matter, related-article lists, compiled templates, and the fingerprint of every output (the
search records beside it are search/records.py's). One SQLite file, written in one transaction
at the end of a successful build, so a killed or failed build leaves the previous cache intact.

A source is stored in two places: what every build needs (its front matter, what its Markdown
links to and how long it is), pickled together with the other sources of its bucket, and its
HTML, which only the builds that render its page need. `load` reads the buckets; `html` fetches
one source's HTML. The body text is not stored:
the file itself has it (reuse.py reads it back when a message needs a line number).

Every blob is stored with a digest and checked when read back, and a database that cannot be
read or written is deleted and the build goes on without it, with a warning (cache_db.py).

One table is written before the rest: the digest of each file the build reads, by the stat key
it was taken under (stamps.py), written when the build has looked at its files. Those are facts
about the files, whatever becomes of the build; the table is its own, and a damaged row in it
is a cache miss like any other.

Outside the pipeline: build.py and reuse.py ask it what is still valid; nothing in the model or
renderer knows it exists. When in doubt it answers "rebuild"."""

from __future__ import annotations

import pickle
import sqlite3
import uuid
from collections.abc import Iterable, Mapping, Sequence
from contextlib import closing
from datetime import datetime
from pathlib import Path

from sitegen import __version__
from sitegen.errors import Reporter
from sitegen.incremental.cache_db import (
    READ_ERRORS,
    CacheTrouble,
    checksum,
    connect,
    connect_to_read,
    intact,
    reason,
    remove_database,
)
from sitegen.incremental.cache_rows import CachedSource as CachedSource
from sitegen.incremental.cache_rows import Snapshot as Snapshot
from sitegen.incremental.cache_rows import bucket_inserts, bucket_of, read_bucket, unpickled
from sitegen.incremental.cache_rows import empty_snapshot as empty_snapshot
from sitegen.incremental.memory import CacheMemory, KeptState
from sitegen.load.sources import display_path

SCHEMA = f"12:{__version__}"
"""Bumped when cached rows or HTML would be wrong for this code (8: attribute lists filtered;
9: a digest with every blob; 10: checked front matter as a named record; 11: front matter
checked against the known keys, with aliases)."""
DATABASE = "state.sqlite"
"""The cache's SQLite file, in the cache folder."""


class BuildState:
    """The cache in `folder`. `fresh` (a --clean build): the database is not read, and `save`
    replaces it whole. Trouble with it is told to `reporter`, the path as seen from `root`."""

    def __init__(
        self,
        folder: Path,
        *,
        memory: CacheMemory | None = None,
        remember: bool = False,
        fresh: bool = False,
        read_only: bool = False,
        reporter: Reporter | None = None,
        root: Path | None = None,
    ) -> None:
        self.folder = folder
        self.path = folder / DATABASE
        self._fresh = fresh
        self._read_only = read_only
        """Read, never written nor deleted (`sitegen check`): a cache that cannot be read, or
        is of another version, is simply not used."""
        self.trouble = CacheTrouble(
            reporter, display_path(self.path, root) if root else str(self.path)
        )
        self._repair: set[str] = set()
        """Sources whose stored HTML was damaged: `save` writes it again."""
        self._memory = memory if memory is not None else CacheMemory()
        """The process's: its readers outlive this build (see CacheMemory)."""
        self._remember = remember
        """Keep what `save` wrote in memory for the next build of this process (the preview
        server's): reading 10,000 rows back is a quarter of a small rebuild."""
        self._kept: KeptState | None = None
        """The remembered state, once `load` has found the cache still the one it describes."""
        self._templates: dict[str, bytes] = {}
        """Templates compiled during this build, written by `save` with everything else."""

    def _connect(self) -> sqlite3.Connection:
        if self._read_only:
            db = connect_to_read(self.path, SCHEMA, untouched=True)
            if db is None:
                raise sqlite3.DatabaseError("the cache is of another version")
            return db
        return connect(self.path, SCHEMA)

    def load(self) -> Snapshot:
        """Everything cached but the HTML, or an empty snapshot when the cache is missing or
        unreadable. The body and HTML of each source come back pending (see sitegen/lazy.py):
        whoever trusts a row binds them to where they can be fetched."""
        if self._fresh or not self.path.exists():
            return empty_snapshot()
        kept = self._memory.kept.pop(self.path, None) if self._remember else None
        try:
            with closing(self._connect()) as db:
                meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
                if kept is not None and meta.get("generation") == kept.generation:
                    self._kept = kept
                    return Snapshot(meta, kept.sources, kept.outputs)
                sources = self._sources(db)
                outputs = dict(db.execute("SELECT path, fingerprint FROM outputs").fetchall())
        except READ_ERRORS as exc:
            self._unreadable(exc)
            return empty_snapshot()
        return Snapshot(meta, sources, outputs)

    def _sources(self, db: sqlite3.Connection) -> dict[str, CachedSource]:
        """The sources of every bucket that is as it was stored, and whose HTML is stored."""
        stored = {
            rel: (digest, key)
            for rel, digest, key in db.execute("SELECT rel, digest, markup_key FROM html")
        }
        sources = {}
        for data, check in db.execute("SELECT data, checksum FROM sources"):
            bucket = read_bucket(data, check)
            if bucket is None:
                self.trouble.damaged("the front matter of some files")
                continue  # its files are read again
            for cached in bucket:
                # A source whose HTML went missing is left out: its file is read again.
                rel = cached.source.rel
                if stored.get(rel) == (cached.digest, cached.markup_key):
                    sources[rel] = cached
        return sources

    def _unreadable(self, exc: BaseException) -> None:
        """The database cannot be read: delete it, so that this build goes on without it and
        saves a new one; say so once. A read-only cache is left as it is, and not used."""
        self._forget()
        if self._read_only:
            self._fresh = True  # nothing more is read from it
            return
        self.trouble.unreadable(reason(exc), remove_database(self.path))

    def _forget(self) -> None:
        """Drop what this process holds of the database: its reader, its remembered state."""
        self._memory.forget(self.path)
        self._kept = None

    def html(self, rel: str, digest: str, markup_key: str) -> str | None:
        """The stored HTML of one source, None when the cache no longer has this version."""
        row = self._read(
            "SELECT html, checksum FROM html WHERE rel = ? AND digest = ? AND markup_key = ?",
            (rel, digest, markup_key),
        )
        if row is None:
            return None
        if not isinstance(row[0], str) or not intact(row[0], row[1]):
            self.trouble.damaged(f"the HTML of content/{rel}")
            self._repair.add(rel)
            return None
        return row[0]

    def template(self, key: str) -> bytes | None:
        """A compiled template kept by an earlier build (Jinja checks it is still current)."""
        row = self._read("SELECT data, checksum FROM templates WHERE key = ?", (key,))
        if row is None:
            return None
        if not isinstance(row[0], bytes) or not intact(row[0], row[1]):
            self.trouble.damaged("a compiled template")
            return None  # compiled again, and saved
        return row[0]

    def keep_template(self, key: str, data: bytes) -> None:
        """Remember a template compiled by this build, for `save` to write."""
        self._templates[key] = data

    def _read(self, query: str, args: tuple[str, ...]) -> tuple[object, ...] | None:
        rows = self._rows(query, args)
        return rows[0] if rows else None

    def _rows(self, query: str, args: Sequence[str]) -> list[tuple[object, ...]] | None:
        """The rows `query` selects; None when the cache is missing or unreadable (then it is
        deleted: see _unreadable)."""
        if self._fresh or not self.path.exists():
            return None
        try:
            reader = self._memory.reader(self.path, read_only=self._read_only)
            rows: list[tuple[object, ...]] = reader.execute(query, args).fetchall()
        except sqlite3.Error as exc:
            self._unreadable(exc)
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
        if self._fresh or not self.path.exists():
            return {}
        try:
            with closing(self._connect()) as db:
                return dict(db.execute("SELECT key, value FROM meta").fetchall())
        except READ_ERRORS as exc:
            self._unreadable(exc)
            return {}

    def related(self, signature: str) -> Mapping[str, tuple[str, ...]] | None:
        kept = self._kept.related if self._kept is not None else None
        if kept is not None and kept[0] == signature:
            return kept[1]
        row = self._read("SELECT data, checksum FROM related WHERE signature = ?", (signature,))
        if row is None:
            return None
        related = unpickled(row[0], row[1])
        if not isinstance(related, dict):
            self.trouble.damaged("the related-article lists")
            return None  # worked out again, and saved
        return related

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
        each of those outputs shows (see `showing`; one missing from it is taken to show any).
        A database that cannot be written is deleted, with a warning (cache_db.py)."""
        self._memory.close_reader(self.path)
        if self._fresh:
            remove_database(self.path)  # should that fail, writing says why
        # A new generation each time, whoever saves: a remembered state is only good for the
        # cache it was saved as.
        generation = uuid.uuid4().hex
        try:
            with closing(self._connect()) as db, db:
                db.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    [*meta.items(), ("generation", generation)],
                )
                self._write_sources(db, changed_sources, present)
                self._write_outputs(db, outputs, gone_outputs, every_output, shows or {})
                self._write_rest(db, related)
        except (sqlite3.Error, pickle.PicklingError) as exc:
            self._forget()
            self.trouble.unsaved(reason(exc), remove_database(self.path))
            return
        if self._remember and every_output is not None:
            self._keep(generation, present, every_output, related)

    def _keep(
        self,
        generation: str,
        present: Mapping[str, CachedSource],
        every_output: Mapping[str, str],
        related: tuple[str, Mapping[str, tuple[str, ...]]] | None,
    ) -> None:
        """Remember what `save` wrote as `generation`, for the next build of this process."""
        if related is None and self._kept is not None:
            related = self._kept.related
        # As `load` would give them back: a source without HTML is read again.
        sources = {rel: c for rel, c in present.items() if c.markup is not None}
        self._memory.kept[self.path] = KeptState(generation, sources, dict(every_output), related)

    def _write_sources(
        self,
        db: sqlite3.Connection,
        changed: Mapping[str, CachedSource],
        present: Mapping[str, CachedSource],
    ) -> None:
        """The buckets whose sources changed, came or went (and any the database lacks)."""
        members: dict[int, list[str]] = {}
        for rel in sorted(present):
            members.setdefault(bucket_of(rel), []).append(rel)
        found = dict(db.execute("SELECT bucket, rels FROM sources").fetchall())
        dirty = {bucket_of(rel) for rel in changed}
        dirty.update(
            b
            for b in members.keys() | found.keys()
            if found.get(b) != "\n".join(members.get(b, ()))
        )
        db.executemany("DELETE FROM sources WHERE bucket = ?", [(b,) for b in dirty])
        db.executemany(
            "INSERT INTO sources VALUES (?, ?, ?, ?)", bucket_inserts(members, present, dirty)
        )
        self._write_html(db, changed, present)

    def _write_html(
        self,
        db: sqlite3.Connection,
        changed: Mapping[str, CachedSource],
        present: Mapping[str, CachedSource],
    ) -> None:
        """The HTML the database does not hold yet for this version of a file, or held damaged;
        none for the files that are gone."""
        stored = {
            rel: (digest, key)
            for rel, digest, key in db.execute("SELECT rel, digest, markup_key FROM html")
        }
        todo = {rel: c for rel, c in changed.items() if stored.get(rel) != (c.digest, c.markup_key)}
        todo.update((rel, present[rel]) for rel in self._repair if rel in present)
        self._repair = set()
        db.executemany(
            "INSERT OR REPLACE INTO html VALUES (?, ?, ?, ?, ?)",
            (
                (rel, c.digest, c.markup_key, c.markup.html, checksum(c.markup.html))
                for rel, c in todo.items()
                if c.markup is not None
            ),
        )
        stale = [(rel,) for (rel,) in db.execute("SELECT rel FROM html") if rel not in present]
        db.executemany("DELETE FROM html WHERE rel = ?", stale)

    @staticmethod
    def _write_outputs(
        db: sqlite3.Connection,
        outputs: Mapping[str, str],
        gone: Iterable[str],
        every_output: Mapping[str, str] | None,
        shown: Mapping[str, str],
    ) -> None:
        """The fingerprints that changed; all of them into a database that has none (a new
        one, after the old could not be read): the cache must know every output or none."""
        if (
            every_output is not None
            and db.execute("SELECT 1 FROM outputs LIMIT 1").fetchone() is None
        ):
            outputs = every_output
        db.executemany("DELETE FROM outputs WHERE path = ?", [(p,) for p in gone])
        db.executemany(
            "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?)",
            [(path, mark, shown.get(path)) for path, mark in outputs.items()],
        )

    def _write_rest(
        self, db: sqlite3.Connection, related: tuple[str, Mapping[str, tuple[str, ...]]] | None
    ) -> None:
        """The templates this build compiled, and the related lists it worked out."""
        db.executemany(
            "INSERT OR REPLACE INTO templates VALUES (?, ?, ?)",
            [(key, data, checksum(data)) for key, data in self._templates.items()],
        )
        self._templates = {}
        if related is not None:
            data = pickle.dumps(dict(related[1]))
            db.execute("DELETE FROM related")
            db.execute("INSERT INTO related VALUES (?, ?, ?)", (related[0], data, checksum(data)))


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
