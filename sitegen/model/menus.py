"""The site's menus from the settings: the main menu of sections and the footer's pages and
links, with the sections missing from a menu that lists them warned about."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
    """The main and footer menus; a menu entry naming no section or page is an error."""
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
