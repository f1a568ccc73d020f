"""Single-step transfer (TRF1-TRF5) through the API."""

from __future__ import annotations

from sqlmodel import select

from core.voicemail.models import Voicemail
from tests.e2e.desk import (
    ADD, BY_ID, GET, PRESENCE, READY, TRANSFER, answered_call, customer, do, ok, open_offer, party_of,
    ready_agent, target_id,
)


async def test_trf1_single_step_transfer_to_an_agent(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont")
    call = await answered_call(backline, admin, agent, context={"account": "A-42"})
    pending = await ok(agent, TRANSFER, id=call["id"], t=await target_id(backline, "Marie Dupont"))
    offer = open_offer(pending)
    assert offer["purpose"] == "TRANSFER" and offer["ringingUserId"] == marie.me["id"]
    done = await ok(marie, BY_ID["acceptOffer"], id=offer["id"])
    assert party_of(done, role="OWNER")["userId"] == marie.me["id"]
    assert next(p for p in done["parties"] if p["userId"] == agent.me["id"])["state"] == "LEFT"
    assert customer(done)["state"] == "CONNECTED" and done["state"] == "ACTIVE"
    assert (await agent.execute(PRESENCE))["myPresence"][0]["state"] == "READY"
    assert (await marie.execute(PRESENCE))["myPresence"][0]["state"] == "BUSY"


async def test_trf1_single_step_transfer_to_a_group_rings_one_member(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    jurgen = await ready_agent(client_for, "jurgen.muller")
    call = await answered_call(backline, admin, agent)
    pending = await ok(agent, TRANSFER, id=call["id"], t=await target_id(backline, "Deutsch"))
    assert open_offer(pending)["ringingUserId"] == jurgen.me["id"]
    done = await ok(jurgen, BY_ID["acceptOffer"], id=open_offer(pending)["id"])
    assert party_of(done, role="OWNER")["userId"] == jurgen.me["id"]


async def test_trf2_context_travels_to_the_receiver_and_not_to_other_agents(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont")
    call = await answered_call(backline, admin, agent, context={"account": "A-42"}, contact={"name": "Léon Blum"})
    pending = await ok(agent, TRANSFER, id=call["id"], t=await target_id(backline, "Marie Dupont"))
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(pending)["id"])
    seen = (await marie.execute(GET, {"id": call["id"]}))["interaction"]
    assert seen["context"] == [{"key": "account", "value": "A-42"}]
    assert seen["contact"] == [{"key": "name", "value": "Léon Blum"}]
    assert (await admin.execute(GET, {"id": call["id"]}))["interaction"]["context"] == seen["context"]
    other = await client_for("helene.durand")
    assert (await other.raw(GET, {"id": call["id"]}))["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # SEC5


async def test_trf3_customer_is_on_hold_while_a_transfer_waits(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    await ready_agent(client_for, "marie.dupont")
    call = await answered_call(backline, admin, agent)
    pending = await ok(agent, TRANSFER, id=call["id"], t=await target_id(backline, "Marie Dupont"))
    assert customer(pending)["state"] == "HELD" and party_of(pending, agent.me["id"])["state"] == "HELD"


async def test_trf3_declined_transfer_leaves_the_customer_held_with_the_agent(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont")
    call = await answered_call(backline, admin, agent)
    pending = await ok(agent, TRANSFER, id=call["id"], t=await target_id(backline, "Marie Dupont"))
    declined = await ok(marie, BY_ID["declineOffer"], id=open_offer(pending)["id"])
    offer = declined["offers"][-1]
    assert offer["state"] == "DECLINED" and "declined" in offer["reason"]
    assert customer(declined)["state"] == "HELD"
    assert party_of(declined, agent.me["id"])["state"] == "HELD"  # not retrieved automatically
    back = await ok(agent, BY_ID["retrieve"], id=call["id"])
    assert customer(back)["state"] == "CONNECTED"


async def test_trf3_unanswered_transfer_times_out_and_stays_on_hold(backline, api, client_for, clock):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    await ready_agent(client_for, "marie.dupont")
    call = await answered_call(backline, admin, agent)
    await ok(agent, TRANSFER, id=call["id"], t=await target_id(backline, "Marie Dupont"))
    await clock.advance(backline.interactions.options.transfer_timeout_seconds)
    after = (await agent.execute(GET, {"id": call["id"]}))["interaction"]
    assert after["offers"][-1]["state"] == "NO_ANSWER"
    assert customer(after)["state"] == "HELD" and party_of(after, agent.me["id"])["state"] == "HELD"


async def test_trf4_transfer_to_a_group_with_nobody_available_waits_and_can_be_cancelled(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    lea = await ready_agent(client_for, "lea.muller", ready=False)
    call = await answered_call(backline, admin, agent)
    pending = await ok(agent, TRANSFER, id=call["id"], t=await target_id(backline, "Deutsch"))
    offer = open_offer(pending)
    assert offer["state"] == "WAITING" and offer["position"] == 1 and offer["requesterId"] == agent.me["id"]
    await lea.execute(READY, {"c": "voice"})
    await backline.interactions.settle()
    ringing = (await agent.execute(GET, {"id": call["id"]}))["interaction"]
    assert open_offer(ringing)["ringingUserId"] == lea.me["id"]
    cancelled = await ok(agent, BY_ID["cancelOffer"], id=offer["id"])
    assert cancelled["offers"][-1]["state"] == "CANCELLED"
    assert customer(cancelled)["state"] == "HELD"
    assert (await lea.execute(PRESENCE))["myPresence"][0]["state"] == "READY"


async def test_trf5_transfer_to_a_busy_agent_goes_to_voicemail(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    await ready_agent(client_for, "marie.dupont", ready=False)
    call = await answered_call(backline, admin, agent)
    done = await ok(agent, TRANSFER, id=call["id"], t=await target_id(backline, "Marie Dupont"))
    assert done["state"] == "ENDED" and done["endReason"] == "TRANSFERRED_TO_VOICEMAIL"
    async with backline.store.read() as session:
        left = (await session.exec(select(Voicemail).where(Voicemail.interaction_id == int(call["id"])))).all()
    assert len(left) == 1 and left[0].caller == customer(done)["address"]
    assert (await agent.execute(PRESENCE))["myPresence"][0]["state"] == "READY"


async def test_trf5_transfer_to_oneself_or_unknown_target_is_refused(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    call = await answered_call(backline, admin, agent)
    assert (await do(agent, TRANSFER, id=call["id"], t=await target_id(backline, "Camille Martin")))["code"] \
        == "INVALID_INPUT"
    assert (await do(agent, TRANSFER, id=call["id"], t="99999"))["code"] == "NOT_FOUND"


async def test_trf1_transfer_to_someone_already_on_the_call_is_refused_with_the_reason(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont")
    call = await answered_call(backline, admin, agent)
    invited = await ok(agent, ADD, id=call["id"], t=await target_id(backline, "Marie Dupont"), a=None)
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(invited)["id"])
    refused = await do(agent, TRANSFER, id=call["id"], t=await target_id(backline, "Marie Dupont"))
    assert refused["__typename"] == "InvalidStateError" and "already on this interaction" in refused["message"]
    assert customer((await agent.execute(GET, {"id": call["id"]}))["interaction"])["state"] == "CONNECTED"
