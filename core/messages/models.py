"""A message is stored once; each recipient has a delivery row with its own read state."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from core.store.defaults import empty_dict
from core.store.types import UTCDateTime


class MessageKind(str, enum.Enum):
    SYSTEM = "system"  # raised by the core or a channel plugin (a backend out of service)
    BROADCAST = "broadcast"  # sent by an administrator to a team or to everyone
    VOICEMAIL = "voicemail"  # a voicemail was left in a mailbox the recipient may open


class Priority(str, enum.Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Message(SQLModel, table=True):
    __tablename__ = "message"

    id: int | None = Field(default=None, primary_key=True)
    kind: MessageKind = Field(max_length=20)
    priority: Priority = Field(max_length=20)
    title: str = Field(max_length=160)
    text: str = Field(max_length=2000)
    sent_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sender_id: int | None = Field(default=None, foreign_key="app_user.id")
    # The channel a system message is about, if any (MSG1 names it).
    channel: str | None = Field(default=None, max_length=40)
    # An outage message is resolved when the backend is back in service.
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # Kind-specific references, e.g. {"mailboxId": 3, "voicemailId": 9}.
    data: dict[str, Any] = Field(default_factory=empty_dict, sa_column=Column(JSON, nullable=False))


class MessageDelivery(SQLModel, table=True):
    """One recipient's copy: the read state is per recipient (MSG3)."""

    __tablename__ = "message_delivery"
    __table_args__ = (Index("ix_message_delivery_user_message", "user_id", "message_id"),)

    message_id: int = Field(foreign_key="message.id", primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    read_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
