"""Sections and tags: their names checked in an article's front matter, and the site's
register of them, by slug as first spelled.

Names give slugs by `term_slug` (model/slugs.py), which spells out `+` and `#` after a letter or
digit, so `C`, `C++` and `C#` are three sections or tags (c, c-plus-plus, c-sharp). Names that
still share a slug (`Ukraine` and `ukraine`, `#MeToo` and `MeToo`) are one, shown as first
spelled, and each other spelling is warned about with the file that spelled it first."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from sitegen.errors import Reporter
from sitegen.load.sources import SourceFile
from sitegen.model.entities import Category, Tag
from sitegen.model.entries import Fields
from sitegen.model.slugs import term_slug
from sitegen.model.urls import Urls


def front_matter_category(f: Fields) -> tuple[str, str]:
    """The section's name as written and its slug ('' for each that is missing)."""
    name = f.text("category", required=True)
    if not name:
        return "", ""
    slug = term_slug(name)
    if not slug:
        f.error("category", f"category {name!r} gives an empty slug; use letters or digits")
    return name, slug


def front_matter_tags(f: Fields, warnings: list[tuple[int, str]]) -> tuple[tuple[str, str], ...]:
    """(slug, name) of each tag, the first spelling of each slug; a tag listed twice (or two
    spellings of one tag, `Ukraine` and `ukraine`) is kept once, with a warning."""
    tags: dict[str, str] = {}
    repeated: list[str] = []
    for name in f.strings("tags", warnings):
        slug = term_slug(name)
        if not slug:
            f.error("tags", f"tag {name!r} gives an empty slug; use letters or digits")
        elif slug in tags:
            first = tags[slug]
            repeated.append(repr(name) if name == first else f"{name!r} (the tag {first!r})")
        else:
            tags[slug] = name
    if repeated:
        more = ", …" if len(repeated) > 3 else ""
        warnings.append(
            (
                f.source.line_of("tags"),
                f"`tags` lists {', '.join(repeated[:3])}{more} again; each tag was kept once: "
                "remove the repeats",
            )
        )
    return tuple(tags.items())


@dataclass
class Terms:
    """The site's sections and tags by slug, as first spelled, and the file that spelled each
    first: filled in by article_from_front_matter as it meets them."""

    urls: Urls
    categories: dict[str, Category] = field(default_factory=dict)
    tags: dict[str, Tag] = field(default_factory=dict)
    spelled_in: dict[tuple[str, str], str] = field(default_factory=dict)

    def category(
        self, slug: str, name: str, source: SourceFile, reporter: Reporter
    ) -> Category | None:
        """The section `slug`, None for none ('')."""
        if not slug:
            return None
        found = self.categories.get(slug)
        if found is None:
            found = self.categories[slug] = Category(slug, name, self.urls.category(slug))
            self.spelled_in["category", slug] = source.display
        elif found.name != name:
            first = self.spelled_in["category", slug]
            reporter.warn(
                source.display,
                source.line_of("category"),
                f"category {name!r} is spelled {found.name!r} in {first}; using {found.name!r}",
            )
        return found

    def tag(self, slug: str, name: str, source: SourceFile, reporter: Reporter) -> Tag:
        found = self.tags.get(slug)
        if found is None:
            found = self.tags[slug] = Tag(slug, name, self.urls.tag(slug))
            self.spelled_in["tag", slug] = source.display
        elif found.name != name:
            first = self.spelled_in["tag", slug]
            reporter.warn(
                source.display,
                source.line_of("tags"),
                f"tag {name!r} is spelled {found.name!r} in {first}, and both have the page "
                f"{found.url}; using {found.name!r} (spell it so, or give the tag another name)",
            )
        return found


def lone_sections(
    stories: Mapping[str, Sequence[SourceFile]],
    menu: Collection[str] | None,
    categories: Mapping[str, Category],
    reporter: Reporter,
) -> set[str]:
    """The sections that one story alone names and the main menu (`menu`: the section slugs it
    lists; None for a menu of every section) leaves out, each warned about on the story's
    `category:` line: `Politcs` would otherwise open a section of its own. Without a menu, a
    one-story section is how a new site starts: only one named close to another is warned."""
    listed = set(menu or ())
    warned = set()
    for slug, sources in stories.items():
        if len(sources) > 1 or slug in listed:
            continue
        close = difflib.get_close_matches(slug, sorted({*listed, *stories} - {slug}), n=1)
        if menu is None and not close:
            continue  # a new section on a site whose menu lists every section
        warned.add(slug)
        names = [categories[s].name if s in categories else s for s in (slug, *close)]
        message = _lone(names, slug, menu is not None)
        reporter.warn(sources[0].display, sources[0].line_of("category"), message)
    return warned


def _lone(names: list[str], slug: str, menu: bool) -> str:
    """The warning for the section `names[0]`, `names[1]` the known one closest to it if any."""
    unlisted = " and is not in menu.main" if menu else ""
    said = (
        f"category {names[0]!r} is in no other story{unlisted}, so this story opens a section "
        "of its own"
    )
    if len(names) > 1:
        said += f"; did you mean {names[1]!r}?"
    if menu:
        said += f' If it is a new section, add [[menu.main]] section = "{slug}" to sitegen.toml'
    return said
