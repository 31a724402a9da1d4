"""Which Host headers and websocket origins the preview server accepts (serve/guard.py)."""

from __future__ import annotations

import socket

import pytest

from sitegen.serve.addresses import ServeError
from sitegen.serve.guard import host_guard, split_authority

FORGED = [
    "evil.example:8000",
    "evil.example",
    "127.0.0.1.evil.example:8000",
    "localhost.evil.example:8000",
    "127.0.0.1:8000@evil.example",
    "evil.example:8000@127.0.0.1",
    "127.0.0.1:8001",
    "127.0.0.1",  # port 80
    "localhost:08000x",
    "localhost:",
    "::1:8000",  # IPv6 without brackets
    "[::1]x:8000",
    "[evil.example]:8000",
    "127.1:8000",
    "2130706433:8000",
    "",
    " ",
    "local host:8000",
    "localhost:8000/x",
    "localhost:99999",
]


@pytest.mark.parametrize(
    "header",
    ["127.0.0.1:8000", "localhost:8000", "LOCALHOST:8000", "localhost.:8000", "[::1]:8000",
     "[0:0:0:0:0:0:0:1]:8000", " localhost:8000 "],
)  # fmt: skip
def test_loopback_names_at_the_port_are_accepted(header: str) -> None:
    assert host_guard("127.0.0.1", 8000).allows_host(header)


@pytest.mark.parametrize("header", FORGED)
def test_other_names_ports_and_malformed_hosts_are_refused(header: str) -> None:
    assert not host_guard("127.0.0.1", 8000).allows_host(header)


def test_a_request_without_host_is_accepted() -> None:
    assert host_guard("127.0.0.1", 8000).allows_host(None)  # HTTP/1.0 tools; never a browser


def test_on_every_address_ip_addresses_and_the_machines_name_are_accepted() -> None:
    guard = host_guard("0.0.0.0", 8000)
    for header in ("127.0.0.1:8000", "localhost:8000", "192.168.1.4:8000", "[fe80::1]:8000",
                   f"{socket.gethostname()}:8000"):  # fmt: skip
        assert guard.allows_host(header), header
    for header in ("evil.example:8000", "192.168.1.4:8001", "192.168.1.4"):
        assert not guard.allows_host(header), header


def test_on_one_network_address_that_address_and_the_machines_name_are_accepted() -> None:
    guard = host_guard("192.168.1.4", 8000)
    assert guard.allows_host("192.168.1.4:8000")
    assert guard.allows_host(f"{socket.gethostname()}:8000")
    assert not guard.allows_host("192.168.1.5:8000")
    assert not guard.allows_host("evil.example:8000")


def test_allowed_hosts_add_names_at_the_port_or_their_own() -> None:
    guard = host_guard("127.0.0.1", 8000, ["Preview.Test", "mapped.test:9000", "[::1]:9001"])
    assert guard.allows_host("preview.test:8000")
    assert not guard.allows_host("preview.test:9000")
    assert guard.allows_host("mapped.test:9000")
    assert not guard.allows_host("mapped.test:8000")
    assert guard.allows_host("[::1]:9001")
    assert guard.allows_origin("http://mapped.test:9000")
    assert not guard.allows_host("evil.example:8000")


@pytest.mark.parametrize("name", ["", "a b", "http://x.test", "x.test:0", "x.test:port", "::1"])
def test_an_allowed_host_that_is_no_host_name_is_an_error(name: str) -> None:
    with pytest.raises(ServeError, match="--allowed-host"):
        host_guard("127.0.0.1", 8000, [name])


def test_websocket_origins_must_be_the_previews_own() -> None:
    guard = host_guard("127.0.0.1", 8000)
    assert guard.allows_origin(None)  # not a browser
    for origin in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000",
                   "http://LocalHost:8000/"):  # fmt: skip
        assert guard.allows_origin(origin), origin
    for origin in ("http://evil.example", "http://evil.example:8000", "null", "",
                   "http://127.0.0.1:8001", "http://127.0.0.1", "https://127.0.0.1:8000x",
                   "file:///home/me/page.html", "ws://127.0.0.1:8000x", "http://a@127.0.0.1:8000",
                   "http://127.0.0.1:8000/page", "chrome-extension://abc"):  # fmt: skip
        assert not guard.allows_origin(origin), origin


def test_https_origins_behind_a_proxy_use_port_443() -> None:
    guard = host_guard("127.0.0.1", 8000, ["preview.example:443"])
    assert guard.allows_origin("https://preview.example")
    assert not guard.allows_origin("http://preview.example")


def test_split_authority() -> None:
    assert split_authority("Example.COM:81", 80) == ("example.com", 81)
    assert split_authority("example.com", 80) == ("example.com", 80)
    assert split_authority("[::1]", 443) == ("::1", 443)
    assert split_authority("[::1]:8000", 80) == ("::1", 8000)
    assert split_authority("user@example.com", 80) is None
    assert split_authority("example.com:65536", 80) is None
    assert split_authority("example.com:+80", 80) is None
    assert split_authority("example.com:٨٠", 80) is None  # digits, but not ASCII ones
