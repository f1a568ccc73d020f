"""interaction(id), myInteractions, the history (REL3) and the interactionEvents subscription
over a real WebSocket: what the caller may see, live (SEC1, CON2, GRP4)."""

from __future__ import annotations

import pytest

from core.interactions.work import TOPIC
from schema.app import create_app
from tests.e2e.desk import (
    BY_ID,
    CONSULT,
    HISTORY,
    TRANSFER,
    answered_call,
    ok,
    open_offer,
    ready_agent,
    target_id,
)
from tests.support.servers import serve_in_loop
from tests.support.ws import Collector, until_subscribed, ws_session

EVENTS = """subscription($id: ID) { interactionEvents(interactionId: $id) { id kind interactionId actorId payload } }"""


@pytest.fixture
async def live(backline):
    async with serve_in_loop(create_app(backline)) as base:
        yield base


async def test_rel3_history_says_who_did_what_and_when(backline, api, client_for, clock):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    call = await answered_call(backline, admin, agent)
    await clock.advance(30)
    await ok(agent, BY_ID["hold"], id=call["id"])
    events = [e["node"] for e in (await agent.execute(HISTORY, {"id": call["id"]}))["interaction"]["history"]["edges"]]
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "InteractionCreated" and "OfferAccepted" in kinds
    accepted = next(e for e in events if e["kind"] == "OfferAccepted")
    assert accepted["actorId"] == agent.me["id"]
    held = [e for e in events if e["kind"] == "PartyStateChanged" and e["payload"]["state"] == "held"]
    assert held[-1]["actorId"] == agent.me["id"] and held[-1]["at"].startswith("2026-01-05T09:00:30")
    assert (await admin.execute(HISTORY, {"id": call["id"]}))["interaction"]["history"]["edges"]
    outsider = await client_for("jose.munoz")
    assert (await outsider.raw(HISTORY, {"id": call["id"]}))["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # SEC5


async def test_sec1_interaction_events_reach_parties_and_supervisors_only_over_a_real_socket(
        backline, live, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    lead = await client_for("lead")
    outsider = await client_for("jose.munoz")
    async with ws_session(live, agent.token) as mine, ws_session(live, lead.token) as leads, \
            ws_session(live, outsider.token) as others:
        streams_before = backline.bus.subscriber_count(TOPIC)
        seen, supervised, unseen = (Collector(s, EVENTS) for s in (mine, leads, others))
        try:
            await until_subscribed(backline.bus, TOPIC, streams_before + 3)
            await backline.interactions.settle()
            call = await answered_call(backline, admin, agent)
            # The agent's own stream, live: created, ringing, accepted ...
            items = await seen.wait_for(5)
            assert {i["interactionEvents"]["interactionId"] for i in items} == {call["id"]}
            assert "OfferAccepted" in [i["interactionEvents"]["kind"] for i in seen.items]
            await supervised.wait_for(5)
            # A marker event the outsider may see (its own call) proves its stream flows.
            jose = await ready_agent(client_for, "jose.munoz")
            await answered_call(backline, admin, jose)
            await unseen.wait_for(1)
            assert all(i["interactionEvents"]["interactionId"] != call["id"] for i in unseen.items)
            assert "visibleTo" not in items[0]["interactionEvents"]["payload"]
        finally:
            for collector in (seen, supervised, unseen):
                await collector.close()


async def test_con2_a_stream_of_the_customer_interaction_carries_nothing_of_a_consultation(
        backline, live, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont")
    call = await answered_call(backline, admin, agent)
    async with ws_session(live, admin.token) as session, ws_session(live, agent.token) as agents:
        parent_stream = Collector(session, EVENTS, {"id": call["id"]})
        everything = Collector(agents, EVENTS)
        try:
            history = len(await parent_stream.wait_for(1))
            consult = await ok(agent, CONSULT, id=call["id"], t=await target_id(backline, "Marie Dupont"))
            await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
            await ok(agent, BY_ID["hold"], id=consult["id"])  # retrieves nothing: a marker on the consultation
            await ok(agent, BY_ID["retrieve"], id=call["id"])  # a marker on the parent, last
            await everything.wait_for(8)
            items = await parent_stream.wait_for(history + 1)
            assert all(i["interactionEvents"]["interactionId"] == call["id"] for i in items)
            consult_kinds = [i["interactionEvents"]["kind"] for i in everything.items
                             if i["interactionEvents"]["interactionId"] == consult["id"]]
            assert "ConsultationStarted" in consult_kinds
        finally:
            await parent_stream.close()
            await everything.close()


async def test_grp4_the_requester_sees_the_wait_live(backline, live, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    await ready_agent(client_for, "lea.muller", ready=False)
    call = await answered_call(backline, admin, agent)
    async with ws_session(live, agent.token) as session:
        stream = Collector(session, EVENTS, {"id": call["id"]})
        try:
            before = len(await stream.wait_for(1))
            await ok(agent, TRANSFER, id=call["id"], t=await target_id(backline, "Deutsch"))
            items = await stream.wait_for(before + 3)
            waiting = [i["interactionEvents"] for i in items if i["interactionEvents"]["kind"] == "OfferWaiting"]
            while not waiting:
                items = await stream.wait_for(len(items) + 1)
                waiting = [i["interactionEvents"] for i in items if i["interactionEvents"]["kind"] == "OfferWaiting"]
            assert waiting[0]["payload"]["position"] == 1 and waiting[0]["payload"]["targetName"] == "Deutsch"
        finally:
            await stream.close()
