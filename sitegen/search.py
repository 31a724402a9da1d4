"""Site search: Pagefind indexes beside the output, so search needs no server.

Pagefind does not read the pages: it reads one record per published article
(render/search_record.py), which carries `data-pagefind-body` with the section and authors as
filters, the date and lead image as meta and the date as sort key. Drafts and embargoed
articles are left out of a published build's model, so they never get a record (`--drafts`
and `--future` previews index them, as they show them).

Articles are indexed in shards (search_shards.py), each a Pagefind bundle in
`pagefind/<shard>/`, listed newest first in `pagefind/index.json` for the search page to merge.
Pagefind runs as its own binary (the `pagefind[bin]` package), one process per shard that
changed: one fewer at once than the build has workers (but at least one) while the build
renders, as many as it has workers once it waits for them."""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitegen import __version__
from sitegen.config import SiteConfig
from sitegen.errors import SitegenError
from sitegen.file_writer import FileWriter
from sitegen.model import text as text_module
from sitegen.render import search_record as search_record_module
from sitegen.render.jobs import Searchable
from sitegen.render.search_record import BODY_MARK
from sitegen.search_records import RecordFolders
from sitegen.search_shards import Shard, plan_shards
from sitegen.write import WORK, Stage, discard, tree_pairs

if TYPE_CHECKING:
    from sitegen.search_early import EarlyIndex

SEARCH_FOLDER = "pagefind"
"""Folder of the search bundles in the output; the search page reads index.json in it."""
SHARD_LIST = "index.json"
_ENTRY = "pagefind-entry.json"
"""The file that makes a folder a Pagefind bundle."""
TIMEOUT = 900
"""Seconds before a hung indexer is given up on."""
_UNUSED = (
    "pagefind-ui.js", "pagefind-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css",
    "pagefind-modular-ui.js", "pagefind-modular-ui.css", "pagefind-highlight.js",
    "wasm.unknown.pagefind",
)  # fmt: skip
"""Pagefind's own UIs: the theme's search.js talks to pagefind.js directly."""


class SearchIndexer:
    """Indexes the shards whose stories changed while the build goes on. Entering it fills
    each such shard's record folder in a scratch folder beside the output (search_records.py:
    the records that changed since the cache's copy, with `records` the cache's folder of
    them) and hands the shard to Pagefind, newest first, before any page is planned; Pagefind
    works in processes of its own, one shard at a time per worker, while the build renders on
    the core it leaves. With `reuse`, shards the live output already holds are carried over
    unchanged. `finish()` moves the new bundles in and lists the shards; leaving after it
    without an error keeps the record folders in the cache, leaving otherwise gives the
    cache's folders back. SitegenError when Pagefind is missing or fails."""

    def __init__(
        self,
        stage: Stage,
        reuse: bool,
        pages: Sequence[tuple[str, Searchable]],
        record: Callable[[str], bytes],
        config: SiteConfig,
        *,
        salt: str,
        workers: int,
        records: Path | None = None,
        early: EarlyIndex | None = None,
    ) -> None:
        self.stage = stage
        self.previous = stage.output if reuse else None
        self.language = index_language(config.language)
        self._record = record
        salt = records_salt(salt, config)
        self.shards = plan_shards(pages, config.search.shard_size, salt)
        self._digests = {path: searchable.digest for path, searchable in pages}
        self._salt = salt
        self._records_home = records
        self._folders: RecordFolders | None = None
        # A stat per shard, not the output's listing, which may still be on its way.
        kept = {s.name for s in self.shards if reuse and _complete(stage.output / _folder(s))}
        self.todo = [shard for shard in self.shards if shard.name not in kept]
        self._kept = kept
        self._workers = workers
        self._futures: list[Future[None]] = []
        self._finished = False
        self._pool: ThreadPoolExecutor | None = None
        # While the build's thread renders, Pagefind gets the other cores: one process at a
        # time per core but one; once the build waits in finish(), every core. With many
        # shards (a cold build), each process keeps to one thread, so that the renderer has a
        # core to itself: beside Pagefind's own threads it rendered 15% slower.
        self._slots = threading.Semaphore(max(1, workers - 1))
        self._threads = 1 if len(self.todo) > 1 else None
        self._writer: FileWriter | None = None
        self._stopping = False
        self._work: Path | None = None
        self._early = early
        """A guess at a shard, indexed since the sources were read (search_early.py)."""

    def __enter__(self) -> SearchIndexer:
        adopted = False
        try:
            if self.todo:
                _require_pagefind()
                out = self.stage.output
                work = tempfile.mkdtemp(prefix=WORK.format(name=out.name), dir=out.parent)
                self._work = Path(work)
                self._writer = FileWriter()
                self._folders = RecordFolders(
                    self._records_home,
                    self._work,
                    self._salt,
                    reuse=self.previous is not None,
                    writer=self._writer,
                )
                self._pool = ThreadPoolExecutor(max_workers=self._workers)
                early = self._early
                # The early guess links the records of a kept folder that filling may move.
                if early is not None and not early.ready():
                    early = None
                for shard in self.todo:
                    task, record = self._index, self._record
                    if early is not None and early.matches(shard, self._digests, self._record):
                        # Its edited records are made: matches() compared them byte for byte.
                        task, record, adopted = self._adopt, early.record_or(record), True
                    self._write_records(shard, record)
                    self._futures.append(self._pool.submit(task, shard))
            if self._early is not None and not adopted:
                self._early.stop()  # a wrong guess: its Pagefind would only take a core
            if self._kept:
                files = self.stage.previous_files(SEARCH_FOLDER)
                self.stage.carry([rel for rel in files if rel.split("/", 2)[1] in self._kept])
        except BaseException:
            self.__exit__()  # the caller's exit stack does not have us yet
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        succeeded = self._finished and bool(exc) and exc[0] is None
        if not succeeded:
            # No shard waiting for its records or a slot starts Pagefind for a failed build.
            self._stopping = True
            if self._early is not None:
                self._early.stop()
            if self._writer is not None:
                self._writer.close(abandon=True)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._writer is not None:
            # Stopped before its folders are kept or given back: it may still be writing.
            self._writer.close()
        if self._folders is not None:
            # Left after finish() without an error: the build has swapped its output in.
            if succeeded:
                self._folders.keep(self.shards)
            else:
                self._folders.give_back()
        if self._work is not None:
            if succeeded and self._folders is not None and self._folders.bulky:
                # Such as every shard's old records after a change to the settings or to
                # sitegen: 10,000 files at 10k, ~10 s to unlink on this machine's disk.
                discard(self._work, self.stage.output)
            else:
                shutil.rmtree(self._work, ignore_errors=True)

    def finish(self) -> tuple[int, int]:
        """Wait for every shard, stage the new bundles and pagefind/index.json; returns
        (shards, shards indexed)."""
        self._slots.release()  # the build's thread only waits from here on
        for future in self._futures:
            future.result()
        listed = []
        for shard in self.shards:
            if shard.name in self._kept:
                listed.append(shard.name)
                continue
            assert self._work is not None
            bundle = self._work / "out" / shard.name
            for file_rel, path in tree_pairs(_folder(shard), bundle):
                self.stage.move_in(file_rel, path)
            listed.append(shard.name)
        if listed:
            rel = f"{SEARCH_FOLDER}/{SHARD_LIST}"
            data = json.dumps({"shards": listed}, indent=1).encode() + b"\n"
            if self.previous is None:
                self.stage.write(rel, data)
            else:
                self.stage.write_unless_same(rel, data, self.previous / rel)
        self._finished = True
        return len(self.shards), len(self.todo)

    def _write_records(self, shard: Shard, record: Callable[[str], bytes]) -> None:
        """Each story's record at its page's path, so Pagefind gives results the page's URL;
        only those that changed since the cache's copy (search_records.py). Made on the
        build's thread (a pool thread making many quick calls waits for the GIL at each); a
        folder laid out afresh is written by a helper process (file_writer.py)."""
        assert self._folders is not None
        self._folders.fill(shard, self._digests, record)

    def _index(self, shard: Shard) -> None:
        """Let Pagefind index the shard's records into its bundle in the scratch folder."""
        assert self._work is not None
        assert self._folders is not None
        self._folders.ready(shard)
        with self._slots:
            if self._stopping:
                return
            index_pages(
                self._folders.folder(shard),
                self._work / "out" / shard.name,
                self.language,
                threads=self._threads,
            )
        self._folders.read(shard)

    def _adopt(self, shard: Shard) -> None:
        """Take the early guess's bundle for the shard (it matched); index the shard as usual
        should Pagefind have failed there."""
        assert self._early is not None and self._work is not None and self._folders is not None
        self._folders.ready(shard)
        if self._stopping:
            return
        try:
            bundle = self._early.bundle()
        except SitegenError:
            self._index(shard)
            return
        (self._work / "out").mkdir(exist_ok=True)
        os.rename(bundle, self._work / "out" / shard.name)
        self._folders.read(shard)


def records_salt(settings: str, config: SiteConfig) -> str:
    """Everything the records and bundles depend on besides the stories: `settings` (the
    settings the sources were read under), sitegen's and Pagefind's versions, the code that
    makes records, the index's language."""
    language = index_language(config.language)
    return f"{settings}:{__version__}:{_record_code()}:{_pagefind_version()}:{language}"


def _folder(shard: Shard) -> str:
    """The output path of the shard's bundle."""
    return f"{SEARCH_FOLDER}/{shard.name}"


def _complete(folder: Path) -> bool:
    """Whether `folder` holds a bundle. Both places asked are whole when it does: the previous
    output was swapped in complete, and a scratch bundle is asked once Pagefind has exited."""
    return (folder / _ENTRY).is_file()


@functools.cache
def _pagefind_command() -> tuple[str, ...]:
    """The pagefind[bin] binary itself: `python -m pagefind` would start Python once per shard
    only to find and exec it."""
    try:
        from pagefind_bin import get_executable  # type: ignore[import-untyped,import-not-found,unused-ignore]

        binary = Path(get_executable())
        if binary.is_file() and os.access(binary, os.X_OK):
            return (str(binary),)
    except (ImportError, OSError, FileNotFoundError):
        pass
    return (sys.executable, "-m", "pagefind")


@functools.cache
def _record_code() -> str:
    """Digest of the code that shapes the index: what a record holds (search_record.py and the
    dates of model/text.py) and how Pagefind is given the records (this module). A change to it
    re-indexes every shard, where pages see sitegen's version only: records change more often
    than releases. "unknown" where the source cannot be read (the version still counts)."""
    digest = hashlib.sha256()
    for module in (search_record_module, text_module, sys.modules[__name__]):
        try:
            digest.update(Path(module.__file__ or "").read_bytes())
        except OSError:
            return "unknown"
    return digest.hexdigest()[:12]


def _pagefind_version() -> str:
    try:
        return importlib.metadata.version("pagefind")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _require_pagefind() -> None:
    if importlib.util.find_spec("pagefind") is None:
        raise SitegenError(
            "search",
            None,
            "Pagefind is not installed; run `pip install 'pagefind[bin]'` "
            "or turn search off with `[search] enabled = false` in sitegen.toml",
        )


def index_pages(site: Path, out: Path, language: str, *, threads: int | None = None) -> None:
    """Index the records under `site` into the bundle folder `out`, with at most `threads`
    threads (None: one per core). Raises SitegenError when Pagefind fails (it refuses, too,
    when no record carries the mark)."""
    with PagefindRun(site, out, language, threads=threads) as run:
        run.wait()


class PagefindRun:
    """One Pagefind process indexing the records under `site` into the bundle `out`, started
    on entering; `wait()` for its bundle, or leave to stop it."""

    def __init__(self, site: Path, out: Path, language: str, *, threads: int | None) -> None:
        self.site, self.out, self.language, self.threads = site, out, language, threads
        self._cwd: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> PagefindRun:
        _require_pagefind()
        command = [
            *_pagefind_command(),
            "--site", str(self.site.resolve()),
            "--output-path", str(self.out.resolve()),
            "--root-selector", f"[{BODY_MARK}]",
            "--force-language", self.language,
            "--silent",
        ]  # fmt: skip
        # Pagefind reads pagefind.yml/json/toml and PAGEFIND_* variables: run it in an empty
        # folder without them, so the index depends on the site and these arguments alone.
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith("PAGEFIND_")}
        if self.threads is not None:
            # Pagefind's indexing runs on rayon's pool, its file work on tokio's.
            env["RAYON_NUM_THREADS"] = env["TOKIO_WORKER_THREADS"] = str(self.threads)
        self._cwd = tempfile.TemporaryDirectory(prefix="sitegen-search-")
        try:
            self._process = subprocess.Popen(
                command,
                cwd=self._cwd.name,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        except OSError as exc:
            self._cwd.cleanup()
            raise SitegenError("search", None, f"Pagefind could not be started: {exc}") from None
        return self

    def wait(self) -> None:
        """Wait for the bundle; SitegenError when Pagefind failed or hung."""
        assert self._process is not None
        try:
            stdout, stderr = self._process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise SitegenError(
                "search", None, f"Pagefind did not finish indexing within {TIMEOUT} seconds"
            ) from None
        out = self.out
        if self._process.returncode == 0 and _complete(out):
            for name in _UNUSED:
                (out / name).unlink(missing_ok=True)
            stabilise_bundle(out)
            return
        output = "\n".join(line for line in (stderr + stdout).splitlines() if line.strip())
        lines = output.strip().splitlines()
        detail = "\n".join(dict.fromkeys(lines[-6:])) if lines else "no output"
        raise SitegenError(
            "search",
            None,
            f"Pagefind failed to index {self.site} (exit code {self._process.returncode}):\n"
            f"{detail}\nCheck that `pip install 'pagefind[bin]'` installed its binary for this "
            "machine, or turn search off with `[search] enabled = false` in sitegen.toml",
        )

    def kill(self) -> None:
        """Stop Pagefind (from any thread): `wait()` then fails."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()

    def __exit__(self, *exc: object) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.communicate()
        if self._cwd is not None:
            self._cwd.cleanup()


def index_language(language: str) -> str:
    """Pagefind's language code (ISO 639-1) for the site's BCP 47 tag: en-GB -> en. One index for
    the whole site; pagefind.js picks it from <html lang> by the same primary subtag."""
    return language.split("-", 1)[0].lower()


# Pagefind (1.5) writes its filter indexes, and the list of them in each language's pf_meta, in
# hash-map order, which changes from run to run (upstream says so in issue #638): the same pages
# would give a different bundle each build, and incremental builds could never equal clean ones.
# stabilise_bundle() sorts those lists and renames the files by their new content. Pagefind's
# files are "pagefind_dcd" + CBOR, gzipped; each one is decoded and re-encoded only when that
# round trip reproduces its bytes exactly, so an unforeseen format is left as Pagefind wrote it.

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
    meta = _read_cbor(meta_path)
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
    decoded = _read_cbor(path)
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


def _read_cbor(path: Path) -> Any:
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
