"""Database engines. SQLite by default (a file in WAL mode), PostgreSQL for scale.

On SQLite, readers and writers use separate engines: a write transaction takes the write
lock when it begins (`BEGIN IMMEDIATE`), so two writers queue (core.store.inline_sqlite waits
for the lock without blocking the loop) instead of failing with "database is locked"
half-way; readers begin deferred and never block. Statements run on the event loop's thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from core.store.inline_sqlite import inline_creator


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _configure_sqlite(engine: AsyncEngine, begin: str) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:  # pragma: no branch
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Zero: SQLite's busy handler would sleep on the event loop's thread; waiting for
        # another process's write lock is done by inline_sqlite with asyncio.sleep.
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection) -> None:
        connection.exec_driver_sql(begin)


@dataclass
class Engines:
    read: AsyncEngine
    write: AsyncEngine

    async def dispose(self) -> None:
        await self.read.dispose()
        if self.write is not self.read:
            await self.write.dispose()


def create_engines(url: str) -> Engines:
    if is_sqlite(url):
        database = make_url(url).database
        read = create_async_engine(url, async_creator=inline_creator(database))
        write = create_async_engine(url, async_creator=inline_creator(database))
        _configure_sqlite(read, "BEGIN")
        _configure_sqlite(write, "BEGIN IMMEDIATE")
        return Engines(read=read, write=write)
    engine = create_async_engine(url, pool_pre_ping=True)
    return Engines(read=engine, write=engine)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after commit without a lazy load,
    # which async code cannot do.
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
