"""Units of work: one transaction each; events recorded in it are published only after it
commits (REL1: written before announced), with positions in commit order. Sessions are
core.store.loop_session's on SQLite, SQLAlchemy's AsyncSession otherwise: the same awaited
interface, and one identity map per transaction (`uow.rows` speaks to the same session)."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import asynccontextmanager
from typing import AsyncIterator, Callable

from sqlalchemy import bindparam, insert, text
from sqlmodel.ext.asyncio.session import AsyncSession

from core.events import Event, EventBus
from core.store.db import Engines, session_factory
from core.store.history import EventRecord
from core.store.loop_session import LoopConnection
from core.store.relay import NOTIFY, EventRelay
from core.store.rows import Rows


_EVENT_LOG = EventRecord.__table__
_INSERT_EVENTS = insert(_EVENT_LOG).values(
    {name: bindparam(name) for name in ("at", "topic", "kind", "actor_id", "subject", "payload")})
# One INSERT of all the rows, their ids returned (SQLAlchemy's "insertmanyvalues", on both
# stores). Not `sort_by_parameter_order`: SQLite would fall back to one INSERT per row.
_INSERT_RETURNING_IDS = _INSERT_EVENTS.returning(_EVENT_LOG.c.id)
# PostgreSQL: the transaction-level advisory lock under which a transaction takes its events'
# positions and commits (any constant; Backline takes no other advisory lock).
EVENT_POSITIONS_LOCK = 0x4241434B  # "BACK"
_TAKE_POSITIONS = text(f"SELECT pg_advisory_xact_lock({EVENT_POSITIONS_LOCK})")


class UnitOfWork:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._events: list[Event] = []
        # The engine's hot rows (interactions, parties, offers, presence), in the session.
        self.rows = Rows(session)
        # The agents (and channels) whose row this transaction has locked (INS4).
        self.locked_presence: set[tuple[int, str]] = set()
        self._after_commit: list[Callable[[], None]] = []

    @property
    def has_events(self) -> bool:
        return bool(self._events)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call this once the transaction has committed and its events are published (to
        start work outside it, such as a network call); never when it rolls back."""
        self._after_commit.append(callback)

    def committed(self) -> None:
        for callback in self._after_commit:
            callback()

    def record(self, event: Event) -> None:
        # Not added to the session: every autoflush would insert history rows one at a time.
        self._events.append(event)

    async def write_history(self, single_writer: bool) -> list[Event]:
        """The recorded events as history rows, in one batched INSERT, returned with their
        ids (their positions) in the order they were recorded.

        A position must follow commit order: a reader that has gone past position 42 must
        never later find a 41 committed after it. A sequence alone does not give that (a
        transaction that took 41 can commit after the one that took 42). SQLite has one
        writer at a time (this unit of work holds the write lock), so the ids it gives are in
        commit order. On PostgreSQL a transaction-level advisory lock is taken first and held
        until commit: ids drawn under it are greater than every committed one and smaller
        than every later one. Both stores draw the ids of one multi-row INSERT in the order
        of its rows, but RETURNING need not list them in that order, so they are sorted."""
        if not self._events:
            return []
        rows = [EventRecord.row(event) for event in self._events]
        if not single_writer:
            await self.session.execute(_TAKE_POSITIONS)
        ids = sorted((await self.session.execute(_INSERT_RETURNING_IDS, rows)).scalars())
        return [event.stored(event_id) for event, event_id in zip(self._events, ids, strict=True)]


class Store:
    """Opens sessions; a write's events are published after it commits, in commit order.

    SQLite has one writer: this process's writes take turns on a lock held from BEGIN to
    publish (BEGIN IMMEDIATE would make them queue anyway, polling; the lock makes them wait
    in order, and publish in commit order). On PostgreSQL, write transactions run at once, in
    this process and across processes: contended rows are locked where they are read
    (INS4), and only the end of a transaction that recorded events (positions, commit,
    publish) takes turns, under the advisory lock and, within the process, a lock of its own
    so that its publishing follows its commit order too. There, events are published from the
    log (core.store.relay): this instance's and every other instance's, in commit order."""

    def __init__(self, engines: Engines, bus: EventBus) -> None:
        self.engines = engines
        self.bus = bus
        self._read_sessions = session_factory(engines.read)
        self._write_sessions = session_factory(engines.write)
        self.single_writer = engines.on_loop
        self._writer = asyncio.Lock() if self.single_writer else None
        self._tail = asyncio.Lock()
        # PostgreSQL: every instance's events, read from the log in commit order (INS1).
        self.relay = None if self.single_writer else EventRelay(engines.write, engines.write.url, bus)

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
        async with self._writer or contextlib.nullcontext():
            tail: asyncio.Lock | None = None
            expected: list[Event] | None = None
            try:
                async with self._session(self._write_sessions) as session:
                    uow = UnitOfWork(session)
                    async with session.begin():
                        yield uow
                        await session.flush()
                        if uow.has_events and not self.single_writer:
                            await self._tail.acquire()
                            tail = self._tail
                        events = await uow.write_history(self.single_writer)
                        if events and self._relaying:
                            # Delivered at commit, in commit order.
                            await session.execute(NOTIFY, self.relay.notice(events))
                            self.relay.expect(events)
                            expected = events
                expected = None
                if events:
                    await self._publish(events)
                uow.committed()
            finally:
                if expected:  # not committed
                    self.relay.forget(expected)
                if tail is not None:
                    tail.release()

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

    @property
    def _relaying(self) -> bool:
        return self.relay is not None and self.relay.started

    async def _publish(self, events: list[Event]) -> None:
        if self._relaying:
            await self.relay.committed(events)  # with other instances' events, in commit order
        else:
            self.bus.publish(events)

    async def start(self) -> None:
        """What runs beside the server's requests: SQLite's WAL checkpoints, PostgreSQL's
        listener of the other instances' events."""
        self.engines.start()
        if self.relay is not None:
            await self.relay.start()

    async def close(self) -> None:
        if self.relay is not None:
            await self.relay.stop()
        await self.engines.dispose()
