from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from core.store.types import UTCDateTime


class ChannelPresence(SQLModel, table=True):
    """What an agent has told us (logged in, ready, reason) and what the interaction engine
    counts (load); the state shown to others is derived from both (core.presence.state)."""

    __tablename__ = "channel_presence"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    channel: str = Field(max_length=40, primary_key=True)
    logged_in: bool = Field(default=False)
    ready: bool = Field(default=False)
    reason: str | None = Field(default=None, max_length=80)
    # Interactions the agent holds on this channel now; maintained by the interaction
    # engine in the same transaction as the parties it counts.
    load: int = Field(default=0)
    # Wrap-ups the agent has not finished on this channel (WRP1), kept by core.interactions.after_call in the
    # same transaction: while there is one, nothing new is offered to them here.
    wrap_ups: int = Field(default=0)
    # When the derived state last changed.
    since: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # When the agent last became free (ready, or an interaction ended): longest idle first.
    idle_since: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
