"""Subscriptions read the event bus. Subscribe before reading a snapshot, so that nothing
committed in between is missed (a change may then arrive twice: deltas are idempotent)."""

from __future__ import annotations

import contextlib
from typing import AsyncIterator, Callable, Iterable

from core.events import Event, EventBus


@contextlib.asynccontextmanager
async def listening(bus: EventBus, topics: Iterable[str]) -> AsyncIterator[AsyncIterator[Event]]:
    """`async with listening(bus, {"presence"}) as events:` read a snapshot, then iterate."""
    subscription = bus.subscribe(topics)
    try:
        yield subscription.__aiter__()
    finally:
        subscription.close()


async def filtered(events: AsyncIterator[Event], accept: Callable[[Event], bool]) -> AsyncIterator[Event]:
    async for event in events:
        if accept(event):
            yield event
