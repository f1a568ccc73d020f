"""Consultations (CON1-CON8) through the API, on voice (and IM for a second, private thread)."""

from __future__ import annotations

from tests.e2e.desk import (
    BY_ID, COMPLETE, CONSULT, GET, HISTORY, PARENT, PRESENCE, answered_call, customer, do, ok, open_offer,
    party_of, ready_agent, target_id,
)


async def consulting(backline, client_for, target_name="Marie Dupont", consulted="marie.dupont", **call_kwargs):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    other = await ready_agent(client_for, consulted)
    call = await answered_call(backline, admin, agent, **call_kwargs)
    consult = await ok(agent, CONSULT, id=call["id"], t=await target_id(backline, target_name))
    return admin, agent, other, call, consult


async def test_con1_consult_a_colleague_about_an_active_call(backline, api, client_for):
    admin, agent, marie, call, consult = await consulting(backline, client_for)
    assert consult["kind"] == "CONSULTATION" and consult["parentId"] == call["id"] and consult["channel"] == "voice"
    joined = await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
    assert party_of(joined, marie.me["id"])["role"] == "CONSULTED"
    assert party_of(joined, marie.me["id"])["state"] == "CONNECTED"


async def test_con1_consult_a_group_over_instant_message(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    jurgen = await ready_agent(client_for, "jurgen.muller", channel="im")
    call = await answered_call(backline, admin, agent)
    consult = await ok(agent, CONSULT, id=call["id"], t=await target_id(backline, "Deutsch"), c="im")
    assert consult["channel"] == "im" and open_offer(consult)["ringingUserId"] == jurgen.me["id"]
    # An IM consultation does not hold the call (only voice has one active call per agent).
    assert customer((await agent.execute(GET, {"id": call["id"]}))["interaction"])["state"] == "CONNECTED"


async def test_con1_consult_over_a_channel_without_consultation_is_refused(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    call = await answered_call(backline, admin, agent)
    refused = await do(agent, CONSULT, id=call["id"], t=await target_id(backline, "Marie Dupont"), c="email")
    assert (refused["channel"], refused["operation"]) == ("email", "consult")


async def test_con2_the_customer_is_never_a_party_nor_in_the_consultation_history(backline, api, client_for):
    admin, agent, marie, call, consult = await consulting(backline, client_for)
    joined = await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
    assert all(p["role"] != "CUSTOMER" and p["address"] is None for p in joined["parties"])
    consult_events = (await agent.execute(HISTORY, {"id": consult["id"]}))["interaction"]["history"]["edges"]
    assert consult_events and "+336" not in str(consult_events)
    parent_events = (await admin.execute(HISTORY, {"id": call["id"]}))["interaction"]["history"]["edges"]
    assert all(e["node"]["interactionId"] == call["id"] for e in parent_events)
    assert not any("parentId" in e["node"]["payload"] or "Marie" in str(e["node"]["payload"]) for e in parent_events)
    assert not any("Consult" in e["node"]["kind"] for e in parent_events)


async def test_con3_the_consulted_member_reads_the_context_and_contact(backline, api, client_for):
    admin, agent, marie, call, consult = await consulting(
        backline, client_for, context={"account": "A-42"}, contact={"name": "Léon Blum"})
    parent = (await marie.execute(PARENT, {"id": consult["id"]}))["interaction"]["parent"]
    assert parent == {"interactionId": call["id"], "context": [{"key": "account", "value": "A-42"}],
                      "contact": [{"key": "name", "value": "Léon Blum"}]}
    outsider = await client_for("jose.munoz")
    assert (await outsider.raw(PARENT, {"id": consult["id"]}))["errors"][0]["extensions"]["code"] \
        == "NOT_FOUND"  # SEC5: as an unknown id


async def test_con4_voice_consultation_holds_the_call_retrieve_alternates_end_and_retrieve(backline, api, client_for):
    admin, agent, marie, call, consult = await consulting(backline, client_for)
    held = (await agent.execute(GET, {"id": call["id"]}))["interaction"]
    assert customer(held)["state"] == "HELD" and party_of(held, agent.me["id"])["state"] == "HELD"
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
    back = await ok(agent, BY_ID["retrieve"], id=call["id"])
    assert customer(back)["state"] == "CONNECTED"
    consult_now = (await agent.execute(GET, {"id": consult["id"]}))["interaction"]
    assert party_of(consult_now, agent.me["id"])["state"] == "HELD"
    await ok(agent, BY_ID["retrieve"], id=consult["id"])
    assert customer((await agent.execute(GET, {"id": call["id"]}))["interaction"])["state"] == "HELD"
    ended = await ok(agent, BY_ID["endConsultationAndRetrieve"], id=consult["id"])
    assert ended["id"] == call["id"] and customer(ended)["state"] == "CONNECTED"
    assert (await agent.execute(GET, {"id": consult["id"]}))["interaction"]["state"] == "ENDED"
    assert (await marie.execute(PRESENCE))["myPresence"][0]["state"] == "READY"


async def test_con5_either_party_ends_the_consultation_and_the_call_goes_on(backline, api, client_for):
    admin, agent, marie, call, consult = await consulting(backline, client_for)
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
    ended = await ok(marie, BY_ID["release"], id=consult["id"])
    assert ended["state"] == "ENDED"
    assert (await agent.execute(GET, {"id": call["id"]}))["interaction"]["state"] == "ACTIVE"


async def test_con5_ending_the_customer_call_does_not_end_the_consultation(backline, api, client_for):
    admin, agent, marie, call, consult = await consulting(backline, client_for)
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
    assert (await ok(agent, BY_ID["release"], id=call["id"]))["state"] == "ENDED"
    still = (await agent.execute(GET, {"id": consult["id"]}))["interaction"]
    assert still["state"] == "ACTIVE" and party_of(still, marie.me["id"])["state"] == "CONNECTED"


async def test_con6_several_consultations_at_once(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont", channel="im")
    helene = await ready_agent(client_for, "helene.durand")
    call = await answered_call(backline, admin, agent)
    by_im = await ok(agent, CONSULT, id=call["id"], t=await target_id(backline, "Marie Dupont"), c="im")
    by_voice = await ok(agent, CONSULT, id=call["id"], t=await target_id(backline, "Hélène Durand"))
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(by_im)["id"])
    await ok(helene, BY_ID["acceptOffer"], id=open_offer(by_voice)["id"])
    for consult in (by_im, by_voice):
        now = (await agent.execute(GET, {"id": consult["id"]}))["interaction"]
        assert now["state"] == "ACTIVE" and len([p for p in now["parties"] if p["state"] == "CONNECTED"]) == 2


async def test_con7_complete_as_transfer_in_one_step(backline, api, client_for):
    admin, agent, marie, call, consult = await consulting(backline, client_for)
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
    done = await ok(agent, COMPLETE, id=consult["id"], **{"as": "TRANSFER"})
    assert done["id"] == call["id"]
    assert party_of(done, role="OWNER")["userId"] == marie.me["id"]
    assert not any(p["userId"] == agent.me["id"] and p["state"] != "LEFT" for p in done["parties"])
    assert customer(done)["state"] == "CONNECTED"
    assert (await agent.execute(GET, {"id": consult["id"]}))["interaction"]["state"] == "ENDED"
    assert (await marie.execute(PRESENCE))["myPresence"][0]["load"] == 1
    assert (await agent.execute(PRESENCE))["myPresence"][0] == {"channel": "voice", "state": "READY", "load": 0}


async def test_con7_complete_as_conference_in_one_step(backline, api, client_for):
    admin, agent, marie, call, consult = await consulting(backline, client_for)
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
    done = await ok(agent, COMPLETE, id=consult["id"], **{"as": "CONFERENCE"})
    assert party_of(done, marie.me["id"])["role"] == "PARTICIPANT"
    assert party_of(done, agent.me["id"])["state"] == "CONNECTED" and customer(done)["state"] == "CONNECTED"
    assert len(customer(done)["hears"]) == 2


async def test_con7_completing_before_the_member_accepts_is_refused(backline, api, client_for):
    admin, agent, marie, call, consult = await consulting(backline, client_for)
    refused = await do(agent, COMPLETE, id=consult["id"], **{"as": "TRANSFER"})
    assert refused["__typename"] == "InvalidStateError"


async def test_con8_the_agent_sees_it_ring_and_a_decline_leaves_the_call_held_until_taken_back(
        backline, api, client_for):
    admin, agent, marie, call, consult = await consulting(backline, client_for, context={"account": "A-42"})
    ringing = open_offer(consult)
    assert ringing["state"] == "RINGING" and ringing["ringingUserId"] == marie.me["id"]
    declined = await ok(marie, BY_ID["declineOffer"], id=ringing["id"])
    assert declined["state"] == "ENDED" and declined["offers"][0]["state"] == "DECLINED"
    original = (await agent.execute(GET, {"id": call["id"]}))["interaction"]
    # Nothing is retrieved automatically (as a declined transfer, TRF3): held, with its owner.
    assert original["state"] == "ACTIVE" and customer(original)["state"] == "HELD"
    assert party_of(original, agent.me["id"])["role"] == "OWNER"
    assert original["context"] == [{"key": "account", "value": "A-42"}]
    back = await ok(agent, BY_ID["retrieve"], id=call["id"])  # by hand
    assert customer(back)["state"] == "CONNECTED"


async def test_con8_no_answer_ends_the_attempt_and_the_call_stays_held(backline, api, client_for, clock):
    admin, agent, marie, call, consult = await consulting(backline, client_for)
    await clock.advance(backline.interactions.options.ring_timeout_seconds)
    attempt = (await agent.execute(GET, {"id": consult["id"]}))["interaction"]
    assert attempt["state"] == "ENDED" and attempt["offers"][0]["state"] == "NO_ANSWER"
    assert customer((await agent.execute(GET, {"id": call["id"]}))["interaction"])["state"] == "HELD"
    assert (await marie.execute(PRESENCE))["myPresence"][0]["state"] == "READY"


async def test_con8_a_second_consultation_declined_leaves_the_customer_and_the_first_consultation_held(
        backline, api, client_for):
    admin, agent, marie, call, first = await consulting(backline, client_for)
    first = await ok(marie, BY_ID["acceptOffer"], id=open_offer(first)["id"])
    helene = await ready_agent(client_for, "helene.durand")
    second = await ok(agent, CONSULT, id=call["id"], t=await target_id(backline, "Hélène Durand"))
    await ok(helene, BY_ID["declineOffer"], id=open_offer(second)["id"])
    original = (await agent.execute(GET, {"id": call["id"]}))["interaction"]
    assert customer(original)["state"] == "HELD"  # the customer is not put back on the line
    first_now = (await agent.execute(GET, {"id": first["id"]}))["interaction"]
    assert first_now["state"] == "ACTIVE"
    assert party_of(first_now, agent.me["id"])["state"] == "HELD"  # nor the first consultation
    back = await ok(agent, BY_ID["retrieve"], id=first["id"])  # the agent chooses
    assert party_of(back, agent.me["id"])["state"] == "CONNECTED"


async def test_con8_consulting_a_not_ready_colleague_is_refused_with_the_reason(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    await ready_agent(client_for, "marie.dupont", ready=False)
    call = await answered_call(backline, admin, agent)
    refused = await do(agent, CONSULT, id=call["id"], t=await target_id(backline, "Marie Dupont"))
    assert refused["__typename"] == "InvalidStateError" and "not ready" in refused["message"]
    assert customer((await agent.execute(GET, {"id": call["id"]}))["interaction"])["state"] == "CONNECTED"


async def test_con7_after_the_customer_hung_up_completing_or_retrieving_names_the_ended_call(
        backline, api, client_for):
    admin, agent, marie, call, consult = await consulting(backline, client_for)
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
    await ok(admin, BY_ID["customerHangUp"], id=call["id"])
    refused = await do(agent, COMPLETE, id=consult["id"], **{"as": "TRANSFER"})
    assert refused["__typename"] == "InvalidStateError"
    assert f"interaction {call['id']}" in refused["message"] and "has ended" in refused["message"]
    refused = await do(agent, BY_ID["endConsultationAndRetrieve"], id=consult["id"])
    assert refused["__typename"] == "InvalidStateError" and "has ended" in refused["message"]
    still = (await agent.execute(GET, {"id": consult["id"]}))["interaction"]
    assert still["state"] == "ACTIVE"  # nothing half applied: the agent ends it with release
    assert (await ok(agent, BY_ID["release"], id=consult["id"]))["state"] == "ENDED"


async def test_con4_alternate_on_the_call_you_are_on_says_there_is_nothing_to_switch_to(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    call = await answered_call(backline, admin, agent)
    refused = await do(agent, BY_ID["alternate"], id=call["id"])
    assert refused["__typename"] == "InvalidStateError"
    assert "the call you are on" in refused["message"] and "retrieve" not in refused["message"]
