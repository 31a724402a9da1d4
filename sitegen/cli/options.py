"""What the commands share: the build options of `build` and `check`, the `--now` clock, and
the process run() started them in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from sitegen.build import BuildRequest
    from sitegen.pipeline.process import BuildProcess

F = TypeVar("F", bound=Callable[..., Any])
CACHE_FOLDER = ".sitegen-cache"
"""The build cache's folder in the site's folder."""


def build_process() -> BuildProcess | None:
    """The process the command runs in, as run() set it up (the click context's `obj`); None
    when a test invokes `main`, and each build makes a throwaway one."""
    from sitegen.pipeline.process import BuildProcess

    return click.get_current_context().find_object(BuildProcess)


def parse_now(value: str | None) -> datetime | None:
    """The build's clock given as `--now` (None when not given); click.BadParameter when it is
    not an ISO 8601 time with a zone in the years sitegen handles."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 time such as 2025-05-12T10:00:00+06:00"
        ) from None
    if parsed.tzinfo is None:
        raise click.BadParameter(f"{value!r} needs a time zone, e.g. 2025-05-12T10:00:00+06:00")
    from sitegen.model.dates import EARLIEST_YEAR, LATEST_YEAR

    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        raise click.BadParameter(
            f"{value!r} is out of range; give a time between the years {EARLIEST_YEAR} and "
            f"{LATEST_YEAR}, e.g. 2025-05-12T10:00:00+06:00"
        )
    return parsed


def build_request(
    source: Path,
    output: Path | None,
    drafts: bool,
    future: bool,
    base_url: str | None,
    now: str | None,
) -> BuildRequest:
    """The request the common options describe (build and check share them)."""
    from sitegen.build import BuildRequest
    from sitegen.model.site import BuildOptions

    overrides = {"base_url": base_url} if base_url else {}
    options = BuildOptions(drafts=drafts, future=future, now=parse_now(now))
    return BuildRequest(
        root=source, output=output, overrides=overrides, options=options, publishing=True
    )


def common_build_options(func: F) -> F:
    """The options `build` and `check` share (those build_request() takes)."""
    options = [
        click.option(
            "--source",
            "-s",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            default=".",
            show_default=True,
            help="Site root (holds content/ and sitegen.toml).",
        ),
        click.option(
            "--output",
            "-o",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Output folder (default: SOURCE/output).",
        ),
        click.option("--drafts", is_flag=True, help="Include articles marked draft: true."),
        click.option(
            "--future", is_flag=True, help="Include articles dated after the build's now."
        ),
        click.option(
            "--base-url", default=None, help="Override base_url, e.g. for preview deploys."
        ),
        click.option(
            "--now",
            "now",
            default=None,
            envvar="SITEGEN_NOW",
            help="The build's clock (ISO 8601 with zone); also SITEGEN_NOW.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func
