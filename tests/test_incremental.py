"""Incremental builds: whatever the edit, the cached build's output is byte-identical to a
clean build of the same sources; and a build with nothing to do writes nothing."""

from __future__ import annotations

import os
import random
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from sitegen.build import BuildRequest, build
from sitegen.errors import Reporter
from sitegen.model.site import BuildOptions
from tests.conftest import FIXED_NOW, SITES

NOW = BuildOptions(now=datetime.fromisoformat(FIXED_NOW))


def _build(site: Path, out: Path, cache: bool) -> object:
    request = BuildRequest(
        site, out, options=NOW, jobs=1, cache_dir=site / ".sitegen-cache" if cache else None
    )
    return build(request, Reporter())


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _inodes(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(SITES / "basic" / "site", root)
    return root


def _articles(site: Path) -> list[Path]:
    return sorted((site / "content" / "articles").rglob("*.md"))


def _replace_line(path: Path, prefix: str, line: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines = [line if item.startswith(prefix) else item for item in lines]
    path.write_text("\n".join(lines), encoding="utf-8")


def _edit(site: Path, rng: random.Random, step: int) -> str:
    kind = rng.choice(["body", "title", "section", "tags", "author", "delete", "add", "template",
                       "config", "static", "summary", "featured"])  # fmt: skip
    articles = _articles(site)
    target = rng.choice(articles)
    if kind == "body":
        with target.open("a", encoding="utf-8") as handle:
            handle.write(f"\nA new paragraph number {step} with several more words in it.\n")
    elif kind == "title":
        _replace_line(target, "title:", f'title: "Retitled story {step}"')
    elif kind == "section":
        _replace_line(
            target,
            "category:",
            f"category: {rng.choice(['World', 'Economy', 'Science & Research'])}",
        )
    elif kind == "tags":
        _replace_line(
            target,
            "tags:",
            f"tags: [{rng.choice(['water', 'climate', 'new-tag'])}, extra{step % 3}]",
        )
    elif kind == "author":
        _replace_line(
            target, "author:", f"author: {rng.choice(['ada-lane', 'ben-ortiz', 'chen-wu'])}"
        )
    elif kind == "summary":
        _replace_line(
            target,
            "date:",
            f"date: 2026-06-0{1 + step % 9}T0{step % 10}:00:00\nsummary: Edited summary {step}",
        )
    elif kind == "featured":
        _replace_line(target, "date:", f"date: 2026-05-1{step % 10}T10:00:00\nfeatured: true")
    elif kind == "delete" and len(articles) > 4:
        target.unlink()
    elif kind == "add" or kind == "delete":
        folder = site / "content" / "articles" / "world"
        (folder / f"added-{step}.md").write_text(
            f"---\ntitle: Added story {step}\ndate: 2026-06-1{step % 5}T11:00:00\nauthor: chen-wu\n"
            f"category: World\ntags: [water, added]\n---\nOne.\n\nTwo.\n\nThree.\n\nFour.\n",
            encoding="utf-8",
        )
    elif kind == "template":
        override = site / "templates" / "partials" / "byline.html"
        override.parent.mkdir(parents=True, exist_ok=True)
        theme = (
            Path(__file__).resolve().parent.parent
            / "themes"
            / "default"
            / "templates"
            / "partials"
            / "byline.html"
        )
        override.write_text(
            theme.read_text(encoding="utf-8") + f"{{# edit {step} #}}<!-- v{step} -->\n",
            encoding="utf-8",
        )
    elif kind == "config":
        config = site / "sitegen.toml"
        text = config.read_text(encoding="utf-8")
        per_page = 2 + step % 3
        text = "\n".join(
            f"per_page = {per_page}" if line.startswith("per_page") else line
            for line in text.split("\n")
        )
        config.write_text(text, encoding="utf-8")
    elif kind == "static":
        (site / "static" / "images" / "pic.svg").write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="{600 + step}" viewBox="0 0 1200 {600 + step}"></svg>\n'
        )
    return kind


def test_random_edits_match_clean_builds(site: Path, tmp_path: Path) -> None:
    rng = random.Random(20261128)
    incremental, clean = tmp_path / "inc", tmp_path / "clean"
    _build(site, incremental, cache=True)
    done = []
    for step in range(14):
        done.append(_edit(site, rng, step))
        _build(site, incremental, cache=True)
        shutil.rmtree(clean, ignore_errors=True)
        _build(site, clean, cache=False)
        a, b = _tree(incremental), _tree(clean)
        assert sorted(a) == sorted(b), f"after {done}"
        different = [p for p in a if a[p] != b[p]]
        assert different == [], f"after {done}: stale {different[:5]}"
    assert len(set(done)) >= 6


def test_second_build_writes_nothing(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(site, out, cache=True)
    before = _inodes(out)
    os.utime(site / "sitegen.toml")  # defeat the no-op shortcut: the page-level cache must hold
    result = _build(site, out, cache=True)
    assert result.unchanged == result.pages  # type: ignore[attr-defined]
    assert _inodes(out) == before, "unchanged files keep their inode: nothing was rewritten"


def test_body_edit_rewrites_its_page_and_nothing_unrelated(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(site, out, cache=True)
    before_inodes, before = _inodes(out), _tree(out)
    article = site / "content/articles/science/bee-census.md"
    article.write_text(
        article.read_text(encoding="utf-8").replace("Paragraph 5", "Paragraph five"),
        encoding="utf-8",
    )
    _build(site, out, cache=True)
    after_inodes, after = _inodes(out), _tree(out)
    rewritten = {p for p in after if after_inodes[p] != before_inodes.get(p)}
    changed = {p for p in after if after[p] != before.get(p)}
    search_index = {p for p in changed if p.startswith("pagefind/")}  # the body's words changed
    page = "science-research/bee-census-finds-recovery/index.html"
    assert changed - search_index == {page}
    assert rewritten == changed, "files with the same bytes are not rewritten"
