"""The same corpus as a Hugo site: same sections, tags, authors, related content, pagination and
feeds limited to the same number of items, so the two generators do comparable work."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

CONFIG = """baseURL = "https://bench.example/"
title = "Bench Daily"
disableKinds = []
[pagination]
  pagerSize = {per_page}
paginate = {per_page}
[services.rss]
  limit = {feed_items}
[taxonomies]
  category = "categories"
  tag = "tags"
  author = "authors"
[permalinks]
  posts = "/:section/:slug/"
[related]
  includeNewer = false
  threshold = 10
  toLower = true
  [[related.indices]]
    name = "tags"
    weight = 60
  [[related.indices]]
    name = "authors"
    weight = 15
  [[related.indices]]
    name = "categories"
    weight = 15
  [[related.indices]]
    name = "date"
    weight = 10
[markup.goldmark.renderer]
  unsafe = false
"""

BASEOF = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title>
<link rel="canonical" href="{{ .Permalink }}">{{ range .AlternativeOutputFormats }}<link rel="alternate" type="{{ .MediaType.Type }}" href="{{ .Permalink }}">{{ end }}</head>
<body><header><a href="/">{{ .Site.Title }}</a><nav>{{ range .Site.Taxonomies.categories }}<a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> {{ end }}</nav></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
"""
SINGLE = """{{ define "main" }}<article><h1>{{ .Title }}</h1><p>By {{ range .Params.authors }}<a href="{{ "authors/" | relURL }}{{ . | urlize }}/">{{ . }}</a> {{ end }}
<time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "January 2, 2006" }}</time> · {{ .ReadingTime }} min read</p>
{{ with .Params.image }}<img src="{{ . }}" alt="">{{ end }}{{ .Content }}
<p>{{ range .Params.tags }}<a href="{{ "tags/" | relURL }}{{ . | urlize }}/">{{ . }}</a> {{ end }}</p></article>
{{ $related := .Site.RegularPages.Related . | first 5 }}{{ with $related }}<section><h2>Related Articles</h2>{{ range . }}<article><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "Jan 2, 2006" }} {{ .Summary | plainify | truncate 160 }}</article>{{ end }}</section>{{ end }}{{ end }}
"""
LIST = """{{ define "main" }}<h1>{{ .Title }}</h1>{{ $pages := .Paginate .Pages }}{{ range $pages.Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p>{{ .Date.Format "Jan 2, 2006" }} · {{ .Summary | plainify | truncate 160 }}</p></article>{{ end }}
{{ with $pages.Prev }}<a rel="prev" href="{{ .URL }}">Newer</a>{{ end }} {{ with $pages.Next }}<a rel="next" href="{{ .URL }}">Older</a>{{ end }}{{ end }}
"""
HOME = """{{ define "main" }}{{ range first 12 .Site.RegularPages.ByDate.Reverse }}<article><a href="{{ .RelPermalink }}">{{ .Title }}</a></article>{{ end }}{{ end }}
"""


def hugo_site(corpus: Path, target: Path, per_page: int = 10, feed_items: int = 20) -> Path:
    """Write the Hugo twin of a sitegen corpus into target (replacing it)."""
    if target.exists():
        shutil.rmtree(target)
    (target / "layouts" / "_default").mkdir(parents=True)
    (target / "config.toml").write_text(CONFIG.format(per_page=per_page, feed_items=feed_items))
    layouts = target / "layouts" / "_default"
    (layouts / "baseof.html").write_text(BASEOF)
    (layouts / "single.html").write_text(SINGLE)
    (layouts / "list.html").write_text(LIST)
    (target / "layouts" / "index.html").write_text(HOME)
    shutil.copytree(corpus / "static", target / "static")
    for path in sorted((corpus / "content" / "articles").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        front, body = text[4:].split("\n---\n", 1)
        front = re.sub(r"^author: \[(.*)\]$", r"authors: [\1]", front, flags=re.M)
        front = re.sub(r"^author: (.*)$", r"authors: [\1]", front, flags=re.M)
        front = re.sub(r"^category: (.*)$", r'categories: ["\1"]', front, flags=re.M)
        body = re.sub(
            r"\]\((?:\.\./[^/)]+/)?([^)/]+)\.md\)", r"](/)", body
        )  # Hugo has no .md link resolution
        out = target / "content" / "posts" / path.parent.name / path.name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(f"---\n{front}\nslug: {path.stem}\n---\n{body}", encoding="utf-8")
    return target
