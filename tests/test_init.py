"""`sitegen init`: a new publication that checks, builds and serves as it is, with prompts,
refusals, validation, escaping, and CI workflows that parse and do the steps in order."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml
from click.testing import CliRunner, Result

from sitegen import __version__
from sitegen.cli.main import main
from sitegen.load.config import load_config
from tests.conftest import FIXED_NOW
from tests.test_serve import start_served

FLAGS = (
    "--base-url",
    "https://news.example/",
    "--language",
    "en-GB",
    "--timezone",
    "Europe/Berlin",
)
STARTED = (
    "2026-06-15T10:00:00+00:00"  # two hours before FIXED_NOW: published, and in the news sitemap
)
WELCOME = "content/articles/news/welcome.md"
PAGES = ("about", "contact", "privacy-policy")
SITE_FILES = {
    ".github/workflows/sitegen.yml",
    ".gitignore",
    ".gitlab-ci.yml",
    "README.md",
    WELCOME,
    "content/authors/editor.md",
    *(f"content/pages/{name}.md" for name in PAGES),
    "sitegen.toml",
    "static/images/logo.svg",
}


def init(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, ["init", *args, "--now", STARTED], input=input)


def made(site: Path, title: str = "The Courier") -> Path:
    result = init(str(site), "--title", title, *FLAGS, "--yes")
    assert result.exit_code == 0, result.output + result.stderr
    return site


def files_in(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def front_matter(path: Path) -> dict[str, Any]:
    _, front, _ = path.read_text(encoding="utf-8").split("---\n", 2)
    meta = yaml.safe_load(front)
    assert isinstance(meta, dict)
    return meta


def test_a_new_site_checks_builds_and_has_every_page_feed_and_search(tmp_path: Path) -> None:
    site = tmp_path / "courier"
    result = init(str(site), "--title", "The Courier", *FLAGS, "--yes")
    assert result.exit_code == 0, result.output + result.stderr
    assert files_in(site) == SITE_FILES
    assert all(f"  {rel}\n" in result.output for rel in SITE_FILES)
    assert f"Wrote {len(SITE_FILES)} files" in result.output and "Skipped" not in result.output

    checked = CliRunner().invoke(main, ["check", "-s", str(site), "--strict", "--now", FIXED_NOW])
    assert checked.exit_code == 0, checked.output + checked.stderr
    assert "0 warning(s)" in checked.output

    built = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--strict", "--now", FIXED_NOW, "-j", "1"],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    assert "warning" not in built.stderr
    out = site / "output"
    pages = ["index.html", "news/welcome/index.html", "category/news/index.html"]
    pages += ["author/editor/index.html", *(f"{name}/index.html" for name in PAGES)]
    feeds = ["feed.xml", "atom.xml", "sitemap.xml", "news-sitemap.xml", "robots.txt"]
    for rel in pages + feeds + ["search/index.html", "pagefind/index.json"]:
        assert (out / rel).is_file(), rel
    assert any(p.is_dir() for p in (out / "pagefind").iterdir()), "a search index shard"
    assert "https://news.example/news/welcome/" in (out / "news-sitemap.xml").read_text("utf-8")
    assert "Welcome to The Courier" in (out / "feed.xml").read_text("utf-8")
    local = [p for p in out.rglob("*") if p.is_file() and b"localhost" in p.read_bytes()]
    assert local == []


def test_the_welcome_story_is_published_with_real_front_matter(tmp_path: Path) -> None:
    site = made(tmp_path / "s")
    meta = front_matter(site / WELCOME)
    assert meta["title"] == "Welcome to The Courier"
    assert meta["date"].isoformat() == "2026-06-15T12:00:00", "now, in the site's zone (Berlin)"
    assert meta["author"] == "editor" and meta["category"] == "News"
    assert meta["tags"] and meta["summary"] and "draft" not in meta
    body = (site / WELCOME).read_text(encoding="utf-8").split("---\n", 2)[2]
    assert "Write the story here" not in body, "not `sitegen new`'s placeholder"
    for where in ("content/articles/", "content/authors/", "content/pages/", "static/"):
        assert where in body
    author = front_matter(site / "content/authors/editor.md")
    assert author["name"] and author["role"]
    for name in PAGES:
        page = front_matter(site / f"content/pages/{name}.md")
        assert set(page) == {"title", "summary"}
    ElementTree.fromstring((site / "static/images/logo.svg").read_text(encoding="utf-8"))
    for rel in SITE_FILES:
        text = (site / rel).read_text(encoding="utf-8")
        assert "$toml_" not in text and "$yaml_" not in text and "$md_" not in text, rel


def test_settings_hold_the_answers_and_the_menus(tmp_path: Path) -> None:
    site = made(tmp_path / "s")
    settings = tomllib.loads((site / "sitegen.toml").read_text(encoding="utf-8"))
    assert settings["title"] == "The Courier" and settings["tagline"] and settings["description"]
    assert settings["base_url"] == "https://news.example/"
    assert (settings["language"], settings["timezone"]) == ("en-GB", "Europe/Berlin")
    assert settings["menu"]["main"] == [{"section": "news"}]
    assert [e["page"] for e in settings["menu"]["footer"]] == list(PAGES)
    config = load_config(site)
    assert config.logo == "/images/logo.svg" and (site / "static" / config.logo[1:]).is_file()


def test_the_readme_and_gitignore_cover_previewing_building_and_deploying(tmp_path: Path) -> None:
    site = made(tmp_path / "s")
    readme = (site / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# The Courier\n")
    for text in ("sitegen serve", "sitegen build", f"sitegen-newsroom=={__version__}", "Pages"):
        assert text in readme
    ignored = (site / ".gitignore").read_text(encoding="utf-8").splitlines()
    for line in ("/output/", "/.output.*", "/.preview/", "/..preview.*", "/.sitegen-cache/"):
        assert line in ignored


def test_quotes_colons_and_markdown_in_the_title_survive_toml_and_yaml(tmp_path: Path) -> None:
    title = 'The "Daily": News # 1 \\ *Café* [x]'
    site = made(tmp_path / "s", title)
    assert tomllib.loads((site / "sitegen.toml").read_text("utf-8"))["title"] == title
    assert load_config(site).title == title
    assert front_matter(site / WELCOME)["title"] == f"Welcome to {title}"
    assert front_matter(site / "content/pages/about.md")["title"] == f"About {title}"
    checked = CliRunner().invoke(main, ["check", "-s", str(site), "--strict", "--now", FIXED_NOW])
    assert checked.exit_code == 0, checked.output + checked.stderr


def test_prompts_ask_for_what_the_flags_do_not_give(tmp_path: Path) -> None:
    site = tmp_path / "s"
    answers = "Le Quotidien\nhttps://quotidien.example\nfr\nEurope/Paris\n"
    result = init(str(site), input=answers)
    assert result.exit_code == 0, result.output + result.stderr
    for prompt in ("Title", "Address", "Language", "Time zone"):
        assert prompt in result.output
    settings = tomllib.loads((site / "sitegen.toml").read_text("utf-8"))
    assert settings["title"] == "Le Quotidien"
    assert settings["base_url"] == "https://quotidien.example/", "the slash is added"
    assert (settings["language"], settings["timezone"]) == ("fr", "Europe/Paris")


def test_a_prompt_asks_again_after_a_bad_answer_and_skips_given_flags(tmp_path: Path) -> None:
    site = tmp_path / "s"
    result = init(
        str(site), "--title", "T", "--language", "de", input="\nMars/Base\nEurope/Berlin\n"
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert "Title" not in result.output and "Language" not in result.output
    assert "'Mars/Base' is not an IANA time zone" in result.output
    settings = tomllib.loads((site / "sitegen.toml").read_text("utf-8"))
    assert settings["base_url"] == "https://example.com/", "the default on Enter"
    assert settings["timezone"] == "Europe/Berlin"


def test_yes_takes_the_defaults_and_says_to_set_the_address(tmp_path: Path) -> None:
    result = init(str(tmp_path / "s"), "--yes")
    assert result.exit_code == 0, result.output + result.stderr
    settings = tomllib.loads((tmp_path / "s/sitegen.toml").read_text("utf-8"))
    assert (settings["language"], settings["timezone"]) == ("en", "UTC")
    assert settings["title"] and settings["base_url"] == "https://example.com/"
    assert "set it in sitegen.toml" in result.stderr


def test_the_folder_defaults_to_here_and_may_hold_a_git_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    result = init("--yes")
    assert result.exit_code == 0, result.output + result.stderr
    assert (tmp_path / "sitegen.toml").is_file()
    assert "Next: sitegen serve" in result.output


def test_a_folder_that_is_not_empty_is_refused_without_force(tmp_path: Path) -> None:
    site = tmp_path / "s"
    site.mkdir()
    (site / "notes.txt").write_text("mine\n")
    result = init(str(site), "--yes")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "is not empty" in result.stderr and "--force" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert files_in(site) == {"notes.txt"}


def test_force_adds_the_starter_files_and_keeps_every_existing_one(tmp_path: Path) -> None:
    site = tmp_path / "s"
    kept = {
        "README.md": b"# My own readme\n",
        "content/pages/about.md": b"---\ntitle: Us\n---\nX\n",
    }
    for rel, data in kept.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)
    result = init(str(site), "--yes", "--force")
    assert result.exit_code == 0, result.output + result.stderr
    assert {rel: (site / rel).read_bytes() for rel in kept} == kept
    skipped = result.output.split("Skipped", 1)[1]
    assert "README.md" in skipped and "content/pages/about.md" in skipped
    assert f"Wrote {len(SITE_FILES) - 2} files" in result.output
    assert files_in(site) == SITE_FILES


def test_a_file_where_a_folder_goes_is_an_error_before_anything_is_written(tmp_path: Path) -> None:
    site = tmp_path / "s"
    site.mkdir()
    (site / "content").write_text("not a folder\n")
    result = init(str(site), "--yes", "--force")
    assert result.exit_code == 1 and "a file stands where its folder should be" in result.stderr
    assert files_in(site) == {"content"}


@pytest.mark.parametrize(
    ("args", "flag", "advice"),
    [
        (("--timezone", "Europe/Berln"), "--timezone", "did you mean 'Europe/Berlin'?"),
        (("--base-url", "news.example"), "--base-url", "https://news.example/"),
        (("--base-url", "ftp://news.example/"), "--base-url", "absolute http(s) address"),
        (("--language", "english"), "--language", "such as en, fr or pt-BR"),
        (("--title", "  "), "--title", "the title is empty"),
    ],
)
def test_bad_answers_name_the_flag_and_write_nothing(
    tmp_path: Path, args: tuple[str, ...], flag: str, advice: str
) -> None:
    site = tmp_path / "s"
    result = init(str(site), *args, "--yes")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"error: {flag}: " in result.stderr and advice in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert not site.exists()


def test_every_bad_flag_is_reported_at_once(tmp_path: Path) -> None:
    result = init(str(tmp_path / "s"), "--timezone", "Nowhere", "--base-url", "x", "--yes")
    assert result.exit_code == 1
    assert "--timezone" in result.stderr and "--base-url" in result.stderr


def test_a_local_address_is_written_with_a_warning(tmp_path: Path) -> None:
    result = init(str(tmp_path / "s"), "--base-url", "http://localhost:8000", "--yes")
    assert result.exit_code == 0
    assert "warning: base_url http://localhost:8000/ only reaches this machine" in result.stderr


def test_the_github_workflow_checks_builds_caches_and_deploys_in_order(tmp_path: Path) -> None:
    site = made(tmp_path / "s")
    workflow = yaml.safe_load((site / ".github/workflows/sitegen.yml").read_text("utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["branches"] == ["main"] and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"]["group"] == "pages"
    steps = workflow["jobs"]["build"]["steps"]

    def at(uses: str = "", run: str = "") -> int:
        found = [
            i
            for i, step in enumerate(steps)
            if (uses and step.get("uses", "").startswith(uses))
            or (run and run in step.get("run", ""))
        ]
        assert len(found) == 1, (uses, run, steps)
        return found[0]

    order = [
        at(uses="actions/checkout@v4"),
        at(uses="actions/setup-python@v5"),
        at(run=f"pip install sitegen-newsroom=={__version__}"),
        at(uses="actions/cache/restore@v4"),
        at(uses="actions/configure-pages@v5"),
        at(run="sitegen check --strict --format github"),
        at(run="sitegen build --strict --format github"),
        at(uses="actions/cache/save@v4"),
        at(uses="actions/upload-pages-artifact@v3"),
    ]
    assert order == sorted(order)
    python = steps[order[1]]["with"]
    assert python["python-version"] == "3.12" and python["cache"] == "pip"
    # Check and build at the address Pages serves the site at (custom domain or repo path).
    pages_url = '--base-url "${{ steps.pages.outputs.base_url }}/"'
    assert steps[order[4]]["id"] == "pages"
    assert pages_url in steps[order[5]]["run"] and pages_url in steps[order[6]]["run"]
    restore, save = steps[order[3]], steps[order[7]]
    assert restore["with"]["path"] == save["with"]["path"] == ".sitegen-cache"
    assert "${{ github.sha }}" in restore["with"]["key"] and restore["with"]["restore-keys"]
    assert save["with"]["key"] == restore["with"]["key"]
    assert "if" not in save, "saved only when the build succeeded"
    assert steps[order[8]]["with"]["path"] == "output"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages" and deploy["environment"]["url"]
    assert [s["uses"] for s in deploy["steps"]] == ["actions/deploy-pages@v4"]


def test_the_gitlab_pipeline_builds_pages_on_the_default_branch(tmp_path: Path) -> None:
    site = made(tmp_path / "s")
    pipeline = yaml.safe_load((site / ".gitlab-ci.yml").read_text("utf-8"))
    pages = pipeline["pages"]
    assert pages["image"] == "python:3.12"
    assert ".sitegen-cache/" in pages["cache"]["paths"]
    assert pages["script"] == [
        f"pip install sitegen-newsroom=={__version__}",
        'sitegen check --strict --base-url "$CI_PAGES_URL/"',
        'sitegen build --strict --base-url "$CI_PAGES_URL/" -o public',
    ]
    assert pages["artifacts"]["paths"] == ["public"]
    assert pages["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]


def test_serve_previews_a_new_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = made(tmp_path / "s")
    monkeypatch.setenv("SITEGEN_NOW", FIXED_NOW)
    served = start_served(site)
    try:
        status, body = served.get("/")
        assert status == 200 and "Welcome to The Courier" in body
    finally:
        served.stop()
