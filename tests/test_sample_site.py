"""The bundled sample publication: it is the first thing a new user sees, so it must build
cleanly, with no warnings and no dead links, and read like a real publication."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.build import BuildRequest, build
from sitegen.errors import Reporter
from sitegen.model.site import BuildOptions
from tests.conftest import ROOT
from tests.helpers import dead_links, page


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Reporter]:
    from datetime import datetime

    out = tmp_path_factory.mktemp("sample") / "output"
    reporter = Reporter()
    now = datetime.fromisoformat("2026-11-28T12:00:00+00:00")
    build(BuildRequest(ROOT, out, options=BuildOptions(now=now), jobs=1), reporter)
    return out, reporter


def test_sample_builds_without_warnings(sample: tuple[Path, Reporter]) -> None:
    _, reporter = sample
    assert [str(w) for w in reporter.warnings] == []


def test_sample_has_no_dead_links(sample: tuple[Path, Reporter]) -> None:
    out, _ = sample
    assert dead_links(out, "https://meridian-courier.example/") == []


def test_sample_is_a_real_publication(sample: tuple[Path, Reporter]) -> None:
    out, _ = sample
    articles = [
        p
        for p in out.rglob("index.html")
        if page(out, "/" + p.parent.relative_to(out).as_posix() + "/").find("article")
        and p.parent.parent.name not in ("category", "tag", "author", "page", "archive")
    ]
    sections = [p for p in (out / "category").iterdir() if p.is_dir()]
    authors = [p for p in (out / "author").iterdir() if p.is_dir()]
    assert len(sections) >= 8
    assert len(authors) >= 6
    assert len(articles) >= 40
    for name in ("about", "contact", "privacy-policy"):
        assert (out / name / "index.html").is_file()
    home = page(out, "/")
    footer = home.find("nav", attrs={"aria-label": "Footer"})
    assert {"/about/", "/contact/", "/privacy-policy/"} <= {
        a["href"] for a in footer.find_all("a", href=True)
    }
