"""What the commands print when a build fails or warns: our errors as lines of text, exit
codes, and GitHub annotations."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import click

from sitegen.errors import BuildError, Reporter, SitegenError


class Failed(click.ClickException):
    """Exit 1 with our messages, no traceback."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


def errors_of(exc: SitegenError) -> tuple[SitegenError, ...]:
    """The errors `exc` stands for: those it gathers, or itself."""
    return exc.errors if isinstance(exc, BuildError) else (exc,)


def warning_line(warning: SitegenError) -> str:
    """The line that prints `warning`, naming its file (and line)."""
    where = f"{warning.path}:{warning.line}" if warning.line else warning.path
    return f"{where}: warning: {warning.message}"


def build_failure(exc: SitegenError, reporter: Reporter | None = None) -> Failed:
    """The failure of a build that raised `exc`, with the warnings `reporter` gathered first."""
    errors = errors_of(exc)
    lines = [str(e) for e in errors]
    if reporter:
        lines = [warning_line(w) for w in reporter.warnings] + lines
    noun = "error" if len(errors) == 1 else "errors"
    lines.append(f"Build failed with {len(errors)} {noun}; the previous output was left untouched.")
    return Failed("\n".join(lines))


def disk_error(exc: OSError) -> SitegenError:
    """The error for a disk that refused a write, saying how to fix it."""
    where = os.fsdecode(exc.filename) if exc.filename else "the output folder"
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "; make room on the disk, then build again"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        advice = "; make the folder writable for this user, then build again"
    else:
        advice = "; fix that, then build again"
    return SitegenError(where, None, reason + advice)


def annotate(
    errors: tuple[SitegenError, ...],
    warnings: tuple[SitegenError, ...],
    site_root: Path,
    strict: bool = False,
) -> None:
    """GitHub annotations on stdout, where a workflow reads them (the text stays on stderr)."""
    from sitegen.cli.annotations import github_annotation

    for w in warnings:
        click.echo(github_annotation(w, "error" if strict else "warning", site_root))
    for e in errors:
        click.echo(github_annotation(e, "error", site_root))
