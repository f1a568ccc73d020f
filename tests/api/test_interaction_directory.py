"""DIR3 with the real engine: directory results list the actions available with the caller's
current interaction (transfer, conference, consult on a colleague while on a call), and the
interaction lists what the caller may do on it now."""

from __future__ import annotations

from tests.e2e.desk import (
    TRANSFER, answered_call, ok, ready_agent, target_id,
)

ACTIONS = """query($s: String, $i: ID) { directory(search: $s, interactionId: $i) {
  edges { node { name actions { kind available channels reason } } } } }"""
ALLOWED = "query($id: ID!) { interaction(id: $id) { allowedOperations } }"


async def actions(client, text, interaction_id=None):
    edges = (await client.execute(ACTIONS, {"s": text, "i": interaction_id}))["directory"]["edges"]
    return {a["kind"]: a for a in edges[0]["node"]["actions"]}


async def test_dir3_transfer_conference_and_consult_appear_on_a_colleague_while_on_a_call(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    await ready_agent(client_for, "marie.dupont")
    before = await actions(agent, "marie dupont")
    assert not before["TRANSFER"]["available"] and before["TRANSFER"]["reason"] == "no current interaction"
    call = await answered_call(backline, admin, agent)
    during = await actions(agent, "marie dupont")
    for kind in ("TRANSFER", "CONFERENCE", "CONSULT"):
        assert during[kind]["available"], during[kind]
    assert during["TRANSFER"]["channels"] == ["voice"]
    named = await actions(agent, "marie dupont", call["id"])
    assert named["TRANSFER"]["available"]


async def test_dir3_no_second_transfer_while_one_is_pending(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    await ready_agent(client_for, "marie.dupont")
    await ready_agent(client_for, "helene.durand")
    call = await answered_call(backline, admin, agent)
    assert "TRANSFER" in (await agent.execute(ALLOWED, {"id": call["id"]}))["interaction"]["allowedOperations"]
    await ok(agent, TRANSFER, id=call["id"], t=await target_id(backline, "Marie Dupont"))
    allowed = (await agent.execute(ALLOWED, {"id": call["id"]}))["interaction"]["allowedOperations"]
    assert "TRANSFER" not in allowed and "CONFERENCE" in allowed
    assert not (await actions(agent, "helene durand"))["TRANSFER"]["available"]


RECENT = "{ directory(first: 3) { edges { node { name } } } }"


async def test_dir5_whom_an_agent_transfers_to_becomes_a_recent_target(backline, api, client_for, clock):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    await ready_agent(client_for, "marie.dupont")
    await ready_agent(client_for, "helene.durand", ready=False)  # busy elsewhere: voicemail
    call = await answered_call(backline, admin, agent)
    await ok(agent, TRANSFER, id=call["id"], t=await target_id(backline, "Marie Dupont"))
    await clock.advance(1)
    other = await answered_call(backline, admin, await ready_agent(client_for, "zoe.moreau"))
    zoe = await client_for("zoe.moreau")
    await ok(zoe, TRANSFER, id=other["id"], t=await target_id(backline, "Hélène Durand"))
    names = [e["node"]["name"] for e in (await agent.execute(RECENT))["directory"]["edges"]]
    assert names[0] == "Marie Dupont"
    zoe_names = [e["node"]["name"] for e in (await zoe.execute(RECENT))["directory"]["edges"]]
    assert zoe_names[0] == "Hélène Durand"  # per user; a transfer to voicemail counts too
