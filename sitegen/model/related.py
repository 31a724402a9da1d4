"""Related articles, after Hugo's related-content design: a weighted inverted index over tags,
section, authors and date, scores normalised to 0-100, a threshold, over-common tags dropped,
and (by default) only older articles so "See also" lists stay stable as the archive grows.

Cost is bounded per article: each posting list is only read in a window of the articles nearest
in date, so 50,000 articles cost about five times 10,000, never the square."""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sitegen.config import RelatedConfig
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
    """Articles carrying one keyword, oldest first, with their timestamps for bisecting."""

    stamps: list[float]
    members: list[int]


def related_articles(
    articles: Sequence[Article], config: RelatedConfig
) -> Mapping[str, tuple[Article, ...]]:
    """For each article (by source path), its best related articles, best first."""
    count = max(config.count, config.inline_count)
    if count <= 0 or len(articles) < 2:
        return {a.source: () for a in articles}
    order = sorted(range(len(articles)), key=lambda i: (articles[i].date, articles[i].source))
    stamps = [articles[i].date.timestamp() for i in range(len(articles))]
    tag_postings = _postings(
        ((i, [t.slug for t in a.tags]) for i, a in enumerate(articles)), order, stamps
    )
    author_postings = _postings(
        ((i, [p.slug for p in a.authors]) for i, a in enumerate(articles)), order, stamps
    )
    category_postings = _postings(
        ((i, [a.category.slug]) for i, a in enumerate(articles)), order, stamps
    )
    total = len(articles)
    too_common = config.max_tag_share * total
    idf = {
        tag: math.log(1 + total / len(p.members))
        for tag, p in tag_postings.items()
        if len(p.members) <= too_common or len(p.members) < 3
    }
    result: dict[str, tuple[Article, ...]] = {}
    for i, article in enumerate(articles):
        stamp = stamps[i]
        scores: dict[int, float] = defaultdict(float)
        own_tags = [t.slug for t in article.tags if t.slug in idf]
        tag_norm = sum(idf[t] for t in own_tags) or 1.0
        for tag in own_tags:
            weight = WEIGHT_TAGS * idf[tag] / tag_norm
            for j in _window(tag_postings[tag], stamp):
                scores[j] += weight
        for author in article.authors:
            for j in _window(author_postings[author.slug], stamp):
                scores[j] += WEIGHT_AUTHOR / len(article.authors)
        for j in _window(category_postings[article.category.slug], stamp):
            scores[j] += WEIGHT_CATEGORY
        scores.pop(i, None)
        ranked: list[tuple[float, float, str, int]] = []
        for j, score in scores.items():
            if not config.include_newer and (stamps[j], articles[j].source) > (
                stamp,
                article.source,
            ):
                continue
            days = abs(stamps[j] - stamp) / 86400
            score += WEIGHT_DATE / (1 + days / DATE_SCALE_DAYS)
            if score >= config.threshold:
                # Highest score first; ties go to the newer article, then the path, so order is stable.
                ranked.append((-round(score, 6), -stamps[j], articles[j].source, j))
        ranked.sort()
        result[article.source] = tuple(articles[j] for *_, j in ranked[:count])
    return result


def _postings(keyed: object, order: list[int], stamps: list[float]) -> dict[str, _Posting]:
    lists: dict[str, list[int]] = defaultdict(list)
    rank = {index: position for position, index in enumerate(order)}
    for i, keys in keyed:  # type: ignore[attr-defined]
        for key in set(keys):
            lists[key].append(i)
    postings: dict[str, _Posting] = {}
    for key, members in lists.items():
        members.sort(key=rank.__getitem__)
        postings[key] = _Posting([stamps[m] for m in members], members)
    return postings


def _window(posting: _Posting, stamp: float) -> list[int]:
    middle = bisect.bisect_left(posting.stamps, stamp)
    return posting.members[max(0, middle - WINDOW) : middle + WINDOW]
