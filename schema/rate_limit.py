"""SEC3: a flood from one caller cannot starve the others, over any transport. One token
bucket per caller: per user once authenticated (however many tokens it holds), per client
address before (schema.client_address). Every GraphQL request over HTTP (GET or POST) takes
a token, every WebSocket upgrade does (by address), and so does every `subscribe` message on
a socket (a query or a mutation over a WebSocket costs what it costs over HTTP; see
schema.broadcast). A refused HTTP request gets 429 with the GraphQL error code RATE_LIMITED
before any work is done; a refused subscribe gets an `error` message for its id, the socket
staying open.

A request is keyed by its user when this process has seen its token valid
(IdentityService.known, no store read). A token it has not seen takes from its address's
bucket first, then from its user's once checked: junk tokens share their address's bucket
instead of each getting one, and cost no store read once it is empty.

The table of buckets is bounded: at its size, the least recently used bucket goes, which is
almost always one that has refilled (a full bucket carries nothing to forget), never every
bucket at once. Buckets are per process: behind N instances the ceiling is N times the rate.
A shared store would cost a round trip on every request, more than the flood it would stop."""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from core.errors import NotAuthenticated
from core.identity.actor import Actor
from core.identity.service import bearer_token
from core.runtime import Backline
from schema.client_address import client_address
from schema.fair_share import CallerSlots


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    def __init__(self, rate_per_second: float, burst: int, now: Callable[[], float], max_keys: int = 100_000):
        self.rate = rate_per_second
        self.burst = burst
        self.now = now
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> float:
        """0 when allowed, else the seconds to wait before the next request would be."""
        now = self.now()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.popitem(last=False)  # the least recently used
            bucket = self._buckets[key] = _Bucket(tokens=self.burst, updated=now)
        else:
            self._buckets.move_to_end(key)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate


class RateLimiter:
    """The buckets of one server process, shared by its HTTP and WebSocket transports."""

    def __init__(self, backline: Backline, max_keys: int = 100_000) -> None:
        rate = backline.settings.rate_limit_per_second
        clock = backline.clock
        self.backline = backline
        self.buckets = TokenBuckets(rate, max(1, int(rate * 2)), lambda: clock.now().timestamp(), max_keys)
        self.slots = CallerSlots(backline.settings.max_concurrent_per_caller)

    def address(self, scope: Scope) -> str:
        return client_address(scope.get("headers") or (), scope.get("client"),
                              self.backline.settings.client_address_header) or "?"

    def key(self, actor: Actor | None, scope: Scope) -> str:
        return f"user:{actor.user_id}" if actor is not None else f"addr:{self.address(scope)}"

    def wait(self, actor: Actor | None, scope: Scope) -> float:
        return self.buckets.take(self.key(actor, scope))


def refusal(wait: float) -> dict:
    """The GraphQL error of a refused operation."""
    return {"message": f"Too many requests from this caller; retry in {wait:.1f} s.",
            "extensions": {"code": "RATE_LIMITED"}}


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: RateLimiter, path: str = "/graphql") -> None:
        self.app = app
        self.limiter = limiter
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope.get("path") != self.path:
            await self.app(scope, receive, send)  # health checks and metrics are not limited
            return
        wait, key = await self._wait(scope)
        if not wait and scope["type"] == "http":
            async with self.limiter.slots.slot(key):  # a few at a time per caller (schema.fair_share)
                await self.app(scope, receive, send)
        elif not wait:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1013, "reason": "Too many requests; try again later."})
        else:
            body = json.dumps({"data": None, "errors": [refusal(wait)]}).encode()
            await send({
                "type": "http.response.start",
                "status": 429,
                "headers": [(b"content-type", b"application/json"),
                            (b"retry-after", str(max(1, round(wait))).encode())],
            })
            await send({"type": "http.response.body", "body": body})

    async def _wait(self, scope: Scope) -> tuple[float, str]:
        """The wait before this request may run (0: now), and its caller's key."""
        limiter = self.limiter
        if scope["type"] != "http":  # a WebSocket's user is known at connection_init
            key = limiter.key(None, scope)
            return limiter.buckets.take(key), key
        header = next((v for k, v in scope.get("headers") or () if k == b"authorization"), b"")
        token = bearer_token(header.decode("latin-1"))
        identity = limiter.backline.identity
        actor = identity.known(token)
        key = limiter.key(actor, scope)
        if actor is not None or token is None:
            return limiter.buckets.take(key), key
        # A token this process has not seen: its address pays first (a junk token
        # costs no store read once the address is refused), then its user, once checked (which
        # warms the cache the request's own authentication reads).
        wait = limiter.buckets.take(key)
        if wait:
            return wait, key
        try:
            actor = await identity.authenticate(token)
        except NotAuthenticated:
            return 0.0, key  # the request itself is answered UNAUTHENTICATED
        key = limiter.key(actor, scope)
        return limiter.buckets.take(key), key
