"""The built sample site against the standard validators and our page budgets: the Nu HTML Checker
(npm vnu-jar, run with the machine's Java) finds no error in any page; our own JavaScript stays
under 10 KB and CSS under 40 KB (minified, the Pagefind bundle excluded); every image has a
width and height, and those below the fold load lazily; no page loads anything from another host.

Missing Java or vnu.jar fails: scripts/setup-tests installs both."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from tests.browser.sample import ARTIFACTS, ROOT, build_sample, sample_base_url
from tests.helpers import soup

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
JS_BUDGET = 10 * 1024
CSS_BUDGET = 40 * 1024
BUNDLE = "pagefind"
"""Pagefind's search bundle: outside our budgets (it is loaded by the search page only)."""
CANARY = "zz-validator-canary/index.html"
RESOURCE_ATTRS = {
    "script": "src",
    "link": "href",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "video": "src",
    "audio": "src",
    "embed": "src",
    "object": "data",
}


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("validators") / "output"
    build_sample(out)
    return out


def pages(output: Path) -> list[tuple[str, BeautifulSoup]]:
    return [
        ("/" + p.relative_to(output).as_posix(), soup(p))
        for p in sorted(output.rglob("*.html"))
        if p.relative_to(output).parts[0] != BUNDLE
    ]


def test_the_nu_html_checker_finds_no_errors(output: Path, tmp_path: Path) -> None:
    java = shutil.which("java")
    assert java, "java is missing: install default-jre-headless (scripts/setup-tests does)"
    assert VNU.is_file(), f"{VNU} is missing: run `npm ci` (scripts/setup-tests does)"
    # A copy of the site plus one page with a known error: proves the checker really read pages.
    site = tmp_path / "site"
    shutil.copytree(output, site)
    canary = site / CANARY
    canary.parent.mkdir()
    canary.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>x</title></head>'
        "<body><p><div>not allowed in p</div></p><img src=x.png></body></html>\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", "--skip-non-html", str(site)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(done.stderr or done.stdout)
    errors = [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "vnu.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    canary_errors = [m for m in errors if m.get("url", "").endswith(CANARY)]
    assert canary_errors, f"the checker did not report the canary page: {done.stderr[:500]}"
    real = [
        f"{m.get('url', '').split(str(site), 1)[-1]}:{m.get('lastLine')}: {m.get('message')}"
        for m in errors
        if m not in canary_errors
    ]
    assert not real, f"{len(real)} HTML error(s):\n" + "\n".join(real[:50])


_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_LINE_COMMENT = re.compile(r"^\s*//.*$", re.M)
_SPACE = re.compile(r"\s+")
_AROUND = re.compile(r"\s*([{}()\[\];:,=+<>!&|?*/-])\s*")


def minified_size(text: str) -> int:
    """Roughly what a minifier leaves: no comments, no indentation, no spaces around
    punctuation (whole-line // comments only, so URLs in strings are safe)."""
    text = _COMMENT.sub("", text)
    text = _LINE_COMMENT.sub("", text)
    text = _SPACE.sub(" ", text)
    text = _AROUND.sub(r"\1", text)
    return len(text.strip().encode("utf-8"))


def own_files(output: Path, suffix: str) -> list[Path]:
    return sorted(p for p in output.rglob(f"*{suffix}") if p.relative_to(output).parts[0] != BUNDLE)


def test_our_javascript_and_css_stay_within_budget(output: Path) -> None:
    js = {
        p.relative_to(output).as_posix(): minified_size(p.read_text())
        for p in own_files(output, ".js")
    }
    css = {
        p.relative_to(output).as_posix(): minified_size(p.read_text())
        for p in own_files(output, ".css")
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "budgets.json").write_text(
        json.dumps({"js": js, "css": css}, indent=2), encoding="utf-8"
    )
    assert "js/site.js" in js and "js/search.js" in js and "css/site.css" in css
    assert sum(js.values()) < JS_BUDGET, f"our JavaScript is {sum(js.values())} bytes: {js}"
    assert sum(css.values()) < CSS_BUDGET, f"our CSS is {sum(css.values())} bytes: {css}"


def test_minified_size_strips_comments_and_spaces() -> None:
    assert minified_size("/* c */\nvar a = 1;   // keep\n// drop\nif (a) { b(); }\n") == len(
        "var a=1;//keep if(a){b();}"
    )
    assert minified_size(".a {\n  color: red;\n}\n") == len(".a{color:red;}")


def test_every_image_has_width_and_height(output: Path) -> None:
    missing = [
        f"{path}: {img.get('src')}"
        for path, doc in pages(output)
        for img in doc.find_all("img")
        if not (img.get("width") and img.get("height"))
    ]
    assert not missing, "images without width and height:\n" + "\n".join(missing[:20])


ABOVE_THE_FOLD = (".masthead-logo", ".article-avatars img", ".profile-avatar")
"""Small images at the top of every page (or of author pages), never below the fold."""


def test_images_below_the_fold_load_lazily(output: Path) -> None:
    eager: list[str] = []
    for path, doc in pages(output):
        top = {id(img) for selector in ABOVE_THE_FOLD for img in doc.select(selector)}
        leads = [img for img in doc.find_all("img") if img.get("fetchpriority") == "high"]
        assert len(leads) <= 1, f"{path} has {len(leads)} high-priority images"
        for img in leads:
            if img.find_parent("article", class_="article"):
                first = img.find_parent("article").find("figure")
                assert img.find_parent("figure") is first, f"{path}: lead image not first figure"
        for img in doc.find_all("img"):
            if img.get("loading") == "lazy" or id(img) in top or any(img is x for x in leads):
                continue
            eager.append(f"{path}: {img.get('src')} ({' '.join(img.parent.get('class') or [])})")
    assert not eager, "images below the fold without loading=lazy:\n" + "\n".join(eager[:20])
    article = soup(next(p for p in output.rglob("index.html") if "page-article" in p.read_text()))
    body_images = article.select(".article-body img, .related-articles img, .author-box img")
    assert all(img.get("loading") == "lazy" for img in body_images)


def test_no_page_loads_anything_from_another_host(output: Path) -> None:
    own = urlsplit(sample_base_url()).netloc
    foreign = []
    for path, doc in pages(output):
        for tag, attr in RESOURCE_ATTRS.items():
            for el in doc.find_all(tag):
                for value in [el.get(attr, ""), *_srcset(el.get("srcset", ""))]:
                    host = urlsplit(value).netloc if value else ""
                    if host and host != own:
                        foreign.append(f"{path}: <{tag} {attr}={value!r}>")
    assert not foreign, "third-party resources:\n" + "\n".join(foreign[:20])
    for path in own_files(output, ".css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import", path.read_text()), path
    for path in own_files(output, ".js"):
        assert not re.search(r"https?://", path.read_text()), f"{path} names a remote URL"


def _srcset(value: str) -> list[str]:
    return [part.strip().split(" ")[0] for part in value.split(",") if part.strip()]
