"""sitegen.load.config: defaults, collected validation errors with lines, TOML errors, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.errors import BuildError, ConfigError
from sitegen.load.config import SiteConfig, load_config


def write_config(root: Path, text: str) -> Path:
    path = root / "sitegen.toml"
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(root: Path, overrides: dict[str, object] | None = None) -> list[ConfigError]:
    with pytest.raises(BuildError) as info:
        load_config(root, overrides)
    assert all(isinstance(e, ConfigError) for e in info.value.errors)
    return list(info.value.errors)  # type: ignore[arg-type]


def error_about(errors: list[ConfigError], needle: str) -> ConfigError:
    matches = [e for e in errors if needle in e.message]
    assert len(matches) == 1, f"expected one error mentioning {needle!r}, got {errors}"
    return matches[0]


def test_no_file_gives_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config == SiteConfig()
    assert config.base_url == "http://localhost:8000/"
    assert config.timezone == "UTC"
    assert config.raw_html == "sanitize"
    assert config.menu.main == ()
    assert config.related.include_newer is False


def test_valid_file_is_read(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        'title = "The Courier"\n'
        'base_url = "https://news.example/"\n'
        'timezone = "Europe/London"\n'
        "per_page = 12\n"
        "[related]\n"
        "count = 3\n"
        "max_tag_share = 1\n"
        "[[menu.main]]\n"
        'section = "politics"\n'
        "[[menu.main]]\n"
        'title = "Archive"\n'
        'url = "/archive/"\n',
    )
    config = load_config(tmp_path)
    assert config.title == "The Courier"
    assert config.per_page == 12
    assert config.tz.key == "Europe/London"
    assert config.related.count == 3
    assert config.related.max_tag_share == 1.0
    assert isinstance(config.related.max_tag_share, float)
    assert [(e.section, e.title, e.url) for e in config.menu.main] == [
        ("politics", "", ""),
        ("", "Archive", "/archive/"),
    ]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "sitegen.toml").write_bytes('\ufefftitle = "Café"\n'.encode())
    assert load_config(tmp_path).title == "Café"


def test_every_mistake_is_reported_at_once_with_key_and_line(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        'title = "News"\n'  # 1
        'titel = "Typo"\n'  # 2
        'per_page = "ten"\n'  # 3
        'timezone = "Mars/Olympus"\n'  # 4
        'base_url = "ftp://news.example/"\n'  # 5
        "[related]\n"  # 6
        'count = "many"\n'  # 7
        "[[menu.main]]\n"  # 8
        'section = "politics"\n'  # 9
        'url = "/politics/"\n',  # 10
    )
    errors = errors_of(tmp_path)
    assert len(errors) == 6
    assert {e.path for e in errors} == {str(path)}

    unknown = error_about(errors, "`titel`")
    assert "did you mean `title`?" in unknown.message
    assert unknown.line == 2

    wrong_type = error_about(errors, "`per_page`")
    assert "whole number" in wrong_type.message
    assert wrong_type.line == 3

    zone = error_about(errors, "`timezone`")
    assert "Mars/Olympus" in zone.message
    assert zone.line == 4

    url = error_about(errors, "`base_url`")
    assert "ftp://news.example/" in url.message
    assert url.line == 5

    nested = error_about(errors, "`related.count`")
    assert "whole number" in nested.message
    assert nested.line == 7

    menu = error_about(errors, "`menu.main[0]`")
    assert "exactly one of section, page or url" in menu.message
    assert menu.line == 8


def test_errors_come_sorted_by_line(tmp_path: Path) -> None:
    write_config(tmp_path, 'per_page = "x"\nlanguage = "english"\ntheme = "../x"\n')
    errors = errors_of(tmp_path)
    assert [e.line for e in errors] == [1, 2, 3]


def test_unknown_nested_key_suggests_full_dotted_name(tmp_path: Path) -> None:
    write_config(tmp_path, "[related]\ncuont = 3\n")
    (error,) = errors_of(tmp_path)
    assert "unknown setting `related.cuont`" in error.message
    assert "did you mean `related.count`?" in error.message
    assert error.line == 2


def test_unknown_key_without_close_match_lists_known_settings(tmp_path: Path) -> None:
    write_config(tmp_path, "[related]\nzzzzzz = 3\n")
    (error,) = errors_of(tmp_path)
    assert "known settings here:" in error.message
    assert "threshold" in error.message


def test_table_expected(tmp_path: Path) -> None:
    write_config(tmp_path, "related = 5\n")
    (error,) = errors_of(tmp_path)
    assert "`related` must be a table" in error.message


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("per_page = true\n", "`per_page` must be a whole number"),
        ("per_page = 0\n", "`per_page` must be at least 1"),
        ('raw_html = "maybe"\n', "`raw_html` must be one of"),
        ('embed_hosts = ["a.example", 3]\n', "`embed_hosts[1]` must be a string"),
        ('language = "english"\n', "`language` must be a language tag"),
        ('[permalinks]\narticle = "/{slug}"\n', "`permalinks.article` must start and end with /"),
        ('[[menu.main]]\nurl = "javascript:alert(1)"\n', "`menu.main[0].url` may not be"),
        ("[[menu.footer]]\n", "`menu.footer[0]` needs exactly one"),
        ('[related]\ninclude_newer = "yes"\n', "`related.include_newer` must be true or false"),
    ],
)
def test_single_mistakes(tmp_path: Path, text: str, needle: str) -> None:
    write_config(tmp_path, text)
    errors = errors_of(tmp_path)
    error_about(errors, needle)


def test_invalid_toml_gives_a_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'title = "ok"\n[related\ncount = 1\n')
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert info.value.path == str(path)
    assert info.value.line == 2
    assert "is not valid TOML" in info.value.message


def test_unterminated_string_gives_its_line(tmp_path: Path) -> None:
    write_config(tmp_path, 'title = "ok"\ntagline = "never closed\nper_page = 3\n')
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert info.value.line == 2


def test_non_utf8_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "sitegen.toml").write_bytes(b'title = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(tmp_path)


def test_override_fixes_a_bad_file_value_before_validation(tmp_path: Path) -> None:
    write_config(tmp_path, 'per_page = "ten"\n')
    assert load_config(tmp_path, {"per_page": 5}).per_page == 5


def test_override_is_validated(tmp_path: Path) -> None:
    write_config(tmp_path, 'title = "News"\n')
    (error,) = errors_of(tmp_path, {"base_url": "not a url"})
    assert "`base_url`" in error.message
    assert "not a url" in error.message


def test_override_wins_over_file(tmp_path: Path) -> None:
    write_config(tmp_path, 'base_url = "https://a.example/"\ntitle = "Kept"\n')
    config = load_config(tmp_path, {"base_url": "https://b.example/"})
    assert config.base_url == "https://b.example/"
    assert config.title == "Kept"


def test_overrides_without_a_file(tmp_path: Path) -> None:
    assert load_config(tmp_path, {"title": "X"}).title == "X"


def test_line_of_key_after_blank_lines(tmp_path: Path) -> None:
    write_config(tmp_path, 'title = "News"\n\n\ntimezone = "Nowhere/Land"\n')
    (error,) = errors_of(tmp_path)
    assert error.line == 4


def test_line_of_nested_key_sharing_a_name_with_a_top_level_key(tmp_path: Path) -> None:
    write_config(tmp_path, 'title = "News"\n[[menu.main]]\nsection = "a"\ntitle = 5\n')
    (error,) = errors_of(tmp_path)
    assert "`menu.main[0].title`" in error.message
    assert error.line == 4


def test_nested_override_keeps_other_keys_of_the_table(tmp_path: Path) -> None:
    write_config(tmp_path, "[related]\ncount = 3\n")
    config = load_config(tmp_path, {"related": {"threshold": 5}})
    assert config.related.threshold == 5
    assert config.related.count == 3
