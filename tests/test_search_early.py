"""The early index of a body edit (sitegen/search/early.py): Pagefind starts on the edited
story's shard as soon as the sources are read, and the build takes that bundle only when it is
exactly what it would have indexed. Either way the output is a clean build's."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sitegen.build import BuildRequest, build
from sitegen.errors import Reporter, SitegenError
from sitegen.model.site import BuildOptions
from sitegen.render.search_record import with_body
from sitegen.search import early as search_early
from sitegen.search import indexer as search
from sitegen.search import site_search
from sitegen.search.records import RECORDS_FOLDER
from tests.test_edit_plan import NOW, STORY
from tests.test_incremental import _tree

PAGE = "science-research/bee-census-finds-recovery/index.html"


@pytest.fixture
def site(basic_copy: Path) -> Path:
    return basic_copy


@pytest.fixture
def used(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """How each shard was indexed: "early" (the guess's bundle taken) or "pagefind"."""
    log: list[str] = []
    adopt, index = search.SearchIndexer._adopt, search.SearchIndexer._index

    def adopting(self: search.SearchIndexer, shard: search.Shard) -> None:
        log.append("early")
        adopt(self, shard)

    def indexing(self: search.SearchIndexer, shard: search.Shard) -> None:
        log.append("pagefind")
        index(self, shard)

    monkeypatch.setattr(search.SearchIndexer, "_adopt", adopting)
    monkeypatch.setattr(search.SearchIndexer, "_index", indexing)
    yield log


def _build(site: Path, out: Path, now: datetime = NOW, cache: bool = True) -> None:
    request = BuildRequest(
        site,
        out,
        options=BuildOptions(now=now),
        jobs=1,
        cache_dir=site / ".sitegen-cache" if cache else None,
    )
    build(request, Reporter())


def _assert_clean(site: Path, out: Path, tmp_path: Path, now: datetime = NOW) -> None:
    clean = tmp_path / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    _build(site, clean, now, cache=False)
    assert _tree(out) == _tree(clean)


def _edit_body(site: Path, word: str, old: str = "Paragraph 5") -> None:
    story = site / STORY
    text = story.read_text(encoding="utf-8")
    assert old in text
    story.write_text(text.replace(old, f"Paragraph {word}", 1), encoding="utf-8")


def test_a_body_edit_takes_the_bundle_indexed_early(
    site: Path, tmp_path: Path, used: list[str]
) -> None:
    out = tmp_path / "out"
    _build(site, out)
    assert used == ["pagefind"]
    for step, (old, word) in enumerate([("Paragraph 5", "five"), ("Paragraph 4", "four")]):
        used.clear()
        _edit_body(site, word, old)
        _build(site, out)
        assert used == ["early"], step
        _assert_clean(site, out, tmp_path)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.work-")]
    assert leftovers == [], "the early index's scratch folder goes with the build"


def test_a_wrong_guess_is_thrown_away(site: Path, tmp_path: Path, used: list[str]) -> None:
    """The embargo on a story lifts as the edited story's shard is guessed: the shard gains a
    story the guess did not index."""
    out = tmp_path / "out"
    _build(site, out)
    _edit_body(site, "five")
    later = datetime.fromisoformat("2026-06-21T12:00:00+02:00")
    events = []
    guess, stop = search_early.EarlyIndex.__enter__, search_early.EarlyIndex.stop
    finish = search.SearchIndexer.finish

    def entering(self: search_early.EarlyIndex) -> search_early.EarlyIndex:
        events.append("guess")
        return guess(self)

    def stopping(self: search_early.EarlyIndex) -> None:
        events.append("stop")
        stop(self)

    def finishing(self: search.SearchIndexer) -> tuple[int, int]:
        events.append("finish")
        return finish(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_early.EarlyIndex, "__enter__", entering)
        patch.setattr(search_early.EarlyIndex, "stop", stopping)
        patch.setattr(search.SearchIndexer, "finish", finishing)
        used.clear()
        _build(site, out, later)
    assert events[:3] == ["guess", "stop", "finish"], "a wrong guess's Pagefind is stopped at once"
    assert used == ["pagefind"]
    _assert_clean(site, out, tmp_path, later)


def test_an_early_index_that_failed_is_indexed_again(
    site: Path, tmp_path: Path, used: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    _build(site, out)

    def failing(self: search_early.EarlyIndex) -> Path:
        raise SitegenError("search", None, "Pagefind failed")

    monkeypatch.setattr(search_early.EarlyIndex, "bundle", failing)
    _edit_body(site, "five")
    used.clear()
    _build(site, out)
    assert used == ["early", "pagefind"]
    _assert_clean(site, out, tmp_path)


def test_a_kept_record_that_is_not_what_its_manifest_says_is_no_guess(
    site: Path, tmp_path: Path, used: list[str]
) -> None:
    out = tmp_path / "out"
    _build(site, out)
    records = site / ".sitegen-cache" / RECORDS_FOLDER
    other = next(
        p for p in records.rglob("index.html") if p.relative_to(p.parents[2]).as_posix() != PAGE
    )
    other.write_bytes(other.read_bytes() + b"<!-- changed by hand -->\n")
    _edit_body(site, "five")
    refused = []
    early_index = search_early.early_index

    def guessing(*args: Any, **kwargs: Any) -> search_early.EarlyIndex | None:
        guess = early_index(*args, **kwargs)
        refused.append(guess is None)
        if guess is not None:
            guess.__exit__()  # made to be looked at, not used
        return None

    used.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(site_search, "early_index", guessing)
        _build(site, out)
        assert refused == [True], "the edit was considered, and its guess refused"
        assert used == ["pagefind"]
        # That build wrote the record afresh: the next edit is guessed again.
        _edit_body(site, "four", "Paragraph 4")
        _build(site, out)
    assert refused == [True, False]
    _assert_clean(site, out, tmp_path)


def test_with_body_replaces_the_body_alone() -> None:
    record = (
        b'<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>T</title></head>'
        b"\n<body>\n<article data-pagefind-body>\n<h1>T &lt;div&gt;</h1>\n<div>\n<p>Old</p>\n"
        b"<div>inner</div>\n</div>\n<ul><li>tag</li></ul>\n</article>\n</body>\n</html>\n"
    )
    new = with_body(record, "<p>New</p>\n<div>x</div>")
    assert new == record.replace(b"<p>Old</p>\n<div>inner</div>", b"<p>New</p>\n<div>x</div>")
    assert with_body(b"<html>no body here</html>", "<p>x</p>") is None


def test_a_guess_matches_only_the_very_records_of_its_shard(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    _build(site, out)
    _edit_body(site, "five")
    verdicts: dict[str, bool] = {}
    matches = search_early.EarlyIndex.matches

    def judged(self, shard, digests, record):  # type: ignore[no-untyped-def]
        other = next(p for p in shard.pages if p != PAGE)
        verdicts["as built"] = matches(self, shard, digests, record)
        verdicts["edited record differs"] = matches(
            self, shard, digests, lambda p: record(p) + b"\n" if p == PAGE else record(p)
        )
        verdicts["another digest differs"] = matches(
            self, shard, {**digests, other: "0" * 24}, record
        )
        return verdicts["as built"]

    monkeypatch.setattr(search_early.EarlyIndex, "matches", judged)
    _build(site, out)
    assert verdicts == {
        "as built": True,
        "edited record differs": False,
        "another digest differs": False,
    }
    _assert_clean(site, out, tmp_path)
