"""The command line. The only place that turns our errors into messages and exit codes."""

from __future__ import annotations

import errno
import gc
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from sitegen import __version__
from sitegen.errors import BuildError, Reporter, SitegenError

if TYPE_CHECKING:
    from sitegen.build import BuildRequest

F = TypeVar("F", bound=Callable[..., Any])


class Failed(click.ClickException):
    """Exit 1 with our messages, no traceback."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


def _errors_of(exc: SitegenError) -> tuple[SitegenError, ...]:
    return exc.errors if isinstance(exc, BuildError) else (exc,)


def _warning_line(warning: SitegenError) -> str:
    where = f"{warning.path}:{warning.line}" if warning.line else warning.path
    return f"{where}: warning: {warning.message}"


def _fail(exc: SitegenError, reporter: Reporter | None = None) -> Failed:
    errors = _errors_of(exc)
    lines = [str(e) for e in errors]
    if reporter:
        lines = [_warning_line(w) for w in reporter.warnings] + lines
    noun = "error" if len(errors) == 1 else "errors"
    lines.append(f"Build failed with {len(errors)} {noun}; the previous output was left untouched.")
    return Failed("\n".join(lines))


def _disk_error(exc: OSError) -> SitegenError:
    where = os.fsdecode(exc.filename) if exc.filename else "the output folder"
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "; make room on the disk, then build again"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        advice = "; make the folder writable for this user, then build again"
    else:
        advice = "; fix that, then build again"
    return SitegenError(where, None, reason + advice)


def _parse_now(value: str | None) -> datetime | None:
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


def _request(
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
    options = BuildOptions(drafts=drafts, future=future, now=_parse_now(now))
    return BuildRequest(
        root=source, output=output, overrides=overrides, options=options, publishing=True
    )


def _common_build_options(func: F) -> F:
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sitegen")
def main() -> None:
    """sitegen: build a news website from Markdown articles."""


@main.command()
@_common_build_options
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
@click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
@click.option("--verbose", "-v", is_flag=True, help="Print per-stage timings.")
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
    from sitegen.build import build as run_build

    reporter = Reporter()
    request = replace(
        _request(source, output, drafts, future, base_url, now),
        jobs=jobs,
        cache_dir=None if no_cache else source / ".sitegen-cache",
        clean=clean,
        exiting=_ends_process,
    )
    if _ends_process:
        # The model stays alive to the end (BuildRequest.exiting): a collection after the build
        # would only walk it again, a quarter of a second at 10,000 articles.
        gc.disable()
    progress = _ProgressBar() if sys.stderr.isatty() and not quiet else None
    try:
        result = run_build(request, reporter, progress)
    except SitegenError as exc:
        if fmt == "github":
            _annotate(_errors_of(exc), tuple(reporter.warnings), source)
        raise _fail(exc, reporter) from None
    except OSError as exc:  # the disk refused: full, read-only, or a folder we may not write
        raise _fail(_disk_error(exc), reporter) from None
    finally:
        if progress:
            progress.close()
    for warning in reporter.warnings:
        click.echo(_warning_line(warning), err=True)
    if fmt == "github":
        _annotate((), tuple(reporter.warnings), source, strict)
    if strict and reporter.warnings:
        raise Failed(
            f"--strict: {len(reporter.warnings)} warning(s) count as errors. (The output was written; fix the warnings.)"
        )
    if verbose:
        for stage, seconds in result.timings:
            click.echo(f"  {stage:<10} {seconds:7.3f} s")
        if result.planned < result.pages:
            click.echo(
                f"  planned {result.planned:,} of {result.pages:,} pages: those showing the "
                "edited stories (nothing else they hold changed)"
            )
    if not quiet:
        mb = result.bytes_written / 1_000_000
        click.echo(
            f"Built {result.pages:,} pages in {result.seconds:.1f} s ({result.unchanged:,} unchanged) · {mb:.1f} MB written to {result.output}"
        )


def _annotate(
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


@main.command()
@click.argument("title")
@click.option("--category", "-c", required=True, help="Section display name, e.g. Diplomacy.")
@click.option(
    "--author",
    "-a",
    "authors",
    required=True,
    multiple=True,
    help="Author slug (repeat for a shared byline).",
)
@click.option("--tags", "-t", default="", help="Comma-separated tags.")
@click.option(
    "--source",
    "-s",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
)
def new(title: str, category: str, authors: tuple[str, ...], tags: str, source: Path) -> None:
    """Create a new article file, ready to write, and print its path."""
    from sitegen.cli.scaffold import new_article

    try:
        path = new_article(
            source,
            title,
            category,
            list(authors),
            [t.strip() for t in tags.split(",") if t.strip()],
            datetime.now(),
        )
    except SitegenError as exc:
        raise Failed(f"error: {exc}") from None
    click.echo(path)


@main.command()
@click.argument(
    "directory", type=click.Path(file_okay=False, path_type=Path), default=".", required=False
)
@click.option("--title", default=None, help='The publication\'s name, e.g. "The Daily Planet".')
@click.option(
    "--base-url",
    default=None,
    help="The address readers will find it at, e.g. https://news.example/.",
)
@click.option("--language", default=None, help="BCP 47 language tag (default: en).")
@click.option("--timezone", default=None, help="IANA time zone of the newsroom (default: UTC).")
@click.option("--yes", "-y", is_flag=True, help="Ask nothing: defaults for whatever is not given.")
@click.option(
    "--force",
    is_flag=True,
    help="Also in a folder that is not empty; existing files are kept, never overwritten.",
)
@click.option(
    "--now",
    "now",
    default=None,
    envvar="SITEGEN_NOW",
    help="The welcome story's date (ISO 8601 with zone); also SITEGEN_NOW.",
)
def init(
    directory: Path,
    title: str | None,
    base_url: str | None,
    language: str | None,
    timezone: str | None,
    yes: bool,
    force: bool,
    now: str | None,
) -> None:
    """Start a new publication in DIRECTORY (default: here): settings, a welcome story, an
    author, About, Contact and privacy pages, a logo, a .gitignore, GitHub and GitLab Pages
    workflows and a README. Asks for what the options do not give, unless --yes."""
    from sitegen.cli import starter

    started = _parse_now(now) or datetime.now().astimezone()
    given = {"title": title, "base_url": base_url, "language": language, "timezone": timezone}
    try:
        answers = starter.checked_answers(given)
    except SitegenError as exc:
        raise Failed("\n".join(f"error: {e}" for e in _errors_of(exc))) from None
    taken = starter.existing_entries(directory)
    if taken and not force:
        raise Failed(f"error: {starter.refusal(directory, taken)}")

    def ask(question: starter.Question) -> str:
        def checked(value: str) -> str:
            try:
                return question.check(value)
            except SitegenError as exc:
                raise click.BadParameter(exc.message) from None

        return str(click.prompt(question.prompt, default=question.default, value_proc=checked))

    publication = starter.new_publication(
        starter.completed_answers(answers, None if yes else ask),
        started,
        __version__,
    )
    note = starter.base_url_note(publication.base_url, defaulted=base_url is None and yes)
    if note:
        click.echo(note, err=True)
    try:
        result = starter.write_files(directory, starter.plan_files(publication))
    except SitegenError as exc:
        raise Failed(f"error: {exc}") from None
    click.echo(starter.summary(directory, result))


@main.command(name="check")
@_common_build_options
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
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
    fmt: str,
) -> None:
    """Validate the site (content, links, templates) without writing anything."""
    import json

    from sitegen.build import check

    reporter = Reporter()
    request = _request(source, output, drafts, future, base_url, now)
    errors: tuple[SitegenError, ...] = ()
    pages = 0
    try:
        pages = check(request, reporter)
    except SitegenError as exc:
        errors = _errors_of(exc)
    warnings = tuple(reporter.warnings)
    if strict:
        errors, warnings = errors + warnings, ()
    if fmt == "json":

        def entry(e: SitegenError, severity: str) -> dict[str, object]:
            return {"path": e.path, "line": e.line, "message": e.message, "severity": severity}

        report = {
            "errors": [entry(e, "error") for e in errors],
            "warnings": [entry(w, "warning") for w in warnings],
            "pages": pages,
        }
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    elif fmt == "github":
        _annotate(errors, warnings, source)
    else:
        for w in warnings:
            click.echo(_warning_line(w), err=True)
        for e in errors:
            click.echo(str(e), err=True)
        if not errors:
            click.echo(f"OK: {pages:,} pages checked, {len(warnings)} warning(s).")
    if errors:
        raise Failed(f"{len(errors)} error(s) found." if fmt == "text" else "")


@main.command()
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
        options=BuildOptions(drafts=not no_drafts, future=future, now=_parse_now(now)),
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
    shown: set[str] = set()

    def on_build(report: devserver.BuildReport) -> None:
        fresh = [w for w in report.warnings if str(w) not in shown]
        shown.clear()
        shown.update(str(w) for w in report.warnings)
        for warning in fresh:
            click.echo(_warning_line(warning), err=True)
        first = report.changed[0] if report.changed else ""
        more = f" and {len(report.changed) - 1} more" if len(report.changed) > 1 else ""
        after = f" after changes to {first}{more}" if first else ""
        if report.result is not None:
            verb = "Rebuilt" if report.changed else "Built"
            result = report.result
            reused = f" ({result.unchanged:,} unchanged)" if result.unchanged else ""
            click.echo(f"{verb} {result.pages:,} pages in {result.seconds:.1f} s{reused}{after}")
            return
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

    def on_ready(url: str) -> None:
        click.echo(f"Serving the preview at {url} (Ctrl-C stops it)")

    try:
        devserver.serve(request, on_build, on_ready)
    except addresses.ServeError as exc:
        raise Failed(f"error: {exc}") from None
    except KeyboardInterrupt:
        pass
    click.echo("Stopped the preview server.")


_ends_process = False
"""Set by run(): the process ends with the command (not so when tests invoke `main`)."""


def run() -> NoReturn:  # pragma: no cover - the console entry and `python -m sitegen`
    """Run the command, then end the process without tearing the interpreter down: freeing a
    large site's model object by object takes a few tenths of a second at 10,000 articles, and
    the operating system reclaims it all at once anyway. Every file and connection is closed
    by then; only the standard streams need flushing."""
    global _ends_process
    _ends_process = True
    code: int
    try:
        main(prog_name="sitegen")
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)  # a profiler or coverage writes its report as the interpreter ends
    state = sys.modules.get("sitegen.incremental.state")  # only imported when a build ran
    if state is not None:
        state.close_readers()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
