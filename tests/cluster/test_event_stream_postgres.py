"""INS1 across real `backline serve` processes on one PostgreSQL database: a subscriber on
one instance gets the events committed through another, once and in commit order (the
event log read after LISTEN/NOTIFY wakes it: core.store.relay); reactions run once, where
the change was made."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest

from tests.e2e.desk import BY_ID, CREATE, LOG_IN, NOT_READY, READY, do, open_offer
from tests.support.client import GraphQLClient
from tests.support.servers import server_process
from tests.support.ws import Collector, ws_session

pytestmark = pytest.mark.parametrize("store_kind", ["postgresql"])  # several instances need PostgreSQL

PRESENCE = """subscription($agents: [ID!]) { presenceChanged(agentIds: $agents) {
  agentId channel state reason snapshot sequence } }"""
EVENTS = "subscription { interactionEvents { id kind interactionId } }"


@contextlib.contextmanager
def two_instances(database_url: str):
    with server_process(database_url) as a, server_process(database_url) as b:
        yield a, b


async def test_ins1_presence_changed_through_one_instance_reaches_a_subscriber_of_another_in_order(database_url):
    with two_instances(database_url) as (a, b):
        async with httpx.AsyncClient(base_url=a, timeout=30) as http_a, httpx.AsyncClient(base_url=b) as http_b:
            agent = await GraphQLClient(http_a).login("agent")
            lead = await GraphQLClient(http_b).login("lead")
            async with ws_session(b, lead.token) as session:
                stream = Collector(session, PRESENCE, {"agents": [agent.me["id"]]})
                snapshot = await stream.wait_for(4)  # one row per channel: the stream is live
                assert all(item["presenceChanged"]["snapshot"] for item in snapshot)
                await agent.execute(LOG_IN, {"c": "voice"})
                await agent.execute(NOT_READY, {"c": "voice"})
                await agent.execute(READY, {"c": "voice"})
                await agent.execute(LOG_IN, {"c": "im"})
                items = await stream.wait_for(8)
                await stream.close()
    changes = [i["presenceChanged"] for i in items[4:]]
    assert [(c["channel"], c["state"], c["reason"]) for c in changes] == [
        ("voice", "READY", None), ("voice", "NOT_READY", "Pause"), ("voice", "READY", None), ("im", "READY", None)]
    positions = [int(c["sequence"]) for c in changes]
    assert positions == sorted(positions) and len(set(positions)) == 4
    assert not any(c["snapshot"] for c in changes)


async def test_ins1_a_call_made_on_one_instance_and_accepted_on_another_streams_once_in_order(database_url):
    with two_instances(database_url) as (a, b):
        async with httpx.AsyncClient(base_url=a, timeout=30) as http_a, httpx.AsyncClient(base_url=b) as http_b:
            admin = await GraphQLClient(http_a).login("admin")
            agent_b = await GraphQLClient(http_b).login("agent")
            await agent_b.execute(LOG_IN, {"c": "voice"})
            async with ws_session(b, agent_b.token) as session:
                stream = Collector(session, EVENTS)
                await asyncio.sleep(0.5)  # graphql-transport-ws does not acknowledge a subscribe
                call = await do(admin, CREATE, to="agent:agent", **{"from": "+33500000001"}, channel="voice",
                                context=[], contact=[])  # through A: rings the agent (routing on A)
                offer = open_offer(call)
                assert offer["state"] == "RINGING" and offer["ringingUserId"] == agent_b.me["id"]
                await do(agent_b, BY_ID["acceptOffer"], id=offer["id"])  # through B
                await do(admin, BY_ID["customerHangUp"], id=call["id"])  # through A
                events = []

                async def until_ended():
                    while not any(e["kind"] == "InteractionEnded" for e in events):
                        await stream.wait_for(len(events) + 1)
                        events[:] = [i["interactionEvents"] for i in stream.items]

                await asyncio.wait_for(until_ended(), 15)
                await stream.close()
    ours = [e for e in events if e["interactionId"] == call["id"]]
    kinds = [e["kind"] for e in ours]
    for expected in ("OfferRinging", "OfferAccepted", "InteractionEnded"):
        assert kinds.count(expected) == 1, kinds  # once each, whichever instance made it
    assert kinds.index("OfferRinging") < kinds.index("OfferAccepted") < kinds.index("InteractionEnded")
    ids = [int(e["id"]) for e in ours]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


REQUESTS = "subscription { instantMessageRequests { interactionId firstMessage } }"
LINES = "subscription($id: ID) { transcriptLines(interactionId: $id) { text } }"
RECEIVED = "subscription { messageReceived { text } }"
FIND = "query($s: String!) { directory(search: $s) { edges { node { id name } } } }"
BROADCAST = "mutation($text: String!, $team: ID) { broadcastMessage(text: $text, teamId: $team) { __typename } }"


async def test_ins1_im_requests_lines_and_messages_made_through_one_instance_reach_subscribers_of_another(database_url):
    from tests.channels.conversation_desk import IM, send

    with two_instances(database_url) as (a, b):
        async with httpx.AsyncClient(base_url=a, timeout=30) as http_a, httpx.AsyncClient(base_url=b, timeout=30) as http_b:
            agent = await GraphQLClient(http_a).login("agent")
            admin = await GraphQLClient(http_a).login("admin")
            marie_b = await GraphQLClient(http_b).login("marie.dupont")
            await agent.execute(LOG_IN, {"c": "im"})
            await marie_b.execute(LOG_IN, {"c": "im"})
            team = (await marie_b.execute("{ me { teamId } }"))["me"]["teamId"]
            marie_target = next(e["node"]["id"] for e in (await agent.execute(FIND, {"s": "Marie Dupont"}))[
                "directory"]["edges"] if e["node"]["name"] == "Marie Dupont")
            async with ws_session(b, marie_b.token) as session:
                requests = Collector(session, REQUESTS)
                lines = Collector(session, LINES)
                messages = Collector(session, RECEIVED)
                await asyncio.sleep(0.5)  # graphql-transport-ws does not acknowledge a subscribe
                im = await do(agent, IM, t=marie_target, x="Tu as 2 minutes ?")  # through A
                [request_item] = await requests.wait_for(1)
                await do(marie_b, BY_ID["acceptOffer"], id=open_offer(im)["id"])  # through B
                for i in range(3):
                    await send(agent, im["id"], f"line {i}")  # through A
                await admin.execute(BROADCAST, {"text": "Réunion à 14 h", "team": team})  # through A
                got_lines = await lines.wait_for(3)  # the lines written once she is on it
                [message] = await messages.wait_for(1)
                for stream in (requests, lines, messages):
                    await stream.close()
    assert request_item["instantMessageRequests"] == {"interactionId": im["id"], "firstMessage": "Tu as 2 minutes ?"}
    assert [i["transcriptLines"]["text"] for i in got_lines][:3] == ["line 0", "line 1", "line 2"]
    assert message["messageReceived"]["text"] == "Réunion à 14 h"
