"""SEC5: an id the caller may not see gets the same answer as an id that does not exist, on
every query and mutation that takes one; an offer's eligibility is checked before its state."""

from __future__ import annotations

import re

from tests.channels.conversation_desk import DONE, SEND
from tests.e2e.desk import (
    ADD, ATTACH, BY_ID, COMPLETE, CONSULT, DTMF, GET, HISTORY, MUTE, REMOVE, TRANSFER, answered_call, customer, open_offer,
    place_call, ready_agent, target_id,
)

UNKNOWN = "987654"
TRANSCRIPT = "query($id: ID!) { transcript(interactionId: $id) { edges { node { id } } } }"
MONITOR = """mutation($a: ID!, $id: ID!) { r: startMonitoring(agentId: $a, mode: MONITOR, interactionId: $id) {
  __typename ... on Error { code message } } }"""


def answer(body: dict, *ids: str) -> tuple:
    """What a caller learns from an answer: its code and message (the id it names aside)."""
    if body.get("errors"):
        error = body["errors"][0]
        found = ("error", error["extensions"].get("code"), error["message"])
    else:
        result = body["data"]["r"]
        found = (result["__typename"], result.get("code"), result.get("message"))
    text = found[2] or ""
    for value in ids:
        text = re.sub(rf"\b{value}\b", "<id>", text)
    return (*found[:2], text)


async def same_answer(client, query: str, seen_id: str, code: str = "NOT_FOUND", **variables) -> tuple:
    seen = answer(await client.raw(query, {"id": seen_id, **variables}), seen_id)
    unknown = answer(await client.raw(query, {"id": UNKNOWN, **variables}), UNKNOWN)
    assert seen == unknown, (query.split("{")[-3:], seen, unknown)
    assert seen[1] == code, seen
    return seen


async def test_sec5_an_interaction_of_others_answers_as_an_unknown_one_everywhere(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    call = await answered_call(backline, admin, agent)
    outsider = await client_for("jose.munoz")  # Ventes Lyon: neither a party nor its supervisor
    marie = await target_id(backline, "Marie Dupont")
    some_party = customer(call)["id"]
    for query, variables in [
        (GET.replace("interaction(id: $id)", "r: interaction(id: $id)"), {}),
        (HISTORY, {}),
        (TRANSCRIPT, {}),
        *((BY_ID[name], {}) for name in ("hold", "retrieve", "alternate", "release", "endConsultationAndRetrieve")),
        (DTMF, {"d": "1"}),
        (ATTACH, {"data": [{"key": "k", "value": "v"}]}),
        (CONSULT, {"t": marie, "c": None}),
        (COMPLETE, {"as": "TRANSFER"}),
        (TRANSFER, {"t": marie}),
        (ADD, {"t": marie, "a": None}),
        # Needs a permission the account has not: refused so before any id is looked at.
        (REMOVE, {"p": some_party, "code": "PERMISSION_DENIED"}),
        (MUTE, {"p": some_party, "to": None}),
        (SEND, {"t": "intrusion", "n": False}),
        (DONE, {}),
    ]:
        await same_answer(outsider, query, call["id"], **variables)
    lyon = await client_for("lead.lyon")  # supervises jose.munoz, not the call's agent
    await same_answer(lyon, MONITOR, call["id"], a=outsider.me["id"])


async def test_sec5_an_offer_for_others_answers_as_an_unknown_one_whatever_its_state(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    taken = await answered_call(backline, admin, agent)
    accepted_offer = next(o for o in taken["offers"] if o["state"] == "ACCEPTED")["id"]
    waiting = open_offer(await place_call(admin, "queue:Support"))["id"]  # the agent is busy: it waits
    outsider = await ready_agent(client_for, "jose.munoz")
    for offer in (accepted_offer, waiting):
        for name in ("acceptOffer", "declineOffer", "cancelOffer"):
            await same_answer(outsider, BY_ID[name], offer)


async def test_sec5_a_member_racing_for_a_taken_offer_still_learns_it_was_taken(backline, api, client_for):
    """Eligibility first, then state: someone the request was for is told it is gone."""
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont")
    call = await place_call(admin, "queue:Support")
    offer = open_offer(call)
    first, second = (agent, marie) if offer["ringingUserId"] == agent.me["id"] else (marie, agent)
    assert (await first.execute(BY_ID["acceptOffer"], {"id": offer["id"]}))["r"]["__typename"] == "Interaction"
    late = (await second.execute(BY_ID["acceptOffer"], {"id": offer["id"]}))["r"]
    assert late["code"] == "CONFLICT", late
