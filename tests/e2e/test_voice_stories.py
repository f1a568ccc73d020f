"""The help page's voice stories, end to end over real HTTP and WebSocket connections:
(1) a call, a consultation, alternate between the two, complete as a transfer;
(2) a call, a conference, the owner leaves and the call goes on."""

from __future__ import annotations

import httpx
import pytest

from schema.app import create_app
from tests.e2e.desk import (
    ADD, BY_ID, COMPLETE, CONSULT, CREATE, GET, LOG_IN, PARENT, PRESENCE, customer, do, ok, open_offer,
    party_of, target_id,
)
from tests.support.client import GraphQLClient
from tests.support.servers import serve_in_loop
from tests.support.ws import Collector, ws_session

EVENTS = "subscription { interactionEvents { kind interactionId } }"


@pytest.fixture
async def desks(backline):
    async with serve_in_loop(create_app(backline)) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            async def desk(name: str, ready: bool = True) -> GraphQLClient:
                client = await GraphQLClient(http).login(name)
                if ready:
                    await client.execute(LOG_IN, {"c": "voice"})
                return client
            yield base, desk


async def incoming(admin, to: str, context: dict) -> dict:
    return await do(admin, CREATE, to=to, **{"from": "+33612345678"}, channel="voice",
                    context=[{"key": k, "value": v} for k, v in context.items()], contact=[])


async def test_story_call_consult_alternate_and_complete_as_transfer(backline, desks):
    base, desk = desks
    admin, camille, marie = await desk("admin", ready=False), await desk("agent"), await desk("marie.dupont")
    async with ws_session(base, marie.token) as session:
        maries_stream = Collector(session, EVENTS)
        try:
            # A customer calls the Support line; Camille (longest idle) answers.
            call = await incoming(admin, "routing:5100", {"order": "SO-981"})
            assert open_offer(call)["ringingUserId"] == camille.me["id"]
            call = await ok(camille, BY_ID["acceptOffer"], id=open_offer(call)["id"])
            # She consults Marie by voice: the customer goes on hold (CON4), Marie's desk rings live.
            consult = await ok(camille, CONSULT, id=call["id"], t=await target_id(backline, "Marie Dupont"))
            assert customer((await camille.execute(GET, {"id": call["id"]}))["interaction"])["state"] == "HELD"
            await maries_stream.wait_for(1)
            assert {i["interactionEvents"]["interactionId"] for i in maries_stream.items} == {consult["id"]}
            await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
            # Marie sees the order number of the customer's call (CON3).
            parent = (await marie.execute(PARENT, {"id": consult["id"]}))["interaction"]["parent"]
            assert parent["context"] == [{"key": "order", "value": "SO-981"}]
            # Camille alternates: back to the customer, then back to Marie.
            await ok(camille, BY_ID["alternate"], id=call["id"])
            assert customer((await camille.execute(GET, {"id": call["id"]}))["interaction"])["state"] == "CONNECTED"
            await ok(camille, BY_ID["alternate"], id=consult["id"])
            # One step: Marie takes the customer, Camille is free.
            done = await ok(camille, COMPLETE, id=consult["id"], **{"as": "TRANSFER"})
            assert party_of(done, role="OWNER")["userId"] == marie.me["id"]
            assert customer(done)["state"] == "CONNECTED"
            assert (await camille.execute(PRESENCE))["myPresence"][0]["state"] == "READY"
            assert (await marie.execute(PRESENCE))["myPresence"][0]["state"] == "BUSY"
        finally:
            await maries_stream.close()


async def test_story_call_conference_and_the_owner_leaves(backline, desks):
    base, desk = desks
    admin, camille, helene = await desk("admin", ready=False), await desk("agent"), await desk("helene.durand")
    call = await incoming(admin, "agent:agent", {"topic": "router"})
    call = await ok(camille, BY_ID["acceptOffer"], id=open_offer(call)["id"])
    # Camille adds the Technical Support skill: one member (Hélène) is offered it.
    invited = await ok(camille, ADD, id=call["id"], t=await target_id(backline, "Technical Support"), a=None)
    assert open_offer(invited)["ringingUserId"] == helene.me["id"]
    joined = await ok(helene, BY_ID["acceptOffer"], id=open_offer(invited)["id"])
    assert len(customer(joined)["hears"]) == 2
    # Camille leaves; the customer and Hélène go on (CNF5).
    after = await ok(camille, BY_ID["release"], id=call["id"])
    assert after["state"] == "ACTIVE" and customer(after)["state"] == "CONNECTED"
    assert party_of(after, role="OWNER")["userId"] == helene.me["id"]
    # Hélène hangs up: the call ends and everyone is free.
    ended = await ok(helene, BY_ID["release"], id=call["id"])
    assert ended["state"] == "ENDED"
    for desk_ in (camille, helene):
        assert (await desk_.execute(PRESENCE))["myPresence"][0]["state"] == "READY"
