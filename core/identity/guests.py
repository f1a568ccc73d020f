"""Customers of a chat have no account: starting a chat hands them a token valid for that
chat only (SEC1). A guest reads and writes nothing but its own chat, as its own party."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from core.clock import Clock
from core.errors import NotAuthenticated
from core.identity.service import digest
from core.store.types import UTCDateTime
from core.store.unit_of_work import Store, UnitOfWork


class GuestToken(SQLModel, table=True):
    __tablename__ = "guest_token"

    # A digest only, like user tokens: a copy of the database opens no chat.
    token_digest: str = Field(max_length=64, primary_key=True)
    interaction_id: int = Field(foreign_key="interaction.id", index=True)
    party_id: int = Field(foreign_key="interaction_party.id")
    display_name: str = Field(max_length=160)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


@dataclass(frozen=True)
class Guest:
    """The customer of one chat: the only interaction and party it may act as."""

    interaction_id: int
    party_id: int
    display_name: str


class GuestTokens:
    def __init__(self, store: Store, clock: Clock, ttl: timedelta) -> None:
        self.store = store
        self.clock = clock
        self.ttl = ttl

    async def issue(self, uow: UnitOfWork, interaction_id: int, party_id: int, display_name: str) -> str:
        """Inside the unit of work that creates the chat: no chat, no token."""
        token = "chat_" + secrets.token_urlsafe(32)
        now = self.clock.now()
        uow.session.add(GuestToken(token_digest=digest(token), interaction_id=interaction_id, party_id=party_id,
                                   display_name=display_name, created_at=now, expires_at=now + self.ttl))
        return token

    async def authenticate(self, token: str | None) -> Guest:
        if not token:
            raise NotAuthenticated("A chat token is required: send 'Authorization: Bearer <chat token>'.")
        async with self.store.read() as session:
            row = await session.get(GuestToken, digest(token))
            if row is None or row.expires_at <= self.clock.now():
                raise NotAuthenticated("The chat token is unknown or expired; start a new chat.")
            return Guest(row.interaction_id, row.party_id, row.display_name)
