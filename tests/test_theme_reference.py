"""docs/theme-reference.md is generated from the contexts and entities: it must match them, and
every filter and global of the template environment must be described there."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_the_theme_reference_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "theme_reference.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_the_reference_names_every_template_the_default_theme_has() -> None:
    text = (ROOT / "docs" / "theme-reference.md").read_text(encoding="utf-8")
    for template in (ROOT / "themes" / "default" / "templates").glob("*.html"):
        if template.name != "base.html":  # the layout the others extend
            assert f"`{template.name}`" in text, template.name
