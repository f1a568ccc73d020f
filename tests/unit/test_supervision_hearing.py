"""The pure rules of supervision (core.interactions.hearing) and what they change in the
engine's rules: who hears a supervisor's party, who may know of it, and that a silent one
keeps no call going."""

from __future__ import annotations

from datetime import datetime, timezone

from core.events import Event
from core.interactions import rules
from core.interactions.hearing import (
    Audience, audience_of, event_audience, may_hear, viewer_audience, visible_parties,
)
from core.interactions.models import Party, PartyRole, PartyState
from core.supervision.customer import customer_may_see

T0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
AGENT_ID, LEAD_ID, COLLEAGUE_ID = 10, 50, 11


def party(id_, role, user_id=None, state=PartyState.CONNECTED, supervised=None, joined=0) -> Party:
    return Party(id=id_, interaction_id=1, user_id=user_id, team_id=1 if user_id else None, role=role,
                 state=state, display_name=str(id_), supervised_user_id=supervised,
                 joined_at=T0.replace(second=joined))


CUSTOMER = party(1, PartyRole.CUSTOMER)
AGENT = party(2, PartyRole.OWNER, AGENT_ID)
COLLEAGUE = party(3, PartyRole.PARTICIPANT, COLLEAGUE_ID, joined=3)


def supervisor(role) -> Party:
    return party(9, role, LEAD_ID, supervised=AGENT_ID, joined=9)


def test_sup1_a_monitor_hears_all_and_is_heard_by_nobody():
    monitor = supervisor(PartyRole.MONITOR)
    hearing = rules.hears([CUSTOMER, AGENT, COLLEAGUE, monitor])
    assert hearing[monitor.id] == [CUSTOMER.id, AGENT.id, COLLEAGUE.id]
    assert rules.heard_by(monitor, hearing) == []
    assert all(monitor.id not in hearing[p.id] for p in (CUSTOMER, AGENT, COLLEAGUE))


def test_sup2_a_coach_hears_all_and_is_heard_by_its_agent_only():
    coach = supervisor(PartyRole.COACH)
    hearing = rules.hears([CUSTOMER, AGENT, COLLEAGUE, coach])
    assert hearing[coach.id] == [CUSTOMER.id, AGENT.id, COLLEAGUE.id]
    assert rules.heard_by(coach, hearing) == [AGENT.id]
    assert not may_hear(CUSTOMER, coach) and not may_hear(COLLEAGUE, coach) and may_hear(AGENT, coach)


def test_sup2_a_barging_supervisor_is_a_full_party_heard_by_all():
    barge = supervisor(PartyRole.BARGE)
    hearing = rules.hears([CUSTOMER, AGENT, COLLEAGUE, barge])
    assert rules.heard_by(barge, hearing) == [CUSTOMER.id, AGENT.id, COLLEAGUE.id]


def test_sup2_cnf6_mutes_still_apply_to_a_barging_supervisor():
    barge = supervisor(PartyRole.BARGE)
    barge.muted_towards = [CUSTOMER.id]
    assert rules.heard_by(barge, rules.hears([CUSTOMER, AGENT, barge])) == [AGENT.id]


def test_sup1_the_customer_never_knows_of_a_monitor_or_a_coach():
    for tell in (False, True):
        for role in (PartyRole.MONITOR, PartyRole.COACH):
            assert visible_parties([CUSTOMER, AGENT, supervisor(role)], Audience.EVERYONE, tell) == [CUSTOMER, AGENT]
        barge = supervisor(PartyRole.BARGE)
        assert visible_parties([CUSTOMER, AGENT, barge], Audience.EVERYONE, tell) == [CUSTOMER, AGENT, barge]


def test_sup1_the_agent_knows_of_a_silent_monitor_only_when_configured():
    monitor, coach = supervisor(PartyRole.MONITOR), supervisor(PartyRole.COACH)
    parties = [CUSTOMER, AGENT, monitor]
    viewer = viewer_audience(AGENT_ID, parties, sees_everything=False)
    assert viewer is Audience.COMPANY
    assert visible_parties(parties, viewer, tell_agent_when_monitored=False) == [CUSTOMER, AGENT]
    assert visible_parties(parties, viewer, tell_agent_when_monitored=True) == parties
    # The coached agent hears the coach, so it always knows of it.
    assert visible_parties([CUSTOMER, AGENT, coach], viewer, False) == [CUSTOMER, AGENT, coach]
    # The supervisor itself, and supervisors of the team, see everything.
    assert viewer_audience(LEAD_ID, parties, sees_everything=False) is Audience.SUPERVISORS
    assert viewer_audience(77, parties, sees_everything=True) is Audience.SUPERVISORS


def test_sup1_an_event_about_a_silent_party_is_meant_for_those_who_may_know_of_it():
    monitor = supervisor(PartyRole.MONITOR)
    parties = [CUSTOMER, AGENT, monitor]
    assert event_audience(parties, monitor.id, False) is Audience.SUPERVISORS
    assert event_audience(parties, monitor.id, True) is Audience.COMPANY
    assert event_audience(parties, AGENT.id, False) is Audience.EVERYONE
    assert event_audience(parties, None, False) is Audience.EVERYONE
    assert audience_of(supervisor(PartyRole.COACH), False) is Audience.COMPANY


def test_sup1_the_customer_feed_drops_events_with_a_narrower_audience_and_other_interactions():
    def event(interaction_id=1, kind="customer", **payload):
        return Event(topic="interaction", kind="X", at=T0,
                     payload={"interactionId": interaction_id, "interactionKind": kind, **payload})

    assert customer_may_see(event(), 1)
    assert not customer_may_see(event(knownTo="company"), 1)
    assert not customer_may_see(event(knownTo="supervisors"), 1)
    assert not customer_may_see(event(2), 1)
    assert not customer_may_see(event(kind="consultation"), 1)


def test_sup1_a_silent_supervisor_keeps_no_call_going_nor_the_customer_connected():
    monitor = supervisor(PartyRole.MONITOR)
    # The agent hangs up: the call ends although the monitor is still on it.
    assert rules.after_leave([CUSTOMER, AGENT, monitor], AGENT, False).what is rules.AfterLeave.ENDS
    # The monitor leaves: the call goes on.
    assert rules.after_leave([CUSTOMER, AGENT, monitor], monitor, False).what is rules.AfterLeave.GOES_ON
    # The agent holds: the customer is held although the monitor is connected.
    held = party(2, PartyRole.OWNER, AGENT_ID, state=PartyState.HELD)
    assert rules.customer_hold_state([CUSTOMER, held, monitor]) is PartyState.HELD
    assert rules.customer_hold_state([CUSTOMER, held, supervisor(PartyRole.BARGE)]) is PartyState.CONNECTED


def test_sup2_a_supervisor_never_takes_over_a_conference_its_owner_leaves():
    barge = party(9, PartyRole.BARGE, LEAD_ID, supervised=AGENT_ID, joined=1)  # there before the colleague
    outcome = rules.after_leave([CUSTOMER, AGENT, barge, COLLEAGUE], AGENT, False)
    assert outcome.what is rules.AfterLeave.GOES_ON and outcome.new_owner is COLLEAGUE
