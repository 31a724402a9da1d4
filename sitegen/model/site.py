"""Assemble the site model from parsed sources: build the entries (model/entries.py), resolve
links between them, check URLs are unique, group articles and build the menus. Every problem is
collected, none stops the others."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import unquote

from sitegen.assets import StaticInfo
from sitegen.config import MenuEntry, RelatedConfig, SiteConfig
from sitegen.errors import ContentError, Reporter, SitegenError
from sitegen.markup import REF_PATTERN, Markup
from sitegen.model.articles import ArticleDraft, article_draft, article_from_draft
from sitegen.model.entities import (
    Archive,
    Article,
    Category,
    MenuItem,
    Page,
    Site,
    Tag,
)
from sitegen.model.entries import author_entry, page_entry
from sitegen.model.related import related_articles
from sitegen.model.urls import Urls
from sitegen.sources import SourceFile

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
    drafts: Mapping[str, ArticleDraft] | None = None,
) -> tuple[Site | None, list[SitegenError]]:
    """The whole model, or the list of everything wrong with the content. `relate` computes
    related articles and `drafts` holds articles' own checked front matter by source path
    (the build passes cached versions of both; what is missing is worked out here)."""
    errors: list[SitegenError] = []
    u = Urls(config.permalinks, config.base_url)
    now = options.now or datetime.now(config.tz)
    by_kind: dict[str, list[SourceFile]] = defaultdict(list)
    for source in sources:
        by_kind[source.kind].append(source)

    authors = {}
    for source in by_kind["author"]:
        author = author_entry(source, markups[source.rel], config, u, errors)
        if author:
            authors[author.slug] = author
    pages = [p for s in by_kind["page"] if (p := page_entry(s, markups[s.rel], config, u, errors))]

    broken_authors = {s.rel for s in by_kind["author"]} - {f"authors/{a}.md" for a in authors}
    categories: dict[str, Category] = {}
    tags: dict[str, Tag] = {}
    drafts_left_out: set[str] = set()
    next_release: datetime | None = None
    articles: list[Article] = []
    checked = [
        (s, (drafts.get(s.rel) if drafts else None) or article_draft(s, markups[s.rel], config, u))
        for s in by_kind["article"]
    ]
    # Internal links in article bodies point at these URLs. Worked out from the drafts, they
    # miss only articles that fail on something outside their own file, and then the build
    # fails and no page is made: the links of every page actually written are the same as
    # with the finished articles, and nothing needs redoing once those are known.
    link_urls = {s.rel: d.url for s, d in checked if _published(d, options, now) and not d.errors}
    link_urls |= {p.source: p.url for p in pages}
    link_urls |= {f"authors/{slug}.md": a.url for slug, a in authors.items()}
    for source, draft in checked:
        markup = markups[source.rel]
        article = article_from_draft(
            draft,
            link_urls,
            source,
            markup,
            u,
            authors,
            broken_authors,
            categories,
            tags,
            image_sizes,
            reporter,
            errors,
        )
        if article is None:
            continue
        if _published(draft, options, now):
            articles.append(article)
        else:
            drafts_left_out.add(source.rel)
            if not article.draft and (next_release is None or article.date < next_release):
                next_release = article.date

    errors.extend(_duplicate_urls(articles, pages))
    url_of = {a.source: a.url for a in articles} | {p.source: p.url for p in pages}
    url_of |= {f"authors/{slug}.md": a.url for slug, a in authors.items()}
    sources_by_rel = {s.rel: s for s in sources}
    links = _Links(url_of, drafts_left_out, sources_by_rel, image_sizes, markups, reporter, errors)
    for a in articles:
        links.check(a.source)
    pages = [links.resolve(p) for p in pages]
    if errors:
        return None, errors

    articles.sort(key=lambda a: (-a.date.timestamp(), a.source))
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

    main_menu, footer_menu = _menus(config, categories, by_category, pages, reporter, errors)
    if errors:
        return None, errors
    menu_order = {item.section: i for i, item in enumerate(main_menu) if item.section}
    used_categories = sorted(
        (categories[s] for s in by_category),
        key=lambda c: (menu_order.get(c.slug, len(menu_order)), c.name.lower()),
    )
    archives = tuple(
        Archive(y, m, u.archive(y, m), tuple(items))
        for (y, m), items in sorted(by_month.items(), reverse=True)
    )
    site = Site(
        articles=tuple(articles),
        categories=tuple(used_categories),
        tags=tuple(sorted((tags[s] for s in by_tag), key=lambda t: t.slug)),
        authors=tuple(sorted(authors.values(), key=lambda a: a.slug)),
        pages=tuple(sorted(pages, key=lambda p: p.slug)),
        archives=archives,
        by_category={k: tuple(v) for k, v in by_category.items()},
        by_tag={k: tuple(v) for k, v in by_tag.items()},
        by_author={k: tuple(v) for k, v in by_author.items()},
        related=relate(articles, config.related),
        main_menu=main_menu,
        footer_menu=footer_menu,
        build_time=now,
        next_release=next_release,
    )
    return site, []


def _duplicate_urls(articles: Sequence[Article], pages: Sequence[Page]) -> list[SitegenError]:
    seen: dict[str, str] = {}
    errors: list[SitegenError] = []
    items: list[Article | Page] = [*articles, *pages]
    for item in items:
        other = seen.setdefault(item.url, item.source)
        if other != item.source:
            errors.append(
                ContentError(
                    f"content/{item.source}",
                    None,
                    f"has the same URL {item.url} as content/{other}; give one of them another `slug:`",
                )
            )
    return errors


@dataclass(frozen=True)
class _Links:
    """Where each content file's internal links lead, and where to report the ones that will
    not work."""

    url_of: Mapping[str, str]
    unpublished: set[str]
    sources: Mapping[str, SourceFile]
    static_files: Mapping[str, object]
    markups: Mapping[str, Markup]
    reporter: Reporter
    errors: list[SitegenError]

    def check(self, rel: str) -> bool:
        """Warn about links and images that will not work, and record links to missing files as
        errors; True when every internal link has somewhere to go."""
        sources, markups, url_of, unpublished = (
            self.sources,
            self.markups,
            self.url_of,
            self.unpublished,
        )
        source, markup, reporter = sources[rel], markups[rel], self.reporter
        for url in markup.unsafe_links:
            reporter.warn(
                source.display,
                source.line_of_text(f"]({url}", url),
                f"the link {url[:60]!r} would run a script; it was removed (use an https:// link)",
            )
        # Line numbers are looked up only for a message: finding one needs the body, which the
        # build cache fetches from the file.
        for image in markup.images:
            if (
                image.src.startswith("/")
                and not image.src.startswith("//")
                and image.src not in self.static_files
            ):
                reporter.warn(
                    source.display,
                    source.line_of_text(f"]({image.src}", image.src),
                    f"image {image.src} is not in static/; add the file or fix the path",
                )
            if not image.has_alt:
                reporter.warn(
                    source.display,
                    source.line_of_text(f"]({image.src}", image.src),
                    f"image {image.src} has no alt text; write ![what it shows]({image.src})",
                )
        missing = []
        for ref in markup.refs:
            if ref.target in url_of:
                fragment = unquote(ref.text.partition("#")[2])
                target = markups.get(ref.target)
                if fragment and target is not None and fragment not in target.ids:
                    reporter.warn(
                        source.display,
                        source.line_of_text(f"]({ref.text}", ref.text),
                        f"links to {ref.text}, but content/{ref.target} has no heading or element with id {fragment!r}",
                    )
                continue
            if ref.target in sources and ref.target not in unpublished:
                continue  # the target exists but has errors of its own, reported there
            line = source.line_of_text(f"]({ref.text}", ref.text)
            if ref.target in unpublished:
                reporter.warn(
                    source.display,
                    line,
                    f"links to {ref.text}, which is a draft or scheduled; the link will not work until it is published",
                )
            else:
                missing.append(ref)
                self.errors.append(
                    ContentError(
                        source.display,
                        line,
                        f"links to {ref.text}, but content/{ref.target} does not exist; fix the path (it is relative to this file)",
                    )
                )
        return not missing

    def resolve(self, page: Page) -> Page:
        """The page with its internal links pointed at their URLs, once checked."""
        markup = self.markups[page.source]
        if not self.check(page.source) or not markup.refs:
            return page
        url_of = self.url_of

        def url(match: re.Match[str]) -> str:
            return url_of.get(match.group(1), "#")

        return replace(page, body_html=REF_PATTERN.sub(url, page.body_html))


def _published(draft: ArticleDraft, options: BuildOptions, now: datetime) -> bool:
    return (
        draft.date is not None
        and (options.drafts or not draft.draft)
        and (options.future or draft.date <= now)
    )


def _menus(
    config: SiteConfig,
    categories: Mapping[str, Category],
    by_category: Mapping[str, list[Article]],
    pages: Sequence[Page],
    reporter: Reporter,
    errors: list[SitegenError],
) -> tuple[tuple[MenuItem, ...], tuple[MenuItem, ...]]:
    page_by_slug = {p.slug: p for p in pages}

    def item(entry: MenuEntry, menu: str) -> MenuItem | None:
        if entry.section:
            category = categories.get(entry.section)
            if category is None:
                errors.append(
                    ContentError(
                        "sitegen.toml",
                        None,
                        f"menu.{menu} names section {entry.section!r}, but no article has that category; known: {', '.join(sorted(categories))}",
                    )
                )
                return None
            return MenuItem(entry.title or category.name, category.url, category.slug)
        if entry.page:
            page = page_by_slug.get(entry.page)
            if page is None:
                errors.append(
                    ContentError(
                        "sitegen.toml",
                        None,
                        f"menu.{menu} names page {entry.page!r}, but content/pages has no such page; known: {', '.join(sorted(page_by_slug))}",
                    )
                )
                return None
            return MenuItem(entry.title or page.title, page.url, "")
        return MenuItem(entry.title or entry.url, entry.url, "")

    if config.menu.main:
        main = tuple(i for e in config.menu.main if (i := item(e, "main")))
        in_menu = {i.section for i in main}
        for slug in sorted(set(by_category) - in_menu):
            reporter.warn(
                "sitegen.toml",
                None,
                f'section {categories[slug].name!r} ({len(by_category[slug])} articles) is not in menu.main; add [[menu.main]] section = "{slug}"',
            )
    else:
        ranked = sorted(by_category, key=lambda s: (-len(by_category[s]), s))
        main = tuple(MenuItem(categories[s].name, categories[s].url, s) for s in ranked)
    if config.menu.footer:
        footer = tuple(i for e in config.menu.footer if (i := item(e, "footer")))
    else:
        footer = tuple(MenuItem(p.title, p.url, "") for p in sorted(pages, key=lambda p: p.slug))
    return main, footer
