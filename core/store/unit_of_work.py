"""Units of work: one transaction each; events recorded in it are published only after it
commits (REL1: written before announced). Sessions are core.store.loop_session's on SQLite,
SQLAlchemy's AsyncSession otherwise: the same awaited interface."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import AsyncIterator

from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from core.events import Event, EventBus
from core.store.db import Engines, session_factory
from core.store.history import EventRecord


class UnitOfWork:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._events: list[Event] = []
        # Rows read in this unit of work that it will read again: the session's identity map
        # holds unmodified rows weakly, so without this a second `get` is a second SELECT.
        self._kept: dict[tuple[type, object], object] = {}

    def record(self, event: Event) -> None:
        # Not added to the session: every autoflush would insert history rows one at a time.
        self._events.append(event)

    async def get(self, model: type, key):
        """`session.get` that keeps the row for the rest of the unit of work."""
        kept = self._kept.get((model, key))
        if kept is None:
            kept = await self.session.get(model, key)
            if kept is not None:
                self._kept[(model, key)] = kept
        return kept

    def kept(self, model: type, key):
        return self._kept.get((model, key))

    def keep(self, model: type, key, row) -> None:
        """A row this unit of work loaded or added itself, for later `get`s."""
        self._kept[(model, key)] = row

    async def write_history(self) -> list[Event]:
        """The recorded events as history rows, in one batched INSERT (SQLAlchemy's
        insertmanyvalues), returned with their ids in the order they were recorded.

        A multi-row INSERT gives its rows ascending ids in the order of its VALUES, but
        RETURNING need not list them in that order; asking
        SQLAlchemy to sort them (`sort_by_parameter_order`) makes it fall back to one INSERT
        per row on SQLite, so the ids are sorted here instead."""
        if not self._events:
            return []
        rows = [EventRecord.row(event) for event in self._events]
        connection = await self.session.connection()  # the unit of work's transaction
        ids = sorted((await connection.execute(insert(EventRecord).returning(EventRecord.id), rows)).scalars())
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
    async def write(self) -> AsyncIterator[UnitOfWork]:
        async with self._write_lock:
            async with self._session(self._write_sessions) as session:
                uow = UnitOfWork(session)
                async with session.begin():
                    yield uow
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

    async def close(self) -> None:
        await self.engines.dispose()
