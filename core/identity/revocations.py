"""Logout reaches every instance at once. Each instance keeps the actors of recent tokens in
memory (core.identity.service: every request authenticates); a logout records a
`TokenRevoked` event in its transaction, and every instance, reading the one event stream,
forgets that user's tokens at once, so the next request with the token reads the store and is
refused. The event names the user, not the token: the log keeps no secret."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Awaitable, Callable

from core.events import Event, EventBus
from core.listener import BusListener

TOPIC = "identity"
log = logging.getLogger("backline.identity")


def token_revoked(user_id: int, at: datetime) -> Event:
    return Event(topic=TOPIC, kind="TokenRevoked", at=at, payload={"userId": user_id}, actor_id=user_id,
                 subject=f"user:{user_id}")


def forgetting_revoked(bus: EventBus, revoked: Callable[[int], Awaitable[None]]) -> BusListener:
    """A listener (start it) that awaits `revoked(user_id)` for every revocation in the cluster."""

    async def handle(events: list[Event]) -> None:
        for event in events:
            if event.kind == "TokenRevoked":
                await revoked(event.payload["userId"])

    return BusListener(bus, {TOPIC}, handle, log, everywhere=True)
