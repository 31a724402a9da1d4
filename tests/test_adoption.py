"""Guard rails for a newsroom's first builds: a folder that is not a site, a production build
with no public address, and GitHub annotations from `build` as well as `check`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli.annotations import github_annotation, repository_path
from sitegen.cli.main import main
from sitegen.errors import ContentError
from tests.conftest import AUTHOR, FIXED_NOW, article, write_site

PUBLIC = 'title = "Courier"\nbase_url = "https://news.example.org/"\n'


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args, "--now", FIXED_NOW])
    return result.exit_code, result.stdout, result.stderr


def one_story(root: Path, settings: str = PUBLIC, body: str = "Body text.\n") -> Path:
    files = {
        "content/authors/jane-doe.md": AUTHOR,
        "content/articles/a.md": article("A", body=body),
    }
    if settings:
        files["sitegen.toml"] = settings
    return write_site(root, files)


@pytest.mark.parametrize("command", ["build", "check"])
def test_a_folder_without_a_site_is_refused_with_advice(tmp_path: Path, command: str) -> None:
    code, out, err = run(command, "-s", str(tmp_path))
    assert code == 1
    assert "Traceback" not in out + err
    assert f"no sitegen.toml and no content/ folder in {tmp_path}" in err
    assert "sitegen init" in err
    assert not (tmp_path / "output").exists()


def test_building_from_inside_content_is_refused(tmp_path: Path) -> None:
    root = one_story(tmp_path / "site")
    code, _, err = run("build", "-s", str(root / "content"))
    assert code == 1 and "this is not a sitegen site" in err
    assert not (root / "content" / "output").exists()


@pytest.mark.parametrize("command", ["build", "check"])
def test_no_base_url_is_an_error_reported_with_the_others(tmp_path: Path, command: str) -> None:
    root = one_story(tmp_path / "site", settings='title = "Courier"\n')
    write_site(root, {"content/articles/b.md": article("B", author="nobody")})
    code, out, err = run(command, "-s", str(root), "-o", str(tmp_path / "out"))
    assert code == 1, out + err
    assert "sitegen.toml sets no `base_url`, so links would point at http://localhost:8000/" in err
    assert "content/articles/b.md:4: author 'nobody' has no profile" in err  # reported too
    assert not (tmp_path / "out").exists()


def test_a_local_base_url_in_the_settings_names_its_line(tmp_path: Path) -> None:
    root = one_story(tmp_path / "site", 'title = "C"\nbase_url = "http://127.0.0.1:8000/"\n')
    code, _, err = run("build", "-s", str(root), "-o", str(tmp_path / "out"))
    assert code == 1
    assert "sitegen.toml:2: `base_url` is http://127.0.0.1:8000/, an address on this machine" in err


def test_base_url_from_the_command_line_builds_even_a_local_copy(tmp_path: Path) -> None:
    root = one_story(tmp_path / "site", settings="")
    for url, out in (("https://news.example.org/", "o1"), ("http://localhost:9000/", "o2")):
        code, _, err = run("build", "-s", str(root), "-o", str(tmp_path / out), "--base-url", url)
        assert code == 0, err
        assert url in (tmp_path / out / "sitemap.xml").read_text()


def test_a_public_base_url_leaves_no_localhost_anywhere(tmp_path: Path) -> None:
    root = one_story(tmp_path / "site")
    code, _, err = run("build", "-s", str(root), "-o", str(tmp_path / "out"))
    assert code == 0, err
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert len(files) > 10
    for path in files:
        assert b"localhost" not in path.read_bytes(), path


def test_build_annotates_errors_for_github_from_the_repository_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    root = one_story(repo / "newsroom" / "site")
    write_site(root, {"content/articles/b.md": article("B", author="nobody")})
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    code, out, err = run("build", "-s", str(root), "--format", "github")
    assert code == 1
    assert "::error file=newsroom/site/content/articles/b.md,line=4::author 'nobody'" in out
    assert "content/articles/b.md:4: author 'nobody' has no profile" in err  # text stays


def test_build_annotates_warnings_and_strict_makes_them_errors(tmp_path: Path) -> None:
    root = one_story(tmp_path / "site", body="See [x](/nowhere/).\n")
    code, out, _ = run("build", "-s", str(root), "-o", str(tmp_path / "o"), "--format", "github")
    assert code == 0
    assert "::warning file=content/articles/a.md,line=" in out
    code, out, _ = run(
        "build", "-s", str(root), "-o", str(tmp_path / "o"), "--format", "github", "--strict"
    )
    assert code == 1
    assert "::error file=content/articles/a.md,line=" in out


def test_check_annotations_use_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = one_story(tmp_path / "ws" / "site")
    write_site(root, {"content/articles/b.md": article("B", author="nobody")})
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "ws"))
    code, out, _ = run("check", "-s", str(root), "--format", "github")
    assert code == 1
    assert "::error file=site/content/articles/b.md,line=4::" in out


def test_annotation_escapes_what_github_would_misread(tmp_path: Path) -> None:
    problem = ContentError("content/a,b:c.md", 3, "100% wrong\nsecond line")
    line = github_annotation(problem, "error", tmp_path)
    assert line == "::error file=content/a%2Cb%3Ac.md,line=3::100%25 wrong%0Asecond line"
    assert repository_path("/elsewhere/x.md", tmp_path) == "/elsewhere/x.md"


def test_a_build_with_nothing_to_do_repeats_the_warnings(tmp_path: Path) -> None:
    root = one_story(tmp_path / "site", body="See [x](/nowhere/).\n")
    first = run("build", "-s", str(root), "-o", str(tmp_path / "o"), "-v")
    second = run("build", "-s", str(root), "-o", str(tmp_path / "o"), "-v")
    assert first[0] == second[0] == 0
    assert "links to /nowhere/" in first[2] and "links to /nowhere/" in second[2]
    assert "render" not in second[1], "the second build took the no-change shortcut"
