"""Units of work: one transaction each; events recorded in it are published only after it
commits (REL1: written before announced). Sessions are core.store.loop_session's on SQLite,
SQLAlchemy's AsyncSession otherwise: the same awaited interface. The interaction engine's
rows go through `uow.rows` (core.store.rows) instead, in the same transaction; they are
written before the session's last flush and the history."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import AsyncIterator

from sqlalchemy import bindparam, insert, text
from sqlmodel.ext.asyncio.session import AsyncSession

from core.events import Event, EventBus
from core.store.db import Engines, session_factory
from core.store.history import EventRecord
from core.store.loop_session import LoopConnection
from core.store.prepared import Prepared
from core.store.rows import Rows


_EVENT_LOG = EventRecord.__table__
_INSERT_EVENTS = Prepared(insert(_EVENT_LOG).values(
    {name: bindparam(name) for name in ("at", "topic", "kind", "actor_id", "subject", "payload")}))
_LAST_ROWID = text("SELECT last_insert_rowid()")


class UnitOfWork:
    def __init__(self, session: AsyncSession, ids_follow_last_rowid: bool = False) -> None:
        self.session = session
        self.ids_follow_last_rowid = ids_follow_last_rowid
        self._events: list[Event] = []
        # The engine's hot rows (interactions, parties, offers, presence), outside the ORM.
        self.rows = Rows(session)

    def record(self, event: Event) -> None:
        # Not added to the session: every autoflush would insert history rows one at a time.
        self._events.append(event)

    async def write_history(self) -> list[Event]:
        """The recorded events as history rows, in one batched INSERT, returned with their
        ids in the order they were recorded.

        The rows of one INSERT get ascending ids in the order of its rows. On SQLite the
        unit of work holds the write lock, so they are the last ones given, read back with
        `last_insert_rowid()` (cheaper than RETURNING). Elsewhere RETURNING gives them; it
        need not list them in order, and asking SQLAlchemy to sort them
        (`sort_by_parameter_order`) makes it insert one row at a time, so they are sorted here."""
        if not self._events:
            return []
        rows = [EventRecord.row(event) for event in self._events]
        connection = await self.session.connection()  # the unit of work's transaction
        if self.ids_follow_last_rowid:
            last = await self.rows.insert_all(_INSERT_EVENTS, rows)
            if last is None:
                last = (await connection.execute(_LAST_ROWID)).scalar_one()
            ids = list(range(last - len(rows) + 1, last + 1))
        else:
            ids = sorted((await connection.execute(_INSERT_EVENTS.statement.returning(_EVENT_LOG.c.id), rows)).scalars())
        return [event.stored(event_id) for event, event_id in zip(self._events, ids, strict=True)]


class Store:
    """Opens sessions. Writes in this process are serialized by a lock held from BEGIN to
    publish, so events reach subscribers in commit order (PRS2's order per agent)."""

    def __init__(self, engines: Engines, bus: EventBus) -> None:
        self.engines = engines
        self.bus = bus
        self._read_sessions = session_factory(engines.read)
        self._write_sessions = session_factory(engines.write)
        self._write_lock = asyncio.Lock()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._session(self._read_sessions) as session:
            yield session

    @asynccontextmanager
    async def read_connection(self) -> AsyncIterator:
        """A read transaction on a bare connection, for a few Core statements: an ORM
        session's set-up and close cost as much as they do (the directory search)."""
        if self.engines.on_loop:  # SQLite: a synchronous connection on the loop's thread
            with self.engines.read.connect() as connection:
                yield LoopConnection(connection)
        else:
            async with self.engines.read.connect() as connection:
                yield connection

    @asynccontextmanager
    async def write(self) -> AsyncIterator[UnitOfWork]:
        async with self._write_lock:
            async with self._session(self._write_sessions) as session:
                uow = UnitOfWork(session, ids_follow_last_rowid=self.engines.on_loop)
                async with session.begin():
                    yield uow
                    await uow.rows.write()
                    await session.flush()
                    events = await uow.write_history()
            if events:
                self.bus.publish(events)

    @asynccontextmanager
    async def _session(self, sessions) -> AsyncIterator[AsyncSession]:
        if not self.engines.on_loop:
            async with sessions() as session:
                yield session
            return
        # SQLAlchemy's `async with` closes an AsyncSession in a new task, shielded from
        # cancellation; a session on the loop's thread closes without suspending, so a
        # cancellation cannot land in the middle of it.
        session = sessions()
        try:
            yield session
        finally:
            await session.close()

    def start(self) -> None:
        """What runs beside the server's requests (SQLite's WAL checkpoints)."""
        self.engines.start()

    async def close(self) -> None:
        await self.engines.dispose()
