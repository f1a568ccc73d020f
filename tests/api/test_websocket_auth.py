"""WebSockets speak graphql-transport-ws only and authenticate in the connection_init payload."""

from __future__ import annotations

import json

import pytest
import websockets

from schema.app import create_app
from tests.support.servers import serve_in_loop
from tests.support.ws import ws_url


async def handshake(url: str, payload: dict | None, subprotocol: str = "graphql-transport-ws"):
    async with websockets.connect(url, subprotocols=[subprotocol]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
        try:
            return json.loads(await ws.recv()), None
        except websockets.ConnectionClosed as closed:
            return None, closed


@pytest.fixture
async def live(backline):
    async with serve_in_loop(create_app(backline)) as base:
        yield base


async def test_connection_init_with_a_valid_token_is_acknowledged(live, api):
    await api.login("agent")
    message, _ = await handshake(ws_url(live), {"Authorization": f"Bearer {api.token}"})
    assert message["type"] == "connection_ack"


@pytest.mark.parametrize("payload", [None, {"Authorization": "Bearer wrong"}])
async def test_connection_init_without_a_valid_token_is_rejected(live, payload):
    message, closed = await handshake(ws_url(live), payload)
    assert message is None
    assert closed.rcvd.code == 4403


async def test_only_the_graphql_transport_ws_protocol_is_spoken(live):
    with pytest.raises(websockets.ConnectionClosed) as closed:
        async with websockets.connect(ws_url(live), subprotocols=["graphql-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            await ws.recv()
    assert closed.value.rcvd.code == 4406  # subprotocol not acceptable


async def test_sec1_a_logout_closes_the_sockets_of_that_token_and_only_those(live, api, client_for):
    """A socket is authenticated once; a logout must not leave its streams running."""
    import asyncio

    first = await client_for("agent")
    second = await client_for("agent")  # the same agent on another desk: another token
    watch = json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "subscription { myOfferUpdates { outcome } }"}})
    async with websockets.connect(ws_url(live), subprotocols=["graphql-transport-ws"]) as a, \
            websockets.connect(ws_url(live), subprotocols=["graphql-transport-ws"]) as b:
        for ws, client in ((a, first), (b, second)):
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {client.token}"}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(watch)
        assert (await first.execute("mutation { logout { __typename } }"))["logout"]["__typename"] == "LogoutSuccess"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(a.recv(), 10)
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4403, "Token revoked: log in again.")
        await b.ping()  # the other desk's socket stays open
        assert b.state is websockets.protocol.State.OPEN
