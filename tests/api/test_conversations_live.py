"""Live streams over a real socket: an IM request reaches the member at once with its first
message (IM3), lines arrive in order (IM1), and a chat token opens a WebSocket for its own
chat only (SEC1)."""

from __future__ import annotations

import pytest
from gql import gql
from gql.transport.exceptions import TransportQueryError

from schema.app import create_app
from tests.channels.conversation_desk import IM, START_CHAT, send
from tests.e2e.desk import BY_ID, ok, open_offer, ready_agent, target_id
from tests.support.servers import serve_in_loop
from tests.support.ws import Collector, ws_session

REQUESTS = "subscription { instantMessageRequests { offerId interactionId fromName firstMessage } }"
LINES = "subscription($id: ID) { transcriptLines(interactionId: $id) { text authorName } }"
EVENTS = "subscription { interactionEvents { kind } }"
CUSTOMER = "subscription { customerChatUpdates { line { text } chat { state } } }"


@pytest.fixture
async def live(backline):
    async with serve_in_loop(create_app(backline)) as base:
        yield base


async def test_im3_an_im_request_reaches_the_member_live_with_its_first_message(backline, live, client_for):
    agent = await ready_agent(client_for, "agent", channel="im")
    marie = await ready_agent(client_for, "marie.dupont", channel="im")
    async with ws_session(live, marie.token) as session:
        requests = Collector(session, REQUESTS)
        try:
            im = await ok(agent, IM, t=await target_id(backline, "Marie Dupont"), x="Tu as 2 minutes ?")
            [item] = await requests.wait_for(1)
            assert item["instantMessageRequests"] == {"offerId": open_offer(im)["id"], "interactionId": im["id"],
                                                      "fromName": "Camille Martin", "firstMessage": "Tu as 2 minutes ?"}
        finally:
            await requests.close()


async def test_im1_lines_arrive_live_in_order_after_the_ones_so_far(backline, live, client_for):
    agent = await ready_agent(client_for, "agent", channel="im")
    marie = await ready_agent(client_for, "marie.dupont", channel="im")
    im = await ok(agent, IM, t=await target_id(backline, "Marie Dupont"), x="first")
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(im)["id"])
    async with ws_session(live, agent.token) as session:
        lines = Collector(session, LINES, {"id": im["id"]})
        try:
            await lines.wait_for(1)
            for i in range(5):
                await send(marie if i % 2 else agent, im["id"], f"line {i}")
            items = await lines.wait_for(6)
            assert [i["transcriptLines"]["text"] for i in items] == ["first"] + [f"line {i}" for i in range(5)]
        finally:
            await lines.close()


async def test_sec1_a_chat_token_opens_a_websocket_for_its_own_chat_and_nothing_else(backline, live, api):
    started = (await api.as_user().execute(START_CHAT, {"to": "queue:support", "n": "Léon", "t": "Bonjour"}))["r"]
    async with ws_session(live, started["token"]) as session:
        mine = Collector(session, CUSTOMER)
        try:
            first = (await mine.wait_for(1))[0]
            assert first["customerChatUpdates"]["chat"]["state"] == "ROUTING"
        finally:
            await mine.close()
        with pytest.raises(TransportQueryError) as refused:
            async for _ in session.subscribe(gql(EVENTS)):
                break
        assert "UNAUTHENTICATED" in str(refused.value) or "Authentication" in str(refused.value)
