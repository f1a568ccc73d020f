"""Instant messages between agents (IM1-IM4) and IM consultations (CON1, CON6)."""

from __future__ import annotations

from tests.channels.conversation_desk import (
    DONE, IM, IM_REQUESTS, send, texts, transcript,
)
from tests.e2e.desk import (
    BY_ID, CONSULT, GET, HISTORY, PRESENCE, answered_call, do, ok, open_offer, party_of, ready_agent, target_id,
)


async def im_load(client) -> int:
    return next(p["load"] for p in (await client.execute(PRESENCE))["myPresence"] if p["channel"] == "im")


async def im_request(backline, client_for, text="Can you take a look at ticket 42?"):
    agent = await ready_agent(client_for, "agent", channel="im")
    marie = await ready_agent(client_for, "marie.dupont", channel="im")
    session = await ok(agent, IM, t=await target_id(backline, "Marie Dupont"), x=text)
    return agent, marie, session


async def accepted_im(backline, client_for):
    agent, marie, session = await im_request(backline, client_for)
    session = await ok(marie, BY_ID["acceptOffer"], id=open_offer(session)["id"])
    return agent, marie, session


async def test_im1_a_request_rings_the_member_who_accepts_then_both_write_in_order(backline, api, client_for):
    agent, marie, session = await im_request(backline, client_for)
    assert session["channel"] == "im" and session["kind"] == "INTERNAL" and session["state"] == "ROUTING"
    assert open_offer(session)["ringingUserId"] == marie.me["id"]
    accepted = await ok(marie, BY_ID["acceptOffer"], id=open_offer(session)["id"])
    assert accepted["state"] == "ACTIVE"
    assert party_of(accepted, marie.me["id"])["state"] == "CONNECTED"
    for i in range(3):
        assert (await send(marie, session["id"], f"marie {i}"))["__typename"] == "TranscriptLine"
        assert (await send(agent, session["id"], f"camille {i}"))["__typename"] == "TranscriptLine"
    expected = ["Can you take a look at ticket 42?"] + [x for i in range(3) for x in (f"marie {i}", f"camille {i}")]
    assert texts(await transcript(agent, session["id"])) == expected
    assert texts(await transcript(marie, session["id"])) == expected
    lines = await transcript(marie, session["id"])
    assert [int(line["id"]) for line in lines] == sorted(int(line["id"]) for line in lines)
    assert all(line["audience"] == "INTERNAL" for line in lines)


async def test_im1_a_declined_request_ends_and_nobody_writes_on_it(backline, api, client_for):
    agent, marie, session = await im_request(backline, client_for)
    declined = await ok(marie, BY_ID["declineOffer"], id=open_offer(session)["id"])
    assert declined["state"] == "ENDED"
    assert declined["offers"][0]["state"] == "DECLINED"
    refused = await send(agent, session["id"], "hello?")
    assert refused["__typename"] in ("InvalidStateError", "PermissionDeniedError")


async def test_im1_a_request_to_a_member_not_ready_on_im_is_refused_with_the_reason(backline, api, client_for):
    agent = await ready_agent(client_for, "agent", channel="im")
    await ready_agent(client_for, "marie.dupont", channel="voice")
    refused = await do(agent, IM, t=await target_id(backline, "Marie Dupont"), x="hi")
    assert refused["__typename"] == "InvalidStateError" and "Marie Dupont" in refused["message"]


async def test_im1_an_outsider_neither_reads_nor_writes_the_conversation(backline, api, client_for):
    agent, marie, session = await accepted_im(backline, client_for)
    outsider = await client_for("jose.munoz")
    assert (await outsider.raw("query($id: ID!) { transcript(interactionId: $id) { edges { node { id } } } }",
                               {"id": session["id"]}))["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # SEC5
    assert (await send(outsider, session["id"], "intrusion"))["code"] == "NOT_FOUND"


async def test_im1_an_oversize_message_is_refused_and_nothing_is_written(backline, api, client_for):
    agent, marie, session = await accepted_im(backline, client_for)
    refused = await send(agent, session["id"], "x" * 5000)
    assert refused["__typename"] == "InvalidInputError"
    assert len(await transcript(agent, session["id"])) == 1


async def test_im2_either_side_ends_the_session_then_each_marks_it_done(backline, api, client_for):
    agent, marie, session = await accepted_im(backline, client_for)
    ended = await ok(marie, BY_ID["release"], id=session["id"])
    assert ended["state"] == "ENDED"
    assert (await send(agent, session["id"], "still there?"))["__typename"] == "InvalidStateError"
    await ok(agent, DONE, id=session["id"])
    again = await do(agent, DONE, id=session["id"])
    assert again["__typename"] == "InvalidStateError"
    await ok(marie, DONE, id=session["id"])
    kinds = [e["node"]["kind"] for e in (await agent.execute(HISTORY, {"id": session["id"]}))["interaction"]
             ["history"]["edges"]]
    assert kinds.count("MarkedDone") == 2


async def test_im2_marking_done_closes_it_for_that_side_only(backline, api, client_for):
    agent, marie, session = await accepted_im(backline, client_for)
    mine = await ok(agent, DONE, id=session["id"])
    assert mine["state"] == "ACTIVE"
    assert next(p for p in mine["parties"] if p["userId"] == agent.me["id"])["state"] == "LEFT"
    assert await im_load(marie) == 1
    closed = await ok(marie, DONE, id=session["id"])
    assert closed["state"] == "ENDED" and closed["endReason"] == "DONE"
    assert await im_load(marie) == 0


async def test_im3_the_request_reaches_the_member_with_its_first_message(backline, api, client_for):
    agent, marie, session = await im_request(backline, client_for, text="Quick question on Mme Blum's file")
    requests = (await marie.execute(IM_REQUESTS))["instantMessageRequests"]
    assert requests == [{"offerId": open_offer(session)["id"], "interactionId": session["id"],
                         "fromUserId": agent.me["id"], "fromName": "Camille Martin",
                         "firstMessage": "Quick question on Mme Blum's file"}]
    assert (await agent.execute(IM_REQUESTS))["instantMessageRequests"] == []


async def test_con1_consult_about_a_call_over_im_and_con6_a_voice_consultation_during_it(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    await agent.execute("mutation { logIn(channel: \"im\", ready: true) { __typename } }")
    marie = await ready_agent(client_for, "marie.dupont", channel="im")
    helene = await ready_agent(client_for, "helene.durand")
    call = await answered_call(backline, admin, agent)
    by_im = await ok(agent, CONSULT, id=call["id"], t=await target_id(backline, "Marie Dupont"), c="im")
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(by_im)["id"])
    await send(agent, by_im["id"], "Customer asks for a refund, ok?")
    by_voice = await ok(agent, CONSULT, id=call["id"], t=await target_id(backline, "Hélène Durand"))
    await ok(helene, BY_ID["acceptOffer"], id=open_offer(by_voice)["id"])
    await send(marie, by_im["id"], "Yes, up to 50 EUR")
    # Both consultations run at once, each a private thread of its own (CON6).
    for consult in (by_im, by_voice):
        now = (await agent.execute(GET, {"id": consult["id"]}))["interaction"]
        assert now["state"] == "ACTIVE" and now["kind"] == "CONSULTATION"
    assert texts(await transcript(marie, by_im["id"])) == ["Customer asks for a refund, ok?", "Yes, up to 50 EUR"]
    assert (await helene.raw("query($id: ID!) { transcript(interactionId: $id) { edges { node { id } } } }",
                             {"id": by_im["id"]}))["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await send(agent, call["id"], "hello"))["operation"] == "message"  # voice carries no lines (CH4)


async def test_im1_a_request_to_a_group_rings_one_available_member(backline, api, client_for):
    agent = await ready_agent(client_for, "agent", channel="im")
    jurgen = await ready_agent(client_for, "jurgen.muller", channel="im")
    session = await ok(agent, IM, t=await target_id(backline, "Deutsch"), x="Wer spricht Deutsch?")
    assert [o["ringingUserId"] for o in session["offers"]] == [jurgen.me["id"]]
    requests = (await jurgen.execute(IM_REQUESTS))["instantMessageRequests"]
    assert [r["firstMessage"] for r in requests] == ["Wer spricht Deutsch?"]


async def test_im1_the_sender_cancels_a_request_that_still_rings(backline, api, client_for):
    agent, marie, session = await im_request(backline, client_for)
    cancelled = await ok(agent, BY_ID["cancelOffer"], id=open_offer(session)["id"])
    assert cancelled["state"] == "ENDED" and cancelled["offers"][0]["state"] == "CANCELLED"
    assert (await marie.execute(IM_REQUESTS))["instantMessageRequests"] == []
    assert await im_load(marie) == 0 and await im_load(agent) == 0
