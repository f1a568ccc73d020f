"""Time-outs kept in the store (INS3): one row per pending time-out, with its due time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from core.store.types import UTCDateTime


class DueTimeout(SQLModel, table=True):
    __tablename__ = "due_timeout"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)  # which handler fires it: "ring", "queue", …
    subject_id: int  # what it is about (an offer, for routing)
    round: int = 0  # the subject's round when scheduled: a later round makes it moot
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
