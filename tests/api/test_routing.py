"""Inbound customer calls: routing to one available agent (GRP3), waiting in order (GRP4),
accept, decline and the ring time-out, and the integration's permission."""

from __future__ import annotations

from tests.e2e.desk import (
    BY_ID, CUSTOMER, GET, PRESENCE, READY, do, ok, open_offer, place_call, ready_agent,
)
from tests.support.actors import actor_of


async def test_grp3_call_to_a_queue_rings_one_available_member_longest_idle_first(backline, api, client_for, clock):
    admin = await client_for("admin")
    marie = await ready_agent(client_for, "marie.dupont")
    await clock.advance(5)
    agent = await ready_agent(client_for, "agent")
    call = await place_call(admin, "queue:Support", context={"account": "A-42"})
    assert call["state"] == "ROUTING" and call["kind"] == "CUSTOMER" and call["inbound"]
    offer = open_offer(call)
    assert offer["state"] == "RINGING" and offer["ringingUserId"] == marie.me["id"]
    alerting = [p for p in call["parties"] if p["state"] == "ALERTING"]
    assert [p["userId"] for p in alerting] == [marie.me["id"]]  # not the whole group
    taken = await ok(marie, BY_ID["acceptOffer"], id=offer["id"])
    assert taken["state"] == "ACTIVE"
    owner = next(p for p in taken["parties"] if p["role"] == "OWNER")
    assert owner["userId"] == marie.me["id"] and owner["state"] == "CONNECTED"
    assert next(p for p in taken["parties"] if p["role"] == "CUSTOMER")["state"] == "CONNECTED"
    assert (await marie.execute(PRESENCE))["myPresence"][0] == {"channel": "voice", "state": "BUSY", "load": 1}
    assert (await agent.execute(PRESENCE))["myPresence"][0]["state"] == "READY"


async def test_grp3_ring_timeout_offers_the_call_to_the_next_agent(backline, api, client_for, clock):
    admin = await client_for("admin")
    marie = await ready_agent(client_for, "marie.dupont")
    await clock.advance(1)
    agent = await ready_agent(client_for, "agent")
    call = await place_call(admin, "queue:Support")
    first = open_offer(call)
    assert first["ringingUserId"] == marie.me["id"]
    await clock.advance(backline.interactions.options.ring_timeout_seconds)
    again = (await agent.execute(GET, {"id": call["id"]}))["interaction"]
    assert open_offer(again)["ringingUserId"] == agent.me["id"]
    # The time-out that already fired does nothing when it is late (idempotent).
    assert (await do(marie, BY_ID["acceptOffer"], id=first["id"]))["code"] == "CONFLICT"
    assert (await marie.execute(PRESENCE))["myPresence"][0]["state"] == "READY"


async def test_grp3_decline_offers_the_call_to_the_next_agent(backline, api, client_for, clock):
    admin = await client_for("admin")
    marie = await ready_agent(client_for, "marie.dupont")
    await clock.advance(1)
    agent = await ready_agent(client_for, "agent")
    call = await place_call(admin, "queue:Support")
    declined = await ok(marie, BY_ID["declineOffer"], id=open_offer(call)["id"])
    assert open_offer(declined)["ringingUserId"] == agent.me["id"]
    taken = await ok(agent, BY_ID["acceptOffer"], id=open_offer(declined)["id"])
    assert taken["state"] == "ACTIVE"


async def test_grp4_call_waits_when_nobody_is_available_and_goes_to_the_first_who_becomes_ready(
        backline, api, client_for, clock):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent", ready=False)
    first = await place_call(admin, "queue:Support", caller="+33100000001")
    second = await place_call(admin, "queue:Support", caller="+33100000002")
    assert open_offer(first)["state"] == "WAITING" and open_offer(first)["position"] == 1
    assert open_offer(second)["position"] == 2
    await agent.execute(READY, {"c": "voice"})
    await backline.interactions.settle()
    served = (await admin.execute(GET, {"id": first["id"]}))["interaction"]
    assert open_offer(served)["state"] == "RINGING" and open_offer(served)["ringingUserId"] == agent.me["id"]
    still = (await admin.execute(GET, {"id": second["id"]}))["interaction"]
    assert open_offer(still)["state"] == "WAITING" and open_offer(still)["position"] == 1


async def test_grp4_waiting_call_times_out_per_configuration(backline, api, client_for, clock):
    admin = await client_for("admin")
    call = await place_call(admin, "queue:Support")
    assert open_offer(call)["state"] == "WAITING"
    await clock.advance(backline.interactions.options.queue_timeout_seconds)
    ended = (await admin.execute(GET, {"id": call["id"]}))["interaction"]
    assert ended["state"] == "ENDED" and ended["offers"][0]["state"] == "TIMED_OUT"


async def test_grp4_customer_hang_up_cancels_the_wait(backline, api, client_for):
    admin = await client_for("admin")
    call = await place_call(admin, "queue:Support")
    gone = await ok(admin, BY_ID["customerHangUp"], id=call["id"])
    assert gone["state"] == "ENDED" and gone["offers"][0]["state"] == "CANCELLED"


async def test_grp4_a_pool_member_may_pick_a_waiting_call(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent", ready=False)
    call = await place_call(admin, "queue:Support")
    taken = await ok(agent, BY_ID["acceptOffer"], id=open_offer(call)["id"])
    assert taken["state"] == "ACTIVE"
    outsider = await ready_agent(client_for, "jose.munoz", ready=False)
    other = await place_call(admin, "queue:Support")
    refused = await do(outsider, BY_ID["acceptOffer"], id=open_offer(other)["id"])
    assert refused["code"] == "NOT_FOUND"  # SEC5: a request not for you answers as an unknown one


async def test_sec1_only_an_integration_role_creates_customer_calls(backline, api, client_for):
    agent = await ready_agent(client_for, "agent")
    refused = await place_call(agent, "queue:Support")
    assert refused["code"] == "PERMISSION_DENIED"
    admin = await client_for("admin")
    unknown = await place_call(admin, "queue:Nowhere")
    assert unknown["code"] == "NOT_FOUND"


async def test_sec1_other_agents_cannot_read_a_call(backline, api, client_for):
    admin = await client_for("admin")
    await ready_agent(client_for, "agent")
    call = await place_call(admin, "agent:agent", context={"secret": "x"})
    other = await client_for("jose.munoz")
    body = await other.raw(GET, {"id": call["id"]})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # SEC5
    lead = await client_for("lead")  # leads Support Paris, the agent's team
    assert (await lead.execute(GET, {"id": call["id"]}))["interaction"]["id"] == call["id"]
    lyon = await client_for("lead.lyon")
    assert (await lyon.raw(GET, {"id": call["id"]}))["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert CUSTOMER in [p["address"] for p in call["parties"]]


async def test_rel1_ring_timeout_survives_a_restart(backline, api, client_for, settings, config):
    from core.clock import ManualClock
    from core.runtime import Backline

    admin = await client_for("admin")
    marie = await ready_agent(client_for, "marie.dupont")
    call = await place_call(admin, "agent:marie.dupont")
    assert open_offer(call)["state"] == "RINGING"
    # Another process starts on the same database (the first one's timers are not run).
    later = ManualClock(backline.clock.now())
    restarted = Backline(settings, config, clock=later)
    await restarted.start()
    try:
        await later.advance(restarted.interactions.options.ring_timeout_seconds)
        view = await restarted.interactions.reading.get(await actor_of(restarted, "admin"), int(call["id"]))
        assert view.interaction.state.value == "ended" and view.offers[0].state.value == "no_answer"
    finally:
        await restarted.stop()
    assert (await marie.execute(PRESENCE))["myPresence"][0]["state"] == "READY"


async def test_ins3_a_waiting_request_is_served_even_when_the_reaction_to_ready_was_lost(
        backline, api, client_for, clock):
    """An instance that commits an agent's "ready" may die before it reacts; every instance
    also serves the waiting requests every few seconds, on the clock."""
    from core.interactions.routing import REDISPATCH_SECONDS

    admin = await client_for("admin")
    call = await place_call(admin, "queue:support")
    assert open_offer(call)["state"] == "WAITING"
    await backline.interactions.routing.listener.stop()  # the reaction to presence is lost
    camille = await ready_agent(client_for, "agent")
    assert (await camille.execute("{ myOffers { id } }"))["myOffers"] == []
    await clock.advance(REDISPATCH_SECONDS)
    assert (await camille.execute("{ myOffers { interactionId } }"))["myOffers"] == [{"interactionId": call["id"]}]
