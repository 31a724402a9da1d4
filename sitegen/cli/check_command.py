"""`sitegen check`: validate the site without writing anything, as text, JSON or GitHub
annotations."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import click

from sitegen.cli.messages import Failed, annotate, errors_of, warning_line
from sitegen.cli.options import CACHE_FOLDER, build_request, common_build_options
from sitegen.errors import Reporter, SitegenError


@click.command(name="check")
@common_build_options
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--no-cache",
    is_flag=True,
    help="Convert and render everything, not using what the last build cached.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="github prints ::error annotations.",
)
def check_command(
    source: Path,
    output: Path | None,
    drafts: bool,
    future: bool,
    base_url: str | None,
    now: str | None,
    strict: bool,
    no_cache: bool,
    fmt: str,
) -> None:
    """Validate the site (content, links, templates) without writing anything."""
    from sitegen.build import check

    reporter = Reporter()
    request = replace(
        build_request(source, output, drafts, future, base_url, now),
        cache_dir=None if no_cache else source / CACHE_FOLDER,
    )
    errors: tuple[SitegenError, ...] = ()
    pages = 0
    try:
        pages = check(request, reporter)
    except SitegenError as exc:
        errors = errors_of(exc)
    warnings = tuple(reporter.warnings)
    if strict:
        errors, warnings = errors + warnings, ()
    if fmt == "json":
        _echo_json(errors, warnings, pages)
    elif fmt == "github":
        annotate(errors, warnings, source)
    else:
        _echo_text(errors, warnings, pages)
    if errors:
        raise Failed(f"{len(errors)} error(s) found." if fmt == "text" else "")


def _echo_json(
    errors: tuple[SitegenError, ...], warnings: tuple[SitegenError, ...], pages: int
) -> None:
    report = {
        "errors": [_entry(e, "error") for e in errors],
        "warnings": [_entry(w, "warning") for w in warnings],
        "pages": pages,
    }
    click.echo(json.dumps(report, indent=2, ensure_ascii=False))


def _entry(e: SitegenError, severity: str) -> dict[str, object]:
    return {"path": e.path, "line": e.line, "message": e.message, "severity": severity}


def _echo_text(
    errors: tuple[SitegenError, ...], warnings: tuple[SitegenError, ...], pages: int
) -> None:
    for w in warnings:
        click.echo(warning_line(w), err=True)
    for e in errors:
        click.echo(str(e), err=True)
    if not errors:
        click.echo(f"OK: {pages:,} pages checked, {len(warnings)} warning(s).")
