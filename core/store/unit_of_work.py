"""Units of work: one transaction each; events recorded in it are published only after it
commits (REL1: written before announced)."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import AsyncIterator

from sqlmodel.ext.asyncio.session import AsyncSession

from core.events import Event, EventBus
from core.store.db import Engines, session_factory
from core.store.history import EventRecord


class UnitOfWork:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._records: list[tuple[EventRecord, Event]] = []

    def record(self, event: Event) -> None:
        row = EventRecord.of(event)
        self.session.add(row)
        self._records.append((row, event))

    def stored_events(self) -> list[Event]:
        return [event.stored(row.id) for row, event in self._records]


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
        async with self._read_sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[UnitOfWork]:
        async with self._write_lock:
            async with self._write_sessions() as session:
                uow = UnitOfWork(session)
                async with session.begin():
                    yield uow
                    await session.flush()  # gives the history rows their ids
                events = uow.stored_events()
            if events:
                self.bus.publish(events)

    async def close(self) -> None:
        await self.engines.dispose()
