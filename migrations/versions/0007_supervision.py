"""supervision: monitoring rows, supervisor party roles and the supervised agent of a party

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-24 07:05:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import core.store.types


revision: str = '0007'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SUPERVISOR_ROLES = ('MONITOR', 'COACH', 'BARGE')


def upgrade() -> None:
    op.create_table('supervision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('MONITOR', 'COACH', 'BARGE', name='supervisionmode'), nullable=False),
    sa.Column('scope', sa.Enum('INTERACTION', 'NEXT_CALLS', name='supervisionscope'), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('started_at', core.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', core.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['supervisor_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('supervision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_active'), ['active'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_interaction_id'), ['interaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_supervisor_id'), ['supervisor_id'], unique=False)
    # The engine's party table: the supervised agent of a supervisor's party (who hears a coach).
    op.add_column('interaction_party', sa.Column('supervised_user_id', sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        # SQLite stores enums as text; PostgreSQL's native enum needs the new roles.
        for role in SUPERVISOR_ROLES:
            op.execute(f"ALTER TYPE partyrole ADD VALUE IF NOT EXISTS '{role}'")


def downgrade() -> None:
    with op.batch_alter_table('interaction_party', schema=None) as batch_op:
        batch_op.drop_column('supervised_user_id')
    with op.batch_alter_table('supervision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_supervisor_id'))
        batch_op.drop_index(batch_op.f('ix_supervision_interaction_id'))
        batch_op.drop_index(batch_op.f('ix_supervision_agent_id'))
        batch_op.drop_index(batch_op.f('ix_supervision_active'))
    op.drop_table('supervision')
    sa.Enum(name='supervisionscope').drop(op.get_bind(), checkfirst=True)
    sa.Enum(name='supervisionmode').drop(op.get_bind(), checkfirst=True)
