"""Shared fixtures: pinned clock and zone, fixture sites, and a tiny-site factory."""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sitegen.build import BuildRequest, build
from sitegen.errors import Reporter
from sitegen.model.site import BuildOptions

ROOT = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"
FIXED_NOW = "2026-06-15T12:00:00+02:00"

# Output must not depend on the machine: pin the process zone and locale for every test.
os.environ["TZ"] = "UTC"
os.environ["LC_ALL"] = "C.UTF-8"
os.environ.pop("SITEGEN_NOW", None)
time.tzset()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite tests/sites/*/expected from the current build (review the diff like code).",
    )


def fixed_now() -> BuildOptions:
    from datetime import datetime

    return BuildOptions(now=datetime.fromisoformat(FIXED_NOW))


def build_into(site: Path, output: Path, **options: object) -> Reporter:
    """Build a site with the pinned clock; returns the reporter with its warnings."""
    from datetime import datetime

    reporter = Reporter()
    opts = BuildOptions(now=datetime.fromisoformat(FIXED_NOW), **options)  # type: ignore[arg-type]
    build(BuildRequest(root=site, output=output, options=opts, jobs=1), reporter)
    return reporter


@pytest.fixture(scope="session")
def basic_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `basic` fixture site, built once per session."""
    out = tmp_path_factory.mktemp("basic") / "output"
    build_into(SITES / "basic" / "site", out)
    return out


@pytest.fixture
def basic_copy(tmp_path: Path) -> Path:
    """A copy of the `basic` fixture site's sources, to edit."""
    root = tmp_path / "site"
    shutil.copytree(SITES / "basic" / "site", root)
    return root


MakeSite = Callable[[dict[str, str]], Path]


@pytest.fixture
def on_tmpfs() -> Iterator[Path]:
    """A folder on tmpfs, which lists a folder in the order its entries were made (ext4 lists
    them by a hash of their names): what Pagefind finds first, it numbers first."""
    shm = Path("/dev/shm")
    assert shm.is_dir(), "/dev/shm (tmpfs) is needed to test the order records are laid out in"
    folder = Path(tempfile.mkdtemp(prefix="sitegen-test-", dir=shm))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def write_site(root: Path, files: dict[str, str]) -> Path:
    """Write {relative path: text} under `root` and return it."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def make_site(tmp_path: Path) -> MakeSite:
    """Write a tiny site from {relative path: text} and return its root."""
    return functools.partial(write_site, tmp_path / "site")


AUTHOR = "---\nname: Jane Doe\nrole: Reporter\n---\nJane reports.\n"


def article(
    title: str,
    date: str = "2026-06-01T09:00:00",
    category: str = "Politics",
    author: str = "jane-doe",
    extra: str = "",
    body: str = "Body text.\n",
) -> str:
    return (
        f"---\ntitle: {title!r}\ndate: {date}\nauthor: {author}\ncategory: {category}\n"
        f"{extra}---\n{body}"
    )
