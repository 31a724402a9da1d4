"""Reading built sites in tests: parsed pages and a dead-link crawler."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def page(output: Path, url: str) -> BeautifulSoup:
    return soup(file_for(output, url))


def file_for(output: Path, url: str) -> Path:
    """The output file a site URL is served from (clean URLs map to index.html)."""
    path = unquote(urlsplit(url).path)
    target = output / path.lstrip("/")
    if path.endswith("/"):
        target = target / "index.html"
    return target


def internal_links(output: Path, base: str = "") -> dict[str, list[str]]:
    """Every internal href/src per HTML file, absolute site URLs resolved against `base`."""
    found: dict[str, list[str]] = {}
    for html in sorted(output.rglob("*.html")):
        doc = soup(html)
        rel = "/" + html.relative_to(output).as_posix()
        urls = []
        for tag, attr in (("a", "href"), ("link", "href"), ("img", "src"), ("script", "src")):
            for el in doc.find_all(tag):
                value = el.get(attr)
                if not value:
                    continue
                if base and value.startswith(base):
                    value = value[len(base) - 1 :]
                parts = urlsplit(value)
                if parts.scheme or parts.netloc or value.startswith(("mailto:", "tel:")):
                    continue
                urls.append(value)
        found[rel] = urls
    return found


def dead_links(output: Path, base: str = "") -> list[str]:
    dead = []
    for page_path, urls in internal_links(output, base).items():
        here = output / page_path.lstrip("/")
        for url in urls:
            parts = urlsplit(url)
            if not parts.path:
                target = here
            elif parts.path.startswith("/"):
                target = file_for(output, parts.path)
            else:
                target = (here.parent / unquote(parts.path)).resolve()
                if parts.path.endswith("/"):
                    target = target / "index.html"
            if not target.is_file():
                dead.append(f"{page_path} -> {url}")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = {el.get("id") for el in soup(target).find_all(id=True)}
                if unquote(parts.fragment) not in ids:
                    dead.append(f"{page_path} -> {url} (no #{parts.fragment})")
    return dead


VNU = (
    Path(__file__).resolve().parent.parent
    / "node_modules"
    / "vnu-jar"
    / "build"
    / "dist"
    / "vnu.jar"
)


def nu_checker_messages(pages: list[Path]) -> list[dict[str, object]]:
    """What the Nu HTML Checker says of `pages` (a missing Java or checker fails the test:
    scripts/setup-tests installs both)."""
    import json
    import shutil
    import subprocess

    java = shutil.which("java")
    assert java, "java is missing: install default-jre-headless (scripts/setup-tests does)"
    assert VNU.is_file(), f"{VNU} is missing: run `npm ci` (scripts/setup-tests does)"
    done = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages: list[dict[str, object]] = json.loads(done.stderr or done.stdout)["messages"]
    return messages
