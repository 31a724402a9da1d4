"""`sitegen new`: a ready-to-write article file with its front matter."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml

from sitegen.errors import ContentError
from sitegen.load.config import load_config
from sitegen.model.articles import PLACEHOLDER
from sitegen.model.slugs import slugify


def new_article(
    root: Path, title: str, category: str, authors: list[str], tags: list[str], now: datetime
) -> Path:
    config = load_config(root)
    if not title.strip():
        raise ContentError("TITLE", None, "the title is empty; give the headline in quotes")
    for author in authors:
        if not (root / "content" / "authors" / f"{author}.md").is_file():
            known = sorted(p.stem for p in (root / "content" / "authors").glob("*.md"))
            raise ContentError(
                f"content/authors/{author}.md",
                None,
                f"no such author; create the profile first or use one of: {', '.join(known) or '(none yet)'}",
            )
    slug, folder = slugify(title), slugify(category)
    if not slug or not folder:
        raise ContentError("TITLE", None, "the title and category need letters or digits")
    path = root / "content" / "articles" / folder / f"{slug}.md"
    if path.exists():
        raise ContentError(
            str(path), None, "already exists; choose another title or edit that file"
        )
    stamp = now.astimezone(config.tz).replace(microsecond=0, tzinfo=None).isoformat()
    meta = {
        "title": title.strip(),
        "date": stamp,
        "author": authors[0] if len(authors) == 1 else authors,
        "category": category.strip(),
        "tags": tags,
        "summary": "",
        "image": "",
        "image_alt": "",
        "image_caption": "",
        "draft": True,
    }
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=None)
    # The build refuses to publish a story that still holds PLACEHOLDER (model/articles.py).
    body = f"{PLACEHOLDER} Remove `draft: true` when it is ready to publish.\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(f"---\n{front}---\n\n{body}")
    return path
