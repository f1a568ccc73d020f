"""OFR1: what rings for me, typed: one list of every offer ringing the caller on any channel,
with what it is, who or what it comes from, the context and until when it rings."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.channels.conversation_desk import IM
from tests.e2e.desk import BY_ID, CONSULT, ok, open_offer, place_call, ready_agent, target_id

MINE = """{ myOffers { id kind channel interactionId via fromUserId fromName fromAddress
  context { key value } offeredAt ringsUntil } }"""
CALL = """mutation($t: ID!) { r: callTarget(targetId: $t) { __typename ... on Interaction { id offers { id state } } } }"""


async def my_offers(client) -> list[dict]:
    return (await client.execute(MINE))["myOffers"]


async def test_ofr1_a_customer_call_rings_me_typed_with_its_caller_context_and_ring_deadline(
        backline, api, client_for, clock):
    admin = await client_for("admin")
    camille = await ready_agent(client_for, "agent")
    call = await place_call(admin, "queue:Support", caller="+33612345678", context={"order": "SO-981"})
    [offer] = await my_offers(camille)
    assert offer["id"] == open_offer(call)["id"] and offer["interactionId"] == call["id"]
    assert (offer["kind"], offer["channel"], offer["via"]) == ("CUSTOMER_CONTACT", "voice", "Support")
    assert offer["fromAddress"] == "+33612345678" and offer["fromUserId"] is None
    assert offer["context"] == [{"key": "order", "value": "SO-981"}]
    ring = timedelta(seconds=backline.interactions.options.ring_timeout_seconds)
    assert datetime.fromisoformat(offer["ringsUntil"]) == datetime.fromisoformat(offer["offeredAt"]) + ring
    await ok(camille, BY_ID["acceptOffer"], id=offer["id"])
    assert await my_offers(camille) == []  # answered: it rings no more


async def test_ofr1_a_consultation_an_internal_call_and_an_im_request_each_say_what_they_are(
        backline, api, client_for):
    admin = await client_for("admin")
    camille = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont")
    await ready_agent(client_for, "marie.dupont", channel="im")
    await ready_agent(client_for, "agent", channel="im")
    call = await place_call(admin, "agent:agent", context={"account": "A-42"})
    call = await ok(camille, BY_ID["acceptOffer"], id=open_offer(call)["id"])
    await ok(camille, CONSULT, id=call["id"], t=await target_id(backline, "Marie Dupont"))
    [consultation] = await my_offers(marie)
    assert (consultation["kind"], consultation["fromName"], consultation["fromUserId"]) == (
        "CONSULTATION", "Camille Martin", camille.me["id"])
    assert consultation["context"] == [{"key": "account", "value": "A-42"}]  # the call it is about (CON3)
    await ok(marie, BY_ID["declineOffer"], id=consultation["id"])
    helene = await ready_agent(client_for, "helene.durand")
    await ready_agent(client_for, "helene.durand", channel="im")
    zoe = await client_for("zoe.moreau")
    await ready_agent(client_for, "zoe.moreau")
    internal = (await zoe.execute(CALL, {"t": await target_id(backline, "Hélène Durand")}))["r"]
    assert internal["__typename"] == "Interaction"
    await ok(zoe, IM, t=await target_id(backline, "Hélène Durand"), x="Tu as 2 minutes ?")
    kinds = {(o["kind"], o["channel"], o["fromName"]) for o in await my_offers(helene)}
    assert kinds == {("INTERNAL_CALL", "voice", "Zoë Moreau"), ("IM_REQUEST", "im", "Zoë Moreau")}


UPDATES = """subscription($after: String) { myOfferUpdates(after: $after) {
  offerId outcome at offer { kind fromName } cursor } }"""


async def test_ofr1_each_offer_and_its_outcome_arrive_live_typed(backline, api, client_for):
    from schema.app import create_app
    from tests.support.servers import serve_in_loop
    from tests.support.ws import Collector, until_subscribed, ws_session

    admin = await client_for("admin")
    camille = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont")
    async with serve_in_loop(create_app(backline)) as base, ws_session(base, marie.token) as session:
        already = backline.bus.subscriber_count("interaction")  # the background reactions' own
        updates = Collector(session, UPDATES)
        try:
            await until_subscribed(backline.bus, "interaction", already + 1)
            first = await place_call(admin, "agent:marie.dupont")
            await ok(marie, BY_ID["declineOffer"], id=open_offer(first)["id"])
            second = await place_call(admin, "agent:marie.dupont")
            await ok(marie, BY_ID["acceptOffer"], id=open_offer(second)["id"])
            await ok(admin, BY_ID["customerHangUp"], id=second["id"])  # she is free again
            call = await ok(camille, BY_ID["acceptOffer"], id=open_offer(await place_call(admin, "agent:agent"))["id"])
            consult = await ok(camille, CONSULT, id=call["id"], t=await target_id(backline, "Marie Dupont"))
            await ok(camille, BY_ID["cancelOffer"], id=open_offer(consult)["id"])
            items = [i["myOfferUpdates"] for i in await updates.wait_for(6)]
        finally:
            await updates.close()
    assert [(i["offerId"], i["outcome"]) for i in items] == [
        (open_offer(first)["id"], "RINGING"), (open_offer(first)["id"], "DECLINED"),
        (open_offer(second)["id"], "RINGING"), (open_offer(second)["id"], "ACCEPTED"),
        (open_offer(consult)["id"], "RINGING"), (open_offer(consult)["id"], "CANCELLED")]
    assert items[0]["offer"]["kind"] == "CUSTOMER_CONTACT"
    assert items[4]["offer"] == {"kind": "CONSULTATION", "fromName": "Camille Martin"}
    assert all(i["cursor"] for i in items)
