"""What the commands print when a build fails or warns: our errors as lines of text, exit
codes, and GitHub annotations; and what a build's summary says of the stories it left out."""

from __future__ import annotations

import errno
import os
from datetime import datetime
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


def left_out_note(
    drafts: tuple[str, ...], scheduled: tuple[tuple[str, datetime], ...], verbose: bool
) -> str:
    """What the build's summary adds about the stories it left out ('' for none), so that a
    writer whose story is missing sees why: ' (2 drafts and 1 scheduled story left out)'."""
    counts = [
        _count(len(drafts), "draft", "drafts"),
        _count(len(scheduled), "scheduled story", "scheduled stories"),
    ]
    said = " and ".join(c for c in counts if c)
    if not said:
        return ""
    return f" ({said} left out{'' if verbose else '; -v lists them'})"


def _count(n: int, one: str, many: str) -> str:
    return "" if n == 0 else f"1 {one}" if n == 1 else f"{n:,} {many}"


def left_out_lines(
    drafts: tuple[str, ...], scheduled: tuple[tuple[str, datetime], ...]
) -> list[str]:
    """One line for each story the build left out, saying why and what would include it."""
    lines = [f"  left out {path}: a draft (`draft: true`; --drafts includes it)" for path in drafts]
    lines += [
        f"  left out {path}: scheduled for {when.isoformat(' ', 'minutes')} "
        "(--future includes it before then)"
        for path, when in scheduled
    ]
    return lines
