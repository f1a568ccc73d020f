"""On PostgreSQL the store's reads run in autocommit on the write engine's pool (core.store.db):
each statement is its own transaction, as READ COMMITTED would read it anyway, while a write is
one transaction from BEGIN to COMMIT."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core.events import InProcessBus
from core.store.db import create_engines
from core.store.unit_of_work import Store

pytestmark = pytest.mark.parametrize("store_kind", ["postgresql"])

# now() is the start of the current transaction: two statements of one transaction agree.
STARTED = text("SELECT now()")
PAUSE = text("SELECT pg_sleep(0.02)")


async def twice(connection) -> tuple:
    first = (await connection.execute(STARTED)).scalar_one()
    await connection.execute(PAUSE)
    return first, (await connection.execute(STARTED)).scalar_one()


async def test_reads_are_not_one_transaction_but_writes_are(database_url):
    store = Store(create_engines(database_url), InProcessBus())
    try:
        assert store.engines.shared
        async with store.read_connection() as connection:
            first, second = await twice(connection)
        assert second > first  # each read statement began its own transaction
        async with store.read() as session:
            first, second = await twice(session)
        assert second > first
        async with store.write() as uow:
            first, second = await twice(uow.session)
        assert second == first  # one transaction
    finally:
        await store.close()
