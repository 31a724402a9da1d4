"""`sitegen init`: a new publication made from the starter files in sitegen/cli/starter/.

The starter folder is a site of its own, with its placeholders (`$toml_title`, `$md_title`, ...)
filled in here; a name starting with `dot-` is written with a dot (`dot-gitignore` becomes
`.gitignore`), so the starter's own files never act on this repository. Every value reaches a
file escaped for that file's language: TOML strings, YAML scalars, Markdown text."""

from __future__ import annotations

import difflib
import os
import re
import string
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from sitegen.errors import BuildError, ConfigError, SitegenError
from sitegen.load.publishing import is_local_url

STARTER = Path(__file__).resolve().parent / "starter"
"""The starter site's files, with placeholders."""
IGNORED_ENTRIES = frozenset({".git"})
"""What a folder may already hold and still count as empty (a fresh `git init`)."""

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffe\uffff]")
_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_[]"} | {"<": "&lt;"})
_TOML = str.maketrans({'"': '\\"', "\\": "\\\\"} | {c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F]})


@dataclass(frozen=True)
class Publication:
    """The answers a new publication is made from."""

    title: str
    base_url: str
    language: str
    timezone: str
    now: datetime
    """When the publication starts: the welcome story's date."""
    version: str
    """The sitegen version the CI workflows install."""


@dataclass(frozen=True)
class StarterFile:
    path: str
    """Where the file goes, relative to the site's folder."""
    text: str


@dataclass(frozen=True)
class Written:
    written: tuple[str, ...]
    """The files made, relative to the site's folder."""
    skipped: tuple[str, ...]
    """The files that already existed, left as they were."""


def check_title(value: str) -> str:
    title = value.strip()
    if not title:
        raise ConfigError("--title", None, "the title is empty; give the publication's name")
    if _CONTROL.search(title):
        raise ConfigError("--title", None, "the title must be one line without control characters")
    return title


def check_base_url(value: str) -> str:
    """The address as a site root: absolute http(s), ending in a slash."""
    url = value.strip()
    parts = urlsplit(url)
    bad_text = not url or re.search(r"[\s<>\"'\\]", url) or _CONTROL.search(url)
    if bad_text or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            "--base-url",
            None,
            f"{value!r} is not an absolute http(s) address; give the address readers will "
            "find the site at, such as https://news.example/ or https://you.github.io/site/",
        )
    if parts.query or parts.fragment:
        raise ConfigError(
            "--base-url", None, f"{value!r} has a ?query or #fragment; give the site's address only"
        )
    return url if url.endswith("/") else url + "/"


def check_language(value: str) -> str:
    language = value.strip()
    if not _LANGUAGE.match(language):
        raise ConfigError(
            "--language",
            None,
            f"{value!r} is not a language tag; use a BCP 47 tag such as en, fr or pt-BR",
        )
    return language


def check_timezone(value: str) -> str:
    name = value.strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(name, zoneinfo.available_timezones(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            "--timezone",
            None,
            f"{value!r} is not an IANA time zone; use a name such as Europe/London, "
            f"America/New_York or UTC{hint}",
        ) from None
    return name


@dataclass(frozen=True)
class Question:
    key: str
    """The Publication field it answers."""
    prompt: str
    default: str
    check: Callable[[str], str]
    """Returns the value to use, or raises a ConfigError naming the flag."""


QUESTIONS = (
    Question("title", "Title of the publication", "My Publication", check_title),
    Question("base_url", "Address readers will find it at", "https://example.com/", check_base_url),
    Question("language", "Language (BCP 47 tag)", "en", check_language),
    Question("timezone", "Time zone of the newsroom (IANA name)", "UTC", check_timezone),
)


def checked_answers(given: Mapping[str, str | None]) -> dict[str, str | None]:
    """Every given answer checked (None stays None: not given); all problems raised at once."""
    answers: dict[str, str | None] = {}
    errors: list[SitegenError] = []
    for question in QUESTIONS:
        value = given.get(question.key)
        try:
            answers[question.key] = None if value is None else question.check(value)
        except ConfigError as exc:
            errors.append(exc)
    if errors:
        raise BuildError(errors)
    return answers


def completed_answers(
    answers: Mapping[str, str | None], ask: Callable[[Question], str] | None
) -> dict[str, str]:
    """Every answer: the given ones, then `ask`'s, or the defaults when no one is asked."""
    return {q.key: answers.get(q.key) or (ask(q) if ask else q.default) for q in QUESTIONS}


def new_publication(answers: Mapping[str, str], now: datetime, version: str) -> Publication:
    return Publication(
        title=answers["title"],
        base_url=answers["base_url"],
        language=answers["language"],
        timezone=answers["timezone"],
        now=now,
        version=version,
    )


def base_url_note(base_url: str, defaulted: bool) -> str:
    """What to tell the user about the address: a local one or the default ('': nothing)."""
    if is_local_url(base_url):
        return (
            f"warning: base_url {base_url} only reaches this machine; set base_url in "
            "sitegen.toml to the site's public address before you publish it."
        )
    if defaulted:
        return (
            f"note: base_url is {base_url} for now; set it in sitegen.toml to the site's "
            "public address before you publish it."
        )
    return ""


def existing_entries(root: Path) -> tuple[str, ...]:
    """What the folder already holds (besides a .git folder); empty when it does not exist."""
    if not root.is_dir():
        return ()
    return tuple(sorted(p.name for p in root.iterdir() if p.name not in IGNORED_ENTRIES))


def refusal(root: Path, entries: tuple[str, ...]) -> str:
    """Why a folder that is not empty is refused, and what to do."""
    shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
    return (
        f"{root} is not empty (it holds {shown}); choose a new or empty folder, or pass --force "
        "to add the starter files there (existing files are kept)"
    )


def summary(root: Path, result: Written) -> str:
    """The files written and skipped, one a line, and what to do next."""
    lines = [f"Wrote {len(result.written)} files to {root}:"]
    lines += [f"  {path}" for path in result.written]
    if result.skipped:
        lines.append(f"Skipped {len(result.skipped)} that already existed (left as they were):")
        lines += [f"  {path}" for path in result.skipped]
    go = "" if root == Path(".") else f"cd {root} && "
    lines.append(f"Next: {go}sitegen serve")
    return "\n".join(lines)


def plan_files(publication: Publication) -> tuple[StarterFile, ...]:
    """Every file of the new site, placeholders filled in."""
    values = _escaped(_values(publication))
    files = [
        StarterFile(
            _site_path(p.relative_to(STARTER).as_posix()), _filled(p.read_text("utf-8"), values)
        )
        for p in STARTER.rglob("*")
        if p.is_file()
    ]
    return tuple(sorted(files, key=lambda f: f.path))


def write_files(root: Path, files: tuple[StarterFile, ...]) -> Written:
    """Write the files that do not exist yet; never overwrites one."""
    try:
        return _written(root, files)
    except OSError as exc:  # the disk refused: read-only, full, or a folder we may not write
        where = os.fsdecode(exc.filename) if exc.filename else str(root)
        raise ConfigError(where, None, f"cannot be written: {exc.strerror or exc}") from None


def _written(root: Path, files: tuple[StarterFile, ...]) -> Written:
    blocked = [f.path for f in files if _blocked_folder(root, f.path)]
    if blocked:
        raise ConfigError(
            str(root / blocked[0]),
            None,
            "cannot be written: a file stands where its folder should be; move that file away",
        )
    written, skipped = [], []
    for file in files:
        target = root / file.path
        if target.exists() or target.is_symlink():
            skipped.append(file.path)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with target.open("x", encoding="utf-8", newline="\n") as handle:
                handle.write(file.text)
        except FileExistsError:  # made since we looked: still never overwritten
            skipped.append(file.path)
            continue
        written.append(file.path)
    return Written(tuple(written), tuple(skipped))


def _blocked_folder(root: Path, rel: str) -> bool:
    folder = (root / rel).parent
    while folder != root and not folder.is_dir():
        if folder.exists() or folder.is_symlink():
            return True
        folder = folder.parent
    return False


def _site_path(rel: str) -> str:
    return "/".join("." + p[4:] if p.startswith("dot-") else p for p in rel.split("/"))


def _values(publication: Publication) -> dict[str, str]:
    title = publication.title
    when = publication.now.astimezone(zoneinfo.ZoneInfo(publication.timezone))
    return {
        "title": title,
        "description": f"{title}: independent news and analysis.",
        "base_url": publication.base_url,
        "host": urlsplit(publication.base_url).hostname or "example.com",
        "language": publication.language,
        "timezone": publication.timezone,
        "date": when.replace(microsecond=0, tzinfo=None).isoformat(),
        "version": publication.version,
        "welcome_title": f"Welcome to {title}",
        "welcome_summary": "Your new publication is ready. Here is where stories, writers, "
        "pages and images go, and how to preview and publish them.",
        "about_title": f"About {title}",
        "about_summary": f"Who we are, how we work and how we correct our mistakes at {title}.",
        "contact_summary": "How to reach the newsroom, send us a tip or report a mistake.",
        "privacy_summary": "What we learn about you when you read this site, and what we do "
        "with it. The short version: very little.",
    }


def _escaped(values: Mapping[str, str]) -> dict[str, str]:
    """Each value as is (`title`) and escaped for a TOML string, a YAML scalar and Markdown
    text (`toml_title`, `yaml_title`, `md_title`)."""
    escaped = dict(values)
    for key, value in values.items():
        escaped[f"toml_{key}"] = toml_string(value)
        escaped[f"yaml_{key}"] = yaml_string(value)
        escaped[f"md_{key}"] = value.translate(_MARKDOWN)
    return escaped


def toml_string(value: str) -> str:
    """A TOML basic string holding exactly `value`."""
    return '"' + value.translate(_TOML) + '"'


def yaml_string(value: str) -> str:
    """A double-quoted YAML scalar holding exactly `value`, on one line."""
    return yaml.safe_dump(value, default_style='"', allow_unicode=True, width=1_000_000).strip()


class _Placeholders(string.Template):
    """`$name` in lower case is a placeholder; `${{ github.sha }}` and `$CI_COMMIT_BRANCH` (the
    CI files' own syntax) are not, and stay as written."""

    idpattern = r"[a-z][a-z0-9_]*"
    flags = re.RegexFlag(0)


def _filled(text: str, values: Mapping[str, str]) -> str:
    template = _Placeholders(text)
    unknown = sorted(set(template.get_identifiers()) - set(values))
    if unknown:  # a starter file names a value this module does not make: a bug here
        raise KeyError(f"starter placeholders without a value: {', '.join(unknown)}")
    return template.safe_substitute(values)
