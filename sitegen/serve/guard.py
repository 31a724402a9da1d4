"""Which names the preview server answers to, against DNS rebinding.

A web page on evil.example can make its own name resolve to 127.0.0.1 and then read whatever
the preview serves (drafts, embargoed stories) as if it were its own. What gives it away is the
name: its requests carry `Host: evil.example:8000`, and its websockets `Origin:
http://evil.example:8000`. So the preview answers only to the names of the address it listens
on, at its port:

- on a loopback address (the default): 127.0.0.1, localhost and [::1] (and the address itself);
- on every address (0.0.0.0, ::): those, the machine's host names, and any IP address;
- on one other address: that address and the machine's host names;
- and, in every case, the names given with `--allowed-host NAME` (or NAME:PORT, for a port
  mapped by a container or a proxy).

An IP address in Host cannot be rebound (no one else's name is involved), which is why any is
accepted where the server listens on every address. No knowledge of Tornado here."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sitegen.serve.addresses import ServeError, is_loopback

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
_NAME = re.compile(r"[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class HostGuard:
    port: int
    """The preview's port: a name is accepted at this port (NAME:PORT entries aside)."""
    names: frozenset[str]
    """Lower-case host names and IP addresses (IPv6 without brackets)."""
    elsewhere: frozenset[tuple[str, int]] = frozenset()
    """Names accepted at another port (`--allowed-host NAME:PORT`)."""
    any_address: bool = False
    """Any IP address is accepted (the server listens on all of them)."""

    def allows_host(self, header: str | None) -> bool:
        """Whether a request with this Host header is for the preview. A request without one
        (HTTP/1.0 tools) is: browsers always send it."""
        if header is None:
            return True
        found = split_authority(header, 80)
        return found is not None and self._allows(*found)

    def allows_origin(self, origin: str | None) -> bool:
        """Whether a websocket opened by a page of this origin may connect: only the preview's
        own pages. Without an Origin header (not a browser), yes."""
        if origin is None:
            return True
        try:
            parts = urlsplit(origin)
        except ValueError:
            return False
        default = _DEFAULT_PORTS.get(parts.scheme)
        if default is None or parts.path not in ("", "/") or parts.query or parts.fragment:
            return False
        found = split_authority(parts.netloc, default)
        return found is not None and self._allows(*found)

    def _allows(self, name: str, port: int) -> bool:
        if (name, port) in self.elsewhere:
            return True
        if port != self.port:
            return False
        return name in self.names or (self.any_address and _is_address(name))


def host_guard(host: str, port: int, allowed: Iterable[str] = ()) -> HostGuard:
    """The guard of a preview listening on `host`:`port`, with the extra names `allowed`
    (NAME or NAME:PORT each). Raises ServeError for an extra name that is not one."""
    names = {_normal(host)}
    if is_loopback(host):
        names |= LOOPBACK_NAMES
    else:
        names |= machine_names()
    unspecified = _is_address(host) and ipaddress.ip_address(host).is_unspecified
    if unspecified:
        names |= LOOPBACK_NAMES
    elsewhere = set()
    for entry in allowed:
        found = split_authority(entry, port)
        if found is None:
            raise ServeError(
                "",
                None,
                f"--allowed-host {entry!r} is not a host name; give a name such as "
                "preview.example or preview.example:8080",
            )
        if found[1] == port:
            names.add(found[0])
        else:
            elsewhere.add(found)
    return HostGuard(port, frozenset(names), frozenset(elsewhere), unspecified)


def machine_names() -> frozenset[str]:
    """This machine's host name, its first label and that label under .local (mDNS)."""
    try:
        full = _normal(socket.gethostname())
    except OSError:
        return frozenset()
    short = full.split(".", 1)[0]
    return frozenset(n for n in (full, short, f"{short}.local") if _NAME.fullmatch(n))


def split_authority(value: str, default_port: int) -> tuple[str, int] | None:
    """(lower-case name, port) of `host[:port]` or `[v6]:port`; None when it is no such thing
    (a user part, a path, a bare IPv6 address, a port out of range, odd characters)."""
    value = value.strip()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or not _is_address(name) or ":" not in name:
            return None
    else:
        name, colon, rest = value.partition(":")
        rest = colon + rest
        if not (_NAME.fullmatch(_normal(name)) or _is_address(name)):
            return None
    port = _port(rest, default_port)
    return None if port is None else (_normal(name), port)


def _port(rest: str, default: int) -> int | None:
    if not rest:
        return default
    digits = rest[1:]
    if not rest.startswith(":") or not digits.isascii() or not digits.isdigit():
        return None
    port = int(digits)
    return port if 0 < port < 65536 else None


def _normal(name: str) -> str:
    """Lower case, without the root's trailing dot (`localhost.` is localhost); an IP address
    as Python writes it (::1 for 0:0:0:0:0:0:0:1)."""
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name.lower().removesuffix(".")


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
