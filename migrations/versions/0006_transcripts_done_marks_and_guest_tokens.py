"""transcripts, done marks and chat guest tokens

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-24 06:55:34.659932
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import core.store.types


revision: str = '0006'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('interaction_done',
    sa.Column('interaction_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('done_at', core.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('interaction_id', 'user_id')
    )
    op.create_table('guest_token',
    sa.Column('token_digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('created_at', core.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', core.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], ),
    sa.ForeignKeyConstraint(['party_id'], ['interaction_party.id'], ),
    sa.PrimaryKeyConstraint('token_digest')
    )
    with op.batch_alter_table('guest_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guest_token_interaction_id'), ['interaction_id'], unique=False)

    op.create_table('transcript_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=True),
    sa.Column('author_user_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('hidden_from', sa.JSON(), nullable=False),
    sa.Column('meta', sa.JSON(), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('created_at', core.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_user_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], ),
    sa.ForeignKeyConstraint(['party_id'], ['interaction_party.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('transcript_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcript_entry_external_id'), ['external_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transcript_entry_interaction_id'), ['interaction_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('transcript_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcript_entry_interaction_id'))
        batch_op.drop_index(batch_op.f('ix_transcript_entry_external_id'))

    op.drop_table('transcript_entry')
    with op.batch_alter_table('guest_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guest_token_interaction_id'))

    op.drop_table('guest_token')
    op.drop_table('interaction_done')
