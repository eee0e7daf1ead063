"""Who may talk to the served app: the checks behind every request.

A browser lets any web page the user visits send requests, and open
WebSockets, to a server on the user's own machine.  Three checks keep such a
page out:

- the **token**, random per server and printed on the terminal, which a foreign
  page cannot know;
- the **Host** header, which must name this server by an address (or
  ``localhost``): a foreign domain pointed at 127.0.0.1 (DNS rebinding) is
  refused even though it reaches the socket;
- the **Origin** header of a WebSocket, which must be the server itself: a
  page elsewhere cannot open one (cross-site WebSocket hijacking), token or not.

Plain functions and one small class with no web framework in sight, so the
rules are tested on their own.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "localhost."})
WILDCARDS = frozenset({"0.0.0.0", "::", ""})


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """``127.0.0.0/8``, ``::1`` or ``localhost``: reachable from this machine only."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    ip = _ip(host)
    return ip is not None and ip.is_loopback


def split_host(value: str) -> tuple[str, int | None] | None:
    """``"127.0.0.1:8000"`` → ``("127.0.0.1", 8000)``; ``"[::1]:80"`` →
    ``("::1", 80)``; ``None`` when the header is not a host at all."""
    try:
        parts = urlsplit(f"//{value}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or parts.username is not None or parts.path or parts.query:
        return None
    return parts.hostname, port


class Guard:
    """The checks for one server: its token, the address it listens on and its
    port (known once the socket is bound)."""

    def __init__(self, token: str, bind_host: str, port: int = 0) -> None:
        self.token = token
        self.bind_host = bind_host.strip("[]").lower()
        self.port = port

    def token_ok(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def host_ok(self, header: str | None) -> bool:
        """The Host header names this server: its port, and an address (or
        ``localhost``, or the name given to ``--host``), never another name."""
        if not header:
            return False
        split = split_host(header)
        if split is None:
            return False
        name, port = split
        if port != self.port:
            return False
        name = name.lower()
        if is_loopback(name) or name == self.bind_host:
            return True
        # Listening on every address: any address of this machine may be
        # typed, and an address (unlike a name) cannot be rebound by DNS.
        return self.bind_host in WILDCARDS and _ip(name) is not None

    def origin_ok(self, origin: str | None, host_header: str | None) -> bool:
        """The request comes from a page of this server (same scheme, host and port)."""
        if not origin or not self.host_ok(host_header):
            return False
        return origin.lower() == f"http://{host_header}".lower()
