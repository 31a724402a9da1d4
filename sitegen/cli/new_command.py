"""`sitegen new` (an article) and `sitegen init` (a publication): new files, ready to write."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sitegen import __version__
from sitegen.cli.messages import Failed, errors_of
from sitegen.cli.options import parse_now
from sitegen.errors import SitegenError

if TYPE_CHECKING:
    from sitegen.cli.starter import Question


@click.command()
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


@click.command()
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

    started = parse_now(now) or datetime.now().astimezone()
    given = {"title": title, "base_url": base_url, "language": language, "timezone": timezone}
    try:
        answers = starter.checked_answers(given)
    except SitegenError as exc:
        raise Failed("\n".join(f"error: {e}" for e in errors_of(exc))) from None
    taken = starter.existing_entries(directory)
    if taken and not force:
        raise Failed(f"error: {starter.refusal(directory, taken)}")
    publication = starter.new_publication(
        starter.completed_answers(answers, None if yes else _ask),
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


def _ask(question: Question) -> str:
    """The answer to `question` at the prompt, asked again until it passes the question's check."""

    def checked(value: str) -> str:
        try:
            return question.check(value)
        except SitegenError as exc:
            raise click.BadParameter(exc.message) from None

    return str(click.prompt(question.prompt, default=question.default, value_proc=checked))
