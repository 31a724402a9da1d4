"""Files beside stories (page bundles, model/bundles.py) in the build: which of the files the
bodies show exist, and the copies that publish each next to the pages showing it."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Mapping
from pathlib import Path

from sitegen.errors import ContentError, SitegenError
from sitegen.incremental.cache_rows import CachedSource
from sitegen.load.sources import display_path
from sitegen.model.bundles import published_beside
from sitegen.model.entities import Site
from sitegen.model.urls import Urls


def bundled_files(content: Path, sources: Iterable[CachedSource]) -> dict[str, Path]:
    """Content path -> file, for each file a body shows or links to by a relative path that
    is a regular file in the content folder, reached through no symbolic link, sorted."""
    real_content = content.resolve()
    wanted = {ref.target for c in sources if c.markup for ref in c.markup.files}
    found = {}
    for target in sorted(wanted):
        path = content / target
        # No links: the build's stamp (stamps.py) does not follow them to see a change.
        if os.path.isfile(path) and path.resolve() == real_content / target:
            found[target] = path
    return found


def bundle_copies(
    site: Site, sources: Mapping[str, CachedSource], bundled: Mapping[str, Path], urls: Urls
) -> dict[str, Path]:
    """Output path -> file, for each file beside a published story or page that its body
    shows (model/bundles.py): next to that page's own output, in the folders it lies in
    beside the source."""
    copies: dict[str, Path] = {}
    pages = [(a.source, a.url) for a in site.articles] + [(p.source, p.url) for p in site.pages]
    for source, url in pages:
        markup = sources[source].markup
        if markup is None or not markup.files:
            continue  # most stories show no file beside them
        folder = posixpath.dirname(urls.output_path(url))
        for ref, rel in published_beside(source, markup.files, bundled):
            copies[posixpath.join(folder, rel)] = bundled[ref.target]
    return copies


def copy_clashes(
    copies: Mapping[str, Path], static: Mapping[str, Path], root: Path
) -> list[SitegenError]:
    """An error for each file beside a story that would be published where a static file is."""
    return [
        ContentError(
            display_path(path, root),
            None,
            f"is published at {out} beside its story, where {display_path(static[out], root)} "
            "is published too; rename one of them",
        )
        for out, path in sorted(copies.items())
        if out in static
    ]
