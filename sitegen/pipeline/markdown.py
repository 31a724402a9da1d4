"""Markdown for every source that needs it, across worker processes when there is enough."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from sitegen.incremental.cache_rows import CachedSource
from sitegen.load.markup import Converter, Markup
from sitegen.output.halves import die_with_parent

PARALLEL_THRESHOLD = 300
"""Below this many Markdown conversions, starting worker processes costs more than it saves."""


def convert_all(
    sources: dict[str, CachedSource], settings: tuple[Any, ...], key: str, jobs: int
) -> dict[str, CachedSource]:
    """Markdown for every source whose cached HTML is missing or was made with other settings;
    across `jobs` worker processes (0: one per core) when there is enough of it."""
    todo = [(rel, c.source.body) for rel, c in sources.items() if _needs_markdown(c, key)]
    if not todo:
        return sources
    done = dict(zip((rel for rel, _ in todo), _converted(todo, settings, jobs), strict=True))
    return {
        rel: replace(c, markup_key=key, markup=done[rel]) if rel in done else c
        for rel, c in sources.items()
    }


def _converted(
    todo: list[tuple[str, str]], settings: tuple[Any, ...], jobs: int
) -> Iterator[Markup]:
    workers = jobs or os.cpu_count() or 1
    if workers == 1 or len(todo) < PARALLEL_THRESHOLD:
        converter = Converter(*settings)
        return (converter.convert(body, rel) for rel, body in todo)
    return _in_workers(todo, settings, workers)


def _needs_markdown(cached: CachedSource, key: str) -> bool:
    return cached.markup is None or cached.markup_key != key


def _in_workers(
    todo: list[tuple[str, str]], settings: tuple[Any, ...], workers: int
) -> Iterator[Markup]:
    from concurrent.futures import ProcessPoolExecutor  # only a cold build needs one

    chunk = max(1, len(todo) // (workers * 8))
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=settings
    ) as pool:
        yield from pool.map(_convert_in_worker, todo, chunksize=chunk)


_worker: dict[str, Converter] = {}
"""The converter of a worker process (each process builds its own once)."""


def _init_worker(
    raw_html: Any, embed_hosts: tuple[str, ...], inline_after: int, base_path: str
) -> None:
    # Ctrl-C is the main process's to handle; workers just stop when it shuts the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    _worker["converter"] = Converter(raw_html, embed_hosts, inline_after, base_path)


def _convert_in_worker(item: tuple[str, str]) -> Markup:
    rel, body = item
    return _worker["converter"].convert(body, rel)
