"""Reading the event log by position (INS2): where a stream that resumes picks up.

Positions follow commit order on both stores (core.store.unit_of_work), so "every event after
position p" is one ordered read of the log: nothing committed before a later position can
appear below it afterwards. The log is also the interactions' history, so it is kept;
`window` bounds how far back a stream may resume (a client further behind would replay more
than a fresh snapshot costs, and takes the snapshot instead).
"""

from __future__ import annotations

from typing import AsyncIterator, Iterable

from sqlalchemy import bindparam, func, select

from core.errors import CursorExpired
from core.events import Event
from core.store.history import EventRecord

_LOG = EventRecord.__table__
# The log's newest position (0 when empty).
NEWEST = select(func.coalesce(func.max(_LOG.c.id), 0))
# Events after a position, in order, a page at a time.
AFTER = select(_LOG).where(_LOG.c.id > bindparam("last")).order_by(_LOG.c.id).limit(bindparam("limit"))
_AFTER_IN_TOPICS = (select(_LOG).where(_LOG.c.id > bindparam("last"), _LOG.c.topic.in_(bindparam("topics", expanding=True)))
                    .order_by(_LOG.c.id).limit(bindparam("limit")))
PAGE = 500


def event_of(row, local: bool = False) -> Event:
    """An event read back from its row (committed, perhaps by another instance)."""
    return Event(topic=row.topic, kind=row.kind, at=row.at, payload=dict(row.payload),
                 actor_id=row.actor_id, subject=row.subject, id=row.id, local=local)


class EventLog:
    def __init__(self, store, window: int) -> None:
        self.store = store
        self.window = window  # how many positions behind the newest a stream may resume

    async def newest(self) -> int:
        async with self.store.read_connection() as connection:
            return (await connection.execute(NEWEST)).scalar_one()

    async def resumable_from(self, position: int) -> int:
        """The newest position, once `position` is known to be one a stream may resume
        from; CursorExpired when it is too far behind, or ahead of this log (a position of
        another store, or of one since recreated)."""
        newest = await self.newest()
        if position < 0 or position > newest:
            raise CursorExpired("This position is not in the event log: take a fresh snapshot "
                                "(subscribe without `after`).")
        if newest - position > self.window:
            raise CursorExpired(f"This position is more than {self.window} events old: take a fresh "
                                "snapshot (subscribe without `after`).")
        return newest

    async def since(self, position: int, topics: Iterable[str]) -> AsyncIterator[Event]:
        """Every event of these topics after `position`, in order, up to the newest at the
        time each page is read."""
        topics = sorted(set(topics))
        last = position
        while True:
            async with self.store.read_connection() as connection:
                rows = (await connection.execute(_AFTER_IN_TOPICS,
                                                 {"last": last, "topics": topics, "limit": PAGE})).all()
            for row in rows:
                yield event_of(row)
            if len(rows) < PAGE:
                return
            last = rows[-1].id
