"""Keeping the build cache's SQLite file honest (state.py holds what is in it).

Every blob the cache stores (pickled sources, HTML, related lists, compiled templates) is kept
with a digest of its bytes, checked when it is read back: a row whose bytes do not match is a
cache miss, and its bytes are never unpickled (they may come from a disk error, a half-restored
CI cache, or someone's editing). A database that cannot be read or written at all (garbled,
truncated, a read-only journal) is deleted, so that the build goes on without it and the next
one starts a new cache; a warning through the Reporter says so, once per build, and never a
traceback. When it cannot even be deleted (a read-only folder), the build goes on without it."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sqlite3
from pathlib import Path

from sitegen.errors import Reporter

READ_ERRORS = (sqlite3.Error, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
               TypeError, ValueError, IndexError, OSError)  # fmt: skip
"""What reading back a damaged or foreign database or row can raise."""
_COMPANIONS = ("-wal", "-shm", "-journal")
"""SQLite's files beside the database; a write-ahead log is deleted first, and the database
only after it, so that no log is ever replayed onto another database."""


def connect(path: Path, schema: str) -> sqlite3.Connection:
    """The database at `path` (made if need be) with the cache's tables, as of `schema`: the
    tables of another schema are dropped and made again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    try:
        _prepare(db, schema)
    except BaseException:
        close_quietly(db)
        raise
    return db


def connect_to_read(
    path: Path, schema: str, *, untouched: bool = False
) -> sqlite3.Connection | None:
    """The database at `path` opened read-only, so nothing is made, changed or dropped; None
    when it holds another schema's tables. Raises sqlite3.Error when it cannot be read.
    `untouched`: not even the write-ahead log's files are made (`sitegen check`)."""
    db = sqlite3.connect(read_only_uri(path, untouched=untouched), uri=True)
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    except BaseException:
        close_quietly(db)
        raise
    if row is None or row[0] != schema:
        close_quietly(db)
        return None
    return db


def read_only_uri(path: Path, *, untouched: bool = False) -> str:
    """The URI that opens the database read-only. A reader of a WAL database makes its log
    and index files when they are missing, and cannot remove them; `untouched` opens the file
    as immutable instead (a save running meanwhile may then be missed: it is a read of the
    last complete save, as every blob's digest checks)."""
    return f"{path.absolute().as_uri()}?mode=ro" + ("&immutable=1" if untouched else "")


def _prepare(db: sqlite3.Connection, schema: str) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
    row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    if row is None or row[0] != schema:
        # Another version's tables may have other columns: start them again.
        db.executescript(
            "DELETE FROM meta; DROP TABLE IF EXISTS sources; DROP TABLE IF EXISTS html; "
            "DROP TABLE IF EXISTS outputs; DROP TABLE IF EXISTS related; "
            "DROP TABLE IF EXISTS templates; DROP TABLE IF EXISTS file_digests;"
        )
        db.execute("INSERT INTO meta VALUES ('schema', ?)", (schema,))
        db.commit()
    db.executescript(
        """
        -- rels: the bucket's source paths, one per line, so a save sees who left it.
        -- checksum: cache_db.checksum of the blob or text beside it, checked on reading.
        CREATE TABLE IF NOT EXISTS sources (
            bucket INTEGER PRIMARY KEY, rels TEXT, data BLOB, checksum TEXT
        );
        CREATE TABLE IF NOT EXISTS html (
            rel TEXT PRIMARY KEY, digest TEXT, markup_key TEXT, html TEXT, checksum TEXT
        );
        -- Which version of each file's HTML is kept, without reading the HTML itself.
        CREATE INDEX IF NOT EXISTS html_version ON html (rel, digest, markup_key);
        -- shows: the ids of the articles whose digests the output's fingerprint covers
        -- (edit_plan.article_id), so an edit finds the pages showing what it changed.
        CREATE TABLE IF NOT EXISTS outputs (path TEXT PRIMARY KEY, fingerprint TEXT, shows TEXT);
        CREATE TABLE IF NOT EXISTS related (
            signature TEXT PRIMARY KEY, data BLOB, checksum TEXT
        );
        CREATE TABLE IF NOT EXISTS templates (key TEXT PRIMARY KEY, data BLOB, checksum TEXT);
        -- The digests of the files a build reads, by the stat key they were taken under
        -- (stamps.py), pickled in buckets by a hash of the path (cache_rows.py).
        CREATE TABLE IF NOT EXISTS file_digests (
            bucket INTEGER PRIMARY KEY, data BLOB, checksum TEXT
        );
        """
    )


def checksum(data: bytes | str) -> str:
    """The digest stored with a blob (text is checked as UTF-8)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()[:32]


def intact(data: object, stored: object) -> bool:
    """Whether `data`, as read back, is what was stored with the digest `stored`."""
    if not isinstance(data, bytes | str) or not isinstance(stored, str):
        return False
    return checksum(data) == stored


def remove_database(path: Path) -> OSError | None:
    """Delete the SQLite database at `path` and its companion files; the error that stopped
    it, if any (then the database is left whole: never without its log)."""
    for suffix in (*_COMPANIONS, ""):
        try:
            os.unlink(f"{path}{suffix}")
        except FileNotFoundError:
            continue
        except OSError as exc:
            return exc
    return None


def reason(exc: BaseException) -> str:
    """What went wrong, as a message puts it in parentheses."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


class CacheTrouble:
    """The warnings about one build's cache, each said once, as `path` (the database file as
    messages show it). Without a reporter (the cache used outside a build), says nothing."""

    def __init__(self, reporter: Reporter | None, path: str) -> None:
        self.reporter = reporter
        self.path = path
        self._said: set[str] = set()
        self.damaged_entries = 0

    def unreadable(self, problem: str, kept: OSError | None) -> None:
        """The database could not be read, and was deleted (or could not be: `kept`)."""
        if kept is None:
            self._say("read", f"the build cache could not be read ({problem}); it was deleted, "
                              "and what it held was rebuilt without it")  # fmt: skip
        else:
            self._say("read", f"the build cache could not be read ({problem}) nor deleted "
                              f"({reason(kept)}); built without it: {_ADVICE}")  # fmt: skip

    def unsaved(self, problem: str, kept: OSError | None) -> None:
        """The database could not be written, and was deleted (or could not be: `kept`)."""
        if kept is None:
            self._say("save", f"the build cache could not be saved ({problem}); it was "
                              "deleted, so the next build rebuilds everything")  # fmt: skip
        else:
            self._say("save", f"the build cache could not be saved ({problem}) nor deleted "
                              f"({reason(kept)}); the next build rebuilds everything: "
                              f"{_ADVICE}")  # fmt: skip

    def damaged(self, what: str) -> None:
        """An entry did not match its digest (or did not load): it was rebuilt."""
        self.damaged_entries += 1
        self._say("entry", f"the build cache held a damaged entry ({what}); it was not used, "
                           "and is rebuilt")  # fmt: skip

    def _say(self, kind: str, message: str) -> None:
        if kind in self._said or self.reporter is None:
            return
        self._said.add(kind)
        self.reporter.warn(self.path, None, message)


_ADVICE = "make the cache folder and its files writable, or delete the folder"


def close_quietly(db: sqlite3.Connection | None) -> None:
    if db is not None:
        with contextlib.suppress(sqlite3.Error):
            db.close()
