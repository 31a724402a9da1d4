"""The paginated lists: a section's, a tag's, an author's and a month's stories, `per_page` to a
page. Planned with the PagePlanner of render/pages.py; each page's context is only built when
the page has to be rendered."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sitegen.model.entities import Archive, Article, Author, Category, Site, Tag
from sitegen.model.text import MONTHS
from sitegen.model.urls import page_url
from sitegen.render import seo
from sitegen.render.contexts import Crumb, ListContext, Meta, Pager
from sitegen.render.jobs import RenderJob
from sitegen.render.pages import PagePlanner

ListKind = Literal["category", "tag", "author", "archive"]
Term = Category | Tag | Author | Archive


@dataclass(frozen=True)
class _List:
    """One list of stories, before it is cut into pages."""

    kind: ListKind
    term: Term
    title: str
    description: str
    articles: Sequence[Article]


def plan_lists(planner: PagePlanner, only: Sequence[Article] | None = None) -> list[RenderJob]:
    """The pages of every list; with `only`, just the pages that list one of its articles."""
    jobs: list[RenderJob] = []
    ids = {id(a) for a in only or ()}
    for listing in _lists(planner.site):
        if only is None:
            jobs += _paginate(planner, listing)
        elif any(_holds(listing.kind, listing.term, a) for a in only):
            numbers = _pages_holding(listing, ids, planner.config.per_page)
            jobs += _paginate(planner, listing, numbers)
    return jobs


def _lists(site: Site) -> list[_List]:
    """Every list: sections, tags, authors, then months."""
    lists = [_List("category", c, c.name, "", site.by_category[c.slug]) for c in site.categories]
    lists += [_List("tag", t, f"Tag: {t.name}", "", site.by_tag[t.slug]) for t in site.tags]
    lists += [
        _List("author", p, p.name, p.role, site.by_author.get(p.slug, ())) for p in site.authors
    ]
    lists += [
        _List("archive", a, f"{MONTHS[a.month - 1]} {a.year}", "", a.articles)
        for a in site.archives
    ]
    return lists


def _pages_holding(listing: _List, ids: Collection[int], per_page: int) -> set[int] | None:
    """The numbers of the list's pages that hold one of the articles `ids`; None for all.
    A month's every page holds the whole month (`term.articles`); other lists' pages hold
    their own stories only."""
    if isinstance(listing.term, Archive):
        return None
    return {i // per_page + 1 for i, a in enumerate(listing.articles) if id(a) in ids}


def _paginate(
    planner: PagePlanner, listing: _List, numbers: Collection[int] | None = None
) -> list[RenderJob]:
    """The list's pages, or those of `numbers` (counted from 1)."""
    per_page = planner.config.per_page
    articles, term, kind = listing.articles, listing.term, listing.kind
    total = max(1, -(-len(articles) // per_page))
    page_urls = tuple((n, page_url(term.url, n)) for n in range(1, total + 1))
    term_key = _term_key(planner, term)
    noun = "section" if kind == "category" else kind
    origin = f"the {noun} page of {getattr(term, 'name', listing.title)!r}"
    jobs = []
    for number, url in page_urls:
        if numbers is not None and number not in numbers:
            continue
        chunk = articles[(number - 1) * per_page : number * per_page]
        deps = (kind, *term_key, f"{number}/{total}", *planner.cards(chunk))
        newest = max((a.modified for a in chunk), default=None)
        context = _ListPage(planner, listing, chunk, number, page_urls)
        jobs.append(RenderJob(planner.urls.output_path(url), "list.html", context, deps,
                              origin, newest, True))  # fmt: skip
    return jobs


def _term_key(planner: PagePlanner, term: Term) -> tuple[str, ...]:
    """What every page of the list shows of its term."""
    if isinstance(term, Author):
        return (planner.digests.author[term.slug],)
    if isinstance(term, Archive):  # a template may print any story of the month
        return (f"{term.year}-{term.month}", *planner.cards(term.articles))
    return (repr(term),)


class _ListPage:
    """The context of one page of a paginated list, built on demand."""

    def __init__(
        self,
        planner: PagePlanner,
        listing: _List,
        chunk: Sequence[Article],
        number: int,
        page_urls: tuple[tuple[int, str], ...],
    ) -> None:
        self.planner, self.listing, self.chunk = planner, listing, chunk
        self.number, self.page_urls = number, page_urls

    def __call__(self) -> Mapping[str, Any]:
        listing, number = self.listing, self.number
        term, total = listing.term, len(self.page_urls)
        prev_url = page_url(term.url, number - 1) if number > 1 else ""
        next_url = page_url(term.url, number + 1) if number < total else ""
        crumbs = self._crumbs()
        author = term if isinstance(term, Author) else None
        meta = self._meta(crumbs, author, prev_url, next_url)
        section = term.slug if isinstance(term, Category) else ""
        return ListContext(
            **self.planner.base(meta, section),
            kind=listing.kind,
            title=listing.title,
            description=listing.description,
            term=term,
            author=author,
            articles=self.chunk,
            pager=Pager(number, total, prev_url, next_url, self.page_urls),
            breadcrumbs=crumbs,
        )

    def _crumbs(self) -> list[Crumb]:
        """Home, then the archive index for a month, then the list (at its first page)."""
        crumbs = [Crumb("Home", self.planner.urls.home())]
        if self.listing.kind == "archive":
            crumbs.append(Crumb("Archive", self.planner.urls.archives()))
        crumbs.append(Crumb(self.listing.title, self.listing.term.url))
        return crumbs

    def _meta(
        self, crumbs: list[Crumb], author: Author | None, prev_url: str, next_url: str
    ) -> Meta:
        """An author's list is the author's profile page, with the avatar as its image."""
        p, listing, number = self.planner, self.listing, self.number
        title, first = listing.title, listing.term.url
        json_ld: list[Mapping[str, Any]] = [seo.breadcrumb_list(p.urls, crumbs)]
        if author is not None:
            json_ld.append(seo.profile_page(p.urls, author))
        return seo.page_meta(
            p.config,
            p.urls,
            title=title if number == 1 else f"{title} – page {number}",
            description=listing.description or f"{title}: the latest from {p.config.title}.",
            url=page_url(first, number),
            og_type="profile" if author else "website",
            image=(author.avatar, None, None, author.name) if author and author.avatar else None,
            json_ld=json_ld,
            alternates=p.feeds(listing.kind, first, title),
            prev_url=prev_url,
            next_url=next_url,
        )


def _holds(kind: ListKind, term: Term, article: Article) -> bool:
    """Whether the list of `term` holds `article`, going by the article's own fields."""
    if isinstance(term, Archive):
        return (term.year, term.month) == (article.date.year, article.date.month)
    if kind == "category":
        return term == article.category
    return term in (article.tags if kind == "tag" else article.authors)
