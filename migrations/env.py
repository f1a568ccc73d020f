"""Alembic environment. Run through `backline migrate` (core.store.migrate), which passes the
database URL; the engine is Backline's own, so SQLite gets WAL and its pragmas."""

from __future__ import annotations

import asyncio

from alembic import context

from core.store.db import create_engines, is_sqlite
from core.store.metadata import metadata

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


async def run_online() -> None:
    engines = create_engines(config.get_main_option("sqlalchemy.url"))
    try:
        async with engines.write.connect() as connection:
            await connection.run_sync(run_migrations)
            await connection.commit()
    finally:
        await engines.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run `backline migrate`.")
asyncio.run(run_online())
