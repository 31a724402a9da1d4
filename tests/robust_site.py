"""A small site and the ways to build it that test_robustness.py and test_cache_damage.py share:
in this process through the command line (click's CliRunner), or as `python -m sitegen build`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from sitegen.cli.main import main
from tests.conftest import AUTHOR, FIXED_NOW, ROOT, article, write_site

PUBLIC = 'base_url = "https://news.example.org/"\n'
NO_SEARCH = PUBLIC + "[search]\nenabled = false\n"
"""Most tests leave search out: Pagefind's bundle is not what they are about, and a site
without it builds in a fraction of the time."""
STORY = "content/articles/story-1.md"
NOTE = "static/notes/note.txt"


def make_site(root: Path, *, search: bool = False, extra: dict[str, str] | None = None) -> Path:
    """Five tagged stories, an author and a static file, their times an hour back (as a
    site's files usually are: none so fresh that the build distrusts it)."""
    files = {
        "sitegen.toml": PUBLIC if search else NO_SEARCH,
        "content/authors/jane-doe.md": AUTHOR,
        NOTE: "A static note, copied as it is.\n",
    }
    for n in range(5):
        files[f"content/articles/story-{n}.md"] = article(
            f"Story {n}",
            date=f"2026-06-0{n + 1}T09:00:00",
            extra="tags: [harbour, budget]\n",
            body=f"Body text number {n} about the harbour and the budget.\n",
        )
    write_site(root, {**files, **(extra or {})})
    age_files(root)
    return root


def age_files(root: Path, seconds: float = 3600) -> None:
    past = time.time() - seconds
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))


def cli(site: Path, *args: str) -> tuple[int, str, str]:
    """`sitegen build` of `site` in this process: exit code, stdout, stderr. An exception that
    is not a clean exit (a traceback, in a real process) fails the test."""
    result = CliRunner().invoke(main, ["build", "-s", str(site), "--now", FIXED_NOW, *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def start(site: Path, *args: str) -> subprocess.Popen[str]:
    """`python -m sitegen build` of `site` in a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "sitegen", "build", "-q", "-j", "1", "--now", FIXED_NOW, *args],
        cwd=site,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def run(site: Path, *args: str) -> tuple[int, str]:
    """`python -m sitegen build`, waited for: exit code and stderr."""
    process = start(site, *args)
    _, err = process.communicate(timeout=120)
    return process.returncode, err


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` and its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def reference(site: Path, folder: Path) -> dict[str, bytes]:
    """The output of a build without a cache, into `folder`."""
    code, _, err = cli(site, "-q", "--no-cache", "-o", str(folder))
    assert code == 0, err
    return tree(folder)
