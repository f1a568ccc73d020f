"""Database engines. SQLite by default (a file in WAL mode), PostgreSQL for scale.

On SQLite, readers and writers use separate engines: a write transaction takes the write
lock when it begins (`BEGIN IMMEDIATE`), so two writers queue (core.store.loop_session waits
for another process's lock without blocking the loop) instead of failing with "database is
locked" half-way; readers begin deferred and never block. SQLite sessions are synchronous
ones run on the event loop's thread (core.store.loop_session); other databases use
SQLAlchemy's asyncio sessions. Write connections never checkpoint the write-ahead log in a
commit: core.store.checkpoints does it on a thread of its own while the server runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from core.config import DEFAULT_DATABASE_POOL_SIZE
from core.store.checkpoints import WalCheckpointer
from core.store.generic_plans import plan_once
from core.store.idle_ping import ping_when_idle
from core.store.loop_session import LoopSession

# Readers wait for nothing in WAL mode but a crash recovery by another connection: a short
# timeout on the loop's thread. Writers wait for each other in LoopSession.wait_begin.
READ_BUSY_TIMEOUT_MS = 200


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_engine(url: str, begin: str, busy_timeout_ms: int, pool_size: int, checkpoints: bool = True) -> Engine:
    # Any driver named in the URL (`sqlite+aiosqlite://` included) gives way to the standard
    # sqlite3 module, whose calls run here on the loop's thread.
    # No limit on connections: a checkout that waited for a free one would wait on the
    # very thread that must return it.
    engine = create_engine(make_url(url).set(drivername="sqlite"), poolclass=QueuePool,
                           pool_size=pool_size, max_overflow=-1,
                           connect_args={"check_same_thread": False, "isolation_level": None})

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:  # pragma: no branch
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if not checkpoints:  # core.store.checkpoints does it, off the event loop's thread
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        # Straight to sqlite3: every session begins so, and SQLAlchemy's execution path costs
        # more than the BEGIN.
        connection.connection.driver_connection.execute(begin)

    return engine


@dataclass
class Engines:
    read: Engine | AsyncEngine
    write: Engine | AsyncEngine
    # SQLite's WAL checkpoints, run while the server runs (`start`); None elsewhere.
    checkpointer: WalCheckpointer | None = None

    def start(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.start()

    @property
    def on_loop(self) -> bool:
        """Synchronous sessions run on the loop's thread (SQLite)."""
        return isinstance(self.read, Engine)

    @property
    def shared(self) -> bool:
        """Reads and writes share one pool of connections (PostgreSQL)."""
        return self.sync(self.read).pool is self.sync(self.write).pool

    def sync(self, engine: Engine | AsyncEngine) -> Engine:
        """The synchronous engine underneath, for event listeners."""
        return engine if isinstance(engine, Engine) else engine.sync_engine

    async def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        # A shared pool belongs to the write engine; the read engine is a view of it.
        for engine in (self.write,) if self.shared else (self.read, self.write):
            result = engine.dispose()
            if result is not None:
                await result


def create_engines(url: str, pool_size: int = DEFAULT_DATABASE_POOL_SIZE) -> Engines:
    """`pool_size`: PostgreSQL connections kept open. A request holds one while it reads or
    writes; SQLAlchemy opens as many more for a burst and closes each of those when it is
    handed back, so a pool smaller than the requests usually in flight opens and closes a
    connection (a server process, its authentication, the driver's set-up) for most
    requests: with SQLAlchemy's default of five, a directory search cost 40 % more at eight
    at once."""
    if is_sqlite(url):
        return Engines(read=sqlite_engine(url, "BEGIN", READ_BUSY_TIMEOUT_MS, pool_size=8),
                       write=sqlite_engine(url, "BEGIN IMMEDIATE", 0, pool_size=1, checkpoints=False),
                       checkpointer=WalCheckpointer(make_url(url).database))
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size)
    ping_when_idle(engine)  # not at every checkout: core.store.idle_ping
    plan_once(engine)  # each statement planned once per connection: core.store.generic_plans
    # Reads run without BEGIN and ROLLBACK, on the same pool: at READ COMMITTED each statement
    # reads its own snapshot anyway, so a transaction gives a read nothing but two more round
    # trips (about half the cost of a one-statement read, in this process and the server's).
    return Engines(read=engine.execution_options(isolation_level="AUTOCOMMIT"), write=engine)


def session_factory(engine: Engine | AsyncEngine):
    """Sessions opened on `engine`: LoopSession on SQLite, AsyncSession otherwise. Both
    keep objects readable after commit (expire_on_commit=False): async code cannot lazy-load."""
    if isinstance(engine, Engine):
        sessions = sessionmaker(engine, class_=Session, expire_on_commit=False)
        return lambda: LoopSession(sessions())
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
