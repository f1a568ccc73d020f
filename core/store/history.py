"""The append-only history: one row per event, written in the transaction that made it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from core.events import Event
from core.store.defaults import empty_dict
from core.store.types import UTCDateTime


class EventRecord(SQLModel, table=True):
    __tablename__ = "event_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    topic: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=64)
    actor_id: int | None = Field(default=None)
    subject: str | None = Field(default=None, max_length=128, index=True)
    payload: dict[str, Any] = Field(default_factory=empty_dict, sa_column=Column(JSON, nullable=False))

    @staticmethod
    def row(event: Event) -> dict[str, Any]:
        """The values of the event's row, without building a model (a command records
        several events; a model each cost more than their INSERT)."""
        return {"at": event.at, "topic": event.topic, "kind": event.kind, "actor_id": event.actor_id,
                "subject": event.subject, "payload": event.payload}

    def to_event(self) -> Event:
        return Event(
            topic=self.topic,
            kind=self.kind,
            at=self.at,
            payload=dict(self.payload),
            actor_id=self.actor_id,
            subject=self.subject,
            id=self.id,
        )
