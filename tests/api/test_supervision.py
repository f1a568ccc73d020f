"""Supervision through the API (SUP1-SUP3): monitor, coach and barge in on one call or an
agent's next calls, switch between them, stop; who hears whom; what the customer and the
agent may know of it; only supervisors of the agent's team and administrators."""

from __future__ import annotations

from dataclasses import replace

from core.runtime import Backline

from tests.e2e.desk import (
    BY_ID, DTMF, GET, HISTORY, INTERACTION, answered_call, customer, do, ok, party_of, ready_agent,
)
from tests.support.actors import actor_of

SUPERVISION = INTERACTION + """
fragment S on SupervisionResult {
  __typename
  ... on Supervision { id supervisorId agentId mode scope interactionId active endReason
    interactions { interaction { ...I } hearing { partyId supervisionMode hears heardBy } } }
  ... on Error { code message }
}
"""
START = SUPERVISION + """mutation($agent: ID!, $mode: SupervisionMode!, $id: ID) {
  r: startMonitoring(agentId: $agent, mode: $mode, interactionId: $id) { ...S } }"""
SWITCH = SUPERVISION + """mutation($s: ID!, $mode: SupervisionMode!) {
  r: switchSupervisionMode(supervisionId: $s, mode: $mode) { ...S } }"""
STOP = SUPERVISION + "mutation($s: ID!) { r: stopMonitoring(supervisionId: $s) { ...S } }"
CUSTOMER_VIEW = INTERACTION + "query($id: ID!) { customerView(interactionId: $id) { ...I } }"
TEAM = INTERACTION + """query($team: ID) { teamInteractions(teamId: $team) {
  edges { node { interaction { ...I } hearing { partyId heardBy } } } } }"""
TEAM_RAW = "query($team: ID) { teamInteractions(teamId: $team) { edges { node { interaction { id } } } } }"
MINE = "{ mySupervisions { id mode scope active } }"


async def supervise(client, agent, mode="MONITOR", interaction=None) -> dict:
    result = await do(client, START, agent=agent.me["id"], mode=mode, id=interaction["id"] if interaction else None)
    assert result["__typename"] == "Supervision", result
    return result


def on_call(supervision: dict) -> dict:
    (only,) = supervision["interactions"]
    return only


def hearing_of(supervised: dict, party_id: str) -> dict:
    return next(h for h in supervised["hearing"] if h["partyId"] == party_id)


def tell_agent(backline, value: bool) -> None:
    backline.interactions.options = replace(backline.interactions.options, tell_agent_when_monitored=value)


async def call_with(backline, client_for, mode="MONITOR"):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    lead = await client_for("lead")
    call = await answered_call(backline, admin, agent)
    supervision = await supervise(lead, agent, mode, call)
    return admin, agent, lead, call, supervision


async def test_sup1_a_monitor_hears_all_and_is_heard_by_nobody(backline, api, client_for):
    admin, agent, lead, call, supervision = await call_with(backline, client_for)
    assert supervision["mode"] == "MONITOR" and supervision["scope"] == "INTERACTION"
    seen = on_call(supervision)
    me = party_of(seen["interaction"], lead.me["id"])
    assert me["role"] == "MONITOR" and me["state"] == "CONNECTED"
    mine = hearing_of(seen, me["id"])
    assert mine["supervisionMode"] == "MONITOR" and mine["heardBy"] == []
    assert sorted(mine["hears"]) == sorted([customer(seen["interaction"])["id"],
                                            party_of(seen["interaction"], agent.me["id"])["id"]])
    assert all(me["id"] not in p["hears"] for p in seen["interaction"]["parties"])


async def test_sup1_the_customer_never_learns_of_a_monitor_nor_of_its_events(backline, api, client_for):
    admin, agent, lead, call, supervision = await call_with(backline, client_for)
    await ok(agent, BY_ID["hold"], id=call["id"])
    await ok(agent, BY_ID["retrieve"], id=call["id"])
    seen = (await admin.execute(CUSTOMER_VIEW, {"id": call["id"]}))["customerView"]
    assert {p["role"] for p in seen["parties"]} == {"CUSTOMER", "OWNER"}
    assert lead.me["id"] not in {p["userId"] for p in seen["parties"]}
    # The administrator reading as itself sees the monitor; the customer's view does not.
    assert party_of((await admin.execute(GET, {"id": call["id"]}))["interaction"], lead.me["id"])["role"] == "MONITOR"


async def test_sup1_by_default_the_agent_is_not_told_of_a_silent_monitor(backline, api, client_for):
    admin, agent, lead, call, supervision = await call_with(backline, client_for)
    monitor_party = party_of(on_call(supervision)["interaction"], lead.me["id"])["id"]
    mine = (await agent.execute(GET, {"id": call["id"]}))["interaction"]
    assert lead.me["id"] not in {p["userId"] for p in mine["parties"]}
    held = await ok(agent, BY_ID["hold"], id=call["id"])  # a command's result is filtered too
    assert lead.me["id"] not in {p["userId"] for p in held["parties"]}
    history = (await agent.execute(HISTORY, {"id": call["id"]}))["interaction"]["history"]["edges"]
    assert all(e["node"]["payload"].get("partyId") != monitor_party for e in history)
    assert "SupervisionStarted" not in {e["node"]["kind"] for e in history}
    # The supervisor reads its own party and its events.
    leads = (await lead.execute(HISTORY, {"id": call["id"]}))["interaction"]["history"]["edges"]
    assert "SupervisionStarted" in {e["node"]["kind"] for e in leads}


async def test_sup1_the_agent_is_told_of_a_monitor_where_configured(backline, api, client_for):
    tell_agent(backline, True)
    admin, agent, lead, call, supervision = await call_with(backline, client_for)
    mine = (await agent.execute(GET, {"id": call["id"]}))["interaction"]
    assert party_of(mine, lead.me["id"])["role"] == "MONITOR"
    history = (await agent.execute(HISTORY, {"id": call["id"]}))["interaction"]["history"]["edges"]
    assert "SupervisionStarted" in {e["node"]["kind"] for e in history}
    # Still nothing for the customer.
    seen = (await admin.execute(CUSTOMER_VIEW, {"id": call["id"]}))["customerView"]
    assert lead.me["id"] not in {p["userId"] for p in seen["parties"]}


async def test_sup2_a_coach_is_heard_by_the_agent_only_and_the_customer_never_learns_of_it(
        backline, api, client_for):
    admin, agent, lead, call, supervision = await call_with(backline, client_for, "COACH")
    seen = on_call(supervision)
    coach = party_of(seen["interaction"], lead.me["id"])
    assert coach["role"] == "COACH"
    assert hearing_of(seen, coach["id"])["heardBy"] == [party_of(seen["interaction"], agent.me["id"])["id"]]
    assert coach["id"] not in customer(seen["interaction"])["hears"]
    # The agent hears the coach, so it sees it; the customer does not.
    mine = (await agent.execute(GET, {"id": call["id"]}))["interaction"]
    assert coach["id"] in party_of(mine, agent.me["id"])["hears"]
    customers = (await admin.execute(CUSTOMER_VIEW, {"id": call["id"]}))["customerView"]
    assert coach["id"] not in {p["id"] for p in customers["parties"]}


async def test_sup2_barge_in_makes_the_supervisor_a_full_party_the_customer_sees(backline, api, client_for):
    admin, agent, lead, call, supervision = await call_with(backline, client_for)
    barged = await do(lead, SWITCH, s=supervision["id"], mode="BARGE")
    assert barged["mode"] == "BARGE"
    seen = on_call(barged)
    me = party_of(seen["interaction"], lead.me["id"])
    assert me["role"] == "BARGE"
    everyone = {p["id"] for p in seen["interaction"]["parties"] if p["state"] == "CONNECTED"}
    assert sorted(hearing_of(seen, me["id"])["heardBy"]) == sorted(everyone - {me["id"]})
    customers = (await admin.execute(CUSTOMER_VIEW, {"id": call["id"]}))["customerView"]
    assert party_of(customers, lead.me["id"])["role"] == "BARGE"
    assert me["id"] in customer(customers)["hears"]
    # The agent sees the new party too, and its history says it joined.
    mine = (await agent.execute(GET, {"id": call["id"]}))["interaction"]
    assert party_of(mine, lead.me["id"])["role"] == "BARGE"
    history = (await agent.execute(HISTORY, {"id": call["id"]}))["interaction"]["history"]["edges"]
    added = [e["node"]["payload"] for e in history if e["node"]["kind"] == "PartyAdded"]
    assert int(me["id"]) in {p["partyId"] for p in added}


async def test_sup2_switch_between_monitor_coach_and_barge_and_back(backline, api, client_for):
    admin, agent, lead, call, supervision = await call_with(backline, client_for)
    for mode in ("COACH", "BARGE", "MONITOR"):
        switched = await do(lead, SWITCH, s=supervision["id"], mode=mode)
        assert switched["mode"] == mode
        assert party_of(on_call(switched)["interaction"], lead.me["id"])["role"] == mode
    # Back to silent: the customer no longer sees the supervisor.
    customers = (await admin.execute(CUSTOMER_VIEW, {"id": call["id"]}))["customerView"]
    assert lead.me["id"] not in {p["userId"] for p in customers["parties"] if p["state"] != "LEFT"}
    assert {p["role"] for p in customers["parties"]} == {"CUSTOMER", "OWNER"}


async def test_sup1_stop_monitoring_leaves_the_call_which_goes_on(backline, api, client_for):
    admin, agent, lead, call, supervision = await call_with(backline, client_for)
    stopped = await do(lead, STOP, s=supervision["id"])
    assert stopped["active"] is False and stopped["endReason"] == "stopped"
    after = (await admin.execute(GET, {"id": call["id"]}))["interaction"]
    assert after["state"] == "ACTIVE" and customer(after)["state"] == "CONNECTED"
    assert next(p for p in after["parties"] if p["userId"] == lead.me["id"])["state"] == "LEFT"
    assert (await lead.execute(MINE))["mySupervisions"] == []


async def test_sup1_the_agent_hanging_up_ends_the_call_despite_the_monitor(backline, api, client_for):
    admin, agent, lead, call, supervision = await call_with(backline, client_for)
    ended = await ok(agent, BY_ID["release"], id=call["id"])
    assert ended["state"] == "ENDED"
    after = (await admin.execute(GET, {"id": call["id"]}))["interaction"]
    assert all(p["state"] == "LEFT" for p in after["parties"])
    await backline.supervision.settle()
    assert (await lead.execute(MINE))["mySupervisions"] == []


async def test_sup1_a_monitor_cannot_act_on_the_call_its_only_action_is_to_leave(backline, api, client_for):
    admin, agent, lead, call, supervision = await call_with(backline, client_for)
    for refused in (await do(lead, BY_ID["hold"], id=call["id"]), await do(lead, DTMF, id=call["id"], d="1")):
        assert refused["__typename"] == "InvalidStateError" and "monitor" in refused["message"]
    left = await ok(lead, BY_ID["release"], id=call["id"])
    assert left["state"] == "ACTIVE"
    await backline.supervision.settle()
    assert (await lead.execute(MINE))["mySupervisions"] == []  # leaving the call ended the supervision


async def test_sup1_monitor_an_agents_next_calls_until_stopped(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    lead = await client_for("lead")
    supervision = await supervise(lead, agent, "MONITOR")
    assert supervision["scope"] == "NEXT_CALLS" and supervision["interactions"] == []
    for _ in range(2):
        call = await answered_call(backline, admin, agent)
        await backline.supervision.settle()
        seen = (await admin.execute(GET, {"id": call["id"]}))["interaction"]
        assert party_of(seen, lead.me["id"])["role"] == "MONITOR"
        customers = (await admin.execute(CUSTOMER_VIEW, {"id": call["id"]}))["customerView"]
        assert lead.me["id"] not in {p["userId"] for p in customers["parties"]}
        await ok(agent, BY_ID["release"], id=call["id"])
    await do(lead, STOP, s=supervision["id"])
    later = await answered_call(backline, admin, agent)
    await backline.supervision.settle()
    seen = (await admin.execute(GET, {"id": later["id"]}))["interaction"]
    assert lead.me["id"] not in {p["userId"] for p in seen["parties"]}


async def test_sup2_switching_an_agents_next_calls_to_coach_applies_to_its_current_call(
        backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    lead = await client_for("lead")
    supervision = await supervise(lead, agent, "MONITOR")
    call = await answered_call(backline, admin, agent)
    await backline.supervision.settle()
    coached = await do(lead, SWITCH, s=supervision["id"], mode="COACH")
    assert party_of(on_call(coached)["interaction"], lead.me["id"])["role"] == "COACH"
    assert on_call(coached)["interaction"]["id"] == call["id"]


async def test_sup3_an_agent_may_not_supervise(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    call = await answered_call(backline, admin, agent)
    colleague = await client_for("marie.dupont")
    refused = await do(colleague, START, agent=agent.me["id"], mode="MONITOR", id=call["id"])
    assert refused["code"] == "PERMISSION_DENIED"
    assert (await colleague.raw(TEAM_RAW, {"team": None}))["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_sup3_a_supervisor_of_another_team_may_not_supervise_nor_see(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    call = await answered_call(backline, admin, agent)
    other_lead = await client_for("lead.lyon")
    for mode in ("MONITOR", "COACH", "BARGE"):
        refused = await do(other_lead, START, agent=agent.me["id"], mode=mode, id=call["id"])
        assert refused["code"] == "PERMISSION_DENIED", mode
    refused = await do(other_lead, START, agent=agent.me["id"], mode="MONITOR", id=None)
    assert refused["code"] == "PERMISSION_DENIED"
    assert (await other_lead.execute(TEAM, {"team": None}))["teamInteractions"]["edges"] == []
    assert (await other_lead.raw(GET, {"id": call["id"]}))["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # SEC5
    team_of_agent = (await admin.execute(GET, {"id": call["id"]}))["interaction"]
    assert team_of_agent  # the administrator sees it


async def test_sup3_team_interactions_lists_the_live_interactions_of_my_teams_only(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")  # Support Paris
    jose = await ready_agent(client_for, "jose.munoz")  # Ventes Lyon
    paris = await answered_call(backline, admin, agent)
    lyon = await answered_call(backline, admin, jose)
    lead, lead_lyon = await client_for("lead"), await client_for("lead.lyon")
    ids = lambda data: [e["node"]["interaction"]["id"] for e in data["teamInteractions"]["edges"]]  # noqa: E731
    assert ids(await lead.execute(TEAM, {"team": None})) == [paris["id"]]
    assert ids(await lead_lyon.execute(TEAM, {"team": None})) == [lyon["id"]]
    assert ids(await admin.execute(TEAM, {"team": None})) == [lyon["id"], paris["id"]]
    refused = await lead.raw(TEAM_RAW, {"team": "2"})
    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    await ok(agent, BY_ID["release"], id=paris["id"])
    assert ids(await lead.execute(TEAM, {"team": None})) == []


async def test_sup1_rel1_monitoring_an_agents_next_calls_survives_a_restart(
        backline, api, client_for, settings, config, clock):
    agent = await ready_agent(client_for, "agent")
    lead = await client_for("lead")
    await supervise(lead, agent, "COACH")
    await backline.stop()  # the fixture's stop afterwards is harmless
    restarted = Backline(settings, config, clock=clock)
    await restarted.start()
    try:
        admin, me = await actor_of(restarted, "admin"), await actor_of(restarted, "agent")
        call = await restarted.interactions.inbound.create(admin, "voice", "+33600000000", "agent:agent")
        offer = next(o for o in call.offers if o.state.open)
        await restarted.interactions.routing.accept(me, offer.id)
        await restarted.supervision.settle()
        view = await restarted.interactions.reading.get(admin, call.interaction.id)
        assert [p.role.value for p in view.parties if p.user_id == int(lead.me["id"])] == ["coach"]
    finally:
        await restarted.stop()


HEARD = "query($id: ID!) { interaction(id: $id) { parties { id role heardBy } } }"


async def test_sup2_every_party_of_an_interaction_says_who_hears_it(backline, api, client_for):
    admin, agent, lead, call, supervision = await call_with(backline, client_for, mode="COACH")
    parties = {p["role"]: p for p in (await lead.execute(HEARD, {"id": call["id"]}))["interaction"]["parties"]}
    coach, owner, caller = parties["COACH"], parties["OWNER"], parties["CUSTOMER"]
    assert coach["heardBy"] == [owner["id"]]  # the agent only (SUP2)
    assert sorted(owner["heardBy"]) == sorted([caller["id"], coach["id"]])
    assert sorted(caller["heardBy"]) == sorted([owner["id"], coach["id"]])


PAGE = """query($id: ID!, $after: String) { interaction(id: $id) { history(first: 1, after: $after) {
  edges { node { id kind } } pageInfo { hasNextPage endCursor } } } }"""


async def test_rel3_an_agent_pages_through_its_history_without_short_pages_around_a_silent_monitor(
        backline, api, client_for):
    admin, agent, lead, call, supervision = await call_with(backline, client_for)  # hidden from the agent
    await do(lead, STOP, s=supervision["id"])
    await ok(agent, BY_ID["hold"], id=call["id"])
    await ok(agent, BY_ID["retrieve"], id=call["id"])
    whole = [e["node"]["id"] for e in
             (await agent.execute(HISTORY, {"id": call["id"]}))["interaction"]["history"]["edges"]]
    everything = [e["node"]["id"] for e in
                  (await admin.execute(HISTORY, {"id": call["id"]}))["interaction"]["history"]["edges"]]
    assert len(everything) > len(whole)  # the agent is not told of the monitor
    paged, after = [], None
    while True:
        history = (await agent.execute(PAGE, {"id": call["id"], "after": after}))["interaction"]["history"]
        assert history["edges"], "a page came back empty while more was announced"
        paged += [e["node"]["id"] for e in history["edges"]]
        if not history["pageInfo"]["hasNextPage"]:
            break
        after = history["pageInfo"]["endCursor"]
    assert paged == whole
