"""Conferences (CNF1-CNF8) through the API, on voice."""

from __future__ import annotations

from dataclasses import replace

from tests.e2e.desk import (
    ADD, BY_ID, COMPLETE, CONSULT, MUTE, PRESENCE, REMOVE, answered_call, customer, do, ok, open_offer,
    party_of, place_call, ready_agent, target_id,
)


def configure(backline, **options):
    backline.interactions.options = replace(backline.interactions.options, **options)


async def conference(backline, client_for, added="marie.dupont", name="Marie Dupont"):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    other = await ready_agent(client_for, added)
    call = await answered_call(backline, admin, agent)
    invited = await ok(agent, ADD, id=call["id"], t=await target_id(backline, name), a=None)
    joined = await ok(other, BY_ID["acceptOffer"], id=open_offer(invited)["id"])
    return admin, agent, other, call, joined


async def test_cnf1_the_added_person_joins_when_it_accepts_and_the_customer_stays_connected(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont")
    call = await answered_call(backline, admin, agent)
    invited = await ok(agent, ADD, id=call["id"], t=await target_id(backline, "Marie Dupont"), a=None)
    assert customer(invited)["state"] == "CONNECTED"
    assert party_of(invited, marie.me["id"])["state"] == "ALERTING"
    assert marie.me["id"] not in [p["userId"] for p in invited["parties"] if p["id"] in customer(invited)["hears"]]
    joined = await ok(marie, BY_ID["acceptOffer"], id=open_offer(invited)["id"])
    me = party_of(joined, marie.me["id"])
    assert me["role"] == "PARTICIPANT" and me["state"] == "CONNECTED"
    assert sorted(customer(joined)["hears"]) == sorted([party_of(joined, agent.me["id"])["id"], me["id"]])


async def test_cnf1_add_a_group_routing_point_queue_or_skill_rings_one_member(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    helene = await ready_agent(client_for, "helene.durand")
    call = await answered_call(backline, admin, agent)
    for pool in ("Technical Support", "Support Line", "Support", "Français"):
        invited = await ok(agent, ADD, id=call["id"], t=await target_id(backline, pool), a=None)
        offer = open_offer(invited)
        assert offer["ringingUserId"] == helene.me["id"], pool
        await ok(helene, BY_ID["declineOffer"], id=offer["id"])
    joined = await ok(agent, ADD, id=call["id"], t=await target_id(backline, "Technical Support"), a=None)
    done = await ok(helene, BY_ID["acceptOffer"], id=open_offer(joined)["id"])
    assert party_of(done, helene.me["id"])["role"] == "PARTICIPANT"


async def test_cnf2_a_conference_on_email_is_refused_with_a_clear_reason(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent", channel="email")
    mail = await place_call(admin, "agent:agent", caller="client@example.com", channel="email")
    await ok(agent, BY_ID["acceptOffer"], id=open_offer(mail)["id"])
    refused = await do(agent, ADD, id=mail["id"], t=None, a="+33199999999")
    assert refused["__typename"] == "UnsupportedOperationError" and refused["message"] == \
        "The email channel does not support conference."


async def test_cnf3_a_consultation_may_come_first(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont")
    call = await answered_call(backline, admin, agent)
    consult = await ok(agent, CONSULT, id=call["id"], t=await target_id(backline, "Marie Dupont"))
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
    done = await ok(agent, COMPLETE, id=consult["id"], **{"as": "CONFERENCE"})
    assert {p["role"] for p in done["parties"] if p["state"] == "CONNECTED"} == {"CUSTOMER", "OWNER", "PARTICIPANT"}


async def test_cnf4_an_added_party_leaves_and_the_call_goes_on(backline, api, client_for):
    admin, agent, marie, call, joined = await conference(backline, client_for)
    left = await ok(marie, BY_ID["release"], id=call["id"])
    assert left["state"] == "ACTIVE" and customer(left)["state"] == "CONNECTED"
    assert party_of(left, agent.me["id"])["state"] == "CONNECTED"
    assert (await marie.execute(PRESENCE))["myPresence"][0]["state"] == "READY"


async def test_cnf5_the_owner_leaves_and_the_conference_goes_on_without_them(backline, api, client_for):
    admin, agent, marie, call, joined = await conference(backline, client_for)
    after = await ok(agent, BY_ID["release"], id=call["id"])
    assert after["state"] == "ACTIVE" and customer(after)["state"] == "CONNECTED"
    assert party_of(after, role="OWNER")["userId"] == marie.me["id"]


async def test_cnf5_owner_leaving_with_only_outside_parties_left_ends_it_where_configured(backline, api, client_for):
    configure(backline, end_conference_when_only_external_left=True)
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    call = await answered_call(backline, admin, agent)
    await ok(agent, ADD, id=call["id"], t=None, a="+44 20 7946 0000")
    ended = await ok(agent, BY_ID["release"], id=call["id"])
    assert ended["state"] == "ENDED" and ended["endReason"] == "ONLY_EXTERNAL_PARTIES_LEFT"


async def test_cnf5_owner_leaving_with_only_outside_parties_left_goes_on_by_default(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    call = await answered_call(backline, admin, agent)
    added = await ok(agent, ADD, id=call["id"], t=None, a="+44 20 7946 0000")
    assert party_of(added, role="EXTERNAL")["state"] == "CONNECTED"
    after = await ok(agent, BY_ID["release"], id=call["id"])
    assert after["state"] == "ACTIVE"
    assert {p["role"] for p in after["parties"] if p["state"] == "CONNECTED"} == {"CUSTOMER", "EXTERNAL"}


async def test_cnf6_mute_for_everyone_or_towards_one_party(backline, api, client_for):
    admin, agent, marie, call, joined = await conference(backline, client_for)
    cust, mine, hers = customer(joined), party_of(joined, agent.me["id"]), party_of(joined, marie.me["id"])
    towards = await ok(agent, MUTE, id=call["id"], p=hers["id"], to=cust["id"])
    assert hers["id"] not in customer(towards)["hears"]
    assert hers["id"] in party_of(towards, agent.me["id"])["hears"]
    everyone = await ok(agent, MUTE, id=call["id"], p=mine["id"], to=None)
    assert mine["id"] not in customer(everyone)["hears"] and mine["id"] not in party_of(everyone, marie.me["id"])["hears"]
    refused = await do(marie, MUTE, id=call["id"], p=cust["id"], to=None)
    assert refused["code"] == "PERMISSION_DENIED"


async def test_cnf6_a_removed_participant_is_heard_by_nobody(backline, api, client_for):
    configure(backline, remove_participant_allowed=("agent",))
    admin, agent, marie, call, joined = await conference(backline, client_for)
    removed = await ok(agent, REMOVE, id=call["id"], p=party_of(joined, marie.me["id"])["id"])
    gone = next(p for p in removed["parties"] if p["userId"] == marie.me["id"])
    assert gone["state"] == "LEFT" and gone["removed"]
    assert all(gone["id"] not in p["hears"] for p in removed["parties"])


async def test_cnf7_removing_a_participant_needs_the_permission(backline, api, client_for):
    admin, agent, marie, call, joined = await conference(backline, client_for)
    refused = await do(agent, REMOVE, id=call["id"], p=party_of(joined, marie.me["id"])["id"])
    assert refused["code"] == "PERMISSION_DENIED"
    lead = await client_for("lead")  # supervisors may, by default
    removed = await ok(lead, REMOVE, id=call["id"], p=party_of(joined, marie.me["id"])["id"])
    assert next(p for p in removed["parties"] if p["userId"] == marie.me["id"])["state"] == "LEFT"


ACTIONS = "query($id: ID!) { interaction(id: $id) { parties { userId role state allowedActions } } }"


async def allowed_actions(client, call_id: str) -> dict[str, list[str]]:
    """Each live party's allowedActions as `client` reads them, by role."""
    parties = (await client.execute(ACTIONS, {"id": call_id}))["interaction"]["parties"]
    return {p["role"]: p["allowedActions"] for p in parties if p["state"] != "LEFT"}


async def test_cnf7_cnf6_each_party_says_whether_you_may_remove_or_mute_it(backline, api, client_for):
    admin, agent, marie, call, joined = await conference(backline, client_for)
    # The owner mutes anyone; their account (an agent's, by default) may not remove.
    assert await allowed_actions(agent, call["id"]) == {"OWNER": ["MUTE"], "CUSTOMER": ["MUTE"],
                                                        "PARTICIPANT": ["MUTE"]}
    # A participant mutes only itself.
    assert await allowed_actions(marie, call["id"]) == {"OWNER": [], "CUSTOMER": [], "PARTICIPANT": ["MUTE"]}
    # A supervisor of the team mutes the team's agents, and removes a participant, not the others.
    lead = await client_for("lead")
    assert await allowed_actions(lead, call["id"]) == {"OWNER": ["MUTE"], "CUSTOMER": [],
                                                       "PARTICIPANT": ["MUTE", "REMOVE"]}
    # Once their account may remove, the owner may too; and what is allowed is what is accepted.
    configure(backline, remove_participant_allowed=("agent",))
    assert (await allowed_actions(agent, call["id"]))["PARTICIPANT"] == ["MUTE", "REMOVE"]
    removed = await ok(agent, REMOVE, id=call["id"], p=party_of(joined, marie.me["id"])["id"])
    assert next(p for p in removed["parties"] if p["userId"] == marie.me["id"])["state"] == "LEFT"
    assert "PARTICIPANT" not in await allowed_actions(agent, call["id"])  # gone: nothing more to do to it


async def test_cnf7_a_team_member_can_leave_by_itself_at_any_time(backline, api, client_for):
    admin, agent, marie, call, joined = await conference(backline, client_for)
    await ok(agent, BY_ID["hold"], id=call["id"])
    left = await ok(marie, BY_ID["release"], id=call["id"])
    assert next(p for p in left["parties"] if p["userId"] == marie.me["id"])["state"] == "LEFT"


async def test_cnf8_the_configured_maximum_of_parties_is_refused_clearly(backline, api, client_for):
    configure(backline, conference_max_parties=3)
    admin, agent, marie, call, joined = await conference(backline, client_for)
    await ready_agent(client_for, "helene.durand")
    refused = await do(agent, ADD, id=call["id"], t=await target_id(backline, "Hélène Durand"), a=None)
    assert refused["__typename"] == "InvalidStateError" and "at most 3 parties" in refused["message"]
