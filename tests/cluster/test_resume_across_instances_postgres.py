"""INS1 and INS2 with real `backline serve` processes on one PostgreSQL: the voice story
spread over three instances streams once and in order to a desk watching it on one of them; an
instance killed with `kill -9` in the middle of a watch loses nothing: its client resumes on
another instance with its last cursor and gets every change it missed, then the live ones."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.e2e.desk import BY_ID, COMPLETE, CONSULT, CREATE, LOG_IN, NOT_READY, READY, do, ok, open_offer, party_of
from tests.support.client import GraphQLClient
from tests.support.servers import server_process
from tests.support.ws import Collector, ws_session

pytestmark = pytest.mark.parametrize("store_kind", ["postgresql"])  # several instances need PostgreSQL

PRESENCE = """subscription($agents: [ID!], $after: String) { presenceChanged(agentIds: $agents, after: $after) {
  channel state snapshot sequence cursor } }"""
EVENTS = "subscription($id: ID) { interactionEvents(interactionId: $id) { id kind interactionId cursor } }"
FIND = "query($s: String!) { directory(search: $s) { edges { node { id name } } } }"
LOG_OUT = "mutation($c: String!) { logOut(channel: $c) { __typename } }"


async def target(client, name: str) -> str:
    return next(e["node"]["id"] for e in (await client.execute(FIND, {"s": name}))["directory"]["edges"]
                if e["node"]["name"] == name)


async def until(predicate, stream: Collector, timeout: float = 15.0) -> list[dict]:
    async def wait():
        while not predicate(stream.items):
            await stream.wait_for(len(stream.items) + 1, timeout)
    await asyncio.wait_for(wait(), timeout)
    return stream.items


async def test_ins1_the_voice_story_across_three_instances_streams_once_in_order(database_url):
    with server_process(database_url) as a, server_process(database_url) as b, server_process(database_url) as c:
        async with httpx.AsyncClient(base_url=a, timeout=30) as on_a, httpx.AsyncClient(base_url=b, timeout=30) as on_b, \
                httpx.AsyncClient(base_url=c, timeout=30) as on_c:
            admin = await GraphQLClient(on_a).login("admin")
            camille_a = await GraphQLClient(on_a).login("agent")
            camille_b = GraphQLClient(on_b)
            camille_b.token, camille_b.me = camille_a.token, camille_a.me  # one desk, any instance
            marie = await GraphQLClient(on_c).login("marie.dupont")
            await camille_b.execute(LOG_IN, {"c": "voice"})
            await marie.execute(LOG_IN, {"c": "voice"})
            # The call is created on A and rings Camille; she accepts on B.
            call = await do(admin, CREATE, to="agent:agent", **{"from": "+33612345678"}, channel="voice",
                            context=[], contact=[])
            async with ws_session(c, admin.token) as session:  # the administrator's desk, on C
                watched = Collector(session, EVENTS, {"id": call["id"]})  # its history first, then live
                try:
                    await until(lambda items: len(items) >= 1, watched)
                    call = await ok(camille_b, BY_ID["acceptOffer"], id=open_offer(call)["id"])
                    # She consults Marie through A; Marie accepts on C; she completes it as a transfer on B.
                    consult = await ok(camille_a, CONSULT, id=call["id"], t=await target(camille_a, "Marie Dupont"))
                    await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
                    done = await ok(camille_b, COMPLETE, id=consult["id"], **{"as": "TRANSFER"})
                    assert party_of(done, role="OWNER")["userId"] == marie.me["id"]
                    await do(admin, BY_ID["customerHangUp"], id=call["id"])
                    items = await until(lambda items: any(i["interactionEvents"]["kind"] == "InteractionEnded"
                                                          for i in items), watched)
                finally:
                    await watched.close()
            history = (await admin.execute("""query($id: ID!) { interaction(id: $id) {
                history(first: 100) { edges { node { id kind } } } } }""", {"id": call["id"]}))
    streamed = [(i["interactionEvents"]["id"], i["interactionEvents"]["kind"]) for i in items]
    stored = [(e["node"]["id"], e["node"]["kind"]) for e in history["interaction"]["history"]["edges"]]
    assert streamed == stored  # every event of the call, once, in commit order, whoever made it where
    assert {"OfferAccepted", "InteractionEnded"} <= {kind for _, kind in streamed}


async def test_ins2_a_client_of_a_killed_instance_resumes_on_another_with_its_cursor_and_misses_nothing(database_url):
    with server_process(database_url, keep_handle=True) as (a, process_a), server_process(database_url) as b:
        async with httpx.AsyncClient(base_url=a, timeout=30) as on_a, httpx.AsyncClient(base_url=b, timeout=30) as on_b:
            lead = await GraphQLClient(on_a).login("lead")
            agent = await GraphQLClient(on_b).login("agent")
            watch = {"agents": [agent.me["id"]]}
            async with ws_session(a, lead.token) as session:
                stream = Collector(session, PRESENCE, watch)
                await stream.wait_for(4)  # the snapshot: the stream is live
                await agent.execute(LOG_IN, {"c": "voice"})
                seen = [i["presenceChanged"] for i in await stream.wait_for(5)]
                process_a.kill()  # SIGKILL in the middle of the watch
                process_a.wait()
                await stream.close()
            # While the supervisor's desk is away, the agent goes on (through B).
            await agent.execute(NOT_READY, {"c": "voice"})
            await agent.execute(READY, {"c": "voice"})
            await agent.execute(LOG_OUT, {"c": "voice"})
            lead_b = GraphQLClient(on_b)
            lead_b.token = lead.token  # the same login, on the instance still alive
            async with ws_session(b, lead_b.token) as session:
                resumed = Collector(session, PRESENCE, {**watch, "after": seen[-1]["cursor"]})
                try:
                    missed = [i["presenceChanged"] for i in await resumed.wait_for(3)]
                    await agent.execute(LOG_IN, {"c": "im"})
                    items = [i["presenceChanged"] for i in await resumed.wait_for(4)]
                finally:
                    await resumed.close()
    assert [(c["channel"], c["state"]) for c in missed] == [
        ("voice", "NOT_READY"), ("voice", "READY"), ("voice", "LOGGED_OFF")]
    assert not any(c["snapshot"] for c in items)
    assert [(c["channel"], c["state"]) for c in items[3:]] == [("im", "READY")]
    positions = [int(c["sequence"]) for c in [seen[-1], *items]]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
