"""Supervision streams over a real WebSocket: what the customer's side receives carries
nothing of a monitor or coach (SUP1, SUP2), and a supervisor's team stream carries its own
teams' interactions only (SUP3)."""

from __future__ import annotations

import pytest

from schema.app import create_app
from tests.api.test_supervision import SWITCH, STOP, on_call, party_of, supervise
from tests.e2e.desk import BY_ID, answered_call, do, ok, ready_agent
from tests.support.servers import serve_in_loop
from tests.support.ws import Collector, ws_session

CUSTOMER_EVENTS = """subscription($id: ID!) {
  customerInteractionEvents(interactionId: $id) { id kind interactionId actorId payload } }"""
EVENTS = """subscription($id: ID) { interactionEvents(interactionId: $id) { id kind interactionId actorId payload } }"""
TEAM_STREAM = """subscription($team: ID) { teamInteractions(teamId: $team) {
  interaction { id state parties { userId role state } } } }"""


@pytest.fixture
async def live(backline):
    async with serve_in_loop(create_app(backline)) as base:
        yield base


async def until(collector: Collector, found) -> list[dict]:
    """Reads on until an item satisfies `found` (a real-time bound in Collector, no clock)."""
    items = collector.items
    while not any(found(item) for item in items):
        items = await collector.wait_for(len(items) + 1)
    return items


def events_of(items: list[dict], field: str) -> list[dict]:
    return [item[field] for item in items]


def mentions(event: dict, party_id: int, user_id: int) -> bool:
    payload = event["payload"]
    return (payload.get("partyId") == party_id or payload.get("userId") == user_id
            or payload.get("supervisorId") == user_id or int(event["actorId"] or 0) == user_id)


async def test_sup1_sup2_a_customers_stream_carries_nothing_of_a_monitor_or_a_coach_over_a_real_socket(
        backline, live, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    lead = await client_for("lead")
    call = await answered_call(backline, admin, agent)
    async with ws_session(live, admin.token) as integration, ws_session(live, agent.token) as desk:
        customer_stream = Collector(integration, CUSTOMER_EVENTS, {"id": call["id"]})
        agent_stream = Collector(desk, EVENTS, {"id": call["id"]})
        try:
            await customer_stream.wait_for(1)
            await agent_stream.wait_for(1)
            supervision = await supervise(lead, agent, "MONITOR", call)
            party_id = int(party_of(on_call(supervision)["interaction"], lead.me["id"])["id"])
            lead_id = int(lead.me["id"])
            await ok(agent, BY_ID["hold"], id=call["id"])  # the customer hears music: it sees that
            await ok(agent, BY_ID["retrieve"], id=call["id"])
            await do(lead, SWITCH, s=supervision["id"], mode="COACH")
            await ok(agent, BY_ID["hold"], id=call["id"])
            await ok(agent, BY_ID["retrieve"], id=call["id"])
            await do(lead, SWITCH, s=supervision["id"], mode="BARGE")  # now a party the customer sees
            barged = lambda i: i["kind"] == "PartyAdded" and i["payload"]["partyId"] == party_id  # noqa: E731
            items = events_of(await until(customer_stream, lambda i: barged(i["customerInteractionEvents"])),
                              "customerInteractionEvents")
            before = items[:next(n for n, e in enumerate(items) if barged(e))]
            assert [e for e in before if mentions(e, party_id, lead_id)] == []
            assert not {"SupervisionStarted", "SupervisionModeChanged"} & {e["kind"] for e in before}
            # The customer did receive the rest: the agent's hold and retrieve, twice.
            states = [e["payload"]["state"] for e in before if e["kind"] == "PartyStateChanged"
                      and e["payload"]["role"] == "customer"]
            assert states[-4:] == ["held", "connected", "held", "connected"]
            assert all("knownTo" not in e["payload"] for e in items)
            # The agent, not told of a silent monitor, learnt of it only when coached.
            agents = events_of(await until(agent_stream, lambda i: barged(i["interactionEvents"])),
                               "interactionEvents")
            about = [e["kind"] for e in agents if mentions(e, party_id, lead_id)]
            assert "SupervisionStarted" not in about and "SupervisionModeChanged" in about
            # After the barge-in the customer sees the supervisor leave like any party.
            await do(lead, STOP, s=supervision["id"])
            await until(customer_stream, lambda i: i["customerInteractionEvents"]["kind"] == "PartyStateChanged"
                        and i["customerInteractionEvents"]["payload"]["partyId"] == party_id)
        finally:
            await customer_stream.close()
            await agent_stream.close()


async def test_sup3_a_supervisors_team_stream_carries_its_teams_interactions_only_over_a_real_socket(
        backline, live, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")  # Support Paris, led by `lead`
    jose = await ready_agent(client_for, "jose.munoz")  # Ventes Lyon, led by `lead.lyon`
    lead, lead_lyon = await client_for("lead"), await client_for("lead.lyon")
    async with ws_session(live, lead.token) as paris_session, ws_session(live, lead_lyon.token) as lyon_session:
        paris = Collector(paris_session, TEAM_STREAM)
        lyon = Collector(lyon_session, TEAM_STREAM)
        try:
            call = await answered_call(backline, admin, agent)
            # The call rings, then the agent answers it: the supervisor sees both, live.
            await until(paris, lambda i: i["teamInteractions"]["interaction"]["id"] == call["id"] and any(
                p["userId"] == agent.me["id"] and p["state"] == "CONNECTED"
                for p in i["teamInteractions"]["interaction"]["parties"]))
            # A marker on the other team's stream: Lyon's own call; Paris's never reached it.
            marker = await answered_call(backline, admin, jose)
            items = await until(lyon, lambda i: i["teamInteractions"]["interaction"]["id"] == marker["id"])
            assert {i["teamInteractions"]["interaction"]["id"] for i in items} == {marker["id"]}
            await ok(agent, BY_ID["release"], id=call["id"])
            await until(paris, lambda i: i["teamInteractions"]["interaction"]["state"] == "ENDED")
            assert marker["id"] not in {i["teamInteractions"]["interaction"]["id"] for i in paris.items}
        finally:
            await paris.close()
            await lyon.close()


async def test_sup1_the_customers_stream_says_nothing_of_why_a_party_changed_state(backline, live, client_for):
    from tests.e2e.desk import CONSULT, target_id

    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont")
    call = await answered_call(backline, admin, agent)
    async with ws_session(live, admin.token) as integration:
        customer_stream = Collector(integration, CUSTOMER_EVENTS, {"id": call["id"]})
        try:
            await customer_stream.wait_for(1)
            consult = await ok(agent, CONSULT, id=call["id"], t=await target_id(backline, "Marie Dupont"))
            await ok(marie, BY_ID["acceptOffer"], id=consult["offers"][0]["id"])
            await ok(agent, BY_ID["alternate"], id=call["id"])  # back to the customer
            items = events_of(await until(customer_stream, lambda i: i["customerInteractionEvents"]["kind"]
                                          == "PartyStateChanged" and i["customerInteractionEvents"]["payload"]
                                          .get("state") == "connected" and i["customerInteractionEvents"]["payload"]
                                          .get("role") == "customer"), "customerInteractionEvents")
            changed = [e for e in items if e["kind"] == "PartyStateChanged"]
            assert changed and all("because" not in e["payload"] for e in changed)
        finally:
            await customer_stream.close()
