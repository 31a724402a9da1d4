"""sitegen.load.html_policy.embed_host: the host a browser loads an embed from, parsed as browsers
parse URLs (WHATWG), not as urllib does."""

from __future__ import annotations

import pytest

from sitegen.load.html_policy import embed_host


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://www.youtube-nocookie.com/embed/abc", "www.youtube-nocookie.com"),
        ("https://player.vimeo.com", "player.vimeo.com"),
        ("https://player.vimeo.com?x=1", "player.vimeo.com"),
        ("https://player.vimeo.com#t", "player.vimeo.com"),
        ("https://player.vimeo.com:443/video/1", "player.vimeo.com"),
        ("HTTPS://Player.Vimeo.COM/video/1", "player.vimeo.com"),
        ("  https://player.vimeo.com/video/1\n", "player.vimeo.com"),
        ("ht\ttps://player.vi\nmeo.com/video/1", "player.vimeo.com"),
        ("https://player%2evimeo%2Ecom/video/1", "player.vimeo.com"),
        # A backslash ends the host, as a slash does: the browser loads evil.example.
        ("https://evil.example\\@www.youtube-nocookie.com/embed/x", "evil.example"),
        ("https:\\\\evil.example/x", "evil.example"),
        ("https:/\\evil.example/x", "evil.example"),
        ("https:///evil.example/x", "evil.example"),
        ("https://evil.example?@www.youtube-nocookie.com/", "evil.example"),
        ("https://evil.example#@www.youtube-nocookie.com/", "evil.example"),
        # Not the same host, though DNS may agree: left for the allow-list to refuse.
        ("https://player.vimeo.com./video/1", "player.vimeo.com."),
    ],
)
def test_host_as_the_browser_sees_it(url: str, host: str) -> None:
    assert embed_host(url) == host


@pytest.mark.parametrize(
    "url",
    [
        "http://player.vimeo.com/video/1",
        "//player.vimeo.com/video/1",
        "/embed/x",
        "player.vimeo.com/video/1",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "https:player.vimeo.com/video/1",
        "https://user@player.vimeo.com/video/1",
        "https://evil.example@player.vimeo.com/video/1",
        "https://evil.example%40player.vimeo.com/video/1",
        "https://evil.example%2f@player.vimeo.com/",
        "https://evil.example%2fplayer.vimeo.com/",
        "https://player.vimeo.com:8443/video/1",
        "https://player.vimeo.com:/video/1x:",
        "https://[::1]/x",
        "https:///",
        "https://",
        "https://pläyer.vimeo.com/",
        "https://player\u3002vimeo.com/",
        "https://player.vimeo.com%00/",
    ],
)
def test_no_host_for_anything_but_a_plain_https_address(url: str) -> None:
    assert embed_host(url) is None
