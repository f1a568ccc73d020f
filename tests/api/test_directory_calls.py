"""CALL1: an agent calls any target the directory finds, from its Action menu, with no
customer interaction: the help page's first story ("Si la personne est disponible, utilisez
le menu Action pour l'appeler"), a group that rings one available member or waits, and hold
and consult, transfer and conference on it, as on any call."""

from __future__ import annotations

from tests.e2e.desk import ADD, BY_ID, CONSULT, GET, RESULT, TRANSFER, do, ok, open_offer, party_of, ready_agent, target_id

CALL = RESULT + "mutation($t: ID!, $c: String) { r: callTarget(targetId: $t, channel: $c) { ...R } }"
ALLOWED = "query($id: ID!) { interaction(id: $id) { allowedOperations } }"
FIND = """query($s: String!) { directory(search: $s) { edges { node { id name
  presence { channel state } actions { kind available channels reason } } } } }"""


async def found(client, text: str) -> dict:
    [edge] = (await client.execute(FIND, {"s": text}))["directory"]["edges"]
    return edge["node"]


async def test_call1_the_help_pages_first_story_search_see_ready_call_from_the_action_menu_answered(
        backline, api, client_for):
    camille = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont")
    # Search a colleague, see her ready, and read the Action menu.
    node = await found(camille, "Marie Dupont")
    assert {p["channel"]: p["state"] for p in node["presence"]}["voice"] == "READY"
    action = next(a for a in node["actions"] if a["kind"] == "CALL")
    assert action["available"] and action["channels"] == ["voice"]
    # Call her with what the menu shows: her desk rings, she answers.
    call = await ok(camille, CALL, t=node["id"], c=action["channels"][0])
    assert call["kind"] == "INTERNAL" and call["channel"] == "voice"
    offer = open_offer(call)
    assert offer["state"] == "RINGING" and offer["ringingUserId"] == marie.me["id"]
    answered = await ok(marie, BY_ID["acceptOffer"], id=offer["id"])
    assert answered["state"] == "ACTIVE"
    assert party_of(answered, camille.me["id"])["state"] == "CONNECTED"
    assert party_of(answered, marie.me["id"])["state"] == "CONNECTED"


async def test_call1_a_group_call_rings_one_available_member_or_waits(backline, api, client_for):
    camille = await ready_agent(client_for, "agent")
    helene = await ready_agent(client_for, "helene.durand")  # Technical Support's only ready member
    call = await ok(camille, CALL, t=await target_id(backline, "Technical Support"), c=None)
    assert open_offer(call)["ringingUserId"] == helene.me["id"]
    await ok(helene, BY_ID["acceptOffer"], id=open_offer(call)["id"])
    # Nobody else of the skill is ready: the next call waits in line.
    waiting = await ok(camille, CALL, t=await target_id(backline, "Technical Support"), c=None)
    assert open_offer(waiting)["state"] == "WAITING"


async def test_call1_the_internal_call_has_hold_and_consult_like_any_call(backline, api, client_for):
    camille = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont")
    await ready_agent(client_for, "helene.durand")  # the colleague she consults
    call = await ok(camille, CALL, t=await target_id(backline, "Marie Dupont"), c="voice")
    call = await ok(marie, BY_ID["acceptOffer"], id=open_offer(call)["id"])
    held = await ok(marie, BY_ID["hold"], id=call["id"])
    assert party_of(held, marie.me["id"])["state"] == "HELD"
    await ok(marie, BY_ID["retrieve"], id=call["id"])
    consult = await ok(marie, CONSULT, id=call["id"], t=await target_id(backline, "Hélène Durand"))
    assert consult["kind"] == "CONSULTATION" and consult["parentId"] == call["id"]
    await ok(marie, BY_ID["cancelOffer"], id=open_offer(consult)["id"])
    assert (await marie.execute(GET, {"id": call["id"]}))["interaction"]["state"] == "ACTIVE"


async def test_call1_refused_typed_for_oneself_an_unready_colleague_or_a_channel_without_calls(
        backline, api, client_for):
    camille = await ready_agent(client_for, "agent")
    await ready_agent(client_for, "marie.dupont", ready=False)
    me = await do(camille, CALL, t=await target_id(backline, "Camille Martin"), c=None)
    assert me["__typename"] == "InvalidInputError"
    busy = await do(camille, CALL, t=await target_id(backline, "Marie Dupont"), c=None)
    assert busy["__typename"] == "InvalidStateError" and "not ready" in busy["message"]
    wrong = await do(camille, CALL, t=await target_id(backline, "Marie Dupont"), c="email")
    assert wrong["__typename"] == "UnsupportedOperationError" and wrong["channel"] == "email"


async def test_call1_a_call_between_agents_is_transferred_and_conferenced_like_any_call(backline, api, client_for):
    camille = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont")
    helene = await ready_agent(client_for, "helene.durand")
    zoe = await ready_agent(client_for, "zoe.moreau")
    call = await ok(camille, CALL, t=await target_id(backline, "Marie Dupont"), c="voice")
    call = await ok(marie, BY_ID["acceptOffer"], id=open_offer(call)["id"])
    assert {"TRANSFER", "CONFERENCE"} <= set(
        (await marie.execute(ALLOWED, {"id": call["id"]}))["interaction"]["allowedOperations"])
    # Marie hands Camille on to Hélène (single-step transfer).
    pending = await ok(marie, TRANSFER, id=call["id"], t=await target_id(backline, "Hélène Durand"))
    assert party_of(pending, marie.me["id"])["state"] == "HELD"
    moved = await ok(helene, BY_ID["acceptOffer"], id=open_offer(pending)["id"])
    live = {(p["userId"], p["state"]) for p in moved["parties"] if p["state"] != "LEFT"}
    assert live == {(camille.me["id"], "CONNECTED"), (helene.me["id"], "CONNECTED")}
    # Hélène brings Zoë in: a conference of three agents.
    invited = await ok(helene, ADD, id=call["id"], t=await target_id(backline, "Zoë Moreau"))
    joined = await ok(zoe, BY_ID["acceptOffer"], id=open_offer(invited)["id"])
    assert {p["userId"] for p in joined["parties"] if p["state"] == "CONNECTED"} == {
        camille.me["id"], helene.me["id"], zoe.me["id"]}
