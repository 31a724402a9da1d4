"""A writer's mistake never passes in silence (issue 21): front-matter keys sitegen does not
know, one text where a list goes, a section that one story alone names, the placeholder of
`sitegen new`, and the stories a build leaves out.

Each folder in tests/writer_mistakes/ is a tiny site laid over tests/bad_inputs/_baseline/, as
in the bad-input suite. Those mistakes are warnings, so the build succeeds, which that suite's
harness (exit 1 expected) cannot check: `expected.txt` holds every warning line `build` and
`check` must print, exactly, and `--strict` must fail on them; `unexpected.txt`, if there,
holds text that must not appear. `left-out/` holds no mistake: `expected-verbose.txt` is what
`build -v` lists of the stories it left out. The mistakes that are errors (`author: []`, the
placeholder) are cases of tests/bad_inputs/.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from sitegen.build import BuildRequest, BuildResult, build
from sitegen.cli.messages import warning_line
from sitegen.cli.scaffold import new_article
from sitegen.errors import Reporter
from sitegen.load.config import MenuConfig, MenuEntry
from sitegen.model.site import BuildOptions
from tests.conftest import FIXED_NOW
from tests.helpers import page, soup
from tests.test_bad_inputs import BAD, sitegen
from tests.unit.test_site import CONFIG, article, make_model

HERE = Path(__file__).resolve().parent / "writer_mistakes"
CASES = sorted(d.name for d in HERE.iterdir() if (d / "expected.txt").is_file())
NOW = datetime.fromisoformat(FIXED_NOW)


def _site(case: str, tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(BAD / "_baseline", site)
    ignore = shutil.ignore_patterns("expected*.txt", "unexpected.txt")
    shutil.copytree(HERE / case, site, dirs_exist_ok=True, ignore=ignore)
    return site


def _lines(case: str, name: str) -> list[str]:
    path = HERE / case / name
    return path.read_text(encoding="utf-8").splitlines() if path.is_file() else []


def _built(site: Path) -> tuple[BuildResult, list[str]]:
    """sitegen.build.build, as the preview server and tests call it: result and warning lines."""
    reporter = Reporter()
    result = build(BuildRequest(root=site, options=BuildOptions(now=NOW)), reporter)
    return result, [warning_line(w) for w in reporter.warnings]


def test_every_folder_says_what_it_expects() -> None:
    for folder in HERE.iterdir():
        assert {"expected.txt", "expected-verbose.txt"} & {p.name for p in folder.iterdir()}, folder


@pytest.mark.parametrize("case", CASES)
def test_a_mistake_is_a_warning_on_its_line_and_strict_fails(case: str, tmp_path: Path) -> None:
    site = _site(case, tmp_path)
    expected, unexpected = _lines(case, "expected.txt"), _lines(case, "unexpected.txt")
    _, warnings = _built(site)
    assert warnings == expected
    for command in ("build", "check"):
        result = sitegen(site, command)
        everything = result.stdout + result.stderr
        assert result.returncode == 0, f"{command}:\n{everything}"
        assert result.stderr.splitlines() == expected, f"{command}:\n{result.stderr}"
        for text in unexpected:
            assert text not in everything, f"{command}: unwanted {text!r} in:\n{everything}"
        strict = sitegen(site, command, "--strict")
        assert strict.returncode == 1, f"{command} --strict:\n{strict.stdout + strict.stderr}"
        for line in expected:
            # build prints warnings as they are; check --strict prints them as its errors.
            assert line in strict.stderr or line.replace(": warning: ", ": ", 1) in strict.stderr


def test_the_summary_counts_the_stories_left_out_and_verbose_lists_them(tmp_path: Path) -> None:
    site = _site("left-out", tmp_path)
    result, warnings = _built(site)
    assert warnings == []
    assert result.drafts == (
        "content/articles/politics/budget-draft.md",
        "content/articles/politics/mayor-draft.md",
    )
    assert [(path, when.isoformat()) for path, when in result.scheduled or ()] == [
        ("content/articles/politics/harbour-vote.md", "2026-07-01T08:00:00+00:00")
    ]
    verbose = sitegen(site, "build", "-v", "--clean")
    assert verbose.returncode == 0, verbose.stderr
    out = verbose.stdout.splitlines()
    listed = [line for line in out if line.startswith("  left out ")]
    assert listed == _lines("left-out", "expected-verbose.txt")
    assert out[-1].endswith(" (2 drafts and 1 scheduled story left out)"), out[-1]
    plain = sitegen(site, "build", "--clean")
    assert plain.stdout.rstrip("\n").endswith(
        " (2 drafts and 1 scheduled story left out; -v lists them)"
    ), plain.stdout
    everything = sitegen(site, "build", "--drafts", "--future")
    assert "left out" not in everything.stdout, everything.stdout


def test_a_build_that_finds_nothing_changed_does_not_count_again(tmp_path: Path) -> None:
    site = _site("left-out", tmp_path)
    assert sitegen(site, "build").returncode == 0
    again = sitegen(site, "build", "-v")
    assert again.returncode == 0, again.stderr
    assert "  left out: what the last build left out (nothing changed since)" in again.stdout
    assert "  left out " not in again.stdout and "left out)" not in again.stdout


def test_quiet_prints_only_problems(tmp_path: Path) -> None:
    site = _site("left-out", tmp_path)
    quiet = sitegen(site, "build", "-q", "-v")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    typos = _site("key-typos", tmp_path / "typos")
    quiet = sitegen(typos, "build", "-q", "-v")
    assert (quiet.returncode, quiet.stdout) == (0, "")
    assert quiet.stderr.splitlines() == _lines("key-typos", "expected.txt")


def test_the_placeholder_of_sitegen_new_is_refused_once_the_draft_mark_goes(
    tmp_path: Path,
) -> None:
    site = _site("left-out", tmp_path)
    when = datetime(2026, 6, 2, 9, 0)
    path = new_article(site, "Harbour tax rises", "Politics", ["jane-doe"], [], when)
    written = sitegen(site, "build")
    assert written.returncode == 0, written.stderr
    assert "(3 drafts and 1 scheduled story left out" in written.stdout
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if line != "draft: true\n"), encoding="utf-8")
    line = (
        path.read_text(encoding="utf-8")
        .splitlines()
        .index("Write the story here. Remove `draft: true` when it is ready to publish.")
    )
    refused = sitegen(site, "build")
    assert refused.returncode == 1
    assert (
        f"content/articles/politics/harbour-tax-rises.md:{line + 1}: 'Write the story here.' "
        "is the placeholder `sitegen new` wrote; replace it with the story, or keep "
        "`draft: true` until it is written"
    ) in refused.stderr.splitlines()


# The model, on inline sources (tests/unit/test_site.py's helpers).


def test_top_level_keys_still_reach_templates_and_extra_wins() -> None:
    text = article(extra="kicker: Old\nmood: grim\nextra:\n  kicker: Exclusive\n  sponsor: Port")
    model = make_model({"articles/p/x.md": text})
    assert dict(model.ok().articles[0].extra) == {
        "kicker": "Exclusive",
        "mood": "grim",
        "sponsor": "Port",
    }
    assert [(w.line, w.message.split(";")[0]) for w in model.warnings] == [
        (6, "unknown front-matter key `kicker`"),
        (7, "unknown front-matter key `mood`"),
    ]


def test_extra_that_is_not_a_mapping_is_an_error_on_its_line() -> None:
    model = make_model({"articles/p/x.md": article(extra="extra: Exclusive")})
    (error,) = model.errors
    assert error.line == 6 and error.message.startswith("`extra` must hold key: value lines")


def test_text_with_commas_is_split_into_the_list_it_meant() -> None:
    omar = "---\nname: Omar Haddad\n---\n"
    text = article(author='"jane, omar"', extra="tags: Harbour, Tax")
    model = make_model({"authors/omar.md": omar, "articles/p/x.md": text})
    only = model.ok().articles[0]
    assert [a.slug for a in only.authors] == ["jane", "omar"]
    assert [t.name for t in only.tags] == ["Harbour", "Tax"]
    assert [w.line for w in model.warnings] == [4, 6]


@pytest.mark.parametrize("author", ["[]", '""', "[' ']"])
def test_an_empty_byline_is_an_error_on_its_line(author: str) -> None:
    model = make_model({"articles/p/x.md": article(author=author)})
    assert [(e.line, e.message.split(";")[0]) for e in model.errors] == [
        (4, "`author` names no one")
    ]


def test_a_new_section_of_two_stories_is_still_the_menus_business() -> None:
    config = replace(CONFIG, menu=MenuConfig(main=(MenuEntry(section="politics"),)))
    files = {
        "articles/p/a.md": article(title="A"),
        "articles/s/b.md": article(title="B", category="Science"),
        "articles/s/c.md": article(title="C", category="Science", extra="draft: true"),
    }
    model = make_model(files, config)
    model.ok()
    assert [(w.path, w.message.split(";")[0]) for w in model.warnings] == [
        ("sitegen.toml", "section 'Science' (1 articles) is not in menu.main")
    ]


# What the warned-about mistakes leave in the output.


def test_a_menu_section_with_nothing_published_is_left_out_of_every_page(tmp_path: Path) -> None:
    site = _site("dead-menu-link", tmp_path)
    _built(site)
    menus = [
        [a["href"] for a in soup(path).select("nav a[href]")]
        for path in sorted((site / "output").rglob("*.html"))
    ]
    assert len(menus) > 10 and all(menus)
    assert all("/category/science/" not in links for links in menus)
    assert all("/category/politics/" in links for links in menus)
    lab = site / "content/articles/science/lab-draft.md"
    lab.write_text(lab.read_text(encoding="utf-8").replace("draft: true\n", ""), "utf-8")
    _, warnings = _built(site)
    assert warnings == []
    assert "/category/science/" in [a["href"] for a in page(site / "output", "/").select("nav a")]
    assert (site / "output/category/science/index.html").is_file()


def test_a_refused_embed_leaves_no_empty_box(tmp_path: Path) -> None:
    site = _site("blocked-embed", tmp_path)
    _built(site)
    story = page(site / "output", "/politics/watch-the-council-debate/")
    body = story.select_one(".article-body") or story
    assert story.find("iframe") is None
    assert "The vote came at noon." in body.get_text()


def test_only_well_known_of_the_hidden_files_is_published(tmp_path: Path) -> None:
    site = _site("hidden-files", tmp_path)
    for bookkeeping in (".DS_Store", ".gitkeep", "images/._photo.jpg"):
        (site / "static" / bookkeeping).write_bytes(b"\x00\x05\x16\x07")
    _, warnings = _built(site)
    assert warnings == _lines("hidden-files", "expected.txt")  # bookkeeping: not a word
    out = site / "output"
    names = (p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    hidden = [n for n in names if any(part.startswith(".") for part in n.split("/"))]
    assert sorted(hidden) == [".well-known/security.txt"]
    assert (out / ".well-known/security.txt").read_bytes() == (
        site / "static/.well-known/security.txt"
    ).read_bytes()
    (site / "static/.well-known/security.txt").unlink()
    _built(site)
    assert not (out / ".well-known/security.txt").exists()
