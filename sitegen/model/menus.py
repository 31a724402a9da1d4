"""The site's menus from the settings: the main menu of sections and the footer's pages and
links, with the sections missing from a menu that lists them warned about."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sitegen.errors import ContentError, Reporter, SitegenError
from sitegen.load.config import MenuEntry, SiteConfig
from sitegen.model.entities import Article, Category, MenuItem, Page


def menus(
    config: SiteConfig,
    categories: Mapping[str, Category],
    by_category: Mapping[str, list[Article]],
    pages: Sequence[Page],
    reporter: Reporter,
    errors: list[SitegenError],
) -> tuple[tuple[MenuItem, ...], tuple[MenuItem, ...]]:
    """The main and footer menus; a menu entry naming no section or page is an error, one
    naming a section with no published story is left out with a warning."""
    published = frozenset(by_category)
    items = _MenuItems(categories, published, {p.slug: p for p in pages}, reporter, errors)
    if config.menu.main:
        main = items.of(config.menu.main, "main")
        _warn_unlisted(main, categories, by_category, reporter)
    else:
        main = _sections_by_size(categories, by_category)
    if config.menu.footer:
        footer = items.of(config.menu.footer, "footer")
    else:
        footer = tuple(MenuItem(p.title, p.url, "") for p in sorted(pages, key=lambda p: p.slug))
    return main, footer


def _sections_by_size(
    categories: Mapping[str, Category], by_category: Mapping[str, list[Article]]
) -> tuple[MenuItem, ...]:
    """The main menu when the settings have none: every section, the biggest first."""
    ranked = sorted(by_category, key=lambda s: (-len(by_category[s]), s))
    return tuple(MenuItem(categories[s].name, categories[s].url, s) for s in ranked)


def _warn_unlisted(
    main: Sequence[MenuItem],
    categories: Mapping[str, Category],
    by_category: Mapping[str, list[Article]],
    reporter: Reporter,
) -> None:
    """A main menu written out by hand may forget a section: its stories would be unreachable
    from the navigation, so say which."""
    in_menu = {i.section for i in main}
    for slug in sorted(set(by_category) - in_menu):
        reporter.warn(
            "sitegen.toml",
            None,
            f'section {categories[slug].name!r} ({len(by_category[slug])} articles) is not in menu.main; add [[menu.main]] section = "{slug}"',
        )


@dataclass(frozen=True)
class _MenuItems:
    """Menu entries of the settings made into items, with entries naming a section or page
    that does not exist recorded as errors."""

    categories: Mapping[str, Category]
    published: frozenset[str]
    """The sections with a published story."""
    pages: Mapping[str, Page]
    """Pages by slug."""
    reporter: Reporter
    errors: list[SitegenError]

    def of(self, entries: Sequence[MenuEntry], menu: str) -> tuple[MenuItem, ...]:
        """The items of the entries that name something that exists, in their order."""
        return tuple(i for e in entries if (i := self.item(e, menu)))

    def item(self, entry: MenuEntry, menu: str) -> MenuItem | None:
        if entry.section:
            return self._section(entry, menu)
        if entry.page:
            return self._page(entry, menu)
        return MenuItem(entry.title or entry.url, entry.url, "")

    def _section(self, entry: MenuEntry, menu: str) -> MenuItem | None:
        category = self.categories.get(entry.section)
        if category is None:
            self._error(
                f"menu.{menu} names section {entry.section!r}, but no article has that category; known: {', '.join(sorted(self.categories))}"
            )
            return None
        if category.slug not in self.published:
            # Its stories are drafts or scheduled: a link now would lead to no page.
            self.reporter.warn(
                "sitegen.toml",
                None,
                f"menu.{menu} names section {category.name!r}, but none of its stories is published yet (all are drafts or scheduled); the menu leaves it out until one is",
            )
            return None
        return MenuItem(entry.title or category.name, category.url, category.slug)

    def _page(self, entry: MenuEntry, menu: str) -> MenuItem | None:
        page = self.pages.get(entry.page)
        if page is None:
            self._error(
                f"menu.{menu} names page {entry.page!r}, but content/pages has no such page; known: {', '.join(sorted(self.pages))}"
            )
            return None
        return MenuItem(entry.title or page.title, page.url, "")

    def _error(self, message: str) -> None:
        self.errors.append(ContentError("sitegen.toml", None, message))
