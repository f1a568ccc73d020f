"""Alembic environment. Run through `backline migrate` (core.store.migrate), which passes the
database URL; the engine is Backline's own, so SQLite gets WAL and its pragmas."""

from __future__ import annotations

import asyncio

from alembic import context

from core.store.db import create_engines, is_sqlite, sqlite_engine
from core.store.metadata import metadata

MIGRATION_BUSY_TIMEOUT_MS = 30_000

config = context.config
target_metadata = metadata()


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite(config.get_main_option("sqlalchemy.url")),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_on_sqlite(url: str) -> None:
    # A command, not the server's loop: it may wait for a running server's writes.
    engine = sqlite_engine(url, "BEGIN IMMEDIATE", MIGRATION_BUSY_TIMEOUT_MS, pool_size=1)
    try:
        with engine.connect() as connection:
            run_migrations(connection)
            connection.commit()
    finally:
        engine.dispose()


async def run_async(url: str) -> None:
    engines = create_engines(url)
    try:
        async with engines.write.connect() as connection:
            await connection.run_sync(run_migrations)
            await connection.commit()
    finally:
        await engines.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run `backline migrate`.")
URL = config.get_main_option("sqlalchemy.url")
if is_sqlite(URL):
    run_on_sqlite(URL)
else:
    asyncio.run(run_async(URL))
