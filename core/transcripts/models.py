"""Transcript lines, the files attached to them, and done marks (rows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, Text
from sqlmodel import Field, SQLModel

from core.store.defaults import empty_dict, empty_list
from core.store.types import UTCDateTime


class TranscriptEntry(SQLModel, table=True):
    """One line written on an interaction, in order (its id). `audience` is "customer" (the
    customer and the agents read it) or "internal" (agents only: an internal note, every line
    of an internal interaction). `hidden_from` lists the parties that do not read it: removed
    or muted towards them when it was written (CNF6)."""

    __tablename__ = "transcript_entry"

    id: int | None = Field(default=None, primary_key=True)
    interaction_id: int = Field(foreign_key="interaction.id", index=True)
    party_id: int | None = Field(default=None, foreign_key="interaction_party.id")
    author_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    author_name: str = Field(max_length=160)
    audience: str = Field(max_length=20)
    text: str = Field(sa_column=Column(Text, nullable=False))
    # An e-mail's HTML body, already sanitised when it was received (EML1); `text` is what
    # it reads as. None for every other line.
    html: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    hidden_from: list[int] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    # Channel specifics: an e-mail's subject, addresses, attachment names and sizes, delivery.
    meta: dict[str, Any] = Field(default_factory=empty_dict, sa_column=Column(JSON, nullable=False))
    # An e-mail's Message-ID: a customer's reply (In-Reply-To) finds its interaction by it.
    external_id: str | None = Field(default=None, max_length=300, index=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class TranscriptAttachment(SQLModel, table=True):
    """A file that came with a line (an e-mail's attachment, EML1): its bytes, and what it
    is called and says it is. Read by whoever reads the line."""

    __tablename__ = "transcript_attachment"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="transcript_entry.id", index=True)
    interaction_id: int = Field(foreign_key="interaction.id", index=True)
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=127)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class DoneMark(SQLModel, table=True):
    """An agent marked the interaction done: closed for that side (IM2, CH2)."""

    __tablename__ = "interaction_done"

    interaction_id: int = Field(foreign_key="interaction.id", primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    done_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
