"""PostgreSQL connections are pinged before use only when they have been idle a while.

A pooled connection can be dead when it is taken: the server restarted, a firewall dropped
an idle connection, an administrator ended its backend. SQLAlchemy's `pool_pre_ping` pings
at every checkout, a round trip that cost about 1.1 ms of this process's time per checkout
here (against 0.4 ms for a whole statement); a command takes two or three connections, so
the ping was a tenth of its cost. A connection handed back a moment ago has just answered:
pinging it tells nothing. So a connection is pinged, with the dialect's own `do_ping`, only
when it has sat in the pool longer than `IDLE_SECONDS`; a dead one is replaced before use
(the pool's documented response to `DisconnectionError` raised at checkout). A connection
that dies while in use is SQLAlchemy's disconnect handling, as before: that error is
raised, and the pool drops every connection older than it.

Only public surfaces: the pool's `checkin` / `checkout` events, a connection record's `info`
dictionary, `Dialect.do_ping` and `DisconnectionError`.
"""

from __future__ import annotations

import time

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine

IDLE_SECONDS = 1.0
_RETURNED = "backline_returned_at"


def ping_when_idle(engine: AsyncEngine, idle_seconds: float = IDLE_SECONDS) -> None:
    pool, dialect = engine.sync_engine.pool, engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def returned(_dbapi_connection, record) -> None:
        if record is not None:
            record.info[_RETURNED] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def taken(dbapi_connection, record, _proxy) -> None:
        returned_at = record.info.get(_RETURNED)
        if returned_at is None or time.monotonic() - returned_at < idle_seconds:
            return  # new, or in use a moment ago
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception:  # noqa: BLE001 - whatever the driver raises, this one is unusable
            alive = False
        if not alive:
            raise DisconnectionError("Pooled connection found dead after idling; replaced.")
