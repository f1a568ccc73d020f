"""Softphone credentials (VOX1): one per agent, set by an administrator, kept as the digest
HA1 (see `digest`), never the password."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel, select

from channels.voice.sip.digest import ha1
from core.store.types import UTCDateTime

MIN_PASSWORD = 8
MAX_PASSWORD = 128


class SipCredential(SQLModel, table=True):
    __tablename__ = "sip_credential"

    user_id: int = Field(primary_key=True, foreign_key="app_user.id")
    username: str = Field(max_length=120, unique=True)  # the SIP user name: the agent's login
    realm: str = Field(max_length=120)
    ha1: str = Field(max_length=32)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


async def store_credential(uow, user_id: int, username: str, realm: str, password: str, now: datetime) -> None:
    row = await uow.session.get(SipCredential, user_id)
    if row is None:
        uow.session.add(SipCredential(user_id=user_id, username=username, realm=realm,
                                      ha1=ha1(username, realm, password), updated_at=now))
    else:
        row.username, row.realm, row.ha1, row.updated_at = username, realm, ha1(username, realm, password), now


async def credential_of(session, username: str) -> SipCredential | None:
    return (await session.exec(select(SipCredential).where(SipCredential.username == username))).first()
