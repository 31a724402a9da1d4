"""A folder or file the build may not read is an error naming it, never a silent gap: stories
in an unreadable content folder would vanish from the site, and a static folder's files from
the output. Every such problem is reported at once, the build exits 1, and the published
output stays as it was.

Root reads anything whatever its mode, and these tests run as root in CI: there, the build
runs without the two capabilities that let root ignore file modes (via `setpriv`), so `chmod
000` means for it what it means for anyone else. As another user, `chmod 000` is enough."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import AUTHOR, FIXED_NOW, article, write_site

ROOT = Path(__file__).resolve().parent.parent
SETPRIV = shutil.which("setpriv")
AS_ROOT = os.geteuid() == 0
# Without these two capabilities, root is held to file modes like everyone else.
DROP_ROOT_READ = [
    "--bounding-set=-dac_override,-dac_read_search",
    "--inh-caps=-all",
    "--ambient-caps=-all",
]
STORY = "content/articles/politics/vote.md"
SITE = {
    "sitegen.toml": 'title = "Gazette"\nbase_url = "https://gazette.example/"\n'
    "[search]\nenabled = false\n",
    "content/authors/jane-doe.md": AUTHOR,
    STORY: article("Council vote on the budget", category="Politics"),
    "content/articles/economy/rates.md": article("Rates rise", category="Economy"),
    "static/images/pic.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="3"/>',
    "static/docs/report.txt": "The report.\n",
    "themes/default/static/extra/print.css": "body { color: black; }\n",
    "templates/partials/note.html": "<p>Note</p>\n",
}
STORY_PAGE = "politics/council-vote-on-the-budget/index.html"


def sitegen_build(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`sitegen build` in `site`, unable to read what its modes forbid, even as root."""
    return held_to_modes(site, "-m", "sitegen", "build", "--now", FIXED_NOW, *args)


def held_to_modes(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python ARGS` in `site`, unable to read what file modes forbid, even as root."""
    command = [sys.executable, *args]
    if AS_ROOT:
        assert SETPRIV, "setpriv (util-linux) is needed to drop root's power to read anything"
        command = [SETPRIV, *DROP_ROOT_READ, *command]
    return subprocess.run(
        command,
        cwd=site,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"},
    )


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Path]:
    """The tiny site, built once while everything in it is readable."""
    root = write_site(tmp_path / "site", SITE)
    result = sitegen_build(root)
    assert result.returncode == 0, result.stderr
    yield root
    for path in root.rglob("*"):  # let pytest clean up whatever a test locked
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)


def lock(site: Path, *rels: str) -> None:
    for rel in rels:
        (site / rel).chmod(0)


def test_the_site_builds_its_story_and_files_when_everything_is_readable(site: Path) -> None:
    """What the other tests lose when a folder is locked is there to lose."""
    output = site / "output"
    assert (output / STORY_PAGE).is_file()
    assert (output / "images/pic.svg").is_file()
    assert (output / "docs/report.txt").is_file()
    assert (output / "extra/print.css").is_file()


@pytest.mark.parametrize(
    ("locked", "message"),
    [
        ("content/articles/politics", "content/articles/politics: cannot read this folder"),
        ("content/articles", "content/articles: cannot read this folder"),
        ("static/docs", "static/docs: cannot read this folder"),
        ("themes/default/static/extra", "themes/default/static/extra: cannot read this folder"),
        ("static/docs/report.txt", "static/docs/report.txt: cannot read this file"),
    ],
)
@pytest.mark.parametrize("strict", [False, True])
def test_an_unreadable_folder_or_file_is_an_error_naming_it(
    site: Path, locked: str, message: str, strict: bool
) -> None:
    published = tree(site / "output")
    lock(site, locked)
    result = sitegen_build(site, *(["--strict"] if strict else []))
    assert result.returncode == 1, result.stderr
    assert f"{message} (Permission denied); fix its permissions (chmod) or remove it" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    assert tree(site / "output") == published


def test_every_unreadable_folder_is_reported_at_once(site: Path) -> None:
    published = tree(site / "output")
    lock(site, "content/articles/politics", "static/docs", "themes/default/static/extra")
    result = sitegen_build(site)
    assert result.returncode == 1, result.stderr
    for folder in ("content/articles/politics", "static/docs", "themes/default/static/extra"):
        assert f"{folder}: cannot read this folder" in result.stderr, result.stderr
    assert tree(site / "output") == published


def test_unreadable_template_folders_and_files_are_found(site: Path) -> None:
    lock(site, "templates/partials", "themes/default/static/extra/print.css")
    script = (
        "from pathlib import Path\n"
        "from sitegen.load.assets import unreadable_in\n"
        "root = Path.cwd()\n"
        "for e in unreadable_in([root / 'templates', root / 'themes/default', root / 'none'], root):\n"
        "    print(e)\n"
    )
    result = held_to_modes(site, "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "templates/partials: cannot read this folder (Permission denied); fix its permissions "
        "(chmod) or remove it",
        "themes/default/static/extra/print.css: cannot read this file (Permission denied); fix "
        "its permissions (chmod) or remove it",
    ]


def test_an_unreadable_template_folder_is_an_error(site: Path) -> None:
    lock(site, "templates/partials")
    result = sitegen_build(site)
    assert result.returncode == 1, result.stderr
    assert "templates/partials: cannot read this folder (Permission denied)" in result.stderr
