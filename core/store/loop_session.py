"""SQLite sessions run on the event loop's own thread, behind the part of SQLAlchemy's
`AsyncSession` interface that the core uses (`exec`, `get`, `flush`, `begin` …).

On a WAL file a statement costs microseconds and never waits for a reader; what costs is
the machinery around it. SQLAlchemy's asyncio layer starts a greenlet per call and crosses
it for every driver call, and aiosqlite hands each of those to a worker thread and back: a
statement cost several times what SQLite spends on it. A synchronous session on the loop's
thread pays none of that; the code above keeps awaiting, so PostgreSQL's real `AsyncSession`
still fits.

The one wait SQLite can impose is another process's write lock, taken at `BEGIN IMMEDIATE`.
SQLite's busy handler would sleep on the loop's thread and stall every request, so write
connections have no busy timeout: `begin()` waits with `asyncio.sleep` until the deadline.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlmodel import Session

# The longest a write waits for another process's lock before "database is locked".
WRITE_LOCK_DEADLINE_SECONDS = 30.0
_FIRST_BACKOFF, _LONGEST_BACKOFF = 0.001, 0.02


def _locked(error: Exception) -> bool:
    cause = getattr(error, "orig", error)  # SQLAlchemy's wrapper, or sqlite3's own error
    return getattr(cause, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class LoopConnection:
    """The session's connection, for Core statements (`await connection.execute(...)`)."""

    def __init__(self, connection) -> None:
        self.sync_connection = connection

    async def execute(self, statement, parameters=None, **kwargs):
        return self.sync_connection.execute(statement, parameters, **kwargs)


class _Transaction:
    """`async with session.begin():` commits on success, rolls back otherwise."""

    def __init__(self, session: LoopSession) -> None:
        self.session = session

    async def __aenter__(self) -> _Transaction:
        await self.session.wait_begin()
        return self

    async def __aexit__(self, kind, error, traceback) -> None:
        if kind is None:
            self.session.sync_session.commit()
        else:
            self.session.sync_session.rollback()


class LoopSession:
    def __init__(self, session: Session) -> None:
        self.sync_session = session

    # -- without I/O ---------------------------------------------------------------------

    def add(self, instance: Any) -> None:
        self.sync_session.add(instance)

    def add_all(self, instances) -> None:
        self.sync_session.add_all(instances)

    @property
    def no_autoflush(self):
        return self.sync_session.no_autoflush

    @property
    def identity_map(self):
        return self.sync_session.identity_map

    # -- statements ----------------------------------------------------------------------

    async def exec(self, statement, **kwargs):
        return self.sync_session.exec(statement, **kwargs)

    async def execute(self, statement, params=None, **kwargs):
        return self.sync_session.execute(statement, params, **kwargs)

    async def get(self, entity, ident, **kwargs):
        return self.sync_session.get(entity, ident, **kwargs)

    async def flush(self) -> None:
        self.sync_session.flush()

    async def delete(self, instance: Any) -> None:
        self.sync_session.delete(instance)

    async def connection(self) -> LoopConnection:
        return LoopConnection(self.sync_session.connection())

    # -- transaction ---------------------------------------------------------------------

    def begin(self) -> _Transaction:
        return _Transaction(self)

    async def wait_begin(self) -> None:
        """Begins the transaction now (the engine's BEGIN), waiting without blocking the
        loop while another process holds the write lock."""
        deadline = time.monotonic() + WRITE_LOCK_DEADLINE_SECONDS
        backoff = _FIRST_BACKOFF
        while True:
            try:
                self.sync_session.connection()
                return
            except (OperationalError, sqlite3.OperationalError) as error:
                self.sync_session.rollback()
                if not _locked(error) or time.monotonic() >= deadline:
                    raise
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, _LONGEST_BACKOFF)

    async def close(self) -> None:
        self.sync_session.close()
