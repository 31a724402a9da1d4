"""`sitegen build`: build the site into the output folder, and say how it went."""

from __future__ import annotations

import gc
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sitegen.cli.messages import (
    Failed,
    annotate,
    build_failure,
    disk_error,
    errors_of,
    left_out_lines,
    left_out_note,
    warning_line,
)
from sitegen.cli.options import (
    CACHE_FOLDER,
    build_process,
    build_request,
    common_build_options,
)
from sitegen.errors import Reporter, SitegenError

if TYPE_CHECKING:
    from sitegen.build import BuildRequest, BuildResult


@click.command()
@common_build_options
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(0, 64),
    default=0,
    help="Worker processes (0: one per core).",
)
@click.option("--clean", is_flag=True, help="Ignore the build cache and rebuild everything.")
@click.option(
    "--no-cache", is_flag=True, help="Neither read nor write the cache (.sitegen-cache/)."
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--quiet", "-q", is_flag=True, help="Print only errors and warnings (no summary, no -v)."
)
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Print per-stage timings and the drafts and scheduled stories left out.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github"]),
    default="text",
    show_default=True,
    help="github prints errors and warnings as ::error/::warning annotations.",
)
def build(
    source: Path,
    output: Path | None,
    drafts: bool,
    future: bool,
    base_url: str | None,
    now: str | None,
    jobs: int,
    clean: bool,
    no_cache: bool,
    strict: bool,
    quiet: bool,
    verbose: bool,
    fmt: str,
) -> None:
    """Build the site into the output folder."""
    reporter = Reporter()
    process = build_process()
    request = replace(
        build_request(source, output, drafts, future, base_url, now),
        jobs=jobs,
        cache_dir=None if no_cache else source / CACHE_FOLDER,
        clean=clean,
        process=process,
        keeps_output_copy=in_ci(),
    )
    if process is not None and process.ends_after_build:
        # The model stays alive to the end (BuildProcess.leave_for_exit): a collection after
        # the build would only walk it again, a quarter of a second at 10,000 articles.
        gc.disable()
    result = _built(request, reporter, source, fmt, quiet)
    _report_warnings(tuple(reporter.warnings), source, fmt, strict)
    if not quiet:  # -q: a cron job or CI log that shows only what needs fixing
        _echo_summary(result, verbose)


def in_ci() -> bool:
    """Whether this build runs in CI, which every CI service says by setting CI (GitHub
    Actions and GitLab CI set CI=true): there the next build finds no output folder, and
    starts from the cache's copy of this one (BuildRequest.keeps_output_copy)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _built(
    request: BuildRequest, reporter: Reporter, source: Path, fmt: str, quiet: bool
) -> BuildResult:
    """Run the build, with a progress bar on a terminal unless `quiet`; Failed, with the
    warnings before the errors, when it fails."""
    from sitegen.build import build as run_build

    progress = _ProgressBar() if sys.stderr.isatty() and not quiet else None
    try:
        return run_build(request, reporter, progress)
    except SitegenError as exc:
        if fmt == "github":
            annotate(errors_of(exc), tuple(reporter.warnings), source)
        raise build_failure(exc, reporter) from None
    except OSError as exc:  # the disk refused: full, read-only, or a folder we may not write
        raise build_failure(disk_error(exc), reporter) from None
    finally:
        if progress:
            progress.close()


def _report_warnings(
    warnings: tuple[SitegenError, ...], source: Path, fmt: str, strict: bool
) -> None:
    """Print a successful build's warnings; Failed when `strict` and there are any."""
    for warning in warnings:
        click.echo(warning_line(warning), err=True)
    if fmt == "github":
        annotate((), warnings, source, strict)
    if strict and warnings:
        raise Failed(
            f"--strict: {len(warnings)} warning(s) count as errors. (The output was written; fix the warnings.)"
        )


def _echo_summary(result: BuildResult, verbose: bool) -> None:
    """The line that says what the build did, after the timings and stories left out (-v)."""
    if verbose:
        _echo_timings(result)
        _echo_left_out(result)
    mb = result.bytes_written / 1_000_000
    left_out = left_out_note(result.drafts or (), result.scheduled or (), verbose)
    click.echo(
        f"Built {result.pages:,} pages in {result.seconds:.1f} s ({result.unchanged:,} unchanged) · {mb:.1f} MB written to {result.output}{left_out}"
    )


def _echo_left_out(result: BuildResult) -> None:
    if result.drafts is None or result.scheduled is None:
        click.echo("  left out: what the last build left out (nothing changed since)")
        return
    for line in left_out_lines(result.drafts, result.scheduled):
        click.echo(line)


def _echo_timings(result: BuildResult) -> None:
    for stage, seconds in result.timings:
        click.echo(f"  {stage:<10} {seconds:7.3f} s")
    if result.planned < result.pages:
        click.echo(
            f"  planned {result.planned:,} of {result.pages:,} pages: those showing the "
            "edited stories (nothing else they hold changed)"
        )


class _ProgressBar:
    """A one-line bar on a terminal's stderr; CI logs (not a TTY) get nothing but the summary."""

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        click.echo(
            f"\r{stage:<8} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}",
            err=True,
            nl=False,
        )
        self.shown = True

    def close(self) -> None:
        if self.shown:
            click.echo("\r" + " " * 60 + "\r", err=True, nl=False)
