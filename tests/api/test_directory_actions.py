"""DIR3 and DIR4 through the API: each result carries what the caller can do now, computed by
the core (with the caller's current interaction when the engine supplies one), and the
channels on which the target is reachable now."""

from __future__ import annotations

from core.channels import Operation
from core.directory.actions import CurrentInteraction

ACTIONS = """
query($s: String, $i: ID) {
  directory(search: $s, interactionId: $i) {
    edges { node { name availableChannels actions { kind available channels reason } } }
  }
}
"""
LOG_IN = "mutation($c: String!, $r: Boolean!) { logIn(channel: $c, ready: $r) { __typename } }"


async def actions(api, text, interaction_id=None):
    edges = (await api.execute(ACTIONS, {"s": text, "i": interaction_id}))["directory"]["edges"]
    assert len(edges) == 1
    node = edges[0]["node"]
    return {a["kind"]: a for a in node["actions"]}, node["availableChannels"]


async def test_dir3_result_carries_call_and_im_with_reasons_for_the_rest(api, client_for):
    marie = await client_for("marie.dupont")
    await marie.execute(LOG_IN, {"c": "voice", "r": True})
    await marie.execute(LOG_IN, {"c": "im", "r": True})
    await api.login("agent")
    found, _ = await actions(api, "marie dupont")
    assert found["CALL"] == {"kind": "CALL", "available": True, "channels": ["voice"], "reason": None}
    assert found["INSTANT_MESSAGE"]["channels"] == ["im"]
    for kind in ("CONSULT", "CONFERENCE", "TRANSFER", "TRANSFER_TO_VOICEMAIL"):
        assert found[kind]["available"] is False and found[kind]["reason"] == "no current interaction"


async def test_dir3_with_the_callers_current_interaction_transfer_and_conference_appear(api, client_for, backline):
    marie = await client_for("marie.dupont")
    await marie.execute(LOG_IN, {"c": "voice", "r": True})
    asked = []

    async def current(actor, interaction_id):
        asked.append((actor.username, interaction_id))
        return CurrentInteraction(channel="voice", allowed=frozenset(Operation), interaction_id=interaction_id)

    backline.directory.current_interaction = current
    await api.login("agent")
    found, _ = await actions(api, "marie dupont", "42")
    assert asked == [("agent", 42)]
    assert found["TRANSFER"]["available"] and found["TRANSFER"]["channels"] == ["voice"]
    assert found["CONFERENCE"]["available"] and found["CONSULT"]["available"]
    assert found["TRANSFER_TO_VOICEMAIL"]["available"] is False


async def test_dir3_voicemail_is_offered_for_an_unavailable_colleague_on_a_call(api, backline):
    async def current(actor, interaction_id):
        return CurrentInteraction(channel="voice", allowed=frozenset(Operation))

    backline.directory.current_interaction = current
    await api.login("agent")
    found, _ = await actions(api, "helene")
    assert found["TRANSFER"]["reason"] == "Hélène Durand is logged off voice"
    assert found["TRANSFER_TO_VOICEMAIL"] == {"kind": "TRANSFER_TO_VOICEMAIL", "available": True,
                                              "channels": ["voice"], "reason": None}


async def test_dir3_no_action_on_oneself(api):
    await api.login("agent")
    found, _ = await actions(api, "camille martin")
    assert {a["reason"] for a in found.values()} == {"this is you"}


async def test_dir4_busy_on_voice_ready_for_im(api, client_for, backline):
    marie = await client_for("marie.dupont")
    await marie.execute(LOG_IN, {"c": "voice", "r": True})
    await marie.execute(LOG_IN, {"c": "im", "r": True})
    async with backline.store.write() as uow:
        await backline.presence.adjust_load(uow, int(marie.me["id"]), "voice", +1)
    await api.login("agent")
    found, channels = await actions(api, "marie dupont")
    assert found["CALL"]["available"] is False and found["CALL"]["reason"] == "Marie Dupont is busy on voice"
    assert found["INSTANT_MESSAGE"]["available"] is True
    assert channels == ["im"]


async def test_dir3_the_current_interaction_is_read_only_when_actions_are_asked_for(api, backline):
    asked = []

    async def current(actor, interaction_id):
        asked.append(interaction_id)
        return CurrentInteraction(channel="voice", allowed=frozenset(Operation))

    backline.directory.current_interaction = current
    await api.login("agent")
    await api.execute('{ directory(search: "marie") { edges { node { name presence { state } } } } }')
    assert asked == []
    await api.execute("""{ directory(search: "marie") { edges { node { ...A } } } }
                         fragment A on DirectoryEntry { actions { kind available } }""")
    assert asked == [None]
