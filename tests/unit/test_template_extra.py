"""Templates read `extra` leniently (a key set on some stories only) and everything else
strictly (a misspelt attribute fails with the template's name and line)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sitegen.errors import TemplateError
from sitegen.load.config import PermalinkConfig
from sitegen.model.urls import Urls
from sitegen.render.templates import make_environment, render_template


@dataclass(frozen=True)
class Story:
    title: str
    extra: dict[str, Any] = field(default_factory=dict)


def render(tmp_path: Path, text: str, **context: Any) -> str:
    (tmp_path / "t.html").write_text(text, encoding="utf-8")
    env = make_environment([tmp_path], Urls(PermalinkConfig(), "https://x.example/"), {})
    return render_template(env, "t.html", context)


TEMPLATE = (
    "{% if story.extra.kicker %}[{{ story.extra.kicker }}]{% endif %}"
    "<{{ story.extra.kicker }}|{{ story.extra['kicker'] }}|{{ site.extra.theme.colour }}>"
)


def test_a_missing_extra_key_is_empty_and_false(tmp_path: Path) -> None:
    out = render(tmp_path, TEMPLATE, story=Story("A"), site={"extra": {}})
    assert out == "<||>"


def test_a_present_extra_key_is_its_value(tmp_path: Path) -> None:
    story = Story("A", {"kicker": "Exclusive"})
    site = {"extra": {"theme": {"colour": "teal"}}}
    assert (
        render(tmp_path, TEMPLATE, story=story, site=site)
        == "[Exclusive]<Exclusive|Exclusive|teal>"
    )


def test_a_misspelt_attribute_still_fails_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as caught:
        render(tmp_path, "ok\n{{ story.titel }}", story=Story("A"))
    assert caught.value.line == 2 and "titel" in caught.value.message


def test_a_missing_key_of_an_ordinary_mapping_still_fails(tmp_path: Path) -> None:
    with pytest.raises(TemplateError):
        render(tmp_path, "{{ site.tagline }}", site={"extra": {}})
