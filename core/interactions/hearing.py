"""Who hears a supervisor's party, and who may know of it (SUP1, SUP2). Pure: no I/O.

A supervisor's party has a role that names its mode:
- MONITOR hears all and is heard by nobody;
- COACH hears all and is heard by the supervised agent only;
- BARGE is a full party, heard by all.

Who knows of the party follows from who hears it: the customer never learns of a monitor or
a coach; the coached agent hears the coach, so the company side knows of it; whether the
agent is told of a silent monitor is an option (`tell_agent_when_monitored`)."""

from __future__ import annotations

import enum
from typing import Sequence

from core.interactions.models import Party, PartyRole


class Mode(str, enum.Enum):
    MONITOR = "monitor"
    COACH = "coach"
    BARGE = "barge"


ROLE_OF_MODE = {Mode.MONITOR: PartyRole.MONITOR, Mode.COACH: PartyRole.COACH, Mode.BARGE: PartyRole.BARGE}
MODE_OF_ROLE = {role: mode for mode, role in ROLE_OF_MODE.items()}
SUPERVISOR_ROLES = frozenset(ROLE_OF_MODE.values())
# Parties the customer never learns of, and who are not "on the call" for hold and hang-up.
SILENT_ROLES = frozenset({PartyRole.MONITOR, PartyRole.COACH})


class Audience(int, enum.Enum):
    """Who may know of a party or read an event, narrowest first; each includes the ones
    before it."""

    SUPERVISORS = 1  # the supervisor itself, supervisors of the team, administrators
    COMPANY = 2  # and the agents on the interaction
    EVERYONE = 3  # and the customer (and outside parties)

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, label: str | None) -> "Audience":
        return cls.EVERYONE if label is None else cls[label.upper()]


def is_silent(party: Party) -> bool:
    return party.role in SILENT_ROLES


def is_supervisor(party: Party) -> bool:
    return party.role in SUPERVISOR_ROLES


def may_hear(listener: Party, speaker: Party) -> bool:
    """Whether `listener` hears `speaker` as far as supervision goes (mutes are CNF6's)."""
    if speaker.role is PartyRole.MONITOR:
        return False
    if speaker.role is PartyRole.COACH:
        return listener.user_id is not None and listener.user_id == speaker.supervised_user_id
    return True


def audience_of(party: Party, tell_agent_when_monitored: bool) -> Audience:
    if party.role is PartyRole.MONITOR:
        return Audience.COMPANY if tell_agent_when_monitored else Audience.SUPERVISORS
    if party.role is PartyRole.COACH:
        return Audience.COMPANY
    return Audience.EVERYONE


def viewer_audience(viewer_id: int | None, parties: Sequence[Party], sees_everything: bool) -> Audience:
    """What a user reading the interaction is: a supervisor (or its own supervisor party),
    a company party, or — not on it and not entitled to more — as little as the customer."""
    if sees_everything or any(is_supervisor(p) and p.user_id == viewer_id for p in parties):
        return Audience.SUPERVISORS
    if viewer_id is not None and any(p.user_id == viewer_id for p in parties):
        return Audience.COMPANY
    return Audience.EVERYONE


def sees(viewer: Audience, audience: Audience) -> bool:
    """A viewer reads what is meant for its own audience or a wider one: a supervisor reads
    everything, the customer only what is meant for everyone."""
    return viewer <= audience


def visible_parties(parties: Sequence[Party], viewer: Audience, tell_agent_when_monitored: bool) -> list[Party]:
    return [p for p in parties if sees(viewer, audience_of(p, tell_agent_when_monitored))]


def event_audience(parties: Sequence[Party], party_id: int | None, tell_agent_when_monitored: bool) -> Audience:
    """An event about a party is meant for whoever may know of that party."""
    party = next((p for p in parties if p.id == party_id), None) if party_id is not None else None
    return Audience.EVERYONE if party is None else audience_of(party, tell_agent_when_monitored)
