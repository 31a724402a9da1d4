"""Where the preview server listens: its URL, whether the address is private to this machine,
and a check that the port is free before the first (possibly long) build."""

from __future__ import annotations

import errno
import ipaddress
import socket
from typing import Any

from sitegen.errors import SitegenError


class ServeError(SitegenError):
    """The preview server cannot start, e.g. because its port is taken."""


def local_url(host: str, port: int) -> str:
    """The preview's address, which is also its base URL: links must work locally."""
    if _is_unspecified(host):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def is_loopback(host: str) -> bool:
    """True when only this machine can reach the address."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_port(host: str, port: int) -> None:
    """Fail before the first build (which can take a while) if the server could not listen."""
    try:
        addresses = socket.getaddrinfo(
            host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise ServeError(
            "",
            None,
            f"cannot listen on {host!r} ({exc.strerror}); use an address of this machine "
            "such as 127.0.0.1, or 0.0.0.0 for every address",
        ) from None
    for family, kind, proto, _name, address in set(addresses):
        try:
            _try_bind(family, kind, proto, address)
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL and host == "localhost" and address[0] == "::1":
                continue  # IPv6 half-disabled (Docker); Tornado skips it the same way
            raise listen_error(host, port, exc) from None


def _try_bind(family: int, kind: int, proto: int, address: Any) -> None:
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Tornado does
        if family == socket.AF_INET6:
            probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        probe.bind(address)


def listen_error(host: str, port: int, exc: OSError) -> ServeError:
    if exc.errno == errno.EADDRINUSE:
        message = (
            f"port {port} is already in use on {host} (is another `sitegen serve` running?); "
            f"stop that program or pick another port: sitegen serve --port {_free_port_after(host, port)}"
        )
    elif exc.errno == errno.EACCES:
        message = (
            f"not allowed to listen on port {port} (ports below 1024 need administrator "
            "rights); pick another port: sitegen serve --port 8000"
        )
    elif exc.errno == errno.EADDRNOTAVAIL:
        message = (
            f"{host} is not an address of this machine; use 127.0.0.1, or 0.0.0.0 for every address"
        )
    else:
        message = f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return ServeError("", None, message)


def _free_port_after(host: str, port: int) -> int:
    for candidate in range(port + 1, min(port + 20, 65535) + 1):
        try:
            for family, kind, proto, _name, address in socket.getaddrinfo(
                host, candidate, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
            ):
                _try_bind(family, kind, proto, address)
        except OSError:
            continue
        return candidate
    return port + 1


def _is_unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False
