"""Files beside a story (page bundles): `![Map](map.png)` in
content/articles/politics/budget/index.md shows content/articles/politics/budget/map.png, which
is published next to the story's page. Where each file goes, and the warnings for the ones that
will not show."""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Collection, Iterable, Iterator
from urllib.parse import quote

from sitegen.errors import Reporter
from sitegen.load.markup import Reference
from sitegen.load.sources import SourceFile

_PATH_END = re.compile(r"[?#]")
"""Where an address's path ends and its query or fragment begins."""


def published_beside(
    source_rel: str, files: Iterable[Reference], found: Collection[str]
) -> Iterator[tuple[Reference, str]]:
    """Each file of `files` (named in the body of `source_rel`) that is published with it, and
    its path from the source's folder ("map.png", "images/chart.png"): one that exists (is in
    `found`), in that folder or below it, and is not hidden."""
    for ref in files:
        rel = _beside(source_rel, ref.target)
        if rel is not None and ref.target in found and not _hidden(rel):
            yield ref, rel


def bundle_links(
    source: SourceFile,
    url: str,
    files: Iterable[Reference],
    found: Collection[str],
    reporter: Reporter,
) -> dict[str, str]:
    """Content path -> URL of each file the body of `source` (published at `url`, a folder
    URL) shows or links to by a relative path; `found` holds the content paths of the files
    that exist. One that is not published keeps its address as written (escaped: it goes
    back into the HTML), with a warning on its line."""
    files = tuple(files)
    links = {
        ref.target: url + quote(rel) for ref, rel in published_beside(source.rel, files, found)
    }
    for ref in files:
        if ref.target not in links:
            problem = _problem(ref, _beside(source.rel, ref.target))
            links[ref.target] = kept_as_written(source, ref, problem, reporter)
    return links


def kept_as_written(source: SourceFile, ref: Reference, problem: str, reporter: Reporter) -> str:
    """The address of `ref` as its writer wrote it, to stand where its placeholder was (escaped:
    it goes back into the HTML), with `problem` told on its line. The ?query and #fragment
    after the placeholder stay on the page, so they are left out here."""
    line = source.line_of_text(f"]({ref.text}", f'="{ref.text}"', ref.text)
    reporter.warn(source.display, line, problem)
    return html.escape(_PATH_END.split(ref.text, maxsplit=1)[0], quote=True)


def _beside(source_rel: str, target: str) -> str | None:
    """Where the content file `target` lies from the folder of `source_rel` (both content
    paths); None when it lies outside that folder."""
    rel = posixpath.relpath(target, posixpath.dirname(source_rel))
    return None if rel == ".." or rel.startswith("../") else rel


def _hidden(rel: str) -> bool:
    return any(part.startswith(".") for part in rel.split("/"))


def _problem(ref: Reference, rel: str | None) -> str:
    if rel is None:
        return (
            f"{ref.text} is outside this story's folder, so it is not published with it; move "
            "it beside the story (content/…/story/index.md with the file next to it), or into "
            "static/ and write a site path such as /images/photo.jpg"
        )
    if _hidden(rel):
        return f"{ref.text} is a hidden file, which the site does not publish; rename it"
    return (
        f"{ref.text} is not beside the story: content/{ref.target} is not a file there (links "
        "are not followed); add the file or fix the path (it is relative to this file)"
    )
