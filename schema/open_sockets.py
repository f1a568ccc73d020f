"""WebSockets close when their token is revoked. A socket is authenticated once, at
`connection_init`; a logout (on any instance: a `TokenRevoked` event on the one stream)
would otherwise leave its streams running for a token nobody may use any more. Each
instance remembers its open sockets by user, and on a revocation for that user checks each
one's token again: a revoked one is closed with 4403 (graphql-transport-ws: forbidden), and the
client must log in again. The user's other sessions (other tokens) stay open."""

from __future__ import annotations

import logging
import weakref

from starlette.websockets import WebSocket, WebSocketState

from core.errors import NotAuthenticated
from core.identity.service import IdentityService

CLOSE_REVOKED = 4403
log = logging.getLogger("backline.api")


class OpenSockets:
    def __init__(self, identity: IdentityService) -> None:
        self.identity = identity
        # user id -> {id(socket): (a weak reference to it, its token)}: a socket (a mapping,
        # so not hashable) is forgotten when it is gone.
        self._by_user: dict[int, dict[int, tuple[weakref.ref, str]]] = {}
        identity.when_revoked(self.revoked)

    def add(self, user_id: int, token: str, websocket: WebSocket) -> None:
        sockets = self._by_user.setdefault(user_id, {})
        for key in [k for k, (ref, _) in sockets.items() if ref() is None]:
            del sockets[key]
        sockets[id(websocket)] = (weakref.ref(websocket), token)

    async def revoked(self, user_id: int) -> None:
        sockets = self._by_user.get(user_id)
        if not sockets:
            return
        for key, (ref, token) in list(sockets.items()):
            websocket = ref()
            if websocket is None or websocket.application_state is WebSocketState.DISCONNECTED:
                sockets.pop(key, None)
                continue
            try:
                await self.identity.authenticate(token)
            except NotAuthenticated:
                sockets.pop(key, None)
                try:
                    await websocket.close(CLOSE_REVOKED, "Token revoked: log in again.")
                except Exception:  # closed meanwhile by the client: nothing left to do
                    log.debug("socket already closed", exc_info=True)
        if not sockets:
            self._by_user.pop(user_id, None)
