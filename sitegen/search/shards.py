"""How the search index is split: one Pagefind bundle per period of publication.

Pagefind cannot update an index, only write a new one, and indexing 10,000 articles takes it
longer than the rest of an incremental build. So articles are indexed in shards of at most
`shard_size` stories — consecutive years, or quarters, months or days when a period holds
more — each named by a digest of what it indexes. An edit re-indexes the one shard holding the article; a new story
lands in the newest shard; older shards are carried over untouched. The split depends on the
published articles alone, never on the order of edits, so an incremental build still equals a
clean one. The search page merges the shards in the browser (Pagefind's mergeIndex), newest
first, which also keeps date-sorted results in order across shards."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sitegen.render.jobs import Searchable


@dataclass(frozen=True)
class Shard:
    name: str
    """Folder of the shard's bundle: first day and content digest, 2025-07-01-0f1e2d3c4b5a."""
    period: str
    """Day of its oldest story: shards never overlap, so this orders them."""
    pages: tuple[str, ...]
    """Output paths of the article pages it indexes, sorted."""


def _period(day: str, level: int) -> str:
    """A day (YYYY-MM-DD) at granularity `level`: 0 its year, 1 quarter, 2 month, 3 the day."""
    if level == 0:
        return day[:4]
    if level == 1:
        return f"{day[:4]}-q{(int(day[5:7]) - 1) // 3 + 1}"
    return day[:7] if level == 2 else day


def plan_shards(
    pages: Iterable[tuple[str, Searchable]], shard_size: int, salt: str
) -> tuple[Shard, ...]:
    """Shards of the searchable pages, newest first. `salt` is everything else the bundles
    depend on (settings, sitegen's and Pagefind's versions): it changes every name."""
    entries = sorted(pages, key=lambda entry: (entry[1].date, entry[0]))
    groups: list[list[tuple[str, Searchable]]] = []
    _pack(entries, 0, shard_size, groups)
    shards = []
    for members in groups:
        digest = hashlib.blake2b(salt.encode(), digest_size=6)
        for path, searchable in sorted(members, key=lambda entry: entry[0]):
            digest.update(f"\0{path}\0{searchable.digest}".encode())
        period = members[0][1].date
        shards.append(
            Shard(f"{period}-{digest.hexdigest()}", period, tuple(sorted(p for p, _ in members)))
        )
    shards.sort(key=lambda shard: shard.period, reverse=True)
    return tuple(shards)


def _pack(
    entries: Sequence[tuple[str, Searchable]],
    level: int,
    shard_size: int,
    out: list[list[tuple[str, Searchable]]],
) -> None:
    """Consecutive periods (years, then quarters, months, days) packed into shards of at most
    `shard_size` articles; a period too big for one shard is packed one level finer (a day is
    never split). Packing runs from the oldest story, so new stories only grow the newest shard
    and an edit of an old period leaves the others alone."""
    groups: dict[str, list[tuple[str, Searchable]]] = {}
    for entry in entries:
        groups.setdefault(_period(entry[1].date, level), []).append(entry)
    pack: list[tuple[str, Searchable]] = []
    for members in groups.values():
        if len(members) > shard_size and level < 3:
            if pack:
                out.append(pack)
                pack = []
            _pack(members, level + 1, shard_size, out)
        elif len(pack) + len(members) > shard_size:
            if pack:
                out.append(pack)
            pack = list(members)
        else:
            pack += members
    if pack:
        out.append(pack)
