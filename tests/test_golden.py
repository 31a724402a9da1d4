"""Golden fixture sites: each tests/sites/<name>/site builds to exactly tests/sites/<name>/expected.
Regenerate with `pytest tests/test_golden.py --update-golden` and review the diff like code."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from sitegen.search.indexer import SEARCH_FOLDER
from tests.conftest import SITES, build_into

NAMES = sorted(p.name for p in SITES.iterdir() if (p / "site").is_dir())


@pytest.mark.parametrize("name", NAMES)
def test_site_matches_expected(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    out = tmp_path / "output"
    build_into(SITES / name / "site", out)
    expected = SITES / name / "expected"
    if request.config.getoption("--update-golden"):
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(out, expected, ignore=shutil.ignore_patterns(SEARCH_FOLDER))
        return
    assert expected.is_dir(), f"no golden output for {name}; run pytest --update-golden"
    # The search index is Pagefind's format, not ours: tests/test_search.py checks what it holds.
    got = sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and not p.relative_to(out).as_posix().startswith(SEARCH_FOLDER + "/")
    )
    want = sorted(p.relative_to(expected).as_posix() for p in expected.rglob("*") if p.is_file())
    assert got == want, "the set of output files changed"
    for rel in got:
        a, b = (expected / rel).read_bytes(), (out / rel).read_bytes()
        if a != b:
            diff = "\n".join(
                difflib.unified_diff(
                    a.decode(errors="replace").splitlines(),
                    b.decode(errors="replace").splitlines(),
                    f"expected/{rel}",
                    f"built/{rel}",
                    lineterm="",
                    n=2,
                )
            )
            pytest.fail(f"{rel} differs from the golden copy:\n{diff[:4000]}")
