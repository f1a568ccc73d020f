"""Interactions, their parties and the offers that bring a new party in (rows)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from core.store.defaults import empty_dict, empty_list
from core.store.types import UTCDateTime


class InteractionKind(str, enum.Enum):
    CUSTOMER = "customer"
    INTERNAL = "internal"
    CONSULTATION = "consultation"


class InteractionState(str, enum.Enum):
    ROUTING = "routing"  # a customer contact not yet taken by an agent (ringing or waiting)
    ACTIVE = "active"
    ENDED = "ended"


class PartyRole(str, enum.Enum):
    CUSTOMER = "customer"
    OWNER = "owner"  # the agent who handles the interaction (started the conference)
    CONSULTED = "consulted"
    PARTICIPANT = "participant"  # a conference party from the company
    EXTERNAL = "external"  # a conference party outside the company (a phone number)
    # A supervisor's party, its role naming its mode (SUP1, SUP2; core.interactions.hearing).
    MONITOR = "monitor"  # hears all, heard by nobody
    COACH = "coach"  # hears all, heard by the supervised agent only
    BARGE = "barge"  # a full party, heard by all


class PartyState(str, enum.Enum):
    ALERTING = "alerting"
    CONNECTED = "connected"
    HELD = "held"
    LEFT = "left"


class OfferPurpose(str, enum.Enum):
    ROUTE = "route"  # an inbound contact looking for an agent
    TRANSFER = "transfer"
    CONSULT = "consult"
    CONFERENCE = "conference"


class OfferState(str, enum.Enum):
    WAITING = "waiting"  # nobody available: queued in order (GRP4)
    RINGING = "ringing"  # alerting one agent (GRP3)
    ACCEPTED = "accepted"
    DECLINED = "declined"
    NO_ANSWER = "no_answer"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"  # waited longer than the queue time-out

    @property
    def open(self) -> bool:
        return self in (OfferState.WAITING, OfferState.RINGING)


class Interaction(SQLModel, table=True):
    __tablename__ = "interaction"

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=40, index=True)
    kind: InteractionKind = Field(max_length=20)
    state: InteractionState = Field(max_length=20, index=True)
    inbound: bool = Field(default=False)
    # A consultation's customer interaction.
    parent_id: int | None = Field(default=None, foreign_key="interaction.id", index=True)
    # Where the contact asked to go (`queue:Support`); informational.
    destination: str | None = Field(default=None, max_length=160)
    # Attached data (key/value, TRF2) and the contact's details (CON3).
    context: dict[str, Any] = Field(default_factory=empty_dict, sa_column=Column(JSON, nullable=False))
    contact: dict[str, Any] = Field(default_factory=empty_dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    end_reason: str | None = Field(default=None, max_length=80)
    # Bumped by every change; the last one each event was built on.
    version: int = Field(default=0)


class Party(SQLModel, table=True):
    __tablename__ = "interaction_party"

    id: int | None = Field(default=None, primary_key=True)
    interaction_id: int = Field(foreign_key="interaction.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    # A customer's or external party's address (phone number, e-mail).
    address: str | None = Field(default=None, max_length=160)
    display_name: str = Field(max_length=160)
    team_id: int | None = Field(default=None)
    role: PartyRole = Field(max_length=20)
    state: PartyState = Field(max_length=20, index=True)
    muted: bool = Field(default=False)  # heard by nobody (CNF6)
    # Party ids that do not hear this party (selective mute, CNF6).
    muted_towards: list[int] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    removed: bool = Field(default=False)
    # A supervisor party's agent: the one a coach talks to (core.supervision).
    supervised_user_id: int | None = Field(default=None)
    joined_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    left_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class Offer(SQLModel, table=True):
    """A request for a target to join an interaction: it rings one agent at a time or waits
    in order; its outcome says why it ended (declined, no answer, cancelled, timed out)."""

    __tablename__ = "interaction_offer"

    id: int | None = Field(default=None, primary_key=True)
    interaction_id: int = Field(foreign_key="interaction.id", index=True)
    channel: str = Field(max_length=40, index=True)
    purpose: OfferPurpose = Field(max_length=20)
    state: OfferState = Field(max_length=20, index=True)
    target_id: int | None = Field(default=None, foreign_key="target.id")
    target_name: str = Field(max_length=160)
    # Whose request it is (None for an inbound contact); it sees the wait and may cancel.
    requester_id: int | None = Field(default=None, foreign_key="app_user.id")
    # The customer interaction a consultation is about, or a transfer's source party.
    parent_interaction_id: int | None = Field(default=None)
    ringing_user_id: int | None = Field(default=None)
    ringing_party_id: int | None = Field(default=None)
    accepted_by: int | None = Field(default=None)
    # Agents already offered this request, not offered again (a decline, no answer).
    tried: list[int] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    # Increases each time the offer rings or waits again: a stale time-out does nothing.
    round: int = Field(default=0)
    reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class WrapUpOutcome(str, enum.Enum):
    COMPLETED = "completed"  # the agent recorded it (completeWrapUp)
    TIMED_OUT = "timed_out"  # the channel's time limit ended it


class WrapUp(SQLModel, table=True):
    """An agent's after-call work on an interaction they left (WRP1): open until they
    complete it or the channel's time limit passes; then it keeps the dispositions (WRP2)."""

    __tablename__ = "wrap_up"

    id: int | None = Field(default=None, primary_key=True)
    interaction_id: int = Field(foreign_key="interaction.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    channel: str = Field(max_length=40)
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ends_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))  # None: until done
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    outcome: WrapUpOutcome | None = Field(default=None, max_length=20)
    codes: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    note: str | None = Field(default=None, max_length=2000)
