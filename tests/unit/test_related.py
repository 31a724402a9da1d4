"""sitegen.model.related.related_articles on Article values built in the test."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sitegen.load.config import RelatedConfig
from sitegen.model.entities import Article, Author, Body, Category, Tag
from sitegen.model.related import related_articles

EPOCH = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


def make_author(slug: str) -> Author:
    return Author(
        slug=slug,
        name=slug.replace("-", " ").title(),
        role="",
        avatar="",
        bio_html="",
        links=(),
        url=f"/author/{slug}/",
        source=f"content/authors/{slug}.md",
        extra={},
    )


def make_article(
    name: str,
    day: float = 0,
    *,
    tags: Sequence[str] = (),
    category: str = "politics",
    authors: Sequence[str] = ("jane-doe",),
) -> Article:
    """An article `day` days after EPOCH; everything not given is neutral."""
    return Article(
        source=f"articles/{category}/{name}.md",
        slug=name,
        title=name.replace("-", " ").title(),
        date=EPOCH + timedelta(days=day),
        updated=None,
        authors=tuple(make_author(a) for a in authors),
        category=Category(category, category.title(), f"/category/{category}/"),
        tags=tuple(Tag(t, t.title(), f"/tag/{t}/") for t in tags),
        summary="",
        image=None,
        body=Body.of("<p>Body.</p>"),
        toc=(),
        word_count=1,
        reading_time=1,
        draft=False,
        featured=False,
        noindex=False,
        corrections=(),
        url=f"/{category}/{name}/",
        extra={},
    )


def slugs(result: Sequence[Article]) -> list[str]:
    return [a.slug for a in result]


def unrelated(count: int, start: int = 0) -> list[Article]:
    """Articles sharing nothing with anything else (own tag, section and author)."""
    return [
        make_article(f"other-{i}", i, tags=(f"t{i}",), category=f"c{i}", authors=(f"a{i}",))
        for i in range(start, start + count)
    ]


def test_never_the_article_itself() -> None:
    articles = [
        make_article(f"a{i}", i, tags=("gaza", "talks"), category="politics") for i in range(6)
    ]
    result = related_articles(articles, RelatedConfig(count=10, threshold=0, include_newer=True))
    assert set(result) == {a.source for a in articles}
    for article in articles:
        assert article not in result[article.source]
        assert len(result[article.source]) == 5


def test_rare_shared_tag_beats_common_shared_tag() -> None:
    target = make_article("target", 100, tags=("rare", "common"), category="a", authors=("x",))
    rare = make_article("shares-rare", 50, tags=("rare",), category="b", authors=("y",))
    common = make_article("shares-common", 50, tags=("common",), category="c", authors=("z",))
    fillers = [
        make_article(f"filler-{i}", i, tags=("common",), category=f"f{i}", authors=(f"w{i}",))
        for i in range(3)
    ]
    articles = [target, common, rare, *fillers, *unrelated(10, start=10)]
    config = RelatedConfig(count=3, inline_count=0, threshold=0, max_tag_share=0.5)
    result = related_articles(articles, config)[target.source]
    assert slugs(result)[:2] == ["shares-rare", "shares-common"]


def test_tags_on_too_many_articles_are_ignored() -> None:
    everywhere = [
        make_article(f"a{i}", i, tags=("news",), category=f"c{i}", authors=(f"w{i}",))
        for i in range(10)
    ]
    config = RelatedConfig(count=5, threshold=20, max_tag_share=0.25, include_newer=True)
    result = related_articles(everywhere, config)
    assert all(r == () for r in result.values())


def test_newer_articles_excluded_by_default() -> None:
    old = make_article("old", 0, tags=("budget",))
    middle = make_article("middle", 10, tags=("budget",))
    new = make_article("new", 20, tags=("budget",))
    articles = [new, old, middle, *unrelated(10, start=30)]
    config = RelatedConfig(count=5, threshold=0, include_newer=False)
    result = related_articles(articles, config)
    assert slugs(result[middle.source]) == ["old"]
    assert result[old.source] == ()
    assert slugs(result[new.source]) == ["middle", "old"]


def test_newer_articles_included_when_asked() -> None:
    old = make_article("old", 0, tags=("budget",))
    middle = make_article("middle", 10, tags=("budget",))
    new = make_article("new", 20, tags=("budget",))
    articles = [new, old, middle, *unrelated(10, start=30)]
    config = RelatedConfig(count=5, threshold=0, include_newer=True)
    result = related_articles(articles, config)
    assert set(slugs(result[middle.source])) == {"old", "new"}
    assert set(slugs(result[old.source])) == {"middle", "new"}


def test_same_moment_counts_as_newer_by_path() -> None:
    first = make_article("a-first", 5, tags=("budget",))
    second = make_article("b-second", 5, tags=("budget",))
    config = RelatedConfig(count=5, threshold=0, include_newer=False)
    result = related_articles([second, first, *unrelated(10, start=30)], config)
    assert slugs(result[second.source]) == ["a-first"]
    assert result[first.source] == ()


def test_ties_are_broken_deterministically() -> None:
    target = make_article("target", 10, tags=("budget",), category="economy")
    twins = [make_article(f"twin-{c}", 5, tags=("budget",), category="economy") for c in "cab"]
    config = RelatedConfig(count=5, threshold=0)
    expected = ["twin-a", "twin-b", "twin-c"]
    for order in ([target, *twins], [*reversed(twins), target], [twins[1], target, *twins[::2]]):
        assert slugs(related_articles(order, config)[target.source]) == expected


def test_ties_go_to_the_newer_article() -> None:
    target = make_article("target", 10, tags=("budget",), category="economy")
    before = make_article("before", 8, tags=("budget",), category="economy")
    after = make_article("after", 12, tags=("budget",), category="economy")
    config = RelatedConfig(count=5, threshold=0, include_newer=True)
    result = related_articles([target, before, after], config)
    assert slugs(result[target.source]) == ["after", "before"]


def test_count_is_respected() -> None:
    articles = [make_article(f"a{i:02d}", i, tags=("budget",)) for i in range(20)]
    config = RelatedConfig(count=3, inline_count=0, threshold=0)
    result = related_articles(articles, config)
    assert len(result[articles[-1].source]) == 3
    assert all(len(r) <= 3 for r in result.values())


def test_inline_count_can_ask_for_more_than_count() -> None:
    articles = [make_article(f"a{i:02d}", i, tags=("budget",)) for i in range(20)]
    result = related_articles(articles, RelatedConfig(count=1, inline_count=4, threshold=0))
    assert len(result[articles[-1].source]) == 4


def test_zero_count_gives_empty_lists() -> None:
    articles = [make_article(f"a{i}", i, tags=("budget",)) for i in range(5)]
    result = related_articles(articles, RelatedConfig(count=0, inline_count=0))
    assert result == {a.source: () for a in articles}


def test_single_article() -> None:
    article = make_article("alone")
    assert related_articles([article], RelatedConfig()) == {article.source: ()}


def test_no_articles() -> None:
    assert related_articles([], RelatedConfig()) == {}


def test_threshold_drops_weak_matches() -> None:
    target = make_article("target", 10, tags=("budget",), category="economy", authors=("x",))
    strong = make_article("strong", 9, tags=("budget",), category="economy", authors=("x",))
    weak = make_article("weak", 9, tags=("other",), category="economy", authors=("y",))
    articles = [target, strong, weak, *unrelated(10, start=30)]

    low = related_articles(articles, RelatedConfig(count=5, threshold=0))[target.source]
    assert slugs(low) == ["strong", "weak"]

    high = related_articles(articles, RelatedConfig(count=5, threshold=50))[target.source]
    assert slugs(high) == ["strong"]

    impossible = related_articles(articles, RelatedConfig(count=5, threshold=101))[target.source]
    assert impossible == ()


def test_nothing_in_common_is_not_related() -> None:
    articles = unrelated(12)
    result = related_articles(articles, RelatedConfig(count=5, threshold=10))
    assert all(r == () for r in result.values())


def test_large_archive_completes() -> None:
    articles = [
        make_article(
            f"a{i:05d}",
            i / 20,
            tags=(f"topic-{i % 400}", f"place-{i % 37}", "news"),
            category=f"section-{i % 9}",
            authors=(f"author-{i % 60}",),
        )
        for i in range(20_000)
    ]
    result = related_articles(articles, RelatedConfig())
    assert len(result) == 20_000
    newest = articles[-1]
    assert newest not in result[newest.source]
    assert 0 < len(result[newest.source]) <= 5


def _every_candidate_scored(
    articles: Sequence[Article], config: RelatedConfig
) -> dict[str, tuple[str, ...]]:
    """related_articles as first written: every candidate gets its date bonus and is ranked
    (the module skips candidates that cannot reach the list; the answer must not change)."""
    import heapq
    import math
    from collections import defaultdict

    from sitegen.model import related as r

    count = max(config.count, config.inline_count)
    order = sorted(range(len(articles)), key=lambda i: (articles[i].date, articles[i].source))
    rank = [0] * len(articles)
    for position, index in enumerate(order):
        rank[index] = position
    stamps = [a.date.timestamp() for a in articles]
    tags = r._postings(((i, [t.slug for t in a.tags]) for i, a in enumerate(articles)), rank)
    people = r._postings(((i, [p.slug for p in a.authors]) for i, a in enumerate(articles)), rank)
    sections = r._postings(((i, [a.category.slug]) for i, a in enumerate(articles)), rank)
    total = len(articles)
    idf = {
        t: math.log(1 + total / len(p.members))
        for t, p in tags.items()
        if len(p.members) <= config.max_tag_share * total or len(p.members) < 3
    }
    result = {}
    for i, a in enumerate(articles):
        scores: dict[int, float] = defaultdict(float)
        own = [t.slug for t in a.tags if t.slug in idf]
        norm = sum(idf[t] for t in own) or 1.0
        for t in own:
            for j in r._window(tags[t], rank[i], config.include_newer):
                scores[j] += r.WEIGHT_TAGS * idf[t] / norm
        for p in a.authors:
            for j in r._window(people[p.slug], rank[i], config.include_newer):
                scores[j] += r.WEIGHT_AUTHOR / len(a.authors)
        for j in r._window(sections[a.category.slug], rank[i], config.include_newer):
            scores[j] += r.WEIGHT_CATEGORY
        scores.pop(i, None)
        ranked = []
        for j, score in scores.items():
            score += r.WEIGHT_DATE / (1 + abs(stamps[j] - stamps[i]) / (86400 * r.DATE_SCALE_DAYS))
            if score >= config.threshold:
                ranked.append((-score, -stamps[j], articles[j].source, j))
        result[a.source] = tuple(articles[j].source for *_, j in heapq.nsmallest(count, ranked))
    return result


def test_skipping_hopeless_candidates_changes_no_list() -> None:
    import random

    rng = random.Random(7)
    words = [f"t{n}" for n in range(30)]
    articles = [
        make_article(
            f"story-{n}",
            day=rng.uniform(0, 400),
            tags=rng.sample(words, rng.randint(0, 4)),
            category=rng.choice(["politics", "economy", "science"]),
            authors=rng.sample(["ada", "ben", "chen", "dee"], rng.randint(1, 2)),
        )
        for n in range(600)
    ]
    for config in (RelatedConfig(), RelatedConfig(count=2, include_newer=True, threshold=30)):
        got = {s: tuple(a.source for a in v) for s, v in related_articles(articles, config).items()}
        assert got == _every_candidate_scored(articles, config)
