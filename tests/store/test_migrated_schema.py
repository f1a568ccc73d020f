"""The alembic migrations alone build the schema, and it is exactly the models' schema, on
both stores (tables, columns, types, indexes, enum types named as the models name them)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.store.db import create_engines
from core.store.metadata import metadata


async def test_rel1_a_migrated_database_has_exactly_the_models_schema(database_url):
    engines = create_engines(database_url)
    compare = lambda connection: compare_metadata(  # noqa: E731
        MigrationContext.configure(connection, opts={"compare_type": True}), metadata())
    try:
        if engines.on_loop:
            with engines.write.connect() as connection:
                diff = compare(connection)
        else:
            async with engines.write.connect() as connection:
                diff = await connection.run_sync(compare)
    finally:
        await engines.dispose()
    assert diff == []
