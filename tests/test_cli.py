"""The command line through click's CliRunner: summaries, exit codes, messages, `new`."""

from __future__ import annotations

import errno
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen import __version__
from sitegen.cli.main import main
from sitegen.output.write import Stage
from tests.conftest import AUTHOR, FIXED_NOW, SITES, article

PUBLIC = 'base_url = "https://news.example.org/"\n'


@pytest.fixture
def make_site(tmp_path: Path):
    """A tiny site as conftest's make_site writes it, published at a public address (a
    `sitegen build` for the web refuses a local one) unless the test gives its own settings."""
    from tests.conftest import write_site

    def make(files: dict[str, str]) -> Path:
        if "sitegen.toml" not in files:
            files = {"sitegen.toml": PUBLIC, **files}
        return write_site(tmp_path / "site", files)

    return make


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _one_story(make_site) -> Path:
    return make_site(
        {"content/authors/jane-doe.md": AUTHOR, "content/articles/a.md": article("A story")}
    )


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and __version__ in out


def test_build_prints_a_summary(tmp_path: Path) -> None:
    code, out, err = run(
        "build",
        "-s",
        str(SITES / "basic" / "site"),
        "-o",
        str(tmp_path / "o"),
        "--now",
        FIXED_NOW,
        "--no-cache",
    )
    assert code == 0, err
    assert re.search(r"^Built \d+ pages in \d+\.\d s", out, re.M)
    assert (tmp_path / "o" / "index.html").is_file()


def test_verbose_builds_time_their_stages_and_say_when_an_edit_planned_few_pages(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITES / "basic" / "site", site)
    args = ["build", "-s", str(site), "-o", str(tmp_path / "o"), "--now", FIXED_NOW, "-v"]
    code, out, err = run(*args)
    assert code == 0, err
    assert re.search(r"^  render +\d+\.\d{3} s$", out, re.M)
    assert "planned" not in out
    code, out, err = run(*args)
    assert code == 0 and "planned" not in out, "nothing changed: nothing said about an edit"
    story = site / "content/articles/science/bee-census.md"
    story.write_text(story.read_text(encoding="utf-8").replace("Paragraph 5", "Paragraph five"))
    code, out, err = run(*args)
    assert code == 0, err
    found = re.search(
        r"^  planned (\d+) of (\d+) pages: those showing the edited stories", out, re.M
    )
    assert found and 0 < int(found[1]) < int(found[2]), out


def test_usage_errors_exit_2() -> None:
    code, _, _ = run("build", "--no-such-flag")
    assert code == 2
    code, _, err = run("build", "--now", "yesterday")
    assert code == 2 and "ISO 8601" in err


def test_a_missing_site_folder_is_a_usage_error_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-site"
    for command in ("build", "check"):
        code, _, err = run(command, "-s", str(missing))
        assert code == 2 and "does not exist" in err
    assert not missing.exists()


def test_content_errors_are_all_reported_with_lines_and_exit_1(make_site, tmp_path: Path) -> None:
    root = make_site(
        {
            "content/authors/jane-doe.md": AUTHOR,
            "content/articles/one.md": "---\ntitle: One\ndate: 2025-13-45\nauthor: jane-doe\ncategory: Politics\n---\nBody\n",
            "content/articles/two.md": "---\ntitle: Two\ndate: 2025-01-02\nauthor: nobody\ncategory: Politics\n---\nBody\n",
            "content/articles/three.md": "---\ntitle: [broken\n---\n",
        }
    )
    code, out, err = run("build", "-s", str(root), "-o", str(tmp_path / "o"))
    assert code == 1
    assert "Traceback" not in err + out
    assert "content/articles/one.md:3: `date` is not a valid date" in err
    assert (
        "content/articles/two.md:4: author 'nobody' has no profile: create content/authors/nobody.md"
        in err
    )
    assert re.search(r"content/articles/three\.md:\d+: front matter is not valid YAML", err)
    assert not (tmp_path / "o").exists()


def test_failed_build_keeps_previous_output(make_site, tmp_path: Path) -> None:
    root = _one_story(make_site)
    out = tmp_path / "o"
    assert run("build", "-s", str(root), "-o", str(out))[0] == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (root / "content/articles/a.md").write_text("---\ntitle: A story\n", encoding="utf-8")
    code, _, err = run("build", "-s", str(root), "-o", str(out))
    assert code == 1 and "front matter is not closed" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    left = [p.name for p in out.parent.glob(".o.*") if p.name != ".o.lock"]  # the build lock
    assert not left, "no staging folder left behind"


def test_config_errors_name_the_key(make_site, tmp_path: Path) -> None:
    root = make_site(
        {
            "sitegen.toml": 'title = "X"\nper_pgae = 5\nwords_per_minute = "fast"\n',
            "content/authors/jane-doe.md": AUTHOR,
        }
    )
    code, _, err = run("build", "-s", str(root), "-o", str(tmp_path / "o"))
    assert code == 1
    assert "sitegen.toml:2: unknown setting `per_pgae`; did you mean `per_page`?" in err
    assert "sitegen.toml:3: `words_per_minute` must be a whole number" in err


def test_template_error_names_template_and_line(make_site, tmp_path: Path) -> None:
    root = make_site(
        {
            "content/authors/jane-doe.md": AUTHOR,
            "content/articles/a.md": article("A story"),
            "templates/article.html": "line one\n{{ article.no_such_field }}\n",
        }
    )
    code, _, err = run("build", "-s", str(root), "-o", str(tmp_path / "o"))
    assert code == 1
    assert re.search(r"templates/article\.html:2: .*no_such_field", err), err


def test_output_folder_may_not_hold_the_sources(make_site) -> None:
    root = make_site({"content/authors/jane-doe.md": AUTHOR})
    code, _, err = run("build", "-s", str(root), "-o", str(root))
    assert code == 1 and "would contain the site's sources" in err
    assert (root / "content/authors/jane-doe.md").is_file()


def test_new_writes_an_article_and_refuses_to_overwrite(make_site) -> None:
    root = make_site({"content/authors/jane-doe.md": AUTHOR})
    code, out, err = run(
        "new",
        "Ceasefire talks resume in Istanbul",
        "--category",
        "Diplomacy",
        "--author",
        "jane-doe",
        "--tags",
        "ceasefire, talks",
        "-s",
        str(root),
    )
    assert code == 0, err
    path = Path(out.strip())
    assert path == root / "content/articles/diplomacy/ceasefire-talks-resume-in-istanbul.md"
    text = path.read_text()
    assert "title: Ceasefire talks resume in Istanbul" in text and "category: Diplomacy" in text
    assert "- ceasefire" in text or "[ceasefire, talks]" in text
    code, _, err = run(
        "new",
        "Ceasefire talks resume in Istanbul",
        "--category",
        "Diplomacy",
        "--author",
        "jane-doe",
        "-s",
        str(root),
    )
    assert code == 1 and "already exists" in err
    code, _, err = run(
        "new", "Other", "--category", "Diplomacy", "--author", "ghost", "-s", str(root)
    )
    assert code == 1 and "jane-doe" in err


def test_new_article_builds_once_published(make_site, tmp_path: Path) -> None:
    root = make_site({"content/authors/jane-doe.md": AUTHOR})
    code, _, _ = run(
        "new", "Fresh story", "--category", "Tech", "--author", "jane-doe", "-s", str(root)
    )
    assert code == 0
    code, _, err = run("build", "-s", str(root), "-o", str(tmp_path / "o"), "--drafts", "--future")
    assert code == 0, err
    assert (tmp_path / "o/tech/fresh-story/index.html").is_file()


def test_check_reports_without_writing(make_site, tmp_path: Path) -> None:
    root = make_site(
        {
            "content/authors/jane-doe.md": AUTHOR,
            "content/articles/a.md": article(
                "A", body="See [gone](/no/such/page/) and ![](/images/missing.png).\n"
            ),
        }
    )
    code, out, err = run("check", "-s", str(root))
    assert code == 0
    assert "links to /no/such/page/, but the site has no such page" in err
    assert "image /images/missing.png is not in static/" in err
    assert not (root / "output").exists()
    code, out, _ = run("check", "-s", str(root), "--strict", "--format", "github")
    assert code == 1
    assert re.search(
        r"^::error file=content/articles/a\.md,line=7::links to /no/such/page/", out, re.M
    )
    code, out, _ = run("check", "-s", str(root), "--format", "json")
    import json

    report = json.loads(out)
    assert report["errors"] == [] and len(report["warnings"]) >= 2


def test_check_warns_about_fragments_and_empty_bodies(make_site) -> None:
    root = make_site(
        {
            "content/authors/jane-doe.md": AUTHOR,
            "content/articles/a.md": article(
                "A", body="## Background\n\nSee [b](b.md#nowhere) and [here](#background).\n"
            ),
            "content/articles/b.md": article("B", body=""),
        }
    )
    code, _, err = run("check", "-s", str(root))
    assert code == 0
    assert (
        "content/articles/a.md:9: warning: links to b.md#nowhere, but content/articles/b.md has no heading or element with id 'nowhere'"
        in err
    )
    assert "#background" not in err
    assert "content/articles/b.md:7: warning: the article has no body" in err


def test_a_disk_that_refuses_a_write_is_a_message_not_a_traceback(
    make_site, tmp_path: Path, monkeypatch
) -> None:
    root = _one_story(make_site)
    out = tmp_path / "o"
    assert run("build", "-s", str(root), "-o", str(out))[0] == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def full(self: Stage, rel: str, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(self.target(rel)))

    monkeypatch.setattr(Stage, "write", full)
    (root / "content/articles/a.md").write_text(article("A story, retold"), encoding="utf-8")
    code, _, err = run("build", "-s", str(root), "-o", str(out))
    assert code == 1
    assert "Traceback" not in err
    assert re.search(r"\.o\.staging-\d+/.*: No space left on device; make room on the disk", err)
    assert "the previous output was left untouched" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_helper_that_could_not_write_the_search_records_fails_the_build_cleanly(
    make_site, tmp_path: Path, monkeypatch
) -> None:
    """The records of a cold build are written by a helper process (file_writer.py); its
    failure reaches the command line through the search indexer's threads."""
    from sitegen.output.file_writer import FileWriter

    root = _one_story(make_site)

    def refused(self: FileWriter, batch: int) -> None:
        raise OSError(errno.EROFS, "Read-only file system", "/srv/site/.o.work-x/in/a.html")

    monkeypatch.setattr(FileWriter, "wait", refused)
    code, _, err = run("build", "-s", str(root), "-o", str(tmp_path / "o"))
    assert code == 1 and "Traceback" not in err
    assert "/srv/site/.o.work-x/in/a.html: Read-only file system; make the folder writable" in err
    assert not (tmp_path / "o").exists()


def test_a_cache_that_cannot_be_saved_is_a_warning_and_the_next_build_starts_afresh(
    make_site, tmp_path: Path, monkeypatch
) -> None:
    from sitegen.incremental.state import BuildState

    root = _one_story(make_site)
    out = tmp_path / "o"
    real_save = BuildState.save

    def full(self: BuildState, *args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(BuildState, "save", full)
    code, _, err = run("build", "-s", str(root), "-o", str(out))
    assert code == 0
    assert "the build cache could not be saved (No space left on device)" in err
    assert (out / "index.html").is_file()
    monkeypatch.setattr(BuildState, "save", real_save)
    code, stdout, _ = run("build", "-s", str(root), "-o", str(out))
    assert code == 0 and "(0 unchanged)" in stdout
