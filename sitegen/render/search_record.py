"""What search indexes of a story: a small HTML document per article, made from the model.

Pagefind reads HTML. Given the rendered pages, it could start on a shard only once its pages
were rendered, and a change to any template re-indexed every story. A record holds the story
alone (headline, standfirst, byline, caption, corrections, body, topics), with its facets in
Pagefind's attributes: section and authors as filters, date and lead image as meta, the date
as sort key. It depends on the article and no template, so records are written right after
the model is built and Pagefind starts while the first pages render. The article's
Searchable.digest covers everything a record holds."""

from __future__ import annotations

from html import escape

from sitegen.model.entities import Article
from sitegen.model.text import long_date

BODY_MARK = "data-pagefind-body"
"""The attribute that marks what Pagefind indexes of a record (search.py selects it)."""


def search_record(article: Article, language: str) -> bytes:
    """The record of `article` for a site whose pages are in `language` (a BCP 47 tag)."""
    e = escape
    date = article.date
    parts = [
        f'<!doctype html>\n<html lang="{e(language)}">\n<head><meta charset="utf-8">'
        f"<title>{e(article.title)}</title></head>\n<body>\n<article {BODY_MARK}>\n"
        f'<p data-pagefind-ignore data-pagefind-filter="section">{e(article.category.name)}</p>\n'
        f'<h1 data-pagefind-meta="title">{e(article.title)}</h1>\n'
    ]
    if article.summary:
        parts.append(f"<p>{e(article.summary)}</p>\n")
    if article.authors:
        names = [f'<span data-pagefind-filter="author">{e(a.name)}</span>' for a in article.authors]
        byline = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        parts.append(f"<p>By {byline}</p>\n")
    parts.append(
        f'<p data-pagefind-ignore><time data-pagefind-meta="date" '
        f'data-pagefind-sort="date:{int(date.timestamp())}">{long_date(date)}</time></p>\n'
    )
    image = article.image
    if image:
        parts.append(
            f'<figure><img src="{e(image.src)}" alt="{e(image.alt)}" '
            f'data-pagefind-meta="image[src], image_alt[alt]">'
        )
        if image.caption:
            parts.append(f"<figcaption>{e(image.caption)}</figcaption>")
        parts.append("</figure>\n")
    for correction in article.corrections:
        parts.append(f"<p>Correction, {long_date(correction.date)}: {e(correction.text)}</p>\n")
    # Internal links keep their placeholders: the index holds text, and where a link leads is
    # left out of the digest so that moving a story does not re-index the ones linking to it.
    parts.append(f"<div>\n{article.body.raw.get()}\n</div>\n")
    if article.tags:
        items = "".join(f"<li>{e(tag.name)}</li>" for tag in article.tags)
        parts.append(f"<ul>{items}</ul>\n")
    parts.append("</article>\n</body>\n</html>\n")
    return "".join(parts).encode()


def with_body(record: bytes, body: str) -> bytes | None:
    """`record` (made by search_record) with its body replaced by `body`, or None when it is
    not shaped like one: what search_record makes of the story once only its body changed.
    Everything around the body (the title, then p, h1, span, time and figure elements before
    it, the list of tags after it) is escaped text in elements other than div, so the first
    <div> opens the body and the last </div> closes it."""
    start, end = record.find(_BODY_START), record.rfind(_BODY_END)
    if start < 0 or end < start:
        return None
    return record[: start + len(_BODY_START)] + body.encode() + record[end:]


_BODY_START, _BODY_END = b"\n<div>\n", b"\n</div>\n"
