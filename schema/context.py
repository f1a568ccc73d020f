"""Per-request (per-WebSocket-connection) context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.errors import NotAuthenticated
from core.identity.actor import Actor
from core.runtime import Backline
from schema.client_address import client_address


@dataclass
class Context:
    backline: Backline
    request: Any = None
    response: Any = None
    token: str | None = None
    authenticated: Actor | None = None
    auth_error: str | None = None
    connection_params: dict[str, Any] = field(default_factory=dict)

    @property
    def client_address(self) -> str | None:
        """The caller's address (schema.client_address): the peer, or the trusted proxy's header."""
        scope = getattr(self.request, "scope", None) or {}
        return client_address(scope.get("headers") or (), scope.get("client"),
                              self.backline.settings.client_address_header)

    @property
    def actor(self) -> Actor:
        """The calling user; raises UNAUTHENTICATED when there is none."""
        if self.authenticated is None:
            raise NotAuthenticated(
                self.auth_error or "Authentication required: send 'Authorization: Bearer <token>'."
            )
        return self.authenticated

    async def authenticate(self, token: str | None) -> None:
        self.token = token
        if token is None:
            return
        try:
            self.authenticated = await self.backline.identity.authenticate(token)
        except NotAuthenticated as exc:
            self.auth_error = exc.message
