"""sitegen.model.urls: permalinks under a base path, output files, absolute URLs."""

from __future__ import annotations

from datetime import datetime

import pytest

from sitegen.load.config import PermalinkConfig
from sitegen.model.urls import Urls, page_url

WHEN = datetime(2025, 5, 2, 9, 30)


@pytest.fixture
def urls() -> Urls:
    return Urls(PermalinkConfig(), "https://x.example/news/")


def test_base_path(urls: Urls) -> None:
    assert urls.base_path == "/news"
    assert Urls(PermalinkConfig(), "https://x.example/").base_path == ""
    assert Urls(PermalinkConfig(), "https://x.example").base_path == ""


def test_urls_carry_the_base_path(urls: Urls) -> None:
    assert urls.home() == "/news/"
    assert urls.article("talks", "politics", WHEN) == "/news/politics/talks/"
    assert urls.category("economy") == "/news/category/economy/"
    assert urls.tag("budget") == "/news/tag/budget/"
    assert urls.author("jane-doe") == "/news/author/jane-doe/"
    assert urls.page("about") == "/news/about/"
    assert urls.archive(2025, 5) == "/news/archive/2025/05/"
    assert urls.archives() == "/news/archive/"
    assert urls.special("/404.html") == "/news/404.html"


def test_dated_article_pattern(urls: Urls) -> None:
    dated = Urls(PermalinkConfig(article="/{year}/{month}/{day}/{slug}/"), urls.base_url)
    assert dated.article("talks", "politics", WHEN) == "/news/2025/05/02/talks/"


def test_urls_at_the_domain_root() -> None:
    root = Urls(PermalinkConfig(), "https://x.example/")
    assert root.home() == "/"
    assert root.article("talks", "politics", WHEN) == "/politics/talks/"
    assert root.output_path("/politics/talks/") == "politics/talks/index.html"


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/news/", "index.html"),
        ("/news/politics/talks/", "politics/talks/index.html"),
        ("/news/category/economy/page/2/", "category/economy/page/2/index.html"),
        ("/news/404.html", "404.html"),
        ("/news/feed.xml", "feed.xml"),
    ],
)
def test_output_path_strips_the_base_path(urls: Urls, url: str, path: str) -> None:
    assert urls.output_path(url) == path


def test_output_path_only_strips_a_whole_segment(urls: Urls) -> None:
    assert urls.output_path("/newsletter/") == "newsletter/index.html"


def test_absolute_adds_scheme_and_host(urls: Urls) -> None:
    assert urls.absolute("/news/politics/talks/") == "https://x.example/news/politics/talks/"
    assert urls.absolute(urls.home()) == "https://x.example/news/"


def test_absolute_percent_encodes_non_ascii(urls: Urls) -> None:
    assert urls.absolute("/news/politics/café/") == "https://x.example/news/politics/caf%C3%A9/"
    assert urls.absolute("/news/москва/") == (
        "https://x.example/news/%D0%BC%D0%BE%D1%81%D0%BA%D0%B2%D0%B0/"
    )
    assert urls.absolute("/news/a b/") == "https://x.example/news/a%20b/"


def test_absolute_keeps_query_fragment_and_existing_escapes(urls: Urls) -> None:
    assert urls.absolute("/news/x/?q=1&p=2#top") == "https://x.example/news/x/?q=1&p=2#top"
    assert urls.absolute("/news/caf%C3%A9/") == "https://x.example/news/caf%C3%A9/"


def test_absolute_leaves_absolute_urls(urls: Urls) -> None:
    assert urls.absolute("https://other.example/x") == "https://other.example/x"


def test_page_url() -> None:
    assert page_url("/news/politics/", 1) == "/news/politics/"
    assert page_url("/news/politics/", 3) == "/news/politics/page/3/"
