"""INS1 (shared per-user state): a logout through one instance reaches every other at once,
as an event on the one stream (core.identity.revocations), not after the 2 s for which each
instance keeps a token's user in memory. Real `backline serve` processes on one PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
import websockets

from tests.support.client import GraphQLClient
from tests.support.servers import server_process
from tests.support.ws import ws_url

pytestmark = pytest.mark.parametrize("store_kind", ["postgresql"])  # several instances need PostgreSQL

ME = "{ me { id } }"
LOGOUT = "mutation { logout { __typename } }"
# Each instance re-reads a token's user at most every 2 s (core.identity.service.RECHECK_AFTER):
# refused well within it, the logout reached the other instance as an event.
WITHIN = 1.0


async def test_ins1_a_logout_through_one_instance_is_refused_by_another_at_once_and_its_sockets_closed(
        database_url):
    with server_process(database_url) as a, server_process(database_url) as b:
        async with httpx.AsyncClient(base_url=a, timeout=30) as on_a, httpx.AsyncClient(base_url=b, timeout=30) as on_b:
            desk_a = await GraphQLClient(on_a).login("agent")
            desk_b = GraphQLClient(on_b)
            desk_b.token = desk_a.token
            await desk_b.execute(ME)  # B knows the token now, and keeps its user in memory
            socket_b = await websockets.connect(ws_url(b), subprotocols=["graphql-transport-ws"])
            await socket_b.send(json.dumps({"type": "connection_init",
                                            "payload": {"Authorization": f"Bearer {desk_a.token}"}}))
            assert json.loads(await socket_b.recv())["type"] == "connection_ack"
            await desk_a.execute(LOGOUT)
            revoked_at = time.monotonic()
            while True:
                body = await desk_b.raw(ME)
                if body.get("errors"):
                    break
                assert time.monotonic() - revoked_at < WITHIN, "B still accepts a token logged out on A"
                await asyncio.sleep(0.02)
            assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
            # The socket opened on B with that token is closed by B (schema.open_sockets).
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket_b.recv(), 10)
            assert closed.value.rcvd.code == 4403
            # The other logins of the cluster are untouched.
            other = await GraphQLClient(on_a).login("marie.dupont")
            assert (await GraphQLClient(on_b).raw(ME, token=other.token)).get("errors") is None
