"""Voice call control through the API: hold, retrieve, alternate, release, DTMF, attached
data; one active call per agent; capabilities decide what a channel may do (CH1, CH4)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.e2e.desk import (
    ATTACH, BY_ID, CONSULT, DTMF, HISTORY, MINE, PRESENCE, ADD, answered_call, customer, do, ok,
    open_offer, party_of, place_call, ready_agent, target_id,
)

REPO = Path(__file__).resolve().parents[2]


async def test_voice_hold_and_retrieve_put_the_customer_on_hold_and_back(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    call = await answered_call(backline, admin, agent)
    held = await ok(agent, BY_ID["hold"], id=call["id"])
    assert party_of(held, agent.me["id"])["state"] == "HELD" and customer(held)["state"] == "HELD"
    back = await ok(agent, BY_ID["retrieve"], id=call["id"])
    assert party_of(back, agent.me["id"])["state"] == "CONNECTED" and customer(back)["state"] == "CONNECTED"
    again = await do(agent, BY_ID["retrieve"], id=call["id"])
    assert again["__typename"] == "InvalidStateError"


async def test_voice_release_ends_the_call_and_frees_the_agent(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    call = await answered_call(backline, admin, agent)
    assert (await agent.execute(PRESENCE))["myPresence"][0]["state"] == "BUSY"
    ended = await ok(agent, BY_ID["release"], id=call["id"])
    assert ended["state"] == "ENDED" and all(p["state"] == "LEFT" for p in ended["parties"])
    assert (await agent.execute(PRESENCE))["myPresence"][0] == {"channel": "voice", "state": "READY", "load": 0}
    assert (await agent.execute(MINE, {"all": False}))["myInteractions"]["edges"] == []
    assert len((await agent.execute(MINE, {"all": True}))["myInteractions"]["edges"]) == 1


async def test_voice_dtmf_digits_are_validated_by_the_voice_plugin_and_not_kept_in_history(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    call = await answered_call(backline, admin, agent)
    await ok(agent, DTMF, id=call["id"], d="1234#")
    bad = await do(agent, DTMF, id=call["id"], d="12x")
    assert bad["__typename"] == "InvalidInputError"
    events = (await agent.execute(HISTORY, {"id": call["id"]}))["interaction"]["history"]["edges"]
    sent = [e["node"]["payload"] for e in events if e["node"]["kind"] == "DtmfSent"]
    assert sent and sent[0]["count"] == 5 and "1234#" not in str(events)


async def test_voice_one_active_call_per_agent_alternate_between_two_calls(backline, api, client_for):
    """CON4's alternation: retrieving one of two calls holds the other."""
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    await ready_agent(client_for, "marie.dupont")
    call = await answered_call(backline, admin, agent)
    consult = await ok(agent, CONSULT, id=call["id"], t=await target_id(backline, "Marie Dupont"))
    marie = await client_for("marie.dupont")
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
    flipped = await ok(agent, BY_ID["alternate"], id=call["id"])
    assert party_of(flipped, agent.me["id"])["state"] == "CONNECTED"
    mine = {e["node"]["id"]: party_of(e["node"], agent.me["id"])["state"]
            for e in (await agent.execute(MINE, {"all": False}))["myInteractions"]["edges"]}
    assert mine == {call["id"]: "CONNECTED", consult["id"]: "HELD"}
    await ok(agent, BY_ID["alternate"], id=consult["id"])
    mine = {e["node"]["id"]: party_of(e["node"], agent.me["id"])["state"]
            for e in (await agent.execute(MINE, {"all": False}))["myInteractions"]["edges"]}
    assert mine == {call["id"]: "HELD", consult["id"]: "CONNECTED"}


async def test_trf2_attached_data_travels_and_is_visible_to_parties(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    call = await answered_call(backline, admin, agent, context={"account": "A-42"})
    updated = await ok(agent, ATTACH, id=call["id"], data=[{"key": "reason", "value": "billing"}])
    assert updated["context"] == [{"key": "account", "value": "A-42"}, {"key": "reason", "value": "billing"}]


async def test_ch4_hold_on_a_channel_without_hold_names_channel_and_operation(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent", channel="chat")
    chat = await place_call(admin, "agent:agent", caller="visitor@example.com", channel="chat")
    await ok(agent, BY_ID["acceptOffer"], id=open_offer(chat)["id"])
    refused = await do(agent, BY_ID["hold"], id=chat["id"])
    assert refused["__typename"] == "UnsupportedOperationError"
    assert (refused["channel"], refused["operation"]) == ("chat", "hold")
    assert "chat" in refused["message"] and "hold" in refused["message"]


async def test_ch4_conference_on_email_is_refused_naming_channel_and_operation(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent", channel="email")
    mail = await place_call(admin, "agent:agent", caller="client@example.com", channel="email")
    await ok(agent, BY_ID["acceptOffer"], id=open_offer(mail)["id"])
    refused = await do(agent, ADD, id=mail["id"], t=await target_id(backline, "Marie Dupont"), a=None)
    assert (refused["channel"], refused["operation"]) == ("email", "conference")


def test_ch1_the_interaction_engine_never_branches_on_a_channel_name():
    names = {"voice", "chat", "email", "im"}
    for path in (REPO / "core" / "interactions").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                for side in [node.left, *node.comparators]:
                    assert not (isinstance(side, ast.Constant) and side.value in names), \
                        f"{path.name}:{node.lineno} compares with a channel name"
            if isinstance(node, ast.Constant) and node.value in names:
                raise AssertionError(f"{path.name}:{node.lineno} names the channel {node.value!r}")
