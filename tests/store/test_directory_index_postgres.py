"""DIR1 on PostgreSQL: the searched text is in the `C` collation (code-point order, as on
SQLite), so a word prefix is an exact range read from the word index in its own order: no
sequential scan and no sort, whatever the database's collation."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core.store.db import create_engines

pytestmark = pytest.mark.parametrize("store_kind", ["postgresql"])  # PostgreSQL's planner and collations

PREFIX_PAGE = text("""
EXPLAIN SELECT target_id FROM target_word
WHERE word >= :low AND word < :high ORDER BY word, search_key, kind, target_id LIMIT 20
""")
COLLATIONS = text("""
SELECT table_name, column_name, collation_name FROM information_schema.columns
WHERE (table_name, column_name) IN (('target', 'search_key'), ('target_word', 'word'), ('target_word', 'search_key'))
ORDER BY table_name, column_name
""")


async def test_dir1_a_word_prefix_is_an_index_range_in_the_c_collation(database_url):
    engines = create_engines(database_url)
    try:
        async with engines.read.connect() as connection:
            collations = (await connection.execute(COLLATIONS)).all()
            # A demo-sized table would be scanned whatever its indexes: ask for the index's plan.
            await connection.execute(text("SET enable_seqscan = off"))
            plan = "\n".join(row[0] for row in await connection.execute(
                PREFIX_PAGE, {"low": "dup", "high": "dup\U0010ffff"}))
    finally:
        await engines.dispose()
    assert [c for _, _, c in collations] == ["C", "C", "C"], collations
    assert "ix_target_word_order" in plan and "Sort" not in plan, plan
