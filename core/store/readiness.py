"""Whether this instance can take work (INS5), for a load balancer's readiness check: the
store answers, its schema is at the migrations' heads (an instance of a newer release must
not serve an older schema, nor the reverse), and on PostgreSQL the listener of the other
instances' events is connected (without it, this instance's subscribers would miss them)."""

from __future__ import annotations

import functools

from alembic.script import ScriptDirectory
from sqlalchemy import text

from core.store.migrate import alembic_config

_APPLIED = text("SELECT version_num FROM alembic_version")


@functools.cache
def migration_heads() -> frozenset[str]:
    """The heads of the migrations this code ships (read once: they do not change)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


async def readiness(store) -> dict[str, bool]:
    checks = {"store": False, "migrations": False, "events": store.relay is None or store.relay.listening}
    try:
        async with store.read_connection() as connection:
            applied = {row[0] for row in (await connection.execute(_APPLIED)).all()}
    except Exception:  # unreachable, or not migrated at all: not ready, whatever the cause
        return checks
    checks["store"] = True
    checks["migrations"] = applied == migration_heads()
    return checks
