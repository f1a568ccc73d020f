"""SEC3: a request body is bounded. A GraphQL request over HTTP whose body is larger than
`BACKLINE_MAX_REQUEST_BYTES` is refused with HTTP 413 and a GraphQL error with the code
REQUEST_TOO_LARGE, before any of it is parsed: at once when its Content-Length says so, else
as soon as what arrives goes past the limit (a chunked body is never kept).

The body is read here, and handed on as one message: strawberry reads it whole anyway."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CODE = "REQUEST_TOO_LARGE"
DRAINED = 4  # times the limit read and dropped from an oversized body without a length


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, path: str = "/graphql") -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != self.path:
            await self.app(scope, receive, send)
            return
        declared = next((v for k, v in scope.get("headers") or () if k == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._drain(receive, message, size)
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # then what the server says next (a disconnect)

        await self.app(scope, replay, send)

    async def _drain(self, receive: Receive, message: Message, size: int) -> None:
        """Reads and drops the rest of a body sent without a length, up to a few times the
        limit, so that a client still sending reads the 413 instead of a reset connection;
        beyond that the connection is closed after the answer."""
        while message.get("more_body", False) and size <= DRAINED * self.max_bytes:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"data": None, "errors": [{
            "message": f"The request body is larger than {self.max_bytes} bytes.",
            "extensions": {"code": CODE, "maxBytes": self.max_bytes},
        }]}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})
