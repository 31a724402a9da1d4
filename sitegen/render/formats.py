"""Output formats as data (after Hugo's output formats): what each kind of page is rendered to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutputFormat:
    name: str
    media_type: str
    template_suffix: str
    """Appended to the page kind to find the template: article + .html -> article.html."""


HTML = OutputFormat("html", "text/html", ".html")

FORMATS: dict[str, OutputFormat] = {f.name: f for f in (HTML,)}
