"""Writes docs/theme-reference.md, the theme contract for theme authors, from the code that
defines it: the template contexts (sitegen/render/contexts.py), the entities they hold
(sitegen/model/entities.py), and the filters and globals of the template environment.

    python3 scripts/theme_reference.py          # rewrite docs/theme-reference.md
    python3 scripts/theme_reference.py --check  # exit 1 if it is out of date (the tests do this)

Field descriptions are the attribute docstrings in those two modules; filters and globals are
described below, and a filter or global without a description here fails --check."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "theme-reference.md"
SOURCES = (ROOT / "sitegen/render/contexts.py", ROOT / "sitegen/model/entities.py")

TEMPLATES = (
    ("index.html", "IndexContext", "the front page"),
    ("article.html", "ArticleContext", "each article"),
    ("list.html", "ListContext", "section, tag, author and monthly archive pages (paginated)"),
    ("archives.html", "ArchiveIndexContext", "the archive index"),
    ("page.html", "PageContext", "each static page (About, Contact...)"),
    ("search.html", "SearchContext", "the search page, when [search] is on"),
    ("404.html", "NotFoundContext", "the not-found page"),
    ("rss.xml, atom.xml", "FeedContext", "every feed (built in; a theme may override)"),
    ("sitemap.xml, sitemap-index.xml", "SitemapContext", "the sitemap (built in)"),
    ("news-sitemap.xml", "NewsSitemapContext", "the Google News sitemap (built in)"),
    ("robots.txt", "RobotsContext", "robots.txt (built in)"),
    ("headers.txt", "HeadersContext", "_headers, with [deploy] headers (built in)"),
    ("redirect.html", "RedirectContext", "the page at each old address in `aliases:` (built in)"),
    ("redirects.txt", "RedirectsContext", "_redirects, when any story has `aliases:` (built in)"),
)

FILTERS = {
    "absolute": ("a site URL made absolute with base_url", "{{ article.url | absolute }}"),
    "absolutize": (
        "root-relative links in an HTML fragment made absolute (for feeds)",
        "{{ article.body_html | absolutize }}",
    ),
    "date_long": ("a date as 'Monday, 12 May 2025'", "{{ article.date | date_long }}"),
    "date_short": ("a date as 'May 12, 2025'", "{{ article.date | date_short }}"),
    "iso": ("a datetime in ISO 8601, for <time datetime>", "{{ article.date | iso }}"),
    "json_ld": ("structured data as a safe <script> body", "{{ item | json_ld }}"),
    "month_name": ("a month number as its English name", "{{ archive.month | month_name }}"),
    "rfc822": ("a datetime as RFC 822, for RSS", "{{ article.date | rfc822 }}"),
    "thousands": ("a number with thousands separators", "{{ count | thousands }}"),
    "time_hm": ("a datetime's time as HH:MM", "{{ article.date | time_hm }}"),
}
GLOBALS = {
    "asset": (
        "the URL of a theme static file with its content hash (?v=…), for cache busting; "
        "fails the build when the file does not exist",
        '<link rel="stylesheet" href="{{ asset(\'css/site.css\') }}">',
    ),
}


def _classes() -> dict[str, tuple[str, list[tuple[str, str, str]]]]:
    """Each class of the two modules: its docstring and its (field, type, description)."""
    found: dict[str, tuple[str, list[tuple[str, str, str]]]] = {}
    for path in SOURCES:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                found[node.name] = (ast.get_docstring(node) or "", _fields(node))
    return found


def _fields(node: ast.ClassDef) -> list[tuple[str, str, str]]:
    fields: list[tuple[str, str, str]] = []
    body = node.body
    for i, item in enumerate(body):
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            fields.append((item.target.id, ast.unparse(item.annotation), _doc_after(body, i)))
        elif isinstance(item, ast.FunctionDef) and _is_property(item):
            returns = ast.unparse(item.returns) if item.returns else ""
            fields.append((item.name, returns, ast.get_docstring(item) or ""))
    return [f for f in fields if not f[0].startswith("_")]


def _doc_after(body: list[ast.stmt], i: int) -> str:
    following = body[i + 1] if i + 1 < len(body) else None
    if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
        return " ".join(str(following.value.value).split())
    return ""


def _is_property(item: ast.FunctionDef) -> bool:
    names = {ast.unparse(d) for d in item.decorator_list}
    return bool(names & {"property", "cached_property"})


def _bases(name: str) -> list[str]:
    for path in SOURCES:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and node.name == name:
                return [ast.unparse(b) for b in node.bases if ast.unparse(b) != "TypedDict"]
    return []


def _table(rows: list[tuple[str, str, str]]) -> list[str]:
    lines = ["| key | type | what |", "|---|---|---|"]
    for field, kind, doc in rows:
        kind, doc = kind.replace("|", "\\|"), doc.replace("|", "\\|")
        lines.append(f"| `{field}` | `{kind}` | {doc} |")
    return lines


def _check_documented(env: jinja2.Environment) -> list[str]:
    plain = jinja2.Environment()
    ours = set(env.filters) - set(plain.filters)
    own_globals = set(env.globals) - set(plain.globals)
    missing = sorted((ours - set(FILTERS)) | (own_globals - set(GLOBALS)))
    return [f"filter or global {name!r} has no description in {__file__}" for name in missing]


def _environment() -> jinja2.Environment:
    sys.path.insert(0, str(ROOT))
    from sitegen.load.config import PermalinkConfig
    from sitegen.model.urls import Urls
    from sitegen.render.templates import make_environment

    return make_environment([], Urls(PermalinkConfig(), "https://x.example/"), {})


def reference() -> str:
    classes = _classes()
    out = [
        "# Theme reference",
        "",
        "<!-- Generated by scripts/theme_reference.py from sitegen/render/contexts.py and",
        "     sitegen/model/entities.py; edit those docstrings, then run the script. -->",
        "",
        "A theme is a folder `themes/<name>/` with `templates/` and `static/`; a site's own",
        "`templates/` overrides any template by name. Templates are Jinja2 with autoescaping",
        "and strict undefined values: a misspelt key or attribute fails the build with the",
        "template's name and line. A key missing from an `extra` mapping (an article's, an",
        "author's, `site.extra` from sitegen.toml's `[extra]`) is empty and false instead,",
        "so `{% if article.extra.kicker %}` works on stories without one.",
        "",
        "Whatever a template prints, an incremental build re-renders the page when it",
        "changes: a page's fingerprint covers every field of every entity below that its",
        "context holds.",
        "",
        "## Templates",
        "",
        "sitegen renders these templates; any other template of a theme (a `base.html`",
        "layout, `partials/`) is the theme's own, reached by `extends` and `include`.",
        "",
        "| template | context | rendered for |",
        "|---|---|---|",
    ]
    out += [f"| `{t}` | [{c}](#{c.lower()}) | {what} |" for t, c, what in TEMPLATES]
    out += ["", "## Contexts", ""]
    for _, name, _ in TEMPLATES:
        doc, fields = classes[name]
        inherited = [f for base in _bases(name) for f in classes[base][1]]
        out += [f"### {name}", ""] + ([doc, ""] if doc else [])
        out += [*_table(inherited + fields), ""]
    out += ["## Objects", ""]
    shown = {c for _, c, _ in TEMPLATES} | {"BaseContext"}
    for name in sorted(classes):
        doc, fields = classes[name]
        if name in shown or name in {"Body", "Site"} or not fields:
            continue
        out += [f"### {name}", ""] + ([doc, ""] if doc else [])
        out += [*_table(fields), ""]
    out += ["## Filters", "", "| filter | what | example |", "|---|---|---|"]
    out += [f"| `{n}` | {d} | `{e}` |" for n, (d, e) in sorted(FILTERS.items())]
    out += ["", "## Globals", "", "| name | what | example |", "|---|---|---|"]
    out += [f"| `{n}` | {d} | `{e}` |" for n, (d, e) in sorted(GLOBALS.items())]
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    problems = _check_documented(_environment())
    text = reference()
    if "--check" in argv:
        current = OUT.read_text(encoding="utf-8") if OUT.is_file() else ""
        if current != text:
            problems.append(f"{OUT.relative_to(ROOT)} is out of date: run {__file__}")
    else:
        OUT.parent.mkdir(exist_ok=True)
        OUT.write_text(text, encoding="utf-8")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
