"""SEC3: a request body, a WebSocket message and the wait for connection_init are bounded,
against a real server; the time-out runs on the manual clock."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import httpx
import pytest
import websockets

from schema.app import create_app
from tests.support.client import GraphQLClient
from tests.support.servers import serve_in_loop
from tests.support.ws import ws_url

LIMIT = 10_000


@pytest.fixture
def settings(settings):
    return replace(settings, max_request_bytes=LIMIT, max_websocket_message_bytes=LIMIT,
                   connection_init_timeout_seconds=5)


@pytest.fixture
async def served(backline):
    async with serve_in_loop(create_app(backline)) as base, httpx.AsyncClient(base_url=base) as http:
        yield base, http


def too_large(response: httpx.Response) -> None:
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert str(LIMIT) in error["message"]


async def test_sec3_a_request_body_over_the_limit_gets_413_with_a_typed_body(served):
    _, http = served
    too_large(await http.post("/graphql", json={"query": "{ " + "__typename " * 2000 + "}"}))
    too_large(await http.post("/graphql", json={"query": "{ __typename }", "variables": {"unused": "x" * LIMIT}}))

    async def chunked():  # no Content-Length: refused once what arrived passes the limit
        for _ in range(20):
            yield b" " * 1000

    too_large(await http.post("/graphql", content=chunked(), headers={"Content-Type": "application/json"}))
    assert (await http.post("/graphql", json={"query": "{ __typename }"})).json() == {"data": {"__typename": "Query"}}


async def test_sec3_a_websocket_message_over_the_limit_closes_the_socket_with_1009(served):
    base, http = served
    agent = await GraphQLClient(http).login("agent")
    async with websockets.connect(ws_url(base), subprotocols=["graphql-transport-ws"], max_size=None) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {agent.token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": "{ __typename }", "variables": {"x": "y" * LIMIT}}}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)  # a real-time bound: the close comes at once
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


async def test_sec3_a_socket_without_connection_init_is_closed_4408_after_the_time_out(served, clock):
    base, _ = served
    async with websockets.connect(ws_url(base), subprotocols=["graphql-transport-ws"]) as ws:
        await clock.advance(4.9)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(ws.recv(), 0.2)  # still open: nothing comes
        await clock.advance(0.1)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd.code == 4408
