"""Incremental builds: whatever the edit, the cached build's output is byte-identical to a
clean build of the same sources; and a build with nothing to do writes nothing."""

from __future__ import annotations

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


def _build(site: Path, out: Path, cache: bool, clean: bool = False) -> object:
    request = BuildRequest(
        site,
        out,
        options=NOW,
        jobs=1,
        cache_dir=site / ".sitegen-cache" if cache else None,
        clean=clean,
    )
    return build(request, Reporter())


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _folders(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_dir()}


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
        assert _folders(incremental) == _folders(clean), f"after {done}"
        assert (tmp_path / ".inc.spare").is_dir(), "each build stages in the one before's output"
    assert len(set(done)) >= 6


def test_second_build_writes_nothing(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(site, out, cache=True)
    before = _inodes(out)
    # Defeat the no-op shortcut, which compares the bytes of every input: a comment changes
    # the settings file, not the settings, so the page-level cache must hold.
    with (site / "sitegen.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n# a comment changes no setting\n")
    result = _build(site, out, cache=True)
    assert "render" in dict(result.timings), "built, not skipped"  # type: ignore[attr-defined]
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


def _add_paragraph(site: Path, step: int) -> None:
    article = _articles(site)[step % 3]
    with article.open("a", encoding="utf-8") as handle:
        handle.write(f"\nParagraph added in step {step}.\n")


def _assert_same_as_clean(site: Path, incremental: Path, clean: Path) -> None:
    shutil.rmtree(clean, ignore_errors=True)
    _build(site, clean, cache=False)
    assert _tree(incremental) == _tree(clean)
    assert _folders(incremental) == _folders(clean), "no folder left empty or missing"


def test_deleted_pages_take_their_emptied_folders_along(site: Path, tmp_path: Path) -> None:
    """Deleting articles empties folders (the article's own, its tag's when it was the only
    one, a section's second page); builds patching the spare (an older output) drop them just
    as clean builds do."""
    incremental, clean = tmp_path / "inc", tmp_path / "clean"
    _build(site, incremental, cache=True)
    before = _folders(incremental)
    articles = site / "content/articles"
    for rel in ["economy/inflation-cools", "economy/rates-held", "world/refugee-report",
                "science/fusion-step"]:  # fmt: skip
        (articles / f"{rel}.md").unlink()
        _build(site, incremental, cache=True)
        _assert_same_as_clean(site, incremental, clean)
    for step in range(2):
        _add_paragraph(site, step)
        _build(site, incremental, cache=True)
        _assert_same_as_clean(site, incremental, clean)
    gone = before - _folders(incremental)
    assert any(f.startswith("tag/") for f in gone) and any("/page/" in f for f in gone), gone


def test_files_dropped_into_the_output_or_the_spare_never_stay(site: Path, tmp_path: Path) -> None:
    """The output retired by a build becomes the spare the next build stages in: a file a
    deploy tool left in the output, or one dropped into the spare by hand, must not survive."""
    incremental, clean = tmp_path / "inc", tmp_path / "clean"
    spare = tmp_path / ".inc.spare"
    _build(site, incremental, cache=True)
    (incremental / "CNAME").write_text("news.example\n", encoding="utf-8")
    (incremental / "world" / "notes").mkdir()
    (incremental / "world" / "notes" / "todo.txt").write_text("check\n", encoding="utf-8")
    for step in range(4):
        _add_paragraph(site, step)
        _build(site, incremental, cache=True)
        _assert_same_as_clean(site, incremental, clean)
        (spare / f"stray-{step}.html").write_text("dropped by hand", encoding="utf-8")
        (spare / "index.html").unlink()
        (spare / "index.html").write_text("an old home page, not the output's", encoding="utf-8")


def test_clean_builds_start_from_an_empty_stage(site: Path, tmp_path: Path) -> None:
    incremental, clean = tmp_path / "inc", tmp_path / "clean"
    spare = tmp_path / ".inc.spare"
    _build(site, incremental, cache=True)
    _add_paragraph(site, 0)
    _build(site, incremental, cache=True)
    (spare / "stray.html").write_text("dropped by hand", encoding="utf-8")
    _add_paragraph(site, 1)
    _build(site, incremental, cache=True, clean=True)
    _assert_same_as_clean(site, incremental, clean)
    assert not (spare / "stray.html").exists(), "the old spare was discarded, not recycled"
