"""On PostgreSQL an instance keeps BACKLINE_DATABASE_POOL_SIZE connections open (core.store.db):
requests in flight within that number reuse them instead of opening (and closing) one each."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, text

from core.config import DEFAULT_DATABASE_POOL_SIZE, Settings
from core.errors import ConfigurationError
from core.events import InProcessBus
from core.store.db import create_engines
from core.store.unit_of_work import Store

pytestmark = pytest.mark.parametrize("store_kind", ["postgresql"])

AT_ONCE = 8  # more than SQLAlchemy's own default of five kept open
PAUSE = text("SELECT pg_sleep(0.01)")


async def test_requests_in_flight_within_the_pool_reuse_its_connections(database_url):
    assert DEFAULT_DATABASE_POOL_SIZE >= AT_ONCE
    store = Store(create_engines(database_url), InProcessBus())
    opened = []
    event.listen(store.engines.write.sync_engine, "connect", lambda *_: opened.append(1))

    async def read() -> None:
        async with store.read_connection() as connection:
            await connection.execute(PAUSE)

    try:
        for _ in range(3):
            await asyncio.gather(*(read() for _ in range(AT_ONCE)))
        assert len(opened) == AT_ONCE  # the first burst opened them; the next two opened none
    finally:
        await store.close()


async def test_the_pool_size_is_a_setting(database_url):
    settings = Settings.from_env({"BACKLINE_DATABASE_URL": database_url, "BACKLINE_DATABASE_POOL_SIZE": "3"})
    store = Store(create_engines(settings.database_url, settings.database_pool_size), InProcessBus())
    try:
        assert store.engines.write.sync_engine.pool.size() == 3
    finally:
        await store.close()
    with pytest.raises(ConfigurationError, match="BACKLINE_DATABASE_POOL_SIZE must be at least 1"):
        Settings.from_env({"BACKLINE_DATABASE_POOL_SIZE": "0"})
