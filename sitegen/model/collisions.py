"""Content that would be published at one address: two files with the same URL, or URLs that
differ only in letter case, which macOS and Windows file systems store as one file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sitegen.errors import ContentError, SitegenError
from sitegen.load.sources import SourceFile
from sitegen.model.entities import Article, Author, Category, Page, Tag
from sitegen.model.slugs import same_file_key

_NEW_SLUG = "give one of them another `slug:`"


@dataclass(frozen=True)
class _Owner:
    """What is published at a URL: a content file, or a section or tag page (source None)."""

    url: str
    name: str
    """The file's path, or `section 'Politics'`."""
    source: SourceFile | None = None
    line: int = 1
    """The line that makes the URL: `slug:`, else the title (articles) or the file name (1)."""
    fix: str = "rename one of the files"


def same_file_urls(
    articles: Sequence[Article],
    pages: Sequence[Page],
    profiles: Mapping[str, Author],
    sources: Mapping[str, SourceFile],
) -> list[SitegenError]:
    """An error for each URL that differs from another only in letter case (/Cafe/, /cafe/):
    the same file on macOS and Windows, where one page would overwrite the other, told on the
    content file of the two. Slugs are composed Unicode (NFC), so two spellings of one accent
    give the same URL, reported by duplicate_urls; section and tag slugs are lower case."""
    seen: dict[str, _Owner] = {}
    errors: list[SitegenError] = []
    for owner in _owners(articles, pages, profiles, sources):
        other = seen.setdefault(same_file_key(owner.url), owner)
        if other.url != owner.url:  # the same URL is duplicate_urls' or the plan's to report
            errors.extend(_case_clash(owner, other) or _case_clash(other, owner))
    return errors


def _owners(
    articles: Sequence[Article],
    pages: Sequence[Page],
    profiles: Mapping[str, Author],
    sources: Mapping[str, SourceFile],
) -> list[_Owner]:
    """Everything the model publishes at a URL of its own, files first."""
    terms: dict[str, Category | Tag] = {a.category.url: a.category for a in articles}
    terms |= {t.url: t for a in articles for t in a.tags}
    owners = []
    for a in articles:
        source = sources[a.source]
        line = source.line_of("slug" if "slug" in source.meta else "title")
        owners.append(_Owner(a.url, source.display, source, line, _NEW_SLUG))
    for p in pages:
        source = sources[p.source]
        owners.append(_Owner(p.url, source.display, source, source.line_of("slug"), _NEW_SLUG))
    owners += [_Owner(a.url, sources[rel].display, sources[rel]) for rel, a in profiles.items()]
    return owners + [_Owner(url, _term_name(term)) for url, term in terms.items()]


def _term_name(term: Category | Tag) -> str:
    return f"section {term.name!r}" if isinstance(term, Category) else f"tag {term.name!r}"


def _case_clash(owner: _Owner, other: _Owner) -> list[SitegenError]:
    """The error for `owner`'s file, whose URL differs from `other`'s only in case; none if
    `owner` is no file."""
    source = owner.source
    if source is None:
        return []
    fix = owner.fix
    if other.source is None:  # a section or tag: only this file can change
        fix = "give it another `slug:`" if fix == _NEW_SLUG else "rename the file"
    message = (
        f"has the URL {owner.url}, which differs from {other.url} ({other.name}) only in upper "
        f"and lower case: on macOS and Windows both are one file, and one page would overwrite "
        f"the other; {fix}"
    )
    return [ContentError(source.display, owner.line, message)]


def duplicate_urls(articles: Sequence[Article], pages: Sequence[Page]) -> list[SitegenError]:
    """An error for each article or page whose URL another one has already."""
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
