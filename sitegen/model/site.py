"""Assemble the site model from parsed sources: build the entries (model/entries.py), resolve
links between them, check URLs are unique, group articles and build the menus. Every problem is
collected, none stops the others."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from sitegen.errors import ContentError, Reporter, SitegenError
from sitegen.load.assets import StaticInfo
from sitegen.load.config import RelatedConfig, SiteConfig
from sitegen.load.markup import Markup
from sitegen.load.sources import SourceFile
from sitegen.model.articles import (
    ArticleFrontMatter,
    Known,
    article_from_front_matter,
    check_front_matter,
)
from sitegen.model.collisions import duplicate_urls, same_file_urls
from sitegen.model.dates import clock_errors, whole_minutes
from sitegen.model.entities import (
    Archive,
    Article,
    Author,
    Category,
    MenuItem,
    Page,
    Site,
)
from sitegen.model.entries import author_entry, author_slug, page_entry
from sitegen.model.menus import menus
from sitegen.model.refs import ContentLinks, warn_removed, with_bio_links
from sitegen.model.related import related_articles
from sitegen.model.terms import Terms, lone_sections
from sitegen.model.urls import Urls

RelateFunction = Callable[[Sequence[Article], RelatedConfig], Mapping[str, tuple[Article, ...]]]


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    future: bool = False
    now: datetime | None = None
    """The build's clock: decides which future-dated articles are still embargoed."""


def build_site(
    sources: Sequence[SourceFile],
    markups: Mapping[str, Markup],
    config: SiteConfig,
    options: BuildOptions,
    image_sizes: Mapping[str, StaticInfo],
    reporter: Reporter,
    relate: RelateFunction = related_articles,
    front_matter: Mapping[str, ArticleFrontMatter] | None = None,
    unreadable: Collection[str] = (),
    content_files: Collection[str] = frozenset(),
) -> tuple[Site | None, list[SitegenError]]:
    """The whole model, or the list of everything wrong with the content. `relate` computes
    related articles and `front_matter` holds articles' own checked front matter by source path
    (the build passes cached versions of both; what is missing is worked out here).
    `unreadable`: content files that exist but could not be read, whose errors are told
    already; a link to one is not a link to a missing file. `content_files`: the content
    paths of the files beside stories (page bundles) that bodies show and that exist."""
    errors: list[SitegenError] = clock_errors(options.now)
    if errors:
        return None, errors
    u = Urls(config.permalinks, config.base_url)
    now = whole_minutes(options.now or datetime.now(config.tz))
    by_kind = _by_kind(sources)
    profiles = _authors(by_kind["author"], markups, config, u, image_sizes, reporter, errors)
    pages = _pages(by_kind["page"], markups, config, u, reporter, errors)
    checked = _checked(by_kind["article"], markups, config, u, front_matter or {})
    link_urls = _link_urls(checked, pages, profiles, options, now)
    profiles = with_bio_links(profiles, by_kind["author"], markups, link_urls, reporter)
    broken_authors = {author_slug(s) for s in by_kind["author"] if s.rel not in profiles}
    authors = {a.slug: a for a in profiles.values()}
    known = Known(u, authors, broken_authors, link_urls, image_sizes, Terms(u), content_files)
    found = _articles(checked, markups, options, now, known, reporter, errors)
    links = _links(found, pages, profiles, sources, image_sizes, markups, reporter, errors)
    # Not sources, yet linked to: files that could not be read, and files beside stories.
    links = replace(links, unreadable=frozenset(unreadable), content_files=content_files)
    pages = links.check_all(found.published, pages)
    if errors:
        return None, errors
    return _site(found, pages, known, config, now, relate, reporter)


def _by_kind(sources: Sequence[SourceFile]) -> dict[str, list[SourceFile]]:
    by_kind: dict[str, list[SourceFile]] = defaultdict(list)
    for source in sources:
        by_kind[source.kind].append(source)
    return by_kind


def _pages(
    sources: Sequence[SourceFile],
    markups: Mapping[str, Markup],
    config: SiteConfig,
    u: Urls,
    reporter: Reporter,
    errors: list[SitegenError],
) -> list[Page]:
    """The pages without errors (theirs are recorded in `errors`)."""
    return [p for s in sources if (p := page_entry(s, markups[s.rel], config, u, errors, reporter))]


def _checked(
    sources: Sequence[SourceFile],
    markups: Mapping[str, Markup],
    config: SiteConfig,
    u: Urls,
    cached: Mapping[str, ArticleFrontMatter],
) -> list[tuple[SourceFile, ArticleFrontMatter]]:
    """Each article with its own checked front matter, from `cached` if there."""
    return [
        (s, cached.get(s.rel) or check_front_matter(s, markups[s.rel], config, u)) for s in sources
    ]


def _link_urls(
    checked: Sequence[tuple[SourceFile, ArticleFrontMatter]],
    pages: Sequence[Page],
    profiles: Mapping[str, Author],
    options: BuildOptions,
    now: datetime,
) -> dict[str, str]:
    """The URLs internal links in article bodies point at, by source path. Worked out from the
    checked front matter, they miss only articles that fail on something outside their own file, and then
    the build fails and no page is made: the links of every page actually written are the same
    as with the finished articles, and nothing needs redoing once those are known."""
    link_urls = {s.rel: d.url for s, d in checked if _published(d, options, now) and not d.errors}
    return link_urls | _urls_of(pages, profiles)


def _urls_of(pages: Sequence[Page], profiles: Mapping[str, Author]) -> dict[str, str]:
    """The URL of each page and author profile, by source path."""
    return {p.source: p.url for p in pages} | {rel: a.url for rel, a in profiles.items()}


@dataclass(frozen=True)
class _Found:
    """The articles of a build: those published, and what is known of the rest."""

    published: list[Article]
    left_out: set[str]
    """Source paths of the drafts and scheduled articles left out."""
    next_release: datetime | None
    drafts: list[str]
    """Display paths of the drafts left out, for the build's summary."""
    scheduled: list[tuple[str, datetime]]
    """Display path and date of each scheduled article left out."""
    sections: dict[str, list[SourceFile]]
    """The articles of each section by slug, published or not."""


def _articles(
    checked: Sequence[tuple[SourceFile, ArticleFrontMatter]],
    markups: Mapping[str, Markup],
    options: BuildOptions,
    now: datetime,
    known: Known,
    reporter: Reporter,
    errors: list[SitegenError],
) -> _Found:
    found = _Found([], set(), None, [], [], defaultdict(list))
    next_release: datetime | None = None
    for source, front in checked:
        article = article_from_front_matter(
            front, source, markups[source.rel], known, reporter, errors
        )
        if article is None:
            continue
        found.sections[article.category.slug].append(source)
        why = _left_out_because(front, options, now)
        if not why:
            found.published.append(article)
            continue
        found.left_out.add(source.rel)
        if why == "draft":
            found.drafts.append(source.display)
        else:
            found.scheduled.append((source.display, article.date))
        if not article.draft:
            next_release = min(next_release or article.date, article.date)
    return replace(found, next_release=next_release)


def _links(
    found: _Found,
    pages: Sequence[Page],
    profiles: Mapping[str, Author],
    sources: Sequence[SourceFile],
    image_sizes: Mapping[str, StaticInfo],
    markups: Mapping[str, Markup],
    reporter: Reporter,
    errors: list[SitegenError],
) -> ContentLinks:
    """Where the finished articles' and pages' links lead, once no two of them claim one URL
    (recorded in `errors`)."""
    articles = found.published
    sources_by_rel = {s.rel: s for s in sources}
    errors.extend(duplicate_urls(articles, pages))
    errors.extend(same_file_urls(articles, pages, profiles, sources_by_rel))
    url_of = {a.source: a.url for a in articles} | _urls_of(pages, profiles)
    return ContentLinks(
        url_of, found.left_out, sources_by_rel, image_sizes, markups, reporter, errors
    )


def _site(
    found: _Found,
    pages: Sequence[Page],
    known: Known,
    config: SiteConfig,
    now: datetime,
    relate: RelateFunction,
    reporter: Reporter,
) -> tuple[Site | None, list[SitegenError]]:
    """The site of checked articles and pages: their groupings, menus and related articles."""
    articles = sorted(found.published, key=lambda a: (-a.date.timestamp(), a.source))
    by_category, by_tag, by_author, by_month = _groups(articles)
    categories, tags = known.terms.categories, known.terms.tags
    errors: list[SitegenError] = []
    main_menu, footer_menu = _menus(found, by_category, categories, config, pages, reporter, errors)
    if errors:
        return None, errors
    menu_order = {item.section: i for i, item in enumerate(main_menu) if item.section}
    used_categories = sorted(
        (categories[s] for s in by_category),
        key=lambda c: (menu_order.get(c.slug, len(menu_order)), c.name.lower()),
    )
    u = known.urls
    archives = tuple(
        Archive(y, m, u.archive(y, m), tuple(items))
        for (y, m), items in sorted(by_month.items(), reverse=True)
    )
    site = Site(
        articles=tuple(articles),
        categories=tuple(used_categories),
        tags=tuple(sorted((tags[s] for s in by_tag), key=lambda t: t.slug)),
        authors=tuple(sorted(known.authors.values(), key=lambda a: a.slug)),
        pages=tuple(sorted(pages, key=lambda p: p.slug)),
        archives=archives,
        by_category={k: tuple(v) for k, v in by_category.items()},
        by_tag={k: tuple(v) for k, v in by_tag.items()},
        by_author={k: tuple(v) for k, v in by_author.items()},
        related=relate(articles, config.related),
        main_menu=main_menu,
        footer_menu=footer_menu,
        build_time=now,
        next_release=found.next_release,
        drafts=tuple(found.drafts),
        scheduled=tuple(found.scheduled),
    )
    return site, []


def _menus(
    found: _Found,
    by_category: Mapping[str, list[Article]],
    categories: Mapping[str, Category],
    config: SiteConfig,
    pages: Sequence[Page],
    reporter: Reporter,
    errors: list[SitegenError],
) -> tuple[tuple[MenuItem, ...], tuple[MenuItem, ...]]:
    """The main and footer menus, with a warning on the story that alone names a section the
    main menu leaves out (terms.lone_sections)."""
    written = config.menu.main
    listed = {e.section for e in written if e.section} if written else None
    lone = lone_sections(found.sections, listed, categories, reporter)
    if written:
        # menus() would blame sitegen.toml for these too; the story's own line is the place.
        by_category = {s: a for s, a in by_category.items() if s not in lone}
    return menus(config, categories, by_category, pages, reporter, errors)


def _groups(
    articles: Sequence[Article],
) -> tuple[
    dict[str, list[Article]],
    dict[str, list[Article]],
    dict[str, list[Article]],
    dict[tuple[int, int], list[Article]],
]:
    """`articles` by section, tag and author slug, and by (year, month), in their order."""
    by_category: dict[str, list[Article]] = defaultdict(list)
    by_tag: dict[str, list[Article]] = defaultdict(list)
    by_author: dict[str, list[Article]] = defaultdict(list)
    by_month: dict[tuple[int, int], list[Article]] = defaultdict(list)
    for article in articles:
        by_category[article.category.slug].append(article)
        for tag in article.tags:
            by_tag[tag.slug].append(article)
        for author in article.authors:
            by_author[author.slug].append(article)
        by_month[(article.date.year, article.date.month)].append(article)
    return by_category, by_tag, by_author, by_month


def _authors(
    sources: Sequence[SourceFile],
    markups: Mapping[str, Markup],
    config: SiteConfig,
    u: Urls,
    static: Collection[str],
    reporter: Reporter,
    errors: list[SitegenError],
) -> dict[str, Author]:
    """The author profiles without errors, by source path. Two files whose names are one slug
    (the same name in two Unicode forms, as macOS and Linux may write it) are an error."""
    profiles: dict[str, Author] = {}
    by_slug: dict[str, SourceFile] = {}
    for source in sources:
        warn_removed(source, markups[source.rel], reporter)
        first = by_slug.setdefault(author_slug(source), source)
        if first is not source:
            errors.append(
                ContentError(
                    source.display,
                    1,
                    f"has the same name as {first.display} in another Unicode form; they would "
                    "be one file on macOS, and one author page: keep one of them",
                )
            )
            continue
        author = author_entry(source, markups[source.rel], config, u, static, errors, reporter)
        if author:
            profiles[source.rel] = author
    return profiles


def _published(front: ArticleFrontMatter, options: BuildOptions, now: datetime) -> bool:
    return front.date is not None and not _left_out_because(front, options, now)


def _left_out_because(
    front: ArticleFrontMatter, options: BuildOptions, now: datetime
) -> Literal["", "draft", "scheduled"]:
    """Why the build leaves out the article (dated `front.date`): '' when it publishes it."""
    if front.draft and not options.drafts:
        return "draft"
    if front.date is not None and front.date > now and not options.future:
        return "scheduled"
    return ""
