"""sitegen.load.sources: front matter, body and line numbers from raw bytes; the content folder scan."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from sitegen.errors import ContentError
from sitegen.load.sources import MAX_SOURCE_BYTES, SourceFile, parse_source

REL = "articles/politics/talks.md"
DISPLAY = "content/articles/politics/talks.md"


def parse(raw: bytes) -> SourceFile:
    return parse_source(REL, DISPLAY, "article", raw)


def parse_error(raw: bytes) -> ContentError:
    with pytest.raises(ContentError) as info:
        parse(raw)
    assert info.value.path == DISPLAY
    return info.value


GOOD = (
    b"---\n"  # 1
    b"title: Ceasefire talks resume\n"  # 2
    b"date: 2025-05-12T09:30:00\n"  # 3
    b"tags: [Diplomacy, Gaza]\n"  # 4
    b"author:\n"  # 5
    b"  - jane-doe\n"  # 6
    b"  - john-roe\n"  # 7
    b"# a comment: not a key\n"  # 8
    b"draft: false\n"  # 9
    b"---\n"  # 10
    b"First paragraph.\n"  # 11
    b"\n"
    b"Second.\n"
)


def test_good_file() -> None:
    source = parse(GOOD)
    assert source.rel == REL
    assert source.display == DISPLAY
    assert source.kind == "article"
    assert dict(source.meta) == {
        "title": "Ceasefire talks resume",
        "date": "2025-05-12T09:30:00",
        "tags": ["Diplomacy", "Gaza"],
        "author": ["jane-doe", "john-roe"],
        "draft": False,
    }
    assert source.body == "First paragraph.\n\nSecond.\n"
    assert source.body_line == 11
    assert dict(source.key_lines) == {"title": 2, "date": 3, "tags": 4, "author": 5, "draft": 9}
    assert source.digest == hashlib.sha256(GOOD).hexdigest()


def test_line_of_falls_back_to_first_line() -> None:
    source = parse(GOOD)
    assert source.line_of("tags") == 4
    assert source.line_of("summary") == 1


def test_bom_is_ignored() -> None:
    source = parse(b"\xef\xbb\xbf---\ntitle: Hello\n---\nBody\n")
    assert source.meta == {"title": "Hello"}
    assert source.body == "Body\n"
    assert source.body_line == 4
    assert source.key_lines == {"title": 2}


def test_crlf_is_normalised() -> None:
    source = parse(b"---\r\ntitle: Hello\r\nauthor: x\r\n---\r\nBody\r\nTwo\r\n")
    assert source.meta == {"title": "Hello", "author": "x"}
    assert source.body == "Body\nTwo\n"
    assert source.body_line == 5
    assert source.key_lines == {"title": 2, "author": 3}


def test_old_mac_line_endings_are_normalised() -> None:
    source = parse(b"---\rtitle: Hello\r---\rBody\r")
    assert source.meta == {"title": "Hello"}
    assert source.body == "Body\n"


def test_digest_is_of_the_raw_bytes() -> None:
    crlf = b"---\r\ntitle: Hello\r\n---\r\nBody\r\n"
    lf = b"---\ntitle: Hello\n---\nBody\n"
    assert parse(crlf).meta == parse(lf).meta
    assert parse(crlf).digest != parse(lf).digest


def test_yaml_end_marker_closes_front_matter() -> None:
    source = parse(b"---\ntitle: x\n...\nBody")
    assert source.meta == {"title": "x"}
    assert source.body == "Body"


def test_empty_front_matter() -> None:
    source = parse(b"---\n---\nBody")
    assert source.meta == {}
    assert source.body == "Body"
    assert source.body_line == 3


def test_later_dashes_stay_in_the_body() -> None:
    source = parse(b"---\ntitle: x\n---\nabove\n---\nbelow\n")
    assert source.body == "above\n---\nbelow\n"


def test_missing_opening_dashes() -> None:
    error = parse_error(b"title: x\n\nBody\n")
    assert error.line == 1
    assert "first line must be ---" in error.message


def test_missing_closing_dashes() -> None:
    error = parse_error(b"---\ntitle: Hello\nBody\n")
    assert error.line == 1
    assert "not closed" in error.message


@pytest.mark.parametrize(
    ("front", "kind"),
    [(b"- a\n- b\n", "a list"), (b"just a sentence\n", "plain text"), (b"42\n", "a single value")],
)
def test_front_matter_must_be_a_mapping(front: bytes, kind: str) -> None:
    error = parse_error(b"---\n" + front + b"---\nBody\n")
    assert error.line == 2
    assert "front matter must be key: value lines" in error.message
    assert kind in error.message


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        (b'---\ntitle: ok\nsummary: "unterminated\n---\nBody\n', 3),
        (b"---\ntitle: ok\nfoo: bar: baz\n---\nBody\n", 3),
        (b"---\ntitle: ok\nauthor: x\ntags:\n  - a\n - b\n---\nBody\n", 6),
    ],
)
def test_malformed_yaml_gives_the_line(raw: bytes, line: int) -> None:
    error = parse_error(raw)
    assert error.line == line
    assert "not valid YAML" in error.message


def test_unsafe_yaml_tags_are_refused() -> None:
    error = parse_error(b"---\ntitle: !!python/object/apply:os.system [ls]\n---\n")
    assert "not valid YAML" in error.message
    assert error.line == 2


@pytest.mark.parametrize("raw", [b"", b"   \n\n", b"\xef\xbb\xbf\n"])
def test_empty_file(raw: bytes) -> None:
    error = parse_error(raw)
    assert error.line == 1
    assert "is empty" in error.message


def test_non_utf8_gives_the_line_of_the_bad_byte() -> None:
    error = parse_error(b"---\ntitle: x\n---\nline one\nline two caf\xe9\n")
    assert error.line == 5
    assert "not UTF-8" in error.message


def test_binary_file() -> None:
    error = parse_error(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "binary file" in error.message


def test_dates_are_kept_as_text() -> None:
    source = parse(
        b"---\ndate: 2025-13-45\nupdated: 2025-05-12\npublished: 2025-05-12 09:30:00\n---\n"
    )
    assert source.meta == {
        "date": "2025-13-45",
        "updated": "2025-05-12",
        "published": "2025-05-12 09:30:00",
    }


def test_scalar_types_survive() -> None:
    source = parse(b"---\ntitle: 2025\nfeatured: true\nratio: 0.5\nempty:\n---\n")
    assert source.meta == {"title": 2025, "featured": True, "ratio": 0.5, "empty": None}


def test_keys_become_strings() -> None:
    source = parse(b"---\n2025: year\n---\n")
    assert source.meta == {"2025": "year"}


def test_too_large_file() -> None:
    error = parse_error(b"---\ntitle: x\n---\n" + b"a" * MAX_SOURCE_BYTES)
    assert error.line is None
    assert "limited to 5 MiB" in error.message


def test_largest_allowed_file_is_read() -> None:
    head = b"---\ntitle: x\n---\n"
    source = parse(head + b"a" * (MAX_SOURCE_BYTES - len(head)))
    assert source.meta == {"title": "x"}


def test_scan_finds_markdown_sources_with_size_and_time(tmp_path: Path) -> None:
    from sitegen.load.sources import scan_sources

    files = {
        "articles/world/b.md": "bb",
        "articles/world/a.md": "a",
        "articles/.hidden/x.md": "x",
        "articles/world/.draft.md": "x",
        "articles/world/notes.txt": "x",
        "authors/jane.md": "jane",
        "misc/other.md": "x",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "gone.md").symlink_to(tmp_path / "nowhere.md")
    found = scan_sources(tmp_path)
    assert [f.rel for f in found] == [
        "articles/world/a.md",
        "articles/world/b.md",
        "authors/jane.md",
        "pages/gone.md",
    ]
    b = found[1]
    assert (b.size, b.mtime_ns, b.error) == (2, (tmp_path / b.rel).stat().st_mtime_ns, None)
    assert found[3].error  # a broken link is reported by read_sources, not skipped
