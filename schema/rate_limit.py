"""SEC3: a flood from one caller cannot starve the others. Each bearer token (or, without
one, each client address) has a token bucket; a request beyond it is refused with HTTP 429
and the GraphQL error code RATE_LIMITED before any work is done."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from core.clock import Clock


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
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """0 when allowed, else the seconds to wait before the next request would be."""
        now = self.now()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.clear()  # bounded memory; forgetting buckets only forgives
            bucket = self._buckets[key] = _Bucket(tokens=self.burst, updated=now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, clock: Clock, rate_per_second: float, burst: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(rate_per_second, burst, lambda: clock.now().timestamp())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        key = headers.get(b"authorization", b"").decode("latin-1") or f"addr:{(scope.get('client') or ('?',))[0]}"
        wait = self.buckets.take(key)
        if not wait:
            await self.app(scope, receive, send)
            return
        body = json.dumps({
            "data": None,
            "errors": [{
                "message": f"Too many requests from this caller; retry in {wait:.1f} s.",
                "extensions": {"code": "RATE_LIMITED"},
            }],
        }).encode()
        await send({
            "type": "http.response.start",
            "status": 429,
            "headers": [(b"content-type", b"application/json"),
                        (b"retry-after", str(max(1, round(wait))).encode())],
        })
        await send({"type": "http.response.body", "body": body})
