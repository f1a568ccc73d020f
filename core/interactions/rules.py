"""Pure domain rules: who may see or act on an interaction, what a party may do in which
state, what happens when a party leaves, and who hears whom. No I/O: unit-tested directly."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterable, Sequence

from core.errors import InvalidState, NotFound, PermissionDenied
from core.identity.actor import Actor
from core.interactions.hearing import SUPERVISOR_ROLES, is_silent, may_hear
from core.interactions.models import Interaction, InteractionKind, Party, PartyRole, PartyState

LIVE = (PartyState.ALERTING, PartyState.CONNECTED, PartyState.HELD)
ON_CALL = (PartyState.CONNECTED, PartyState.HELD)
AGENT_ROLES = (PartyRole.OWNER, PartyRole.CONSULTED, PartyRole.PARTICIPANT)
# A monitor or coach is not on the call for the others (SUP1, SUP2): it only leaves, and a
# coach also writes (its lines are internal: the customer never reads them). Keyed by the
# `doing` of require_leg's callers.
SILENT_MAY = {PartyRole.MONITOR: frozenset({"release"}), PartyRole.COACH: frozenset({"release", "write on it"})}


def wraps_up(interaction: Interaction, party: Party, before: PartyState) -> bool:
    """WRP1: whether this party, leaving now from `before`, handled a customer contact (not
    a supervisor listening in, not one whose offer only rang)."""
    return (interaction.kind is InteractionKind.CUSTOMER and party.user_id is not None
            and party.role in AGENT_ROLES and before in ON_CALL)


def handed_on(interaction: Interaction, parties: Sequence[Party]) -> bool:
    """Whether an interaction can be transferred or conferenced (its channel allowing): a
    customer's, or a call between agents (CALL1: a call from the directory is a call like any
    other); not a consultation, nor an agent alone on an internal session (voicemail, VM2)."""
    if interaction.kind is InteractionKind.CUSTOMER:
        return True
    return interaction.kind is InteractionKind.INTERNAL and len({p.user_id for p in parties if is_company(p)}) > 1


def is_live(party: Party) -> bool:
    return party.state in LIVE


def is_company(party: Party) -> bool:
    """A person of the company (an agent, a lead): has a user account."""
    return party.user_id is not None


def visible_user_ids(parties: Iterable[Party]) -> list[int]:
    """Every user who is or was a party: they read the interaction and its history (REL3)."""
    return sorted({p.user_id for p in parties if p.user_id is not None})


def team_ids(parties: Iterable[Party]) -> list[int]:
    return sorted({p.team_id for p in parties if p.team_id is not None and p.user_id is not None})


def may_read(actor: Actor, parties: Sequence[Party]) -> bool:
    """SEC1: its parties, supervisors of their team, administrators."""
    if actor.is_administrator or actor.user_id in visible_user_ids(parties):
        return True
    return any(actor.may_supervise_team(team) for team in team_ids(parties))


def unknown_interaction(interaction_id: int) -> NotFound:
    """What an id answers when it names no interaction, or one the caller may not read: the
    same code and message either way, so that no answer tells which ids exist (SEC5)."""
    return NotFound(f"No interaction with id {interaction_id}.")


def require_read(actor: Actor, parties: Sequence[Party], interaction_id: int) -> None:
    if not may_read(actor, parties):
        raise unknown_interaction(interaction_id)


def require_visible(actor: Actor, parties: Sequence[Party], interaction_id: int) -> None:
    """Before anything about the interaction is checked (its channel, its kind, a party of
    it): one the caller is not on and may not read answers as an unknown id (SEC5)."""
    if leg_of(actor.user_id, parties) is None and not may_read(actor, parties):
        raise unknown_interaction(interaction_id)


def leg_of(user_id: int, parties: Sequence[Party]) -> Party | None:
    """The user's live party on the interaction (at most one)."""
    for party in parties:
        if party.user_id == user_id and is_live(party):
            return party
    return None


def require_leg(actor: Actor, parties: Sequence[Party], interaction_id: int,
                states: Sequence[PartyState] = ON_CALL, doing: str = "do this") -> Party:
    party = leg_of(actor.user_id, parties)
    if party is None:
        if may_read(actor, parties):
            raise InvalidState(f"You are not on interaction {interaction_id}, so you cannot {doing}.")
        raise unknown_interaction(interaction_id)
    if party.state not in states:
        raise InvalidState(f"You cannot {doing} while your leg is {party.state.value}.",
                           state=party.state.value)
    if is_silent(party) and doing not in SILENT_MAY.get(party.role, ()):
        raise InvalidState(f"A supervisor in {party.role.value} mode cannot {doing}; barge in first.")
    return party


def customer_parties(parties: Iterable[Party]) -> list[Party]:
    return [p for p in parties if p.role is PartyRole.CUSTOMER]


def customer_hold_state(parties: Sequence[Party]) -> PartyState:
    """The customer is connected while somebody of the company (or another outside party)
    talks with it; held when every company party has held it or is still alerting."""
    others = [p for p in parties if p.role is not PartyRole.CUSTOMER and p.state is PartyState.CONNECTED
              and not is_silent(p)]
    return PartyState.CONNECTED if others else PartyState.HELD


class AfterLeave(str, enum.Enum):
    GOES_ON = "goes_on"
    ENDS = "ends"


@dataclass(frozen=True)
class LeaveOutcome:
    what: AfterLeave
    new_owner: Party | None = None
    reason: str = ""


def after_leave(parties: Sequence[Party], leaving: Party, end_when_only_external_left: bool) -> LeaveOutcome:
    """What becomes of an interaction when `leaving` leaves (CON5, CNF4, CNF5).

    Fewer than two parties on the call: it ends. The owner leaving a conference: it goes on
    without them, the longest-present company party taking it over; with nobody of the
    company left, it ends only where configured (CNF5)."""
    if is_silent(leaving):
        return LeaveOutcome(AfterLeave.GOES_ON)
    # A monitor or coach keeps no call going (SUP1, SUP2), nor takes one over.
    remaining = [p for p in parties if p.id != leaving.id and p.state in ON_CALL and not is_silent(p)]
    if len(remaining) < 2:
        return LeaveOutcome(AfterLeave.ENDS, reason="released")
    if leaving.role is not PartyRole.OWNER:
        return LeaveOutcome(AfterLeave.GOES_ON)
    company = sorted((p for p in remaining if is_company(p) and p.role not in SUPERVISOR_ROLES),
                     key=lambda p: (p.joined_at, p.id or 0))
    if company:
        return LeaveOutcome(AfterLeave.GOES_ON, new_owner=company[0])
    if end_when_only_external_left:
        return LeaveOutcome(AfterLeave.ENDS, reason="only_external_parties_left")
    return LeaveOutcome(AfterLeave.GOES_ON)


def hears(parties: Sequence[Party]) -> dict[int, list[int]]:
    """CNF6: for each connected party, the parties it hears. A held, muted or removed party
    is heard by nobody; a selective mute hides a party from the listed parties only; a
    monitor is heard by nobody and a coach by its agent only (SUP1, SUP2)."""
    connected = [p for p in parties if p.state is PartyState.CONNECTED]
    result: dict[int, list[int]] = {}
    for listener in connected:
        result[listener.id] = sorted(
            speaker.id for speaker in connected
            if speaker.id != listener.id and not speaker.muted and listener.id not in speaker.muted_towards
            and may_hear(listener, speaker)
        )
    return result


def heard_by(speaker: Party, hearing: dict[int, list[int]]) -> list[int]:
    """The parties that hear `speaker`, from a `hears` map (listener -> speakers)."""
    return sorted(listener for listener, speakers in hearing.items() if speaker.id in speakers)


def conference_has_room(parties: Sequence[Party], maximum: int) -> bool:
    """CNF8: alerting parties count, so two pending invitations cannot overshoot."""
    return sum(1 for p in parties if is_live(p)) < maximum


def may_remove_participant(actor: Actor, allowed: Iterable[str]) -> bool:
    """CNF7: the account permits it (its role or its username is listed)."""
    allowed = set(allowed)
    return actor.role.value in allowed or actor.username in allowed


def removable(party: Party) -> bool:
    """CNF7: a conference participant (an agent or an outside party) on the call."""
    return party.role in (PartyRole.PARTICIPANT, PartyRole.EXTERNAL) and party.state in ON_CALL


def require_may_remove(actor: Actor, allowed: Iterable[str]) -> None:
    if not may_remove_participant(actor, allowed):
        raise PermissionDenied("Your account does not permit removing a participant from a conference.")


def may_mute(actor: Actor, acting_leg: Party | None, target: Party) -> bool:
    """A party mutes itself; the owner mutes others; a supervisor or administrator too."""
    if acting_leg is not None and (acting_leg.id == target.id or acting_leg.role is PartyRole.OWNER):
        return True
    return actor.is_administrator or (target.team_id is not None and actor.may_supervise_team(target.team_id))
