"""DIR1 on PostgreSQL: a directory search is planned once per connection, not at every
keystroke (core.store.generic_plans), and that one plan still reads the word and name
indexes in their own order."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from core.directory.search import terms_of, text_search
from core.store.db import create_engines

pytestmark = pytest.mark.parametrize("store_kind", ["postgresql"])  # PostgreSQL's plan cache

PLANS_OF = text("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = ANY(:ran)")


def _literal(value) -> str:
    """SQL for a search's parameter (a number or a text), for EXPLAIN EXECUTE's arguments."""
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


async def _search_capturing_statements(connection, typed: str) -> list[tuple[str, tuple]]:
    """Runs the directory's search for `typed` (both of its phases: "dup" starts no demo
    name) and returns the statements the driver ran, with their parameters."""
    ran: list[tuple[str, tuple]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        ran.append((statement, tuple(parameters)))

    sync_engine = connection.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", capture)
    try:
        for _ in range(3):  # the auto mode would plan each of these three times afresh
            await text_search(connection, terms_of(typed), None, None, 10, user_id=1)
    finally:
        event.remove(sync_engine, "before_cursor_execute", capture)
    return ran


async def test_dir1_a_search_is_planned_once_and_that_plan_reads_the_indexes_in_order(database_url):
    engines = create_engines(database_url)
    try:
        async with engines.read.connect() as connection:
            mode = (await connection.execute(text("SHOW plan_cache_mode"))).scalar_one()
            ran = await _search_capturing_statements(connection, "dup")
            plans = (await connection.execute(PLANS_OF, {"ran": [statement for statement, _ in ran]})).all()
            # The plan made for any value, as each search runs it. A demo-sized table would
            # be scanned whatever its indexes: ask for the indexes' plan.
            await connection.execute(text("SET enable_seqscan = off"))
            explained = []
            for n, (statement, parameters) in enumerate(dict(ran).items()):
                await connection.exec_driver_sql(f"PREPARE phase_{n} AS {statement}")
                values = ", ".join(map(_literal, parameters))
                rows = await connection.exec_driver_sql(f"EXPLAIN EXECUTE phase_{n}({values})")
                explained.append("\n".join(row[0] for row in rows))
    finally:
        await engines.dispose()
    assert mode == "force_generic_plan"
    assert len(plans) == 2 and all(generic >= 3 and custom == 0 for generic, custom in plans), plans
    name_phase, word_phase = explained
    for plan in explained:  # planned for any value: the parameters, not the typed text
        assert "$1" in plan and "'dup'" not in plan, plan
    assert "Index Scan using ix_target_search_key" in name_phase, name_phase
    assert "Index Only Scan using ix_target_word_order" in word_phase, word_phase
