"""INS5 at the store: a pooled PostgreSQL connection that died while idle (its backend ended:
a restart, a dropped connection) is replaced before use, and one in use a moment ago is not
pinged again (core.store.idle_ping)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from core.store.idle_ping import ping_when_idle

pytestmark = pytest.mark.parametrize("store_kind", ["postgresql"])

PID = text("SELECT pg_backend_pid()")


class Pings:
    def __init__(self, engine) -> None:
        self.count = 0
        dialect = engine.sync_engine.dialect
        stock = dialect.do_ping

        def counted(dbapi_connection):
            self.count += 1
            return stock(dbapi_connection)
        dialect.do_ping = counted


async def pooled_pid(engine) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(PID)).scalar_one()


async def end_backend(url: str, pid: int) -> None:
    other = create_async_engine(url)
    try:
        async with other.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await connection.commit()
    finally:
        await other.dispose()


async def test_ins5_a_connection_that_died_while_idle_is_replaced_before_use(database_url):
    engine = create_async_engine(database_url, pool_size=1)
    ping_when_idle(engine, idle_seconds=0)  # every return counts as idle: pinged at the next use
    try:
        dead = await pooled_pid(engine)
        await end_backend(database_url, dead)
        assert await pooled_pid(engine) != dead  # no error: replaced at checkout
    finally:
        await engine.dispose()


async def test_ins5_without_the_ping_the_dead_connection_fails_its_first_use(database_url):
    """What the ping saves: the stock pool without `pool_pre_ping` hands out the dead one."""
    engine = create_async_engine(database_url, pool_size=1)
    ping_when_idle(engine, idle_seconds=3600)  # returned a moment ago: not pinged
    try:
        dead = await pooled_pid(engine)
        await end_backend(database_url, dead)
        with pytest.raises(DBAPIError) as failed:
            await pooled_pid(engine)
        assert failed.value.connection_invalidated
        assert await pooled_pid(engine) != dead  # and the pool recovers at once
    finally:
        await engine.dispose()


async def test_ins5_a_connection_in_use_a_moment_ago_is_not_pinged(database_url):
    engine = create_async_engine(database_url, pool_size=1)
    ping_when_idle(engine)
    pings = Pings(engine)
    try:
        for _ in range(20):
            await pooled_pid(engine)
    finally:
        await engine.dispose()
    assert pings.count == 0
