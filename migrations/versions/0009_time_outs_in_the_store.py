"""time-outs in the store: one row per pending time-out with its due time (INS3)

Revision ID: 0009
Revises: 0004
Create Date: 2026-12-01 22:55:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import core.store.types

revision: str = '0009'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('due_timeout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('due_at', core.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('due_timeout', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_due_timeout_due_at'), ['due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('due_timeout', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_due_timeout_due_at'))
    op.drop_table('due_timeout')
