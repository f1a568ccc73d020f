"""A supervisor's monitoring of an agent: one interaction, or the agent's next calls until
stopped (SUP1, SUP2). The supervisor's presence on a call is a party of that interaction,
whose role names the mode; this row says what the supervisor asked for."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, Enum
from sqlmodel import Field, SQLModel

from core.interactions.hearing import Mode
from core.store.types import UTCDateTime


class Scope(str, enum.Enum):
    INTERACTION = "interaction"  # one interaction of the agent
    NEXT_CALLS = "next_calls"  # every new interaction of the agent, until stopped


class Supervision(SQLModel, table=True):
    __tablename__ = "supervision"

    id: int | None = Field(default=None, primary_key=True)
    supervisor_id: int = Field(foreign_key="app_user.id", index=True)
    agent_id: int = Field(foreign_key="app_user.id", index=True)
    # Named as migration 0007 names them (a model's enum type is otherwise named after its
    # class, `mode` / `scope`, which PostgreSQL would not find).
    mode: Mode = Field(sa_column=Column(Enum(Mode, name="supervisionmode"), nullable=False))
    scope: Scope = Field(sa_column=Column(Enum(Scope, name="supervisionscope"), nullable=False))
    # The interaction, for the INTERACTION scope; no foreign key: interactions are another area.
    interaction_id: int | None = Field(default=None, index=True)
    active: bool = Field(default=True, index=True)
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    end_reason: str | None = Field(default=None, max_length=80)
