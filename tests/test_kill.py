"""`kill -9` at any moment of a build leaves output/ as the complete previous site or the
complete new one, never a mix, and the next build leaves no staging folders behind.

Two reference sites are built up front into their own folders: A, and B (one article retitled,
which changes its page, the lists it is on, the feeds and the sitemap). Then the real build
alternates between A and B and is SIGKILLed at seeded random moments spread over its whole run.

The killed builds use the build cache, as a newsroom's CI would: a kill between the swap and
the cache save must not make the next build trust a cache that describes another folder (the
last test recreates that window on purpose, since a signal hits it only by luck).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FIXED_NOW

ARTICLES = 400
KILLS = 24
SEED = 20260615
CATEGORIES = ["Politics", "Economy", "World", "Science", "Culture", "Sport", "Health", "Tech"]
AUTHORS = ["jane-doe", "omar-haddad", "li-wei"]
TITLES = {"A": "Harbour plan approved", "B": "Harbour plan approved after a long night of talks"}
CHANGED = "content/articles/politics/story-000.md"


def _article(n: int, title: str) -> str:
    category = CATEGORIES[n % len(CATEGORIES)]
    tags = ", ".join(f"topic-{(n * k) % 23}" for k in (1, 3))
    day = 1 + n % 28
    month = 1 + (n // 28) % 5
    body = "\n\n".join(
        f"Paragraph {p} of story {n}: the council, the harbour and the budget, in some detail."
        for p in range(1, 5)
    )
    return (
        f"---\ntitle: {title!r}\ndate: 2026-{month:02d}-{day:02d}T{n % 24:02d}:{n % 60:02d}:00\n"
        f"author: {AUTHORS[n % len(AUTHORS)]}\ncategory: {category}\ntags: [{tags}]\n"
        f"slug: story-{n:03d}\nsummary: Story {n} in brief.\n---\n{body}\n"
    )


def _make_site(root: Path, articles: int = ARTICLES) -> None:
    for slug in AUTHORS:
        path = root / "content/authors" / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        name = slug.replace("-", " ").title()
        path.write_text(f"---\nname: {name}\nrole: Reporter\n---\n{name} reports.\n")
    for n in range(articles):
        category = CATEGORIES[n % len(CATEGORIES)].lower()
        path = root / "content/articles" / category / f"story-{n:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        title = TITLES["A"] if n == 0 else f"Story number {n} about the town"
        path.write_text(_article(n, title))
    (root / "sitegen.toml").write_text(
        'title = "Kill Test Times"\nbase_url = "https://k.example/"\n'
    )


def _set_state(site: Path, state: str) -> None:
    (site / CHANGED).write_text(_article(0, TITLES[state]))


def _start(site: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "sitegen", "build", "-q", "-j", "2", "--now", FIXED_NOW, *args],
        cwd=site,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, so its Markdown workers can be reaped
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )


def _build(site: Path, *args: str) -> None:
    process = _start(site, *args)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()


def _tree(folder: Path) -> dict[str, str]:
    """Every output file and its hash. Pagefind's search bundle is not byte-reproducible (two
    builds of the same pages can order its index differently), so it is summarised as its file
    count plus whether the index it names is there."""
    tree = {}
    search = 0
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if not path.is_file():
            continue
        if rel.startswith("pagefind/"):
            search += 1
        else:
            tree[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    listing = folder / "pagefind/index.json"
    if listing.is_file():
        complete = True
        for shard in json.loads(listing.read_text())["shards"]:
            entry = folder / "pagefind" / shard / "pagefind-entry.json"
            languages = json.loads(entry.read_text())["languages"].values()
            complete &= all(
                (entry.parent / f"pagefind.{v['hash']}.pf_meta").is_file() for v in languages
            )
        tree["pagefind/"] = f"{search} files, index complete: {complete}"
    return tree


def _leftovers(site: Path) -> list[str]:
    return sorted(
        p.name for p in site.iterdir() if p.name.startswith((".output.staging-", ".output.old-"))
    )


@pytest.fixture(scope="module")
def references(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, str]]]:
    """The site (in state A) and the complete output of A and of B, built without a cache."""
    base = tmp_path_factory.mktemp("kill")
    site = base / "site"
    _make_site(site)
    refs = {}
    for state in ("A", "B"):
        _set_state(site, state)
        _build(site, "--no-cache", "-o", str(base / f"ref-{state}"))
        refs[state] = _tree(base / f"ref-{state}")
    assert refs["A"] != refs["B"] and refs["A"].keys() == refs["B"].keys()
    assert len(refs["A"]) > ARTICLES
    assert refs["A"]["pagefind/"].endswith("index complete: True")
    _set_state(site, "A")
    return site, refs


def test_sigkill_never_leaves_a_partial_site(
    references: tuple[Path, dict[str, dict[str, str]]],
) -> None:
    site, refs = references
    output = site / "output"
    _build(site)
    assert _tree(output) == refs["A"]
    _set_state(site, "B")
    started = time.perf_counter()
    _build(site)
    duration = time.perf_counter() - started
    assert _tree(output) == refs["B"]

    rng = random.Random(SEED)
    # Kill moments spread evenly over the whole run (start-up, reading, Markdown workers,
    # rendering, the swap, the cache), in a shuffled order.
    moments = [duration * 1.1 * (i + rng.random()) / KILLS for i in range(KILLS)]
    rng.shuffle(moments)
    published, target = "B", "A"
    outcomes = {"killed, previous kept": 0, "killed, new in place": 0, "finished": 0}
    for moment in moments:
        _set_state(site, target)
        process = _start(site)
        time.sleep(moment)
        running = process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        # Reap what the build started (Markdown workers, Pagefind): orphans would hold the pipe.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=60)
        assert output.is_dir(), f"killed after {moment:.2f}s: output/ is gone"
        tree = _tree(output)
        if tree == refs[target]:
            outcome = "killed, new in place" if running else "finished"
            published = target
        else:
            assert tree == refs[published], (
                f"killed after {moment:.2f}s: output/ is neither site {published} nor {target}; "
                f"{len(set(tree.items()) ^ set(refs[published].items()))} files differ"
            )
            assert running, "a build that finished must have published the new site"
            outcome = "killed, previous kept"
        outcomes[outcome] += 1
        target = "A" if target == "B" else "B"

    assert outcomes["killed, previous kept"] >= 5, outcomes
    _set_state(site, target)
    _build(site)
    assert _tree(output) == refs[target], "the build after the kills is complete and current"
    assert _leftovers(site) == [], "staging or old folders were left beside output/"
    assert (site / ".output.spare").is_dir(), "the builds staged in the output before the last"


def test_a_kill_between_swap_and_cache_save_does_not_freeze_stale_pages(tmp_path: Path) -> None:
    """Recreates on disk exactly what such a kill leaves (the new output swapped in, the cache
    of the build before), since hitting that window with a signal is a matter of luck."""
    site = tmp_path / "site"
    _make_site(site, articles=12)
    _build(site, "--no-cache", "-o", str(tmp_path / "ref-A"))
    _build(site)  # site A, with its cache
    cache = site / ".sitegen-cache"
    saved = tmp_path / "cache-of-A"
    shutil.copytree(cache, saved)
    _set_state(site, "B")
    _build(site)  # swaps site B in ...
    shutil.rmtree(cache)
    shutil.copytree(saved, cache)  # ... and is killed before it saves its cache
    _set_state(site, "A")
    _build(site)
    assert _tree(site / "output") == _tree(tmp_path / "ref-A")


def test_whatever_a_killed_build_left_in_the_spare_never_reaches_the_output(
    tmp_path: Path,
) -> None:
    """A build killed while patching the spare leaves it half patched (files removed, new
    files half written, pages of the other site); one killed between the swap and putting the
    retired output aside leaves it in a staging folder. Nothing in the spare is trusted, so
    all of that at once (worse than any single kill) still ends in exactly the site."""
    site = tmp_path / "site"
    _make_site(site, articles=12)
    refs = {}
    for state in ("A", "B"):
        _set_state(site, state)
        _build(site, "--no-cache", "-o", str(tmp_path / f"ref-{state}"))
        refs[state] = _tree(tmp_path / f"ref-{state}")
    _build(site)
    _set_state(site, "A")
    _build(site)  # site A published, site B in the spare
    spare = site / ".output.spare"
    files = sorted(p for p in spare.rglob("*") if p.is_file())
    for path in files[::3]:
        data = path.read_bytes()
        path.unlink()
        path.write_bytes(data[: len(data) // 2])
    for path in files[1::3]:
        path.unlink()
    (spare / "politics/story-999").mkdir(parents=True)
    (spare / "politics/story-999/index.html").write_bytes(b"<html><title>half")
    killed = site / ".output.staging-999999"
    shutil.copytree(tmp_path / "ref-A", killed)
    _set_state(site, "B")
    _build(site)
    assert _tree(site / "output") == refs["B"]
    _set_state(site, "A")
    _build(site)
    assert _tree(site / "output") == refs["A"]
    assert _leftovers(site) == []
