"""Mailboxes, the voicemails in them, and access sessions (VM2)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from core.store.types import UTCDateTime


class Mailbox(SQLModel, table=True):
    """An agent's own mailbox (user_id) or an agent group's (target_id), created on first use
    with the configured default PIN."""

    __tablename__ = "mailbox"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", unique=True)
    target_id: int | None = Field(default=None, foreign_key="target.id", unique=True)
    pin_hash: str = Field(max_length=255)
    # Wrong PINs since the last right one; reaching the limit locks the mailbox.
    failed_attempts: int = Field(default=0)
    locked_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class Voicemail(SQLModel, table=True):
    __tablename__ = "voicemail"

    id: int | None = Field(default=None, primary_key=True)
    mailbox_id: int = Field(foreign_key="mailbox.id", index=True)
    caller: str = Field(max_length=160)
    # The interaction that left it (TRF5); no foreign key: interactions are another area.
    interaction_id: int | None = Field(default=None)
    duration_seconds: int
    left_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    heard_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class AccessState(str, enum.Enum):
    AUTHENTICATING = "authenticating"  # waiting for the PIN digits
    OPEN = "open"  # PIN accepted: list, mark heard, delete
    LOCKED = "locked"  # too many wrong PINs: ended, the mailbox is locked for a while
    CLOSED = "closed"  # hung up


class VoicemailAccess(SQLModel, table=True):
    """An internal voice session with a mailbox (VM2). It stands for the interaction until
    the interaction engine links one (interaction_id)."""

    __tablename__ = "voicemail_access"

    id: int | None = Field(default=None, primary_key=True)
    mailbox_id: int = Field(foreign_key="mailbox.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    channel: str = Field(max_length=40)
    state: AccessState = Field(max_length=20)
    # Digits typed since the last PIN attempt; cleared by every attempt.
    pending_digits: str = Field(default="", max_length=32)
    interaction_id: int | None = Field(default=None)
    opened_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
