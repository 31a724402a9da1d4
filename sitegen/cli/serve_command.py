"""`sitegen serve`: the preview server, and what it prints after each build."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from sitegen.cli.messages import Failed, warning_line
from sitegen.cli.options import parse_now

if TYPE_CHECKING:
    from sitegen.build import BuildResult
    from sitegen.serve.server import BuildReport


@click.command()
@click.option(
    "--source",
    "-s",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Site root (holds content/ and sitegen.toml).",
)
@click.option(
    "--port", "-p", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port."
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 makes the preview reachable from your network.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in a browser.")
@click.option("--no-drafts", is_flag=True, help="Leave out articles marked draft: true.")
@click.option(
    "--future/--no-future",
    default=True,
    show_default=True,
    help="Include articles dated after the build's now.",
)
@click.option(
    "--now",
    "now",
    default=None,
    envvar="SITEGEN_NOW",
    help="The build's clock (ISO 8601 with zone); also SITEGEN_NOW.",
)
@click.option(
    "--poll",
    is_flag=True,
    help="Look for changes by scanning the files, not by file events (network and container "
    "mounts often deliver none).",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME[:PORT]",
    help="Also answer to this host name (repeatable), e.g. a container's or a proxy's; "
    "other names get 403, against DNS rebinding.",
)
def serve(
    source: Path,
    port: int,
    host: str,
    open_browser: bool,
    no_drafts: bool,
    future: bool,
    now: str | None,
    poll: bool,
    allowed_hosts: tuple[str, ...],
) -> None:
    """Preview the site while you write: build it (drafts and future articles included) into
    SOURCE/.preview/PORT, serve it, and rebuild and reload the browser whenever you save."""
    from sitegen.model.site import BuildOptions
    from sitegen.serve import addresses
    from sitegen.serve import server as devserver

    request = devserver.ServeRequest(
        root=source,
        host=host,
        port=port,
        options=BuildOptions(drafts=not no_drafts, future=future, now=parse_now(now)),
        open_browser=open_browser,
        file_events=not poll,
        allowed_hosts=allowed_hosts,
    )
    if not addresses.is_loopback(host):
        click.echo(
            f"warning: --host {host} makes the preview, drafts included, reachable from other "
            "machines on your network; leave out --host to keep it on this machine.",
            err=True,
        )
    try:
        devserver.serve(request, _BuildLog(), _echo_ready)
    except addresses.ServeError as exc:
        raise Failed(f"error: {exc}") from None
    except KeyboardInterrupt:
        pass
    click.echo("Stopped the preview server.")


class _BuildLog:
    """Prints each preview build's report: the warnings not shown after the build before, then
    what was built, or why it failed."""

    def __init__(self) -> None:
        self._shown: set[str] = set()

    def __call__(self, report: BuildReport) -> None:
        fresh = [w for w in report.warnings if str(w) not in self._shown]
        self._shown = {str(w) for w in report.warnings}
        for warning in fresh:
            click.echo(warning_line(warning), err=True)
        after = _after_changes(report.changed)
        if report.result is not None:
            _echo_built(report.result, bool(report.changed), after)
        else:
            _echo_failed(report, after)


def _after_changes(changed: tuple[str, ...]) -> str:
    """The end of a build's line: " after changes to FILE and N more", or "" for the first
    build."""
    first = changed[0] if changed else ""
    if not first:
        return ""
    more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
    return f" after changes to {first}{more}"


def _echo_built(result: BuildResult, rebuilt: bool, after: str) -> None:
    verb = "Rebuilt" if rebuilt else "Built"
    reused = f" ({result.unchanged:,} unchanged)" if result.unchanged else ""
    click.echo(f"{verb} {result.pages:,} pages in {result.seconds:.1f} s{reused}{after}")


def _echo_failed(report: BuildReport, after: str) -> None:
    for error in report.errors:
        click.echo(str(error), err=True)
    if report.bug:
        click.echo(report.bug, err=True)
    count = len(report.errors)
    click.echo(
        f"{'Rebuild' if report.changed else 'Build'} failed with {count} "
        f"error{'' if count == 1 else 's'}{after}; still serving, and the browser shows "
        "the errors until a save fixes them.",
        err=True,
    )


def _echo_ready(url: str) -> None:
    click.echo(f"Serving the preview at {url} (Ctrl-C stops it)")
