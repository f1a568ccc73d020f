"""an e-mail's sanitised HTML on its line, and the attachments' bytes (EML1)

Revision ID: 0012
Revises: 0006
Create Date: 2026-12-02 03:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0012'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('transcript_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('html', sa.Text(), nullable=True))

    # LargeBinary: BLOB on SQLite, BYTEA on PostgreSQL.
    op.create_table('transcript_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=127), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['transcript_entry.id'], ),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('transcript_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcript_attachment_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transcript_attachment_interaction_id'), ['interaction_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('transcript_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcript_attachment_interaction_id'))
        batch_op.drop_index(batch_op.f('ix_transcript_attachment_entry_id'))
    op.drop_table('transcript_attachment')
    with op.batch_alter_table('transcript_entry', schema=None) as batch_op:
        batch_op.drop_column('html')
