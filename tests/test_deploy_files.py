"""Files for the static host: `_headers` for Netlify and Cloudflare Pages, and the cache-busting
hash of a theme asset that the site's own static/ overrides."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup
from click.testing import CliRunner

from sitegen.cli.main import main
from tests.conftest import AUTHOR, FIXED_NOW, article, build_into, write_site

PUBLIC = 'base_url = "https://news.example.org/"\n'


def site(root: Path, settings: str = "", files: dict[str, str] | None = None) -> Path:
    return write_site(
        root,
        {
            "sitegen.toml": PUBLIC + settings,
            "content/authors/jane-doe.md": AUTHOR,
            "content/articles/a.md": article("A story"),
            **(files or {}),
        },
    )


def asset_links(output: Path) -> dict[str, str]:
    """Each theme asset linked from the front page with its ?v= hash."""
    soup = BeautifulSoup((output / "index.html").read_text("utf-8"), "html.parser")
    links = [t.get("href") or t.get("src") for t in soup.find_all(["link", "script"])]
    found = (re.match(r"(/[^?]+)\?v=(\w+)$", str(u)) for u in links if u)
    return {m.group(1): m.group(2) for m in found if m}


def header_rules(text: str) -> dict[str, list[str]]:
    rules: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        if line.startswith("/"):
            current = line.strip()
            rules[current] = []
        elif line.startswith("  ") and current:
            rules[current].append(line.strip())
    return rules


def test_headers_cache_every_hashed_asset_for_a_year(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_into(site(tmp_path / "s", "[deploy]\nheaders = true\n"), out)
    rules = header_rules((out / "_headers").read_text("utf-8"))
    assert "X-Content-Type-Options: nosniff" in rules["/*"]
    linked = asset_links(out)
    assert "/css/site.css" in linked and any(p.endswith(".js") for p in linked)
    for path in linked:
        assert rules[path] == ["Cache-Control: public, max-age=31536000, immutable"], path
    assert not any(p.endswith((".html", "/")) for p in rules if p != "/*")


def test_no_headers_file_unless_asked(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_into(site(tmp_path / "s"), out)
    assert not (out / "_headers").exists()


def test_a_site_file_overriding_a_theme_asset_gets_its_own_hash(tmp_path: Path) -> None:
    plain, overridden = tmp_path / "plain", tmp_path / "overridden"
    build_into(site(tmp_path / "a"), plain)
    css = "body { color: rebeccapurple; }\n"
    build_into(site(tmp_path / "b", files={"static/css/site.css": css}), overridden)
    assert (overridden / "css" / "site.css").read_text("utf-8") == css
    before, after = asset_links(plain), asset_links(overridden)
    assert before["/css/site.css"] != after["/css/site.css"]
    assert {k: v for k, v in before.items() if k != "/css/site.css"} == {
        k: v for k, v in after.items() if k != "/css/site.css"
    }


def test_a_headers_file_of_the_sites_own_clashes_with_the_setting(tmp_path: Path) -> None:
    root = site(tmp_path / "s", "[deploy]\nheaders = true\n", {"static/_headers": "/*\n"})
    result = CliRunner().invoke(main, ["build", "-s", str(root), "--now", FIXED_NOW])
    assert result.exit_code == 1
    assert "_headers" in result.stderr
