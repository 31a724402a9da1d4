"""The Pagefind process's helpers (sitegen/search/pagefind.py)."""

from __future__ import annotations

from pathlib import Path

from sitegen.search.pagefind import (
    TIMEOUT,
    TIMEOUT_PER_RECORD,
    PagefindRun,
    holds_bundle,
    index_language,
)


def test_the_index_language_is_the_primary_subtag() -> None:
    assert index_language("en-GB") == "en"
    assert index_language("PT-br") == "pt"
    assert index_language("de") == "de"


def test_a_folder_holds_a_bundle_once_it_has_pagefind_s_entry(tmp_path: Path) -> None:
    assert not holds_bundle(tmp_path)
    (tmp_path / "pagefind-entry.json").write_text("{}")
    assert holds_bundle(tmp_path)


def test_a_run_is_given_longer_for_more_records(tmp_path: Path) -> None:
    run = PagefindRun(tmp_path, tmp_path / "out", "en", threads=None, records=100)
    assert run.timeout == TIMEOUT + 100 * TIMEOUT_PER_RECORD
