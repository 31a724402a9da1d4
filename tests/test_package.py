"""The package a newsroom installs: build the sdist and the wheel, install the wheel into a
fresh virtual environment with the locked dependencies, and start, check and build a new
publication in a folder far from this repository."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from sitegen import __version__
from tests.conftest import FIXED_NOW, ROOT

THEME_FILES = ("templates/base.html", "templates/article.html", "static/css/site.css")
BUILTIN = ("atom.xml", "rss.xml", "sitemap.xml", "news-sitemap.xml", "robots.txt")


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["SITEGEN_NOW"] = FIXED_NOW
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An sdist and a wheel, the wheel built from the sdist (python -m build's default)."""
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--outdir", out, ROOT, cwd=out)
    return out


@pytest.fixture(scope="module")
def venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("venv")
    _run(sys.executable, "-m", "venv", home, cwd=home)
    pip = (home / "bin" / "pip", "--disable-pip-version-check", "-q")
    lock = ROOT / "requirements" / "runtime.lock"
    _run(*pip, "install", "--require-hashes", "-r", lock, cwd=home)
    _run(*pip, "install", "--no-deps", next(dist.glob("*.whl")), cwd=home)
    return home


def test_the_distribution_is_named_and_carries_the_theme(dist: Path) -> None:
    wheel = next(dist.glob("sitegen_newsroom-*.whl"))
    sdist = next(dist.glob("sitegen_newsroom-*.tar.gz"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in THEME_FILES:
        assert f"sitegen/themes/default/{name}" in names
    for name in BUILTIN:
        assert f"sitegen/render/builtin/{name}" in names
    assert "sitegen/cli/starter/dot-github/workflows/sitegen.yml" in names
    entry = f"sitegen_newsroom-{__version__}.dist-info/entry_points.txt"
    assert "sitegen = sitegen.cli.main:run" in zipfile.ZipFile(wheel).read(entry).decode()
    with tarfile.open(sdist) as archive:
        members = {m.name.split("/", 1)[1] for m in archive.getmembers() if "/" in m.name}
    for name in THEME_FILES:
        assert f"sitegen/themes/default/{name}" in members


def test_a_new_publication_builds_from_the_installed_wheel(venv: Path, tmp_path: Path) -> None:
    python, sitegen = venv / "bin" / "python", venv / "bin" / "sitegen"
    where = _run(python, "-c", "import sitegen; print(sitegen.__file__)", cwd=tmp_path).stdout
    assert where.startswith(str(venv)), "the wheel's sitegen, not this repository's"
    _run(
        sitegen, "init", "paper", "--title", "The Harbour Times", "--yes",
        "--base-url", "https://harbour.example/", "--timezone", "Asia/Dhaka",
        cwd=tmp_path,
    )  # fmt: skip
    site = tmp_path / "paper"
    checked = _run(sitegen, "check", "--strict", cwd=site)
    assert "0 warning(s)" in checked.stdout
    _run(sitegen, "build", "--strict", cwd=site)
    output = site / "output"
    for page in ("index.html", "news/welcome/index.html", "about/index.html", "404.html"):
        assert (output / page).is_file(), page
    for feed in ("feed.xml", "atom.xml", "sitemap.xml", "news-sitemap.xml", "robots.txt"):
        assert (output / feed).is_file(), feed
    assert (output / "search" / "index.html").is_file()
    assert (output / "pagefind" / "index.json").is_file()
    assert any(p.is_dir() for p in (output / "pagefind").iterdir()), "a search index shard"
    assert "The Harbour Times" in (output / "index.html").read_text("utf-8")
    for path in output.rglob("*"):
        if path.is_file():
            assert b"localhost" not in path.read_bytes(), path
