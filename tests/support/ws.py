"""Real WebSocket clients: the `gql` client over graphql-transport-ws (offered explicitly:
gql would otherwise offer the legacy graphql-ws protocol first)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, AsyncIterator

from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport


def request(query: str, variables: dict | None = None):
    """A gql request with its variables (gql 4 wants them on the request, not the call)."""
    document = gql(query)
    document.variable_values = variables or {}
    return document


def ws_url(base_http_url: str) -> str:
    return base_http_url.replace("http://", "ws://", 1) + "/graphql"


@contextlib.asynccontextmanager
async def ws_session(base_http_url: str, token: str | None) -> AsyncIterator[Any]:
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    transport = WebsocketsTransport(
        url=ws_url(base_http_url),
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        init_payload=payload,
        connect_timeout=10,
    )
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        yield session


class Collector:
    """Runs a subscription in the background and collects what it yields."""

    def __init__(self, session: Any, query: str, variables: dict | None = None) -> None:
        self.items: list[dict] = []
        self._new = asyncio.Event()
        self._task = asyncio.create_task(self._run(session, query, variables or {}))

    async def _run(self, session, query, variables) -> None:
        async for item in session.subscribe(request(query, variables)):
            self.items.append(item)
            self._new.set()

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[dict]:
        """Until `count` items arrived (a real-time bound, not a clock time-out)."""
        async def until() -> None:
            while len(self.items) < count:
                if self._task.done():
                    self._task.result()
                    raise AssertionError(f"subscription ended after {len(self.items)} item(s)")
                self._new.clear()
                await self._new.wait()
        await asyncio.wait_for(until(), timeout)
        return self.items

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task


async def until_subscribed(bus, topic: str, count: int, timeout: float = 10.0) -> None:
    """Until `count` streams read `topic` on the server: graphql-transport-ws does not
    acknowledge a subscribe, and a change made before the server has started the stream
    is (rightly) not in it."""
    async def until() -> None:
        while bus.subscriber_count(topic) < count:
            await asyncio.sleep(0.005)
    await asyncio.wait_for(until(), timeout)
