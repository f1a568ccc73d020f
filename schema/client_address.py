"""The client's address, for throttling logins and rate-limiting anonymous callers (SEC3,
SEC4). By default the connection's peer. Behind a reverse proxy, every client would share the
proxy's address: `BACKLINE_CLIENT_ADDRESS_HEADER` names the header the proxy sets, and only
that header is read (a header any client could set is never trusted unless configured).

For `X-Forwarded-For` the last entry is the one the trusted proxy added; entries before it
came from the client and prove nothing."""

from __future__ import annotations

from typing import Iterable


def client_address(headers: Iterable[tuple[bytes, bytes]], peer: tuple | list | None,
                   trusted_header: str | None) -> str | None:
    """From an ASGI scope's raw `headers` and `client`; `trusted_header` in lower case."""
    if trusted_header:
        wanted = trusted_header.encode("latin-1")
        value = None
        for name, raw in headers:
            if name.lower() == wanted:
                value = raw  # the last one, if the proxy added a header of its own after the client's
        if value is not None:
            last = value.decode("latin-1").rsplit(",", 1)[-1].strip()
            return last or None
    return str(peer[0]) if peer else None
