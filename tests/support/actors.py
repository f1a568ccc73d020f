"""The actor a user acts as, in tests that call the core's services directly (not the API)."""

from __future__ import annotations

from sqlmodel import select

from core.identity.actor import Actor
from core.identity.models import User
from core.identity.service import load_actor


async def actor_of(backline, username: str) -> Actor:
    """As a login would load it (role, team, supervised teams)."""
    async with backline.store.read() as session:
        user = (await session.exec(select(User).where(User.username == username))).one()
        return await load_actor(session, user)
