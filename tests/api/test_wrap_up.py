"""WRP1–WRP3: after-call work. An agent who leaves a customer interaction on a channel with
wrap-up is WRAP_UP there (with since), is offered nothing new on it, completes it with
disposition codes and a note that its supervisors read in the history, or its time limit
ends it on the clock; supervisors watch it live."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.config import PluginEntry
from schema.app import create_app
from tests.e2e.desk import (
    BY_ID, COMPLETE, CONSULT, ok, open_offer, place_call, ready_agent, target_id,
)
from tests.support.config import repository_config
from tests.support.servers import serve_in_loop
from tests.support.ws import Collector, until_subscribed, ws_session

TIME_LIMIT = 90

PRESENCE = "{ myPresence { channel state since } }"
WRAP_UPS = "{ myWrapUps { id interactionId channel since endsAt dispositionCodes } }"
COMPLETE_WRAP_UP = """mutation($id: ID!, $codes: [String!], $note: String) {
  r: completeWrapUp(interactionId: $id, codes: $codes, note: $note) {
    __typename ... on WrapUp { id outcome codes note endedAt } ... on Error { code message } } }"""
HISTORY = """query($id: ID!) { interaction(id: $id) { history(first: 100) { edges { node {
  kind ... on WrapUpEndedEvent { wrapUpOutcome codes note userId } ... on WrapUpStartedEvent { userId endsAt } } } } } }"""
LOG_OUT = "mutation { r: logOut(channel: \"voice\") { __typename ... on Error { code message } } }"


@pytest.fixture
def config(settings):
    """Wrap-up on voice (with a time limit) and on chat (until done, its own codes)."""
    config = repository_config(settings.plugins_file)
    voice, chat = config.plugins["voice"], config.plugins["chat"]
    config.plugins["voice"] = PluginEntry("voice", True, {**voice.options, "wrap_up": True,
                                                          "wrap_up_seconds": TIME_LIMIT})
    config.plugins["chat"] = PluginEntry("chat", True, {**chat.options, "wrap_up": True,
                                                        "disposition_codes": ["Answered", "Spam"]})
    return config


async def voice_presence(client) -> dict:
    return next(p for p in (await client.execute(PRESENCE))["myPresence"] if p["channel"] == "voice")


async def ended_call(backline, admin, agent, to: str = "queue:Support") -> dict:
    """A customer call that `agent` answered and the customer hung up."""
    call = await place_call(admin, to)
    assert open_offer(call)["ringingUserId"] == agent.me["id"], call
    await ok(agent, BY_ID["acceptOffer"], id=open_offer(call)["id"])
    return await ok(admin, BY_ID["customerHangUp"], id=call["id"])


async def test_wrp1_leaving_a_customer_call_puts_the_agent_in_wrap_up_where_nothing_new_rings(
        backline, api, client_for, clock):
    admin = await client_for("admin")
    camille = await ready_agent(client_for, "agent")
    call = await ended_call(backline, admin, camille)
    presence = await voice_presence(camille)
    assert presence["state"] == "WRAP_UP"
    assert datetime.fromisoformat(presence["since"]) == clock.now()
    [wrap_up] = (await camille.execute(WRAP_UPS))["myWrapUps"]
    assert (wrap_up["interactionId"], wrap_up["channel"]) == (call["id"], "voice")
    assert datetime.fromisoformat(wrap_up["endsAt"]) == clock.now() + timedelta(seconds=TIME_LIMIT)
    assert wrap_up["dispositionCodes"] == list(backline.interactions.options.disposition_codes)

    waiting = await place_call(admin, "queue:Support")  # she is the only one ready: it waits
    assert open_offer(waiting)["state"] == "WAITING"
    done = (await camille.execute(COMPLETE_WRAP_UP, {"id": call["id"], "codes": ["Resolved"]}))["r"]
    assert (done["__typename"], done["outcome"], done["codes"]) == ("WrapUp", "COMPLETED", ["Resolved"])
    await backline.interactions.settle()
    assert (await camille.execute(WRAP_UPS))["myWrapUps"] == []
    offers = (await camille.execute("{ myOffers { interactionId } }"))["myOffers"]
    assert offers == [{"interactionId": waiting["id"]}]  # free again: the waiting call rings her


async def test_wrp1_the_time_limit_ends_wrap_up_on_the_clock(backline, api, client_for, clock):
    admin = await client_for("admin")
    camille = await ready_agent(client_for, "agent")
    call = await ended_call(backline, admin, camille)
    await clock.advance(TIME_LIMIT - 1)
    assert (await voice_presence(camille))["state"] == "WRAP_UP"
    await clock.advance(1)
    presence = await voice_presence(camille)
    assert presence["state"] == "READY" and datetime.fromisoformat(presence["since"]) == clock.now()
    ended = [e["node"] for e in (await camille.execute(HISTORY, {"id": call["id"]}))
             ["interaction"]["history"]["edges"] if e["node"]["kind"] == "WrapUpEnded"]
    assert [(e["wrapUpOutcome"], e["codes"]) for e in ended] == [("TIMED_OUT", [])]
    late = (await camille.execute(COMPLETE_WRAP_UP, {"id": call["id"], "codes": ["Resolved"]}))["r"]
    assert late["code"] == "NOT_FOUND"


async def test_wrp1_only_who_handled_the_customer_wraps_up_and_logging_out_waits_for_it(
        backline, api, client_for):
    """The consulted agent of a consultation that ends does not wrap up (not a customer
    interaction); after the transfer completes, the one who left does, the new owner not yet."""
    admin = await client_for("admin")
    camille = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont")
    call = await ok(camille, BY_ID["acceptOffer"], id=open_offer(await place_call(admin, "agent:agent"))["id"])
    consultation = await ok(camille, CONSULT, id=call["id"], t=await target_id(backline, "Marie Dupont"))
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(consultation)["id"])
    await ok(camille, COMPLETE, id=consultation["id"], **{"as": "TRANSFER"})
    assert (await voice_presence(camille))["state"] == "WRAP_UP"
    assert (await voice_presence(marie))["state"] == "BUSY"  # she has the customer now
    assert (await marie.execute(WRAP_UPS))["myWrapUps"] == []
    refused = (await camille.execute(LOG_OUT))["r"]
    assert refused["code"] == "INVALID_STATE" and "wrap-up" in refused["message"]
    await ok(admin, BY_ID["customerHangUp"], id=call["id"])
    assert [w["interactionId"] for w in (await marie.execute(WRAP_UPS))["myWrapUps"]] == [call["id"]]


async def test_wrp1_a_channel_without_wrap_up_frees_the_agent_at_once(backline, api, client_for):
    admin = await client_for("admin")
    camille = await ready_agent(client_for, "agent", channel="email")
    mail = await place_call(admin, "agent:agent", caller="client@example.com", channel="email")
    await ok(camille, BY_ID["acceptOffer"], id=open_offer(mail)["id"])
    await ok(camille, BY_ID["release"], id=mail["id"])
    presence = (await camille.execute(PRESENCE))["myPresence"]
    assert next(p for p in presence if p["channel"] == "email")["state"] == "READY"
    assert (await camille.execute(WRAP_UPS))["myWrapUps"] == []


async def test_wrp2_dispositions_and_note_go_to_the_history_that_the_team_supervisor_reads(
        backline, api, client_for):
    admin = await client_for("admin")
    camille = await ready_agent(client_for, "agent")
    call = await ended_call(backline, admin, camille)
    unknown = (await camille.execute(COMPLETE_WRAP_UP, {"id": call["id"], "codes": ["Resolved", "Lunch"]}))["r"]
    assert unknown["code"] == "INVALID_INPUT" and "Lunch" in unknown["message"]
    assert (await voice_presence(camille))["state"] == "WRAP_UP"  # nothing applied
    other = await client_for("marie.dupont")
    stranger = (await other.execute(COMPLETE_WRAP_UP, {"id": call["id"], "codes": []}))["r"]
    assert stranger["code"] == "NOT_FOUND"
    done = (await camille.execute(COMPLETE_WRAP_UP, {
        "id": call["id"], "codes": ["Callback", "Escalated"], "note": "  Rappeler demain matin  "}))["r"]
    assert (done["codes"], done["note"]) == (["Callback", "Escalated"], "Rappeler demain matin")
    lead = await client_for("lead")  # Camille's team lead
    kinds = [(e["node"]["kind"], e["node"]) for e in
             (await lead.execute(HISTORY, {"id": call["id"]}))["interaction"]["history"]["edges"]]
    [ended] = [payload for kind, payload in kinds if kind == "WrapUpEnded"]
    assert (ended["wrapUpOutcome"], ended["codes"], ended["note"], ended["userId"]) == (
        "COMPLETED", ["Callback", "Escalated"], "Rappeler demain matin", camille.me["id"])
    assert any(kind == "WrapUpStarted" for kind, _ in kinds)
    outsider = await client_for("lead.lyon")  # leads another team: may not read it
    assert (await outsider.raw(HISTORY, {"id": call["id"]}))["errors"]


async def changes_of(watch: Collector, agent_id: str, count: int) -> list[dict]:
    """The first `count` live voice changes of one agent (the stream also carries others')."""
    def mine() -> list[dict]:
        return [i["presenceChanged"] for i in watch.items if i["presenceChanged"]["agentId"] == agent_id
                and i["presenceChanged"]["channel"] == "voice" and not i["presenceChanged"]["snapshot"]]
    seen = len(watch.items)
    while len(mine()) < count:
        seen += 1
        await watch.wait_for(seen)
    return mine()[:count]


WATCH = """subscription($team: ID) { presenceChanged(teamId: $team) { agentId channel state since snapshot } }"""


async def test_wrp3_the_supervisor_sees_live_who_is_in_wrap_up_and_since_when(backline, api, client_for, clock):
    admin = await client_for("admin")
    lead = await client_for("lead")
    camille = await ready_agent(client_for, "agent")
    async with serve_in_loop(create_app(backline)) as base, ws_session(base, lead.token) as session:
        already = backline.bus.subscriber_count("presence")
        watch = Collector(session, WATCH, {})  # everyone she may see: her teams
        try:
            await until_subscribed(backline.bus, "presence", already + 1)
            await clock.advance(5)
            call = await ended_call(backline, admin, camille)
            await clock.advance(7)
            await camille.execute(COMPLETE_WRAP_UP, {"id": call["id"], "codes": []})
            items = await changes_of(watch, camille.me["id"], count=3)
        finally:
            await watch.close()
    assert [i["state"] for i in items] == ["BUSY", "WRAP_UP", "READY"]
    wrap, ready = items[1], items[2]
    assert (datetime.fromisoformat(ready["since"]) - datetime.fromisoformat(wrap["since"])).total_seconds() == 7
