"""aiosqlite's interface, run on the event loop's own thread.

aiosqlite hands every call (cursor, execute, fetch, close …) to a worker thread and back:
a dozen thread hops per statement, each costing more than the statement itself on a WAL
file, where reads never wait and our writes are serialized before they begin. Run inline,
a statement costs what SQLite costs.

The one wait SQLite can impose is the write lock held by another process (`BEGIN
IMMEDIATE`). SQLite's own busy handler would sleep on the loop's thread and stall every
request, so the busy timeout is zero and the wait happens here, as `asyncio.sleep`, until
the same deadline.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from functools import partial
from typing import Any, Callable

import aiosqlite

# The longest a statement waits for another process's lock before "database is locked".
BUSY_DEADLINE_SECONDS = 30.0
_FIRST_BACKOFF, _LONGEST_BACKOFF = 0.001, 0.05


def _busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class _RunNow:
    """Stands in for aiosqlite's queue to the worker thread: SQLAlchemy's adapter puts some
    calls there directly (the isolation level)."""

    def put_nowait(self, item: tuple[asyncio.Future | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:  # noqa: BLE001 - handed to the waiting future, as aiosqlite does
            if future is not None and not future.done():
                future.set_exception(error)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # the worker thread aiosqlite prepared is never started

    def __await__(self):
        return self._connect().__await__()

    async def _connect(self) -> "InlineConnection":
        if self._connection is None:
            self._connection = self._connector()
        return self

    async def _execute(self, fn, *args, **kwargs):
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        call = partial(fn, *args, **kwargs)
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _busy(error):
                raise
        return await self._retry_while_busy(call)

    async def _retry_while_busy(self, call: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + BUSY_DEADLINE_SECONDS
        backoff = _FIRST_BACKOFF
        while True:
            await asyncio.sleep(backoff)
            try:
                return call()
            except sqlite3.OperationalError as error:
                if not _busy(error) or time.monotonic() >= deadline:
                    raise
            backoff = min(backoff * 2, _LONGEST_BACKOFF)

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def close(self) -> None:
        self.stop()


def inline_creator(database: str) -> Callable[[], InlineConnection]:
    """An `async_creator` for SQLAlchemy's aiosqlite dialect."""

    def connector() -> sqlite3.Connection:
        # isolation_level=None: our own BEGIN (see db.py) is the one used; the connection
        # may be closed by the pool from another thread at interpreter exit.
        return sqlite3.connect(database, isolation_level=None, check_same_thread=False)

    async def create() -> InlineConnection:
        return await InlineConnection(connector)

    return create
