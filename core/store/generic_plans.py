"""PostgreSQL connections plan each prepared statement once (`plan_cache_mode =
force_generic_plan`).

The driver prepares every statement it runs and keeps it per connection. In PostgreSQL's
default mode (`auto`) a prepared statement is planned again at each execution, for the
values given, until a plan for any value (a generic plan) is estimated no dearer than those.
For the directory's searches it never is: a prefix range's estimate depends on the prefix,
so each search paid a fresh plan, and planning cost more than the search itself (0.3-0.6 ms
against 0.05-0.4 ms; half of PostgreSQL's time per search). The generic plan reads the same
indexes in the same order (tests/store/test_generic_plans_postgres.py shows it): the ORDER BY
… LIMIT of every page makes an ordered index read the plan for any value. Measured with
`python -m bench directory`: the search's ratio to the constant field went from 0.43 to 0.53,
PostgreSQL's own time per search from 1.2 to 0.5 ms. The engine's commands read by key, for
which the auto mode had already settled on the generic plan: PostgreSQL's time per mutation
stayed at 2.2-2.9 ms either way.

Set when a connection is made (the pool's public `connect` event), through the driver's
DB-API connection, whatever the driver.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

SETTING = "SET plan_cache_mode = force_generic_plan"


def plan_once(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(SETTING)
        finally:
            cursor.close()
        # The driver ran it in a transaction of its own (DB-API): rolled back, it would not hold.
        dbapi_connection.commit()
