"""`sitegen serve` as a real subprocess on a free port, talked to over HTTP: pages, folder indexes
and 404s, traversal refused, edits and template changes shown, a broken file shown as an error
page until it is fixed, one rebuild per burst of saves, a taken port and Ctrl-C."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sitegen.errors import ContentError
from sitegen.serve import addresses
from sitegen.serve import server as devserver

SECRET = "SECRET-CONFIG-LINE-7f3a"
"""In sitegen.toml, outside the preview folder: no response may ever contain it."""

_HEAD = '<!doctype html><html><head><meta charset="utf-8"><title>{{ meta.title }}</title>'
_HEAD += '<link rel="canonical" href="{{ meta.canonical }}">'
_HEAD += '<link rel="stylesheet" href="/css/test.css"></head><body>'
TEMPLATES = {
    # A minimal theme of the site's own, so that these tests depend neither on the bundled
    # theme's markup nor on its files changing (they would be watched, and rebuild).
    "index.html": _HEAD + "<h1>Front page</h1></body></html>\n",
    "article.html": _HEAD
    + '<h1>{{ article.title }}</h1><div class="body">{{ article.body_html|safe }}</div>'
    + "</body></html>\n",
    "list.html": _HEAD + "<h1>{{ title }}</h1></body></html>\n",
    "archives.html": _HEAD + "<h1>Archives</h1></body></html>\n",
    "page.html": _HEAD + "<h1>{{ page.title }}</h1>{{ page.body_html|safe }}</body></html>\n",
    "404.html": _HEAD + "<h1>Nothing here (site 404 page)</h1></body></html>\n",
}


def article(title: str, slug: str, category: str, body: str, extra: str = "") -> str:
    return (
        f"---\ntitle: {title}\ndate: 2025-05-10 09:00\nslug: {slug}\nauthor: jane\n"
        f"category: {category}\n{extra}---\n{body}\n"
    )


BUDGET = "content/articles/politics/budget.md"
SITE_FILES = {
    "sitegen.toml": (
        f'title = "Serve Test"\nbase_url = "https://news.example/"\ntheme = "plain"\n# {SECRET}\n'
    ),
    "content/authors/jane.md": "---\nname: Jane Doe\n---\nJane reports.\n",
    BUDGET: article("Budget passes", "budget-passes", "Politics", "The budget passed today."),
    "content/articles/culture/festival.md": article(
        "Festival opens", "festival-opens", "Culture", "The festival opened."
    ),
    "content/articles/politics/draft.md": article(
        "Draft story", "draft-story", "Politics", "Not ready.", "draft: true\n"
    ),
    "content/articles/culture/future.md": article(
        "Future story", "future-story", "Culture", "Embargoed.", ""
    ).replace("2025-05-10", "2099-01-01"),
    "content/pages/about.md": "---\ntitle: About us\n---\nWe are a newsroom.\n",
    "static/css/test.css": "h1 { color: rgb(1, 2, 3); }\n",
    **{f"themes/plain/templates/{name}": text for name, text in TEMPLATES.items()},
}
BUDGET_URL = "/politics/budget-passes/"
ARTICLE_TEMPLATE = "themes/plain/templates/article.html"
# Plain `python -m sitegen`: serve restores Ctrl-C itself, even when started (like pytest in
# the background of a non-interactive shell) with SIGINT ignored.
SITEGEN = [sys.executable, "-m", "sitegen"]


def write_site(root: Path, files: dict[str, str] = SITE_FILES) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    """A running `sitegen serve` and what it printed so far."""

    def __init__(self, site: Path, port: int, *args: str) -> None:
        self.site = site
        self.port = port
        self.proc = subprocess.Popen(
            [*SITEGEN, "serve", "--source", str(site), "--port", str(port), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.err), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: object, lines: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.append(line.rstrip("\n"))

    @property
    def stdout(self) -> str:
        return "\n".join(self.out)

    @property
    def stderr(self) -> str:
        return "\n".join(self.err)

    def wait_until_serving(self, timeout: float = 60) -> None:
        self.wait_for(lambda: any("Serving the preview at" in line for line in self.out), timeout)

    def wait_for(self, ready: Callable[[], bool], timeout: float = 10, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            if self.proc.poll() is not None:
                time.sleep(0.2)  # let the readers catch up
                pytest.fail(f"sitegen serve exited ({self.proc.returncode}):\n{self.stderr}")
            time.sleep(0.05)
        pytest.fail(f"timed out waiting {what}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}")

    def get(self, path: str, accept: str = "") -> tuple[int, str]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}")
        if accept:
            request.add_header("Accept", accept)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def raw_get(self, raw_path: str) -> tuple[int, str, str]:
        """Status, body and Location for the path exactly as written (no client normalises
        its dots or escapes)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.putrequest("GET", raw_path, skip_accept_encoding=True)
            connection.endheaders()
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
            return response.status, body, response.getheader("Location") or ""
        finally:
            connection.close()

    def wait_for_page(self, path: str, text: str, status: int = 200, timeout: float = 10) -> str:
        seen: list[tuple[int, str]] = []

        def shows() -> bool:
            seen[:] = [self.get(path)]
            return seen[0][0] == status and text in seen[0][1]

        self.wait_for(shows, timeout, f"for {text!r} at {path}")
        return seen[0][1]

    def rebuilds(self) -> int:
        return sum(1 for line in self.out if line.startswith("Rebuilt "))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for reader in self._readers:
            reader.join(timeout=5)


def start_served(site: Path, *args: str) -> Served:
    served = Served(site, free_port(), *args)
    try:
        served.wait_until_serving()
    except BaseException:
        served.stop()
        raise
    return served


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site")


@pytest.fixture
def served(site: Path) -> Iterator[Served]:
    running = start_served(site)
    try:
        yield running
    finally:
        running.stop()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# Over HTTP ---------------------------------------------------------------------------------


def test_serves_pages_and_folder_indexes_with_the_local_base_url(served: Served) -> None:
    status, body = served.get(BUDGET_URL)
    assert status == 200
    assert "<h1>Budget passes</h1>" in body and "The budget passed today." in body
    assert f'href="http://127.0.0.1:{served.port}{BUDGET_URL}"' in body  # not news.example
    assert "livereload.js" in body  # the reload script is injected
    assert served.get("/")[0] == 200
    assert served.get("/about/") == served.get("/about/index.html")
    status, body = served.get("/about")  # redirected to /about/
    assert status == 200 and "We are a newsroom." in body
    assert served.get("/css/test.css") == (200, "h1 { color: rgb(1, 2, 3); }\n")
    assert (served.site / ".preview" / str(served.port) / "index.html").is_file()
    assert not (served.site / "output").exists()


def test_missing_paths_get_the_sites_404_page(served: Served) -> None:
    for path in ("/no/such/page/", "/nothing.html", "/css/missing.css"):
        status, body = served.get(path)
        assert status == 404
        assert "Nothing here (site 404 page)" in body


def test_nothing_outside_the_preview_folder_can_be_reached(served: Served) -> None:
    preview = devserver.preview_folder(served.site, served.port)
    (preview.parent / "9999").mkdir()  # another port's preview
    (preview.parent / "9999" / "other.html").write_text(SECRET, encoding="utf-8")
    (preview / "leak.txt").symlink_to(served.site / "sitegen.toml")
    (preview / "leakdir").symlink_to(served.site)
    (preview / "politics" / "up").symlink_to(Path("..") / "..")
    attempts = [
        "/../sitegen.toml",
        "/%2e%2e/sitegen.toml",
        "/%2E%2E/sitegen.toml",
        "/..%2fsitegen.toml",
        "/..%2Fsitegen.toml",
        "/%2e%2e%2fsitegen.toml",
        "/css/..%2f..%2fsitegen.toml",
        "/politics/../../sitegen.toml",
        "/..\\sitegen.toml",
        "/%5c..%5csitegen.toml",
        "/leak.txt",
        "/leakdir/sitegen.toml",
        "/leakdir/",
        "/politics/up/sitegen.toml",
        "/%00",
        "//sitegen.toml",
        "/../9999/other.html",
        "/%2e%2e/9999/other.html",
    ]
    for path in attempts:
        status, body, _ = served.raw_get(path)
        assert status in (400, 403, 404), path
        assert SECRET not in body, path
    status, _, location = served.raw_get("//politics")
    assert (status, location) == (302, "/politics/")  # not "//politics/", the host "politics"


def test_drafts_and_future_articles_are_in_the_preview_by_default(served: Served) -> None:
    assert served.get("/politics/draft-story/")[0] == 200
    assert served.get("/culture/future-story/")[0] == 200


def test_no_drafts_and_no_future_leave_them_out(site: Path) -> None:
    served = start_served(site, "--no-drafts", "--no-future")
    try:
        assert served.get("/politics/draft-story/")[0] == 404
        assert served.get("/culture/future-story/")[0] == 404
        assert served.get(BUDGET_URL)[0] == 200
    finally:
        served.stop()


# Rebuilding -----------------------------------------------------------------------------------


def test_an_edited_article_shows_its_new_text(served: Served) -> None:
    _edited(served)


def test_an_edited_article_shows_its_new_text_when_polling(site: Path) -> None:
    served = start_served(site, "--poll")
    try:
        _edited(served)
    finally:
        served.stop()


def _edited(served: Served) -> None:
    edit(served.site / BUDGET, "The budget passed today.", "The budget passed by 3 votes.")
    served.wait_for_page(BUDGET_URL, "The budget passed by 3 votes.")
    served.wait_for(lambda: served.rebuilds() == 1, 10, "for the rebuild line")
    assert f"after changes to {BUDGET}" in served.stdout


def test_a_template_change_needs_no_restart(served: Served) -> None:
    edit(served.site / ARTICLE_TEMPLATE, "<h1>", '<h1 class="headline">')
    served.wait_for_page(BUDGET_URL, '<h1 class="headline">Budget passes</h1>')


def test_a_new_site_template_overrides_the_theme(served: Served) -> None:
    (served.site / "templates").mkdir()
    text = TEMPLATES["article.html"].replace("<h1>", '<h1 class="override">')
    (served.site / "templates/article.html").write_text(text, encoding="utf-8")
    served.wait_for_page(BUDGET_URL, '<h1 class="override">Budget passes</h1>')


def test_a_new_article_appears(served: Served) -> None:
    (served.site / "content/articles/politics/new.md").write_text(
        article("Late vote", "late-vote", "Politics", "A late vote."), encoding="utf-8"
    )
    served.wait_for_page("/politics/late-vote/", "A late vote.")


def test_a_broken_file_shows_the_error_page_until_it_is_fixed(served: Served) -> None:
    path = served.site / BUDGET
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("2025-05-10 09:00", '"<b>soon</b>"'), encoding="utf-8")

    body = served.wait_for_page(BUDGET_URL, "could not be rebuilt", status=500)
    assert f"{BUDGET}:3" in body  # file and line of `date:`
    assert "`date` is not a valid date" in body
    assert "&lt;b&gt;soon&lt;/b&gt;" in body and "<b>soon</b>" not in body  # escaped
    assert "livereload.js" in body  # so that the fix reloads the page by itself
    assert served.get("/", accept="text/html")[0] == 500
    assert served.get("/css/test.css")[0] == 200  # the last good build is still served
    assert (
        served.site / ".preview" / str(served.port) / "politics/budget-passes/index.html"
    ).is_file()
    assert f"{BUDGET}:3" in served.stderr
    assert served.proc.poll() is None

    path.write_text(good.replace("The budget passed today.", "Back again."), encoding="utf-8")
    served.wait_for_page(BUDGET_URL, "Back again.")


def test_a_broken_template_shows_the_error_page(served: Served) -> None:
    edit(served.site / ARTICLE_TEMPLATE, "{{ article.title }}", "{{ article.titel }}")
    body = served.wait_for_page(BUDGET_URL, "could not be rebuilt", status=500)
    assert f"{ARTICLE_TEMPLATE}:1" in body
    edit(served.site / ARTICLE_TEMPLATE, "{{ article.titel }}", "{{ article.title }}")
    served.wait_for_page(BUDGET_URL, "<h1>Budget passes</h1>")


@pytest.mark.parametrize("how", ["file events", "--poll"])
def test_a_burst_of_saves_gives_one_rebuild(site: Path, how: str) -> None:
    served = start_served(site, *(["--poll"] if how == "--poll" else []))
    try:
        _burst(served)
    finally:
        served.stop()


def _burst(served: Served) -> None:
    folder = served.site / "content/articles/politics"
    for i in range(10):
        text = article(f"Burst {i}", f"burst-{i}", "Politics", f"Burst body {i}.")
        (folder / f"burst-{i}.md").write_text(text, encoding="utf-8")
        time.sleep(0.02)
    served.wait_for(lambda: served.rebuilds() >= 1, 10, "for the rebuild")
    time.sleep(2)  # time for any further (wrong) rebuilds to show up
    assert served.rebuilds() == 1, served.stdout
    assert "and 9 more" in served.stdout
    for i in range(10):
        assert served.get(f"/politics/burst-{i}/")[0] == 200


def test_the_preview_folder_is_not_watched(served: Served) -> None:
    (served.site / ".preview" / str(served.port) / "touched.txt").write_text("x", encoding="utf-8")
    (served.site / ".preview" / "touched.txt").write_text("x", encoding="utf-8")
    (served.site / "notes.txt").write_text("x", encoding="utf-8")  # not a source either
    time.sleep(1.5)
    assert served.rebuilds() == 0


# Starting and stopping --------------------------------------------------------------------------


def test_a_taken_port_is_a_clear_error(site: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "sitegen", "serve", "-s", str(site), "--port", str(port)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"port {port} is already in use" in result.stderr
    assert re.search(r"sitegen serve --port \d+", result.stderr)
    assert "Traceback" not in result.stderr
    assert not (site / ".preview").exists()  # it failed before building


def test_ctrl_c_stops_cleanly(served: Served) -> None:
    assert served.get(BUDGET_URL)[0] == 200
    served.proc.send_signal(signal.SIGINT)
    assert served.proc.wait(timeout=15) == 0
    served.stop()
    assert "Traceback" not in served.stderr
    assert "Stopped the preview server." in served.stdout


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_stops_cleanly_when_started_with_sigint_ignored(site: Path, stop: signal.Signals) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [*SITEGEN, "serve", "--source", str(site), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "Stopped the preview server." in out


def test_ctrl_c_with_a_broken_site_stops_cleanly(served: Served) -> None:
    edit(served.site / BUDGET, "title: Budget passes\n", "title: [unclosed\n")
    served.wait_for_page(BUDGET_URL, "could not be rebuilt", status=500)
    served.proc.send_signal(signal.SIGINT)
    assert served.proc.wait(timeout=15) == 0
    served.stop()
    assert "Traceback" not in served.stderr


def test_a_host_reachable_from_the_network_is_warned_about(site: Path) -> None:
    served = start_served(site, "--host", "0.0.0.0")
    try:
        assert "reachable from other machines" in served.stderr
        status, body = served.get(BUDGET_URL)
        assert status == 200 and f"http://127.0.0.1:{served.port}{BUDGET_URL}" in body
    finally:
        served.stop()


def test_loopback_serving_gives_no_warning(served: Served) -> None:
    assert "reachable from other machines" not in served.stderr


# The pieces, in process -------------------------------------------------------------------------


def test_error_page_escapes_and_names_file_and_line() -> None:
    error = ContentError("content/a.md", 7, "bad <script>alert(1)</script> & more")
    page = devserver.error_page(devserver.BuildReport(None, (error,)))
    assert "content/a.md:7" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    assert "<script>" not in page
    assert "</head>" in page  # where livereload injects its script


def test_local_url_and_loopback() -> None:
    assert addresses.local_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert addresses.local_url("0.0.0.0", 9000) == "http://127.0.0.1:9000/"
    assert addresses.local_url("::1", 8000) == "http://[::1]:8000/"
    assert addresses.is_loopback("127.0.0.1") and addresses.is_loopback("localhost")
    assert addresses.is_loopback("::1")
    assert not addresses.is_loopback("0.0.0.0") and not addresses.is_loopback("192.168.1.4")


def test_watched_paths_leave_out_the_preview_and_output(tmp_path: Path) -> None:
    paths = devserver.watched_paths(tmp_path, "default")
    assert tmp_path / "content" in paths and tmp_path / "sitegen.toml" in paths
    assert tmp_path / "templates" in paths and tmp_path / "themes" in paths
    assert any(p.parts[-3:-1] == ("themes", "default") for p in paths)  # the bundled theme
    for path in paths:
        assert ".preview" not in path.parts and "output" not in path.parts


def test_a_preview_started_on_a_new_port_mirrors_its_spare_before_serving(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new port has a preview folder of its own, so its first build writes every page; the
    spare it leaves is made the new output in hard links before the server announces itself,
    so the first save does not have to relink every page."""
    monkeypatch.setattr(devserver, "MIRROR_AFTER", 0)
    builds: list[devserver.BuildReport] = []
    port = free_port()
    devserver._Preview(devserver.ServeRequest(site, port=free_port()), builds.append).rebuild(())
    preview = devserver._Preview(devserver.ServeRequest(site, port=port), builds.append)
    preview.rebuild(())
    assert [b.ok for b in builds] == [True, True]
    assert preview._mirror is None, "no mirror left running"
    output = devserver.preview_folder(site, port)
    spare = output.parent / f".{output.name}.spare"
    files = [p.relative_to(output) for p in output.rglob("*") if p.is_file()]
    assert files
    for rel in files:
        assert os.path.samefile(output / rel, spare / rel), rel
