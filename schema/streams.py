"""Subscriptions read the event bus, and resume from a position (INS2).

Each stream listens before it reads anything, then notes the log's newest position (its
`head`): a snapshot read after that reflects every event up to it, so such items carry the
head as their cursor, and live events at or below it are left out. With `after: cursor` the
snapshot is skipped: the events after that position come from the log, in order, then the
live ones, each once. The position travels as an opaque cursor; the same one works on every
instance, since they share one log.
"""

from __future__ import annotations

import base64
import contextlib
from typing import Annotated, Any, AsyncIterator, Awaitable, Callable, Iterable, TypeVar

import strawberry
from strawberry.types.info import Info

from core.errors import InvalidInput
from core.events import Event, EventBus, Subscription
from core.store.event_log import EventLog

# How many past items a subscription reads at a time before it goes live.
PAGE = 100

CURSOR_HELP = ("This item's position in the event stream: pass it as `after` to resume the "
          "subscription from here, on any instance (INS2). Null outside subscriptions.")
AFTER_HELP = ("Resume after this cursor (an item's `cursor`): every event since, in order, then the "
         "live ones, and no snapshot. Too old a cursor ends the stream with the error code "
         "CURSOR_EXPIRED: subscribe again without `after` for a fresh snapshot.")

# The `after` argument of every subscription that resumes.
After = Annotated[str | None, strawberry.argument(description=AFTER_HELP)]

_PREFIX = "e1:"
T = TypeVar("T")


def cursor_of(position: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{position}".encode()).decode().rstrip("=")


def position_of(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith(_PREFIX) and text[len(_PREFIX):].isdigit():
            return int(text[len(_PREFIX):])
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidInput("after: not a cursor of a Backline stream.", field="after")


def at(item: T, position: int) -> T:
    """The item, carrying the cursor of `position`."""
    item.cursor = cursor_of(position)
    return item


@strawberry.type
class Query:
    @strawberry.field(description=(
        "The event stream's newest position now, as a cursor: a subscription started with "
        "`after:` it gets everything from this moment, and a client keeps it to resume a stream "
        "that has delivered nothing yet (INS2)."))
    async def stream_cursor(self, info: Info) -> str:
        info.context.actor  # noqa: B018 - signed in
        return cursor_of(await info.context.backline.events.newest())


class Stream:
    """The events of some topics, from a position or from now."""

    def __init__(self, subscription: Subscription, log: EventLog, topics: frozenset[str],
                 head: int, after: int | None) -> None:
        self._subscription = subscription
        self._log = log
        self._topics = topics
        self.head = head  # the newest position when the stream began: a snapshot's cursor
        self.after = after
        self.last = head  # the position of the last event this stream handed out

    def passed(self, position: int) -> None:
        """A snapshot read by the caller went up to `position`: live events up to it are in it."""
        self.last = max(self.last, position)

    @property
    def resumed(self) -> bool:
        """Whether the client resumes (no snapshot: the events since its cursor instead)."""
        return self.after is not None

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        if self.after is not None:
            async for event in self._log.since(self.after, self._topics):
                self.last = max(self.last, event.id)
                yield event
        async for event in self._subscription:
            if event.id is not None:
                if event.id <= self.last:
                    continue  # in the snapshot, or already replayed from the log
                self.last = event.id
            yield event


async def open_stream(bus: EventBus, log: EventLog, topics: Iterable[str], after: str | None,
                      replay: bool = True) -> tuple[Subscription, Stream]:
    """Listening first, then the head; `replay=False` for a stream of figures rather than
    events, which resumes with the current figures (the changes in between are superseded)."""
    topics = frozenset(topics)
    subscription = bus.subscribe(topics)
    try:
        if after is None:
            return subscription, Stream(subscription, log, topics, await log.newest(), None)
        position = position_of(after)
        head = await log.resumable_from(position)
        return subscription, Stream(subscription, log, topics, head, position if replay else None)
    except BaseException:
        subscription.close()
        raise


@contextlib.asynccontextmanager
async def following(backline, topics: Iterable[str], after: str | None = None,
                    replay: bool = True) -> AsyncIterator[Stream]:
    """`async with following(backline, {"presence"}, after) as stream:` a snapshot unless
    `stream.resumed`, then `async for event in stream`."""
    subscription, stream = await open_stream(backline.bus, backline.events, topics, after, replay)
    try:
        yield stream
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
