"""Subscriptions read the event bus. Subscribe before reading a snapshot, so that nothing
committed in between is missed (a change may then arrive twice: deltas are idempotent)."""

from __future__ import annotations

import contextlib
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable

from core.events import Event, EventBus

# How many past items a subscription reads at a time before it goes live.
PAGE = 100


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


async def every_page(read_page: Callable[[int | None], Awaitable[tuple[list[Any], bool]]]) -> AsyncIterator[Any]:
    """Every item of a paged read (history, transcript lines) in order: `read_page(after)`
    returns a page after the item with id `after` (None: from the start) and whether more follow."""
    after = None
    while True:
        items, more = await read_page(after)
        for item in items:
            yield item
        if not more or not items:
            return
        after = items[-1].id
