"""Related articles, after Hugo's related-content design: a weighted inverted index over tags,
section, authors and date, scores normalised to 0-100, a threshold, over-common tags dropped,
and (by default) only older articles so "See also" lists stay stable as the archive grows.

Cost is bounded per article: each posting list is only read in a window of the articles nearest
in date, so 50,000 articles cost about five times 10,000, never the square."""

from __future__ import annotations

import bisect
import heapq
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from sitegen.load.config import RelatedConfig
from sitegen.model.entities import Article

WINDOW = 60
"""Postings read on each side of an article's date, per keyword."""

WEIGHT_TAGS = 60.0
WEIGHT_AUTHOR = 15.0
WEIGHT_CATEGORY = 15.0
WEIGHT_DATE = 10.0
DATE_SCALE_DAYS = 30.0


@dataclass(frozen=True)
class _Posting:
    """Articles carrying one keyword, oldest first, with their ranks for bisecting."""

    ranks: list[int]
    members: list[int]


Lists = dict[int, tuple[int, ...]]
"""Article index -> the indexes of its related articles, best first."""
Split = Callable[[Callable[[range], Lists], int], list[Lists]]
"""Runs a computation over range(n) in parts, in order, and returns each part's result (see
sitegen/output/halves.py)."""


def _whole(work: Callable[[range], Lists], count: int) -> list[Lists]:
    return [work(range(count))]


def related_articles(
    articles: Sequence[Article], config: RelatedConfig, split: Split = _whole
) -> Mapping[str, tuple[Article, ...]]:
    """For each article (by source path), its best related articles, best first. `split` may
    run parts of the articles elsewhere: each article's list depends on what all share alone."""
    count = max(config.count, config.inline_count)
    if count <= 0 or len(articles) < 2:
        return {a.source: () for a in articles}
    index = _index(articles, config, count)
    return {
        articles[i].source: tuple(articles[j] for j in found)
        for part in split(index.lists, len(articles))
        for i, found in part.items()
    }


@dataclass(frozen=True)
class _Index:
    """What every article's list is scored against: the postings of each keyword and the
    weight of each tag. Built once, then read only, so parts can be scored in any process."""

    articles: Sequence[Article]
    rank: list[int]
    """Each article's position in (date, path) order: "older" is simply a lower rank."""
    stamps: list[float]
    tags: dict[str, _Posting]
    authors: dict[str, _Posting]
    categories: dict[str, _Posting]
    idf: dict[str, float]
    """The weight of each tag that is not too common to say anything."""
    count: int
    newer: bool
    threshold: float

    def lists(self, part: range) -> Lists:
        return {i: self.best(i) for i in part}

    def best(self, i: int) -> tuple[int, ...]:
        return self._ranked(i, self._keyword_scores(i))

    def _keyword_scores(self, i: int) -> dict[int, float]:
        """Each candidate's score from the tags, authors and section it shares with article
        `i`, added in that order (the order of float additions decides ties)."""
        article, mine, newer, idf = self.articles[i], self.rank[i], self.newer, self.idf
        scores: dict[int, float] = defaultdict(float)
        own_tags = [t.slug for t in article.tags if t.slug in idf]
        tag_norm = sum(idf[t] for t in own_tags) or 1.0
        for tag in own_tags:
            _add(scores, _window(self.tags[tag], mine, newer), WEIGHT_TAGS * idf[tag] / tag_norm)
        author_weight = WEIGHT_AUTHOR / len(article.authors)
        for author in article.authors:
            _add(scores, _window(self.authors[author.slug], mine, newer), author_weight)
        category = self.categories[article.category.slug]
        _add(scores, _window(category, mine, newer), WEIGHT_CATEGORY)
        scores.pop(i, None)
        return scores

    def _ranked(self, i: int, scores: dict[int, float]) -> tuple[int, ...]:
        """The best `count` candidates once the date is scored, above the threshold."""
        count, stamps, articles, threshold = self.count, self.stamps, self.articles, self.threshold
        candidates: Iterable[tuple[int, float]] = scores.items()
        if len(scores) > count:
            # The date adds at most WEIGHT_DATE, so a candidate whose keyword score falls that
            # far below the count-th best keyword score cannot make the list: skip scoring it.
            floor = heapq.nlargest(count, scores.values())[-1]
            candidates = [(j, s) for j, s in candidates if s + WEIGHT_DATE >= floor]
        stamp = stamps[i]
        day_scale = 86400 * DATE_SCALE_DAYS
        ranked = []
        for j, score in candidates:
            score += WEIGHT_DATE / (1 + abs(stamps[j] - stamp) / day_scale)
            if score >= threshold:
                # Highest score first; ties go to the newer article, then the path.
                ranked.append((-score, -stamps[j], articles[j].source, j))
        return tuple(j for *_, j in heapq.nsmallest(count, ranked))


def _index(articles: Sequence[Article], config: RelatedConfig, count: int) -> _Index:
    order = sorted(range(len(articles)), key=lambda i: (articles[i].date, articles[i].source))
    rank = [0] * len(articles)
    for position, index in enumerate(order):
        rank[index] = position
    tags = _postings(((i, [t.slug for t in a.tags]) for i, a in enumerate(articles)), rank)
    return _Index(
        articles,
        rank,
        [a.date.timestamp() for a in articles],
        tags,
        _postings(((i, [p.slug for p in a.authors]) for i, a in enumerate(articles)), rank),
        _postings(((i, [a.category.slug]) for i, a in enumerate(articles)), rank),
        _idf(tags, len(articles), config.max_tag_share),
        count,
        config.include_newer,
        config.threshold,
    )


def _idf(tags: Mapping[str, _Posting], total: int, max_share: float) -> dict[str, float]:
    """The weight of each tag, rarer tags weighing more; a tag on more than `max_share` of
    the articles is dropped (unless it is on fewer than three), as it relates nearly all."""
    too_common = max_share * total
    return {
        tag: math.log(1 + total / len(p.members))
        for tag, p in tags.items()
        if len(p.members) <= too_common or len(p.members) < 3
    }


def _add(scores: dict[int, float], members: Iterable[int], weight: float) -> None:
    for j in members:
        scores[j] += weight


def _postings(keyed: Iterable[tuple[int, list[str]]], rank: list[int]) -> dict[str, _Posting]:
    lists: dict[str, list[int]] = defaultdict(list)
    for i, keys in keyed:
        for key in set(keys):
            lists[key].append(i)
    postings: dict[str, _Posting] = {}
    for key, members in lists.items():
        members.sort(key=rank.__getitem__)
        postings[key] = _Posting([rank[m] for m in members], members)
    return postings


def _window(posting: _Posting, mine: int, newer: bool) -> list[int]:
    """The postings nearest in date: only older ones unless newer articles are wanted."""
    middle = bisect.bisect_left(posting.ranks, mine)
    if not newer:
        return posting.members[max(0, middle - WINDOW) : middle]
    return posting.members[max(0, middle - WINDOW) : middle + WINDOW + 1]
