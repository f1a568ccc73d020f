"""DIR3, walked: in each situation of the caller (idle, on a customer call, on a chat, on an
e-mail) and for targets in every state (a colleague ready, not ready, busy, logged off, a
group, a skill, a queue, a routing point), every action the directory shows available is run
through its mutation and succeeds; every action it shows unavailable is run and refused
with the reason the directory gave. The server's Action menu never promises what it then
refuses, nor hides what it would do."""

from __future__ import annotations

from typing import Any

import pytest

from tests.channels.conversation_desk import IM, START_CHAT
from tests.e2e.desk import (
    ADD, BY_ID, CONSULT, GET, RESULT, TRANSFER, answered_call, do, ok, open_offer, place_call, ready_agent,
)

CALL = RESULT + "mutation($t: ID!, $c: String) { r: callTarget(targetId: $t, channel: $c) { ...R } }"
FIND = """query($s: String!, $i: ID) { directory(search: $s, interactionId: $i) { edges { node { id name kind
  actions { kind available channels reason } } } } }"""
LOG_IN = "mutation($c: String!, $r: Boolean!) { logIn(channel: $c, ready: $r) { __typename } }"
READY = "mutation($c: String!) { setReady(channel: $c) { __typename } }"
NOT_READY = 'mutation($c: String!) { setNotReady(channel: $c, reason: "Pause") { __typename } }'
TARGETS = ("Marie Dupont", "Hélène Durand", "Zoë Moreau", "José Muñoz", "Français", "Technical Support",
           "Support", "Support Line")
ANY_CHANNEL = ("voice", "chat", "email", "im")
WHERE_IT_GOES = {"CALL": "voice", "INSTANT_MESSAGE": "im", "CONSULT": "voice"}  # the channels a refused action would use


async def colleagues(backline, admin, client_for) -> None:
    """Marie ready everywhere; Hélène not ready on voice, ready on IM; Zoë busy on a voice
    call, ready on IM; José logged off everywhere."""
    for channel in ANY_CHANNEL:
        await ready_agent(client_for, "marie.dupont", channel=channel)
    helene = await client_for("helene.durand")
    await helene.execute(LOG_IN, {"c": "voice", "r": False})
    await helene.execute(NOT_READY, {"c": "voice"})
    await helene.execute(LOG_IN, {"c": "im", "r": True})
    zoe = await ready_agent(client_for, "zoe.moreau")
    await zoe.execute(LOG_IN, {"c": "im", "r": True})
    await answered_call(backline, admin, zoe)


async def situation(name: str, backline, api, admin, camille, client_for) -> str | None:
    """Puts Camille in the situation; her current interaction's id (None when idle)."""
    if name == "idle":
        return None
    if name == "voice":
        return (await answered_call(backline, admin, camille))["id"]
    if name == "chat":
        marie = await client_for("marie.dupont")
        await marie.execute(NOT_READY, {"c": "chat"})  # the chat is for Camille
        started = (await api.as_user().execute(START_CHAT, {"to": "queue:support", "n": "Léon", "t": "Bonjour"}))["r"]
        assert started["__typename"] == "ChatSession", started
        await marie.execute(READY, {"c": "chat"})
        chat = (await camille.execute(GET, {"id": started["chat"]["id"]}))["interaction"]
        return (await ok(camille, BY_ID["acceptOffer"], id=open_offer(chat)["id"]))["id"]
    mail = await place_call(admin, "agent:agent", caller="client@example.com", channel="email")
    return (await ok(camille, BY_ID["acceptOffer"], id=open_offer(mail)["id"]))["id"]


async def menu(camille, name: str, current: str | None) -> dict:
    edges = (await camille.execute(FIND, {"s": name, "i": current}))["directory"]["edges"]
    [node] = [e["node"] for e in edges if e["node"]["name"] == name] or [edges]
    return node


async def run(camille, action: str, target: str, channel: str, current: str | None) -> dict:
    if action == "CALL":
        return await do(camille, CALL, t=target, c=channel)
    if action == "INSTANT_MESSAGE":
        return await do(camille, IM, t=target, x="Tu as 2 minutes ?")
    if action == "CONSULT":
        return await do(camille, CONSULT, id=current, t=target, c=channel)
    if action == "CONFERENCE":
        return await do(camille, ADD, id=current, t=target)
    return await do(camille, TRANSFER, id=current, t=target)  # TRANSFER, TRANSFER_TO_VOICEMAIL


async def undo(camille, action: str, result: dict, current: str | None) -> None:
    """Back to the situation: the request made is cancelled, what it held is taken back."""
    opened = [o for o in result.get("offers", []) if o["state"] in ("RINGING", "WAITING")]
    if action == "CALL":
        await ok(camille, BY_ID["release"], id=result["id"])
    elif opened:
        await ok(camille, BY_ID["cancelOffer"], id=opened[0]["id"])
    if current is not None:
        call = (await camille.execute(GET, {"id": current}))["interaction"]
        mine = next(p for p in call["parties"] if p["userId"] == camille.me["id"] and p["state"] != "LEFT")
        if mine["state"] == "HELD":
            await ok(camille, BY_ID["retrieve"], id=current)


def refused_for(message: str, reason: str) -> bool:
    """The refusal names (one of) the reasons the directory gave."""
    return any(part.lower() in message.lower() for part in reason.split("; "))


@pytest.mark.parametrize("where", ["idle", "voice", "chat", "email"])
async def test_dir3_every_action_shown_available_succeeds_and_every_one_refused_says_why(
        where, backline, api, client_for):
    admin = await client_for("admin")
    await colleagues(backline, admin, client_for)
    camille = await ready_agent(client_for, "agent", channel={"idle": "voice"}.get(where, where))
    if where != "voice":
        await camille.execute(LOG_IN, {"c": "voice", "r": True})
    current = await situation(where, backline, api, admin, camille, client_for)
    checked: dict[str, list[Any]] = {"available": [], "refused": []}
    voicemail_later = []
    for name in TARGETS:
        node = await menu(camille, name, current)
        for action in node["actions"]:
            kind = action["kind"]
            if action["available"]:
                if kind == "TRANSFER_TO_VOICEMAIL":
                    voicemail_later.append((name, node["id"]))  # it ends the call: last, on a call of its own
                    continue
                result = await run(camille, kind, node["id"], action["channels"][0], current)
                assert result["__typename"] == "Interaction", (where, name, action, result)
                checked["available"].append((name, kind))
                await undo(camille, kind, result, current)
                continue
            if current is None and kind in ("CONSULT", "CONFERENCE", "TRANSFER", "TRANSFER_TO_VOICEMAIL"):
                assert action["reason"] == "no current interaction"
                continue  # nothing to name in the mutation
            kinds = {a["kind"]: a for a in node["actions"]}
            if kind == "TRANSFER" and kinds["TRANSFER_TO_VOICEMAIL"]["available"]:
                continue  # the same mutation: it deposits a voicemail (TRF5), run below
            if kind == "TRANSFER_TO_VOICEMAIL" and kinds["TRANSFER"]["available"]:
                continue  # the person can take it: the mutation transfers (checked above)
            channel = (action["channels"] or [WHERE_IT_GOES.get(kind) or (where if where != "idle" else "voice")])[0]
            result = await run(camille, kind, node["id"], channel, current)
            assert result["__typename"] != "Interaction", (where, name, action, result)
            # A transfer to voicemail is the transfer mutation: where the channel has no voicemail,
            # its refusal says why the person cannot take it and that voicemail is not available.
            said = [action["reason"]] + (["voicemail is not available"] if kind == "TRANSFER_TO_VOICEMAIL" else [])
            assert any(refused_for(result["message"], r) for r in said), (where, name, action, result)
            checked["refused"].append((name, kind))
    assert checked["available"] and checked["refused"]
    assert bool(voicemail_later) == (where == "voice")  # only voice has voicemail
    for n, (name, target) in enumerate(voicemail_later):
        call = current if n == 0 else (await answered_call(backline, admin, camille))["id"]
        left = await run(camille, "TRANSFER_TO_VOICEMAIL", target, "voice", call)
        assert left["__typename"] == "Interaction" and left["endReason"] == "TRANSFERRED_TO_VOICEMAIL", (name, left)
