"""Bad input gets a clear `path:line: message` and exit code 1 from `sitegen build` and
`sitegen check`, never a traceback, never a write outside the output folder, and never costs the
previously built output. Legitimate oddities (BOM, CRLF, HTML in titles) build safely.

Each folder in tests/bad_inputs/ is a tiny site plus `expected.txt` (lines that must appear in
stderr) and optionally `unexpected.txt` (lines that must not). Inputs that cannot or should not
be committed (a 20 MB file, a symlink, a named pipe, bytes that are not UTF-8, which tools such
as `ruff format` trip over) are made at run time by GENERATED below. The case is
laid over `_baseline/`, a good site that is built first: its output is the "published site" the
failing build must leave byte-identical.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.conftest import FIXED_NOW

BAD = Path(__file__).resolve().parent / "bad_inputs"
CASES = sorted(d.name for d in BAD.iterdir() if (d / "expected.txt").is_file())
HEAD = (
    "---\ntitle: Council approves budget\ndate: 2026-06-01T09:00:00\nauthor: jane-doe\n"
    "category: Politics\n---\n"
)


def _binary_md(site: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
    (site / "content/articles/photo.md").write_bytes(png)


def _latin1(site: Path) -> None:
    text = HEAD.replace("Council approves budget", "Café owners protest") + "Body.\n"
    (site / "content/articles/latin1.md").write_bytes(text.encode("latin-1"))


def _huge_article(site: Path) -> None:
    body = "The council voted on Tuesday. " * (20_000_000 // 30)
    (site / "content/articles/huge.md").write_text(HEAD + body, encoding="utf-8")


def _deep_nesting(site: Path) -> None:
    (site / "content/articles/nested.md").write_text(HEAD + "* " * 3000 + "deep\n")


def _named_pipe(site: Path) -> None:
    os.mkfifo(site / "content/articles/pipe.md")


def _symlink_outside(site: Path) -> None:
    outside = site.parent / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(HEAD + "Not for publication.\n", encoding="utf-8")
    os.symlink(outside / "secret.md", site / "content/articles/linked.md")


GENERATED: dict[str, Callable[[Path], None]] = {
    "binary-md": _binary_md,
    "not-utf8": _latin1,
    "huge-article": _huge_article,
    "deep-nesting": _deep_nesting,
    "fifo-md": _named_pipe,
    "symlink-outside-site": _symlink_outside,
}


def sitegen(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m sitegen ...` in the site folder, as a writer or CI would run it."""
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *args, "--now", FIXED_NOW],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(BAD.parent.parent)},
    )


LOCKS = {".output.lock", "build.lock"}


def snapshot(root: Path, skip: Path | None = None) -> dict[str, str]:
    """Every entry under root (links not followed): a content hash, 'dir', or the link target."""
    entries: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if here / d != skip]
        for name in dirnames + filenames:
            path = here / name
            rel = path.relative_to(root).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                entries[rel] = "link -> " + os.readlink(path)
            elif stat.S_ISDIR(mode):
                entries[rel] = "dir"
            elif name in LOCKS:  # the build lock records its holder each time
                entries[rel] = "lock"
            elif ".sitegen-cache" in Path(rel).parts and stat.S_ISREG(mode):
                # sitegen's own state: a failed build may still record the digests it verified
                # (incremental/stamps), never anything of the writer's or the published site's.
                entries[rel] = "cache"
            elif stat.S_ISREG(mode):
                entries[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                entries[rel] = f"special {stat.S_IFMT(mode):o}"
    return entries


@pytest.fixture(scope="session")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The good site, built once: site/output is the published site every case starts from."""
    site = tmp_path_factory.mktemp("baseline") / "site"
    shutil.copytree(BAD / "_baseline", site)
    result = sitegen(site, "build")
    assert result.returncode == 0, result.stderr
    assert (site / "output/index.html").is_file()
    return site


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_reported_and_costs_nothing(case: str, baseline: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(baseline, site, symlinks=True)
    shutil.copytree(
        BAD / case,
        site,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("expected.txt", "unexpected.txt"),
    )
    if case in GENERATED:
        GENERATED[case](site)
    expected = (BAD / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    unexpected_file = BAD / case / "unexpected.txt"
    unexpected = (
        unexpected_file.read_text(encoding="utf-8").splitlines()
        if unexpected_file.is_file()
        else []
    )
    output = site / "output"
    published = snapshot(output)
    around = snapshot(tmp_path, skip=output)

    for command in ("build", "check"):
        result = sitegen(site, command)
        everything = result.stdout + result.stderr
        assert result.returncode == 1, f"{command}: exit {result.returncode}\n{everything}"
        assert "Traceback" not in everything, everything
        for line in filter(None, expected):
            assert line in result.stderr, f"{command}: missing {line!r} in:\n{result.stderr}"
        for line in filter(None, unexpected):
            assert line not in everything, f"{command}: unwanted {line!r} in:\n{everything}"
        assert snapshot(output) == published, f"{command} changed the published output"
        assert snapshot(tmp_path, skip=output) == around, f"{command} wrote outside output/"


@pytest.mark.parametrize("target", ["/nonexistent/story.md", "loop.md"])
def test_a_broken_symlink_is_reported_not_a_traceback(
    target: str, baseline: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    shutil.copytree(baseline, site, symlinks=True)
    os.symlink(target, site / "content/articles/loop.md")
    published = snapshot(site / "output")
    for command in ("check", "build"):
        result = sitegen(site, command)
        everything = result.stdout + result.stderr
        assert "Traceback" not in everything, f"{command}:\n{everything}"
        assert result.returncode == 1
        assert "content/articles/loop.md: " in result.stderr
        assert snapshot(site / "output") == published


def test_every_case_folder_has_an_expected_message() -> None:
    folders = {d.name for d in BAD.iterdir() if d.is_dir() and not d.name.startswith("_")}
    legit = {name for name in folders if name.startswith("legit-")}
    assert folders - legit == set(CASES)
    assert set(GENERATED) <= set(CASES)


# Legitimate input that must build, and build safely.


def _windows_copy(source: Path, target: Path) -> None:
    """The same site as saved by a Windows editor: UTF-8 with a BOM and CRLF line endings."""
    shutil.copytree(source, target)
    for path in [*target.rglob("*.md"), *target.glob("*.toml")]:
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))


def test_bom_and_crlf_build_exactly_like_plain_files(tmp_path: Path) -> None:
    plain, windows = tmp_path / "plain", tmp_path / "windows"
    shutil.copytree(BAD / "legit-bom-crlf", plain)
    _windows_copy(BAD / "legit-bom-crlf", windows)
    assert (
        (windows / "content/articles/politics/crlf-story.md")
        .read_bytes()
        .startswith(b"\xef\xbb\xbf---\r\n")
    )
    for site in (plain, windows):
        result = sitegen(site, "build")
        assert result.returncode == 0, result.stderr
        assert "warning" not in result.stderr, result.stderr
        assert sitegen(site, "check").returncode == 0
    # Pagefind's bundle is not byte-reproducible between two builds, so it is left out here.
    built = snapshot(windows / "output", skip=windows / "output/pagefind")
    assert built == snapshot(plain / "output", skip=plain / "output/pagefind")
    page = windows / "output/politics/harbour-plan-passes-finally/index.html"
    doc = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
    assert doc.h1 is not None and doc.h1.get_text(strip=True) == "Harbour plan passes – «finally»"
    html = page.read_text(encoding="utf-8")
    assert "\ufeff" not in html and "\r" not in html
    assert doc.find("h2", id="what-happens-next") is not None
    assert doc.find("a", href="/politics/new-bridge-opens-to-traffic/") is not None


TITLE = "Mayor says </script><script>alert('title')</script> & <b>bold</b> \"quoted\" it's ]]> done"
TAGS = ["</script><img src=x onerror=alert('tag')>", "A&B <Tag>"]
CATEGORY = "<i>Politics</i> & Power"
SUMMARY = "<svg onload=alert('summary')> summary with ]]> and \"quotes\""
AUTHOR = "Jane <script>alert('author')</script> Doe"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("hostile") / "site"
    shutil.copytree(BAD / "legit-html-in-front-matter", site)
    result = sitegen(site, "build")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return site / "output"


def _article_page(output: Path) -> Path:
    pages = list(output.glob("*/mayor-says-*/index.html"))
    assert len(pages) == 1, pages
    return pages[0]


def test_front_matter_html_is_text_in_every_html_page(hostile_site: Path) -> None:
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        doc = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
        where = path.relative_to(hostile_site)
        for el in doc.find_all(True):
            handlers = [a for a in el.attrs if a.lower().startswith("on")]
            assert not handlers, f"{where}: <{el.name} {handlers}> came from front matter"
            for attr in ("href", "src"):
                value = str(el.get(attr) or "")
                assert not value.lower().startswith("javascript:"), f"{where}: {el}"
        for script in doc.find_all("script"):
            if script.get("src"):
                assert not script.get_text().strip(), f"{where}: {script}"
            else:
                assert script.get("type") == "application/ld+json", f"{where}: {script}"
                # Data, not markup: it parses, and no `<` is left to close the element early.
                json.loads(script.get_text())
                assert "<" not in script.get_text(), f"{where}: {script}"
        # Nothing from front matter became an element: no <b>bold</b>, <i>Politics</i>, <svg onload>.
        assert not [b for b in doc.find_all("b") if b.get_text() == "bold"], where
        assert not [i for i in doc.find_all("i") if i.get_text() == "Politics"], where


def test_front_matter_html_round_trips_on_the_article_page(hostile_site: Path) -> None:
    doc = BeautifulSoup(_article_page(hostile_site).read_text(encoding="utf-8"), "lxml")
    assert doc.h1 is not None and doc.h1.get_text(strip=True) == TITLE
    assert doc.title is not None and doc.title.get_text().startswith(TITLE)
    meta = {
        str(m.get("property") or m.get("name")): str(m.get("content"))
        for m in doc.find_all("meta")
        if m.get("content") is not None
    }
    assert meta["og:title"].startswith(TITLE)
    assert meta["description"] == SUMMARY
    image = doc.find("img", src="/images/chamber.svg")
    assert image is not None and image.get("alt") == "\" onerror=\"alert('alt')"
    text = doc.get_text()
    assert "<script>alert('caption')</script>" in text  # the caption, shown as text
    assert AUTHOR in text
    for tag in TAGS:
        assert tag in text


def test_front_matter_html_is_data_in_json_ld(hostile_site: Path) -> None:
    doc = BeautifulSoup(_article_page(hostile_site).read_text(encoding="utf-8"), "lxml")
    blocks = [json.loads(s.get_text()) for s in doc.find_all("script", type="application/ld+json")]
    article = next(b for b in blocks if b.get("@type") == "NewsArticle")
    assert article["headline"] == TITLE
    assert article["articleSection"] == CATEGORY
    assert article["keywords"] == TAGS
    assert [a["name"] for a in article["author"]] == [AUTHOR]
    raw = _article_page(hostile_site).read_text(encoding="utf-8")
    assert "</script><script>alert" not in raw


def test_front_matter_html_is_text_in_every_feed_and_sitemap(hostile_site: Path) -> None:
    files = sorted(hostile_site.rglob("*.xml"))
    assert any(f.name == "feed.xml" for f in files) and any(f.name == "atom.xml" for f in files)
    for path in files:
        root = ET.parse(path).getroot()  # well-formed, whatever the titles held
        where = path.relative_to(hostile_site)
        assert not root.findall(".//script") and not root.findall(".//{*}script"), where
    rss = ET.parse(hostile_site / "feed.xml").getroot()
    item = next(i for i in rss.iter("item") if (i.findtext("title") or "").startswith("Mayor"))
    assert item.findtext("title") == TITLE
    description = item.findtext("description") or ""  # RSS 2.0: entity-encoded HTML
    assert "<" not in description and html.unescape(description) == SUMMARY
    assert {c.text for c in item.iter("category")} >= {CATEGORY, *TAGS}
    atom = ET.parse(hostile_site / "atom.xml").getroot()
    ns = "{http://www.w3.org/2005/Atom}"
    titles = [e.findtext(f"{ns}title") for e in atom.iter(f"{ns}entry")]
    assert TITLE in titles
    names = {n.text for n in atom.iter(f"{ns}name")}
    assert AUTHOR in names
