"""The pure rules of the interaction engine (core.interactions.rules, options)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from core.errors import ConfigurationError, NotFound
from core.identity.actor import Actor
from core.identity.models import Role
from core.interactions import rules
from core.interactions.models import Party, PartyRole, PartyState
from core.interactions.options import InteractionOptions

T0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)


def party(id_, role, state=PartyState.CONNECTED, user_id=None, team_id=None, joined=0, **kw) -> Party:
    return Party(id=id_, interaction_id=1, user_id=user_id, team_id=team_id, role=role, state=state,
                 display_name=str(id_), joined_at=T0.replace(second=joined), **kw)


def actor(user_id, role=Role.AGENT, teams=(), username="x") -> Actor:
    return Actor(user_id=user_id, username=username, display_name=username, role=role,
                 supervised_team_ids=frozenset(teams))


CUSTOMER = party(1, PartyRole.CUSTOMER, address="+33")
OWNER = party(2, PartyRole.OWNER, user_id=10, team_id=1)
MEMBER = party(3, PartyRole.PARTICIPANT, user_id=11, team_id=2, joined=5)
OUTSIDE = party(4, PartyRole.EXTERNAL, address="+44")


def test_sec1_parties_supervisors_of_their_team_and_administrators_read():
    parties = [CUSTOMER, OWNER]
    assert rules.may_read(actor(10), parties)
    assert not rules.may_read(actor(99), parties)
    assert rules.may_read(actor(50, Role.SUPERVISOR, teams=(1,)), parties)
    assert not rules.may_read(actor(51, Role.SUPERVISOR, teams=(3,)), parties)
    assert rules.may_read(actor(52, Role.ADMINISTRATOR), parties)
    with pytest.raises(NotFound, match="No interaction with id 1."):  # SEC5: as an unknown id
        rules.require_read(actor(99), parties, 1)


def test_con5_a_two_party_call_ends_when_either_leaves():
    assert rules.after_leave([CUSTOMER, OWNER], OWNER, False).what is rules.AfterLeave.ENDS
    assert rules.after_leave([CUSTOMER, OWNER], CUSTOMER, False).what is rules.AfterLeave.ENDS


def test_cnf4_a_participant_leaving_lets_the_call_go_on():
    outcome = rules.after_leave([CUSTOMER, OWNER, MEMBER], MEMBER, False)
    assert outcome.what is rules.AfterLeave.GOES_ON and outcome.new_owner is None


def test_cnf5_the_owner_leaving_hands_over_to_the_longest_present_colleague():
    later = party(5, PartyRole.PARTICIPANT, user_id=12, joined=30)
    outcome = rules.after_leave([CUSTOMER, OWNER, later, MEMBER], OWNER, True)
    assert outcome.what is rules.AfterLeave.GOES_ON and outcome.new_owner is MEMBER


def test_cnf5_only_outside_parties_left_ends_only_where_configured():
    assert rules.after_leave([CUSTOMER, OWNER, OUTSIDE], OWNER, True).what is rules.AfterLeave.ENDS
    assert rules.after_leave([CUSTOMER, OWNER, OUTSIDE], OWNER, False).what is rules.AfterLeave.GOES_ON


def test_cnf6_muted_held_and_selectively_muted_parties_are_not_heard():
    muted = party(3, PartyRole.PARTICIPANT, user_id=11, muted=True)
    towards = party(4, PartyRole.EXTERNAL, address="+44", muted_towards=[1])
    held = party(2, PartyRole.OWNER, PartyState.HELD, user_id=10)
    heard = rules.hears([CUSTOMER, held, muted, towards])
    assert heard[1] == [] and heard[3] == [1, 4] and heard[4] == [1]
    assert 2 not in heard


def test_cnf7_removal_needs_the_role_or_username_to_be_allowed():
    assert not rules.may_remove_participant(actor(1), ("supervisor", "administrator"))
    assert rules.may_remove_participant(actor(1, username="agent"), ("agent",))
    assert rules.may_remove_participant(actor(1, Role.SUPERVISOR), ("supervisor",))


def test_cnf8_alerting_parties_count_towards_the_maximum():
    alerting = party(5, PartyRole.PARTICIPANT, PartyState.ALERTING, user_id=12)
    assert rules.conference_has_room([CUSTOMER, OWNER], 3)
    assert not rules.conference_has_room([CUSTOMER, OWNER, alerting], 3)


def test_trf3_the_customer_is_held_when_no_colleague_talks_with_it():
    held = party(2, PartyRole.OWNER, PartyState.HELD, user_id=10)
    assert rules.customer_hold_state([CUSTOMER, held]) is PartyState.HELD
    assert rules.customer_hold_state([CUSTOMER, OWNER]) is PartyState.CONNECTED


def test_options_defaults_and_validation():
    assert InteractionOptions.from_config({}).conference_max_parties == 6
    assert InteractionOptions.from_config({"ring_timeout_seconds": 5}).ring_timeout_seconds == 5.0
    for bad in ({"ring_timeout_seconds": 0}, {"conference_max_parties": 2},
                {"end_conference_when_only_external_left": "yes"}, {"remove_participant_allowed": "agent"}):
        with pytest.raises(ConfigurationError):
            InteractionOptions.from_config(bad)


def test_dir3_allowed_operations_follow_state_role_and_capabilities():
    from core.channels import Capabilities, Operation
    from core.interactions.allowed import allowed_operations
    from core.interactions.models import (
        Interaction, InteractionKind, InteractionState, Offer, OfferPurpose, OfferState,
    )

    voice = Capabilities(operations=frozenset(Operation), capacity=1)
    email = Capabilities(operations=frozenset({Operation.TRANSFER}), capacity=5, transfer_inbound_only=True)
    call = Interaction(id=1, channel="talk", kind=InteractionKind.CUSTOMER, state=InteractionState.ACTIVE,
                       inbound=True, created_at=T0)
    parties = [CUSTOMER, OWNER, MEMBER]
    owner = allowed_operations(10, call, parties, [], voice, 6)
    assert {Operation.HOLD, Operation.CONSULT, Operation.CONFERENCE, Operation.TRANSFER} <= owner
    assert Operation.TRANSFER not in allowed_operations(11, call, parties, [], voice, 6)  # not the owner
    assert allowed_operations(99, call, parties, [], voice, 6) == frozenset()  # not on it
    pending = Offer(id=1, interaction_id=1, channel="talk", purpose=OfferPurpose.TRANSFER,
                    state=OfferState.RINGING, target_name="x", created_at=T0)
    assert Operation.TRANSFER not in allowed_operations(10, call, parties, [pending], voice, 6)
    assert Operation.CONFERENCE not in allowed_operations(10, call, parties, [], voice, 3)  # full
    outbound = Interaction(id=2, channel="mail", kind=InteractionKind.CUSTOMER, state=InteractionState.ACTIVE,
                           inbound=False, created_at=T0)
    assert allowed_operations(10, outbound, parties, [], email, 6) == {Operation.CONSULT}  # TRF6, CNF2
