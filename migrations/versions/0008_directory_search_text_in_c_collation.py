"""directory: searched text (target.search_key, target_word.word / search_key) in the C collation on PostgreSQL

Revision ID: 0008
Revises: 0003
Create Date: 2026-12-01 22:45:00
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0008'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = (("target", "search_key", 320), ("target_word", "word", 160), ("target_word", "search_key", 320))


def upgrade() -> None:
    # SQLite compares text by bytes already; PostgreSQL rebuilds the columns' indexes.
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, column, length in COLUMNS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({length}) COLLATE "C"')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, column, length in COLUMNS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({length}) COLLATE "default"')
