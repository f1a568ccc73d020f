"""after-call work: an agent's open wrap-ups per channel, and each wrap-up with its dispositions (WRP1, WRP2)

Revision ID: 0011
Revises: 0004
Create Date: 2026-12-02 03:50:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import core.store.types

revision: str = '0011'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('channel_presence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wrap_ups', sa.Integer(), nullable=False, server_default='0'))
    op.create_table('wrap_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('started_at', core.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', core.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', core.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Enum('COMPLETED', 'TIMED_OUT', name='wrapupoutcome'), nullable=True),
    sa.Column('codes', sa.JSON(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('wrap_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wrap_up_interaction_id'), ['interaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wrap_up_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('wrap_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wrap_up_user_id'))
        batch_op.drop_index(batch_op.f('ix_wrap_up_interaction_id'))
    op.drop_table('wrap_up')
    sa.Enum(name='wrapupoutcome').drop(op.get_bind(), checkfirst=True)
    with op.batch_alter_table('channel_presence', schema=None) as batch_op:
        batch_op.drop_column('wrap_ups')
