"""Write transactions that lost a race the database resolved, and are worth running again.

On PostgreSQL, row locks are taken as commands read (INS4); two commands that lock the same
rows in opposite orders (an agent's two calls, say) deadlock, and the database aborts one of
them (SQLSTATE 40P01), as it aborts a transaction it cannot serialise (40001). Nothing of the
aborted one was written (its unit of work rolled back), so running the whole command again
is safe; after a few tries the failure goes on as it is. SQLite has one writer and never
raises these.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Awaitable, Callable, TypeVar

from sqlalchemy.exc import DBAPIError

T = TypeVar("T")
log = logging.getLogger("backline.store")

TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected
ATTEMPTS = 4


def is_transient(error: BaseException) -> bool:
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    return (getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)) in TRANSIENT_SQLSTATES


async def retrying(command: Callable[[], Awaitable[T]], attempts: int = ATTEMPTS) -> T:
    """Runs `command` (a function starting a fresh unit of work each call) until it does not
    fail transiently, at most `attempts` times."""
    for attempt in range(1, attempts + 1):
        try:
            return await command()
        except DBAPIError as error:
            if attempt == attempts or not is_transient(error):
                raise
            log.info("Write transaction aborted by the database (%s); running it again",
                     getattr(error.orig, "sqlstate", "?"))
            # A short, random pause: the two losers of a deadlock do not meet again at once.
            await asyncio.sleep(random.uniform(0, 0.005 * attempt))
    raise AssertionError("unreachable")
