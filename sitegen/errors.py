"""The one family of errors sitegen raises on purpose, and the warning reporter."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


class SitegenError(Exception):
    """Base of every error we raise on purpose; anything else is a bug."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        super().__init__(path, line, message)
        self.path = path
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}" if where else self.message

    def sort_key(self) -> tuple[str, int, str]:
        return (self.path, self.line or 0, self.message)


class ConfigError(SitegenError):
    """A mistake in sitegen.toml or on the command line."""


class ContentError(SitegenError):
    """A mistake in a content file: front matter, Markdown or a link."""


class TemplateError(SitegenError):
    """A template that does not parse or fails while rendering."""


class BuildError(SitegenError):
    """Several errors found in one build, reported together."""

    def __init__(self, errors: Iterable[SitegenError]) -> None:
        self.errors = tuple(sorted(errors, key=lambda e: e.sort_key()))
        super().__init__("", None, f"{len(self.errors)} error(s)")

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def raise_if_any(errors: list[SitegenError]) -> None:
    if errors:
        raise BuildError(errors)


@dataclass
class Reporter:
    """Collects warnings so the CLI decides how to show them (and --strict can fail on them)."""

    warnings: list[SitegenError] = field(default_factory=list)

    def warn(self, path: str, line: int | None, message: str) -> None:
        self.warnings.append(SitegenError(path, line, message))
