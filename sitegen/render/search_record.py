"""What search indexes of a story: a small HTML document per article, made from the model.

Pagefind reads HTML. Given the rendered pages, it could start on a shard only once its pages
were rendered, and a change to any template re-indexed every story. A record holds the story
alone (headline, standfirst, byline, caption, corrections, body, topics), with its facets in
Pagefind's attributes: section and authors as filters, date and lead image as meta, the date
as sort key. It depends on the article and no template, so records are written right after
the model is built and Pagefind starts while the first pages render. The article's
Searchable.digest covers everything a record holds.

Filter values must come back from Pagefind exactly as the search page asks for them, and
Pagefind (1.5) changes what it reads: it decodes HTML character references twice, turns runs
of white space into one space, and matches the values a search asks for against the raw text
of its JSON, escapes and all (`"` arrives as `\\"`). So a filter element holds
`filter_value(name)`, escaped twice; search.js sends the name with its white space collapsed
the same way, JSON-escaped by Pagefind's own JSON.stringify, and decodes the values Pagefind
reports. tests/test_edge_cases.py checks this against Pagefind itself."""

from __future__ import annotations

import json
import re
from html import escape

from sitegen.model.entities import Article
from sitegen.model.text import long_date

BODY_MARK = "data-pagefind-body"
"""The attribute that marks what Pagefind indexes of a record (search/pagefind.py selects it)."""
_SPACE = re.compile(
    "[\t\n\x0b\x0c\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+"
)
"""White space as Python, JavaScript or Pagefind counts it; search.js has the same class."""


def filter_value(name: str) -> str:
    """A section or author name as the search index holds it: runs of white space as one
    space, then escaped as inside a JSON string (what Pagefind compares a search's filter with).
    search.js makes the same of a name it sends, and decodes the values it is shown."""
    return json.dumps(_SPACE.sub(" ", name).strip(" "), ensure_ascii=False)[1:-1]


def search_record(article: Article, language: str) -> bytes:
    """The record of `article` for a site whose pages are in `language` (a BCP 47 tag)."""
    e = escape
    date = article.date
    parts = [
        f'<!doctype html>\n<html lang="{e(language)}">\n<head><meta charset="utf-8">'
        f"<title>{e(article.title)}</title></head>\n<body>\n<article {BODY_MARK}>\n"
        f"{_filter('section', article.category.name)}"
        f'<h1 data-pagefind-meta="title">{e(article.title)}</h1>\n'
    ]
    if article.summary:
        parts.append(f"<p>{e(article.summary)}</p>\n")
    if article.authors:
        parts.append(_byline(article))
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


def _byline(article: Article) -> str:
    """The authors as filters, then as the words of the byline (indexed, as readers search)."""
    filters = "".join(_filter("author", a.name) for a in article.authors)
    names = [escape(a.name) for a in article.authors]
    byline = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{filters}<p>By {byline}</p>\n"


def _filter(key: str, name: str) -> str:
    """The element that gives the record the filter `key`: `name`, as filter_value, escaped
    once for each time Pagefind decodes it. Not indexed as text (the byline is)."""
    value = escape(escape(filter_value(name)))
    return f'<p data-pagefind-ignore data-pagefind-filter="{key}">{value}</p>\n'


def with_body(record: bytes, body: str) -> bytes | None:
    """`record` (made by search_record) with its body replaced by `body`, or None when it is
    not shaped like one: what search_record makes of the story once only its body changed.
    Everything around the body (the title, then p, h1, time and figure elements before it, the
    list of tags after it) is escaped text in elements other than div, so the first
    <div> opens the body and the last </div> closes it."""
    start, end = record.find(_BODY_START), record.rfind(_BODY_END)
    if start < 0 or end < start:
        return None
    return record[: start + len(_BODY_START)] + body.encode() + record[end:]


_BODY_START, _BODY_END = b"\n<div>\n", b"\n</div>\n"
