"""Errors and warnings as GitHub Actions workflow commands (`::error file=…,line=…::…`), so a
pull request shows each one on the line it names. GitHub reads `file` from the repository's
root, which is not the site's folder when the site lives in a subfolder."""

from __future__ import annotations

import os
from pathlib import Path

from sitegen.errors import SitegenError


def github_annotation(problem: SitegenError, severity: str, site_root: Path) -> str:
    line = f",line={problem.line}" if problem.line else ""
    where = repository_path(problem.path, site_root) if problem.path else ""
    file = f" file={_escape_property(where)}{line}" if where else ""
    return f"::{severity}{file}::{_escape_data(problem.message)}"


def repository_path(path: str, site_root: Path) -> str:
    """`path` (relative to the site, or absolute) relative to the repository's root: the
    checkout GitHub names in GITHUB_WORKSPACE, else the nearest folder holding .git."""
    absolute = (site_root / path).resolve()
    top = _repository_root(site_root.resolve())
    if top is None:
        return path
    try:
        return absolute.relative_to(top).as_posix()
    except ValueError:  # outside the repository: GitHub cannot place it anyway
        return path


def _repository_root(start: Path) -> Path | None:
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if workspace:
        return Path(workspace).resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
