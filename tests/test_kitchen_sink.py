"""The held-out oracle for incremental builds: a fixture theme that prints every field of the
theme contract (tests/themes/kitchen-sink), and seeded edit sequences after each of which a
cached build must be byte-identical to a clean one. A field the page fingerprints miss
(render/digests.py, RenderJob.deps) shows up here as a stale page, named with its field."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import inspect
import os
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import jinja2
import jinja2.meta
import pytest

from sitegen.errors import BuildError
from sitegen.model import entities
from sitegen.model.slugs import slugify
from sitegen.render import contexts
from tests.conftest import SITES
from tests.test_incremental import _build, _edit, _tree

THEME = Path(__file__).resolve().parent / "themes" / "kitchen-sink"
DEFAULT_LIST = (
    Path(__file__).resolve().parent.parent / "themes" / "default" / "templates" / "list.html"
)
STEPS = 6


# -- the site --------------------------------------------------------------------------------


def _make_site(tmp_path: Path, theme: str) -> Path:
    root = tmp_path / "site"
    shutil.copytree(
        SITES / "basic" / "site", root, ignore=shutil.ignore_patterns(".sitegen-cache", "output")
    )
    if theme == "kitchen-sink":
        shutil.copytree(THEME, root / "themes" / "kitchen-sink")
        config = root / "sitegen.toml"
        config.write_text(
            f'theme = "kitchen-sink"\n{config.read_text(encoding="utf-8")}', encoding="utf-8"
        )
    return root


def _split(path: Path) -> tuple[list[str], str]:
    """Front-matter lines and the body of a content file."""
    text = path.read_text(encoding="utf-8")
    _, head, body = text.split("---\n", 2)
    return head.rstrip("\n").split("\n"), body


def _join(path: Path, head: list[str], body: str) -> None:
    path.write_text("---\n" + "\n".join(head) + "\n---\n" + body, encoding="utf-8")


def _set(path: Path, key: str, value: str | None) -> None:
    """Set front-matter `key` (with any indented lines under it) to `value`, or drop it.
    A `value` of indented lines goes under the key (a mapping or a block list)."""
    head, body = _split(path)
    out: list[str] = []
    skipping = False
    for line in head:
        if skipping and line.startswith((" ", "-")):
            continue
        skipping = line.startswith(f"{key}:")
        if not skipping:
            out.append(line)
    if value is not None:
        block = value.startswith(" ")  # indented lines: a mapping or list under the key
        out.append(f"{key}:\n{value}" if block else f"{key}: {value}")
    _join(path, out, body)


def _get(path: Path, key: str) -> str | None:
    for line in _split(path)[0]:
        if line.startswith(f"{key}:"):
            return line.split(":", 1)[1].strip()
    return None


def _articles(site: Path) -> list[Path]:
    return sorted((site / "content" / "articles").rglob("*.md"))


def _authors(site: Path) -> list[Path]:
    return sorted((site / "content" / "authors").glob("*.md"))


def _about(site: Path) -> Path:
    return site / "content" / "pages" / "about.md"


_LINK = re.compile(r"\[([^\]]*)\]\(([^)#\s]+\.md)(#[^)\s]*)?\)")


def _drop_dangling_links(site: Path) -> None:
    """Links to deleted articles would fail both builds; turn them into plain text."""
    for path in [*_articles(site), _about(site)]:
        text = path.read_text(encoding="utf-8")

        def keep(match: re.Match[str], folder: Path = path.parent) -> str:
            return match.group(0) if (folder / match.group(2)).is_file() else match.group(1)

        fixed = _LINK.sub(keep, text)
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")


# -- edits -----------------------------------------------------------------------------------
# Each takes the site, the sequence's random source and the step number, edits the sources and
# returns a short description for the failure message.


def _author_bio(site: Path, rng: random.Random, step: int) -> str:
    path = rng.choice(_authors(site))
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\nBio paragraph {step}, with *emphasis*.\n")
    return f"author_bio {path.stem}"


def _author_links(site: Path, rng: random.Random, step: int) -> str:
    path = rng.choice(_authors(site))
    key, value = rng.choice(
        [
            ("website", f"https://site{step}.example/"),
            ("bluesky", f"user{step}.example"),
            ("x", f"handle{step}"),
            ("x", None),
            ("email", None),
        ]
    )
    _set(path, key, value)
    return f"author_links {path.stem} {key}={value}"


def _author_extra(site: Path, rng: random.Random, step: int) -> str:
    path = rng.choice(_authors(site))
    if rng.random() < 0.5:
        _set(path, "pronouns", f'"they/them {step}"')
        return f"author_extra {path.stem} pronouns"
    _set(path, "extra", f'  twitter: "@x{step}"\n  beats: [rivers, step{step}]')
    return f"author_extra {path.stem} extra.twitter"


def _author_name(site: Path, rng: random.Random, step: int) -> str:
    path = rng.choice(_authors(site))
    _set(path, "name", f"{path.stem.replace('-', ' ').title()} {step}")
    return f"author_name {path.stem}"


def _author_role(site: Path, rng: random.Random, step: int) -> str:
    path = rng.choice(_authors(site))
    _set(path, "role", f"Desk {step}" if rng.random() < 0.8 else None)
    return f"author_role {path.stem}"


def _author_avatar(site: Path, rng: random.Random, step: int) -> str:
    path = rng.choice(_authors(site))
    value = rng.choice(["/images/pic.svg", "/images/logo.svg", None])
    _set(path, "avatar", value)
    return f"author_avatar {path.stem} {value}"


def _page_title(site: Path, rng: random.Random, step: int) -> str:
    _set(_about(site), "title", f'"About the Gazette, take {step}"')
    return "page_title about"


def _page_body(site: Path, rng: random.Random, step: int) -> str:
    with _about(site).open("a", encoding="utf-8") as handle:
        handle.write(f"\nAbout paragraph {step}.\n")
    return "page_body about"


def _page_extra(site: Path, rng: random.Random, step: int) -> str:
    _set(_about(site), "layout_hint", f"wide-{step}")
    return "page_extra about"


def _article_extra(site: Path, rng: random.Random, step: int) -> str:
    path = rng.choice(_articles(site))
    if rng.random() < 0.5:
        _set(path, "kicker_label", f'"Exclusive {step}"')
        return f"article_extra {path.stem} kicker_label"
    _set(path, "sponsor", f'  name: "Sponsor {step}"\n  urls: [/a/{step}/, /b/]')
    return f"article_extra {path.stem} sponsor"


def _tag_spelling(site: Path, rng: random.Random, step: int) -> str:
    """One tag respelled in every article: the same slug, another display name."""
    lines = [(p, _get(p, "tags")) for p in _articles(site)]
    names = sorted({n.strip() for _, v in lines if v for n in v.strip("[]").split(",")})
    name = rng.choice(names)
    slug = slugify(name)
    spelling = rng.choice([name.upper(), name.title(), name.lower(), name.capitalize()])
    for path, value in lines:
        if not value:
            continue
        tags = [n.strip() for n in value.strip("[]").split(",")]
        tags = [spelling if slugify(t) == slug else t for t in tags]
        _set(path, "tags", f"[{', '.join(tags)}]")
    return f"tag_spelling {name!r}->{spelling!r}"


def _section_name(site: Path, rng: random.Random, step: int) -> str:
    """One section respelled in every article: the same slug, another display name."""
    lines = [(p, _get(p, "category")) for p in _articles(site)]
    names = sorted({v for _, v in lines if v})
    name = rng.choice(names)
    slug = slugify(name)
    spelling = rng.choice([name.upper(), name.title(), name.lower(), name.capitalize()])
    for path, value in lines:
        if value and slugify(value) == slug:
            _set(path, "category", spelling)
    return f"section_name {name!r}->{spelling!r}"


def _site_extra(site: Path, rng: random.Random, step: int) -> str:
    config = site / "sitegen.toml"
    text = config.read_text(encoding="utf-8").split("\n[extra]")[0].rstrip("\n")
    table = f'\n\n[extra]\nmotto = "News {step}"\n'
    if rng.random() < 0.5:
        table += f'[extra.social]\nx = "@gazette{step}"\nlist = [1, {step}]\n'
    config.write_text(text + table, encoding="utf-8")
    return "site_extra"


def _image_text(site: Path, rng: random.Random, step: int) -> str:
    path = rng.choice(_articles(site))
    if _get(path, "image") is None:
        _set(path, "image", "/images/pic.svg")
    key = rng.choice(["image_alt", "image_caption", "image_credit"])
    _set(path, key, f'"Image text {step}"')
    return f"image_text {path.stem} {key}"


def _correction(site: Path, rng: random.Random, step: int) -> str:
    path = rng.choice(_articles(site))
    head, _ = _split(path)
    old = [line for line in head if line.startswith("  - {date:")]
    entry = f'  - {{date: 2026-06-15T08:{step:02d}:00, text: "We misstated figure {step}."}}'
    _set(path, "corrections", "\n".join([*old, entry]))
    return f"correction {path.stem}"


def _updated(site: Path, rng: random.Random, step: int) -> str:
    when = f"2026-06-15T09:{step:02d}:00"
    candidates = [p for p in _articles(site) if (_get(p, "date") or "9") < when]
    path = rng.choice(candidates)
    _set(path, "updated", when)
    return f"updated {path.stem}"


def _body_link(site: Path, rng: random.Random, step: int) -> str:
    """A link in one story to another: its body shows the other's URL."""
    path, target = rng.sample(_articles(site), 2)
    rel = os.path.relpath(target, path.parent)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\nSee also [another story]({rel}).\n")
    return f"body_link {path.stem}->{target.stem}"


def _retitle_linked(site: Path, rng: random.Random, step: int) -> str:
    """A story another one links to is retitled, which moves it: the linking story's body
    now shows the new URL, wherever that story is shown."""
    linked = {
        (path.parent / match.group(2)).resolve()
        for path in _articles(site)
        for match in _LINK.finditer(path.read_text(encoding="utf-8"))
    }
    targets = [p for p in _articles(site) if p.resolve() in linked] or _articles(site)
    path = rng.choice(targets)
    _set(path, "title", f'"Linked story retitled {step}"')
    return f"retitle_linked {path.stem}"


def _noindex(site: Path, rng: random.Random, step: int) -> str:
    path = rng.choice(_articles(site))
    value = None if _get(path, "noindex") == "true" else "true"
    _set(path, "noindex", value)
    return f"noindex {path.stem} {value}"


def _incremental_kind(site: Path, rng: random.Random, step: int) -> str:
    """One of tests/test_incremental.py's edits (body, title, section, tags, delete, ...)."""
    return "incremental:" + _edit(site, rng, step)


Edit = Callable[[Path, random.Random, int], str]
EDITS: dict[str, Edit] = {
    "author_bio": _author_bio,
    "author_links": _author_links,
    "author_extra": _author_extra,
    "author_name": _author_name,
    "author_role": _author_role,
    "author_avatar": _author_avatar,
    "page_title": _page_title,
    "page_body": _page_body,
    "page_extra": _page_extra,
    "article_extra": _article_extra,
    "tag_spelling": _tag_spelling,
    "section_name": _section_name,
    "site_extra": _site_extra,
    "image_text": _image_text,
    "correction": _correction,
    "updated": _updated,
    "body_link": _body_link,
    "retitle_linked": _retitle_linked,
    "noindex": _noindex,
}
SEEDS = range(20)
DEFAULT_THEME_SEEDS = range(100, 103)


def _kinds(seed: int) -> list[str]:
    """The edit kinds of one sequence: every kind of EDITS appears in some sequence (they are
    dealt out from a shuffled deck), plus one of test_incremental's edits per sequence."""
    deck = [kind for kind in EDITS for _ in range(len(SEEDS) * (STEPS - 1) // len(EDITS) + 1)]
    random.Random(0).shuffle(deck)
    start = (seed % len(SEEDS)) * (STEPS - 1)
    hand = [*deck[start : start + STEPS - 1], "incremental"]
    random.Random(seed).shuffle(hand)
    return hand


def _apply(site: Path, kind: str, rng: random.Random, step: int) -> str:
    done = (
        _incremental_kind(site, rng, step)
        if kind == "incremental"
        else EDITS[kind](site, rng, step)
    )
    _drop_dangling_links(site)
    return done


# -- comparing -------------------------------------------------------------------------------


def _difference(incremental: Path, clean: Path) -> str:
    """'' when both outputs hold the same files with the same bytes; else what differs, with a
    unified diff of the first differing text file."""
    a, b = _tree(incremental), _tree(clean)
    only_inc, only_clean = sorted(a.keys() - b.keys()), sorted(b.keys() - a.keys())
    stale = [p for p in sorted(a.keys() & b.keys()) if a[p] != b[p]]
    if not (only_inc or only_clean or stale):
        return ""
    lines = []
    if only_inc:
        lines.append(f"only in the incremental build: {only_inc[:5]}")
    if only_clean:
        lines.append(f"only in the clean build: {only_clean[:5]}")
    if stale:
        lines.append(f"{len(stale)} stale file(s): {stale[:8]}")
        texts = [p for p in stale if p.endswith((".html", ".xml", ".txt", ".json"))]
        if texts:
            first = texts[0]
            diff = difflib.unified_diff(
                b[first].decode("utf-8", "replace").splitlines(),
                a[first].decode("utf-8", "replace").splitlines(),
                f"clean/{first}",
                f"incremental/{first}",
                n=1,
                lineterm="",
            )
            lines += [line[:300] for line in list(diff)[:40]]
    return "\n".join(lines)


def _clean_build(site: Path, clean: Path, done: list[str]) -> None:
    shutil.rmtree(clean, ignore_errors=True)
    try:
        _build(site, clean, cache=False)
    except BuildError as exc:
        pytest.fail(f"the edits made the site invalid (a bug in this test): {done}\n{exc}")


def _run_sequence(site: Path, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    incremental, clean = tmp_path / "inc", tmp_path / "clean"
    _build(site, incremental, cache=True)
    done: list[str] = []
    for step, kind in enumerate(_kinds(seed)):
        done.append(_apply(site, kind, rng, step))
        _clean_build(site, clean, done)
        _build(site, incremental, cache=True)
        problem = _difference(incremental, clean)
        if problem:
            pytest.fail(f"seed {seed}, after edits {done}:\n{problem}", pytrace=False)


@pytest.mark.parametrize("seed", SEEDS)
def test_kitchen_sink_random_edits_match_clean_builds(tmp_path: Path, seed: int) -> None:
    _run_sequence(_make_site(tmp_path, "kitchen-sink"), tmp_path, seed)


@pytest.mark.parametrize("seed", DEFAULT_THEME_SEEDS)
def test_default_theme_random_edits_match_clean_builds(tmp_path: Path, seed: int) -> None:
    _run_sequence(_make_site(tmp_path, "default"), tmp_path, seed)


def test_sequences_cover_every_edit_kind() -> None:
    dealt = {kind for seed in SEEDS for kind in _kinds(seed)}
    assert dealt == {*EDITS, "incremental"}
    assert all(len(_kinds(seed)) == STEPS for seed in SEEDS)


def test_author_bio_on_list_cards(tmp_path: Path) -> None:
    """The known gap: a list whose cards print each story's author's bio, then the bio edited."""
    site = _make_site(tmp_path, "default")
    override = site / "templates" / "list.html"
    override.parent.mkdir(parents=True)
    text = DEFAULT_LIST.read_text(encoding="utf-8")
    card = "    {% for a in articles %}\n"
    assert card in text
    override.write_text(
        text.replace(
            card, card + '    <div class="card-bio">{{ a.authors[0].bio_html | safe }}</div>\n'
        ),
        encoding="utf-8",
    )
    incremental, clean = tmp_path / "inc", tmp_path / "clean"
    _build(site, incremental, cache=True)
    bio = site / "content" / "authors" / "ben-ortiz.md"
    with bio.open("a", encoding="utf-8") as handle:
        handle.write("\nBen also covers central banks.\n")
    _build(site, clean, cache=False)
    _build(site, incremental, cache=True)
    problem = _difference(incremental, clean)
    if problem:
        pytest.fail(f"after editing ben-ortiz's bio:\n{problem}", pytrace=False)


# -- the theme covers the contract -----------------------------------------------------------

_TEMPLATES = {
    "index.html": contexts.IndexContext,
    "article.html": contexts.ArticleContext,
    "list.html": contexts.ListContext,
    "archives.html": contexts.ArchiveIndexContext,
    "page.html": contexts.PageContext,
    "search.html": contexts.SearchContext,
    "404.html": contexts.NotFoundContext,
}
_MACROS: dict[str, tuple[type, ...]] = {
    "dump_article": (
        entities.Article,
        entities.Image,
        entities.Correction,
        entities.Author,
        entities.Link,
        entities.Category,
        entities.Tag,
    ),
    "dump_author": (entities.Author,),
    "dump_link": (entities.Link,),
    "dump_category": (entities.Category,),
    "dump_tag": (entities.Tag,),
    "dump_page": (entities.Page,),
    "dump_archive": (entities.Archive,),
    "dump_menu_item": (entities.MenuItem,),
    "dump_site": (contexts.SiteInfo,),
    "dump_alternate": (contexts.Alternate,),
    "dump_meta": (contexts.Meta,),
    "dump_crumbs": (contexts.Crumb,),
    "dump_share": (contexts.ShareLink,),
    "dump_pager": (contexts.Pager,),
    "dump_section_block": (contexts.SectionBlock,),
}
"""Which entities each macro of _dump.html prints. Body is left out: what a theme sees of it is
Article's body_* properties (the macro prints those and Body's plain fields)."""


def _names(cls: type) -> set[str]:
    fields = {f.name for f in dataclasses.fields(cls)}
    props = {
        name
        for name, value in inspect.getmembers(cls)
        if isinstance(value, property | functools.cached_property)
    }
    return fields | props


def test_kitchen_sink_prints_every_key_and_field() -> None:
    """A field added to the contract must be added to the fixture theme too."""
    folder = THEME / "templates"
    env = jinja2.Environment()
    base = jinja2.meta.find_undeclared_variables(
        env.parse((folder / "base.html").read_text(encoding="utf-8"))
    )
    for name, context in _TEMPLATES.items():
        used = base | jinja2.meta.find_undeclared_variables(
            env.parse((folder / name).read_text(encoding="utf-8"))
        )
        keys = context.__required_keys__ | context.__optional_keys__
        assert keys <= used, f"{name} does not print {sorted(keys - used)}"
    dump = (folder / "_dump.html").read_text(encoding="utf-8")
    macros = dict(re.findall(r"\{% macro (\w+)\(.*?\)(.*?)endmacro", dump, flags=re.S))
    assert set(_MACROS) <= set(macros)
    for macro, classes in _MACROS.items():
        for cls in classes:
            missing = {n for n in _names(cls) if not re.search(rf"\.{n}\b", macros[macro])}
            assert not missing, f"{macro} does not print {cls.__name__}.{sorted(missing)}"
