"""sitegen.model.slugs: slugify and is_valid_slug."""

from __future__ import annotations

import pytest

from sitegen.model.slugs import is_valid_slug, slugify


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("São Paulo café, 2025!", "sao-paulo-cafe-2025"),
        ("Ångström Über naïve", "angstrom-uber-naive"),
        ("Straße", "strasse"),
        ("Ærø Œuvre Łódź", "aero-oeuvre-lodz"),
        ("İstanbul", "istanbul"),
        ("Москва", "москва"),
        ("Αθήνα", "αθηνα"),
        ("東京 タワー", "東京-タワー"),
        ("서울 뉴스", "서울-뉴스"),
        ("Tom & Jerry", "tom-jerry"),
        ("R&D", "r-d"),
        ("Hello, World!!! ... ok?", "hello-world-ok"),
        ("“Quoted” — dash – here", "quoted-dash-here"),
        ("snake_case_name", "snake-case-name"),
        ("  --x--  ", "x"),
        ("ﬁnance", "finance"),
        ("", ""),
        ("!!!", ""),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


@pytest.mark.parametrize("text", ["../../etc/passwd", "a/b\\c", "./x/../y", "..", "/"])
def test_path_characters_never_survive(text: str) -> None:
    slug = slugify(text)
    assert "/" not in slug
    assert "\\" not in slug
    assert ".." not in slug
    assert slug == "" or is_valid_slug(slug)


def test_long_title_is_cut_at_a_hyphen() -> None:
    assert slugify("alpha beta gamma delta", max_length=12) == "alpha-beta"
    assert slugify("alpha beta gamma delta", max_length=11) == "alpha-beta"


def test_long_word_is_cut_hard() -> None:
    assert slugify("abcdefghijklmnop", max_length=5) == "abcde"


def test_default_max_length() -> None:
    slug = slugify("word " * 40)
    assert len(slug) <= 80
    assert slug.endswith("word")
    assert not slug.endswith("-")


def test_short_slug_is_not_cut() -> None:
    assert slugify("alpha beta", max_length=10) == "alpha-beta"


def test_cut_exactly_at_a_word_boundary_keeps_the_word() -> None:
    assert slugify("alpha beta gamma", max_length=10) == "alpha-beta"


def test_devanagari_word_is_kept() -> None:
    assert slugify("हिन्दी") == "हिन्दी"
    assert is_valid_slug("हिन्दी")


@pytest.mark.parametrize("slug", ["a", "ok-1", "a--b", "москва", "東京", "2025", "a_b", "A"])
def test_valid_slugs(slug: str) -> None:
    assert is_valid_slug(slug)


@pytest.mark.parametrize("slug", ["", "-a", "_a", "..", ".x", "a/b", "a b", "a.b", "a\\b", "é/"])
def test_invalid_slugs(slug: str) -> None:
    assert not is_valid_slug(slug)
